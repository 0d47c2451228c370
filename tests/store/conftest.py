"""A small two-office database for the store tests."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlite_utils

from desktop.domain.uuid7 import uuid7
from desktop.store import audit
from desktop.store.db import open_database, transaction
from desktop.store.door import WriteDoor, now_iso
from desktop.store.orgs import OrgTree
from desktop.store.users import SYSTEM, User, create_user


@dataclass
class World:
    db: sqlite_utils.Database
    path: Path
    district: str
    offices: dict[str, str]  # code -> unit id
    communities: dict[str, str]  # name -> unit id
    admin: User
    clerk_a: User  # office A
    clerk_b: User  # office B
    clerk_a1: User  # community A1 only
    reviewer_a: User

    def door(self, user: User) -> WriteDoor:
        return WriteDoor(self.db, user)


def add_units(conn: sqlite3.Connection) -> tuple[str, dict[str, str], dict[str, str]]:
    district = uuid7()
    rows = [(district, None, "district", "测试区", None, 0)]
    offices: dict[str, str] = {}
    communities: dict[str, str] = {}
    for i, code in enumerate(("A", "B")):
        offices[code] = uuid7()
        rows.append((offices[code], district, "office", f"{code}街道办事处", code, i))
        for j in (1, 2):
            cid = uuid7()
            communities[f"{code}{j}"] = cid
            rows.append((cid, offices[code], "community", f"{code}{j}社区", None, j))
    conn.executemany(
        "INSERT INTO org_units(id, parent_id, level, name, code, sort) VALUES (?,?,?,?,?,?)", rows
    )
    audit.append(
        conn, [audit.Entry(now_iso(), "system", "org_create", "org_units", r[0]) for r in rows]
    )
    return district, offices, communities


def make_world(path: Path) -> World:
    db = open_database(path)
    with transaction(db) as conn:
        district, offices, communities = add_units(conn)
    admin = create_user(db, SYSTEM, "admin", "secret", "admin", district, can_reveal=True)
    clerk_a = create_user(db, admin, "clerk_a", "secret", "clerk", offices["A"])
    clerk_b = create_user(db, admin, "clerk_b", "secret", "clerk", offices["B"])
    clerk_a1 = create_user(db, admin, "clerk_a1", "secret", "clerk", communities["A1"])
    reviewer_a = create_user(db, admin, "reviewer_a", "secret", "reviewer", offices["A"])
    assert OrgTree.load(db).office_of(communities["A2"]) == "A"
    return World(
        db, path, district, offices, communities, admin, clerk_a, clerk_b, clerk_a1, reviewer_a
    )


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "test.db")


def person(world: World, community: str = "A1", name: str = "张秀兰", **extra: object) -> dict:
    return {
        "community_id": world.communities[community],
        "name": name,
        "pinyin": "zxl",
        "sex": "F",
        "created_on": "2026-01-05",
        **extra,
    }


def birth(world: World, community: str = "A1", day: str = "2026-02-10", **extra: object) -> dict:
    return {
        "community_id": world.communities[community],
        "birth_date": day,
        "sex": "M",
        "policy": "in_policy",
        **extra,
    }
