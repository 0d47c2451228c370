"""Dates the way clerks type them, and the way spreadsheets hand them over.

``parse_date`` accepts ``date``/``datetime`` objects (Excel date cells), Excel serial numbers
(1900 date system), '2026-03-05', '2026/3/5', '2026.3.5', '2026年3月5日', '20260305', with
full-width digits or separators and a trailing time ('2026-03-05 00:00:00'). Anything else —
including ambiguous forms like '3/5/2026' or '26-3-5' — is refused with a message that says how
to write it, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from desktop.domain.errors import ValidationError

FIELD = "日期"
HOW = "请写成 2026-03-05、2026/3/5 或 2026年3月5日"

# Excel's 1900 date system counts 1900-01-01 as day 1 and (wrongly) has a 1900-02-29 as day 60.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_MAX = 2958465  # 9999-12-31
MIN_YEAR, MAX_YEAR = 1900, 2100

_YMD = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value: object, field: str = FIELD) -> date:
    """The date a cell or a typed text stands for; ValidationError on ``field`` otherwise."""
    if isinstance(value, datetime):
        return _check_range(value.date(), value, field)
    if isinstance(value, date):
        return _check_range(value, value, field)
    if value is None or isinstance(value, bool):
        if value is None:
            raise ValidationError.single(field, "不能为空")
        raise ValidationError.single(field, f"「{value}」不是日期，{HOW}")
    if isinstance(value, int | float):
        return _from_number(value, field)
    if not isinstance(value, str):
        raise ValidationError.single(field, f"「{value}」不是日期，{HOW}")
    text = value.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # the usual case, fast
        try:
            return _check_range(date.fromisoformat(text), value, field)
        except ValueError:
            pass
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        raise ValidationError.single(field, "不能为空")
    m = _YMD.match(text) or _COMPACT.match(text)
    if m is None:
        raise ValidationError.single(field, f"「{value}」无法识别为日期，{HOW}")
    return _make(int(m[1]), int(m[2]), int(m[3]), value, field)


def parse_iso(value: object, field: str = FIELD) -> str:
    """``parse_date`` as an ISO string 'YYYY-MM-DD', the form dates are stored in."""
    return parse_date(value, field).isoformat()


def excel_serial(day: date) -> int:
    """The Excel (1900 system) serial number of a date from 1900-03-01 on."""
    return (day - _EXCEL_EPOCH).days


def _from_number(number: int | float, field: str) -> date:
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationError.single(field, f"「{number}」不是日期，{HOW}")
    whole = int(number)
    if 10_000_000 <= whole <= 99_999_999 and whole == number:  # 20260305 typed into a number cell
        return _make(whole // 10000, whole // 100 % 100, whole % 100, number, field)
    if not 1 <= whole <= _EXCEL_MAX:
        raise ValidationError.single(field, f"「{_show(number)}」不是日期，{HOW}")
    if whole == 60:
        raise ValidationError.single(field, "「1900-02-29」不是有效日期（1900年不是闰年）")
    # Serials before day 60 are one day off because of Excel's phantom 1900-02-29.
    day = _EXCEL_EPOCH + timedelta(days=whole if whole > 60 else whole + 1)
    return _check_range(day, number, field)


def _make(year: int, month: int, day: int, raw: object, field: str) -> date:
    if not 1 <= month <= 12:
        raise ValidationError.single(field, f"「{raw}」不是有效日期：月份应为 1–12")
    try:
        result = date(year, month, day)
    except ValueError:
        raise ValidationError.single(
            field, f"「{raw}」不是有效日期：{year}年{month}月没有{day}日"
        ) from None
    return _check_range(result, raw, field)


def _check_range(day: date, raw: object, field: str) -> date:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationError.single(
            field, f"「{_show(raw)}」的年份 {day.year} 不合理，应在 {MIN_YEAR}–{MAX_YEAR} 之间"
        )
    return day


def _show(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, date):
        return raw.isoformat()[:10]
    return str(raw)
