"""康检 in the store: the door enforces the rules for every path, the queries match hand counts."""

from __future__ import annotations

import re
import shutil
import sqlite3
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.domain.choices import UNCHECKED_REASON
from desktop.domain.errors import ValidationError
from desktop.domain.ids import make_id
from desktop.domain.kangjian import REASON_COLUMNS, RosterFacts, is_eligible
from desktop.domain.periods import quarter
from desktop.store import audit, kangjian, locks, migrations
from desktop.store.db import open_database, schema_version
from desktop.store.door import WriteDoor
from desktop.store.errors import AccessDenied, PeriodLocked
from desktop.store.kangjian import (
    CampaignKey,
    campaign_progress,
    check_record,
    floating_service_totals,
    four_procedures,
    newlywed_count,
    progress_summary,
    resolve_campaigns,
    screening_counts,
    unchecked_list,
)
from desktop.store.orgs import Scope
from desktop.store.tables import REGISTRY
from desktop.store.users import authenticate
from tests.store.conftest import World, make_world

FIXTURES = Path(__file__).with_name("fixtures")
SPRING = CampaignKey("2026年春季康检", "2026-03-01", "2026-03-31")
Q1 = quarter(2026, 1)
_seq = iter(range(2, 999, 2))


def woman_id(born: date) -> str:
    return make_id("110105", born, next(_seq))


def man_id(born: date) -> str:
    return make_id("110105", born, next(_seq) + 1)


@dataclass
class Kj:
    world: World
    campaigns: dict[str, str]  # office code → campaign id
    women: dict[str, str]  # label → women.id
    persons: dict[str, str]  # label → persons.id


def add_woman(
    world: World,
    label: str,
    community: str = "A1",
    born: date = date(1996, 5, 1),
    entered: str = "2020-01-01",
    number: str | None = None,
    **roster: object,
) -> tuple[str, str]:
    door = world.door(world.admin)
    number = number or woman_id(born)
    person = door.insert(
        "persons",
        {
            "community_id": world.communities[community],
            "name": label,
            "pinyin": label.lower(),
            "id_number": number,
            "id_tail": number[-4:],
            "sex": "F",
            "birth_date": born.isoformat(),
            "created_on": "2020-01-01",
        },
    )
    values = {
        "community_id": world.communities[community],
        "person_id": person,
        "marital": "married",
        "floating": "none",
        "entered_on": entered,
        **roster,
    }
    return person, door.insert("women", values)


def add_campaign(world: World, office: str, key: CampaignKey = SPRING, **extra: object) -> str:
    return world.door(world.admin).insert(
        "campaigns",
        {
            "office": office,
            "name": key.name,
            "start_date": key.start_date,
            "end_date": key.end_date,
            "items": '["查环","查孕","查病"]',
            **extra,
        },
    )


def checked(kj: Kj, who: str, day: str = "2026-03-05", **extra: object) -> dict:
    office = "B" if who.startswith("b") else "A"
    values = check_record(
        kj.world.db, kj.campaigns[office], kj.women[who], checked=True, check_date=day
    )
    return {**values, "place": "station", "ring_result": "normal", **extra}


def not_checked(kj: Kj, who: str, reason: str = "migrant") -> dict:
    office = "B" if who.startswith("b") else "A"
    return check_record(
        kj.world.db, kj.campaigns[office], kj.women[who], checked=False, unchecked_reason=reason
    )


def fill(world: World) -> Kj:
    """Office A's spring campaign with women whose eligibility is known by hand:

    A1: w1 checked, w2 not checked (外出务工), w3 no record, w4 aged 50 on the day (checked anyway)
    A2: w5 left the roster before the day, w6 leaves after it (checked), w7 entered after the day,
        w8 turns 15 on the day (no record), w9 married after the day, w10 left on the day
    B1: b1 checked. Office B runs the same campaign.
    """
    campaigns = {"A": add_campaign(world, "A"), "B": add_campaign(world, "B")}
    specs = {
        "w1": ("A1", date(1990, 1, 1), {}),
        "w2": ("A1", date(1991, 1, 1), {"floating": "out", "floating_where": "深圳市"}),
        "w3": ("A1", date(1992, 1, 1), {}),
        "w4": ("A1", date(1976, 3, 1), {}),
        "w5": (
            "A2",
            date(1985, 1, 1),
            {"exit_date": "2026-02-01", "exit_reason": "divorce", "marital": "divorced"},
        ),
        "w6": ("A2", date(1986, 1, 1), {"exit_date": "2026-03-10", "exit_reason": "moved"}),
        "w7": ("A2", date(1987, 1, 1), {"entered_on": "2026-03-05"}),
        "w8": ("A2", date(2011, 3, 1), {"entered_on": "2026-02-01"}),
        "w9": ("A2", date(1999, 1, 1), {"entered_on": "2026-02-01", "marriage_date": "2026-03-02"}),
        "w10": ("A2", date(1988, 1, 1), {"exit_date": "2026-03-01", "exit_reason": "moved"}),
        "b1": ("B1", date(1993, 1, 1), {}),
    }
    persons, women = {}, {}
    for label, (community, born, roster) in specs.items():
        persons[label], women[label] = add_woman(world, label, community, born, **roster)
    kj = Kj(world, campaigns, women, persons)
    door = world.door(world.admin)
    door.insert_many(
        "checks",
        [
            checked(kj, "w1"),
            not_checked(kj, "w2"),
            checked(kj, "w4"),
            checked(kj, "w6", "2026-03-09"),
            checked(kj, "b1", "2026-03-20"),
        ],
    )
    return kj


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Kj]:
    """The two-office world, and the same with the campaign's women, built once per module
    (users' password hashes are slow) and copied for every test."""
    folder = tmp_path_factory.mktemp("kangjian")
    bare = make_world(folder / "world.db")
    bare.db.conn.close()
    shutil.copy(bare.path, folder / "kj.db")
    filled = fill(replace(bare, db=open_database(folder / "kj.db"), path=folder / "kj.db"))
    filled.world.db.conn.close()
    return bare, filled


