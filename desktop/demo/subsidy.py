"""帮扶发放 in the demo district: families, qualifications year by year, payment batches, returns and
re-payments, from ``[subsidy]`` of ``resources/demo/district.toml``.

- 奖励扶助 families: a rural couple with one child or two daughters; each spouse enters the
  programme in the year they are 60 or more (from the month after the birthday when it falls in
  that year), and may leave (died / moved away) — before the yearly confirmation or during the
  year. 特别扶助 families: a couple whose only child died or is disabled; both parents enter once
  the mother is 49. Poor family-planning households (贫困计生户) have a date since which they are
  poor, and some have left poverty.
- The years run in order, through the store's own functions: exits before the confirmation and
  the year's new entrants are written, the offices confirm the year (``confirm_year``, in February
  and March), then in date order the batches (奖励扶助 by half-year in March and September,
  特别扶助 by quarter, 慰问 at the Spring and Mid-Autumn festivals — ``propose_batch`` /
  ``commit_batch``), the exits during the year (``exit_qualification``), and the bank's returns, most
  of them re-paid (``mark_returned`` / ``repay``).

The report quarter is *solved*, not counted afterwards: families are added until exactly the
report's number of people are confirmed for 2026 (a spouse who would overshoot is left out of the
programme), the poor households paid at the 2026 Spring Festival are exactly the report's plus
those whose payment comes back and is not re-paid, and the goods' values are drawn and then nudged
until cash + goods lie in the report's range. The test reads the figures back with
:func:`desktop.store.subsidy.confirmed_counts` and :func:`desktop.store.subsidy.period_totals`.

The step has its own random source and does not depend on the scale (the report's figures are the
district's whatever its size); ID numbers come from the build's shared allocator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from desktop.demo.context import Community, DemoContext, DemoStep
from desktop.demo.names import NameMaker
from desktop.demo.people import allocator
from desktop.domain.periods import parse_period, quarter_of
from desktop.domain.pinyin import initials
from desktop.store.orgs import Scope
from desktop.store.subsidy import (
    Batch,
    commit_batch,
    confirm_year,
    exit_qualification,
    list_programmes,
    mark_returned,
    propose_batch,
    repay,
)
from desktop.store.users import SYSTEM

RETURN_REASONS = ("账户已注销", "户名与账号不符", "账户冻结", "社保卡未激活")
ACCOUNT_PREFIX = {"social_card": "621700", "one_card": "622908", "passbook": "600100"}


@dataclass
class Person:
    community: Community
    name: str
    sex: str
    born: date
    hukou: str
    id: str = ""
    number: str = ""


@dataclass
class Member:
    """A person of a programme: when they enter and leave it."""

    person: Person
    programme: str  # 'reward' / 'special'
    category: str | None
    enters: int  # year of the first qualification
    start: date  # start of the entitlement in that year
    exits: int | None = None  # year of the exit
    exit_day: date | None = None
    early: bool = False  # exit before the yearly confirmation
    household: Household | None = None

    def confirmed_in(self, year: int) -> bool:
        """Has a confirmed qualification for ``year`` (confirmed in its first quarter)."""
        if self.enters > year:
            return False
        if self.exits is None or self.exits > year:
            return True
        return self.exits == year and not self.early


@dataclass
class Household:
    community: Community
    head: Person
    members: list[tuple[Person, str]]  # (person, relation), the head first
    hukou: str
    created: date
    poor_since: date | None = None
    poor_until: date | None = None  # left poverty on this day
    id: str = ""
    address: str = ""

    def poor_on(self, day: date) -> bool:
        return (
            self.poor_since is not None
            and self.poor_since <= day
            and (self.poor_until is None or day < self.poor_until)
        )


@dataclass
class Plan:
    persons: list[Person] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)


class Planner:
    """Draws the families with the step's random source."""

    def __init__(self, ctx: DemoContext, rng: random.Random) -> None:
        self.ctx = ctx
        self.cfg = ctx.params["subsidy"]
        self.rng = rng
        self.maker = NameMaker(rng)
        self.plan = Plan()
        self.first_year = self.cfg["years"][0]
        self.last_year = self.cfg["years"][-1]
        self.last_day = parse_period(ctx.params["district"]["last_quarter"]).end

    def day_in(self, first: date, last: date) -> date:
        return first + timedelta(days=int(self.rng.random() * ((last - first).days + 1)))

    def born_in(self, year: int) -> date:
        return self.day_in(date(year, 1, 1), date(year, 12, 31))

    def community(self, weights: dict[str, float]) -> Community:
        items = self.ctx.communities
        return self.rng.choices(items, [c.weight * weights[c.kind] for c in items])[0]

    def person(
        self, community: Community, sex: str, born: date, hukou: str, young: bool = False
    ) -> Person:
        name = self.maker.child(sex) if young else self.maker.elder(sex)
        p = Person(community, name, sex, born, hukou)
        self.plan.persons.append(p)
        return p

    def household(self, head: Person, others: list[tuple[Person, str]], hukou: str) -> Household:
        h = Household(head.community, head, [(head, "head"), *others], hukou, date(2023, 12, 1))
        h.address = f"{head.community.name}{1 + int(self.rng.random() * 160)}号"
        self.plan.households.append(h)
        return h

    def timeline(self, member: Member) -> Member:
        """Draw the year and day a member leaves the programme (if at all before the last year)."""
        rate, early_share = self.cfg["exit_rate"], self.cfg["early_exit"]
        for year in range(member.enters, self.last_year + 1):
            if self.rng.random() >= rate:
                continue
            early = year > member.enters and self.rng.random() < early_share
            if early:
                day = self.day_in(date(year, 1, 2), date(year, 2, 5))
            else:
                last = min(date(year, 11, 30), self.last_day)
                first = max(date(year, 4, 1), member.start + timedelta(days=1))
                if first > last:
                    continue
                day = self.day_in(first, last)
            member.exits, member.exit_day, member.early = year, day, early
            break
        return member

    def entry(self, turns: date, age: int) -> tuple[int, date]:
        """The year someone enters (from the first year) and the start of the entitlement: the
        first of the month after the birthday of ``age`` in that year."""
        year = turns.year + age
        if year < self.first_year:
            return self.first_year, date(self.first_year, 1, 1)
        month = date(year, turns.month, 1) + timedelta(days=32)
        start = date(month.year, month.month, 1)
        if start.year > year:
            return year + 1, date(year + 1, 1, 1)
        return year, start

    # -- 奖励扶助 ---------------------------------------------------------------------------------

    def reward(self, target: int) -> None:
        cfg = self.cfg
        count = 0
        while count < target:
            community = self.community(cfg["rural_weight"])
            head_born = self.born_in(self.rng.randint(*cfg["reward_born"]))
            gap = self.rng.randint(*cfg["reward_spouse_gap"])
            wife_born = self.born_in(min(head_born.year + gap, cfg["reward_born"][1] + 4))
            head = self.person(community, "M", head_born, "rural")
            wife = self.person(community, "F", wife_born, "rural")
            couple = [self._reward_member(p) for p in (head, wife)]
            counted = [m for m in couple if m is not None and m.confirmed_in(self.last_year)]
            if len(counted) > target - count:  # one place left: the wife does not apply (yet)
                couple[1] = None
                counted = counted[:1] if couple[0] in counted else []
            count += len(counted)
            if self.rng.random() < cfg["reward_two_daughters"]:
                sexes = ["F", "F"]
            else:
                sexes = ["M" if self.rng.random() < 0.55 else "F"]
            children = [
                (
                    self.person(
                        community,
                        s,
                        self.born_in(wife_born.year + self.rng.randint(21, 30)),
                        "rural",
                        True,
                    ),
                    "child",
                )
                for s in sexes
            ]
            home = self.household(head, [(wife, "spouse"), *children], "rural")
            for m in couple:
                if m is not None:
                    m.household = home
                    self.plan.members.append(m)

    def _reward_member(self, p: Person) -> Member | None:
        year, start = self.entry(p.born, 60)
        if year > self.last_year:
            return None
        return self.timeline(Member(p, "reward", None, year, start))

    # -- 特别扶助 ---------------------------------------------------------------------------------

    def special(self, target: int) -> None:
        cfg = self.cfg
        count = 0
        while count < target:
            weights = {k: 1.0 for k in cfg["rural_weight"]}
            community = self.community(weights)
            rural = self.rng.random() < self.ctx.kind(community.kind)["rural_share"]
            hukou = "rural" if rural else "urban"
            mother_born = self.born_in(self.rng.randint(*cfg["special_mother_born"]))
            father_born = self.born_in(mother_born.year - self.rng.randint(0, 4))
            category = "dead" if self.rng.random() < cfg["special_share_dead"] else "disabled"
            year, start = self.entry(mother_born, 49)
            if year > self.last_year:
                continue
            father = self.person(community, "M", father_born, hukou)
            mother = self.person(community, "F", mother_born, hukou)
            parents = [
                self.timeline(Member(father, "special", category, year, start)),
                self.timeline(Member(mother, "special", category, year, start)),
            ]
            counted = [m for m in parents if m.confirmed_in(self.last_year)]
            if len(counted) > target - count:
                parents = parents[1:]  # a widowed mother: the father is not in the programme
                counted = [m for m in parents if m.confirmed_in(self.last_year)]
            count += len(counted)
            children: list[tuple[Person, str]] = []
            if category == "disabled":
                child_born = self.born_in(mother_born.year + self.rng.randint(22, 30))
                sex = "M" if self.rng.random() < 0.5 else "F"
                children.append((self.person(community, sex, child_born, hukou, True), "child"))
            home = self.household(father, [(mother, "spouse"), *children], hukou)
            for m in parents:
                m.household = home
                self.plan.members.append(m)

    # -- 贫困计生户 -------------------------------------------------------------------------------

    def poor(self, now: int, left: int, joined: int, report_day: date) -> None:
        for n in range(now + left + joined):
            community = self.community(self.cfg["poor_weight"])
            rural = self.rng.random() < self.ctx.kind(community.kind)["rural_share"]
            hukou = "rural" if rural else "urban"
            sex = "M" if self.rng.random() < 0.7 else "F"
            head = self.person(community, sex, self.born_in(self.rng.randint(1948, 1985)), hukou)
            others: list[tuple[Person, str]] = []
            if self.rng.random() < 0.6:
                spouse_born = self.born_in(head.born.year + self.rng.randint(-3, 5))
                others.append(
                    (
                        self.person(community, "F" if sex == "M" else "M", spouse_born, hukou),
                        "spouse",
                    )
                )
            home = self.household(head, others, hukou)
            if n < now:  # poor on the report quarter's 慰问 day
                home.poor_since = self.day_in(date(2016, 1, 1), date(2025, 12, 31))
            elif n < now + left:
                home.poor_since = self.day_in(date(2015, 1, 1), date(2023, 6, 30))
                home.poor_until = self.day_in(date(2024, 3, 1), date(2025, 12, 31))
            else:
                home.poor_since = self.day_in(report_day + timedelta(days=30), date(2026, 8, 31))
            home.created = min(home.created, home.poor_since)


