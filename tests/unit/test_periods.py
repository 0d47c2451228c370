from __future__ import annotations

from datetime import date, timedelta

import pytest

from desktop.domain.errors import Problem, ValidationError
from desktop.domain.periods import (
    custom,
    parse_period,
    quarter,
    quarter_of,
    quarters_between,
    semester,
    stat_year,
    year,
)


def test_quarter_dates_key_and_label() -> None:
    q = quarter(2026, 1)
    assert (q.start, q.end, q.key, q.label) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
        "2026Q1",
        "2026年第一季度",
    )
    assert q.days == 90
    assert quarter(2024, 1).days == 91  # leap year
    assert quarter(2026, 4).end == date(2026, 12, 31)
    assert quarter(2026, 2).label == "2026年第二季度"
    assert str(q) == "2026年第一季度"
    assert q.kind == "quarter"


def test_quarter_rejects_bad_number() -> None:
    with pytest.raises(ValidationError, match="季度"):
        quarter(2026, 5)


def test_contains_is_inclusive_at_both_ends() -> None:
    q = quarter(2026, 1)
    assert q.contains(date(2026, 1, 1))
    assert q.contains(date(2026, 3, 31))
    assert not q.contains(date(2025, 12, 31))
    assert not q.contains(date(2026, 4, 1))


def test_semesters_tile_the_year() -> None:
    spring, autumn = semester(2026, "春"), semester(2026, "秋")
    assert (spring.start, spring.end) == (date(2026, 3, 1), date(2026, 8, 31))
    assert (autumn.start, autumn.end) == (date(2026, 9, 1), date(2027, 2, 28))
    assert semester(2027, "秋").end == date(2028, 2, 29)
    assert spring.key == "2026春" and spring.label == "2026年春季学期"
    assert autumn.key == "2026秋" and autumn.label == "2026年秋季学期"
    assert semester(2027, "春").start == autumn.end + timedelta(days=1)
    with pytest.raises(ValidationError):
        semester(2026, "夏")


def test_stat_year_runs_october_to_september() -> None:
    t = stat_year(2026)
    assert (t.start, t.end) == (date(2025, 10, 1), date(2026, 9, 30))
    assert t.key == "T2026" and t.label == "2026统计年度"
    assert t.days == 365
    assert t.kind == "stat_year"


def test_year_and_custom() -> None:
    y = year(2026)
    assert (y.start, y.end, y.key, y.label) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
        "2026",
        "2026年",
    )
    c = custom(date(2026, 1, 5), date(2026, 2, 4))
    assert c.key == "2026-01-05~2026-02-04"
    assert c.days == 31
    assert c.kind == "custom"
    assert custom(date(2026, 1, 5), date(2026, 1, 5), "开学周").label == "开学周"
    with pytest.raises(ValidationError, match="早于"):
        custom(date(2026, 2, 1), date(2026, 1, 31))


def test_previous() -> None:
    assert quarter(2026, 1).previous() == quarter(2025, 4)
    assert quarter(2026, 3).previous() == quarter(2026, 2)
    assert semester(2026, "春").previous() == semester(2025, "秋")
    assert semester(2026, "秋").previous() == semester(2026, "春")
    assert stat_year(2026).previous() == stat_year(2025)
    assert year(2026).previous() == year(2025)
    with pytest.raises(ValidationError):
        custom(date(2026, 1, 1), date(2026, 1, 31)).previous()


def test_same_last_year() -> None:
    assert quarter(2026, 1).same_last_year() == quarter(2025, 1)
    assert semester(2026, "秋").same_last_year() == semester(2025, "秋")
    assert stat_year(2026).same_last_year().key == "T2025"
    with pytest.raises(ValidationError):
        custom(date(2026, 1, 1), date(2026, 1, 31)).same_last_year()


def test_periods_sort_by_start() -> None:
    periods = [quarter(2026, 2), stat_year(2026), quarter(2025, 4), year(2026)]
    # same start: the shorter period first
    assert [p.key for p in sorted(periods)] == ["2025Q4", "T2026", "2026", "2026Q2"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2026Q1", "2026Q1"),
        ("2026q1", "2026Q1"),
        ("2026-Q1", "2026Q1"),
        (" 2026 Q3 ", "2026Q3"),
        ("２０２６Ｑ４", "2026Q4"),
        ("2026年第一季度", "2026Q1"),
        ("2026年第4季度", "2026Q4"),
        ("2026年二季度", "2026Q2"),
        ("2026春", "2026春"),
        ("2026秋", "2026秋"),
        ("2026年春季学期", "2026春"),
        ("T2026", "T2026"),
        ("t2026", "T2026"),
        ("2026统计年度", "T2026"),
        ("2026", "2026"),
        ("2026年", "2026"),
        ("2026-01-01~2026-03-15", "2026-01-01~2026-03-15"),
        ("2026-1-1～2026-3-15", "2026-01-01~2026-03-15"),
        ("2026-01-01至2026-03-15", "2026-01-01~2026-03-15"),
    ],
)
def test_parse_period(text: str, key: str) -> None:
    assert parse_period(text).key == key


def test_parse_period_round_trips_keys_and_labels() -> None:
    periods = [
        quarter(2026, 1),
        quarter(2025, 4),
        semester(2026, "春"),
        semester(2026, "秋"),
        stat_year(2026),
        year(2026),
        custom(date(2026, 1, 1), date(2026, 3, 15)),
    ]
    for p in periods:
        assert parse_period(p.key) == p
        assert parse_period(p.label) == p


@pytest.mark.parametrize(
    "text", ["", "abc", "2026Q5", "2026年1", "26Q1", "2026-02-30~2026-03-01", "0000"]
)
def test_parse_period_rejects(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_period(text)
    assert info.value.problems[0].field == "期间"


def test_parse_period_message_shows_accepted_forms() -> None:
    with pytest.raises(ValidationError) as info:
        parse_period("去年")
    message = str(info.value)
    assert "「去年」" in message and "2026Q1" in message and "T2026" in message


def test_quarter_of() -> None:
    assert quarter_of(date(2026, 1, 1)).key == "2026Q1"
    assert quarter_of(date(2026, 3, 31)).key == "2026Q1"
    assert quarter_of(date(2026, 4, 1)).key == "2026Q2"
    assert quarter_of(date(2026, 12, 31)).key == "2026Q4"


def test_quarters_between() -> None:
    keys = [q.key for q in quarters_between(quarter(2025, 3), quarter(2026, 2))]
    assert keys == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    assert quarters_between(quarter(2026, 1), quarter(2026, 1)) == [quarter(2026, 1)]
    assert quarters_between(quarter(2026, 2), quarter(2026, 1)) == []
    # Other periods: from the quarter holding the first start to the one holding the last end.
    keys = [q.key for q in quarters_between(stat_year(2026), stat_year(2026))]
    assert keys == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]


def test_problem_and_validation_error_text() -> None:
    assert str(Problem("身份证号", "校验位错误", 5)) == "第 5 行「身份证号」：校验位错误"
    assert str(Problem("身份证号", "校验位错误")) == "「身份证号」：校验位错误"
    error = ValidationError([Problem("金额", "不能为空", 2), Problem("姓名", "不能为空")])
    assert str(error) == "第 2 行「金额」：不能为空\n「姓名」：不能为空"
    assert isinstance(error, ValueError)
    single = ValidationError.single("期间", "不能为空", row=3)
    assert single.problems == [Problem("期间", "不能为空", 3)]
    moved = error.with_row(9)
    assert [p.row for p in moved.problems] == [2, 9]
