"""The append-only, hash-chained audit log.

Every row carries the SHA-256 of the previous row, so a changed row breaks its own hash and a removed
row breaks the chain (``seq`` is consecutive). The head (last ``seq`` and hash) is also kept in the
settings table, so that cutting rows off the end is noticed too. Triggers refuse UPDATE and DELETE.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

GENESIS = "0" * 64
HEAD_KEY = "audit_head"


def now_iso() -> str:
    """The timestamp format of audit rows and ``updated_at``: local time with offset, in ms."""
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Entry:
    at: str
    user: str
    action: str  # insert / update / delete / reveal / export / login / user / org / lock …
    table_name: str | None = None
    record_id: str | None = None
    office: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


# One encoder each, built once: json.dumps with options builds a new encoder per call, which
# showed up when a bulk import audits a million rows.
_RECORD = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_FIELDS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dump(value: dict[str, Any] | None) -> str | None:
    return None if value is None else _RECORD.encode(value)


def _digest(fields: Sequence[Any]) -> str:
    return hashlib.sha256(_FIELDS.encode(list(fields)).encode("utf-8")).hexdigest()


def append(conn: sqlite3.Connection, entries: Sequence[Entry]) -> None:
    """Append entries inside the caller's transaction."""
    if not entries:
        return
    if not conn.in_transaction:
        raise RuntimeError("audit.append must run inside the write transaction")
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    rows = []
    for e in entries:
        seq += 1
        before, after = _dump(e.before), _dump(e.after)
        fields = (
            seq,
            e.at,
            e.user,
            e.action,
            e.table_name,
            e.record_id,
            e.office,
            before,
            after,
            prev,
        )
        digest = _digest(fields)
        rows.append((*fields, digest))
        prev = digest
    conn.executemany(
        "INSERT INTO audit(seq, at, user, action, table_name, record_id, office, before, after,"
        " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    conn.execute(
        "INSERT INTO settings(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [HEAD_KEY, json.dumps({"seq": seq, "hash": prev})],
    )


def verify(db: sqlite_utils.Database) -> list[str]:
    """Walk the whole chain; return a list of problems in Chinese (empty when intact)."""
    problems: list[str] = []
    expected_seq, prev = 1, GENESIS
    cur = db.execute(
        "SELECT seq, at, user, action, table_name, record_id, office, before, after, prev_hash, hash"
        " FROM audit ORDER BY seq"
    )
    for row in cur:
        seq = row[0]
        if seq != expected_seq:
            problems.append(f"审计日志缺少第 {expected_seq}–{seq - 1} 条记录（可能被删除）")
        if row[9] != prev:
            problems.append(f"审计日志第 {seq} 条与前一条不衔接（前一条被改动或删除）")
        if _digest(row[:10]) != row[10]:
            problems.append(f"审计日志第 {seq} 条内容与其校验值不符（已被改动）")
        prev, expected_seq = row[10], seq + 1
    head_row = db.execute("SELECT value FROM settings WHERE key = ?", [HEAD_KEY]).fetchone()
    if head_row is not None:
        head = json.loads(head_row[0])
        if head["seq"] != expected_seq - 1 or head["hash"] != prev:
            problems.append(
                f"审计日志末尾与记录的链头不符（应到第 {head['seq']} 条，实际到第 {expected_seq - 1} 条）"
            )
    elif expected_seq > 1:
        problems.append("审计日志链头丢失")
    return problems