# -- writing --------------------------------------------------------------------------------------


def _person_rows(plan: Plan, ctx: DemoContext) -> list[dict[str, Any]]:
    ids = allocator(ctx)
    rows = []
    for p in plan.persons:
        born = p.born
        while not ids.free(born, p.sex):
            born += timedelta(days=1)
        p.born = born
        p.number = ids.allocate(born, p.sex)
        rows.append(
            {
                "community_id": p.community.id,
                "office": p.community.office,
                "name": p.name,
                "pinyin": initials(p.name),
                "id_number": p.number,
                "id_tail": p.number[-4:],
                "sex": p.sex,
                "birth_date": born.isoformat(),
                "phone": None,
                "hukou": p.hukou,
                "entered_on": "2023-12-01",
                "created_on": "2023-12-01",
            }
        )
    return rows


class Payer:
    """Accounts, batches, returns and re-payments, through the store's functions."""

    def __init__(self, ctx: DemoContext, rng: random.Random, programmes: dict[str, Any]) -> None:
        self.ctx = ctx
        self.rng = rng
        self.door = ctx.write_door()
        self.programmes = programmes
        self.cfg = ctx.params["subsidy"]
        self.accounts: dict[str, tuple[str, str]] = {}

    def account(self, person_id: str) -> tuple[str, str]:
        if person_id not in self.accounts:
            roll = self.rng.random()
            kind = "social_card" if roll < 0.6 else "one_card" if roll < 0.9 else "passbook"
            digits = "".join(str(int(self.rng.random() * 10)) for _ in range(13))
            self.accounts[person_id] = (kind, ACCOUNT_PREFIX[kind] + digits)
        return self.accounts[person_id]

    def commit(self, batch: Batch) -> list[dict[str, Any]]:
        for p in batch.payments:
            if not p["account_no"]:
                p["account_type"], p["account_no"] = self.account(p["person_id"])
        if not batch.payments:
            return []
        batch_id = commit_batch(self.door, batch)
        return [
            dict(zip(("id", "person_id", "pay_date"), r, strict=True))
            for r in self.ctx.db.execute(
                "SELECT id, person_id, pay_date FROM payments WHERE batch_id = ? ORDER BY rowid",
                [batch_id],
            )
        ]

    def returns(self, paid: list[dict[str, Any]], share: float | None = None) -> None:
        share = self.cfg["returned"] if share is None else share
        for p in paid:
            if self.rng.random() >= share:
                continue
            self.bounce(p, repaid=self.rng.random() < self.cfg["repaid"])

    def bounce(self, p: dict[str, Any], repaid: bool) -> None:
        day = date.fromisoformat(p["pay_date"])
        back = day + timedelta(days=self.rng.randint(5, 15))
        mark_returned(self.door, p["id"], self.rng.choice(RETURN_REASONS), back.isoformat())
        if repaid:
            kind = "social_card"
            number = ACCOUNT_PREFIX[kind] + "".join(
                str(int(self.rng.random() * 10)) for _ in range(13)
            )
            self.accounts[p["person_id"]] = (kind, number)
            again = back + timedelta(days=self.rng.randint(7, 25))
            repay(self.door, p["id"], again.isoformat(), kind, number)


