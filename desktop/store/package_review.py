"""What a person settles after packages were merged: conflicts (both sides changed a record),
records held back by a unique index, and the cross-office checks.

- A conflict keeps the local version live and both versions in ``package_conflicts``; resolving
  it writes the chosen (or edited) version with a rev above both, so that it wins at the other
  side too, and audits the choice.
- A held record collided with another record (the same ID number on two offices' registers …);
  it is listed with that record. The district settles the pair (corrects or deletes one) and then
  releases the held record (written as it came) or dismisses it.
- The cross-office checks list pairs of live records that contradict each other across offices:
  the same person paid twice for the same programme and period, the same student exempted at two
  schools in one semester, the same woman on two rosters at once.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from desktop.domain.errors import ValidationError
from desktop.store import audit
from desktop.store.audit import now_iso
from desktop.store.db import transaction
from desktop.store.errors import AccessDenied, StorageError
from desktop.store.packages import SYNC, dump_record, explain_collision, table_label
from desktop.store.tables import REGISTRY
from desktop.store.users import User


@dataclass(frozen=True)
class Conflict:
    seq: int
    table: str
    record_id: str
    origin: str
    ours: dict[str, Any]
    theirs: dict[str, Any]
    found_at: str

    @property
    def label(self) -> str:
        return table_label(self.table)

    def differing(self) -> list[str]:
        """The fields whose values differ (the sync fields last)."""
        names = [k for k in self.ours if k not in SYNC] + [k for k in SYNC if k in self.ours]
        return [k for k in names if self.ours.get(k) != self.theirs.get(k)]


def _conflict(row: tuple) -> Conflict:
    return Conflict(row[0], row[1], row[2], row[3], json.loads(row[4]), json.loads(row[5]), row[6])


def open_conflicts(db: sqlite_utils.Database, office: str | None = None) -> list[Conflict]:
    sql = (
        "SELECT seq, table_name, record_id, origin, ours, theirs, found_at FROM package_conflicts"
        " WHERE status = 'open'"
    )
    params: list[Any] = []
    if office:
        sql += " AND origin = ?"
        params.append(office)
    return [_conflict(r) for r in db.execute(sql + " ORDER BY seq", params)]


def conflict(db: sqlite_utils.Database, seq: int) -> Conflict:
    row = db.execute(
        "SELECT seq, table_name, record_id, origin, ours, theirs, found_at FROM package_conflicts"
        " WHERE seq = ?",
        [seq],
    ).fetchone()
    if row is None:
        raise StorageError(f"没有编号为 {seq} 的冲突。")
    return _conflict(row)


def _may_settle(user: User, office: str) -> None:
    if user.role == "clerk" or not user.scope.allows(office):
        raise AccessDenied("只有管辖该办事处的审核员或区管理员可以处理报送包冲突。")


def resolve_conflict(
    db: sqlite_utils.Database,
    user: User,
    seq: int,
    choice: str,
    edited: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Settle a conflict: ``ours``, ``theirs``, or ``edited`` (ours with the ``edited`` fields).

    The result gets rev = max(both) + 1 so that it supersedes both versions everywhere; the
    other side's version counts as exchanged. Audited (``conflict_resolve``, before → after)."""
    c = conflict(db, seq)
    _may_settle(user, c.ours["office"])
    if choice not in ("ours", "theirs", "edited"):
        raise ValueError(choice)
    base = c.theirs if choice == "theirs" else c.ours
    changes = {k: v for k, v in (edited or {}).items() if k not in SYNC}
    chosen = {**base, **changes}
    spec = REGISTRY.get(c.table)
    if spec and spec.validate:
        problems = spec.validate(chosen)
        if problems:
            raise ValidationError(problems)
    with transaction(db) as conn:
        status = conn.execute("SELECT status FROM package_conflicts WHERE seq = ?", [seq])
        if status.fetchone()[0] != "open":
            raise StorageError("此冲突已经处理过了。")
        cur = conn.execute(f"SELECT * FROM {c.table} WHERE id = ?", [c.record_id])
        names = [d[0] for d in cur.description]
        live = dict(zip(names, cur.fetchone(), strict=True))
        stamp = now_iso()
        rev = max(int(live["rev"]), int(c.theirs["rev"])) + 1
        chosen.update(rev=rev, updated_at=stamp, updated_by=user.name, id=c.record_id)
        chosen = {k: chosen.get(k) for k in names}
        sets = ", ".join(f"{k} = :{k}" for k in names if k != "id")
        conn.execute(f"UPDATE {c.table} SET {sets} WHERE id = :id", chosen)
        conn.execute(
            "INSERT INTO sync_state(table_name, record_id, peer, rev) VALUES (?,?,?,?)"
            " ON CONFLICT DO UPDATE SET rev = max(rev, excluded.rev)",
            [c.table, c.record_id, c.origin, int(c.theirs["rev"])],
        )
        conn.execute(
            "UPDATE package_conflicts SET status = 'resolved', resolved_at = ?, resolved_by = ?,"
            " choice = ? WHERE seq = ?",
            [stamp, user.name, json.dumps({"choice": choice, **changes}, ensure_ascii=False), seq],
        )
        before = {k: live[k] for k in names if live[k] != chosen[k]}
        after = {k: chosen[k] for k in before}
        audit.append(
            conn,
            [
                audit.Entry(
                    stamp,
                    user.name,
                    "conflict_resolve",
                    c.table,
                    c.record_id,
                    live["office"],
                    before,
                    {**after, "choice": choice},
                )
            ],
        )
    return chosen


