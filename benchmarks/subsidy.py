"""帮扶发放 (issue 4), section ``subsidy-batch`` of ``python -m benchmarks.run``: a 奖励扶助
half-year batch for 1,000 × scale qualified people (100,000 at the default scale 100), proposed
and committed through the store (``propose_batch`` + ``commit_batch``: the write door with its row
rules, the double-payment guard and the audit chain) against one ``executemany`` transaction of the
same payment rows (and the batch row) into a copy of the same database.

The people and their qualifications are set up with plain SQL (not measured); both sides start
from the same file contents, synced to disk first. A third figure, the floor, writes the same rows
and the audit rows the door wrote for them (one row per payment, already hashed) by executemany
through the app's own connection (foreign keys on): what any write that keeps the audit log must
cost before a single rule is checked.
"""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.run import Run


def _setup(path: object, people: int) -> None:
    from desktop.domain.ids import make_id
    from desktop.domain.uuid7 import uuid7
    from desktop.store.db import open_database, transaction
    from desktop.store.subsidy import programme_by_code

    db = open_database(path)  # type: ignore[arg-type]
    reward = programme_by_code(db, "reward").id
    stamp = "2026-01-05T09:00:00.000+08:00"
    sync = (1, stamp, "system", 0)
    with transaction(db) as conn:
        district = uuid7()
        conn.execute(
            "INSERT INTO org_units(id, level, name) VALUES (?, 'district', '基准区')", [district]
        )
        communities: list[tuple[str, str]] = []
        for o in range(6):
            office = uuid7()
            conn.execute(
                "INSERT INTO org_units(id, parent_id, level, name, code) VALUES (?,?,?,?,?)",
                [office, district, "office", f"办事处{o}", f"O{o}"],
            )
            for c in range(6):
                communities.append((uuid7(), f"O{o}"))
                conn.execute(
                    "INSERT INTO org_units(id, parent_id, level, name) VALUES (?,?,?,?)",
                    [communities[-1][0], office, "community", f"社区{o}-{c}"],
                )
        persons, qualifications = [], []
        for n in range(people):
            community, office = communities[n % len(communities)]
            born = date(1950, 1, 1) + timedelta(days=(n // 500) % 3650)
            number = make_id("419901", born, 2 * (n % 500) + 1)
            pid = uuid7()
            persons.append(
                (pid, office, *sync, community, "老人", "lr", number, number[-4:], "M")
                + (born.isoformat(), "rural", "2024-01-01")
            )
            qualifications.append(
                (uuid7(), office, *sync, community, pid, reward, 2026, "continued", "2026-02-10")
                + ("2026-01-01", "2026-02-10", "system")
            )
        conn.executemany(
            "INSERT INTO persons(id, office, rev, updated_at, updated_by, deleted, community_id,"
            " name, pinyin, id_number, id_tail, sex, birth_date, hukou, created_on)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            persons,
        )
        conn.executemany(
            "INSERT INTO qualifications(id, office, rev, updated_at, updated_by, deleted,"
            " community_id, person_id, programme_id, year, status, status_on, start_on,"
            " confirmed_on, confirmed_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            qualifications,
        )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()


def section(run: Run) -> None:
    import shutil

    from benchmarks.run import Figure
    from desktop.store.db import open_database
    from desktop.store.door import WriteDoor
    from desktop.store.subsidy import commit_batch, programme_by_code, propose_batch
    from desktop.store.users import SYSTEM

    people = round(1000 * run.scale)
    print(f"\n帮扶发放 奖励扶助 half-year batch, {people:,} qualified people")
    path, base_path = run.workdir / "subsidy-batch.db", run.workdir / "subsidy-raw.db"
    floor_path = run.workdir / "subsidy-floor.db"
    for p in (path, base_path, floor_path):
        p.unlink(missing_ok=True)
    _setup(path, people)
    shutil.copy(path, base_path)
    os.sync()

    shutil.copy(path, floor_path)
    os.sync()

    db = open_database(path)
    seq_before = db.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0]
    reward = programme_by_code(db, "reward").id
    started = time.perf_counter()
    batch = propose_batch(db, reward, "2026-01-01", "2026-06-30", SYSTEM, pay_date="2026-03-25")
    proposed = time.perf_counter() - started
    batch_id = commit_batch(WriteDoor(db, SYSTEM), batch)
    total = time.perf_counter() - started
    batch_cols = [r[1] for r in db.execute("PRAGMA table_info(payment_batches)")]
    batch_row = db.execute(
        f"SELECT {','.join(batch_cols)} FROM payment_batches WHERE id = ?", [batch_id]
    ).fetchone()
    columns = [r[1] for r in db.execute("PRAGMA table_info(payments)")]
    rows = db.execute(f"SELECT {','.join(columns)} FROM payments").fetchall()
    audit_rows = db.execute("SELECT * FROM audit WHERE seq > ? ORDER BY seq", [seq_before]).fetchall()
    db.conn.close()

    os.sync()
    conn = sqlite3.connect(base_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute(
        f"INSERT INTO payment_batches ({','.join(batch_cols)})"
        f" VALUES ({','.join('?' * len(batch_cols))})",
        batch_row,
    )
    conn.executemany(
        f"INSERT INTO payments ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})",
        rows,
    )
    conn.execute("COMMIT")
    raw = time.perf_counter() - started
    conn.close()
    # What the door cannot avoid: the same rows and their audit rows (already hashed), one
    # executemany each, through the app's own connection (foreign keys on), nothing checked.
    from desktop.store.db import connect

    os.sync()
    conn = connect(floor_path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute(
        f"INSERT INTO payment_batches ({','.join(batch_cols)})"
        f" VALUES ({','.join('?' * len(batch_cols))})",
        batch_row,
    )
    conn.executemany(
        f"INSERT INTO payments ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})",
        rows,
    )
    conn.executemany(f"INSERT INTO audit VALUES ({','.join('?' * 11)})", audit_rows)
    conn.execute("COMMIT")
    floor = time.perf_counter() - started
    conn.close()
    run.add(Figure(f"propose batch ({len(rows):,} payments)", proposed, "s"))
    run.add(Figure("propose + commit through the store and the write door", total, "s"))
    run.add(Figure("one executemany transaction of the same rows", raw, "s"))
    ratio = total / raw
    run.add(Figure("ratio batch / executemany", ratio, "×", "≤ 2", ratio <= 2))
    run.add(Figure("floor: same rows + their audit rows, app connection", floor, "s"))
    run.add(Figure("ratio floor / executemany (no rule checked)", floor / raw, "×"))


def section_posting_pdf(run: Run) -> None:
    """Section ``posting-pdf``: the 公示 PDF of 100 × scale rows (10,000 at the default scale),
    cut into page-sized tables up front (``write_pdf``) against the same rows left as one table
    for reportlab to split (``split_pages=False``, how it was written before). Same pages."""
    import subprocess
    import tempfile

    from benchmarks.run import Figure
    from desktop.reports.pdf import PdfTable, cjk_font, write_pdf
    from desktop.reports.posting import (
        POSTING_HEAD,
        POSTING_WIDTHS,
        Posting,
        PostingLine,
        posting_notes,
        posting_rows,
    )

    count = round(100 * run.scale)
    print(f"\n帮扶发放 公示 PDF, {count:,} rows")
    lines = [
        PostingLine(f"社区{i % 36}", f"张小{i % 97}", "奖励扶助", "一孩", "960.00 元/人·年")
        for i in range(count)
    ]
    posting = Posting(
        "2026年度奖励扶助对象公示", "城关街道办事处", "2026-03-01", "2026-03-07", "计生办", lines
    )
    table = PdfTable(
        title=posting.title,
        head=[list(POSTING_HEAD)],
        rows=posting_rows(posting),
        below=posting_notes(posting),
        col_widths=POSTING_WIDTHS,
        numeric_from=6,
    )
    cjk_font()
    pages = {}
    seconds = {}
    with tempfile.TemporaryDirectory() as folder:
        for split in (True, False):
            target = f"{folder}/{split}.pdf"
            times = []
            for _ in range(run.repeat):
                started = time.perf_counter()
                write_pdf(target, [table], title=posting.title, split_pages=split)
                times.append(time.perf_counter() - started)
            seconds[split] = min(times)
            info = subprocess.run(["pdfinfo", target], capture_output=True, text=True).stdout
            pages[split] = next(
                (int(x.split()[-1]) for x in info.splitlines() if x.startswith("Pages")), 0
            )
    run.add(Figure(f"公示 PDF, page-sized tables ({pages[True]} pages)", seconds[True], "s"))
    run.add(
        Figure(
            f"公示 PDF, one table split by reportlab ({pages[False]} pages)", seconds[False], "s"
        )
    )
    ratio = seconds[True] / seconds[False]
    run.add(
        Figure(
            "ratio page-sized / one table",
            ratio,
            "×",
            "≤ 0.5, same pages",
            ratio <= 0.5 and pages[True] == pages[False],
        )
    )