def _copy(world: World, tmp_path: Path) -> World:
    path = tmp_path / world.path.name
    shutil.copy(world.path, path)
    return replace(world, db=open_database(path), path=path)


@pytest.fixture
def world(templates: tuple[World, Kj], tmp_path: Path) -> World:
    return _copy(templates[0], tmp_path)


@pytest.fixture
def kj(templates: tuple[World, Kj], tmp_path: Path) -> Kj:
    return replace(templates[1], world=_copy(templates[1].world, tmp_path))


# -- the door enforces the rules -----------------------------------------------------------------


def test_second_check_for_the_same_woman_and_campaign_names_the_first(kj: Kj) -> None:
    door = kj.world.door(kj.world.clerk_a)
    first = kj.world.db.execute(
        "SELECT id FROM checks WHERE woman_id = ?", [kj.women["w1"]]
    ).fetchone()[0]
    with pytest.raises(ValidationError) as exc:
        door.insert("checks", checked(kj, "w1", "2026-03-06"))
    message = str(exc.value)
    assert "w1在「2026年春季康检」已有检查记录" in message
    assert "2026-03-05 已检" in message and first[:8] in message
    with pytest.raises(ValidationError, match="未检：外出务工"):
        door.insert("checks", checked(kj, "w2"))
    assert kj.world.db.execute("SELECT count(*) FROM checks").fetchone()[0] == 5


def test_bulk_duplicates_are_named_by_row(kj: Kj) -> None:
    door = kj.world.door(kj.world.clerk_a)
    with pytest.raises(ValidationError) as exc:
        door.insert_many("checks", [checked(kj, "w3"), checked(kj, "w8"), checked(kj, "w3")])
    (problem,) = exc.value.problems
    assert problem.row == 3 and "与第 1 行重复" in problem.message
    with pytest.raises(ValidationError) as exc:
        door.insert_many("checks", [checked(kj, "w3"), checked(kj, "w1")])
    (problem,) = exc.value.problems
    assert problem.row == 2 and "已有检查记录" in problem.message
    # across batches of one bulk write as well (the first batch is already in the table)
    with pytest.raises(ValidationError) as exc:
        door.insert_many("checks", [checked(kj, "w3"), checked(kj, "w3")], batch=1)
    assert exc.value.problems[0].row == 2
    assert kj.world.db.execute("SELECT count(*) FROM checks").fetchone()[0] == 5


def test_updating_a_check_is_not_a_duplicate_of_itself(kj: Kj) -> None:
    door = kj.world.door(kj.world.clerk_a)
    rid = kj.world.db.execute(
        "SELECT id FROM checks WHERE woman_id = ?", [kj.women["w2"]]
    ).fetchone()[0]
    door.update("checks", rid, {"unchecked_reason": "pregnant", "note": "孕28周"})
    # turning the not-checked record into a checked one keeps the rules
    with pytest.raises(ValidationError, match="已检记录的记录日期应等于检查日期"):
        door.update(
            "checks", rid, {"checked": 1, "check_date": "2026-03-07", "unchecked_reason": None}
        )
    door.update(
        "checks",
        rid,
        {
            "checked": 1,
            "check_date": "2026-03-07",
            "record_date": "2026-03-07",
            "unchecked_reason": None,
        },
    )


def test_check_date_must_fall_within_the_campaign(kj: Kj) -> None:
    door = kj.world.door(kj.world.clerk_a)
    with pytest.raises(ValidationError) as exc:
        door.insert("checks", checked(kj, "w3", "2026-04-02"))
    (problem,) = exc.value.problems
    assert problem.field == "检查日期"
    assert "2026-04-02 不在「2026年春季康检」期间（2026-03-01 至 2026-03-31）内" in problem.message
    rid = kj.world.db.execute(
        "SELECT id FROM checks WHERE woman_id = ?", [kj.women["w1"]]
    ).fetchone()[0]
    with pytest.raises(ValidationError, match="不在「2026年春季康检」期间"):
        door.update("checks", rid, {"check_date": "2026-02-27", "record_date": "2026-02-27"})


