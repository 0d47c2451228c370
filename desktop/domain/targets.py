"""The city's targets for the headline indicators: which indicators take one, and the rules of a
target as the district administrator keys it (the report's table and the charts read them)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from desktop.domain.errors import Problem


@dataclass(frozen=True)
class TargetIndicator:
    key: str  # indicator_targets.indicator
    label: str
    unit: str  # ‰, %, or "" (出生人口性别比: girls = 100)
    comparator: str  # the usual one: "<=" a ceiling, ">=" a floor


CHECK_RATE = "check_rate"

TARGET_INDICATORS: tuple[TargetIndicator, ...] = (
    TargetIndicator("birth_rate", "出生率", "‰", "<="),
    TargetIndicator("natural_growth", "自然增长率", "‰", "<="),
    TargetIndicator("policy_birth_rate", "政策生育率", "%", ">="),
    TargetIndicator("contraception_rate", "避孕节育措施落实率", "%", ">="),
    TargetIndicator("funds_rate", "事业费投入到位率", "%", ">="),
    TargetIndicator("sex_ratio", "出生人口性别比", "", "<="),
    TargetIndicator(CHECK_RATE, "康检率", "%", ">="),
)
BY_KEY = {t.key: t for t in TARGET_INDICATORS}
COMPARATORS = {"<=": "不高于", ">=": "不低于"}
YEARS = range(2000, 2101)
MAX_TARGET = Decimal("100000")


def parse_target(text: Any) -> Decimal | None:
    """A typed target: '12.29', '95', '95%' → Decimal with two decimals; empty → None (no
    target). Raises ValueError with the reason in Chinese."""
    raw = str(text if text is not None else "").strip().rstrip("%‰").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"「{text}」不是数字") from None
    if not value.is_finite() or value < 0:
        raise ValueError("应为不小于 0 的数")
    if value >= MAX_TARGET:
        raise ValueError("数值过大")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("最多两位小数")
    return value.quantize(Decimal("0.01"))


def target_problems(key: str, year: Any, target: Any, comparator: Any) -> list[Problem]:
    """What is wrong with one target as keyed, each naming its field."""
    problems: list[Problem] = []
    indicator = BY_KEY.get(key)
    if indicator is None:
        problems.append(Problem("指标", f"「{key}」不是可设目标的指标"))
    if not isinstance(year, int) or year not in YEARS:
        problems.append(Problem("年度", f"「{year}」不是有效年度"))
    if comparator not in COMPARATORS:
        problems.append(Problem("要求", "应为「不高于」或「不低于」"))
    label = indicator.label if indicator else str(key)
    try:
        parse_target(target)
    except ValueError as exc:
        problems.append(Problem(f"{label}目标", str(exc)))
    return problems
