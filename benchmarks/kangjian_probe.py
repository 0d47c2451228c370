"""Measured inside one process on a given database: the roster page's scrolling and searches.

``python benchmarks/kangjian_probe.py DB`` prints one JSON line: seconds per jump to a random
screen (its page not cached: the rowids up to it are read, then the page by rowid), and seconds for a search by pinyin initials and by ID tail (count + first screen).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

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

    pinyin_s, pinyin_n = search("zxl")
    tail = str(db.execute("SELECT id_tail FROM persons LIMIT 1 OFFSET 777").fetchone()[0])
    tail_s, tail_n = search(tail)
    print(json.dumps({"rows": rows, "jump": jump, "pinyin": pinyin_s, "pinyin_rows": pinyin_n,
                      "tail": tail_s, "tail_rows": tail_n}))


if __name__ == "__main__":
    main()