def test_not_checked_needs_a_reason_and_no_results(kj: Kj) -> None:
    door = kj.world.door(kj.world.clerk_a)
    values = not_checked(kj, "w3", reason=None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="未检记录必须选择原因"):
        door.insert("checks", values)
    with pytest.raises(ValidationError, match="未检记录不应填写检查地点"):
        door.insert("checks", {**not_checked(kj, "w3"), "place": "station"})
    with pytest.raises(ValidationError, match="未检记录的记录日期应为活动结束日期 2026-03-31"):
        door.insert("checks", {**not_checked(kj, "w3"), "record_date": "2026-03-15"})


def test_check_belongs_to_the_womans_community_and_office(kj: Kj) -> None:
    door = kj.world.door(kj.world.admin)
    with pytest.raises(ValidationError, match="应为w3所在的社区（A1社区）"):
        door.insert("checks", {**checked(kj, "w3"), "community_id": kj.world.communities["A2"]})
    with pytest.raises(ValidationError, match="是 B 的活动"):
        door.insert("checks", {**checked(kj, "w3"), "campaign_id": kj.campaigns["B"]})
    with pytest.raises(AccessDenied):
        kj.world.door(kj.world.clerk_b).insert("checks", checked(kj, "w3"))
    with pytest.raises(AccessDenied):
        kj.world.door(kj.world.clerk_a1).insert("checks", checked(kj, "w8"))


def test_campaign_scope_limits_the_communities(world: World) -> None:
    campaign = add_campaign(
        world,
        "A",
        CampaignKey("A1专项", "2026-05-01", "2026-05-31"),
        communities=f'["{world.communities["A1"]}"]',
    )
    _, in_scope = add_woman(world, "甲", "A1")
    _, out_of_scope = add_woman(world, "乙", "A2")
    door = world.door(world.admin)
    door.insert(
        "checks", check_record(world.db, campaign, in_scope, checked=True, check_date="2026-05-02")
    )
    with pytest.raises(ValidationError, match="A2社区不在「A1专项」的活动范围内"):
        door.insert(
            "checks",
            check_record(world.db, campaign, out_of_scope, checked=True, check_date="2026-05-02"),
        )
    (row,) = campaign_progress(world.db, campaign)
    assert (row.community, row.eligible, row.checked) == ("A1社区", 1, 1)
    with pytest.raises(ValidationError, match="所选社区应都属于 A"):
        add_campaign(
            world,
            "A",
            CampaignKey("跨办事处", "2026-06-01", "2026-06-30"),
            communities=f'["{world.communities["B1"]}"]',
        )


def test_a_mans_id_is_refused_on_the_roster(world: World) -> None:
    door = world.door(world.admin)
    number = man_id(date(1990, 4, 4))
    person = door.insert(
        "persons",
        {
            "community_id": world.communities["A1"],
            "name": "王强",
            "pinyin": "wq",
            "id_number": number,
            "sex": "M",
            "created_on": "2026-01-01",
        },
    )
    values = {
        "community_id": world.communities["A1"],
        "person_id": person,
        "marital": "married",
        "floating": "none",
        "entered_on": "2026-01-01",
    }
    with pytest.raises(ValidationError) as exc:
        door.insert("women", values)
    assert "顺序码为奇数，是男性的身份证号" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        door.insert_many("women", [values, values])
    assert [p.row for p in exc.value.problems][:1] == [1]
    assert world.db.execute("SELECT count(*) FROM women").fetchone()[0] == 0


def test_a_woman_is_on_the_roster_once(world: World) -> None:
    person, _ = add_woman(world, "张秀兰")
    door = world.door(world.admin)
    values = {
        "community_id": world.communities["A1"],
        "person_id": person,
        "marital": "married",
        "floating": "none",
        "entered_on": "2021-01-01",
    }
    with pytest.raises(ValidationError, match="张秀兰已在名册中（A1社区，2020-01-01 登记"):
        door.insert("women", values)
    with pytest.raises(ValidationError, match="应与张秀兰的人员登记一致（A1社区）"):
        door.insert("women", {**values, "community_id": world.communities["A2"]})


def test_roster_rules_reach_the_door(world: World) -> None:
    with pytest.raises(ValidationError, match="请填写退出日期和原因"):
        add_woman(world, "赵敏", marital="divorced")
    with pytest.raises(ValidationError, match="早于登记日期"):
        add_woman(world, "钱红", exit_date="2019-01-01", exit_reason="moved")


