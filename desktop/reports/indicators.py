"""The headline indicators of the quarterly report against the city's targets.

Each indicator is numerator / denominator × factor, rounded half up to 2 decimals
(``desktop.domain.rates.rate``), computed from SQL aggregates over the records in the scope
(never a Python loop over rows) with deleted records left out:

=====================  ==================================================================
出生率 (‰)              births in the period / average population × 1000
自然增长率 (‰)          (births − deaths) / average population × 1000
政策生育率 (%)          in-policy births / births × 100
避孕节育措施落实率 (%)  contraception users / married women at the period's end × 100
事业费投入到位率 (%)    funds in place / budget, over the funds records within the period × 100
出生人口性别比          male births / female births × 100
=====================  ==================================================================

The population on a day is, per community, its latest count on or before that day; the average
population of a period is the mean of the population on the day before it starts and on its last
day (the one that exists, when only one does). The target is the city's for the year in which the
period ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlite_utils

from desktop.domain.periods import Period
from desktop.domain.rates import PERCENT, PERMILLE, format_rate, margin, rate
from desktop.store.orgs import Scope


@dataclass(frozen=True)
class Definition:
    key: str
    label: str
    phrase: str  # how the narrative names it: 人口出生率为…
    unit: str
    factor: int


DEFINITIONS: tuple[Definition, ...] = (
    Definition("birth_rate", "出生率", "人口出生率", "‰", PERMILLE),
    Definition("natural_growth", "自然增长率", "人口自然增长率", "‰", PERMILLE),
    Definition("policy_birth_rate", "政策生育率", "政策生育率", "%", PERCENT),
    Definition("contraception_rate", "避孕节育措施落实率", "避孕节育措施落实率", "%", PERCENT),
    Definition("funds_rate", "事业费投入到位率", "事业费投入到位率", "%", PERCENT),
    Definition("sex_ratio", "出生人口性别比", "出生人口性别比", "", 100),
)
_BY_KEY = {d.key: d for d in DEFINITIONS}


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    numerator: int
    denominator: int | Decimal  # the average population may end in .5
    factor: int
    value: Decimal | None  # None when the denominator is 0
    unit: str  # '%', '‰' or '' (sex ratio)
    target: Decimal | None
    comparator: str | None  # '<=' (a ceiling) or '>=' (a floor)
    met: bool | None
    margin: Decimal | None  # |value − target|, 2 decimals

    @property
    def phrase(self) -> str:
        return _BY_KEY[self.key].phrase if self.key in _BY_KEY else self.label

    @property
    def text(self) -> str:
        """The value as shown: '1.63‰', '97.93%', '—' without data."""
        return format_rate(self.value, self.unit)


@dataclass(frozen=True)
class _Counts:
    population_start: int
    population_end: int
    married: int
    users: int
    births: int
    in_policy: int
    males: int
    females: int
    deaths: int
    budget: int
    in_place: int


def compute_indicators(
    db: sqlite_utils.Database, period: Period, scope: Scope | None = None
) -> list[Indicator]:
    """The six headline indicators for ``period`` over ``scope`` (None: the whole district)."""
    counts = _counts(db, period, scope or Scope.everything())
    targets = _targets(db, period.end.year)
    start, end = counts.population_start, counts.population_end
    population_sum = start + end if start and end else 2 * (start or end)
    average = Decimal(population_sum) / 2
    if average == average.to_integral_value():
        average = Decimal(int(average))

    def per_average(numerator: int) -> tuple[int, Decimal, Decimal | None]:
        return numerator, average, rate(2 * numerator, population_sum, PERMILLE)

    figures: dict[str, tuple[int, int | Decimal, Decimal | None]] = {
        "birth_rate": per_average(counts.births),
        "natural_growth": per_average(counts.births - counts.deaths),
        "policy_birth_rate": (
            counts.in_policy,
            counts.births,
            rate(counts.in_policy, counts.births),
        ),
        "contraception_rate": (counts.users, counts.married, rate(counts.users, counts.married)),
        "funds_rate": (counts.in_place, counts.budget, rate(counts.in_place, counts.budget)),
        "sex_ratio": (counts.males, counts.females, rate(counts.males, counts.females, 100)),
    }
    result: list[Indicator] = []
    for d in DEFINITIONS:
        numerator, denominator, value = figures[d.key]
        target, comparator = targets.get(d.key, (None, None))
        met = gap = None
        if value is not None and target is not None:
            met = value <= target if comparator == "<=" else value >= target
            gap = margin(value, target)
        result.append(
            Indicator(
                d.key,
                d.label,
                numerator,
                denominator,
                d.factor,
                value,
                d.unit,
                target,
                comparator,
                met,
                gap,
            )
        )
    return result


def indicator_map(indicators: list[Indicator]) -> dict[str, Indicator]:
    return {i.key: i for i in indicators}


def format_indicator_sentence(ind: Indicator) -> str:
    """One clause of the narrative: '人口出生率为1.63‰，低于市定目标10.66‰'.

    The margin is phrased by where the value lies: 低于 / 高于 市定目标 by the margin, 达到 when
    equal; without a target only the value is given.
    """
    if ind.value is None:
        return f"{ind.phrase}本期无数据"
    head = f"{ind.phrase}为{format_rate(ind.value, ind.unit)}"
    if ind.target is None or ind.margin is None:
        return head
    if ind.value == ind.target:
        return f"{head}，达到市定目标"
    side = "低于" if ind.value < ind.target else "高于"
    return f"{head}，{side}市定目标{format_rate(ind.margin, ind.unit)}"


# -- queries --------------------------------------------------------------------------------------


def _counts(db: sqlite_utils.Database, period: Period, scope: Scope) -> _Counts:
    first = period.start.isoformat()
    # dates may carry a time of day, so compare with "before the next day"
    after = (period.end + timedelta(days=1)).isoformat()
    where, params = scope.sql("office", "community_id")
    start_population = _population_on(db, period.start - timedelta(days=1), scope)[0]
    end_population, married, users = _population_on(db, period.end, scope)
    births, in_policy, males, females = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(policy = 'in_policy'), 0), COALESCE(SUM(sex = 'M'), 0),"
        " COALESCE(SUM(sex = 'F'), 0) FROM births"
        f" WHERE deleted = 0 AND birth_date >= ? AND birth_date < ? AND {where}",
        [first, after, *params],
    ).fetchone()
    deaths = db.execute(
        "SELECT COUNT(*) FROM deaths"
        f" WHERE deleted = 0 AND death_date >= ? AND death_date < ? AND {where}",
        [first, after, *params],
    ).fetchone()[0]
    funds_where, funds_params = scope.sql("office", None)  # funds belong to an office
    budget, in_place = db.execute(
        "SELECT COALESCE(SUM(budget_fen), 0), COALESCE(SUM(in_place_fen), 0) FROM funds"
        f" WHERE deleted = 0 AND period_start >= ? AND period_end <= ? AND {funds_where}",
        [first, period.end.isoformat(), *funds_params],
    ).fetchone()
    return _Counts(
        start_population,
        end_population,
        married,
        users,
        births,
        in_policy,
        males,
        females,
        deaths,
        budget,
        in_place,
    )


def _population_on(db: sqlite_utils.Database, day: date, scope: Scope) -> tuple[int, int, int]:
    """Population, married women and contraception users on ``day``: per community its latest
    count on or before that day."""
    where, params = scope.sql("p.office", "p.community_id")
    row = db.execute(
        "SELECT COALESCE(SUM(p.population), 0), COALESCE(SUM(p.married_women), 0),"
        " COALESCE(SUM(p.contraception_users), 0) FROM population_counts p"
        f" WHERE p.deleted = 0 AND {where} AND p.as_of = ("
        "  SELECT MAX(q.as_of) FROM population_counts q"
        "  WHERE q.community_id = p.community_id AND q.deleted = 0 AND q.as_of <= ?)",
        [*params, day.isoformat()],
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def _targets(db: sqlite_utils.Database, year: int) -> dict[str, tuple[Decimal, str]]:
    return {
        indicator: (Decimal(target), comparator)
        for indicator, target, comparator in db.execute(
            "SELECT indicator, target, comparator FROM indicator_targets WHERE year = ?", [year]
        )
    }
