"""Opening the one database file of an installation.

``open_database(path)`` gives a :class:`Database` (sqlite-utils) with WAL journalling, foreign keys
on, and the schema brought to the latest version through the migration ladder. Transactions are
explicit (``with transaction(db):``), never implicit: the connection runs in autocommit mode and
every write path opens its own ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from desktop.store import migrations
from desktop.store.errors import DatabaseTooNew, NotADatabase, StorageError, translate

APPLICATION_ID = 0x4D534C47  # "MSLG": marks the file as ours


def connect(path: str | Path) -> sqlite3.Connection:
    """A raw connection with the pragmas every connection needs (one per thread)."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=True, timeout=10)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def open_database(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` and migrate it to the latest schema.

    Raises :class:`StorageError` subclasses for problems of the user's world: a file that is not a
    database, a database written by a newer version of the app, a read-only or locked file.
    """
    path = Path(path)
    existed = path.exists() and path.stat().st_size > 0
    if not path.parent.exists():
        raise StorageError(f"文件夹不存在：{path.parent}。请先创建该文件夹或选择其他位置。")
    try:
        conn = connect(path)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    if existed and app_id not in (0, APPLICATION_ID):
        conn.close()
        raise NotADatabase(f"此文件不是民生台账数据库：{path}")
    if version > migrations.LATEST:
        conn.close()
        raise DatabaseTooNew(
            f"数据库 {path.name} 由更新版本的民生台账创建（数据库版本 {version}，"
            f"本程序支持到 {migrations.LATEST}）。请升级程序后再打开；文件未作任何改动。"
        )
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, path) from exc
    db = sqlite_utils.Database(conn)
    if migrate and version < migrations.LATEST:
        if existed and version > 0:
            backup(db, _backup_name(path, version))
        try:
            _migrate(conn, version)
        except sqlite3.Error as exc:
            conn.close()
            raise translate(exc, path) from exc
    return db


def _backup_name(path: Path, version: int) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.stem}.v{version}.{stamp}.bak{path.suffix}")


def _migrate(conn: sqlite3.Connection, current: int) -> None:
    for step in migrations.LADDER:
        if step.version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            step.apply(conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {step.version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


@contextmanager
def transaction(db: sqlite_utils.Database | sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One ``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back on any exception (nested use joins)."""
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    if conn.in_transaction:
        yield conn
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise translate(exc) from exc
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise translate(exc) from exc


def backup(db: sqlite_utils.Database, target: str | Path) -> Path:
    """A consistent copy of the live database (SQLite online backup), safe while it is in use."""
    target = Path(target)
    if target.exists():
        raise StorageError(f"备份文件已存在：{target}。请换一个文件名。")
    try:
        dest = sqlite3.connect(str(target))
        with dest:
            db.conn.backup(dest)
        dest.close()
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise translate(exc, target) from exc
    return target


def get_setting(db: sqlite_utils.Database, key: str, default: Any = None) -> Any:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return default if row is None else json.loads(row[0])


def set_setting(conn: sqlite3.Connection, key: str, value: Any) -> None:
    """Write a setting inside the caller's transaction (settings changes are audited by callers)."""
    conn.execute(
        "INSERT INTO settings(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, json.dumps(value, ensure_ascii=False)],
    )
