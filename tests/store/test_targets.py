"""市定目标: kept by the district administrator, all or nothing, audited; read by the report's
indicator table and the 康检率 chart alike."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.domain.errors import ValidationError
from desktop.domain.periods import quarter
from desktop.domain.targets import BY_KEY, CHECK_RATE, TARGET_INDICATORS, parse_target
from desktop.reports import series
from desktop.reports.indicators import DEFINITIONS
from desktop.reports.summary import check_rate_indicator
from desktop.store.audit import verify
from desktop.store.errors import AccessDenied
from desktop.store.targets import save_targets, targets_of_year
from tests.store.conftest import World


def test_every_headline_indicator_takes_a_target_under_its_own_key_and_name() -> None:
    assert {d.key: d.label for d in DEFINITIONS}.items() <= {
        t.key: t.label for t in TARGET_INDICATORS
    }.items()
    assert BY_KEY[CHECK_RATE].label == "康检率"


@pytest.mark.parametrize(
    ("typed", "value"),
    [("12.29", Decimal("12.29")), (" 95 ", Decimal("95.00")), ("95%", Decimal("95.00")),
     ("1.5‰", Decimal("1.50")), ("", None), (None, None)],
)  # fmt: skip
def test_a_typed_target(typed: object, value: Decimal | None) -> None:
    assert parse_target(typed) == value


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("abc", "不是数字"), ("-1", "不小于 0"), ("95.125", "两位小数"), ("1e9", "过大")],
)
def test_a_bad_target_says_why(typed: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_target(typed)


def test_the_administrator_sets_changes_and_clears_targets_audited(world: World) -> None:
    stored = save_targets(
        world.db, world.admin, 2026, {"birth_rate": ("12.29", "<="), CHECK_RATE: ("95", ">=")}
    )
    assert stored == {"birth_rate": (Decimal("12.29"), "<="), CHECK_RATE: (Decimal("95.00"), ">=")}
    stored = save_targets(
        world.db, world.admin, 2026, {"birth_rate": ("12.00", "<="), CHECK_RATE: ("", ">=")}
    )
    assert stored == {"birth_rate": (Decimal("12.00"), "<=")}
    assert targets_of_year(world.db, 2025) == {}
    actions = world.db.execute(
        "SELECT action, record_id, before, after FROM audit WHERE table_name = 'indicator_targets'"
        " ORDER BY seq"
    ).fetchall()
    assert [(a[0], a[1]) for a in actions] == [
        ("target_set", "birth_rate/2026"),
        ("target_set", "check_rate/2026"),
        ("target_set", "birth_rate/2026"),
        ("target_clear", "check_rate/2026"),
    ]
    assert '"12.29"' in actions[2][2] and '"12.00"' in actions[2][3]
    assert verify(world.db) == []
    # unchanged values write nothing
    save_targets(world.db, world.admin, 2026, {"birth_rate": ("12", "<=")})
    assert world.db.execute("SELECT count(*) FROM audit WHERE table_name = 'indicator_targets'"
                            ).fetchone()[0] == 4  # fmt: skip


def test_one_bad_value_writes_nothing_and_names_the_indicator(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        save_targets(
            world.db,
            world.admin,
            2026,
            {
                "birth_rate": ("12.29", "<="),
                "sex_ratio": ("一百一十", "<="),
                CHECK_RATE: ("95", "="),
            },
        )
    problems = caught.value.problems
    assert [(p.row, p.field) for p in problems] == [(2, "出生人口性别比目标"), (3, "要求")]
    assert "不是数字" in problems[0].message
    assert targets_of_year(world.db, 2026) == {}
    with pytest.raises(ValidationError, match="不是可设目标的指标"):
        save_targets(world.db, world.admin, 2026, {"made_up": ("1", "<=")})


def test_only_the_district_administrator_sets_targets(world: World) -> None:
    for user in (world.clerk_a, world.reviewer_a):
        with pytest.raises(AccessDenied, match="区管理员"):
            save_targets(world.db, user, 2026, {"birth_rate": ("12", "<=")})
    assert targets_of_year(world.db, 2026) == {}


def test_the_report_and_the_chart_read_the_same_kangjian_target(world: World) -> None:
    save_targets(world.db, world.admin, 2026, {CHECK_RATE: ("98.5", ">=")})
    figures = {"kangjian.eligible": 200, "kangjian.checked": 199}
    indicator = check_rate_indicator(world.db, figures, 2026)
    assert indicator.target == Decimal("98.50") and indicator.met is True
    chart = series.fetch(world.db, "kangjian", quarter(2026, 1), quarter(2026, 1)).chart(
        "kangjian_rate"
    )
    assert chart.target == (Decimal("98.50"),) and chart.comparator == ">="
