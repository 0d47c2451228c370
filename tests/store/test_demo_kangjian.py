"""The demo district's 康检: the report's 2026Q1 figures, computed back from person-level records."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlite_utils

from desktop.demo import STEPS, build_demo, load_params
from desktop.demo.kangjian import KANGJIAN
from desktop.domain.choices import UNCHECKED_REASON
from desktop.domain.periods import quarter
from desktop.store.db import get_setting
from desktop.store.kangjian import (
    CampaignKey,
    campaign_keys,
    campaign_progress,
    floating_service_totals,
    four_procedures,
    newlywed_count,
    progress_summary,
    screening_counts,
    unchecked_list,
)
from desktop.store.orgs import OrgTree, Scope
from tests.store.test_kangjian import eligible_by_domain

SPRING = CampaignKey("2026年春季康检", "2026-03-01", "2026-03-31")
Q1 = quarter(2026, 1)
TABLES = (
    "women",
    "campaigns",
    "checks",
    "campaign_totals",
    "screenings",
    "newlyweds",
    "procedures",
    "floating_services",
)


# The steps up to 康检 (later programmes' steps do not change its figures, and cost time here).
UP_TO_KANGJIAN = STEPS[: STEPS.index(KANGJIAN) + 1]


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> sqlite_utils.Database:
    return build_demo(tmp_path_factory.mktemp("kangjian-demo") / "demo.db", steps=UP_TO_KANGJIAN)


def test_spring_campaign_is_the_report(demo: sqlite_utils.Database) -> None:
    summary = progress_summary(campaign_progress(demo, SPRING))
    records = summary.records
    assert (records.eligible, records.checked, records.rate) == (11362, 11261, Decimal("99.11"))
    assert records.unchecked == 101 == sum(records.reasons.values())
    assert all(records.reasons[k] > 0 for k in UNCHECKED_REASON.keys())  # every reason occurs
    assert get_setting(demo, "demo_kangjian_exact") is True


def test_report_quarter_figures(demo: sqlite_utils.Database) -> None:
    four = four_procedures(demo, Q1)
    assert four.total == 132
    assert dict(four.groups) == {"上环": 100, "结扎": 7, "人流": 23, "引产": 2}
    assert four.by_type["female_sterilization"] + four.by_type["male_sterilization"] == 7
    assert four.by_type["male_sterilization"] >= 1 and four.by_type["iud_remove"] > 0
    screening = screening_counts(demo, Q1)
    assert (screening.screened, screening.advised) == (2256, 864)
    assert screening.disease_found > screening.advised
    assert newlywed_count(demo, Q1) == 34
    floating = floating_service_totals(demo, Q1)
    assert 500 <= floating.contraceptives <= 509  # 500余盒
    assert 230 <= floating.checks <= 239  # 230余人次


def test_the_unchecked_carry_their_reasons(demo: sqlite_utils.Database) -> None:
    found = unchecked_list(demo, SPRING)
    assert len(found) == 101 and all(u.reason in UNCHECKED_REASON for u in found)
    away = [u for u in found if u.reason == "migrant"]
    assert away and sum(u.floating == "out" for u in away) > len(away) / 2


def test_sql_and_domain_agree_on_the_whole_roster(demo: sqlite_utils.Database) -> None:
    assert len(eligible_by_domain(demo, date(2026, 3, 1))) == 11362


def test_offices_add_up_to_the_district(demo: sqlite_utils.Database) -> None:
    tree = OrgTree.load(demo)
    district = progress_summary(campaign_progress(demo, SPRING)).records
    offices = [
        progress_summary(campaign_progress(demo, SPRING, Scope(frozenset([o.code])))).records
        for o in tree.offices()
    ]
    assert sum(o.eligible for o in offices) == district.eligible
    assert sum(o.checked for o in offices) == district.checked
    assert (
        sum(four_procedures(demo, Q1, Scope(frozenset([o.code]))).total for o in tree.offices())
        == 132
    )


def test_one_office_keys_totals_and_one_community_differs(demo: sqlite_utils.Database) -> None:
    keyed = load_params()["kangjian"]["keyed"]
    rows = campaign_progress(demo, SPRING)
    with_totals = [r for r in rows if r.keyed is not None]
    assert {r.office for r in with_totals} == {keyed["office"]}
    assert len(with_totals) == len(OrgTree.load(demo).communities(keyed["office"]))
    summary = progress_summary(rows)
    (different,) = summary.differences
    assert different.community == keyed["community"]
    assert different.keyed.eligible == different.eligible + keyed["eligible"]  # type: ignore[union-attr]
    assert summary.reported.eligible == 11362  # every community has a roster: records reported
    for campaign in campaign_keys(demo):
        if campaign != SPRING:
            assert not progress_summary(campaign_progress(demo, campaign)).differences


def test_history_is_plausible(demo: sqlite_utils.Database) -> None:
    keys = campaign_keys(demo)
    assert [k.name for k in keys] == [
        "2026年春季康检",
        "2025年秋季康检",
        "2025年春季康检",
        "2024年秋季康检",
        "2024年春季康检",
    ]
    eligible = []
    for key in keys:
        records = progress_summary(campaign_progress(demo, key)).records
        assert Decimal("98.00") <= records.rate <= Decimal("100.00")  # type: ignore[operator]
        assert records.no_reason == 0
        eligible.append(records.eligible)
    assert eligible == sorted(eligible, reverse=True)  # the roster grew over the two years
    for q in (quarter(2024, 1), quarter(2025, 3), quarter(2026, 3)):
        assert four_procedures(demo, q).total > 50
        assert screening_counts(demo, q).screened > 100
        assert floating_service_totals(demo, q).contraceptives > 0
    assert newlywed_count(demo, quarter(2025, 4)) > 10
    exits = dict(
        demo.execute(
            "SELECT exit_reason, count(*) FROM women WHERE exit_date IS NOT NULL GROUP BY 1"
        )
    )
    assert set(exits) == {"age50", "divorce", "widowed", "death", "moved"}


def test_records_are_audited(demo: sqlite_utils.Database) -> None:
    for table in TABLES:
        rows = demo.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        logged = demo.execute(
            "SELECT count(*) FROM audit WHERE action = 'insert' AND table_name = ?", [table]
        ).fetchone()[0]
        assert rows == logged > 0, table  # the chain itself is verified by test_demo


def _digest(db: sqlite_utils.Database) -> str:
    digest = hashlib.sha256()
    for sql in (
        "SELECT t.id_number, w.marriage_date, w.marital, w.living_children, w.contraception,"
        " w.floating, w.exit_date, w.exit_reason FROM women w JOIN persons t ON t.id = w.person_id"
        " ORDER BY 1",
        "SELECT t.id_number, g.name, c.checked, c.check_date, c.place, c.unchecked_reason FROM checks c"
        " JOIN women w ON w.id = c.woman_id JOIN persons t ON t.id = w.person_id"
        " JOIN campaigns g ON g.id = c.campaign_id ORDER BY 1, 2",
        "SELECT id_number, screen_date, disease_found, advice_given FROM screenings ORDER BY 1, 2",
        "SELECT name, id_number, procedure_type, procedure_date FROM procedures ORDER BY 4, 2, 3",
        "SELECT wife_id_number, husband_id_number, marriage_date FROM newlyweds ORDER BY 3, 1",
        "SELECT office, service_date, kind, quantity FROM floating_services ORDER BY 1, 2, 3",
    ):
        for row in db.execute(sql):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_small_scales_build_the_same_twice_and_keep_the_rules(tmp_path: Path) -> None:
    first = build_demo(tmp_path / "a.db", scale=0.05, steps=UP_TO_KANGJIAN)
    second = build_demo(tmp_path / "b.db", scale=0.05, steps=UP_TO_KANGJIAN)
    assert _digest(first) == _digest(second)
    records = progress_summary(campaign_progress(first, SPRING)).records
    assert records.eligible == round(11362 * 0.05)
    assert records.unchecked == sum(records.reasons.values())
    assert four_procedures(first, Q1).total == sum(round(n * 0.05) for n in (100, 7, 23, 2))
