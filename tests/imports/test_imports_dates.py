"""domain.dates.parse_date: every way a clerk or a spreadsheet writes a date, and clear refusals."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from desktop.domain.dates import excel_serial, parse_date, parse_iso
from desktop.domain.errors import ValidationError

MARCH_5 = date(2026, 3, 5)


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-05",
        "2026-3-5",
        "2026/3/5",
        "2026/03/05",
        "2026.3.5",
        "2026年3月5日",
        "2026年03月05日",
        "2026 年 3 月 5 日",
        "20260305",
        " 2026-03-05 ",
        "２０２６－０３－０５",  # full-width digits and dash
        "２０２６年３月５日",
        "2026/3/5 0:00:00",
        "2026-03-05 00:00",
        "2026-03-05T08:30:00",
        MARCH_5,
        datetime(2026, 3, 5, 14, 30),
        46086,  # Excel serial
        46086.0,
        46086.75,  # with a time of day
        20260305,  # typed into a number cell
        20260305.0,
    ],
)
def test_accepted_forms(value: object) -> None:
    assert parse_date(value) == MARCH_5


def test_iso_string_and_serial_round_trip() -> None:
    assert parse_iso("2026年3月5日") == "2026-03-05"
    assert excel_serial(MARCH_5) == 46086
    assert parse_date(excel_serial(date(2000, 2, 29))) == date(2000, 2, 29)
    assert parse_date(1) == date(1900, 1, 1)  # Excel's day 1
    assert parse_date(61) == date(1900, 3, 1)  # after Excel's phantom 1900-02-29


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "不能为空"),
        (None, "不能为空"),
        ("2026-02-30", "2026年2月没有30日"),
        ("2026-13-01", "月份应为 1–12"),
        ("20261301", "月份应为 1–12"),
        ("3/5/2026", "无法识别为日期"),  # ambiguous order: refused, not guessed
        ("26-3-5", "无法识别为日期"),
        ("明天", "无法识别为日期"),
        ("2026", "无法识别为日期"),
        ("1850-01-01", "年份 1850 不合理"),
        (60, "1900年不是闰年"),
        (-5, "不是日期"),
        (True, "不是日期"),
        (float("nan"), "不是日期"),
    ],
)
def test_refusals_say_what_is_wrong(value: object, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_date(value)
    problem = info.value.problems[0]
    assert problem.field == "日期"
    assert fragment in problem.message


def test_the_field_name_can_be_given() -> None:
    with pytest.raises(ValidationError) as info:
        parse_date("x", field="出生日期")
    assert str(info.value).startswith("「出生日期」")
    assert "2026-03-05" in str(info.value)  # says how to write it
