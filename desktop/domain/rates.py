"""Rates as exact Decimals: numerator / denominator × factor, rounded half up.

The rounding is done in integer arithmetic, so 1/800 × 100 = 0.125 becomes 0.13 and never
0.12 as binary floats would make it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PERCENT = 100
PERMILLE = 1000

Number = Decimal | int | float | str


def rate(
    numerator: int, denominator: int, factor: int = PERCENT, digits: int = 2
) -> Decimal | None:
    """``numerator / denominator × factor`` with ``digits`` decimals; None when denominator is 0.

    >>> rate(11261, 11362)
    Decimal('99.11')
    >>> rate(145, 88960, PERMILLE)
    Decimal('1.63')
    """
    if denominator == 0:
        return None
    scaled = numerator * factor * 10**digits
    negative = (scaled < 0) != (denominator < 0)
    quotient, remainder = divmod(abs(scaled), abs(denominator))
    if 2 * remainder >= abs(denominator):
        quotient += 1
    return Decimal(-quotient if negative else quotient).scaleb(-digits)


def format_rate(value: Number | None, unit: str = "%", digits: int = 2) -> str:
    """'99.11%', '1.63‰'; '—' when there is no rate (denominator 0)."""
    if value is None:
        return "—"
    return f"{_quantize(_decimal(value), digits)}{unit}"


def margin(value: Number, target: Number, digits: int = 2) -> Decimal:
    """How far ``value`` is from ``target``, as a positive number: margin(97.93, 90.20) = 7.73.

    Whether that is "above" or "below" target is for the caller, who knows the direction.
    """
    return _quantize(abs(_decimal(value) - _decimal(target)), digits)


def _quantize(value: Decimal, digits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)


def _decimal(value: Number) -> Decimal:
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)
