"""公民身份号码 (GB 11643): normalising, checking, deriving birth date and sex, masking.

An 18-character number is a 6-digit address code, the birth date YYYYMMDD, a 3-digit sequence
(odd for men, even for women) and a check character (ISO 7064 MOD 11-2, ``X`` for 10). Old
15-digit numbers have the birth date as YYMMDD (always 19YY), the sequence, and no check.

The check character comes from ``stdnum.cn.ric``. Its ``validate()`` is not used as a whole
because it also looks the address code up in a bundled table keyed by birth year, which refuses
real numbers issued after a county was renamed or re-coded.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from desktop.domain.errors import Problem, ValidationError


def _ric():  # type: ignore[no-untyped-def]
    """python-stdnum's GB 11643 module, imported on first use (it costs start-up time)."""
    from stdnum.cn import ric

    return ric


FIELD = "身份证号"

_SEPARATORS = re.compile(r"[\s\-_.·]+")
_DIGITS_OR_X = re.compile(r"[0-9X]+")


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: date
    sex: str
    """'男' or '女'."""
    region: str
    """The 6-digit address code."""
    legacy15: bool

    @property
    def masked(self) -> str:
        return mask_id(self.number)

    def age_on(self, day: date) -> int:
        """Age in completed years on ``day``."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


def normalize_id(text: str | None) -> str:
    """Full-width to half-width, separators and spaces removed, ``x`` upper-cased."""
    if not text:
        return ""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text))).upper()


def parse_id(text: str, today: date | None = None) -> IdInfo:
    """Check a typed ID number and derive birth date, sex and region from it.

    Raises ValidationError on field '身份证号' naming exactly what is wrong.
    """
    number = normalize_id(text)
    if not number:
        raise ValidationError.single(FIELD, "不能为空")
    bad = (
        []
        if _DIGITS_OR_X.fullmatch(number)  # the usual case, without a loop over the characters
        else [ch for ch in number if not (ch.isascii() and (ch.isdigit() or ch == "X"))]
    )
    if bad:
        raise ValidationError.single(FIELD, f"含非法字符「{''.join(dict.fromkeys(bad))}」")
    if len(number) not in (15, 18):
        raise ValidationError.single(FIELD, f"长度应为18位（或旧15位），现为{len(number)}位")
    legacy = len(number) == 15
    if "X" in (number if legacy else number[:-1]):
        raise ValidationError.single(FIELD, "含非法字符「X」（X 只能是18位号码的最后一位）")

    birth = _birth_date(number, today or date.today())
    if not legacy:
        expected = _ric().calc_check_digit(number)
        if number[-1] != expected:
            raise ValidationError.single(FIELD, f"校验位错误（应为 {expected}）")
    sequence_digit = int(number[14] if legacy else number[16])
    return IdInfo(
        number=number,
        birth_date=birth,
        sex="男" if sequence_digit % 2 else "女",
        region=number[:6],
        legacy15=legacy,
    )


def _birth_date(number: str, today: date) -> date:
    long_form = number if len(number) == 18 else _legacy_body(number) + "0"
    try:  # what stdnum's get_birth_date does, without its compact() pass (~4 µs a number)
        birth = date(int(long_form[6:10]), int(long_form[10:12]), int(long_form[12:14]))
    except ValueError:
        raise ValidationError.single(FIELD, f"出生日期无效（{long_form[6:14]}）") from None
    if birth > today:
        raise ValidationError.single(FIELD, f"出生日期无效（{birth.isoformat()} 晚于今天）")
    if birth.year < 1880:
        raise ValidationError.single(FIELD, f"出生日期无效（{birth.isoformat()} 过早）")
    return birth


def _legacy_body(number15: str) -> str:
    """The first 17 characters of the 18-digit form of a 15-digit number (century 19)."""
    return number15[:6] + "19" + number15[6:]


def upgrade_legacy(number: str) -> str:
    """The 18-digit form of an old 15-digit number (insert '19', append the check character).

    18-digit numbers are returned normalised and unchanged. Useful to match a person whose
    old and new numbers both appear in the records.
    """
    number = normalize_id(number)
    if len(number) != 15:
        return number
    body = _legacy_body(number)
    return body + _ric().calc_check_digit(body + "0")


def is_valid_id(text: str) -> bool:
    try:
        parse_id(text)
    except ValidationError:
        return False
    return True


def check_consistency(
    info: IdInfo, sex: str | None = None, birth_date: date | None = None
) -> list[Problem]:
    """Compare a typed sex ('男'/'女', or 'M'/'F') and birth date with those in the number."""
    problems: list[Problem] = []
    if sex:
        typed = {"男": "男", "M": "男", "女": "女", "F": "女"}.get(sex.strip().upper())
        if typed is None:
            problems.append(Problem("性别", f"「{sex}」不是可选项，应为：男、女"))
        elif typed != info.sex:
            problems.append(Problem("性别", f"填的是{typed}，身份证号显示为{info.sex}，请核对"))
    if birth_date is not None and birth_date != info.birth_date:
        problems.append(
            Problem(
                "出生日期",
                f"填的是 {birth_date.isoformat()}，身份证号显示为 "
                f"{info.birth_date.isoformat()}，请核对",
            )
        )
    return problems


def mask_id(number: str | None) -> str:
    """'110105********1234': first 6 and last 4 kept (15-digit: first 6 and last 3)."""
    number = normalize_id(number)
    if not number:
        return ""
    keep_tail = 3 if len(number) == 15 else 4
    if len(number) <= 6 + keep_tail:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 6 - keep_tail) + number[-keep_tail:]


def id_tail(number: str | None, n: int = 4) -> str:
    """The last ``n`` characters of the normalised number ('' for empty input)."""
    number = normalize_id(number)
    return number[-n:] if n > 0 else ""


def make_id(region: str, birth: date, seq: int) -> str:
    """Build a valid 18-digit number, e.g. for demo data. ``seq`` 0–999; odd = male."""
    if not (len(region) == 6 and region.isdigit()):
        raise ValueError(f"region must be 6 digits, got {region!r}")
    if not 0 <= seq <= 999:
        raise ValueError(f"seq must be 0..999, got {seq}")
    body = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq:03d}"
    return body + _ric().calc_check_digit(body + "0")