def test_keyed_totals_must_keep_the_identity(kj: Kj) -> None:
    door = kj.world.door(kj.world.clerk_a)
    base = {
        "community_id": kj.world.communities["A1"],
        "campaign_id": kj.campaigns["A"],
        "record_date": "2026-03-31",
        "eligible": 10,
        "checked": 8,
        "reason_migrant": 1,
        "reason_other": 0,
    }
    with pytest.raises(ValidationError) as exc:
        door.insert("campaign_totals", base)
    assert "未检人数（应检 10 − 实检 8 = 2）应等于各未检原因人数之和（1）" in str(exc.value)
    with pytest.raises(ValidationError, match="实检 11 人多于应检 10 人"):
        door.insert("campaign_totals", {**base, "checked": 11, "reason_migrant": 0})
    good = {**base, "reason_other": 1}
    with pytest.raises(ValidationError) as exc:
        door.insert_many(
            "campaign_totals",
            [good, {**base, "community_id": kj.world.communities["A2"]}],
        )
    assert [p.row for p in exc.value.problems] == [2]
    rid = door.insert("campaign_totals", good)
    with pytest.raises(
        ValidationError, match="A1社区在「2026年春季康检」已有汇总数（应检 10，实检 8"
    ):
        door.insert("campaign_totals", good)
    with pytest.raises(ValidationError, match="应等于各未检原因人数之和"):
        door.update("campaign_totals", rid, {"checked": 9})


def test_campaign_names_and_dates_agree_across_offices(kj: Kj) -> None:
    with pytest.raises(ValidationError, match="本办事处已有活动「2026年春季康检」"):
        add_campaign(kj.world, "A")
    wrong = CampaignKey(SPRING.name, "2026-03-02", "2026-03-31")
    with pytest.raises(ValidationError, match="同名活动在各办事处的日期应一致"):
        add_campaign(kj.world, "B", wrong)
    door = kj.world.door(kj.world.admin)
    with pytest.raises(ValidationError, match="与已有的 1 条检查记录不符"):
        door.update("campaigns", kj.campaigns["B"], {"end_date": "2026-03-15"})
    with pytest.raises(ValidationError, match="结束日期"):
        door.update("campaigns", kj.campaigns["B"], {"start_date": "2026-04-01"})


def test_submitted_quarter_locks_its_checks(kj: Kj) -> None:
    locks.set_status(kj.world.door(kj.world.reviewer_a), "A", "kangjian", Q1, "submitted")
    with pytest.raises(PeriodLocked, match="2026Q1 已报送锁定"):
        kj.world.door(kj.world.clerk_a).insert("checks", checked(kj, "w3"))
    _, b2 = add_woman(kj.world, "b2", "B1")  # office B is not locked
    kj.world.door(kj.world.clerk_b).insert(
        "checks",
        check_record(kj.world.db, kj.campaigns["B"], b2, checked=True, check_date="2026-03-21"),
    )


# -- the queries ---------------------------------------------------------------------------------


def test_campaign_progress_matches_hand_counts(kj: Kj) -> None:
    rows = {r.community: r for r in campaign_progress(kj.world.db, SPRING)}
    assert list(rows) == ["A1社区", "A2社区", "B1社区", "B2社区"]
    a1, a2, b1, b2 = rows.values()
    assert (a1.eligible, a1.checked, a1.unchecked, a1.rate) == (3, 1, 2, Decimal("33.33"))
    assert a1.reasons["migrant"] == 1 and a1.records.no_reason == 1
    assert (a2.eligible, a2.checked, a2.rate) == (2, 1, Decimal("50.00"))
    assert (b1.eligible, b1.checked, b2.eligible, b2.rate) == (1, 1, 0, None)
    assert a1.office == "A" and a1.office_name == "A街道办事处"
    total = progress_summary(rows.values())
    assert (total.records.eligible, total.records.checked) == (6, 3)
    assert total.keyed is None and not total.differences
    assert total.records.rate == Decimal("50.00")


ROSTER_SQL = (
    "SELECT w.id, w.entered_on, w.marital, w.marriage_date, w.exit_date, w.community_id,"
    " t.birth_date FROM women w JOIN persons t ON t.id = w.person_id WHERE w.deleted = 0"
)
ROSTER_KEYS = ("id", "entered_on", "marital", "marriage_date", "exit_date", "community_id")


def eligible_by_domain(db: object, day: date) -> set[str]:
    """The women the pure domain rule counts, one by one (what the SQL must agree with)."""
    rows = db.execute(ROSTER_SQL).fetchall()  # type: ignore[attr-defined]
    return {
        r[0]
        for r in rows
        if is_eligible(RosterFacts.from_row(dict(zip(ROSTER_KEYS, r[:6], strict=True)), r[6]), day)
    }


def test_sql_eligibility_agrees_with_the_domain_rule(kj: Kj) -> None:
    by_domain = eligible_by_domain(kj.world.db, date(2026, 3, 1))
    labels = {v: k for k, v in kj.women.items()}
    assert sorted(labels[w] for w in by_domain) == ["b1", "w1", "w2", "w3", "w6", "w8"]
    rows = campaign_progress(kj.world.db, SPRING)
    unchecked = {u.woman_id for u in unchecked_list(kj.world.db, SPRING)}
    assert sum(r.eligible for r in rows) == len(by_domain)
    assert unchecked <= by_domain
    assert len(unchecked) == sum(r.unchecked for r in rows) == 3


