from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.domain.rates import PERCENT, PERMILLE, format_rate, margin, rate


def test_report_figures() -> None:
    assert rate(11261, 11362) == Decimal("99.11")  # 春季康检率
    assert str(rate(11261, 11362)) == "99.11"
    assert rate(145, 88960, PERMILLE) == Decimal("1.63")  # 出生率 ‰
    assert rate(100, 100) == Decimal("100.00")
    assert str(rate(100, 100)) == "100.00"


@pytest.mark.parametrize(
    ("num", "den", "factor", "expected"),
    [
        (1, 8, 100, "12.50"),
        (1, 800, 100, "0.13"),  # 0.125 rounds half up, not to even and not down as floats do
        (3, 800, 100, "0.38"),  # 0.375
        (1, 3, 100, "33.33"),
        (2, 3, 100, "66.67"),
        (0, 5, 100, "0.00"),
        (1, 2000, 1000, "0.50"),
        (1, 80000, 1000, "0.01"),  # 0.0125 → 0.01
        (1, 40000, 1000, "0.03"),  # 0.025 → 0.03
    ],
)
def test_rate_rounds_half_up(num: int, den: int, factor: int, expected: str) -> None:
    value = rate(num, den, factor)
    assert value == Decimal(expected)
    assert str(value) == expected


def test_rate_zero_denominator_is_none() -> None:
    assert rate(5, 0) is None
    assert rate(0, 0) is None


def test_rate_digits_and_negatives() -> None:
    assert rate(1, 3, PERCENT, digits=4) == Decimal("33.3333")
    assert rate(1, 3, PERCENT, digits=0) == Decimal("33")
    assert rate(-1, 800) == Decimal("-0.13")  # half away from zero, symmetric
    assert rate(1, -8) == Decimal("-12.50")


def test_format_rate() -> None:
    assert format_rate(rate(11261, 11362)) == "99.11%"
    assert format_rate(rate(145, 88960, PERMILLE), "‰") == "1.63‰"
    assert format_rate(None) == "—"
    assert format_rate(Decimal("98")) == "98.00%"
    assert format_rate(Decimal("0.125")) == "0.13%"
    assert format_rate(Decimal("97.925"), digits=1) == "97.9%"


def test_margin() -> None:
    assert margin(Decimal("97.93"), Decimal("90.20")) == Decimal("7.73")
    assert margin(Decimal("1.63"), Decimal("12.29")) == Decimal("10.66")  # below the ceiling
    assert margin(98, 95) == Decimal("3.00")
    assert str(margin(98, 95)) == "3.00"
    assert margin(97.93, "90.20") == Decimal("7.73")
    assert margin(Decimal("0.005"), 0) == Decimal("0.01")