def _offices(ctx: DemoContext) -> list[str]:
    return [o.code for o in ctx.offices]


def _qualification(
    m: Member, year: int, status: str, status_on: date, **extra: Any
) -> tuple[dict[str, Any], Member]:
    assert m.household is not None
    start = m.start if year == m.enters else date(year, 1, 1)
    return {
        "community_id": m.person.community.id,
        "office": m.person.community.office,
        "person_id": m.person.id,
        "household_id": m.household.id,
        "programme_id": None,  # set by the caller
        "category": m.category,
        "year": year,
        "status": status,
        "status_on": status_on.isoformat(),
        "start_on": start.isoformat(),
        **extra,
    }, m


def _run_year(
    ctx: DemoContext,
    rng: random.Random,
    plan: Plan,
    payer: Payer,
    year: int,
    events: list[tuple[date, int, Any]],
) -> None:
    door = payer.door
    programmes = payer.programmes
    rows = []
    for m in plan.members:
        if m.enters > year or (m.exits is not None and m.exits < year):
            continue
        if m.exits == year and m.early:
            assert m.exit_day is not None
            rows.append(
                _qualification(
                    m,
                    year,
                    "exited",
                    m.exit_day,
                    end_on=m.exit_day.isoformat(),
                    exit_reason="died" if rng.random() < 0.7 else "moved_out",
                )
            )
        elif m.enters == year:
            rows.append(_qualification(m, year, "new", date(year, 1, 20)))
    for r, m in rows:
        r["programme_id"] = programmes[m.programme].id
    door.insert_many("qualifications", (r for r, _ in rows), cancel=ctx.cancel)
    for code in ("reward", "special"):
        for n, office in enumerate(_offices(ctx)):
            who = [
                m.person.id
                for m in plan.members
                if m.programme == code and m.person.community.office == office
            ]
            day = date(year, 2, 10) + timedelta(days=4 * n + (3 if code == "special" else 0))
            confirm_year(door, programmes[code].id, year, day.isoformat(), person_ids=who)
    for m in plan.members:
        if m.exits == year and not m.early:
            events.append((m.exit_day, 1, m))  # type: ignore[arg-type]