def test_progress_follows_the_scope(kj: Kj) -> None:
    clerk = kj.world.clerk_a
    rows = campaign_progress(kj.world.db, SPRING, clerk.scope)
    assert [r.community for r in rows] == ["A1社区", "A2社区"]
    rows = campaign_progress(kj.world.db, SPRING, kj.world.clerk_a1.scope)
    assert [(r.community, r.eligible) for r in rows] == [("A1社区", 3)]
    assert resolve_campaigns(kj.world.db, SPRING, Scope(frozenset(["B"])))[0].office == "B"
    # by id, and by a (name, start, end) tuple
    (only,) = resolve_campaigns(kj.world.db, kj.campaigns["A"])
    assert only.key == SPRING
    assert len(resolve_campaigns(kj.world.db, tuple(vars(SPRING).values()))) == 2  # type: ignore[arg-type]


def test_keyed_totals_stand_beside_the_records(kj: Kj) -> None:
    door = kj.world.door(kj.world.admin)
    for community, eligible, checked_n in (("A1", 4, 2), ("A2", 2, 1), ("B2", 5, 5)):
        door.insert(
            "campaign_totals",
            {
                "community_id": kj.world.communities[community],
                "campaign_id": kj.campaigns[community[0]],
                "record_date": "2026-03-31",
                "eligible": eligible,
                "checked": checked_n,
                "reason_other": eligible - checked_n,
            },
        )
    rows = {r.community: r for r in campaign_progress(kj.world.db, SPRING)}
    assert rows["A1社区"].difference and rows["A1社区"].keyed.eligible == 4  # type: ignore[union-attr]
    assert not rows["A2社区"].difference  # both exist and agree
    assert not rows["B2社区"].difference  # keyed only: no roster there
    assert rows["B2社区"].reported.eligible == 5 and rows["A1社区"].reported.eligible == 3
    summary = progress_summary(rows.values())
    assert [r.community for r in summary.differences] == ["A1社区"]
    assert (summary.records.eligible, summary.keyed.eligible) == (6, 11)  # type: ignore[union-attr]
    assert (summary.reported.eligible, summary.reported.checked) == (11, 8)


def test_unchecked_list_names_the_women_and_their_reasons(kj: Kj) -> None:
    found = unchecked_list(kj.world.db, SPRING)
    labels = {v: k for k, v in kj.women.items()}
    assert [(labels[u.woman_id], u.reason) for u in found] == [
        ("w2", "migrant"),
        ("w3", None),
        ("w8", None),
    ]
    assert found[0].community == "A1社区" and found[0].floating == "out" and found[0].check_id
    only_a2 = unchecked_list(kj.world.db, SPRING, community=kj.world.communities["A2"])
    assert [labels[u.woman_id] for u in only_a2] == ["w8"]
    assert unchecked_list(kj.world.db, SPRING, kj.world.clerk_b.scope) == []


def test_period_figures(world: World) -> None:
    door = world.door(world.admin)
    lee = woman_id(date(1990, 2, 2))
    _, wid = add_woman(world, "李梅", "A1", date(1990, 2, 2), number=lee)
    a1, b1 = world.communities["A1"], world.communities["B1"]
    procedures = [
        ("iud_insert", "2026-01-10", a1, "F"),
        ("iud_insert", "2026-02-10", b1, "F"),
        ("iud_remove", "2026-02-11", a1, "F"),  # not one of 四术
        ("female_sterilization", "2026-03-01", a1, "F"),
        ("male_sterilization", "2026-03-02", a1, "M"),
        ("abortion", "2026-03-31", b1, "F"),
        ("induced_labour", "2026-02-20", a1, "F"),
        ("abortion", "2026-04-01", a1, "F"),  # next quarter
    ]
    door.insert_many(
        "procedures",
        [
            {"community_id": c, "name": "某", "sex": s, "procedure_type": t, "procedure_date": d}
            for t, d, c, s in procedures
        ],
    )
    four = four_procedures(world.db, Q1)
    assert dict(four.groups) == {"上环": 2, "结扎": 2, "人流": 1, "引产": 1}
    assert four.total == 6 and four.by_type["iud_remove"] == 1
    assert four_procedures(world.db, Q1, Scope(frozenset(["B"]))).total == 2
    number = woman_id(date(1988, 8, 8))
    door.insert_many(
        "screenings",
        [
            {
                "community_id": a1,
                "woman_id": wid,
                "id_number": lee,
                "screen_date": "2026-01-05",
                "disease_found": 1,
                "advice_given": 1,
            },
            # the same woman again in the quarter counts once
            {
                "community_id": a1,
                "woman_id": wid,
                "id_number": lee,
                "screen_date": "2026-03-05",
                "disease_found": 1,
                "advice_given": 0,
            },
            {
                "community_id": b1,
                "name": "外来",
                "id_number": number,
                "screen_date": "2026-02-05",
                "disease_found": 1,
            },
            {
                "community_id": b1,
                "name": "外来二",
                "id_number": woman_id(date(1989, 9, 9)),
                "screen_date": "2026-02-06",
            },
        ],
    )
    assert screening_counts(world.db, Q1) == kangjian.ScreeningCounts(3, 2, 1)
    assert screening_counts(world.db, Q1, world.clerk_b.scope) == kangjian.ScreeningCounts(2, 1, 0)
    door.insert_many(
        "newlyweds",
        [
            {
                "community_id": a1,
                "wife_name": "甲",
                "husband_name": "乙",
                "marriage_date": "2026-02-14",
            },
            {
                "community_id": b1,
                "wife_name": "丙",
                "husband_name": "丁",
                "marriage_date": "2025-12-31",
                "wife_id_number": woman_id(date(2000, 1, 1)),
                "husband_id_number": man_id(date(1998, 1, 1)),
            },
        ],
    )
    assert newlywed_count(world.db, Q1) == 1
    assert newlywed_count(world.db, quarter(2025, 4), world.clerk_b.scope) == 1
    door.insert_many(
        "floating_services",
        [
            {
                "community_id": a1,
                "service_date": "2026-01-15",
                "kind": "contraceptives",
                "quantity": 120,
            },
            {
                "community_id": b1,
                "service_date": "2026-03-15",
                "kind": "contraceptives",
                "quantity": 400,
            },
            {"community_id": b1, "service_date": "2026-03-16", "kind": "checks", "quantity": 231},
        ],
    )
    totals = floating_service_totals(world.db, Q1)
    assert (totals.contraceptives, totals.checks) == (520, 231)
    assert floating_service_totals(world.db, Q1, world.clerk_a.scope).checks == 0


