"""The write door: scope, period locks, audit, tombstones, all-or-nothing bulk writes."""

from __future__ import annotations

import json

import pytest

from desktop.domain.errors import ValidationError
from desktop.domain.periods import quarter
from desktop.store import audit, locks
from desktop.store.errors import AccessDenied, Cancelled, PeriodLocked
from tests.store.conftest import World, birth, person


def count(world: World, table: str, where: str = "1") -> int:
    return world.db.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def test_insert_sets_sync_columns_and_audits(world: World) -> None:
    door = world.door(world.clerk_a)
    rid = door.insert("persons", person(world))
    row = world.db.execute("SELECT * FROM persons WHERE id = ?", [rid]).fetchone()
    rec = dict(
        zip([c[0] for c in world.db.execute("SELECT * FROM persons").description], row, strict=True)
    )
    assert rec["office"] == "A"  # derived from the community
    assert rec["rev"] == 1 and rec["deleted"] == 0 and rec["updated_by"] == "clerk_a"
    assert rid[14] == "7"  # UUIDv7
    entry = world.db.execute(
        "SELECT user, action, after FROM audit WHERE record_id = ?", [rid]
    ).fetchone()
    assert entry[0] == "clerk_a" and entry[1] == "insert"
    assert json.loads(entry[2])["name"] == "张秀兰"


def test_update_increments_rev_and_records_before_after(world: World) -> None:
    door = world.door(world.clerk_a)
    rid = door.insert("persons", person(world))
    after = door.update("persons", rid, {"name": "张秀英"})
    assert after["rev"] == 2
    before_json, after_json = world.db.execute(
        "SELECT before, after FROM audit WHERE record_id = ? AND action = 'update'", [rid]
    ).fetchone()
    assert json.loads(before_json) == {"name": "张秀兰"}
    assert json.loads(after_json) == {"name": "张秀英", "rev": 2}


def test_delete_is_a_tombstone(world: World) -> None:
    door = world.door(world.clerk_a)
    rid = door.insert("persons", person(world))
    door.delete("persons", rid)
    assert world.db.execute("SELECT deleted, rev FROM persons WHERE id = ?", [rid]).fetchone() == (
        1,
        2,
    )
    assert count(world, "audit", "action = 'delete'") == 1


def test_clerk_cannot_write_another_office(world: World) -> None:
    with pytest.raises(AccessDenied, match="不在您的管辖范围"):
        world.door(world.clerk_b).insert("persons", person(world, "A1"))
    rid = world.door(world.clerk_a).insert("persons", person(world, "A1"))
    with pytest.raises(AccessDenied):
        world.door(world.clerk_b).update("persons", rid, {"name": "李四"})
    with pytest.raises(AccessDenied):
        world.door(world.clerk_b).delete("persons", rid)
    # moving a record out of one's own scope is refused as well
    with pytest.raises(ValidationError, match="不属于所填办事处"):
        world.door(world.clerk_a).update("persons", rid, {"community_id": world.communities["B1"]})
    assert count(world, "persons", "office = 'A' AND name = '张秀兰' AND rev = 1") == 1


def test_community_clerk_is_limited_to_the_community(world: World) -> None:
    door = world.door(world.clerk_a1)
    door.insert("persons", person(world, "A1"))
    with pytest.raises(AccessDenied):
        door.insert("persons", person(world, "A2"))


def test_district_admin_writes_everywhere(world: World) -> None:
    door = world.door(world.admin)
    door.insert("persons", person(world, "A1"))
    door.insert("persons", person(world, "B2"))
    assert count(world, "persons") == 2


def test_submitted_period_is_locked_and_return_unlocks(world: World) -> None:
    clerk = world.door(world.clerk_a)
    rid = clerk.insert("births", birth(world, day="2026-02-10"))
    q1 = quarter(2026, 1)
    locks.set_status(world.door(world.reviewer_a), "A", "population", q1, "submitted")
    with pytest.raises(PeriodLocked, match="2026Q1"):
        clerk.insert("births", birth(world, day="2026-03-31"))
    with pytest.raises(PeriodLocked):
        clerk.update("births", rid, {"sex": "F"})
    with pytest.raises(PeriodLocked):
        clerk.delete("births", rid)
    # moving a record into the locked period is refused too
    other = clerk.insert("births", birth(world, day="2026-04-01"))
    with pytest.raises(PeriodLocked):
        clerk.update("births", other, {"birth_date": "2026-03-01"})
    # the lock is per office: office B is not locked
    world.door(world.clerk_b).insert("births", birth(world, "B1", day="2026-02-11"))
    # a clerk cannot lift the lock; the district can return the quarter
    with pytest.raises(AccessDenied):
        locks.set_status(clerk, "A", "population", q1, "returned")
    locks.set_status(world.door(world.admin), "A", "population", q1, "returned", "出生登记需补充")
    clerk.update("births", rid, {"sex": "F"})
    assert locks.status_of(world.db, "A", "population", q1) == "returned"


