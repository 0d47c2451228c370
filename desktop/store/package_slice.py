"""A new office installation cut from the district's database: the org tree, the office's users,
its own records and the district-wide ones, and a key pair issued by the district — so that the
office and the district start from the same versions and exchange only what changes after."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from desktop.store import audit
from desktop.store.audit import now_iso
from desktop.store.db import open_database, set_setting, transaction
from desktop.store.errors import StorageError
from desktop.store.package_keys import DISTRICT, IDENTITY_KEY, install_key_file, issue_office_key
from desktop.store.packages import synced_tables
from desktop.store.users import User

# settings that belong to one installation and are not copied
_OWN_SETTINGS = (audit.HEAD_KEY, IDENTITY_KEY)


def _main_file(db: sqlite_utils.Database) -> str:
    for _seq, name, file in db.execute("PRAGMA database_list"):
        if name == "main":
            return str(file)
    raise StorageError("无法确定区级数据库文件。")


def _copy_referenced(conn: sqlite3.Connection, tables: list[str]) -> None:
    """Copy the records of other offices that the office's records refer to (a student of
    another office exempted at one of this office's schools …), until nothing is missing."""
    links = [
        (table, r[3], r[2])
        for table in tables
        for r in conn.execute(f"PRAGMA foreign_key_list({table})")
        if r[2] in tables
    ]
    while True:
        added = 0
        for child, column, parent in links:
            cur = conn.execute(
                f"INSERT OR IGNORE INTO {parent} SELECT * FROM src.{parent} WHERE id IN"
                f" (SELECT {column} FROM {child} WHERE {column} IS NOT NULL"
                f" AND {column} NOT IN (SELECT id FROM {parent}))"
            )
            added += cur.rowcount
        if not added:
            return


def _log_created(conn: sqlite3.Connection, by: User, office: str, detail: dict) -> None:
    entry = audit.Entry(now_iso(), by.name, "office_create", None, None, office, None, detail)
    audit.append(conn, [entry])


def slice_office(
    district: sqlite_utils.Database, path: str | Path, office: str, by: User
) -> sqlite_utils.Database:
    """Create the database of ``office`` at ``path`` (a new file) and return it, open."""
    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        raise StorageError(f"文件已存在：{path}。办事处数据库只能写入新文件。")
    key = issue_office_key(district, by, office)
    db = open_database(path)
    conn = db.conn
    conn.execute("ATTACH DATABASE ? AS src", [_main_file(district)])
    copied: dict[str, int] = {}
    try:
        with transaction(db):
            conn.execute("PRAGMA defer_foreign_keys = ON")
            unit = conn.execute(
                "SELECT id FROM src.org_units WHERE level = 'office' AND code = ?", [office]
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO org_units SELECT * FROM src.org_units ORDER BY"
                " CASE level WHEN 'district' THEN 0 WHEN 'office' THEN 1 ELSE 2 END"
            )
            conn.execute(
                "INSERT INTO users SELECT * FROM src.users WHERE scope_unit_id = ?1"
                " OR scope_unit_id IN (SELECT id FROM src.org_units WHERE parent_id = ?1)",
                [unit],
            )
            conn.execute("INSERT INTO indicator_targets SELECT * FROM src.indicator_targets")
            conn.execute(
                "INSERT INTO settings SELECT * FROM src.settings WHERE key NOT IN (?, ?)"
                " AND key NOT LIKE 'package_%'",
                list(_OWN_SETTINGS),
            )
            for table in synced_tables(db):
                cols = ", ".join(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))
                cur = conn.execute(
                    f"INSERT OR REPLACE INTO {table} ({cols}) SELECT {cols} FROM src.{table}"
                    " WHERE office IN (?, ?)",
                    [office, DISTRICT],
                )
                copied[table] = cur.rowcount
                conn.execute(
                    "INSERT INTO sync_state(table_name, record_id, peer, rev)"
                    f" SELECT ?, id, ?, rev FROM {table}",
                    [table, DISTRICT],
                )
            _copy_referenced(conn, synced_tables(db))
            _log_created(conn, by, office, {"records": copied})
    finally:
        conn.execute("DETACH DATABASE src")
    install_key_file(db, by, key)
    with transaction(district) as dconn:
        for table in synced_tables(district):
            dconn.execute(
                "INSERT INTO sync_state(table_name, record_id, peer, rev)"
                f" SELECT ?, id, ?, rev FROM {table} WHERE office IN (?, ?)"
                " ON CONFLICT DO UPDATE SET rev = excluded.rev",
                [table, office, office, DISTRICT],
            )
        head = dconn.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0]
        set_setting(dconn, f"package_audit_sent:{office}", head)  # the office has its history
        _log_created(dconn, by, office, {"file": path.name, "records": copied})
    return db
