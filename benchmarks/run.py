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


SECTIONS: dict[str, Callable[[Run], None]] = {
    "build": section_build,
    "first-paint": section_first_paint,
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


if __name__ == "__main__":
    raise SystemExit(main())
