"""季度汇总 (issue 6): the 2026Q1 district summary against hand-written SQL aggregates of the same
figures, and the official tables' .xlsx export (time and peak memory of ``minsheng report``).

The summary (``reports.summary.build_summary``) computes every figure per office and for the
district, for 2026Q1, the previous quarter and the same quarter last year, through the programmes'
store queries, plus the indicators. The baseline asks SQLite for the same figures directly: per
period one grouped query per table (GROUP BY office) plus the distinct counts over the district,
and the indicators' inputs — no Python beyond reading the rows. Goal: summary / baseline ≤ 1.5.

Then the summary tab's second worker: the completeness grid and the quality check (goal ≤ 1 s
each at scale 10).

Registered in ``benchmarks/run.py`` as the section ``summary``; on its own:
``python -m benchmarks.run --only summary --scale 10 --repeat 3``.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.run import Figure, Run, median_child

PERIOD = "2026Q1"


def _demo(run: Run) -> Path:
    from desktop.demo import build_demo

    path = run.workdir / f"demo-{run.scale:g}.db"
    if not path.exists():
        build_demo(path, scale=run.scale).conn.close()
    return path


def _periods() -> list[tuple[str, str]]:
    from desktop.domain.periods import parse_period

    p = parse_period(PERIOD)
    return [(q.start.isoformat(), q.end.isoformat()) for q in (p, p.previous(), p.same_last_year())]


ELIGIBLE = """
SELECT w.office, count(*), coalesce(sum(c.checked = 1), 0)
FROM campaigns AS k
JOIN women AS w ON w.office = k.office AND w.deleted = 0
JOIN persons AS t ON t.id = w.person_id AND t.deleted = 0
LEFT JOIN checks AS c INDEXED BY checks_woman
  ON c.woman_id = w.id AND c.campaign_id = k.id AND c.deleted = 0
WHERE k.deleted = 0 AND k.start_date BETWEEN ? AND ?
  AND w.entered_on <= k.start_date
  AND (w.exit_date IS NULL OR w.exit_date > k.start_date)
  AND (w.marital = 'married' OR w.exit_date IS NOT NULL)
  AND (w.marriage_date IS NULL OR w.marriage_date <= k.start_date)
  AND t.birth_date > date(k.start_date, '-50 years')
  AND t.birth_date <= date(k.start_date, '-15 years')
GROUP BY w.office
"""
GROUPED = [
    "SELECT office, procedure_type, count(*) FROM procedures WHERE deleted = 0"
    " AND procedure_date BETWEEN ? AND ? GROUP BY office, procedure_type",
    "SELECT office, count(*) FROM newlyweds WHERE deleted = 0 AND marriage_date BETWEEN ? AND ?"
    " GROUP BY office",
    "SELECT office, kind, sum(quantity) FROM floating_services WHERE deleted = 0"
    " AND service_date BETWEEN ? AND ? GROUP BY office, kind",
]
DISTINCT = [  # (columns, FROM … WHERE …, extra grouping): per office and over the district
    (
        "count(DISTINCT id_number), count(DISTINCT CASE WHEN disease_found = 1"
        " AND advice_given = 1 THEN id_number END)",
        "FROM screenings WHERE deleted = 0 AND screen_date BETWEEN ? AND ?",
        "",
    ),
    (
        "count(DISTINCT student_no), coalesce(sum(amount_fen), 0)",
        "FROM exemptions WHERE deleted = 0 AND granted_on BETWEEN ? AND ?",
        "",
    ),
    (
        "programme_id, count(DISTINCT household_id), coalesce(sum(amount_fen), 0),"
        " coalesce(sum(goods_fen), 0)",
        "FROM payments WHERE deleted = 0 AND pay_date BETWEEN ? AND ?"
        " AND status IN ('paid', 'repaid')",
        "programme_id",
    ),
    (
        "programme_id, count(DISTINCT person_id)",
        "FROM qualifications WHERE deleted = 0 AND status IN ('new', 'continued')"
        " AND confirmed_on BETWEEN ? AND ?",
        "programme_id",
    ),
]
INDICATORS = [
    "SELECT count(*), sum(policy = 'in_policy'), sum(sex = 'M') FROM births WHERE deleted = 0"
    " AND birth_date BETWEEN ? AND ?",
    "SELECT count(*) FROM deaths WHERE deleted = 0 AND death_date BETWEEN ? AND ?",
    "SELECT sum(budget_fen), sum(in_place_fen) FROM funds WHERE deleted = 0"
    " AND period_start >= ? AND period_end <= ?",
    "SELECT sum(p.population), sum(p.married_women), sum(p.contraception_users)"
    " FROM population_counts p WHERE p.deleted = 0 AND p.as_of = (SELECT max(q.as_of)"
    " FROM population_counts q WHERE q.community_id = p.community_id AND q.deleted = 0"
    " AND q.as_of <= ?) AND ? IS NOT NULL",
]


def hand_written(conn: sqlite3.Connection) -> dict[str, Any]:
    """The same figures straight from SQLite; returns the district's 应检 of 2026Q1 as a check."""
    found: dict[str, Any] = {}
    for n, (start, end) in enumerate(_periods()):
        rows = conn.execute(ELIGIBLE, [start, end]).fetchall()
        if n == 0:
            found["eligible"] = sum(r[1] for r in rows)
        for sql in GROUPED:
            conn.execute(sql, [start, end]).fetchall()
        for columns, source, extra in DISTINCT:
            then = f", {extra}" if extra else ""
            conn.execute(
                f"SELECT office, {columns} {source} GROUP BY office{then}", [start, end]
            ).fetchall()
            by = f" GROUP BY {extra}" if extra else ""
            conn.execute(f"SELECT {columns} {source}{by}", [start, end]).fetchall()
        for sql in INDICATORS:
            conn.execute(sql, [start, end]).fetchall()
    return found


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


