"""Phone numbers: mainland mobiles (11 digits, 1[3-9]…) and landlines with an area code."""

from __future__ import annotations

import re
import unicodedata

from desktop.domain.errors import ValidationError

_SEPARATORS = re.compile(r"[\s\-()（）.]+")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# 010 and 02X have 3-digit area codes, the others 4; local numbers have 7 or 8 digits.
_LANDLINE = re.compile(r"^(010|02\d|0[3-9]\d{2})([1-9]\d{6,7})$")


def normalize_phone(text: str | None) -> str:
    """Half-width digits only: spaces, dashes and brackets removed, +86 / 0086 / 86 dropped.

    A bare '86' prefix is dropped only when 13 digits remain, as in '8613812341234'.
    """
    if not text:
        return ""
    s = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text)))
    if s.startswith("+86"):
        s = _national(s[3:])
    elif s.startswith("0086"):
        s = _national(s[4:])
    elif len(s) == 13 and s.startswith("86") and _MOBILE.match(s[2:]):
        s = s[2:]
    return s


def _national(rest: str) -> str:
    # After +86 a landline loses its trunk 0: '+86 371 12345678' is '037112345678'.
    if _MOBILE.match(rest) or rest.startswith("0"):
        return rest
    return "0" + rest


def parse_mobile(text: str) -> str:
    """The 11-digit mobile number, or ValidationError on field '手机号'."""
    number = normalize_phone(text)
    if not number:
        raise ValidationError.single("手机号", "不能为空")
    if not _MOBILE.match(number):
        raise ValidationError.single(
            "手机号", f"「{text}」不是有效手机号，应为以13–19开头的11位数字"
        )
    return number


def parse_phone(text: str) -> str:
    """A mobile ('13812341234') or a landline with area code, returned as '0371-12345678'."""
    number = normalize_phone(text)
    if not number:
        raise ValidationError.single("联系电话", "不能为空")
    if _MOBILE.match(number):
        return number
    if m := _LANDLINE.match(number):
        return f"{m[1]}-{m[2]}"
    raise ValidationError.single(
        "联系电话",
        f"「{text}」不是有效电话号码，请填写11位手机号，或带区号的固定电话（如 0371-12345678）",
    )


def mask_phone(number: str | None) -> str:
    """'138****1234'; a landline keeps its area code and last 4 digits: '0371-****5678'."""
    if not number:
        return ""
    s = normalize_phone(number)
    if m := _LANDLINE.match(s):
        local = m[2]
        return f"{m[1]}-{'*' * (len(local) - 4)}{local[-4:]}"
    if len(s) < 8:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]
