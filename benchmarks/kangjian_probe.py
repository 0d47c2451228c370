"""Measured inside one process on a given database: the roster page's scrolling and searches.

``python benchmarks/kangjian_probe.py DB`` prints one JSON line: the first jump to the middle
(on the GUI thread: the rows show as pending at once; until they are shown: the order is read on a
worker), then seconds per jump to a random screen (its page not cached: the page by rowid), and
seconds for a search by pinyin initials and by ID tail (count + first screen); the roster's quick count
(roster entries alone) against the exact count of the join; campaign_progress at the user's scope
(read on a worker) and for one community (the re-read after a check-in).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from desktop.store.db import open_database
    from desktop.store.users import load_user
    from desktop.ui.context import AppContext
    from desktop.ui.kangjian.roster import RosterPage

    app = QApplication.instance() or QApplication([])
    path = Path(sys.argv[1])
    db = open_database(path)
    ctx = AppContext.create(db, path, load_user(db, "admin"))
    page = RosterPage(ctx)
    page.resize(1200, 700)
    page.show()
    page.apply_filter()
    app.processEvents()
    model = page.model
    rows = model.rowCount()
    # the first jump far ahead: what the GUI thread spends, and when the rows are there
    middle = rows // 2
    started = time.perf_counter()
    for r in range(middle, min(middle + 30, rows)):
        model.data(model.index(r, 0))
    first_gui = time.perf_counter() - started
    while model.reading_rest:
        app.processEvents()
        time.sleep(0.005)
    for r in range(middle, min(middle + 30, rows)):
        model.data(model.index(r, 0))
    first_shown = time.perf_counter() - started
    rng = random.Random(7)
    started = time.perf_counter()
    jumps = 50
    for _ in range(jumps):
        model.result.invalidate_rows()  # a cold page each time, on either roster
        top = rng.randrange(max(rows - 30, 1))
        for r in range(top, min(top + 30, rows)):  # a screenful
            model.data(model.index(r, 0))
    jump = (time.perf_counter() - started) / jumps

    def search(text: str) -> tuple[float, int]:
        page.search.setText(text)
        t = time.perf_counter()
        page.apply_filter()
        for r in range(min(30, model.rowCount())):
            model.data(model.index(r, 0))
        return time.perf_counter() - t, model.rowCount()

    # the roster's count: from the roster entries alone (shown at once) and of the join (worker)
    page.search.setText("")
    page.apply_filter()
    result = model.result
    quick_sql, quick_params = result.quick_count or (result.exact_count_sql(), result.query.params)
    quick_s = timed(lambda: db.execute(quick_sql, quick_params).fetchone())
    exact_s = timed(lambda: db.execute(result.exact_count_sql(), result.query.params).fetchone())

    pinyin_s, pinyin_n = search("zxl")
    tail = str(db.execute("SELECT id_tail FROM persons LIMIT 1 OFFSET 777").fetchone()[0])
    tail_s, tail_n = search(tail)
    progress = progress_figures(db, ctx.user.scope)
    print(json.dumps({"rows": rows, "jump": jump, "first_gui": first_gui,
                      "first_shown": first_shown, "pinyin": pinyin_s, "pinyin_rows": pinyin_n,
                      "tail": tail_s, "tail_rows": tail_n, "quick_count": quick_s,
                      "exact_count": exact_s, **progress}))


def timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def progress_figures(db: Any, scope: Any) -> dict[str, float]:
    """campaign_progress of the newest campaign at the user's scope (the worker's read) and of
    its largest community alone (the re-read after a check-in)."""
    from desktop.store.kangjian import campaign_progress
    from desktop.store.orgs import Scope

    found = db.execute("SELECT id, office FROM campaigns WHERE deleted = 0"
                       " ORDER BY start_date DESC, office LIMIT 1").fetchone()
    if found is None:
        return {}
    campaign, office = found
    ref = [r[0] for r in db.execute(
        "SELECT id FROM campaigns WHERE deleted = 0 AND (name, start_date) ="
        " (SELECT name, start_date FROM campaigns WHERE id = ?)", [campaign])]
    whole = timed(lambda: campaign_progress(db, ref, scope))
    community = db.execute("SELECT community_id FROM women WHERE deleted = 0 AND office = ?"
                           " GROUP BY community_id ORDER BY count(*) DESC LIMIT 1",
                           [office]).fetchone()[0]
    one = Scope(frozenset([office]), frozenset([community]))
    single = timed(lambda: campaign_progress(db, campaign, one))
    return {"progress_all": whole, "progress_one": single}


if __name__ == "__main__":
    main()