CHECK_GOAL = 1.0  # s, at scale 10: the grid and the quality list follow the shown summary


def checks(run: Run, path: Path, summary: Any, repeat: int) -> None:
    """The summary tab's second worker: the completeness grid (offices × 8 quarters) and the
    quality check (rules, identities, and the range of each office's 8 previous quarters), each
    on its own connection as the tab opens them."""
    from desktop.reports.quality import completeness, quality_issues
    from desktop.store.db import open_database

    db = open_database(path, migrate=False)
    try:
        completeness(db, summary.period, 8, summary.unit.scope)  # warm the page cache
        grid_t, grid = _median(
            lambda: completeness(db, summary.period, 8, summary.unit.scope), repeat
        )
        check_t, issues = _median(lambda: quality_issues(db, summary), repeat)
    finally:
        db.conn.close()
    cells = len(grid.cells)
    goal = f"≤ {CHECK_GOAL:g} s"
    run.add(Figure(f"completeness grid ({cells} cells: offices × 8 quarters)", grid_t, "s",
                   goal, grid_t <= CHECK_GOAL))  # fmt: skip
    run.add(Figure(f"quality check ({len(issues)} issues, 8 quarters of history)", check_t, "s",
                   goal, check_t <= CHECK_GOAL))  # fmt: skip


def section(run: Run) -> None:
    from desktop.domain.periods import parse_period
    from desktop.reports.summary import build_summary
    from desktop.store.db import connect, open_database

    print(f"\n季度汇总 {PERIOD}, scale {run.scale:g}, median of {max(run.repeat, 3)}")
    path = _demo(run)
    repeat = max(run.repeat, 3)
    db = open_database(path, migrate=False)
    period = parse_period(PERIOD)
    build_summary(db, period)  # warm the page cache for both sides alike
    engine, summary = _median(lambda: build_summary(db, period), repeat)
    db.conn.close()
    conn = connect(path)
    hand_written(conn)
    raw, check = _median(lambda: hand_written(conn), repeat)
    conn.close()
    people = summary.total["kangjian.eligible"]
    run.add(
        Figure(f"summary {PERIOD} (3 periods × {len(summary.units)} offices + 合计)", engine, "s")
    )
    run.add(Figure(f"hand-written SQL aggregates (应检 {check['eligible']} vs {people})", raw, "s"))
    run.add(
        Figure("ratio summary / hand-written SQL", engine / raw, "×", "≤ 1.5", engine / raw <= 1.5)
    )
    checks(run, path, summary, repeat)

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = run.workdir / "summary.xlsx"

    def report(target: Path) -> list[str]:
        return ["-m", "desktop", "report", "--db", str(path), "--period", PERIOD, "-o", str(target)]

    xlsx_t, xlsx_m = median_child(report(out), run.repeat, env)
    json_t, json_m = median_child(report(run.workdir / "summary.json"), run.repeat, env)
    run.add(Figure("minsheng report -o .xlsx (5 official tables)", xlsx_t, "s"))
    run.add(Figure("peak memory of the .xlsx export", xlsx_m, "MB"))
    run.add(Figure("minsheng report -o .json (same summary, no workbook)", json_t, "s"))
    run.add(
        Figure(
            "peak memory growth .xlsx − .json",
            xlsx_m - json_m,
            "MB",
            "< 20 MB",
            xlsx_m - json_m < 20,
        )
    )
