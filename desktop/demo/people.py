"""The person register: married women of childbearing age, spread over the communities by weight.

All of them go in through one ``WriteDoor.insert_many`` call, so one transaction: a cancelled build
leaves no persons behind. A sample of younger women per community is kept in ``ctx.data['mothers']``
for the birth records.
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from desktop.demo.context import DemoContext, DemoStep, distribute
from desktop.demo.names import IdAllocator, NameMaker

MOTHER_SAMPLE = 800  # women per community kept as possible mothers of the births
MOTHER_BIRTH_YEARS = (1984, 2004)


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 1 March in other years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _age_weight(age: int) -> float:
    """Relative frequency of each age on the register (married women: few under 22)."""
    if age < 20:
        return 0.08
    if age < 22:
        return 0.35
    if age < 25:
        return 0.7
    if age <= 45:
        return 1.0
    return 0.9


def person_count(ctx: DemoContext) -> int:
    return round(ctx.params["district"]["persons"] * ctx.scale)


def allocator(ctx: DemoContext) -> IdAllocator:
    """The one ID allocator of the build, shared by every step that makes ID numbers."""
    if "ids" not in ctx.data:
        ctx.data["ids"] = IdAllocator(ctx.params["district"]["id_region"])
    return ctx.data["ids"]


def names(ctx: DemoContext) -> NameMaker:
    if "names" not in ctx.data:
        ctx.data["names"] = NameMaker(ctx.rng)
    return ctx.data["names"]


def _rows(ctx: DemoContext, counts: list[int]) -> Iterator[dict[str, Any]]:
    rules = ctx.params["rules"]
    rng = ctx.rng
    maker = names(ctx)
    ids = allocator(ctx)
    reference = date.fromisoformat(rules["age_reference"])
    opened = date.fromisoformat(rules["register_opened"]).toordinal()
    last_day = (reference - timedelta(days=1)).toordinal()
    youngest, oldest = rules["age_range"]
    ages = list(range(youngest, oldest + 1))
    cum_weights = list(accumulate(_age_weight(a) for a in ages))
    # ordinal range of birth dates giving each age on the reference day
    windows = {
        a: (add_years(reference, -a - 1).toordinal() + 1, add_years(reference, -a).toordinal())
        for a in ages
    }
    phone_share = rules["phone_share"]
    random = rng.random  # one call per draw: at scale 100 this loop runs 1.16 million times

    def between(lo: int, hi: int) -> int:
        return lo + int(random() * (hi - lo + 1))

    mothers: dict[str, list[tuple[str, str]]] = {}
    ctx.data["mothers"] = mothers
    for community, count in zip(ctx.communities, counts, strict=True):
        rural_share = ctx.kind(community.kind)["rural_share"]
        sample: list[tuple[str, str]] = []
        mothers[community.id] = sample
        seen = 0
        for _ in range(count):
            age = ages[bisect(cum_weights, random() * cum_weights[-1])]
            born = date.fromordinal(between(*windows[age]))
            while not ids.free(born, "F"):
                born += timedelta(days=1)
            number = ids.allocate(born, "F")
            name = maker.woman(born.year)
            # entered the register on marriage or moving in, from age 20 (18 for the youngest)
            first = add_years(born, min(20, age)).toordinal()
            entered = between(min(max(first, last_day - 365 * 25), last_day), last_day)
            if entered < opened:
                created = between(opened, opened + 120)
            else:
                created = min(entered + between(0, 30), last_day)
            yield {
                "community_id": community.id,
                "office": community.office,
                "name": name,
                "pinyin": maker.initials(name),
                "id_number": number,
                "id_tail": number[-4:],
                "sex": "F",
                "birth_date": born.isoformat(),
                "phone": maker.mobile() if random() < phone_share else None,
                "hukou": "rural" if random() < rural_share else "urban",
                "entered_on": date.fromordinal(entered).isoformat(),
                "created_on": date.fromordinal(created).isoformat(),
            }
            if MOTHER_BIRTH_YEARS[0] <= born.year <= MOTHER_BIRTH_YEARS[1]:
                seen += 1  # reservoir sampling keeps a uniform sample of the possible mothers
                if len(sample) < MOTHER_SAMPLE:
                    sample.append((name, number))
                else:
                    slot = int(random() * seen)
                    if slot < MOTHER_SAMPLE:
                        sample[slot] = (name, number)


def build_persons(ctx: DemoContext) -> None:
    total = person_count(ctx)
    counts = distribute(total, [c.weight for c in ctx.communities])
    ctx.write_door().insert_many(
        "persons",
        _rows(ctx, counts),
        total=total,
        progress=ctx.phase(0.0, 1.0, "人员名册"),
        cancel=ctx.cancel,
        batch=5000,
    )
    ctx.report(1, 1, f"人员名册：{total} 人")


PERSONS = DemoStep("persons", "生成已婚育龄妇女名册", build_persons, person_count)