def test_period_records_are_validated_at_the_door(world: World) -> None:
    door = world.door(world.admin)
    a1 = world.communities["A1"]
    lee = woman_id(date(1990, 2, 2))
    _, linked = add_woman(world, "李梅", "A1", date(1990, 2, 2), number=lee)
    with pytest.raises(ValidationError, match="与名册中该妇女的身份证号不一致"):
        door.insert(
            "screenings",
            {
                "community_id": a1,
                "woman_id": linked,
                "screen_date": "2026-01-05",
                "id_number": woman_id(date(1991, 2, 2)),
            },
        )
    with pytest.raises(ValidationError, match="不属于所填社区"):
        door.insert(
            "screenings",
            {
                "community_id": world.communities["A2"],
                "woman_id": linked,
                "id_number": lee,
                "screen_date": "2026-01-05",
            },
        )
    with pytest.raises(ValidationError, match="男性绝育的受术者应为男性"):
        door.insert(
            "procedures",
            {
                "community_id": a1,
                "name": "某",
                "sex": "F",
                "procedure_type": "male_sterilization",
                "procedure_date": "2026-01-01",
            },
        )
    with pytest.raises(ValidationError, match="应为大于 0 的整数"):
        door.insert(
            "floating_services",
            {"community_id": a1, "service_date": "2026-01-01", "kind": "checks", "quantity": 0},
        )
    with pytest.raises(ValidationError, match="未到法定婚龄（22 岁）"):
        door.insert(
            "newlyweds",
            {
                "community_id": a1,
                "wife_name": "甲",
                "husband_name": "乙",
                "marriage_date": "2026-01-01",
                "husband_id_number": man_id(date(2005, 1, 1)),
            },
        )
    with pytest.raises(ValidationError, match="是男性的身份证号"):
        door.insert(
            "screenings",
            {
                "community_id": a1,
                "name": "某",
                "id_number": man_id(date(1980, 1, 1)),
                "screen_date": "2026-01-01",
            },
        )


def test_queries_use_the_indexes(kj: Kj) -> None:
    (campaign,) = resolve_campaigns(kj.world.db, kj.campaigns["A"])
    source, params = kangjian._eligible_source(campaign, Scope.everything())
    plan = " ".join(
        r[3] for r in kj.world.db.execute(f"EXPLAIN QUERY PLAN SELECT count(*) {source}", params)
    )
    assert "COVERING INDEX women_eligibility" in plan
    assert "COVERING INDEX persons_id_birth" in plan
    assert "COVERING INDEX checks_woman" in plan
    where, params = kangjian._period_where("procedure_date", Q1, Scope(frozenset(["A"])))
    plan = " ".join(
        r[3]
        for r in kj.world.db.execute(
            f"EXPLAIN QUERY PLAN SELECT procedure_type, count(*) FROM procedures WHERE {where}"
            " GROUP BY procedure_type",
            params,
        )
    )
    # one office: the (office, date) index of step 7 or the date-first one — covering either way
    assert re.search(r"COVERING INDEX procedures_(date|changed)\b", plan), plan


def test_every_unchecked_reason_has_a_totals_column(world: World) -> None:
    columns = {r[1] for r in world.db.execute("PRAGMA table_info(campaign_totals)")}
    assert set(REASON_COLUMNS.values()) <= columns
    assert list(REASON_COLUMNS) == UNCHECKED_REASON.keys()
    for table in (
        "women",
        "campaigns",
        "checks",
        "campaign_totals",
        "screenings",
        "newlyweds",
        "procedures",
        "floating_services",
    ):
        assert REGISTRY[table].programme == "kangjian"
        assert {"id", "office", "rev", "updated_at", "updated_by", "deleted"} <= {
            r[1] for r in world.db.execute(f"PRAGMA table_info({table})")
        }


