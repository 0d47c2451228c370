"""A district and its offices, each with its own database, for the package tests.

The district is the store tests' world (offices A and B, plus C added here), with a few births per
office; each office's database is cut from it by ``slice_office`` (its key issued by the
district). Built once per session and copied fresh for every test (``loop`` fixture)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from desktop.domain.uuid7 import uuid7
from desktop.store import audit
from desktop.store.db import open_database, transaction
from desktop.store.door import WriteDoor, now_iso
from desktop.store.package_slice import slice_office
from desktop.store.packages import Receipt, export_package, import_package, synced_tables
from desktop.store.users import SYSTEM, User, create_user, load_user
from tests.store.conftest import add_units, birth, make_world

OFFICES = ("A", "B", "C")
BIRTHS_PER_OFFICE = 3

__all__ = ["Loop", "add_units", "snapshot"]


def _add_office_c(db: sqlite_utils.Database, district: str) -> dict[str, str]:
    office, community = uuid7(), uuid7()
    with transaction(db) as conn:
        conn.executemany(
            "INSERT INTO org_units(id, parent_id, level, name, code, sort) VALUES (?,?,?,?,?,?)",
            [
                (office, district, "office", "C街道办事处", "C", 3),
                (community, office, "community", "C1社区", None, 1),
            ],
        )
        audit.append(conn, [audit.Entry(now_iso(), "system", "org_create", "org_units", office)])
    return {"office": office, "C1": community}


def build_template(folder: Path) -> None:
    world = make_world(folder / "district.db")
    c = _add_office_c(world.db, world.district)
    world.communities["C1"] = c["C1"]
    units = {"A": world.offices["A"], "B": world.offices["B"], "C": c["office"]}
    for code in OFFICES:
        for role in ("clerk", "reviewer"):
            name = f"{role}_{code.lower()}"
            if world.db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone() is None:
                create_user(world.db, world.admin, name, "secret", role, units[code])
    door = WriteDoor(world.db, SYSTEM)
    for code in OFFICES:
        door.insert_many(
            "births",
            [
                birth(world, f"{code}1", f"2026-02-{10 + i}", child_name=f"{code}{i}")
                for i in range(BIRTHS_PER_OFFICE)
            ],
        )
    for code in OFFICES:
        office = slice_office(world.db, folder / f"office_{code}.db", code, SYSTEM)
        office.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        office.conn.close()
    world.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    world.db.conn.close()


@dataclass
class Loop:
    folder: Path
    district: sqlite_utils.Database
    offices: dict[str, sqlite_utils.Database]
    counter: int = 0

    @classmethod
    def copy_of(cls, template: Path, folder: Path) -> Loop:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ["district.db", *(f"office_{c}.db" for c in OFFICES)]:
            shutil.copyfile(template / name, folder / name)
        return cls(
            folder,
            open_database(folder / "district.db"),
            {c: open_database(folder / f"office_{c}.db") for c in OFFICES},
        )

    def close(self) -> None:
        for db in (self.district, *self.offices.values()):
            db.conn.close()

    @property
    def admin(self) -> User:
        return load_user(self.district, "admin")

    def user(self, code: str, role: str = "clerk") -> User:
        return load_user(self.offices[code], f"{role}_{code.lower()}")

    def door(self, code: str, role: str = "clerk") -> WriteDoor:
        if code == "district":
            return WriteDoor(self.district, self.admin)
        return WriteDoor(self.offices[code], self.user(code, role))

    def community(self, code: str) -> str:
        db = self.offices[code]
        return db.execute(
            "SELECT c.id FROM org_units c JOIN org_units o ON o.id = c.parent_id"
            " WHERE o.code = ? ORDER BY c.name LIMIT 1",
            [code],
        ).fetchone()[0]

    def _name(self, stem: str) -> Path:
        self.counter += 1
        return self.folder / f"{stem}-{self.counter}.zip"

    def export(self, code: str, **kw: Any) -> Path:
        path = self._name(f"from-{code}")
        export_package(self.offices[code], self.user(code, "reviewer"), path, **kw)
        return path

    def back(self, code: str, **kw: Any) -> Path:
        path = self._name(f"to-{code}")
        export_package(self.district, self.admin, path, to=code, **kw)
        return path

    def to_district(self, path: Path) -> Receipt:
        return import_package(self.district, self.admin, path)

    def into_office(self, code: str, path: Path) -> Receipt:
        return import_package(self.offices[code], self.user(code, "reviewer"), path)

    def births(self, code: str) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.offices[code].query(
                "SELECT * FROM births WHERE office = ? ORDER BY id", [code]
            )
        ]


def snapshot(db: sqlite_utils.Database) -> dict[str, Any]:
    """Everything a merge decides: every synced record, the conflicts and the held records."""
    out: dict[str, Any] = {}
    for table in synced_tables(db):
        out[table] = sorted(tuple(r) for r in db.execute(f"SELECT * FROM {table}"))
    out["conflicts"] = sorted(
        db.execute(
            "SELECT table_name, record_id, origin, ours, theirs, theirs_rev, status"
            " FROM package_conflicts"
        ).fetchall()
    )
    out["held"] = sorted(
        db.execute("SELECT table_name, record_id, record, rev, status FROM package_held").fetchall()
    )
    return out


@pytest.fixture(scope="session")
def loop_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("package-loop")
    build_template(folder)
    return folder


@pytest.fixture
def loop(loop_template: Path, tmp_path: Path) -> Any:
    world = Loop.copy_of(loop_template, tmp_path / "loop")
    yield world
    world.close()


def test_offices_start_from_the_district_versions(loop: Loop) -> None:
    for code in OFFICES:
        office = loop.offices[code]
        own = office.execute("SELECT count(*) FROM births WHERE office = ?", [code]).fetchone()[0]
        assert own == BIRTHS_PER_OFFICE
        assert (
            office.execute("SELECT count(*) FROM births WHERE office != ?", [code]).fetchone()[0]
            == 0
        )
        assert audit.verify(office) == []
    # nothing changed yet: an office's package carries no records
    receipt = loop.to_district(loop.export("A"))
    assert sum(t.new + t.updated for t in receipt.tables.values()) == 0
