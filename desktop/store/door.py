"""The one write door.

Every change to a synced record — from a form, an import, a batch, the command line or a package —
goes through :class:`WriteDoor`. In one transaction it

1. runs the table's domain rules (``TableSpec.validate``),
2. checks the user's role and org-unit scope (the office and, for community users, the community),
3. checks that the record's period is not locked for its office and programme,
4. writes (new UUIDv7 key, ``rev`` + 1, ``updated_at``/``updated_by``; deletion is a tombstone),
5. appends the audit rows (who, when, table, record, before → after, hash chain).

Bulk writes use the same checks and go in batches of ``executemany`` inside one transaction, so a
cancelled or failed import leaves the database exactly as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlite_utils

from desktop.domain.errors import Problem, ValidationError
from desktop.domain.uuid7 import uuid7
from desktop.store import audit
from desktop.store.audit import now_iso
from desktop.store.db import transaction
from desktop.store.errors import AccessDenied, Cancelled, PeriodLocked
from desktop.store.orgs import OrgTree
from desktop.store.tables import TableSpec, spec
from desktop.store.users import User

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]

SYNC_FIELDS = ("id", "office", "rev", "updated_at", "updated_by", "deleted")
LOCKING_STATUSES = ("submitted", "approved")
WRITE_ROLES = ("clerk", "reviewer", "admin")


class WriteDoor:
    def __init__(self, db: sqlite_utils.Database, user: User):
        self.db = db
        self.user = user
        self.tree = OrgTree.load(db)
        self._columns: dict[str, list[str]] = {}

    # -- public API -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Group several door calls in one transaction (all or nothing)."""
        with transaction(self.db) as conn:
            yield conn

    def insert(self, table: str, values: Mapping[str, Any]) -> str:
        return self.insert_many(table, [values], total=1)[0]

    def insert_many(
        self,
        table: str,
        rows: Iterable[Mapping[str, Any]],
        *,
        total: int | None = None,
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
        batch: int = 2000,
    ) -> list[str]:
        """Insert new records; all or nothing. Returns their ids in order."""
        ts = spec(table)
        columns = self.columns(table)
        ids: list[str] = []
        locks = self._locks(ts)
        stamp = now_iso()
        with transaction(self.db) as conn:
            pending: list[dict[str, Any]] = []
            numbers: list[int | None] = []  # row numbers of ``pending``, for check_db
            done = 0
            for index, values in enumerate(rows, start=1):
                row = index if total != 1 else None
                record = self._prepare_new(ts, columns, values, stamp, row)
                self._check_lock(ts, locks, record, row)
                pending.append(record)
                numbers.append(row)
                if len(pending) >= batch:
                    done += self._flush(conn, ts, columns, pending, ids, stamp, numbers)
                    if progress:
                        progress(done, total or done, f"已写入 {done} 条")
                    if cancel and cancel():
                        raise Cancelled("已取消，数据库未作改动。")
            done += self._flush(conn, ts, columns, pending, ids, stamp, numbers)
            if progress:
                progress(done, total or done, f"已写入 {done} 条")
        return ids

    def update(self, table: str, record_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change fields of one record; returns the new record."""
        ts = spec(table)
        columns = self.columns(table)
        unknown = set(changes) - set(columns)
        if unknown:
            raise ValueError(f"unknown columns for {table}: {sorted(unknown)}")
        for key in changes:
            if key in ts.immutable or key in SYNC_FIELDS:
                raise ValueError(f"{table}.{key} cannot be changed through update()")
        with transaction(self.db) as conn:
            before = self._fetch(conn, table, record_id)
            after = {**before, **changes}
            self._validate(ts, after, None)
            self._check_scope(ts, before)
            self._check_scope(ts, after)
            locks = self._locks(ts)
            self._check_lock(ts, locks, before, None)
            self._check_lock(ts, locks, after, None)
            self._check_db(conn, ts, [(None, after)])
            stamp = now_iso()
            after.update(rev=before["rev"] + 1, updated_at=stamp, updated_by=self.user.name)
            sets = ", ".join(f"{c} = :{c}" for c in (*changes, "rev", "updated_at", "updated_by"))
            conn.execute(f"UPDATE {table} SET {sets} WHERE id = :id", after)
            changed_before = {k: before[k] for k in changes}
            changed_after = {k: after[k] for k in changes}
            audit.append(
                conn,
                [
                    audit.Entry(
                        stamp,
                        self.user.name,
                        "update",
                        table,
                        record_id,
                        before["office"],
                        changed_before,
                        {**changed_after, "rev": after["rev"]},
                    )
                ],
            )
        return after

    def delete(self, table: str, record_id: str) -> None:
        """Mark a record deleted (tombstone); nothing is ever physically removed."""
        ts = spec(table)
        with transaction(self.db) as conn:
            before = self._fetch(conn, table, record_id)
            if before["deleted"]:
                return
            self._check_scope(ts, before)
            self._check_lock(ts, self._locks(ts), before, None)
            stamp = now_iso()
            conn.execute(
                f"UPDATE {table} SET deleted = 1, rev = rev + 1, updated_at = ?, updated_by = ?"
                " WHERE id = ?",
                [stamp, self.user.name, record_id],
            )
            audit.append(
                conn,
                [
                    audit.Entry(
                        stamp,
                        self.user.name,
                        "delete",
                        table,
                        record_id,
                        before["office"],
                        before,
                        {"deleted": 1, "rev": before["rev"] + 1},
                    )
                ],
            )

    def log(
        self,
        action: str,
        *,
        table: str | None = None,
        record_id: str | None = None,
        office: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Audit an event that changes no record: a reveal of a masked field, an export, …"""
        with transaction(self.db) as conn:
            audit.append(
                conn,
                [
                    audit.Entry(
                        now_iso(), self.user.name, action, table, record_id, office, None, detail
                    )
                ],
            )

    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            self._columns[table] = [r[1] for r in self.db.execute(f"PRAGMA table_info({table})")]
        return self._columns[table]

    # -- checks -----------------------------------------------------------------------------

    def _prepare_new(
        self,
        ts: TableSpec,
        columns: list[str],
        values: Mapping[str, Any],
        stamp: str,
        row: int | None,
    ) -> dict[str, Any]:
        unknown = set(values) - set(columns)
        if unknown:
            raise ValueError(f"unknown columns for {ts.name}: {sorted(unknown)}")
        record = {c: values.get(c) for c in columns}
        if not record.get("office"):
            community = record.get(ts.community_column) if ts.community_column else None
            record["office"] = self.tree.office_of(community) if community else self.user.office
        if not record.get("office"):
            raise ValidationError([Problem("办事处", "记录未指明所属办事处", row)])
        record["id"] = record.get("id") or uuid7()
        record.update(rev=1, updated_at=stamp, updated_by=self.user.name, deleted=0)
        self._validate(ts, record, row)
        self._check_scope(ts, record, row)
        return record

    def _validate(self, ts: TableSpec, record: Mapping[str, Any], row: int | None) -> None:
        problems: list[Problem] = []
        if ts.community_column:
            community = record.get(ts.community_column)
            unit = self.tree.units.get(community) if community else None
            if unit is None or unit.level != "community":
                problems.append(Problem("社区", "未选择社区或社区不存在", row))
            elif self.tree.office_of(community) != record.get("office"):
                problems.append(Problem("社区", f"{unit.name} 不属于所填办事处", row))
        if ts.validate:
            for p in ts.validate(record):
                problems.append(Problem(p.field, p.message, row if row is not None else p.row))
        if problems:
            raise ValidationError(problems)

    def _check_scope(
        self, ts: TableSpec, record: Mapping[str, Any], row: int | None = None
    ) -> None:
        if self.user.role not in WRITE_ROLES:
            raise AccessDenied("当前用户没有录入权限。")
        community = record.get(ts.community_column) if ts.community_column else None
        if not self.user.scope.allows(record.get("office"), community):
            where = self.tree.label(community) if community else record.get("office")
            prefix = f"第 {row} 行：" if row else ""
            raise AccessDenied(f"{prefix}{where} 不在您的管辖范围内，不能修改其记录。")

    def _locks(self, ts: TableSpec) -> list[tuple[str, str, str, str]]:
        if ts.programme is None or ts.date_column is None:
            return []
        return [
            tuple(r)  # type: ignore[misc]
            for r in self.db.execute(
                "SELECT office, period_start, period_end, period_key FROM submissions"
                f" WHERE programme = ? AND deleted = 0 AND status IN {LOCKING_STATUSES}",
                [ts.programme],
            )
        ]

    def _check_lock(
        self,
        ts: TableSpec,
        locks: list[tuple[str, str, str, str]],
        record: Mapping[str, Any],
        row: int | None,
    ) -> None:
        if not locks or ts.date_column is None:
            return
        day = str(record.get(ts.date_column) or "")[:10]
        for office, start, end, key in locks:
            if office == record.get("office") and start <= day <= end:
                prefix = f"第 {row} 行：" if row else ""
                raise PeriodLocked(
                    f"{prefix}{key} 已报送锁定，不能再修改其中的{ts.label}记录（日期 {day}）。"
                    "如需更正，请由区管理员退回该期。"
                )

    # -- helpers ----------------------------------------------------------------------------

    def _fetch(self, conn: sqlite3.Connection, table: str, record_id: str) -> dict[str, Any]:
        cur = conn.execute(f"SELECT * FROM {table} WHERE id = ?", [record_id])
        row = cur.fetchone()
        if row is None:
            raise KeyError(f"{table} has no record {record_id}")
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    def _flush(
        self,
        conn: sqlite3.Connection,
        ts: TableSpec,
        columns: list[str],
        pending: list[dict[str, Any]],
        ids: list[str],
        stamp: str,
        numbers: list[int | None] | None = None,
    ) -> int:
        if not pending:
            return 0
        self._check_db(conn, ts, list(zip(numbers or [None] * len(pending), pending, strict=True)))
        placeholders = ",".join("?" * len(columns))
        conn.executemany(
            f"INSERT INTO {ts.name} ({','.join(columns)}) VALUES ({placeholders})",
            [tuple(r[c] for c in columns) for r in pending],
        )
        audit.append(
            conn,
            [
                audit.Entry(
                    stamp,
                    self.user.name,
                    "insert",
                    ts.name,
                    r["id"],
                    r["office"],
                    None,
                    {k: v for k, v in r.items() if k not in SYNC_FIELDS or k == "id"},
                )
                for r in pending
            ],
        )
        ids.extend(r["id"] for r in pending)
        count = len(pending)
        pending.clear()
        if numbers is not None:
            numbers.clear()
        return count

    def _check_db(
        self,
        conn: sqlite3.Connection,
        ts: TableSpec,
        rows: list[tuple[int | None, dict[str, Any]]],
    ) -> None:
        """The table's rules across records (``TableSpec.check_db``), inside the transaction."""
        if ts.check_db is None or not rows:
            return
        problems = ts.check_db(conn, rows)
        if problems:
            raise ValidationError(problems)
