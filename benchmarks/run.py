"""``python -m benchmarks.run``: build scaled demo districts and print figures against baselines.

Every figure is a ratio against a baseline measured in the same run on the same machine, so the
numbers mean something on any machine. Goals come from the issues; the last column says whether the
figure meets its goal. Later issues add their own sections (see SECTIONS at the bottom).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    goal: str = ""
    met: bool | None = None

    def line(self) -> str:
        verdict = "" if self.met is None else ("达标 ok" if self.met else "未达标 MISSED")
        return f"  {self.name:<58} {self.value:>10.3f} {self.unit:<6} {self.goal:<14} {verdict}"


@dataclass
class Run:
    workdir: Path
    scale: float
    repeat: int
    figures: list[Figure]

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        print(figure.line(), flush=True)


def timed_child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a Python child (``cmd`` without the interpreter); return (wall s, its own peak RSS MB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak", delete=False) as fh:
        peak_file = Path(fh.name)
    full = [sys.executable, str(ROOT / "benchmarks" / "peak.py"), str(peak_file), *cmd]
    started = time.perf_counter()
    proc = subprocess.run(full, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.decode()}")
    peak = float(peak_file.read_text().split()[-1])
    peak_file.unlink()
    return wall, peak


def median_child(
    cmd: list[str], repeat: int, env: dict[str, str] | None = None
) -> tuple[float, float]:
    runs = [timed_child(cmd, env) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


# -- sections -----------------------------------------------------------------------------------


def build_empty(path: Path) -> None:
    """A district with its administrator and nothing else: the 'empty' side of start-up ratios."""
    from desktop.domain.uuid7 import uuid7
    from desktop.store.db import open_database, transaction
    from desktop.store.users import SYSTEM, create_user

    db = open_database(path)
    district = uuid7()
    with transaction(db) as conn:
        conn.execute(
            "INSERT INTO org_units(id, parent_id, level, name) VALUES (?, NULL, 'district', '空白区')",
            [district],
        )
    create_user(db, SYSTEM, "admin", "demo", "admin", district, can_reveal=True)
    db.conn.close()


def section_build(run: Run) -> None:
    from desktop.demo import build_demo

    print(f"\n建库 building the district, --scale {run.scale:g}")
    path = run.workdir / f"demo-{run.scale:g}.db"
    started = time.perf_counter()
    db = build_demo(path, scale=run.scale)
    build = time.perf_counter() - started
    persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    columns = [r[1] for r in db.execute("PRAGMA table_info(persons)")]
    sample = db.execute(f"SELECT {','.join(columns)} FROM persons").fetchall()
    db.conn.close()
    # Baseline: the same person rows into the same schema with one executemany transaction.
    base_path = run.workdir / "baseline.db"
    base_path.unlink(missing_ok=True)
    from desktop.store.db import open_database

    open_database(base_path).conn.close()
    conn = sqlite3.connect(base_path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        f"INSERT INTO persons ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})", sample
    )
    conn.execute("COMMIT")
    raw = time.perf_counter() - started
    conn.close()
    run.add(Figure(f"build demo district ({persons:,} persons)", build, "s"))
    run.add(Figure("raw executemany of the same persons", raw, "s"))
    run.add(Figure("database size", path.stat().st_size / 2**20, "MB"))


def section_first_paint(run: Run) -> None:
    print("\n首屏 open-to-first-paint (--screenshot), median of", run.repeat)
    big = run.workdir / f"demo-{run.scale:g}.db"
    if not big.exists():
        from desktop.demo import build_demo

        build_demo(big, scale=run.scale).conn.close()
    empty = run.workdir / "empty.db"
    if not empty.exists():
        build_empty(empty)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MINSHENG_PASSWORD": "demo"}
    shot = str(run.workdir / "shot.png")

    def app(db: Path) -> list[str]:
        return ["-m", "desktop", "--db", str(db), "--user", "admin", "--screenshot", shot]

    big_t, big_m = median_child(app(big), run.repeat, env)
    empty_t, empty_m = median_child(app(empty), run.repeat, env)
    bare_t, bare_m = median_child(
        [str(ROOT / "benchmarks" / "bare_window.py"), shot], run.repeat, env
    )
    run.add(Figure("first paint, scaled district", big_t, "s"))
    run.add(Figure("first paint, empty district", empty_t, "s"))
    run.add(Figure("first paint, bare PySide6 window with one label", bare_t, "s"))
    ratio = big_t / empty_t
    run.add(Figure("ratio scaled / empty", ratio, "×", "≤ 1.3", ratio <= 1.3))
    growth = big_m - empty_m
    run.add(Figure("peak memory growth scaled − empty", growth, "MB", "< 50 MB", growth < 50))
    ratio = empty_t / bare_t
    run.add(Figure("ratio empty district / bare window", ratio, "×", "≤ 2.5", ratio <= 2.5))
    run.add(Figure("peak memory, scaled district", big_m, "MB"))


def section_exemption_batch(run: Run) -> None:
    """两免一补: a district-wide semester batch (propose + commit through the write door, with its
    rules and audit) against one executemany transaction of the same rows into the same schema."""
    from datetime import date, timedelta

    from desktop.domain.ids import make_id
    from desktop.domain.uuid7 import uuid7
    from desktop.store.db import backup, open_database, transaction
    from desktop.store.door import WriteDoor
    from desktop.store.exemption import commit_batch, propose_batch
    from desktop.store.users import SYSTEM

    students = round(1000 * run.scale)  # 100 000 at the default scale
    print(f"\n两免一补 semester batch, {students:,} students")
    path, base_path = run.workdir / "exemption-batch.db", run.workdir / "exemption-raw.db"
    for p in (path, base_path):
        p.unlink(missing_ok=True)
    db = open_database(path)
    communities: list[str] = []
    with transaction(db) as conn:
        district = uuid7()
        conn.execute(
            "INSERT INTO org_units(id, level, name) VALUES (?, 'district', '基准区')", [district]
        )
        for o in range(6):
            office = uuid7()
            conn.execute(
                "INSERT INTO org_units(id, parent_id, level, name, code) VALUES (?,?,?,?,?)",
                [office, district, "office", f"办事处{o}", f"O{o}"],
            )
            for c in range(6):
                communities.append(uuid7())
                conn.execute(
                    "INSERT INTO org_units(id, parent_id, level, name) VALUES (?,?,?,?)",
                    [communities[-1], office, "community", f"社区{o}-{c}"],
                )
    door = WriteDoor(db, SYSTEM)
    stages = ("primary", "primary", "junior", "nine_year")
    schools = [
        {
            "community_id": communities[n % len(communities)],
            "code": f"21419{n:05d}",
            "name": f"第{n}学校",
            "stage": stages[n % 4],
            "boarding": int(n % 3 == 0),
        }
        for n in range(max(4, students // 1000))
    ]
    school_ids = door.insert_many("schools", schools)

    def student(n: int) -> dict[str, object]:
        school = schools[n % len(schools)]
        grade = 7 + n % 3 if school["stage"] == "junior" else 1 + n % 6
        born = date(2019 - grade, 1, 1) + timedelta(days=(n // 499) % 360)
        number = make_id("419901", born, 2 * (n % 499) + 1)
        hardship = n % 5 == 0
        return {
            "community_id": school["community_id"],
            "school_id": school_ids[n % len(schools)],
            "student_no": "G" + number,
            "no_tail": number[-4:],
            "name": "学生",
            "pinyin": "xs",
            "sex": "M",
            "birth_date": born.isoformat(),
            "id_number": number,
            "grade": grade,
            "boarding": int(bool(school["boarding"]) and n % 2 == 0),
            "hardship": "dibao" if hardship else None,
            "hardship_confirmed_on": "2025-09-01" if hardship else None,
        }

    door.insert_many("students", (student(n) for n in range(students)), batch=5000)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    backup(db, base_path)  # the same schema and students for every run of both sides
    db.conn.close()
    # Each run copies the students afresh for both sides and times them back to back; the
    # figures are medians over the runs, the ratio the median of the runs' own ratios (a shared
    # machine's load moves both sides of a run alike). CPU time is shown beside wall time.
    import shutil

    raw_path = run.workdir / "exemption-raw-run.db"
    walls: list[tuple[float, float, float]] = []  # propose, door, executemany
    ratios: list[tuple[float, float]] = []  # wall, CPU
    for attempt in range(1, max(1, run.repeat) + 1):
        for p in (path, raw_path):
            for extra in ("-wal", "-shm"):
                Path(f"{p}{extra}").unlink(missing_ok=True)
            shutil.copyfile(base_path, p)
        os.sync()  # neither side pays for writing back the other's dirty pages
        db = open_database(path)
        started, cpu = time.perf_counter(), time.process_time()
        batch = propose_batch(db, None, "2026春", SYSTEM, granted_on="2026-03-16")
        proposed = time.perf_counter() - started
        commit_batch(WriteDoor(db, SYSTEM), batch)
        total, total_cpu = time.perf_counter() - started, time.process_time() - cpu
        columns = [r[1] for r in db.execute("PRAGMA table_info(exemptions)")]
        rows = db.execute(f"SELECT {','.join(columns)} FROM exemptions").fetchall()
        db.conn.close()

        os.sync()
        conn = sqlite3.connect(raw_path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        started, cpu = time.perf_counter(), time.process_time()
        conn.execute("BEGIN")
        conn.executemany(
            f"INSERT INTO exemptions ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})",
            rows,
        )
        conn.execute("COMMIT")
        raw, raw_cpu = time.perf_counter() - started, time.process_time() - cpu
        conn.close()
        walls.append((proposed, total, raw))
        ratios.append((total / raw, total_cpu / raw_cpu))
        print(
            f"  run {attempt}: propose {proposed:.3f} s, door {total:.3f} s (CPU {total_cpu:.3f}),"
            f" executemany {raw:.3f} s (CPU {raw_cpu:.3f}), ratio {total / raw:.3f}"
            f" (CPU {total_cpu / raw_cpu:.3f})",
            flush=True,
        )
    proposed, total, raw = (statistics.median(w[i] for w in walls) for i in range(3))
    run.add(Figure(f"propose batch ({len(rows):,} records)", proposed, "s"))
    run.add(Figure("propose + commit through the write door", total, "s"))
    run.add(Figure("one executemany transaction of the same rows", raw, "s"))
    ratio = statistics.median(r[0] for r in ratios)
    run.add(Figure("ratio batch / executemany (median of runs)", ratio, "×", "≤ 2", ratio <= 2))
    cpu_ratio = statistics.median(r[1] for r in ratios)
    run.add(Figure("ratio of CPU time (median of runs)", cpu_ratio, "×"))


SECTIONS: dict[str, Callable[[Run], None]] = {
    "build": section_build,
    "first-paint": section_first_paint,
    "exemption-batch": section_exemption_batch,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument(
        "--scale", type=float, default=100.0, help="demo district scale (100 ≈ 1M people)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per start-up figure (median)")
    parser.add_argument(
        "--only", nargs="*", choices=sorted(SECTIONS), help="run only these sections"
    )
    parser.add_argument(
        "--workdir", type=Path, help="keep the databases here (default: a temp folder)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="minsheng-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        run = Run(workdir, args.scale, args.repeat, [])
        print(
            f"民生台账 benchmarks — scale {args.scale:g}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
        )
        for name in args.only or list(SECTIONS):
            SECTIONS[name](run)
        missed = [f.name for f in run.figures if f.met is False]
        print(
            f"\n{len(run.figures)} figures, {len(missed)} goals missed"
            + (f": {missed}" if missed else "")
        )
    return 0



def _demo_db(run: Run, scale: float) -> Path:
    from desktop.demo import build_demo

    path = run.workdir / f"demo-{scale:g}.db"
    if not path.exists():
        build_demo(path, scale=scale).conn.close()
    return path


def section_kangjian(run: Run) -> None:
    """康检 (issue 3): the roster tab on a million women against a 1,000-woman roster; searches;
    importing a 200,000-row roster workbook against calamine + one executemany."""
    import json

    print(f"\n康检 roster, scale {run.scale:g} against about 1,000 women, median of {run.repeat}")
    big = _demo_db(run, run.scale)
    small = _demo_db(run, 1000 / 11600)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MINSHENG_PASSWORD": "demo"}
    shot = str(run.workdir / "shot.png")

    def app(db: Path) -> list[str]:
        return ["-m", "desktop", "--db", str(db), "--user", "admin", "--tab", "kangjian",
                "--screenshot", shot]

    big_t, big_m = median_child(app(big), run.repeat, env)
    small_t, small_m = median_child(app(small), run.repeat, env)
    run.add(Figure("康检 tab first paint, scaled roster", big_t, "s"))
    run.add(Figure("康检 tab first paint, 1,000-woman roster", small_t, "s"))
    run.add(Figure("ratio scaled / small", big_t / small_t, "×", "≤ 1.5", big_t / small_t <= 1.5))
    growth = big_m - small_m
    run.add(Figure("peak memory growth scaled − small", growth, "MB", "< 100 MB", growth < 100))

    probe = str(ROOT / "benchmarks" / "kangjian_probe.py")
    results = {}
    for name, db in (("big", big), ("small", small)):
        out = subprocess.run([sys.executable, probe, str(db)], env=env, cwd=ROOT,
                             capture_output=True, text=True, check=True)
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    b, s = results["big"], results["small"]
    run.add(Figure("scroll: first jump to the middle, GUI thread (rows pending)", b["first_gui"],
                   "s", "< 0.1 s", b["first_gui"] < 0.1))
    run.add(Figure("scroll: first jump to the middle, until its rows show (worker)",
                   b["first_shown"], "s"))
    run.add(Figure(f"scroll: jump to a random screen ({b['rows']:,} women)", b["jump"], "s"))
    run.add(Figure(f"scroll: jump to a random screen ({s['rows']:,} women)", s["jump"], "s"))
    ratio = b["jump"] / s["jump"]
    run.add(Figure("ratio scroll scaled / small", ratio, "×", "≤ 1.5", ratio <= 1.5))
    run.add(Figure(f"search pinyin 'zxl' ({b['pinyin_rows']:,} found)", b["pinyin"], "s",
                   "< 0.2 s", b["pinyin"] < 0.2))
    run.add(Figure(f"search ID tail ({b['tail_rows']:,} found)", b["tail"], "s",
                   "< 0.2 s", b["tail"] < 0.2))
    run.add(Figure("roster count, entries alone (shown with the first screen)", b["quick_count"],
                   "s"))
    run.add(Figure("roster count, exact join (a worker, 1 s later)", b["exact_count"], "s"))
    if "progress_all" in b:
        run.add(Figure("campaign progress, whole district (a worker)", b["progress_all"], "s"))
        run.add(Figure("campaign progress, one community (after a check-in, GUI thread)",
                       b["progress_one"], "s", "< 0.1 s", b["progress_one"] < 0.1))
    _roster_import(run, small)


def _roster_import(run: Run, target: Path, rows: int = 200_000) -> None:
    import shutil
    from datetime import date

    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from desktop.domain.ids import make_id
    from desktop.imports import run_import
    from desktop.store.db import open_database
    from desktop.store.orgs import OrgTree
    from desktop.store.users import load_user

    print(f"\n康检 roster import, {rows:,} rows")
    book = run.workdir / f"roster-{rows}.xlsx"
    db = open_database(target)
    communities = [u.name for u in OrgTree.load(db).communities()]
    db.conn.close()
    if not book.exists():
        wb = xlsxwriter.Workbook(str(book), {"constant_memory": True})
        ws = wb.add_worksheet()
        headers = ["姓名", "身份证号", "社区", "结婚日期", "联系电话", "避孕措施"]
        ws.write_row(0, 0, headers)
        for i in range(rows):
            born = date(1978 + i % 25, 1 + i % 12, 1 + i % 28)
            number = make_id(f"4199{10 + i // 249_500 % 80:02d}", born, 2 * ((i // 12) % 499) + 2)
            ws.write_row(i + 1, 0, [f"测试{i}", number, communities[i % len(communities)],
                                    f"{born.year + 22}-05-01", f"139{i:08d}", "药具"])
        wb.close()
    # the import, through the kinds, validation and the write door
    work = run.workdir / "import-target.db"
    shutil.copy(target, work)
    db = open_database(work)
    seq_before = db.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0]
    os.sync()
    started = time.perf_counter()
    report = run_import(db, load_user(db, "admin"), "women", book)
    full = time.perf_counter() - started
    # the rows the import wrote, for the second baseline (same tables, same indexes)
    written = {
        table: db.execute(
            f"SELECT * FROM {table} WHERE id IN (SELECT record_id FROM audit"
            " WHERE table_name = ? AND action = 'insert' AND seq > ?)",
            [table, seq_before],
        ).fetchall()
        for table in ("persons", "women")
    }
    audit_rows = db.execute("SELECT * FROM audit WHERE seq > ? ORDER BY seq", [seq_before]).fetchall()
    db.conn.close()
    # baseline 2: calamine read + one executemany of the same records into the app's own tables
    schema_base = run.workdir / "import-schema.db"
    shutil.copy(target, schema_base)
    os.sync()
    started = time.perf_counter()
    CalamineWorkbook.from_path(str(book)).get_sheet_by_index(0).to_python()
    conn = sqlite3.connect(schema_base, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("BEGIN")
    for table, records in written.items():
        marks = ",".join("?" * len(records[0])) if records else ""
        if records:
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", records)
    conn.execute("COMMIT")
    conn.close()
    in_schema = time.perf_counter() - started
    # the floor: the same, plus the audit rows the import wrote (already hashed), through the app's
    # own connection (foreign keys on) — what any audited write costs before a rule is checked
    from desktop.store.db import connect

    floor_base = run.workdir / "import-floor.db"
    shutil.copy(target, floor_base)
    os.sync()
    started = time.perf_counter()
    CalamineWorkbook.from_path(str(book)).get_sheet_by_index(0).to_python()
    conn = connect(floor_base)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("BEGIN")
    for table, records in written.items():
        if records:
            conn.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(records[0]))})",
                             records)
    conn.executemany(f"INSERT INTO audit VALUES ({','.join('?' * 11)})", audit_rows)
    conn.execute("COMMIT")
    conn.close()
    floor = time.perf_counter() - started
    # baseline: calamine read + one executemany of the same cells into a plain table
    base = run.workdir / "import-raw.db"
    base.unlink(missing_ok=True)
    started = time.perf_counter()
    sheet = CalamineWorkbook.from_path(str(book)).get_sheet_by_index(0).to_python()
    conn = sqlite3.connect(base, isolation_level=None)
    conn.execute("CREATE TABLE roster (name, id_number, community, married, phone, method)")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO roster VALUES (?,?,?,?,?,?)", sheet[1:])
    conn.execute("COMMIT")
    conn.close()
    raw = time.perf_counter() - started
    run.add(Figure(f"import women ({report.written:,} written)", full, "s"))
    run.add(Figure("calamine read + one executemany", raw, "s"))
    run.add(Figure("ratio import / baseline", full / raw, "×", "≤ 2", full / raw <= 2))
    # The plain table has no index; the app's roster tables keep nine person and four women
    # indexes and foreign keys. The same records written by one executemany into those tables
    # show what the import costs beyond storing the records at all.
    run.add(Figure("calamine read + one executemany into persons + women", in_schema, "s"))
    run.add(Figure("ratio import / same-tables baseline", full / in_schema, "×", "≤ 2",
                   full / in_schema <= 2))
    run.add(Figure("floor: same tables + the import's audit rows, app connection", floor, "s"))
    run.add(Figure("ratio floor / baseline (no rule checked)", floor / raw, "×"))
    run.add(Figure("ratio import / floor", full / floor, "×"))


def section_kangjian_import(run: Run) -> None:
    """康检 (issue 3): only the roster import, against a 1,000-woman roster; the workbook has
    2,000 × scale rows (200,000 at the default scale 100), so small scales iterate quickly."""
    _roster_import(run, _demo_db(run, 1000 / 11600), rows=round(2000 * run.scale))


SECTIONS["kangjian"] = section_kangjian
SECTIONS["summary"] = lambda run: __import__("benchmarks.summary", fromlist=["section"]).section(run)
SECTIONS["kangjian-import"] = section_kangjian_import
SECTIONS["charts"] = lambda run: __import__("benchmarks.charts", fromlist=["section"]).section(run)
SECTIONS["subsidy-batch"] = lambda run: __import__(
    "benchmarks.subsidy", fromlist=["section"]
).section(run)
SECTIONS["posting-pdf"] = lambda run: __import__(
    "benchmarks.subsidy", fromlist=["section_posting_pdf"]
).section_posting_pdf(run)

SECTIONS["packages"] = lambda run: __import__(
    "benchmarks.packages", fromlist=["section"]
).section(run)

if __name__ == "__main__":
    raise SystemExit(main())
