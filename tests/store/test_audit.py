"""The audit chain detects a changed, a removed and a cut-off row."""

from __future__ import annotations

import json

import pytest

from desktop.store import audit
from tests.store.conftest import World, person


def _fill(world: World, n: int = 5) -> None:
    door = world.door(world.admin)
    for i in range(n):
        door.insert("persons", person(world, name=f"人员{i}"))


def _unprotect(world: World) -> None:
    world.db.execute("DROP TRIGGER audit_no_update")
    world.db.execute("DROP TRIGGER audit_no_delete")


def test_intact_chain_verifies(world: World) -> None:
    _fill(world)
    assert audit.verify(world.db) == []


def test_audit_rows_cannot_be_changed_through_sql(world: World) -> None:
    _fill(world)
    with pytest.raises(Exception, match="append-only"):
        world.db.execute("UPDATE audit SET user = 'x' WHERE seq = 3")
    with pytest.raises(Exception, match="append-only"):
        world.db.execute("DELETE FROM audit WHERE seq = 3")


def test_changed_row_is_detected(world: World) -> None:
    _fill(world)
    _unprotect(world)
    seq = world.db.execute("SELECT seq FROM audit WHERE action = 'insert' LIMIT 1").fetchone()[0]
    world.db.execute(
        "UPDATE audit SET after = replace(after, '人员0', '王五') WHERE seq = ?", [seq]
    )
    problems = audit.verify(world.db)
    assert any(f"第 {seq} 条内容" in p for p in problems)


def test_removed_row_is_detected(world: World) -> None:
    _fill(world)
    _unprotect(world)
    world.db.execute("DELETE FROM audit WHERE seq = 4")
    problems = audit.verify(world.db)
    assert any("缺少第 4" in p for p in problems)


def test_cut_off_tail_is_detected(world: World) -> None:
    _fill(world)
    _unprotect(world)
    last = world.db.execute("SELECT max(seq) FROM audit").fetchone()[0]
    world.db.execute("DELETE FROM audit WHERE seq = ?", [last])
    assert any("链头" in p for p in audit.verify(world.db))


AWKWARD = ['引号"', "反斜杠\\", "换行\n制表\t", "\x01控制", "表情😀", "", "/斜/", "\u2028"]


def test_record_dumper_writes_the_entry_text() -> None:
    keys = ["name", "age", "id", "note", "ratio", "flag"]
    dump = audit.record_dumper(keys)
    for i, text in enumerate(AWKWARD):
        record = {
            "id": f"r{i}",
            "name": text,
            "age": i,
            "note": None,
            "ratio": 0.1 * i,
            "flag": i % 2 == 0,
            "office": "A",
            "rev": 1,
        }
        assert dump(record) == audit._dump({k: record[k] for k in keys})


def test_bulk_entries_hash_exactly_as_single_entries(world: World) -> None:
    _fill(world, 2)
    rows = [
        (f"id-{i}", "A" if i % 2 else "B", audit._dump({"name": t})) for i, t in enumerate(AWKWARD)
    ]
    rows.append(("id-x", None, "{}"))

    def written(fast: bool) -> list[tuple]:
        conn = world.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            if fast:
                audit.append_inserts(conn, "2026-03-01T08:00:00.000+08:00", "张三", "persons", rows)
            else:
                audit.append(
                    conn,
                    [
                        audit.Entry(
                            "2026-03-01T08:00:00.000+08:00",
                            "张三",
                            "insert",
                            "persons",
                            rid,
                            office,
                            None,
                            json.loads(after),
                        )
                        for rid, office, after in rows
                    ],
                )
            return conn.execute("SELECT * FROM audit ORDER BY seq").fetchall()
        finally:
            conn.execute("ROLLBACK")

    assert written(True) == written(False)


def test_changed_bulk_row_is_detected(world: World) -> None:
    door = world.door(world.admin)
    door.insert_many("persons", [person(world, name=f"人员{i}") for i in range(50)], batch=7)
    assert audit.verify(world.db) == []
    _unprotect(world)
    seq = world.db.execute("SELECT seq FROM audit WHERE after LIKE '%人员30%'").fetchone()[0]
    world.db.execute(
        "UPDATE audit SET after = replace(after, '人员30', '人员31') WHERE seq = ?", [seq]
    )
    assert any(f"第 {seq} 条内容" in p for p in audit.verify(world.db))