# -- held records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    seq: int
    table: str
    record_id: str
    origin: str
    record: dict[str, Any]
    reason: str
    other: dict[str, Any] | None


def held_records(db: sqlite_utils.Database) -> list[Held]:
    out = []
    for seq, table, rid, origin, record, reason, other_id in db.execute(
        "SELECT seq, table_name, record_id, origin, record, reason, other_id FROM package_held"
        " WHERE status = 'open' ORDER BY seq"
    ):
        other = None
        if other_id:
            cur = db.execute(f"SELECT * FROM {table} WHERE id = ?", [other_id])
            row = cur.fetchone()
            if row:
                other = dict(zip([d[0] for d in cur.description], row, strict=True))
        out.append(Held(seq, table, rid, origin, json.loads(record), reason, other))
    return out


def settle_held(db: sqlite_utils.Database, user: User, seq: int, release: bool) -> None:
    """Release a held record (write it as it came; refused while it still collides) or dismiss
    it. Audited."""
    row = db.execute(
        "SELECT table_name, record, origin, status FROM package_held WHERE seq = ?", [seq]
    ).fetchone()
    if row is None or row[3] != "open":
        raise StorageError("此暂缓记录不存在或已处理。")
    table, record, origin = row[0], json.loads(row[1]), row[2]
    _may_settle(user, record["office"])
    stamp = now_iso()
    with transaction(db) as conn:
        if release:
            cols = list(record)
            try:
                conn.execute("SAVEPOINT release_held")
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                    [record[c] for c in cols],
                )
                conn.execute("RELEASE release_held")
            except sqlite3.IntegrityError as exc:
                conn.execute("ROLLBACK TO release_held")
                conn.execute("RELEASE release_held")
                reason, _other = explain_collision(conn, table, record, str(exc))
                raise StorageError(f"仍不能写入：{reason}。请先处理与之重复的记录。") from exc
            conn.execute(
                "INSERT INTO sync_state(table_name, record_id, peer, rev) VALUES (?,?,?,?)"
                " ON CONFLICT DO UPDATE SET rev = max(rev, excluded.rev)",
                [table, record["id"], origin, int(record["rev"])],
            )
        conn.execute(
            "UPDATE package_held SET status = ?, resolved_at = ?, resolved_by = ? WHERE seq = ?",
            ["released" if release else "dismissed", stamp, user.name, seq],
        )
        audit.append(
            conn,
            [
                audit.Entry(
                    stamp,
                    user.name,
                    "held_release" if release else "held_dismiss",
                    table,
                    record["id"],
                    record["office"],
                    None,
                    {"record": dump_record(record)} if release else None,
                )
            ],
        )


# -- cross-office checks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    kind: str  # held / double_payment / two_schools / two_rosters
    title: str  # Chinese, one line
    table: str
    a: dict[str, Any]
    b: dict[str, Any] | None
    held_seq: int | None = None


ISSUE_KINDS = {
    "held": "重复记录暂缓",
    "double_payment": "同一人同一项目同期重复发放",
    "two_schools": "同一学生同一学期在两校资助",
    "two_rosters": "同一妇女在两个办事处名册",
}