def build_subsidy(ctx: DemoContext) -> None:
    cfg = ctx.params["subsidy"]
    report = cfg["report"]
    rng = random.Random(f"{ctx.params['seed']}/subsidy")
    programmes = {p.code: p for p in list_programmes(ctx.db)}
    planner = Planner(ctx, rng)
    report_period = parse_period(report["period"])
    days = {int(y): [date.fromisoformat(d) for d in v] for y, v in cfg["condolence_days"].items()}
    report_day = next(d for ds in days.values() for d in ds if report_period.contains(d))
    planner.reward(report["reward_confirmed"])
    planner.special(report["special_confirmed"])
    planner.poor(
        report["poor_households"] + report["poor_returned"],
        cfg["poor_left"],
        cfg["poor_joined"],
        report_day,
    )
    plan = planner.plan
    door = ctx.write_door()
    ids = door.insert_many("persons", _person_rows(plan, ctx), cancel=ctx.cancel, batch=5000)
    for p, pid in zip(plan.persons, ids, strict=True):
        p.id = pid
    ctx.report(10, 100, "帮扶发放：人员已登记")
    ids = door.insert_many(
        "households",
        (
            {
                "community_id": h.community.id,
                "office": h.community.office,
                "head_person_id": h.head.id,
                "address": h.address,
                "hukou": h.hukou,
                "poor": int(h.poor_since is not None and h.poor_until is None),
                "poor_since": h.poor_since.isoformat()
                if h.poor_since and h.poor_until is None
                else None,
                "note": f"{h.poor_until:%Y年%m月}脱贫" if h.poor_until else None,
                "created_on": h.created.isoformat(),
            }
            for h in plan.households
        ),
        cancel=ctx.cancel,
    )
    for h, hid in zip(plan.households, ids, strict=True):
        h.id = hid
    door.insert_many(
        "household_members",
        (
            {
                "community_id": h.community.id,
                "office": h.community.office,
                "household_id": h.id,
                "person_id": p.id,
                "relation": relation,
                "joined_on": h.created.isoformat(),
                "left_on": None,
            }
            for h in plan.households
            for p, relation in h.members
        ),
        cancel=ctx.cancel,
    )
    ctx.report(20, 100, "帮扶发放：家庭已登记")
    payer = Payer(ctx, rng, programmes)
    last_day = planner.last_day
    for n, year in enumerate(cfg["years"]):
        ctx.check_cancel()
        events: list[tuple[date, int, Any]] = []
        _run_year(ctx, rng, plan, payer, year, events)
        for half, pay in ((1, date(year, 3, 25)), (2, date(year, 9, 25))):
            events.append((pay, 0, ("reward", half)))
        for q in (1, 2, 3, 4):
            events.append((date(year, 3 * q, 20), 0, ("special", q)))
        for day in days.get(year, []):
            events.append((day, 0, ("condolence", day)))
        for day, kind, what in sorted(events, key=lambda e: (e[0], e[1])):
            if day > last_day:
                continue
            if kind == 1:
                _exit(payer, what, year)
            else:
                _pay(ctx, rng, payer, plan, what, day, report_day)
        ctx.report(20 + 80 * (n + 1) // len(cfg["years"]), 100, f"帮扶发放：{year}年")


def _exit(payer: Payer, m: Member, year: int) -> None:
    qid = payer.ctx.db.execute(
        "SELECT id FROM qualifications WHERE deleted = 0 AND person_id = ? AND programme_id = ?"
        " AND year = ?",
        [m.person.id, payer.programmes[m.programme].id, year],
    ).fetchone()[0]
    assert m.exit_day is not None
    reason = "died" if payer.rng.random() < 0.75 else "moved_out"
    exit_qualification(payer.door, qid, reason, m.exit_day.isoformat())


def _pay(
    ctx: DemoContext,
    rng: random.Random,
    payer: Payer,
    plan: Plan,
    what: tuple[str, Any],
    day: date,
    report_day: date,
) -> None:
    code, part = what
    programme = payer.programmes[code]
    if code == "condolence":
        _condolence(ctx, rng, payer, plan, day, day == report_day)
        return
    if code == "reward":
        start = date(day.year, 1 if part == 1 else 7, 1)
        end = date(day.year, 6, 30) if part == 1 else date(day.year, 12, 31)
    else:
        period = quarter_of(day)
        start, end = period.start, period.end
    for n, office in enumerate(_offices(ctx)):
        pay = day + timedelta(days=n % 3)
        batch = propose_batch(
            ctx.db,
            programme.id,
            start,
            end,
            SYSTEM,
            pay_date=pay,
            scope=Scope(frozenset([office])),
        )
        payer.returns(payer.commit(batch))


def _condolence(
    ctx: DemoContext, rng: random.Random, payer: Payer, plan: Plan, day: date, solved: bool
) -> None:
    cfg = payer.cfg
    report = cfg["report"]
    programme = payer.programmes["condolence"]
    standard = ctx.db.execute(
        "SELECT id, amount_fen FROM subsidy_standards WHERE deleted = 0 AND programme_id = ?"
        " AND effective_from <= ? AND (effective_to IS NULL OR effective_to >= ?)",
        [programme.id, day.isoformat(), day.isoformat()],
    ).fetchone()
    period = quarter_of(day)
    poor = [h for h in plan.households if h.poor_on(day)]
    lo, hi = cfg["goods_yuan"]
    goods = [rng.randrange(lo, hi + 1, 10) for _ in poor]
    returned: set[int] = set()
    if solved:
        returned = set(rng.sample(range(len(poor)), report["poor_returned"]))
        _solve_goods(goods, standard[1], returned, report["condolence_yuan"], lo, hi, rng)
    paid: dict[str, dict[str, Any]] = {}
    for n, office in enumerate(_offices(ctx)):
        batch = Batch(
            programme,
            period.start.isoformat(),
            period.end.isoformat(),
            (day + timedelta(days=n % 4)).isoformat(),
            SYSTEM.name,
        )
        for i, h in enumerate(poor):
            if h.community.office != office:
                continue
            batch.payments.append(
                {
                    "office": office,
                    "community_id": h.community.id,
                    "person_id": h.head.id,
                    "household_id": h.id,
                    "programme_id": programme.id,
                    "qualification_id": None,
                    "standard_id": standard[0],
                    "batch_id": None,
                    "covered_start": period.start.isoformat(),
                    "covered_end": period.end.isoformat(),
                    "amount_fen": standard[1],
                    "goods_fen": goods[i] * 100,
                    "goods_desc": "米、面、油" if goods[i] < 200 else "米、面、油、棉被",
                    "pay_date": batch.pay_date,
                    "account_type": None,
                    "account_no": None,
                    "status": "paid",
                    "return_reason": None,
                    "returned_on": None,
                    "repaid_on": None,
                    "note": None,
                }
            )
        for p in payer.commit(batch):
            paid[p["person_id"]] = p
    if not solved:
        payer.returns(list(paid.values()))
        return
    for i in sorted(returned):
        payer.bounce(paid[poor[i].head.id], repaid=False)
    for i in rng.sample([i for i in range(len(poor)) if i not in returned], 2):
        payer.bounce(paid[poor[i].head.id], repaid=True)  # re-paid: still counted once


def _solve_goods(
    goods: list[int],
    cash_fen: int,
    returned: set[int],
    bounds: list[int],
    lo: int,
    hi: int,
    rng: random.Random,
) -> None:
    """Nudge the goods' values (by 10 元, within ``lo``–``hi``) until the counted payments' cash +
    goods lie in ``bounds`` 元 (at least the first, under the second)."""
    counted = [i for i in range(len(goods)) if i not in returned]
    cash = cash_fen // 100 * len(counted)

    def total() -> int:
        return cash + sum(goods[i] for i in counted)

    while total() < bounds[0]:
        i = rng.choice([i for i in counted if goods[i] < hi])
        goods[i] += 10
    while total() >= bounds[1]:
        i = rng.choice([i for i in counted if goods[i] > lo])
        goods[i] -= 10


def _weight(ctx: DemoContext) -> int:
    """About one unit per row written: a few thousand, whatever the scale."""
    return 6000


SUBSIDY = DemoStep("subsidy", "生成帮扶家庭、资格与发放记录", build_subsidy, _weight)
