"""The inputs of the headline indicators: population counts, births, deaths, funds, targets.

The report quarter (2026Q1 in ``district.toml``) is *solved*: the generator looks for integer
totals — births, deaths, in-policy births, the population on both ends of the quarter, married
women and contraception users, funds in place — whose district-wide rates round (half up, 2
decimals, ``desktop.domain.rates.rate``) exactly to the report's figures, then spreads them over
communities and offices by weight (largest remainder). Every other quarter is plausible history:
rates around the rules with noise, a seasonal pattern, and birth rates that differ by office.

At scale 1 the arithmetic leaves one choice: 145 births, 142 of them within policy, 68 deaths and
an average population of 88 686–89 017. At other scales the population may move away from
``base_population × scale`` by the few per cent needed to make the figures reachable.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from desktop.demo.context import DemoContext, DemoStep, adjust, distribute
from desktop.demo.people import add_years, allocator, names
from desktop.domain.periods import Period, parse_period, quarters_between
from desktop.domain.rates import PERCENT, PERMILLE, rate
from desktop.store import audit
from desktop.store.db import set_setting, transaction
from desktop.store.door import now_iso
from desktop.store.users import SYSTEM

FEN_PER_YUAN = 100
MAX_SHIFT = 0.3  # the solver may move a total by at most this share


# -- the solver -------------------------------------------------------------------------------


def _near(center: Fraction, spread: int) -> Iterator[int]:
    """Integers ordered by distance from ``center``: round(center), +1, −1, +2, …"""
    start = math.floor(center + Fraction(1, 2))
    yield start
    for k in range(1, spread + 1):
        yield start + k
        yield start - k


def _outward(start: int, limit: int) -> Iterator[int]:
    yield start
    for k in range(1, limit + 1):
        yield start + k
        if start - k >= 0:
            yield start - k


def _spread(denominator: int, factor: int) -> int:
    """How far numerators can lie from the centre: half a unit of the 2nd decimal, plus margin."""
    return int(Fraction(abs(denominator), 200 * factor)) + 2


def share_for(value: Decimal, denominator: int, factor: int = PERCENT) -> int | None:
    """The numerator nearest ``value × denominator / factor`` whose rate rounds to ``value``."""
    if denominator <= 0:
        return None
    center = Fraction(value) * denominator / factor
    for n in _near(center, _spread(denominator, factor)):
        if 0 <= n and rate(n, denominator, factor) == value:
            return n
    return None


@dataclass(frozen=True)
class BirthSolution:
    population_sum: int  # population at the start + population at the end of the quarter
    births: int
    growth: int  # births − deaths
    in_policy: int

    @property
    def deaths(self) -> int:
        return self.births - self.growth


def solve_births(
    population_sum: int,
    birth_rate: Decimal,
    natural_growth: Decimal,
    policy_rate: Decimal,
    max_shift: int | None = None,
) -> BirthSolution | None:
    """Integers whose rates round to the three figures, with the population sum nearest the given.

    birth rate = births / ((P_start + P_end) / 2) × 1000, natural growth likewise with
    births − deaths, policy birth rate = in-policy births / births × 100.
    """
    limit = int(population_sum * MAX_SHIFT) if max_shift is None else max_shift
    for s in _outward(population_sum, limit):
        if s <= 0:
            continue
        g = _half_share(natural_growth, s)
        if g is None:
            continue
        for b in _near(Fraction(birth_rate) * s / (2 * PERMILLE), _spread(s, PERMILLE)):
            if b <= 0 or b < g or rate(2 * b, s, PERMILLE) != birth_rate:
                continue
            i = share_for(policy_rate, b, PERCENT)
            if i is not None:
                return BirthSolution(s, b, g, i)
    return None


def _half_share(value: Decimal, denominator: int) -> int | None:
    """g nearest the centre with rate(2g, denominator, ‰) == value: a count over an average
    population of denominator / 2."""
    for g in _near(Fraction(value) * denominator / (2 * PERMILLE), _spread(denominator, PERMILLE)):
        if rate(2 * g, denominator, PERMILLE) == value:
            return g
    return None


def solve_share(
    denominator: int, value: Decimal, factor: int = PERCENT, max_shift: int | None = None
) -> tuple[int, int] | None:
    """(denominator', numerator) with numerator / denominator' × factor rounding to ``value``,
    denominator' as near the given one as possible."""
    limit = int(denominator * MAX_SHIFT) if max_shift is None else max_shift
    for d in _outward(denominator, limit):
        n = share_for(value, d, factor)
        if n is not None and n <= d:
            return d, n
    return None


# -- the plan ---------------------------------------------------------------------------------


@dataclass
class Plan:
    dates: list[date]  # population count dates: the day before the first quarter, then quarter ends
    quarters: list[Period]
    report: int  # index of the report quarter in ``quarters`` (its dates are report, report + 1)
    population: list[list[int]]  # [date][community]
    married: list[list[int]]
    users: list[list[int]]
    births: list[list[int]]  # [quarter][community]
    deaths: list[list[int]]
    out_policy: int  # out-of-policy births of the report quarter
    exact: bool


def _noise(ctx: DemoContext, spread: float) -> float:
    return math.exp(ctx.rng.gauss(0.0, spread))


def _poisson(ctx: DemoContext, mu: float) -> int:
    if mu <= 0:
        return 0
    return max(0, round(ctx.rng.gauss(mu, math.sqrt(mu))))


def plan_indicators(ctx: DemoContext) -> None:
    params, rules, rng = ctx.params, ctx.params["rules"], ctx.rng
    district, report = params["district"], params["report"]
    quarters = quarters_between(
        parse_period(district["first_quarter"]), parse_period(district["last_quarter"])
    )
    dates = [date.fromisoformat(district["first_date"])] + [q.end for q in quarters]
    report_period = parse_period(report["period"])
    ri = next(i for i, q in enumerate(quarters) if q.key == report_period.key)
    communities = ctx.communities
    weights = [c.weight for c in communities]
    n_dates = len(dates)

    # 1. the report quarter's totals
    expected = 2 * round(district["base_population"] * ctx.scale)
    figures = {
        k: Decimal(report[k])
        for k in ("birth_rate", "natural_growth", "policy_birth_rate", "contraception_rate")
    }
    solved = solve_births(
        expected, figures["birth_rate"], figures["natural_growth"], figures["policy_birth_rate"]
    )
    exact = solved is not None
    if solved is None:  # tiny scales: take the nearest integers and accept inexact figures
        b = max(1, round(float(figures["birth_rate"]) * expected / 2000))
        g = min(b, round(float(figures["natural_growth"]) * expected / 2000))
        solved = BirthSolution(expected, b, g, round(float(figures["policy_birth_rate"]) * b / 100))

    # 2. population on every count date, anchored at the end of the report quarter
    anchor = distribute(solved.population_sum // 2, weights)
    growth = [ctx.kind(c.kind)["growth"] + rng.gauss(0.0, 0.0008) for c in communities]
    population = [
        [
            round(anchor[j] * (1 + growth[j]) ** (t - ri - 1) * (1 + rng.gauss(0.0, 0.0012)))
            for j in range(len(communities))
        ]
        for t in range(n_dates)
    ]
    delta = solved.population_sum - sum(population[ri]) - sum(population[ri + 1])
    population[ri] = adjust(population[ri], delta // 2, weights)  # half on each end of the quarter
    population[ri + 1] = adjust(population[ri + 1], delta - delta // 2, weights)

    # 3. married women and contraception users
    share = [
        rules["married_women_share"] + rng.gauss(0.0, rules["married_women_spread"])
        for _ in communities
    ]
    lo, hi = rules["contraception"]
    married = [
        [
            round(population[t][j] * share[j] * (1 + rng.gauss(0.0, 0.003)))
            for j in range(len(communities))
        ]
        for t in range(n_dates)
    ]
    use = [[rng.uniform(lo, hi) for _ in communities] for _ in range(n_dates)]
    users = [
        [min(married[t][j], round(married[t][j] * use[t][j])) for j in range(len(communities))]
        for t in range(n_dates)
    ]
    m0 = sum(married[ri + 1])
    found = solve_share(m0, figures["contraception_rate"])
    if found is None:
        exact = False
        found = (m0, min(m0, round(float(figures["contraception_rate"]) * m0 / 100)))
    m, u = found
    married[ri + 1] = adjust(married[ri + 1], m - m0, married[ri + 1])
    users[ri + 1] = distribute(
        u,
        [married[ri + 1][j] * use[ri + 1][j] for j in range(len(communities))],
        caps=married[ri + 1],
    )

    # 4. births and deaths per quarter and community
    births: list[list[int]] = []
    deaths: list[list[int]] = []
    noise = rules["noise"]
    for k, quarter in enumerate(quarters):
        q = (quarter.start.month - 1) // 3
        avg = [(population[k][j] + population[k + 1][j]) / 2 for j in range(len(communities))]
        bf = [ctx.kind(c.kind)["birth_factor"] * _noise(ctx, noise) for c in communities]
        df = [ctx.kind(c.kind)["death_factor"] * _noise(ctx, noise) for c in communities]
        if k == ri:
            births.append(distribute(solved.births, [a * f for a, f in zip(avg, bf, strict=True)]))
            deaths.append(distribute(solved.deaths, [a * f for a, f in zip(avg, df, strict=True)]))
            continue
        year_factor = rules["year_births"].get(str(quarter.start.year), 1.0)
        b_rate = rules["birth_rate"] * rules["season_births"][q] * year_factor * _noise(ctx, noise)
        d_rate = rules["death_rate"] * rules["season_deaths"][q] * _noise(ctx, noise)
        births.append([_poisson(ctx, b_rate * f * a / 1000) for a, f in zip(avg, bf, strict=True)])
        deaths.append([_poisson(ctx, d_rate * f * a / 1000) for a, f in zip(avg, df, strict=True)])

    plan = Plan(
        dates,
        quarters,
        ri,
        population,
        married,
        users,
        births,
        deaths,
        solved.births - solved.in_policy,
        exact,
    )
    if exact:
        _check_report(plan, figures)
    ctx.data["plan"] = plan
    ctx.report(1, 1, "已推算各季度人口与出生、死亡数")


def _check_report(plan: Plan, figures: dict[str, Decimal]) -> None:
    """The spread-out totals still give the report's figures (a bug here must not go unnoticed)."""
    ri = plan.report
    population_sum = sum(plan.population[ri]) + sum(plan.population[ri + 1])
    births, deaths = sum(plan.births[ri]), sum(plan.deaths[ri])
    got = {
        "birth_rate": rate(2 * births, population_sum, PERMILLE),
        "natural_growth": rate(2 * (births - deaths), population_sum, PERMILLE),
        "policy_birth_rate": rate(births - plan.out_policy, births, PERCENT),
        "contraception_rate": rate(sum(plan.users[ri + 1]), sum(plan.married[ri + 1]), PERCENT),
    }
    if got != figures:
        raise AssertionError(f"demo report quarter gives {got}, expected {figures}")
    if any(u > m for u, m in zip(plan.users[ri + 1], plan.married[ri + 1], strict=True)):
        raise AssertionError("more contraception users than married women in a community")


# -- writing ----------------------------------------------------------------------------------


def _plan(ctx: DemoContext) -> Plan:
    return ctx.data["plan"]


def write_population(ctx: DemoContext) -> None:
    plan = _plan(ctx)
    rows = [
        {
            "community_id": c.id,
            "office": c.office,
            "as_of": day.isoformat(),
            "population": plan.population[t][j],
            "married_women": plan.married[t][j],
            "contraception_users": plan.users[t][j],
        }
        for j, c in enumerate(ctx.communities)
        for t, day in enumerate(plan.dates)
    ]
    ctx.write_door().insert_many(
        "population_counts",
        rows,
        total=len(rows),
        progress=ctx.phase(0, 1, "人口数"),
        cancel=ctx.cancel,
    )


def _day_in(ctx: DemoContext, period: Period) -> date:
    return date.fromordinal(ctx.rng.randint(period.start.toordinal(), period.end.toordinal()))


def _weighted_sample(ctx: DemoContext, weights: list[float], k: int) -> set[int]:
    """k distinct indices, each drawn with probability proportional to its weight."""
    rng = ctx.rng
    keys = sorted(
        range(len(weights)),
        key=lambda i: -(rng.random() ** (1.0 / weights[i])) if weights[i] > 0 else 1.0,
    )
    return set(keys[:k])


def _birth_rows(ctx: DemoContext) -> Iterator[dict[str, Any]]:
    plan = _plan(ctx)
    rng = ctx.rng
    maker = names(ctx)
    lo, hi = ctx.params["rules"]["male_share"]
    mothers: dict[str, list[tuple[str, str]]] = ctx.data.get("mothers", {})
    for k, quarter in enumerate(plan.quarters):
        where = [j for j, n in enumerate(plan.births[k]) for _ in range(n)]
        total = len(where)
        males = set(rng.sample(range(total), round(total * rng.uniform(lo, hi))))
        in_policy = [ctx.kind(ctx.communities[j].kind)["in_policy"] for j in where]
        if k == plan.report:
            out = _weighted_sample(ctx, [1.0 - p for p in in_policy], plan.out_policy)
        else:
            out = {n for n, p in enumerate(in_policy) if rng.random() > p}
        for n, j in enumerate(where):
            community = ctx.communities[j]
            sex = "M" if n in males else "F"
            sample = mothers.get(community.id)
            mother, mother_id = rng.choice(sample) if sample else (maker.woman(1995), None)
            yield {
                "community_id": community.id,
                "office": community.office,
                "birth_date": _day_in(ctx, quarter).isoformat(),
                "sex": sex,
                "policy": "out_policy" if n in out else "in_policy",
                "child_name": maker.child(sex) if rng.random() < 0.9 else None,
                "mother_name": mother,
                "mother_id_number": mother_id,
            }


def _death_age(ctx: DemoContext) -> int:
    roll = ctx.rng.random()
    for upper, low, high in (
        (0.01, 0, 1),
        (0.13, 30, 59),
        (0.31, 60, 69),
        (0.61, 70, 79),
        (0.91, 80, 89),
        (1.01, 90, 99),
    ):
        if roll < upper:
            return ctx.rng.randint(low, high)
    return 80  # pragma: no cover


def _death_rows(ctx: DemoContext) -> Iterator[dict[str, Any]]:
    plan = _plan(ctx)
    rng = ctx.rng
    maker = names(ctx)
    ids = allocator(ctx)
    for k, quarter in enumerate(plan.quarters):
        for j, n in enumerate(plan.deaths[k]):
            community = ctx.communities[j]
            for _ in range(n):
                day = _day_in(ctx, quarter)
                sex = "M" if rng.random() < 0.53 else "F"
                age = _death_age(ctx)
                born = date.fromordinal(add_years(day, -age - 1).toordinal() + rng.randint(1, 365))
                if born > day:
                    born = day
                while not ids.free(born, sex):
                    born = date.fromordinal(born.toordinal() - 1)
                yield {
                    "community_id": community.id,
                    "office": community.office,
                    "death_date": day.isoformat(),
                    "sex": sex,
                    "name": maker.child(sex) if age < 14 else maker.elder(sex),
                    "id_number": ids.allocate(born, sex),
                }


def write_births(ctx: DemoContext) -> None:
    total = sum(map(sum, _plan(ctx).births))
    ctx.write_door().insert_many(
        "births",
        _birth_rows(ctx),
        total=total,
        progress=ctx.phase(0, 1, "出生登记"),
        cancel=ctx.cancel,
    )


def write_deaths(ctx: DemoContext) -> None:
    total = sum(map(sum, _plan(ctx).deaths))
    ctx.write_door().insert_many(
        "deaths",
        _death_rows(ctx),
        total=total,
        progress=ctx.phase(0, 1, "死亡登记"),
        cancel=ctx.cancel,
    )


def write_funds(ctx: DemoContext) -> None:
    plan = _plan(ctx)
    rules, rng = ctx.params["rules"], ctx.rng
    target = Decimal(ctx.params["report"]["funds_rate"])
    offices = ctx.offices
    rows: list[dict[str, Any]] = []
    for k, quarter in enumerate(plan.quarters):
        budgets: list[int] = []
        for office in offices:
            people = sum(
                (plan.population[k][j] + plan.population[k + 1][j]) / 2
                for j, c in enumerate(ctx.communities)
                if c.office == office.code
            )
            per_capita = rules["funds_per_capita_yuan"] * (1 + 0.03 * (quarter.start.year - 2024))
            budget_yuan = max(100, round(people * per_capita * rng.uniform(0.95, 1.05), -2))
            budgets.append(int(budget_yuan) * FEN_PER_YUAN)
        if k == plan.report:
            found = share_for(target, sum(budgets), PERCENT)
            total_in = sum(budgets) if found is None else found
            in_place = distribute(total_in, budgets, caps=budgets)
        else:
            lo, hi = rules["funds_in_place"]
            in_place = [
                b
                if rng.random() < rules["funds_full_chance"]
                else int(round(b * rng.uniform(lo, hi), -2))
                for b in budgets
            ]
        rows.extend(
            {
                "office": o.code,
                "period_start": quarter.start.isoformat(),
                "period_end": quarter.end.isoformat(),
                "budget_fen": b,
                "in_place_fen": i,
            }
            for o, b, i in zip(offices, budgets, in_place, strict=True)
        )
    ctx.write_door().insert_many(
        "funds", rows, total=len(rows), progress=ctx.phase(0, 1, "事业费"), cancel=ctx.cancel
    )


def write_targets(ctx: DemoContext) -> None:
    """The city's targets per indicator and year (not synced records: written and audited here)."""
    rows = [
        (indicator, int(year), str(Decimal(value)), spec["comparator"])
        for indicator, spec in ctx.params["targets"].items()
        for year, value in spec["years"].items()
    ]
    stamp = now_iso()
    exact = _plan(ctx).exact
    with transaction(ctx.db) as conn:
        conn.executemany(
            "INSERT INTO indicator_targets(indicator, year, target, comparator) VALUES (?,?,?,?)",
            rows,
        )
        set_setting(conn, "demo_report_exact", exact)
        audit.append(
            conn,
            [
                *(
                    audit.Entry(
                        stamp,
                        SYSTEM.name,
                        "target_set",
                        "indicator_targets",
                        f"{r[0]}/{r[1]}",
                        None,
                        None,
                        {"target": r[2], "comparator": r[3]},
                    )
                    for r in rows
                ),
                audit.Entry(
                    stamp,
                    SYSTEM.name,
                    "setting_set",
                    "settings",
                    "demo_report_exact",
                    None,
                    None,
                    {"value": exact},
                ),
            ],
        )
    ctx.report(1, 1, f"已写入 {len(rows)} 项市定目标")


def _expected_events(ctx: DemoContext, rate_key: str) -> int:
    district = ctx.params["district"]
    quarters = len(
        quarters_between(
            parse_period(district["first_quarter"]), parse_period(district["last_quarter"])
        )
    )
    per_quarter = ctx.params["rules"][rate_key] * ctx.params["district"]["base_population"] / 1000
    return int(per_quarter * quarters * ctx.scale) + 1


PLAN = DemoStep("indicator_plan", "推算人口与出生、死亡数", plan_indicators, lambda ctx: 200)
POPULATION = DemoStep(
    "population_counts",
    "写入人口数",
    write_population,
    lambda ctx: 12 * sum(len(o["communities"]) for o in ctx.params["offices"]),
)
BIRTHS = DemoStep(
    "births", "写入出生登记", write_births, lambda ctx: _expected_events(ctx, "birth_rate")
)
DEATHS = DemoStep(
    "deaths", "写入死亡登记", write_deaths, lambda ctx: _expected_events(ctx, "death_rate")
)
FUNDS = DemoStep("funds", "写入事业费", write_funds, lambda ctx: 100)
TARGETS = DemoStep("targets", "写入市定目标", write_targets, lambda ctx: 20)