def _pairs(db: sqlite_utils.Database, sql: str, table: str) -> list[tuple[dict, dict]]:
    cur = db.execute(sql)
    names = [d[0] for d in cur.description]
    half = len(names) // 2
    out = []
    for row in cur:
        a = dict(zip(names[:half], row[:half], strict=True))
        b = dict(zip((n[2:] for n in names[half:]), row[half:], strict=True))
        out.append((a, b))
    return out


def cross_office_issues(db: sqlite_utils.Database) -> list[Issue]:
    """Every cross-office problem, each with both records."""
    issues = [
        Issue("held", f"{table_label(h.table)}：{h.reason}", h.table, h.record, h.other, h.seq)
        for h in held_records(db)
    ]
    names = set(db.table_names())
    offices = dict(db.execute("SELECT code, name FROM org_units WHERE level = 'office'").fetchall())
    if {"payments", "persons"} <= names:
        cols = (
            "id",
            "office",
            "person_id",
            "programme_id",
            "covered_start",
            "covered_end",
            "amount_fen",
            "pay_date",
        )
        programme = "(SELECT name FROM subsidy_programmes WHERE id = {}.programme_id)"
        a_cols = ", ".join(
            [
                *(f"p.{c}" for c in cols),
                "n.name",
                "n.id_number",
                f"{programme.format('p')} AS programme",
            ]
        )
        b_cols = ", ".join(
            [*(f"q.{c} AS b_{c}" for c in cols), "m.name AS b_name", "m.id_number AS b_id_number"]
            + [f"{programme.format('q')} AS b_programme"]
        )
        for a, b in _pairs(
            db,
            f"SELECT {a_cols}, {b_cols} FROM payments p JOIN persons n ON n.id = p.person_id"
            " JOIN persons m ON m.id_number = n.id_number AND n.id_number IS NOT NULL"
            " JOIN payments q ON q.person_id = m.id AND q.programme_id = p.programme_id"
            " AND q.covered_start <= p.covered_end AND p.covered_start <= q.covered_end"
            " AND q.office != p.office AND q.deleted = 0"
            " WHERE p.deleted = 0 AND p.office < q.office",
            "payments",
        ):
            title = (
                f"{a['name']}：{ISSUE_KINDS['double_payment']}"
                f"（{offices.get(a['office'], a['office'])} 与 {offices.get(b['office'], b['office'])}）"
            )
            issues.append(Issue("double_payment", title, "payments", a, b))
    if "exemptions" in names:
        fields = ("id", "office", "student_no", "school_id", "semester", "item", "amount_fen")
        school = "(SELECT name FROM schools WHERE id = {}.school_id)"
        ex = ", ".join([*(f"e.{c}" for c in fields), f"{school.format('e')} AS school"])
        ex2 = ", ".join([*(f"f.{c} AS b_{c}" for c in fields), f"{school.format('f')} AS b_school"])
        for a, b in _pairs(
            db,
            f"SELECT {ex}, {ex2} FROM exemptions e JOIN exemptions f"
            " ON f.student_no = e.student_no AND f.semester = e.semester"
            " AND f.school_id != e.school_id AND f.deleted = 0"
            " WHERE e.deleted = 0 AND e.school_id < f.school_id",
            "exemptions",
        ):
            issues.append(
                Issue(
                    "two_schools",
                    f"学籍号 {a['student_no']} {a['semester']}：{ISSUE_KINDS['two_schools']}",
                    "exemptions",
                    a,
                    b,
                )
            )
    if {"women", "persons"} <= names:
        wo = "w.id, w.office, w.person_id, n.name, n.id_number, w.community_id, w.entered_on"
        wo2 = ", ".join(
            f"{c.replace('w.', 'v.').replace('n.', 'm.')} AS b_{c[2:]}" for c in wo.split(", ")
        )
        for a, b in _pairs(
            db,
            f"SELECT {wo}, {wo2} FROM women w JOIN persons n ON n.id = w.person_id"
            " JOIN persons m ON m.id_number = n.id_number AND m.id != n.id"
            " JOIN women v ON v.person_id = m.id AND v.deleted = 0 AND v.exit_date IS NULL"
            " WHERE w.deleted = 0 AND w.exit_date IS NULL AND n.id_number IS NOT NULL"
            " AND w.office < v.office",
            "women",
        ):
            issues.append(
                Issue(
                    "two_rosters",
                    f"{a['name']}：{ISSUE_KINDS['two_rosters']}"
                    f"（{offices.get(a['office'], a['office'])} 与 {offices.get(b['office'], b['office'])}）",
                    "women",
                    a,
                    b,
                )
            )
    return issues
