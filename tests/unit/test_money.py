from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.domain.errors import ValidationError
from desktop.domain.money import (
    approx_count,
    approx_wan,
    fen_to_yuan_decimal,
    format_wan,
    format_yuan,
    parse_yuan,
)


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("312.50", 31250),
        ("312.5", 31250),
        ("1,234.00", 123400),
        ("￥12", 1200),
        ("¥ 12.3", 1230),
        ("12元", 1200),
        ("１２３．４５", 12345),
        ("1，234", 123400),
        (" 0.01 ", 1),
        ("12.500", 1250),
        (".5", 50),
        (12, 1200),
        (312.5, 31250),
        (0.1, 10),
        (1250 / 4, 31250),
        (Decimal("419.9"), 41990),
    ],
)
def test_parse_yuan(value: str | int | float | Decimal, fen: int) -> None:
    assert parse_yuan(value) == fen


def test_float_that_is_not_exact_in_binary_is_read_as_written() -> None:
    # 0.29 * 100 is 28.999999999999996 in floats; the Decimal(str(x)) route keeps 29.
    assert parse_yuan(0.29) == 29
    assert parse_yuan(1.1) == 110


@pytest.mark.parametrize("value", ["12.345", "0.001", 12.345, Decimal("1.005")])
def test_more_than_two_decimals_is_refused(value: str | float | Decimal) -> None:
    with pytest.raises(ValidationError) as info:
        parse_yuan(value)
    problem = info.value.problems[0]
    assert problem.field == "金额"
    assert "两位小数" in problem.message


@pytest.mark.parametrize("value", ["", "  ", "abc", "12.3.4", "1e3", "NaN", "--1", True])
def test_not_a_number_is_refused(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        parse_yuan(value)  # type: ignore[arg-type]
    assert info.value.problems[0].field == "金额"


def test_negative_only_when_allowed() -> None:
    with pytest.raises(ValidationError, match="负数"):
        parse_yuan("-5")
    assert parse_yuan("-5", allow_negative=True) == -500
    assert parse_yuan("−1,234.5", allow_negative=True) == -123450
    assert parse_yuan(-0.5, allow_negative=True) == -50


def test_format_yuan() -> None:
    assert format_yuan(123450) == "1,234.50"
    assert format_yuan(123450, thousands=False) == "1234.50"
    assert format_yuan(0) == "0.00"
    assert format_yuan(5) == "0.05"
    assert format_yuan(-123456789) == "-1,234,567.89"
    assert format_yuan(31250) == "312.50"


def test_format_wan_rounds_half_up() -> None:
    assert format_wan(419_900_000) == "419.90"
    assert format_wan(419_900_000, digits=1) == "419.9"
    assert format_wan(419_912_345, digits=4) == "419.9123"
    assert format_wan(5_000) == "0.01"  # 0.005 万元 rounds up, not to even
    assert format_wan(4_999) == "0.00"
    assert format_wan(15_000, digits=2) == "0.02"  # 0.015 → 0.02
    assert format_wan(25_000, digits=2) == "0.03"  # 0.025 → 0.03 (banker's would say 0.02)


def test_fen_to_yuan_decimal_is_exact() -> None:
    assert fen_to_yuan_decimal(31250) == Decimal("312.50")
    assert str(fen_to_yuan_decimal(31250)) == "312.50"
    assert str(fen_to_yuan_decimal(7)) == "0.07"


def test_approx_wan() -> None:
    assert approx_wan(parse_yuan("131,234.00")) == "13余万元"
    assert approx_wan(parse_yuan("130,000.00")) == "13万元"
    assert approx_wan(parse_yuan("130,000.01")) == "13余万元"
    assert approx_wan(parse_yuan("4,199,000")) == "419余万元"
    assert approx_wan(parse_yuan("5,234")) == "5200余元"
    assert approx_wan(parse_yuan("5,000.50")) == "5000余元"
    assert approx_wan(0) == "0元"
    with pytest.raises(ValueError):
        approx_wan(-1)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0"),
        (99, "99"),
        (100, "100"),
        (503, "500余"),
        (599, "590余"),
        (500, "500"),
        (230, "230"),
        (235, "230余"),
        (239, "230余"),
        (1234, "1200余"),
        (13383, "13000余"),
    ],
)
def test_approx_count(n: int, text: str) -> None:
    assert approx_count(n) == text
