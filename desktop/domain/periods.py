"""Reporting periods, each with explicit start and end dates (both inclusive).

Kinds of period and their keys:

- calendar quarter ``2026Q1`` (the default reporting period), label ``2026年第一季度``;
- school semester ``2026春`` / ``2026秋``. The defaults are 春 = 1 Mar – 31 Aug and
  秋 = 1 Sep – last day of February of the following year, so that semesters tile the year;
- family-planning statistical year ``T2026`` = 2025-10-01 – 2026-09-30, label ``2026统计年度``;
- calendar year ``2026``, label ``2026年``;
- custom range ``2026-01-01~2026-03-15``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from desktop.domain.errors import ValidationError

FIELD = "期间"
QUARTER_NAMES = ("一", "二", "三", "四")
TERMS = ("春", "秋")
MIN_YEAR, MAX_YEAR = 1900, 2199

_QUARTER_KEY = re.compile(r"^(\d{4})Q([1-4])$")
_SEMESTER_KEY = re.compile(r"^(\d{4})(春|秋)$")
_STAT_YEAR_KEY = re.compile(r"^T(\d{4})$")
_YEAR_KEY = re.compile(r"^(\d{4})$")
_CUSTOM_KEY = re.compile(r"^(\d{4}-\d{2}-\d{2})~(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    """A span of days; ``end`` is inclusive. Ordered by start date, then end date."""

    start: date
    end: date
    key: str
    label: str

    def __str__(self) -> str:
        return self.label

    @property
    def kind(self) -> str:
        """'quarter', 'semester', 'stat_year', 'year' or 'custom'."""
        for kind, pattern in _KINDS:
            if pattern.match(self.key):
                return kind
        return "custom"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def previous(self) -> Period:
        """The period of the same kind just before this one.

        Raises ValidationError for custom periods, which have no natural predecessor.
        """
        kind = self.kind
        if kind == "quarter":
            y, q = _quarter_parts(self.key)
            return quarter(y - 1, 4) if q == 1 else quarter(y, q - 1)
        if kind == "semester":
            y, term = int(self.key[:4]), self.key[4]
            return semester(y - 1, "秋") if term == "春" else semester(y, "春")
        return self.same_last_year()

    def same_last_year(self) -> Period:
        """The same quarter, semester or year one year earlier (for year-on-year comparison)."""
        kind = self.kind
        if kind == "quarter":
            y, q = _quarter_parts(self.key)
            return quarter(y - 1, q)
        if kind == "semester":
            return semester(int(self.key[:4]) - 1, self.key[4])
        if kind == "stat_year":
            return stat_year(int(self.key[1:]) - 1)
        if kind == "year":
            return year(int(self.key) - 1)
        raise ValidationError.single(
            FIELD, f"自定义期间「{self.label}」没有上一期，请选择季度、学期或年度"
        )


def quarter(y: int, q: int) -> Period:
    if q not in (1, 2, 3, 4):
        raise ValidationError.single(FIELD, f"季度应为 1–4，而不是 {q}")
    start = date(y, 3 * q - 2, 1)
    end = _month_end(y, 3 * q)
    return Period(start, end, f"{y}Q{q}", f"{y}年第{QUARTER_NAMES[q - 1]}季度")


def semester(y: int, term: str) -> Period:
    """School semester: 春 = 1 Mar – 31 Aug; 秋 = 1 Sep – end of February of ``y + 1``."""
    if term == "春":
        start, end = date(y, 3, 1), date(y, 8, 31)
    elif term == "秋":
        start, end = date(y, 9, 1), _month_end(y + 1, 2)
    else:
        raise ValidationError.single(FIELD, f"学期应为「春」或「秋」，而不是「{term}」")
    return Period(start, end, f"{y}{term}", f"{y}年{term}季学期")


def stat_year(y: int) -> Period:
    """Family-planning statistical year ``y``: 1 Oct of ``y - 1`` to 30 Sep of ``y``."""
    return Period(date(y - 1, 10, 1), date(y, 9, 30), f"T{y}", f"{y}统计年度")


def year(y: int) -> Period:
    return Period(date(y, 1, 1), date(y, 12, 31), str(y), f"{y}年")


def custom(start: date, end: date, label: str | None = None) -> Period:
    if end < start:
        raise ValidationError.single(FIELD, f"结束日期 {end} 早于开始日期 {start}")
    key = f"{start.isoformat()}~{end.isoformat()}"
    return Period(start, end, key, label or f"{start.isoformat()}至{end.isoformat()}")


def quarter_of(d: date) -> Period:
    return quarter(d.year, (d.month - 1) // 3 + 1)


def quarters_between(first: Period, last: Period) -> list[Period]:
    """Every quarter from the one containing ``first.start`` to the one containing ``last.end``.

    Both ends are included; an empty list when ``last`` ends before ``first`` starts.
    """
    result: list[Period] = []
    current = quarter_of(first.start)
    while current.start <= last.end:
        result.append(current)
        current = quarter_of(current.end + timedelta(days=1))
    return result


_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_LOOSE_QUARTER = re.compile(r"^(\d{4})(?:-?Q([1-4])|年第?([1-4一二三四])季度?)$")
_LOOSE_SEMESTER = re.compile(r"^(\d{4})年?(春|秋)(?:季)?(?:学期)?$")
_LOOSE_STAT_YEAR = re.compile(r"^(?:T(\d{4})|(\d{4})年?统计年度?)$")
_LOOSE_YEAR = re.compile(r"^(\d{4})年?$")
_LOOSE_CUSTOM = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})(?:~|至|到|--)(\d{4}-\d{1,2}-\d{1,2})$")


def parse_period(text: str) -> Period:
    """Read a period from its key or label, e.g. '2026Q1', '2026年第一季度', '2026春', 'T2026'.

    Also accepted: '2026q1', '2026-Q1', '2026年1季度', '2026年春季学期', '2026统计年度',
    '2026年', '2026-01-01~2026-03-15' and '2026-01-01至2026-03-15'.
    """
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).upper()
    if not s:
        raise ValidationError.single(FIELD, "不能为空")
    if m := _LOOSE_QUARTER.match(s):
        return quarter(_year(m[1]), _CN_DIGITS[m[2] or m[3]])
    if m := _LOOSE_SEMESTER.match(s):
        return semester(_year(m[1]), m[2])
    if m := _LOOSE_STAT_YEAR.match(s):
        return stat_year(_year(m[1] or m[2]))
    if m := _LOOSE_YEAR.match(s):
        return year(_year(m[1]))
    if m := _LOOSE_CUSTOM.match(s):
        return custom(_parse_date(m[1]), _parse_date(m[2]))
    raise ValidationError.single(
        FIELD,
        f"无法识别「{text}」，请写成 2026Q1（季度）、2026春 / 2026秋（学期）、"
        "T2026（统计年度）、2026（年度）或 2026-01-01~2026-03-31（自定义）",
    )


def _year(text: str) -> int:
    y = int(text)
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise ValidationError.single(FIELD, f"年份 {y} 超出范围（{MIN_YEAR}–{MAX_YEAR}）")
    return y


def _parse_date(text: str) -> date:
    y, m, d = (int(part) for part in text.split("-"))
    try:
        return date(y, m, d)
    except ValueError:
        raise ValidationError.single(FIELD, f"日期「{text}」不存在") from None


def _month_end(y: int, month: int) -> date:
    first_of_next = date(y + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _quarter_parts(key: str) -> tuple[int, int]:
    return int(key[:4]), int(key[5])


_KINDS = (
    ("quarter", _QUARTER_KEY),
    ("semester", _SEMESTER_KEY),
    ("stat_year", _STAT_YEAR_KEY),
    ("year", _YEAR_KEY),
    ("custom", _CUSTOM_KEY),
)
