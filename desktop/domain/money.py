"""Money: stored as integer 分 (fen) everywhere, shown as 元 or 万元.

1 元 = 100 分, 1 万元 = 10 000 元 = 1 000 000 分. Rounding is always half up on Decimal.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from desktop.domain.errors import ValidationError

FIELD = "金额"
FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000

_CURRENCY_MARKS = re.compile(r"[\s,¥￥$元]|RMB|CNY")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_yuan(value: str | int | float | Decimal, *, allow_negative: bool = False) -> int:
    """Read an amount in 元 and return it in 分.

    Accepts '312.50', '312.5', '1,234.00', '￥12', '12元', full-width digits, and int, float
    or Decimal values (a number is taken as 元; a float goes through ``Decimal(str(x))`` so
    312.5 stays exactly 312.5). Trailing zeros beyond 2 decimals ('12.500') are accepted;
    a real third decimal ('12.345') is refused, never silently rounded.
    """
    amount = _to_decimal(value)
    if not amount.is_finite():
        raise ValidationError.single(FIELD, f"「{value}」不是有效金额")
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValidationError.single(FIELD, f"「{value}」超过两位小数，金额只能精确到分")
    if fen < 0 and not allow_negative:
        raise ValidationError.single(FIELD, f"「{value}」为负数，金额不能小于 0")
    return int(fen)


def _to_decimal(value: str | int | float | Decimal) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError.single(FIELD, f"「{value}」不是有效金额")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    text = unicodedata.normalize("NFKC", str(value)).replace("−", "-")
    text = _CURRENCY_MARKS.sub("", text.upper())
    if not text:
        raise ValidationError.single(FIELD, "不能为空")
    if not _NUMBER.match(text):
        raise ValidationError.single(FIELD, f"「{value}」不是有效金额，请填写数字，如 312.50")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above already guards this
        raise ValidationError.single(FIELD, f"「{value}」不是有效金额") from None


def fen_to_yuan_decimal(fen: int) -> Decimal:
    """Exact 元 value with two decimals, e.g. 31250 → Decimal('312.50')."""
    return Decimal(fen).scaleb(-2)


def format_yuan(fen: int, thousands: bool = True) -> str:
    """'1,234.50' (or '1234.50' without thousands separators)."""
    yuan = fen_to_yuan_decimal(fen)
    return f"{yuan:,.2f}" if thousands else f"{yuan:.2f}"


def format_wan(fen: int, digits: int = 2) -> str:
    """Amount in 万元 with ``digits`` decimals, rounded half up: 419_900_000 分 → '419.90'."""
    wan = (Decimal(fen) / FEN_PER_WAN).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    return f"{wan:.{digits}f}"


def approx_wan(fen: int) -> str:
    """Narrative rounding of money, as in "共计13余万元".

    Rule: floor to whole 万元 and add 余 when anything is left over; 131,234.00 元 → '13余万元',
    130,000.00 元 → '13万元'. Amounts under 1 万元 are given in 元 with ``approx_count``'s rule
    (5,234.00 元 → '5200余元').
    """
    if fen < 0:
        raise ValueError("approx_wan() needs a non-negative amount")
    wan, rest = divmod(fen, FEN_PER_WAN)
    if wan == 0:
        yuan, cents = divmod(fen, FEN_PER_YUAN)
        text = approx_count(yuan)
        return f"{text}{'余' if cents and not text.endswith('余') else ''}元"
    return f"{wan}{'余' if rest else ''}万元"


def approx_count(n: int) -> str:
    """Narrative rounding of a count, as in "500余盒", "230余人次".

    Rule: below 100 the exact number is given. From 100 up the number is floored to its two
    leading significant digits and 余 is added when anything was cut off:
    503 → '500余', 235 → '230余', 500 → '500', 1234 → '1200余', 99 → '99'.
    """
    if n < 0:
        raise ValueError("approx_count() needs a non-negative count")
    if n < 100:
        return str(n)
    unit = 10 ** (len(str(n)) - 2)
    floored = n - n % unit
    return f"{floored}余" if floored != n else str(n)