def test_bulk_insert_is_all_or_nothing_and_names_the_row(world: World) -> None:
    door = world.door(world.clerk_a)
    rows = [person(world, name=f"人员{i}") for i in range(10)]
    rows[6]["name"] = "  "
    with pytest.raises(ValidationError) as info:
        door.insert_many("persons", rows, batch=3)
    assert info.value.problems[0].row == 7 and info.value.problems[0].field == "姓名"
    assert "第 7 行" in str(info.value)
    assert count(world, "persons") == 0
    assert count(world, "audit", "table_name = 'persons'") == 0


def test_bulk_insert_out_of_scope_row_refuses_everything(world: World) -> None:
    rows = [person(world, "A1"), person(world, "A2"), person(world, "B1")]
    with pytest.raises(AccessDenied, match="第 3 行"):
        world.door(world.clerk_a).insert_many("persons", rows)
    assert count(world, "persons") == 0


def test_cancel_rolls_back(world: World) -> None:
    door = world.door(world.clerk_a)
    calls: list[int] = []
    rows = (person(world, name=f"人员{i}") for i in range(1000))
    with pytest.raises(Cancelled):
        door.insert_many(
            "persons",
            rows,
            total=1000,
            batch=100,
            progress=lambda d, t, m: calls.append(d),
            cancel=lambda: len(calls) >= 3,
        )
    assert calls[:3] == [100, 200, 300]
    assert count(world, "persons") == 0


def test_bulk_insert_writes_one_audit_row_per_record_and_keeps_the_chain(world: World) -> None:
    door = world.door(world.admin)
    ids = door.insert_many(
        "persons", (person(world, name=f"人员{i}") for i in range(2500)), batch=1000
    )
    assert len(ids) == len(set(ids)) == 2500
    assert ids == sorted(ids)  # time-ordered keys
    assert count(world, "audit", "action = 'insert' AND table_name = 'persons'") == 2500
    assert audit.verify(world.db) == []


def test_log_audits_a_reveal(world: World) -> None:
    door = world.door(world.admin)
    rid = door.insert("persons", person(world, id_number="11010519491231002X"))
    door.log("reveal", table="persons", record_id=rid, office="A", detail={"field": "id_number"})
    assert count(world, "audit", "action = 'reveal'") == 1


def test_bulk_insert_into_a_locked_period_names_the_row(world: World) -> None:
    locks.set_status(world.door(world.reviewer_a), "A", "population", quarter(2026, 1), "submitted")
    rows = [birth(world, day="2026-04-02"), birth(world, day="2026-03-30")]
    with pytest.raises(PeriodLocked, match="第 2 行"):
        world.door(world.clerk_a).insert_many("births", rows)
    assert count(world, "births") == 0


def test_bulk_insert_judges_community_and_office_together_per_row(world: World) -> None:
    door = world.door(world.admin)
    rows = [
        person(world, "B1"),
        person(world, "B1", office="B"),
        person(world, "B1", office="A"),  # the same community, now claimed for another office
    ]
    with pytest.raises(ValidationError, match="不属于所填办事处") as info:
        door.insert_many("persons", rows)
    assert [p.row for p in info.value.problems] == [3]
    rows = [person(world, "A1"), person(world, "A1"), person(world, office="A")]
    rows[2]["community_id"] = "无此社区"
    with pytest.raises(ValidationError, match="社区不存在") as info:
        door.insert_many("persons", rows)
    assert [p.row for p in info.value.problems] == [3]
    with pytest.raises(ValueError, match="unknown columns"):
        door.insert_many("persons", [person(world), person(world, colour="red")])
    assert count(world, "persons") == 0


def test_bulk_insert_audits_like_a_single_insert(world: World) -> None:
    door = world.door(world.admin)
    single = door.insert("persons", person(world, name='引号"与\\斜杠\n换行'))
    bulk = door.insert_many(
        "persons", [person(world, name='引号"与\\斜杠\n换行') for _ in range(3)], total=3
    )
    texts = dict(world.db.execute("SELECT record_id, after FROM audit WHERE action = 'insert'"))
    one = json.loads(texts[single])
    assert "office" not in one and "rev" not in one and one["id"] == single
    for rid in bulk:
        assert list(json.loads(texts[rid])) == sorted(one)  # the same keys, sorted
        assert texts[rid] == texts[single].replace(single, rid)
    assert audit.verify(world.db) == []


def test_bulk_insert_restores_the_page_cache(world: World) -> None:
    world.db.execute("PRAGMA cache_size = -3000")
    door = world.door(world.admin)
    door.insert_many("persons", (person(world, name=f"人员{i}") for i in range(20)))
    assert world.db.execute("PRAGMA cache_size").fetchone()[0] == -3000
    with pytest.raises(ValidationError):
        door.insert_many("persons", [person(world), person(world, name="")])
    assert world.db.execute("PRAGMA cache_size").fetchone()[0] == -3000
