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
from operator import itemgetter
from typing import Any

import sqlite_utils

from desktop.domain.errors import Problem, ValidationError
from desktop.domain.uuid7 import uuid7
from desktop.store import audit
from desktop.store.audit import now_iso
from desktop.store.db import transaction
from desktop.store.errors import AccessDenied, Cancelled, PeriodLocked
from desktop.store.orgs import OrgTree
from desktop.store.package_deadline import deadline_locks
from desktop.store.tables import TableSpec, spec
from desktop.store.users import User

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]

SYNC_FIELDS = ("id", "office", "rev", "updated_at", "updated_by", "deleted")
LOCKING_STATUSES = ("submitted", "approved")
WRITE_ROLES = ("clerk", "reviewer", "admin")
BULK_ROWS = 5000  # from this many records (or an unknown number) a write counts as bulk
BULK_CACHE_KIB = 64 * 1024  # page cache of a bulk write


class WriteDoor:
    def __init__(self, db: sqlite_utils.Database, user: User):
        self.db = db
        self.user = user
        self.tree = OrgTree.load(db)
        self._columns: dict[str, list[str]] = {}
        self._plans: dict[str, _Plan] = {}

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
        """Insert new records; all or nothing. Returns their ids in order.

        Every record is checked as :meth:`insert` checks one (columns, office, the table's rules,
        scope, period lock; ``check_db`` per batch of ``batch`` records, with row numbers), and
        gets its own audit row. The bulk path only does less work per record: what depends on
        the table, the user, a community or an office is worked out once per call."""
        ts = spec(table)
        plan = self._plan(ts)
        ids: list[str] = []
        locks = self._locks(ts)
        stamp = now_iso()
        checks = _Checks(self, ts)
        with _bulk_cache(self.db.conn, total), transaction(self.db) as conn:
            pending: list[dict[str, Any]] = []
            numbers: list[int | None] = []  # row numbers of ``pending``, for check_db
            done = 0
            for index, values in enumerate(rows, start=1):
                row = index if total != 1 else None
                record = self._prepare(plan, checks, values, stamp, row)
                if locks:
                    self._check_lock(ts, locks, record, row)
                pending.append(record)
                numbers.append(row)
                if len(pending) >= batch:
                    done += self._flush(conn, plan, pending, ids, stamp, numbers)
                    if progress:
                        progress(done, total or done, f"已写入 {done} 条")
                    if cancel and cancel():
                        raise Cancelled("已取消，数据库未作改动。")
            done += self._flush(conn, plan, pending, ids, stamp, numbers)
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

    def _plan(self, ts: TableSpec) -> _Plan:
        plan = self._plans.get(ts.name)
        if plan is None:
            columns = self.columns(ts.name)
            plan = self._plans[ts.name] = _Plan(ts, columns)
        return plan

    def _prepare(
        self,
        plan: _Plan,
        checks: _Checks,
        values: Mapping[str, Any],
        stamp: str,
        row: int | None,
    ) -> dict[str, Any]:
        """The new record for ``values``: every column, office, id and sync fields; validated
        and in the user's scope (else ValidationError / AccessDenied naming the row)."""
        ts = plan.spec
        if not plan.column_set.issuperset(values):
            unknown = set(values) - plan.column_set
            raise ValueError(f"unknown columns for {ts.name}: {sorted(unknown)}")
        record = plan.blank.copy()
        record.update(values)
        community = record[ts.community_column] if ts.community_column else None
        if not record["office"]:
            record["office"] = self.tree.office_of(community) if community else self.user.office
            if not record["office"]:
                raise ValidationError([Problem("办事处", "记录未指明所属办事处", row)])
        if not record["id"]:
            record["id"] = uuid7()
        record["rev"] = 1
        record["updated_at"] = stamp
        record["updated_by"] = self.user.name
        record["deleted"] = 0
        checks.run(record, community, row)
        return record

    def _validate(self, ts: TableSpec, record: Mapping[str, Any], row: int | None) -> None:
        found = (
            self._community_problem(record.get(ts.community_column), record.get("office"))
            if ts.community_column
            else None
        )
        _refuse_invalid(ts, record, row, found)

    def _community_problem(self, community: Any, office: Any) -> str | None:
        """What is wrong with the record's community for its office (None: nothing)."""
        unit = self.tree.units.get(community) if community else None
        if unit is None or unit.level != "community":
            return "未选择社区或社区不存在"
        if self.tree.office_of(community) != office:
            return f"{unit.name} 不属于所填办事处"
        return None

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
        locks = [
            tuple(r)  # type: ignore[misc]
            for r in self.db.execute(
                "SELECT office, period_start, period_end, period_key FROM submissions"
                f" WHERE programme = ? AND deleted = 0 AND status IN {LOCKING_STATUSES}",
                [ts.programme],
            )
        ]
        if self.user.office is not None:  # the entry deadline binds the offices, not the district
            locks += deadline_locks(self.db)
        return locks

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
        plan: _Plan,
        pending: list[dict[str, Any]],
        ids: list[str],
        stamp: str,
        numbers: list[int | None],
    ) -> int:
        if not pending:
            return 0
        self._check_db(conn, plan.spec, list(zip(numbers, pending, strict=True)))
        conn.executemany(plan.insert_sql, map(plan.values_of, pending))
        after = plan.audit_text
        audit.append_inserts(
            conn,
            stamp,
            self.user.name,
            plan.spec.name,
            [(r["id"], r["office"], after(r)) for r in pending],
        )
        ids.extend([r["id"] for r in pending])
        count = len(pending)
        pending.clear()
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


