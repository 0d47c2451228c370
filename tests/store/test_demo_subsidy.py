"""The demo district's 帮扶发放: the report's 2026Q1 figures (187 户贫困计生户 paid 慰问 totalling
13余万元; 304 奖励扶助 and 23 特别扶助 people confirmed) read back through the store's queries,
at two scales, and plausible years around them.

The fixture builds the org units and the 帮扶发放 step only: the step has its own random source and
does not depend on the other steps or on the scale (see desktop/demo/subsidy.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from desktop.demo import build_demo, district, load_params, subsidy
from desktop.domain.periods import parse_period, quarter, quarters_between
from desktop.store import subsidy as S
from desktop.store.orgs import OrgTree, Scope

REPORT = load_params()["subsidy"]["report"]
Q1 = parse_period(REPORT["period"])


def _build(tmp_path_factory: pytest.TempPathFactory, scale: float) -> sqlite_utils.Database:
    path: Path = tmp_path_factory.mktemp(f"subsidy-demo-{scale}") / "demo.db"
    return build_demo(path, scale=scale, steps=[district.ORG_UNITS, subsidy.SUBSIDY])


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> sqlite_utils.Database:
    return _build(tmp_path_factory, 1.0)


def _report_figures(db: sqlite_utils.Database) -> tuple[dict[str, int], S.ProgrammeTotals]:
    totals = {t.code: t for t in S.period_totals(db, Q1)}
    return S.confirmed_counts(db, Q1), totals["condolence"]


def test_report_quarter_is_the_report(demo: sqlite_utils.Database) -> None:
    confirmed, condolence = _report_figures(demo)
    assert confirmed == {"reward": 304, "special": 23}
    assert REPORT["reward_confirmed"] == 304 and REPORT["special_confirmed"] == 23
    assert condolence.households == 187 == REPORT["poor_households"]
    assert condolence.people == 187 and condolence.payments == 187
    assert 130_000_00 <= condolence.total_fen < 140_000_00
    assert condolence.cash_fen > 0 and condolence.goods_fen > 0
    # two payments of the quarter came back and were not re-paid (not counted), two were re-paid
    statuses = dict(
        demo.execute(
            "SELECT p.status, count(*) FROM payments AS p JOIN subsidy_programmes AS g"
            " ON g.id = p.programme_id WHERE g.code = 'condolence' AND p.pay_date BETWEEN ? AND ?"
            " GROUP BY p.status",
            [Q1.start.isoformat(), Q1.end.isoformat()],
        ).fetchall()
    )
    assert statuses.get("returned") == REPORT["poor_returned"] == 2
    assert statuses.get("repaid", 0) >= 2


def test_the_figures_do_not_depend_on_the_scale(
    demo: sqlite_utils.Database, tmp_path_factory: pytest.TempPathFactory
) -> None:
    small = _build(tmp_path_factory, 0.2)
    assert _report_figures(small) == _report_figures(demo)


def test_offices_add_up_to_the_district(demo: sqlite_utils.Database) -> None:
    offices = [o.code for o in OrgTree.load(demo).offices()]
    per_office = [S.confirmed_counts(demo, Q1, Scope(frozenset([o]))) for o in offices]
    assert sum(c["reward"] for c in per_office) == 304
    assert sum(c["special"] for c in per_office) == 23
    rows = [r for r in S.office_totals(demo, Q1) if r.code == "condolence"]
    assert sum(r.households for r in rows) == 187
    assert sum(r.total_fen for r in rows) == _report_figures(demo)[1].total_fen
    assert len({r.office for r in S.office_totals(demo, Q1)}) == len(offices)


def test_the_identity_holds_every_year(demo: sqlite_utils.Database) -> None:
    for programme in S.list_programmes(demo):
        if programme.per_household:
            continue
        sizes = []
        for year in (2024, 2025, 2026):
            rows = S.headcount_identity(demo, programme.id, year)
            assert rows and all(r.holds for r in rows), (programme.code, year, rows)
            sizes.append(sum(r.this_year for r in rows))
        if programme.code == "reward":
            assert sizes[0] < sizes[2]  # the programme grows as people turn 60
    special = S.programme_by_code(demo, "special")
    assert {r.category for r in S.headcount_identity(demo, special.id, 2026)} == {
        "dead",
        "disabled",
    }


def test_history_is_plausible_and_nobody_is_paid_twice(demo: sqlite_utils.Database) -> None:
    quarters = quarters_between(quarter(2024, 1), quarter(2026, 3))
    for q in quarters:
        totals = {t.code: t for t in S.period_totals(demo, q)}
        assert totals["special"].people > 15, q.key  # paid every quarter
        assert (totals["reward"].people > 250) == (q.start.month in (1, 7)), q.key  # by half-year
        assert (totals["condolence"].households > 150) == (q.start.month in (1, 7)), q.key
    overlapping = demo.execute(
        "SELECT count(*) FROM payments AS a JOIN payments AS b ON b.person_id = a.person_id"
        " AND b.programme_id = a.programme_id AND b.id > a.id AND b.deleted = 0"
        " AND b.covered_start <= a.covered_end AND a.covered_start <= b.covered_end"
        " WHERE a.deleted = 0"
    ).fetchone()[0]
    assert overlapping == 0
    counts = dict(demo.execute("SELECT status, count(*) FROM payments GROUP BY status").fetchall())
    assert counts["paid"] > 2500 and counts["returned"] > 0 and counts["repaid"] > 0
    batches = demo.execute(
        "SELECT count(*), count(DISTINCT batch_no), min(approved_by) FROM payment_batches"
    ).fetchone()
    assert batches[0] == batches[1] > 50 and batches[2] == "system"
    # amounts follow the standards: 奖励扶助 960 元 a year, so a full half-year is 480 元
    full = demo.execute(
        "SELECT count(*) FROM payments AS p JOIN subsidy_programmes AS g ON g.id = p.programme_id"
        " WHERE g.code = 'reward' AND p.covered_start = '2026-01-01' AND p.amount_fen != 48000"
    ).fetchone()[0]
    partial = demo.execute(
        "SELECT count(*) FROM payments AS p JOIN subsidy_programmes AS g ON g.id = p.programme_id"
        " WHERE g.code = 'reward' AND p.covered_start > '2026-01-01' AND p.covered_start < '2026-07-01'"
    ).fetchone()[0]
    assert full == 0 and partial > 0  # new entrants are paid from the month after their birthday
