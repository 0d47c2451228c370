"""Cross-office checks on merge: records that collide on a unique index are held (not an abort)
and listed with the record they collide with; double payments and two-school exemptions are
listed in pairs."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.domain.ids import make_id
from desktop.domain.uuid7 import uuid7
from desktop.store.errors import StorageError
from desktop.store.package_review import cross_office_issues, held_records, settle_held
from tests.store import test_packages_world as world
from tests.store.test_packages_world import Loop, snapshot

loop_template, loop = world.loop_template, world.loop  # the fixtures

NUMBER = make_id("419901", date(1990, 5, 6), 22)


def _woman(loop: Loop, code: str) -> tuple[str, str]:
    door = loop.door(code)
    community = loop.community(code)
    person = door.insert(
        "persons",
        {
            "community_id": community,
            "name": "王秀英",
            "pinyin": "wxy",
            "id_number": NUMBER,
            "sex": "F",
            "birth_date": "1990-05-06",
            "created_on": "2026-01-05",
        },
    )
    woman = door.insert(
        "women",
        {
            "community_id": community,
            "person_id": person,
            "marriage_date": "2012-01-01",
            "marital": "married",
            "floating": "none",
            "entered_on": "2026-01-05",
        },
    )
    return person, woman


def test_the_same_woman_at_two_offices_is_held_and_listed_not_aborted(loop: Loop) -> None:
    person_a, _ = _woman(loop, "A")
    person_b, woman_b = _woman(loop, "B")
    loop.to_district(loop.export("A"))
    receipt = loop.to_district(loop.export("B"))

    assert receipt.tables["persons"].refused == 1
    assert receipt.tables["women"].refused == 1  # it refers to the held person
    assert "暂缓" in receipt.text()
    issues = [i for i in cross_office_issues(loop.district) if i.kind == "held"]
    by_table = {i.table: i for i in issues}
    assert by_table["persons"].a["id"] == person_b
    assert by_table["persons"].b is not None and by_table["persons"].b["id"] == person_a
    assert "id_number" in by_table["persons"].title
    assert by_table["women"].a["id"] == woman_b

    # importing again holds the same records once, and changes nothing
    before = snapshot(loop.district)
    loop.to_district(loop.export("B", full=True))
    assert snapshot(loop.district) == before

    # the district settles it: A's person was the mistake; B's records are released
    held = {h.table: h for h in held_records(loop.district)}
    with pytest.raises(StorageError, match="仍不能写入"):
        settle_held(loop.district, loop.admin, held["persons"].seq, release=True)
    loop.door("district").delete("persons", person_a)
    settle_held(loop.district, loop.admin, held["persons"].seq, release=True)
    settle_held(loop.district, loop.admin, held["women"].seq, release=True)
    assert [i for i in cross_office_issues(loop.district) if i.kind == "held"] == []
    assert (
        loop.district.execute("SELECT count(*) FROM women WHERE id = ?", [woman_b]).fetchone()[0]
        == 1
    )


def _insert(loop: Loop, table: str, **values: object) -> str:
    values = {
        "id": uuid7(),
        "rev": 1,
        "updated_at": "2026-03-01T00:00:00.000+08:00",
        "updated_by": "x",
        "deleted": 0,
        **values,
    }
    cols = ", ".join(values)
    loop.district.execute(
        f"INSERT INTO {table} ({cols}) VALUES ({','.join('?' * len(values))})",
        list(values.values()),
    )
    return str(values["id"])


def _community(loop: Loop, code: str) -> str:
    return loop.district.execute(
        "SELECT c.id FROM org_units c JOIN org_units o ON o.id = c.parent_id WHERE o.code = ?"
        " LIMIT 1",
        [code],
    ).fetchone()[0]


def test_double_payment_and_two_schools_are_listed_with_both_records(loop: Loop) -> None:
    ca, cb = _community(loop, "A"), _community(loop, "B")
    person = _insert(
        loop,
        "persons",
        office="A",
        community_id=ca,
        name="李桂英",
        pinyin="lgy",
        id_number=NUMBER,
        created_on="2026-01-01",
    )
    programme = _insert(
        loop,
        "subsidy_programmes",
        office="DISTRICT",
        code="test_reward",
        name="奖励扶助",
        level="national",
        kind="person",
    )
    for office, community, start in (("A", ca, "2026-01-01"), ("B", cb, "2026-03-01")):
        _insert(
            loop,
            "payments",
            office=office,
            community_id=community,
            person_id=person,
            programme_id=programme,
            covered_start=start,
            covered_end="2026-06-30",
            amount_fen=48000,
            pay_date="2026-03-15",
            status="paid",
        )
    standard = loop.district.execute("SELECT id FROM aid_standards LIMIT 1").fetchone()[0]
    schools = [
        _insert(
            loop,
            "schools",
            office=office,
            community_id=community,
            code=f"S{office}",
            name=f"{office}小学",
            stage="primary",
            boarding=0,
        )
        for office, community in (("A", ca), ("B", cb))
    ]
    student = _insert(
        loop,
        "students",
        office="A",
        community_id=ca,
        school_id=schools[0],
        student_no="G" + NUMBER,
        name="小明",
        sex="M",
        birth_date="2016-01-01",
        grade=3,
        boarding=0,
        pinyin="xm",
        no_tail=NUMBER[-4:],
    )
    for office, community, school, item in (
        ("A", ca, schools[0], "fees"),
        ("B", cb, schools[1], "textbooks"),
    ):
        _insert(
            loop,
            "exemptions",
            office=office,
            community_id=community,
            school_id=school,
            student_id=student,
            student_no="G" + NUMBER,
            grade=3,
            boarding=0,
            school_year="2025-2026",
            semester="2026春",
            item=item,
            standard_id=standard,
            amount_fen=15000,
            granted_on="2026-03-01",
            method="减免",
        )

    kinds = {i.kind: i for i in cross_office_issues(loop.district)}
    paid = kinds["double_payment"]
    assert {paid.a["office"], paid.b["office"]} == {"A", "B"}
    assert paid.a["name"] == "李桂英"
    assert paid.a["programme"] == paid.b["programme"] == "奖励扶助"  # named for the screen
    offices = dict(loop.district.execute("SELECT code, name FROM org_units WHERE level = 'office'"))
    assert f"（{offices['A']} 与 {offices['B']}）" in paid.title
    schools_issue = kinds["two_schools"]
    assert {schools_issue.a["school_id"], schools_issue.b["school_id"]} == set(schools)
    names = dict(loop.district.execute("SELECT id, name FROM schools"))
    assert {schools_issue.a["school"], schools_issue.b["school"]} == {names[s] for s in schools}
