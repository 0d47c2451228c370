"""The audit chain detects a changed, a removed and a cut-off row."""

from __future__ import annotations

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
