"""The headline indicators, on the demo district: the report quarter reproduces the report."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlite_utils

from desktop.demo import build_demo
from desktop.domain.periods import quarter, year
from desktop.reports.indicators import (
    Indicator,
    compute_indicators,
    format_indicator_sentence,
    indicator_map,
)
from desktop.store.db import backup, open_database
from desktop.store.door import WriteDoor
from desktop.store.orgs import OrgTree
from desktop.store.users import SYSTEM

Q1 = quarter(2026, 1)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> sqlite_utils.Database:
    return build_demo(tmp_path_factory.mktemp("indicators") / "demo.db")


@pytest.fixture
def demo_copy(demo: sqlite_utils.Database, tmp_path: Path) -> sqlite_utils.Database:
    """A private copy for tests that change records."""
    return open_database(backup(demo, tmp_path / "copy.db"))


def values(db: sqlite_utils.Database, **kwargs: object) -> dict[str, Decimal | None]:
    return {i.key: i.value for i in compute_indicators(db, Q1, **kwargs)}  # type: ignore[arg-type]


def test_report_quarter_reproduces_the_report(demo: sqlite_utils.Database) -> None:
    got = indicator_map(compute_indicators(demo, Q1))
    assert got["birth_rate"].value == Decimal("1.63")
    assert got["natural_growth"].value == Decimal("0.87")
    assert got["policy_birth_rate"].value == Decimal("97.93")
    assert got["contraception_rate"].value == Decimal("98.00")
    assert got["funds_rate"].value == Decimal("100.00")
    assert got["birth_rate"].margin == Decimal("10.66") and got["birth_rate"].comparator == "<="
    assert got["policy_birth_rate"].margin == Decimal("7.73")
    assert got["contraception_rate"].margin == Decimal("3.00")
    assert all(i.met for i in got.values())
    births = got["birth_rate"]
    assert (births.numerator, births.factor, births.unit) == (145, 1000, "‰")
    assert got["policy_birth_rate"].numerator == 142 and got["policy_birth_rate"].denominator == 145


def test_sentences_read_like_the_report(demo: sqlite_utils.Database) -> None:
    got = indicator_map(compute_indicators(demo, Q1))
    assert format_indicator_sentence(got["birth_rate"]) == "人口出生率为1.63‰，低于市定目标10.66‰"
    assert (
        format_indicator_sentence(got["policy_birth_rate"])
        == "政策生育率为97.93%，高于市定目标7.73%"
    )
    assert (
        format_indicator_sentence(got["contraception_rate"])
        == "避孕节育措施落实率为98.00%，高于市定目标3.00%"
    )
    assert format_indicator_sentence(got["funds_rate"]) == "事业费投入到位率为100.00%，达到市定目标"


def test_average_population_and_denominators_match_hand_queries(
    demo: sqlite_utils.Database,
) -> None:
    got = indicator_map(compute_indicators(demo, Q1))
    start, end = (
        demo.execute(
            "SELECT sum(population) FROM population_counts WHERE as_of = ? AND deleted = 0", [day]
        ).fetchone()[0]
        for day in ("2025-12-31", "2026-03-31")
    )
    assert got["birth_rate"].denominator == Decimal(start + end) / 2
    married, users = demo.execute(
        "SELECT sum(married_women), sum(contraception_users) FROM population_counts"
        " WHERE as_of = '2026-03-31'"
    ).fetchone()
    assert (got["contraception_rate"].numerator, got["contraception_rate"].denominator) == (
        users,
        married,
    )


def test_offices_have_their_own_differing_figures(demo: sqlite_utils.Database) -> None:
    tree = OrgTree.load(demo)
    per_office = {o.code: values(demo, scope=tree.scope_of(o.id)) for o in tree.offices()}
    assert len(per_office) == 6
    for figures in per_office.values():
        assert all(
            figures[k] is not None
            for k in (
                "birth_rate",
                "natural_growth",
                "policy_birth_rate",
                "contraception_rate",
                "funds_rate",
            )
        )
    assert len({f["birth_rate"] for f in per_office.values()}) > 3
    assert len({f["contraception_rate"] for f in per_office.values()}) > 3
    bj, dc = (Decimal(str(per_office[c]["birth_rate"])) for c in ("BJ", "DC"))
    assert bj > dc  # 乡 has more births than 街道
    births = [
        indicator_map(compute_indicators(demo, Q1, tree.scope_of(o.id)))["birth_rate"].numerator
        for o in tree.offices()
    ]
    assert sum(births) == 145


def test_office_scope_counts_only_that_office(demo: sqlite_utils.Database) -> None:
    tree = OrgTree.load(demo)
    office = tree.office_by_code("HK")
    assert office is not None
    got = indicator_map(compute_indicators(demo, Q1, tree.scope_of(office.id)))
    births, in_policy, males = demo.execute(
        "SELECT count(*), sum(policy = 'in_policy'), sum(sex = 'M') FROM births WHERE office = 'HK'"
        " AND deleted = 0 AND birth_date BETWEEN '2026-01-01' AND '2026-03-31'"
    ).fetchone()
    deaths = demo.execute(
        "SELECT count(*) FROM deaths WHERE office = 'HK' AND deleted = 0"
        " AND death_date BETWEEN '2026-01-01' AND '2026-03-31'"
    ).fetchone()[0]
    population = demo.execute(
        "SELECT sum(population) FROM population_counts WHERE office = 'HK'"
        " AND as_of IN ('2025-12-31', '2026-03-31')"
    ).fetchone()[0]
    budget, in_place = demo.execute(
        "SELECT sum(budget_fen), sum(in_place_fen) FROM funds WHERE office = 'HK'"
        " AND period_start = '2026-01-01'"
    ).fetchone()
    assert (
        got["birth_rate"].numerator == births and got["natural_growth"].numerator == births - deaths
    )
    assert got["birth_rate"].denominator == Decimal(population) / 2
    assert got["policy_birth_rate"].numerator == in_policy
    assert got["sex_ratio"].numerator == males
    assert (got["funds_rate"].numerator, got["funds_rate"].denominator) == (in_place, budget)
    assert got["birth_rate"].numerator < 145


def test_community_scope(demo: sqlite_utils.Database) -> None:
    tree = OrgTree.load(demo)
    community = tree.communities("CG")[0]
    got = indicator_map(compute_indicators(demo, Q1, tree.scope_of(community.id)))
    births = demo.execute(
        "SELECT count(*) FROM births WHERE community_id = ? AND deleted = 0"
        " AND birth_date BETWEEN '2026-01-01' AND '2026-03-31'",
        [community.id],
    ).fetchone()[0]
    assert got["birth_rate"].numerator == births


def test_a_deleted_birth_no_longer_counts(demo_copy: sqlite_utils.Database) -> None:
    before = indicator_map(compute_indicators(demo_copy, Q1))
    (birth_id,) = demo_copy.execute(
        "SELECT id FROM births WHERE birth_date BETWEEN '2026-01-01' AND '2026-03-31'"
        " AND policy = 'out_policy' LIMIT 1"
    ).fetchone()
    WriteDoor(demo_copy, SYSTEM).delete("births", birth_id)
    after = indicator_map(compute_indicators(demo_copy, Q1))
    assert after["birth_rate"].numerator == before["birth_rate"].numerator - 1 == 144
    assert (
        after["policy_birth_rate"].numerator == 142
        and after["policy_birth_rate"].denominator == 144
    )
    assert after["policy_birth_rate"].value == Decimal("98.61")


def test_history_is_plausible(demo: sqlite_utils.Database) -> None:
    for y in (2024, 2025):
        for q in (1, 2, 3, 4):
            got = indicator_map(compute_indicators(demo, quarter(y, q)))
            assert Decimal("1.0") < got["birth_rate"].value < Decimal("2.8")  # type: ignore[operator]
            assert Decimal("95") < got["policy_birth_rate"].value <= 100  # type: ignore[operator]
            assert Decimal("96") < got["contraception_rate"].value < 100  # type: ignore[operator]
            assert Decimal("90") <= got["funds_rate"].value <= 100  # type: ignore[operator]
    whole_year = indicator_map(compute_indicators(demo, year(2025)))
    quarters = sum(
        indicator_map(compute_indicators(demo, quarter(2025, q)))["birth_rate"].numerator
        for q in (1, 2, 3, 4)
    )
    assert whole_year["birth_rate"].numerator == quarters
    assert whole_year["birth_rate"].target == Decimal("12.40")  # the 2025 target


def test_a_period_without_records(demo: sqlite_utils.Database) -> None:
    got = indicator_map(compute_indicators(demo, quarter(2020, 1)))
    assert all(i.value is None and i.met is None and i.margin is None for i in got.values())
    assert format_indicator_sentence(got["birth_rate"]) == "人口出生率本期无数据"


def make(value: str, target: str | None, comparator: str = "<=", unit: str = "‰") -> Indicator:
    v, t = Decimal(value), Decimal(target) if target else None
    return Indicator(
        "birth_rate",
        "出生率",
        1,
        1,
        1000,
        v,
        unit,
        t,
        comparator if t else None,
        None,
        abs(v - t) if t is not None else None,
    )


def test_sentence_variants() -> None:
    assert (
        format_indicator_sentence(make("13.00", "12.29")) == "人口出生率为13.00‰，高于市定目标0.71‰"
    )
    assert format_indicator_sentence(make("12.29", "12.29")) == "人口出生率为12.29‰，达到市定目标"
    assert format_indicator_sentence(make("1.63", None)) == "人口出生率为1.63‰"