# -- migration from version 2 --------------------------------------------------------------------


def test_v2_fixture_migrates_keeping_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "v2.db", path)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2
    db = open_database(path)
    assert schema_version(db) == migrations.LATEST >= 3
    for table in (
        "women",
        "campaigns",
        "checks",
        "campaign_totals",
        "screenings",
        "newlyweds",
        "procedures",
        "floating_services",
    ):
        assert table in db.table_names()
    assert audit.verify(db) == []
    assert len(list(tmp_path.glob("old.v2.*.bak.db"))) == 1
    person, community, number = db.execute(
        "SELECT id, community_id, id_number FROM persons"
    ).fetchone()
    assert db.execute("SELECT count(*) FROM births").fetchone()[0] == 1
    # the old register can now be put on the roster and checked, through the door
    door = WriteDoor(db, authenticate(db, "admin", "old-password"))
    wid = door.insert(
        "women",
        {
            "community_id": community,
            "person_id": person,
            "marital": "married",
            "floating": "none",
            "entered_on": "2020-01-01",
        },
    )
    campaign = door.insert(
        "campaigns",
        {
            "office": "OLD",
            "name": "2026年春季康检",
            "start_date": "2026-03-01",
            "end_date": "2026-03-31",
            "items": '["查环","查孕"]',
        },
    )
    door.insert("checks", check_record(db, campaign, wid, checked=True, check_date="2026-03-02"))
    (row,) = campaign_progress(db, campaign)
    assert (row.eligible, row.checked) == (1, 1) and number


# -- import kinds (desktop.imports.kinds_kangjian) -----------------------------------------------


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


ROSTER_HEADER = [
    "序号",
    "姓名",
    "公民身份号码",
    "所属社区",
    "结婚日期",
    "婚姻状况",
    "避孕措施",
    "手机号",
]


def test_roster_import_validates_every_row_then_writes(world: World, tmp_path: Path) -> None:
    from desktop.imports.pipeline import ImportRejected, run_import

    zhang, wang = woman_id(date(1990, 3, 7)), woman_id(date(1992, 6, 1))
    rows = [
        ["已婚育龄妇女名册（2026年）"],  # a title row above the header
        ROSTER_HEADER,
        [1, "张秀兰", zhang.lower(), "A1社区", "2015/5/1", "已婚", "上环", "13812345678"],
        [2, "李强", man_id(date(1988, 1, 1)), "A1社区", "2012-01-01", "", "", ""],
        [3, "王芳", wang, "A2社区", "2016年3月5日", "离婚", "", ""],
        [4, "张秀兰", zhang, "A1社区", "2015-05-01", "", "", ""],
    ]
    path = write_csv(tmp_path / "roster.csv", rows)
    with pytest.raises(ImportRejected) as exc:
        run_import(world.db, world.clerk_a, "women", path)
    report = exc.value.report
    assert [e.row for e in report.invalid] == [4, 5, 6]
    reasons = {e.row: e.reason for e in report.invalid}
    assert "公民身份号码" in reasons[4] and "是男性的身份证号" in reasons[4]
    assert "婚姻状况" in reasons[5] and "请填写退出日期和原因" in reasons[5]
    assert "与第 3 行重复" in reasons[6]
    assert world.db.execute("SELECT count(*) FROM women").fetchone()[0] == 0
    report = run_import(world.db, world.clerk_a, "women", path, skip_invalid=True)
    assert report.written == 1
    entered, contraception, phone, pinyin_ = world.db.execute(
        "SELECT w.entered_on, w.contraception, t.phone, t.pinyin FROM women w"
        " JOIN persons t ON t.id = w.person_id"
    ).fetchone()
    assert (entered, contraception, phone, pinyin_) == ("2015-05-01", "iud", "13812345678", "zxl")
    with pytest.raises(ImportRejected) as exc:  # the same file again: already on the roster
        run_import(world.db, world.clerk_a, "women", path)
    assert "数据库中已有" in {e.row: e.reason for e in exc.value.report.invalid}[3]


