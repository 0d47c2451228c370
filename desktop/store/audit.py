"""The append-only, hash-chained audit log.

Every row carries the SHA-256 of the previous row, so a changed row breaks its own hash and a removed
row breaks the chain (``seq`` is consecutive). The head (last ``seq`` and hash) is also kept in the
settings table, so that cutting rows off the end is noticed too. Triggers refuse UPDATE and DELETE.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
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
_RECORD_TEXT = json.encoder.encode_basestring  # how both encoders write a str (no ASCII escaping)
# The same text as ``_RECORD`` for a dict whose keys are already in sorted order, without building
# an encoder per call (JSONEncoder.encode does) and without sorting (the bulk path sorts once).
_c_encoder = getattr(json.encoder, "c_make_encoder", None)
_PRESORTED = (
    None
    if _c_encoder is None
    else _c_encoder(None, _RECORD.default, _RECORD_TEXT, None, ":", ",", False, False, True)
)

INSERT = (
    "INSERT INTO audit(seq, at, user, action, table_name, record_id, office, before, after,"
    " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)


def _dump(value: dict[str, Any] | None) -> str | None:
    return None if value is None else _RECORD.encode(value)


def _digest(fields: Sequence[Any]) -> str:
    """The chain's definition: SHA-256 of the row's first ten fields as a compact JSON list."""
    return hashlib.sha256(_FIELDS.encode(list(fields)).encode("utf-8")).hexdigest()


def record_dumper(keys: Iterable[str]) -> Callable[[Mapping[str, Any]], str]:
    """A function giving the audit text of ``{k: record[k] for k in keys}`` — the same text as
    :class:`Entry` gets for that dict — sorting the keys once instead of once per record."""
    order = tuple(sorted(keys))
    if _PRESORTED is None or len(order) < 2:  # pure-Python json, or itemgetter not giving a tuple
        return lambda record: _RECORD.encode({k: record[k] for k in order})
    pick = itemgetter(*order)
    encode = _PRESORTED
    return lambda record: "".join(encode(dict(zip(order, pick(record), strict=True)), 0))


def _head(conn: sqlite3.Connection) -> tuple[int, str]:
    if not conn.in_transaction:
        raise RuntimeError("audit.append must run inside the write transaction")
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (last[0], last[1]) if last else (0, GENESIS)


def _set_head(conn: sqlite3.Connection, seq: int, digest: str) -> None:
    conn.execute(
        "INSERT INTO settings(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [HEAD_KEY, json.dumps({"seq": seq, "hash": digest})],
    )


def append(conn: sqlite3.Connection, entries: Sequence[Entry]) -> None:
    """Append entries inside the caller's transaction."""
    if not entries:
        return
    seq, prev = _head(conn)
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
    conn.executemany(INSERT, rows)
    _set_head(conn, seq, prev)


def append_inserts(
    conn: sqlite3.Connection,
    at: str,
    user: str,
    table: str,
    records: Iterable[tuple[str, str, str]],
) -> None:
    """Append one ``insert`` entry per (record id, office, after text) — the write door's bulk
    path, inside the caller's transaction. The rows and hashes are exactly those :func:`append`
    writes for ``Entry(at, user, "insert", table, record_id, office, None, after)`` with ``after``
    made by :func:`record_dumper`; only the work per row is less (the fields that are the same
    for every row are encoded once, the hash input is assembled as text)."""
    seq, prev = _head(conn)
    start = seq
    # Everything before the record id, after "[seq," — the same for the whole batch.
    common = ",".join(_FIELDS.encode(v) for v in (at, user, "insert", table))
    offices: dict[str, str] = {}
    sha256 = hashlib.sha256
    rows = []
    for record_id, office, after in records:
        seq += 1
        office_text = offices.get(office)
        if office_text is None:
            office_text = offices[office] = _FIELDS.encode(office)
        rid = _RECORD_TEXT(record_id) if type(record_id) is str else _FIELDS.encode(record_id)
        text = f'[{seq},{common},{rid},{office_text},null,{_RECORD_TEXT(after)},"{prev}"]'
        digest = sha256(text.encode()).hexdigest()
        rows.append((seq, at, user, "insert", table, record_id, office, None, after, prev, digest))
        prev = digest
    if seq == start:
        return
    conn.executemany(INSERT, rows)
    _set_head(conn, seq, prev)


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
