"""Small helpers the programme stores (康检, 两免一补, 帮扶) share."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils

Db = sqlite_utils.Database | sqlite3.Connection

# ``IN ({marks})`` becomes ``IN (SELECT value FROM json_each(?))``: the keys go to SQLite as one
# JSON array, so a query over 100,000 keys is one statement, with no limit on host parameters.
EACH = "SELECT value FROM json_each(?)"
json_list = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def conn_of(db: Db) -> sqlite3.Connection:
    """The raw connection of a sqlite-utils Database (or the connection itself)."""
    return db.conn if isinstance(db, sqlite_utils.Database) else db


def rows_in(
    conn: sqlite3.Connection, sql: str, keys: Iterable[Any], before: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """Run ``sql`` — ``IN ({marks})`` once, after the parameters ``before`` — over the distinct
    non-empty ``keys``: one query, whatever the number of keys."""
    distinct = list(dict.fromkeys(k for k in keys if k))
    if not distinct:
        return []
    return conn.execute(sql.format(marks=EACH), [*before, json_list(distinct)]).fetchall()


def short_id(record_id: Any) -> str:
    """A record id in a message: its first eight characters (the time part of a UUIDv7)."""
    return f"{str(record_id)[:8]}…"


def office_names(conn: sqlite3.Connection) -> dict[str, str]:
    """Office code → name."""
    return dict(conn.execute("SELECT code, name FROM org_units WHERE level = 'office'").fetchall())


def unit_name_sql(column: str) -> str:
    """SQL for the name of the org unit whose id is in ``column``."""
    return f"(SELECT name FROM org_units WHERE id = {column})"