def test_roster_import_looks_up_registered_persons_a_chunk_at_a_time(
    world: World, tmp_path: Path
) -> None:
    """Rows whose woman is already in the person register are matched by ID number in one query
    per chunk of 2,000 rows (not one per row); the match is used (her person record, no second
    one) and a different name on the file is still refused at its row."""
    from desktop.imports.pipeline import ImportRejected, run_import

    door = world.door(world.admin)
    registered = {}
    for label, born in (("赵敏", date(1991, 2, 3)), ("钱芳", date(1993, 4, 5))):
        number = woman_id(born)
        registered[label] = (number, door.insert("persons", {
            "community_id": world.communities["A1"], "name": label, "pinyin": "x",
            "id_number": number, "id_tail": number[-4:], "sex": "F",
            "birth_date": born.isoformat(), "created_on": "2020-01-01"}))  # fmt: skip
    rows: list[list[object]] = [ROSTER_HEADER]
    for n in range(2500):
        number = make_id("110106", date(1985 + n % 20, 1 + n % 12, 1 + n % 28), 2 * (n // 240))
        rows.append([n + 1, f"新人{n}", number, "A1社区", "2015-05-01", "已婚", "", ""])
    rows[2100][1:3] = [
        "赵敏",
        registered["赵敏"][0],
    ]  # row 2,101 of the file: registered, same name
    rows[2200][1:3] = ["钱小芳", registered["钱芳"][0]]  # registered under another name
    path = write_csv(tmp_path / "roster.csv", rows)
    seen: list[str] = []
    world.db.conn.set_trace_callback(seen.append)
    try:
        with pytest.raises(ImportRejected) as exc:
            run_import(world.db, world.clerk_a, "women", path)
    finally:
        world.db.conn.set_trace_callback(None)
    lookups = [q for q in seen if "FROM persons WHERE deleted = 0 AND id_number IN" in q]
    assert len(lookups) == 2  # rows 1–2,000 and 2,001–2,500
    (error,) = exc.value.report.invalid
    assert error.row == 2201 and "该身份证号已登记为「钱芳」" in error.reason
    report = run_import(world.db, world.clerk_a, "women", path, skip_invalid=True)
    assert report.written == 2499
    zhao = world.db.execute(
        "SELECT w.person_id FROM women w JOIN persons t ON t.id = w.person_id WHERE t.name = '赵敏'"
    ).fetchall()
    assert zhao == [(registered["赵敏"][1],)]  # her existing person record, not a second one


def test_check_and_procedure_import(world: World, tmp_path: Path) -> None:
    from desktop.imports.pipeline import ImportRejected, run_import

    campaign = add_campaign(world, "A")
    zhang, wang = woman_id(date(1990, 3, 7)), woman_id(date(1992, 6, 1))
    add_woman(world, "张秀兰", "A1", date(1990, 3, 7), number=zhang)
    add_woman(world, "王芳", "A2", date(1992, 6, 1), number=wang)
    stranger = woman_id(date(1985, 1, 1))
    rows = [
        [
            "姓名",
            "身份证号",
            "活动名称",
            "是否已检",
            "检查日期",
            "检查地点",
            "查环结果",
            "未检原因",
        ],
        ["张秀兰", zhang, "", "", "2026.3.5", "本站", "正常", ""],  # campaign found by the date
        ["王芳", wang, "2026年春季康检", "否", "", "", "", "外出务工"],
        ["某某", stranger, "2026年春季康检", "是", "2026-03-06", "", "", ""],
        ["王芳", wang, "2026年春季康检", "是", "2026-04-06", "", "", ""],
    ]
    path = write_csv(tmp_path / "checks.csv", rows)
    with pytest.raises(ImportRejected) as exc:
        run_import(world.db, world.clerk_a, "checks", path)
    reasons = {e.row: e.reason for e in exc.value.report.invalid}
    assert list(reasons) == [4, 5]
    assert "名册中没有该妇女" in reasons[4]
    assert "2026-04-06 不在「2026年春季康检」期间" in reasons[5]
    report = run_import(world.db, world.clerk_a, "checks", path, skip_invalid=True)
    assert report.written == 2
    (row_a1, row_a2) = campaign_progress(world.db, campaign)
    assert (row_a1.checked, row_a2.reasons["migrant"]) == (1, 1)
    again = write_csv(
        tmp_path / "again.csv",
        [rows[0], ["", zhang, "2026年春季康检", "是", "2026-03-09", "", "", ""]],
    )
    with pytest.raises(ImportRejected, match="2026-03-05 已检"):
        run_import(world.db, world.clerk_a, "checks", again)
    late = write_csv(
        tmp_path / "late.csv", [rows[0], ["", zhang, "", "", "2026-04-09", "", "", ""]]
    )
    with pytest.raises(ImportRejected, match="不在本办事处任何活动期间"):
        run_import(world.db, world.clerk_a, "checks", late)

    procedures = [
        ["姓名", "身份证号", "社区", "性别", "手术类型", "手术日期", "手术医院"],
        ["张秀兰", zhang, "A1社区", "", "上环", "2026-01-10", "区妇幼保健院"],
        ["李强", "", "A1社区", "男", "男扎", "2026-02-10", ""],
        ["王芳", wang, "A2社区", "", "输精管结扎", "2026-02-11", ""],
    ]
    path = write_csv(tmp_path / "procedures.csv", procedures)
    with pytest.raises(ImportRejected) as exc:
        run_import(world.db, world.clerk_a, "procedures", path)
    assert [e.row for e in exc.value.report.invalid] == [4]
    assert "男性绝育的受术者应为男性" in exc.value.report.invalid[0].reason
    run_import(world.db, world.clerk_a, "procedures", path, skip_invalid=True)
    four = four_procedures(world.db, Q1)
    assert (four["上环"], four["结扎"], four.total) == (1, 1, 2)
    linked = world.db.execute("SELECT count(*) FROM procedures WHERE person_id IS NOT NULL")
    assert linked.fetchone()[0] == 1
