"""康检 in the demo district: the women's roster drawn from the person register, a history of
campaigns with their check records, keyed totals in one office, gynaecological screening,
newly-wed couples, procedures and services to the floating population.

The report campaign and quarter (``[kangjian.report]`` in ``district.toml``) are *solved*: the
generator counts the women who could be eligible on the report campaign's first day, retires just
enough of them from the roster before that day (divorce, widowhood, death, moving out) to leave the
report's 应检, and checks the number of them whose rate rounds to the report's 康检率; the report
quarter's procedures, screenings, newly-weds and floating-population services are drawn to the
report's figures. Every figure is then computed back from the records by
:mod:`desktop.store.kangjian` — nothing here writes a total that a query would read instead of the
records (the keyed totals of ``[kangjian.keyed]`` are themselves copied from what the query says).

At scale 1 the report campaign gives exactly 应检 11362, 实检 11261 (99.11%); at other scales the
counts are the report's times the scale, the rate the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from desktop.demo.context import DemoContext, DemoStep, distribute
from desktop.demo.indicators import share_for
from desktop.demo.people import add_years, allocator, names, person_count
from desktop.domain.choices import UNCHECKED_REASON
from desktop.domain.kangjian import MIN_MARRIAGE_AGE, REASON_COLUMNS, birth_window, latest_birth
from desktop.domain.periods import Period, parse_period, quarter_of, quarters_between
from desktop.domain.rates import rate
from desktop.store import audit
from desktop.store.db import set_setting, transaction
from desktop.store.door import now_iso
from desktop.store.kangjian import CampaignKey, campaign_progress
from desktop.store.orgs import Scope
from desktop.store.users import SYSTEM


class Woman:
    """One woman of the register as the generator sees her (dates as ordinals)."""

    __slots__ = (
        "person_id",
        "community_id",
        "office",
        "name",
        "id_number",
        "birth",
        "entered",
        "marriage",
        "marital",
        "children",
        "contraception",
        "floating",
        "floating_where",
        "floating_since",
        "exit",
        "exit_reason",
        "id",
    )

    def __init__(self, row: Sequence[Any]) -> None:
        self.person_id, self.community_id, self.office, self.name, self.id_number = row[:5]
        self.birth = date.fromisoformat(row[5]).toordinal()
        self.entered = date.fromisoformat(row[6]).toordinal()
        self.marriage = self.entered
        self.marital = "married"
        self.children = 0
        self.contraception: str | None = None
        self.floating = "none"
        self.floating_where: str | None = None
        self.floating_since: int | None = None
        self.exit: int | None = None
        self.exit_reason: str | None = None
        self.id = ""

    def eligible(self, day: int, born_after: int, born_by: int) -> bool:
        """The rule of ``desktop.domain.kangjian.ineligibility`` on ordinals (the store's query
        recomputes it in SQL; the demo tests compare the two)."""
        return (
            born_after < self.birth <= born_by
            and self.entered <= day
            and (self.exit is None or self.exit > day)
            and self.marriage <= day
        )


def _cfg(ctx: DemoContext) -> dict[str, Any]:
    return ctx.params["kangjian"]


def _iso(ordinal: int | None) -> str | None:
    return None if ordinal is None else date.fromordinal(ordinal).isoformat()


def _pick(ctx: DemoContext, weights: dict[str, float]) -> str:
    keys = list(weights)
    return ctx.rng.choices(keys, [weights[k] for k in keys])[0]


def _noise(ctx: DemoContext) -> float:
    return math.exp(ctx.rng.gauss(0.0, _cfg(ctx)["noise"]))


def _scaled(ctx: DemoContext, value: float) -> int:
    return max(0, round(value * ctx.scale))


def _window(day: date) -> tuple[int, int]:
    after, until = birth_window(day)
    return after.toordinal(), until.toordinal()


def _sample(
    ctx: DemoContext, items: Sequence[Any], k: int, weights: Sequence[float] | None = None
) -> list[Any]:
    """k distinct items (all of them when fewer), uniformly or with probability proportional to
    ``weights``."""
    k = min(k, len(items))
    if weights is None:
        return ctx.rng.sample(list(items), k)
    random = ctx.rng.random
    keyed = sorted(((random() ** (1.0 / w), i) for i, w in enumerate(weights)), key=lambda x: -x[0])
    return [items[i] for _, i in keyed[:k]]


# -- the roster ---------------------------------------------------------------------------------


def _load_women(ctx: DemoContext) -> list[Woman]:
    """The women of the person register, in the order they were written (deterministic)."""
    shared = {c.id: c.id for c in ctx.communities} | {o.code: o.code for o in ctx.offices}
    women = []
    for row in ctx.db.execute(
        "SELECT id, community_id, office, name, id_number, birth_date, entered_on FROM persons"
        " WHERE deleted = 0 AND sex = 'F' AND id_number IS NOT NULL ORDER BY rowid"
    ):
        w = Woman(row)
        w.community_id = shared.get(w.community_id, w.community_id)  # one string per community
        w.office = shared.get(w.office, w.office)
        women.append(w)
    return women


def _roster_facts(ctx: DemoContext, women: list[Woman]) -> None:
    """Marriage date, children, contraception and floating status of every woman."""
    cfg, rng = _cfg(ctx), ctx.rng
    random = rng.random
    cum_children = list(_cumulative(cfg["children"]))
    contraception = cfg["contraception"]
    places = cfg["floating_places"]
    out_share, in_share = cfg["floating"]["out"], cfg["floating"]["in"]
    last = parse_period(ctx.params["district"]["last_quarter"]).end.toordinal()
    for w in women:
        eighteen = add_years(date.fromordinal(w.birth), 18).toordinal()
        w.marriage = max(w.entered - int(random() * 46), min(eighteen, w.entered))
        roll = random()
        w.children = next(i for i, c in enumerate(cum_children) if roll < c)
        w.contraception = _pick(ctx, contraception)
        if w.children == 0 and w.contraception in ("tubal_ligation", "vasectomy"):
            w.contraception = "supplies"
        roll = random()
        if roll < out_share + in_share:
            w.floating = "out" if roll < out_share else "in"
            w.floating_where = places[int(random() * len(places))]
            w.floating_since = min(last, w.entered + int(random() * 900))


def _cumulative(shares: Sequence[float]) -> Iterator[float]:
    total = float(sum(shares))
    running = 0.0
    for s in shares[:-1]:
        running += s / total
        yield running
    yield 2.0  # past any roll


def _retire(ctx: DemoContext, women: list[Woman], report: date) -> tuple[int, bool]:
    """Exits from the roster: before the report campaign exactly enough to leave the report's
    应检; after it, women turning 50 and the same monthly rate of other exits.

    Returns (eligible on the report day, whether that is the report's figure)."""
    cfg, rng = _cfg(ctx), ctx.rng
    day = report.toordinal()
    after, until = _window(report)
    exits_from = date.fromisoformat(cfg["exits_from"]).toordinal()
    last = parse_period(ctx.params["district"]["last_quarter"]).end.toordinal()
    reasons = cfg["exit_reasons"]
    marital = {"divorce": "divorced", "widowed": "widowed"}

    # women older than 49 on the report day left the roster at 50
    for w in women:
        fifty = add_years(date.fromordinal(w.birth), 50).toordinal()
        if fifty <= day:
            w.exit, w.exit_reason = max(fifty, w.entered), "age50"
    available = [w for w in women if w.eligible(day, after, until)]
    target = _scaled(ctx, ctx.params["kangjian"]["report"]["eligible"])
    leaving = max(0, len(available) - target)
    for w in _sample(ctx, available, leaving):
        start = max(exits_from, w.entered + 1)
        w.exit = start + int(rng.random() * (day - start + 1)) if start <= day else day
        w.exit_reason = _pick(ctx, reasons)
        w.marital = marital.get(w.exit_reason, "married")
    # after the report day: the same monthly rate, and every woman turning 50
    per_day = leaving / max(1, day - exits_from + 1)
    staying = [w for w in women if w.exit is None]
    later = min(len(staying), round(per_day * (last - day)))
    for w in _sample(ctx, staying, later):
        w.exit = day + 1 + int(rng.random() * (last - day))
        w.exit_reason = _pick(ctx, reasons)
        w.marital = marital.get(w.exit_reason, "married")
    for w in women:
        fifty = add_years(date.fromordinal(w.birth), 50).toordinal()
        if day < fifty <= last and (w.exit is None or w.exit > fifty):
            w.exit, w.exit_reason, w.marital = fifty, "age50", "married"
    eligible = sum(1 for w in women if w.eligible(day, after, until))
    return eligible, eligible == target


def _women_rows(women: list[Woman]) -> Iterator[dict[str, Any]]:
    for w in women:
        yield {
            "community_id": w.community_id,
            "office": w.office,
            "person_id": w.person_id,
            "marriage_date": _iso(w.marriage),
            "marital": w.marital,
            "living_children": w.children,
            "contraception": w.contraception,
            "floating": w.floating,
            "floating_where": w.floating_where,
            "floating_since": _iso(w.floating_since),
            "entered_on": _iso(w.entered),
            "exit_date": _iso(w.exit),
            "exit_reason": w.exit_reason,
        }


# -- campaigns and checks -----------------------------------------------------------------------


def _campaign_rows(ctx: DemoContext) -> list[dict[str, Any]]:
    return [
        {
            "office": office.code,
            "name": c["name"],
            "start_date": c["start"],
            "end_date": c["end"],
            "items": '["查环","查孕","查病"]',
            "communities": None,
        }
        for c in _cfg(ctx)["campaigns"]
        for office in ctx.offices
    ]


def _campaign_checks(
    ctx: DemoContext, women: list[Woman], campaign: dict[str, Any], campaign_ids: dict[Any, str]
) -> tuple[int, bool, Iterator[dict[str, Any]]]:
    """The check records of one campaign: (how many, whether the report's rate was hit, rows).

    Every eligible woman gets a record: checked (with results) or not checked with a reason; the
    report campaign checks the number whose rate rounds to the report's 康检率."""
    cfg, rng = _cfg(ctx), ctx.rng
    report = cfg["report"]
    start, end = date.fromisoformat(campaign["start"]), date.fromisoformat(campaign["end"])
    day, after, until = start.toordinal(), *_window(start)
    eligible = [w for w in women if w.eligible(day, after, until)]
    hit = True
    if campaign["name"] == report["campaign"]:
        target = rate(report["checked"], report["eligible"])
        checked = share_for(Decimal(target), len(eligible)) if target is not None else None
        if checked is None:
            hit = False
            checked = round(len(eligible) * report["checked"] / report["eligible"])
    else:
        checked = round(len(eligible) * rng.uniform(*cfg["check_rate"]))
    weights = [cfg["unchecked_floating_weight"] if w.floating == "out" else 1.0 for w in eligible]
    missed = _sample(ctx, eligible, len(eligible) - checked, weights)
    missed.sort(key=lambda w: w.floating != "out")  # 外出务工 goes first to those away
    reason_keys = list(cfg["unchecked_reasons"])
    assert set(reason_keys) == set(UNCHECKED_REASON.keys())
    counts = distribute(len(missed), [cfg["unchecked_reasons"][k] for k in reason_keys])
    reasons = [k for k, n in zip(reason_keys, counts, strict=True) for _ in range(n)]
    reason_of = {id(w): r for w, r in zip(missed, reasons, strict=True)}

    def rows() -> Iterator[dict[str, Any]]:
        random = rng.random
        days = (end - start).days + 1
        ring_keys = list(cfg["ring"])
        ring_weights = [cfg["ring"][k] for k in ring_keys]
        for w in eligible:
            base = {
                "community_id": w.community_id,
                "office": w.office,
                "campaign_id": campaign_ids[(w.office, campaign["name"])],
                "woman_id": w.id,
            }
            reason = reason_of.get(id(w))
            if reason is not None:
                yield {
                    **base,
                    "checked": 0,
                    "unchecked_reason": reason,
                    "record_date": campaign["end"],
                }
                continue
            when = (start + timedelta(days=int(random() * days))).isoformat()
            if w.floating == "out" and random() < cfg["mailed_share"]:
                place = "mailed"
            else:
                place = "home" if random() < cfg["home_visits"] else "station"
            ring = rng.choices(ring_keys, ring_weights)[0] if w.contraception == "iud" else "none"
            disease = random() < cfg["disease_share"]
            pregnant = random() < cfg["pregnant_share"]
            yield {
                **base,
                "checked": 1,
                "check_date": when,
                "record_date": when,
                "place": place,
                "ring_result": ring,
                "pregnancy_result": "pregnant" if pregnant else "not_pregnant",
                "disease_found": int(disease),
                "advice_given": int(disease and random() < cfg["advice_share"]),
            }

    return len(eligible), hit, rows()


def _keyed_rows(ctx: DemoContext) -> list[dict[str, Any]]:
    """The keyed office's totals: what the records say, but one community of the report campaign
    keys more women (eligible and checked) than the roster holds."""
    cfg = _cfg(ctx)
    keyed = cfg["keyed"]
    office = keyed["office"]
    rows: list[dict[str, Any]] = []
    for campaign in cfg["campaigns"]:
        key = CampaignKey(campaign["name"], campaign["start"], campaign["end"])
        for row in campaign_progress(ctx.db, key, Scope(frozenset([office]))):
            records = row.records
            eligible, checked = records.eligible, records.checked
            reasons = dict(records.reasons)
            reasons["other"] += records.no_reason
            if (
                campaign["name"] == cfg["report"]["campaign"]
                and row.community == keyed["community"]
            ):
                eligible += keyed["eligible"]
                checked += keyed["checked"]
                reasons["other"] += keyed["eligible"] - keyed["checked"]
            rows.append(
                {
                    "community_id": row.community_id,
                    "office": office,
                    "campaign_id": row.campaign_id,
                    "record_date": campaign["end"],
                    "eligible": eligible,
                    "checked": checked,
                    **{REASON_COLUMNS[k]: n for k, n in reasons.items()},
                }
            )
    return rows


# -- the quarters: screening, newly-weds, procedures, floating population ------------------------


def _quarters(ctx: DemoContext) -> tuple[list[Period], Period]:
    district = ctx.params["district"]
    quarters = quarters_between(
        parse_period(district["first_quarter"]), parse_period(district["last_quarter"])
    )
    return quarters, parse_period(ctx.params["report"]["period"])


def _day_in(ctx: DemoContext, start: int, end: int) -> int:
    return start + int(ctx.rng.random() * (end - start + 1))


def _history(ctx: DemoContext, target: float, season: Sequence[float], quarter: Period) -> int:
    """A quarter's count around the report quarter's ``target``, by season, with noise."""
    q = (quarter.start.month - 1) // 3
    return _scaled(ctx, target * season[q] / season[0] * _noise(ctx))


def _on_roster(women: list[Woman], period: Period) -> list[Woman]:
    """Women eligible on the first day of ``period`` who stay on the roster through it."""
    day, end = period.start.toordinal(), period.end.toordinal()
    after, until = _window(period.start)
    return [w for w in women if w.eligible(day, after, until) and (w.exit is None or w.exit > end)]


def _screening_rows(ctx: DemoContext, women: list[Woman]) -> Iterator[dict[str, Any]]:
    cfg = _cfg(ctx)
    report = cfg["report"]
    quarters, report_period = _quarters(ctx)
    share = report["advised"] / report["screened"]
    for quarter in quarters:
        if quarter.key == report_period.key:
            screened, advised = _scaled(ctx, report["screened"]), _scaled(ctx, report["advised"])
        else:
            screened = _history(ctx, report["screened"], cfg["screening_season"], quarter)
            advised = round(screened * share * _noise(ctx))
        pool = _on_roster(women, quarter)
        chosen = _sample(ctx, pool, min(screened, len(pool)))
        advised = min(advised, len(chosen))
        unadvised = min(len(chosen) - advised, round(advised * cfg["screening_no_advice"]))
        start, end = quarter.start.toordinal(), quarter.end.toordinal()
        for n, w in enumerate(chosen):
            yield {
                "community_id": w.community_id,
                "office": w.office,
                "woman_id": w.id,
                "name": w.name,
                "id_number": w.id_number,
                "screen_date": _iso(_day_in(ctx, start, end)),
                "disease_found": int(n < advised + unadvised),
                "advice_given": int(n < advised),
            }


def _man(ctx: DemoContext, born: date) -> tuple[str, str]:
    ids = allocator(ctx)
    while not ids.free(born, "M"):
        born -= timedelta(days=1)
    maker = names(ctx)
    name = maker.child("M") if ctx.rng.random() < 0.5 else maker.elder("M")
    return name, ids.allocate(born, "M")


def _newlywed_rows(ctx: DemoContext, women: list[Woman]) -> Iterator[dict[str, Any]]:
    cfg = _cfg(ctx)
    quarters, report_period = _quarters(ctx)
    by_quarter: dict[str, list[Woman]] = {}
    for w in women:  # wives: women of the roster married in the quarter at 20 or older
        married = date.fromordinal(w.marriage)
        if married >= add_years(date.fromordinal(w.birth), 20):
            by_quarter.setdefault(quarter_of(married).key, []).append(w)
    for quarter in quarters:
        if quarter.key == report_period.key:
            count = _scaled(ctx, cfg["report"]["newlyweds"])
        else:
            count = _history(ctx, cfg["report"]["newlyweds"], cfg["newlywed_season"], quarter)
        pool = by_quarter.get(quarter.key, [])
        wives = _sample(ctx, pool, min(count, len(pool)))
        for w in wives:
            married = date.fromordinal(w.marriage)
            husband, husband_id = _man(ctx, _husband_birth(ctx, w.birth, married))
            yield {
                "community_id": w.community_id,
                "office": w.office,
                "wife_name": w.name,
                "wife_id_number": w.id_number,
                "husband_name": husband,
                "husband_id_number": husband_id,
                "marriage_date": married.isoformat(),
            }
        for _ in range(count - len(wives)):  # couples not (yet) on the roster
            community = _community(ctx)
            married = date.fromordinal(
                _day_in(ctx, quarter.start.toordinal(), quarter.end.toordinal())
            )
            born = add_years(married, -ctx.rng.randint(21, 30))
            ids = allocator(ctx)
            while not ids.free(born, "F"):
                born -= timedelta(days=1)
            husband, husband_id = _man(ctx, _husband_birth(ctx, born.toordinal(), married))
            yield {
                "community_id": community.id,
                "office": community.office,
                "wife_name": names(ctx).woman(born.year),
                "wife_id_number": ids.allocate(born, "F"),
                "husband_name": husband,
                "husband_id_number": husband_id,
                "marriage_date": married.isoformat(),
            }


def _husband_birth(ctx: DemoContext, wife_birth: int, married: date) -> date:
    """About two years older than his wife, and of the legal age (22) on the wedding day."""
    born = date.fromordinal(wife_birth - 730 - int(ctx.rng.gauss(0, 600)))
    return min(born, latest_birth(married, MIN_MARRIAGE_AGE["M"]))


def _community(ctx: DemoContext) -> Any:
    communities = ctx.communities
    return ctx.rng.choices(communities, [c.weight for c in communities])[0]


_FOUR = ("iud_insert", "sterilization", "abortion", "induced_labour")


def _procedure_rows(ctx: DemoContext, women: list[Woman]) -> Iterator[dict[str, Any]]:
    cfg = _cfg(ctx)
    report = cfg["report"]
    quarters, report_period = _quarters(ctx)
    hospitals = cfg["hospitals"]
    male = cfg["male_sterilization_share"]
    for quarter in quarters:
        if quarter.key == report_period.key:
            counts = {k: _scaled(ctx, report[k]) for k in _FOUR}
        else:
            counts = {k: _history(ctx, report[k], cfg["procedure_season"], quarter) for k in _FOUR}
        female_st, male_st = distribute(counts["sterilization"], [1 - male, male])
        fine = {
            "iud_insert": counts["iud_insert"],
            "iud_remove": round(counts["iud_insert"] * cfg["iud_removals"] * _noise(ctx)),
            "female_sterilization": female_st,
            "male_sterilization": male_st,
            "abortion": counts["abortion"],
            "induced_labour": counts["induced_labour"],
            "implant": round(counts["iud_insert"] * cfg["implants"] * _noise(ctx)),
        }
        pool = _on_roster(women, quarter)
        fitting = {
            "iud_insert": [w for w in pool if w.contraception == "iud"],
            "iud_remove": [w for w in pool if w.contraception != "iud"],
            "female_sterilization": [w for w in pool if w.contraception == "tubal_ligation"],
            "implant": [w for w in pool if w.contraception == "implant"],
        }
        start, end = quarter.start.toordinal(), quarter.end.toordinal()
        for kind, n in fine.items():
            if kind == "male_sterilization":
                wives = _sample(ctx, pool, n)
                for w in wives:
                    name, number = _man(ctx, _husband_birth(ctx, w.birth, quarter.start))
                    yield _procedure(ctx, w, kind, start, end, hospitals, name, number, "M")
                continue
            candidates = fitting.get(kind) or pool
            if len(candidates) < n:
                candidates = pool
            for w in _sample(ctx, candidates, n):
                yield _procedure(ctx, w, kind, start, end, hospitals, w.name, w.id_number, "F", w)


def _procedure(
    ctx: DemoContext,
    wife: Woman,
    kind: str,
    start: int,
    end: int,
    hospitals: Sequence[str],
    name: str,
    number: str,
    sex: str,
    person: Woman | None = None,
) -> dict[str, Any]:
    return {
        "community_id": wife.community_id,
        "office": wife.office,
        "person_id": person.person_id if person else None,
        "name": name,
        "id_number": number,
        "sex": sex,
        "procedure_type": kind,
        "procedure_date": _iso(_day_in(ctx, start, end)),
        "hospital": hospitals[int(ctx.rng.random() * len(hospitals))],
    }


def _floating_rows(ctx: DemoContext, women: list[Woman]) -> Iterator[dict[str, Any]]:
    """Per office and month: contraceptives handed out (boxes) and checks (person-times)."""
    cfg, rng = _cfg(ctx), ctx.rng
    report = cfg["report"]
    quarters, report_period = _quarters(ctx)
    offices = ctx.offices
    floating = {o.code: 1.0 for o in offices}
    for w in women:
        if w.floating != "none":
            floating[w.office] += 1
    weights = [floating[o.code] for o in offices]
    by_office = {o.code: [c for c in ctx.communities if c.office == o.code] for o in offices}
    for quarter in quarters:
        months = [date(quarter.start.year, quarter.start.month + m, 1) for m in range(3)]
        for kind, key in (("contraceptives", "contraceptives"), ("checks", "floating_checks")):
            lo, hi = (v * ctx.scale for v in report[key])
            if quarter.key == report_period.key:
                total = rng.randint(math.ceil(lo), max(math.ceil(lo), math.floor(hi)))
            else:
                middle = (report[key][0] + report[key][1]) / 2
                total = _history(ctx, middle, cfg["floating_season"], quarter)
            cells = distribute(
                total, [w * (1 + 0.2 * rng.random()) for w in weights for _ in months]
            )
            for n, amount in enumerate(cells):
                if amount <= 0:
                    continue
                office = offices[n // len(months)]
                month = months[n % len(months)]
                community = rng.choices(
                    by_office[office.code], [c.weight for c in by_office[office.code]]
                )[0]
                next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
                day = _day_in(ctx, month.toordinal(), next_month.toordinal() - 1)
                yield {
                    "community_id": community.id,
                    "office": office.code,
                    "service_date": _iso(day),
                    "kind": kind,
                    "quantity": amount,
                }


# -- the step -----------------------------------------------------------------------------------


def build_kangjian(ctx: DemoContext) -> None:
    cfg = _cfg(ctx)
    door = ctx.write_door()
    report_campaign = next(c for c in cfg["campaigns"] if c["name"] == cfg["report"]["campaign"])
    women = _load_women(ctx)
    _roster_facts(ctx, women)
    _, exact = _retire(ctx, women, date.fromisoformat(report_campaign["start"]))
    ctx.report(20, 1000, "名册：已确定婚育与退出情况")

    campaign_rows = _campaign_rows(ctx)
    campaign_ids = dict(
        zip(
            ((r["office"], r["name"]) for r in campaign_rows),
            door.insert_many("campaigns", campaign_rows, cancel=ctx.cancel),
            strict=True,
        )
    )
    ids = door.insert_many(
        "women",
        _women_rows(women),
        total=len(women),
        progress=ctx.phase(0.02, 0.2, "已婚育龄妇女名册"),
        cancel=ctx.cancel,
        batch=5000,
    )
    for w, record_id in zip(women, ids, strict=True):
        w.id = record_id
    campaigns = cfg["campaigns"]
    for n, campaign in enumerate(campaigns):  # one transaction per campaign
        ctx.check_cancel()
        count, hit, check_rows = _campaign_checks(ctx, women, campaign, campaign_ids)
        exact = exact and hit
        start = 0.2 + 0.65 * n / len(campaigns)
        door.insert_many(
            "checks",
            check_rows,
            total=count,
            progress=ctx.phase(start, start + 0.65 / len(campaigns), f"{campaign['name']}记录"),
            cancel=ctx.cancel,
            batch=5000,
        )
    ctx.check_cancel()
    door.insert_many("campaign_totals", _keyed_rows(ctx), cancel=ctx.cancel)
    parts = (
        ("screenings", _screening_rows, "妇科病普查"),
        ("newlyweds", _newlywed_rows, "新婚夫妇"),
        ("procedures", _procedure_rows, "计划生育手术"),
        ("floating_services", _floating_rows, "流动人口服务"),
    )
    for n, (table, make_rows, label) in enumerate(parts):
        ctx.check_cancel()
        start = 0.85 + 0.15 * n / len(parts)
        door.insert_many(
            table,
            make_rows(ctx, women),
            progress=ctx.phase(start, start + 0.15 / len(parts), label),
            cancel=ctx.cancel,
            batch=5000,
        )
    _mark_exact(ctx, exact)
    ctx.report(1, 1, f"康检：名册 {len(women)} 人")


def _mark_exact(ctx: DemoContext, exact: bool) -> None:
    stamp = now_iso()
    with transaction(ctx.db) as conn:
        set_setting(conn, "demo_kangjian_exact", exact)
        audit.append(
            conn,
            [
                audit.Entry(
                    stamp,
                    SYSTEM.name,
                    "setting_set",
                    "settings",
                    "demo_kangjian_exact",
                    None,
                    None,
                    {"value": exact},
                )
            ],
        )


def _weight(ctx: DemoContext) -> int:
    return person_count(ctx) * (2 + len(_cfg(ctx)["campaigns"]))


KANGJIAN = DemoStep("kangjian", "生成康检名册、活动与检查记录", build_kangjian, _weight)