def _refuse_invalid(
    ts: TableSpec, record: Mapping[str, Any], row: int | None, community_problem: str | None
) -> None:
    """Raise ValidationError with the community's problem and the table's rules' problems."""
    problems = [Problem("社区", community_problem, row)] if community_problem else []
    if ts.validate:
        for p in ts.validate(record):
            problems.append(Problem(p.field, p.message, row if row is not None else p.row))
    if problems:
        raise ValidationError(problems)


class _Plan:
    """What the bulk path needs to know about a table, worked out once per door and table."""

    def __init__(self, ts: TableSpec, columns: list[str]):
        self.spec = ts
        self.column_set = frozenset(columns)
        self.blank: dict[str, Any] = dict.fromkeys(columns)
        self.values_of = itemgetter(*columns)  # record -> the INSERT's parameters, in one C call
        self.insert_sql = (
            f"INSERT INTO {ts.name} ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})"
        )
        # the audit's "after" of an insert: every column but the sync fields, the id kept
        self.audit_text = audit.record_dumper(
            c for c in columns if c not in SYNC_FIELDS or c == "id"
        )


class _Checks:
    """The row checks of one insert_many call — the table's rules for every record; the
    community, office and scope judged once per (community, office) seen."""

    def __init__(self, door: WriteDoor, ts: TableSpec):
        self.door = door
        self.ts = ts
        self.seen: dict[tuple[Any, Any], str | None] = {}  # (community, office) -> problem

    def run(self, record: dict[str, Any], community: Any, row: int | None) -> None:
        ts, door = self.ts, self.door
        key = (community, record["office"])
        try:
            found = self.seen[key]
        except KeyError:
            found = self.seen[key] = (
                door._community_problem(community, key[1]) if ts.community_column else None
            )
            fresh = True
        else:
            fresh = False
        _refuse_invalid(ts, record, row, found)
        if fresh:  # the scope depends only on the user, the office and the community
            door._check_scope(ts, record, row)


@contextmanager
def _bulk_cache(conn: sqlite3.Connection, total: int | None) -> Iterator[None]:
    """A larger page cache while a bulk write runs: index pages stay in memory instead of being
    spilled to the WAL and read back; the connection's own size is restored afterwards."""
    if total is not None and total < BULK_ROWS:
        yield
        return
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    if before < 0 and -before >= BULK_CACHE_KIB:  # already as large (a nested bulk write)
        yield
        return
    conn.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {before}")
