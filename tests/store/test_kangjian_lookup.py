"""The 康检 pages' small reads, now in the store (``store.kangjian_lookup``): the same answers the
UI's old queries gave, within the scope they are given; and the unchecked list as a paged result
that equals ``store.kangjian.unchecked_list``."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from desktop.domain.ids import make_id
from desktop.store import kangjian_lookup as lookup
from desktop.store.db import open_database
from desktop.store.kangjian import unchecked_list
from desktop.store.orgs import Scope
from desktop.store.paged import FIRST_CHUNK
from tests.store.conftest import make_world
from tests.store.test_kangjian import SPRING, Kj, add_woman, fill, not_checked


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Kj:
    folder = tmp_path_factory.mktemp("lookup")
    kj = fill(make_world(folder / "kj.db"))
    kj.world.db.conn.close()
    return kj


@pytest.fixture
def kj(template: Kj, tmp_path: Path) -> Kj:
    path = tmp_path / "kj.db"
    shutil.copy(template.world.path, path)
    return replace(template, world=replace(template.world, db=open_database(path), path=path))


def scope_of(kj: Kj, unit: str) -> Scope:
    from desktop.store.orgs import OrgTree

    world = kj.world
    unit_id = world.offices.get(unit) or world.communities[unit]
    return OrgTree.load(world.db).scope_of(unit_id)


ALL = Scope.everything()


def ids(rows: object) -> list[str]:
    return [w.woman_id for w in rows]  # type: ignore[attr-defined]


# -- the unchecked list -----------------------------------------------------------------------


@pytest.mark.parametrize("unit", [None, "A", "B", "A1"])
def test_unchecked_rows_equal_the_list(kj: Kj, unit: str | None) -> None:
    scope = ALL if unit is None else scope_of(kj, unit)
    for ref in (SPRING, kj.campaigns["A"]):
        expected = unchecked_list(kj.world.db, ref, scope)
        rows = lookup.unchecked_rows(kj.world.db, ref, scope)
        assert len(rows) == len(expected)
        assert list(rows) == expected  # every field, in the same order
        assert rows[:2] == expected[:2] and (not expected or rows[-1] == expected[-1])


def test_unchecked_rows_by_community_and_reasons(kj: Kj) -> None:
    db, a1 = kj.world.db, kj.world.communities["A1"]
    rows = lookup.unchecked_rows(db, SPRING, ALL, a1)
    assert [w.name for w in rows] == ["w2", "w3"]  # w1, w4 checked; A2's women elsewhere
    assert rows[0].reason == "migrant" and rows[0].check_id is not None
    assert rows[0].floating == "out" and rows[0].floating_where == "深圳市"
    assert rows[0].community == "A1社区" and rows[0].campaign_id == kj.campaigns["A"]
    assert rows.with_reason() == 1
    kj.world.door(kj.world.admin).insert("checks", not_checked(kj, "w3", "refused"))
    rows.refresh_rows()
    assert rows[1].reason == "refused" and rows.with_reason() == 2  # same positions
    with pytest.raises(IndexError):
        rows[2]


def test_unchecked_rows_of_a_district_campaign_span_offices(kj: Kj) -> None:
    db = kj.world.db
    add_woman(kj.world, "b2", "B2", date(1994, 4, 4))
    rows = lookup.unchecked_rows(db, SPRING, ALL)
    assert {w.campaign_id for w in rows} == {kj.campaigns["A"], kj.campaigns["B"]}
    b2 = next(w for w in rows if w.name == "b2")
    assert b2.campaign_id == kj.campaigns["B"] and b2.check_id is None
    assert list(rows) == unchecked_list(db, SPRING, ALL)


def test_unchecked_rows_read_only_the_first_chunk(kj: Kj) -> None:
    """A campaign before anyone is checked lists every eligible woman: positions are read
    lazily, not every row into a Python list."""
    world = kj.world
    many = FIRST_CHUNK + 700
    door = world.door(world.admin)
    persons = []
    for i in range(many):
        born = date(1985, 1, 1) + timedelta(days=i // 400)
        number = make_id("110106", born, 2 * (i % 400) + 2)
        persons.append(
            {
                "community_id": world.communities["B2"],
                "name": f"女{i:05d}",
                "pinyin": f"n{i:05d}",
                "id_number": number,
                "id_tail": number[-4:],
                "sex": "F",
                "birth_date": born.isoformat(),
                "created_on": "2020-01-01",
            }
        )
    person_ids = door.insert_many("persons", persons)
    door.insert_many(
        "women",
        [
            {
                "community_id": world.communities["B2"],
                "person_id": p,
                "marital": "married",
                "floating": "none",
                "entered_on": "2020-01-01",
            }
            for p in person_ids
        ],
    )
    rows = lookup.unchecked_rows(world.db, kj.campaigns["B"], ALL)
    assert len(rows) == many  # b1 is checked
    assert len(rows.result.rowids) < many  # only the first chunk of positions so far
    assert rows[many - 1].name == f"女{many - 1:05d}"  # pinyin order, read on demand
    assert len(rows.result.rowids) == many


def test_no_campaign_in_scope_is_an_empty_list(kj: Kj) -> None:
    rows = lookup.unchecked_rows(kj.world.db, kj.campaigns["B"], scope_of(kj, "A"))
    assert len(rows) == 0 and list(rows) == [] and rows.with_reason() == 0


# -- one woman, check-in, totals ---------------------------------------------------------------


def test_woman_record_keeps_to_the_scope(kj: Kj) -> None:
    db, person = kj.world.db, kj.persons["w2"]
    record = lookup.woman_record(db, ALL, person)
    assert record is not None
    assert record["woman_id"] == kj.women["w2"] and record["floating_where"] == "深圳市"
    assert set(lookup.PERSON_FIELDS) | set(lookup.WOMAN_FIELDS) <= set(record)
    assert lookup.woman_record(db, scope_of(kj, "B"), person) is None


def test_person_with_id_number_says_whether_in_scope(kj: Kj) -> None:
    db = kj.world.db
    number = db.execute(
        "SELECT id_number FROM persons WHERE id = ?", [kj.persons["b1"]]
    ).fetchone()[0]
    found = lookup.person_with_id_number(db, scope_of(kj, "A"), number)
    assert found is not None and found["name"] == "b1" and found["in_scope"] is False
    assert found["woman_id"] == kj.women["b1"]
    assert lookup.person_with_id_number(db, ALL, number)["in_scope"] is True  # type: ignore[index]
    assert lookup.person_with_id_number(db, ALL, "110105199001011234") is None


def test_find_women_by_id_tail_pinyin_and_whole_number(kj: Kj) -> None:
    db = kj.world.db
    number = db.execute(
        "SELECT id_number FROM persons WHERE id = ?", [kj.persons["w3"]]
    ).fetchone()[0]
    found, total = lookup.find_women(db, ALL, number)
    assert total == 1 and found[0].woman_id == kj.women["w3"]
    assert (
        found[0].facts is not None
        and found[0].ineligible(lookup.resolve_campaigns(db, kj.campaigns["A"])[0]) == []
    )
    found, total = lookup.find_women(db, ALL, number[-4:])
    assert [f.name for f in found] == ["w3"] and total == 1
    found, total = lookup.find_women(db, ALL, "w", limit=3)
    assert total == 10 and [f.name for f in found] == ["w1", "w10", "w2"]  # pinyin order
    found, total = lookup.find_women(db, scope_of(kj, "B"), "w")
    assert total == 0 and found == []
    assert lookup.find_women(db, ALL, "  ") == ([], 0)


def test_checks_of_and_by_id(kj: Kj) -> None:
    db = kj.world.db
    found = lookup.checks_of(db, [kj.campaigns["A"]], [kj.women["w1"], kj.women["w3"]])
    assert set(found) == {kj.women["w1"]} and found[kj.women["w1"]]["checked"] == 1
    record = lookup.check_record_by_id(db, found[kj.women["w1"]]["id"])
    assert record == found[kj.women["w1"]]
    assert lookup.checks_of(db, [], [kj.women["w1"]]) == {}


def test_totals_record_and_campaign_reads(kj: Kj) -> None:
    db, world = kj.world.db, kj.world
    a1 = world.communities["A1"]
    assert lookup.totals_record(db, ALL, kj.campaigns["A"], a1) is None
    world.door(world.admin).insert(
        "campaign_totals",
        {
            "campaign_id": kj.campaigns["A"],
            "community_id": a1,
            "eligible": 10,
            "checked": 9,
            "reason_migrant": 1,
            "record_date": SPRING.end_date,
        },
    )
    found = lookup.totals_record(db, ALL, kj.campaigns["A"], a1)
    assert found is not None and (found["eligible"], found["checked"]) == (10, 9)
    assert lookup.totals_record(db, scope_of(kj, "B"), kj.campaigns["A"], a1) is None
    assert lookup.campaign_items(db, kj.campaigns["A"]) == ["查环", "查孕", "查病"]
    assert lookup.campaign_record_count(db, kj.campaigns["A"]) == 5  # 4 checks + the totals
    assert lookup.campaign_record_count(db, kj.campaigns["B"]) == 1


def test_search_condition_and_age() -> None:
    assert lookup.search_condition("1234") == (["t.id_tail = ?"], ["1234"])
    assert lookup.search_condition("zxl")[1] == ["zxl", "zxl" + lookup.TOP]
    where, params = lookup.search_condition("张", ["A", "B"])
    assert where[0] == "t.office IN (?,?)" and params[:2] == ["A", "B"]
    assert lookup.age_on("1990-03-02", date(2026, 3, 1)) == 35
    assert lookup.age_on(None, date(2026, 3, 1)) is None
