"""Office packages: the offline exchange between the offices and the district.

A package is one zip file:

- ``manifest.json``: format and schema version, package id, origin and destination, period,
  time and user, per table the columns and the count of records, the SHA-256 of every other
  member (and, for the audit rows, which the receiver keeps compressed as they came, of their
  deflate stream too: ``deflated``), and the submission statuses it carries;
- ``manifest.sig``: the origin's Ed25519 signature of ``manifest.json`` (``package_keys``);
- ``tables/<table>.jsonl``: the records, one JSON object a line, each with ``__base__``, the rev
  of that record the sender last exchanged with the destination (None: never);
- ``audit.jsonl``: the sender's audit rows since its previous package to the same destination.

The same code serves both directions: an office sends its own records (and its submissions) to
the district; the district sends an office back that office's records it changed (approvals,
returns with comments, conflict resolutions) and the district-wide records (standards).

**Every synced table is exchanged** — any table with the columns of ``migrations.SYNC_COLUMNS`` —
in the order of their foreign keys, so a table added by a later migration needs no change here.

**Merge rule** (per record, incoming version I, local version L, ``S`` = the rev last exchanged
with that peer, kept in ``sync_state``): a new record is inserted; the same content is unchanged; a
version no newer than S is stale (unchanged); if L was not changed here since the last exchange
(L.rev ≤ S) I is applied; if I was not changed at the sender since then (I.rev ≤ its base) ours is
kept; otherwise both sides changed it — a **conflict**: L stays, both versions are kept in
``package_conflicts`` (the incoming one with the highest rev), and a person chooses. Each outcome
depends only on the set of versions seen, never on their order, and importing a package twice
changes nothing.

**Unique indexes across offices** (the same ID number on two offices' registers, the same student
exempted twice): the incoming record is not written but *held* in ``package_held`` with the record
it collides with, and so are records that refer to it; the import goes on, and the cross-office
checks (``package_review``) list both records for the district. Which of two colliding records is
held depends on which arrived first; the records (live and held) do not.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import queue
import re
import sqlite3
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from desktop.domain.choices import PROGRAMMES, SUBMISSION_STATUS
from desktop.domain.periods import Period
from desktop.domain.uuid7 import uuid7
from desktop.store import audit
from desktop.store import package_deadline as deadline
from desktop.store.audit import now_iso
from desktop.store.db import get_setting, schema_version, set_setting, transaction
from desktop.store.errors import AccessDenied, Cancelled, StorageError
from desktop.store.package_keys import (
    DISTRICT,
    PackageRefused,
    ensure_district_key,
    identity,
    sign,
    verify,
)
from desktop.store.tables import REGISTRY
from desktop.store.users import User

__all__ = [
    "DISTRICT",
    "ExportResult",
    "Package",
    "PackageRefused",
    "Receipt",
    "TableReceipt",
    "export_package",
    "import_package",
    "open_package",
    "synced_tables",
]

FORMAT = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
AUDIT_MEMBER = "audit.jsonl"
BASE = "__base__"
SYNC = ("id", "office", "rev", "updated_at", "updated_by", "deleted")
AUDIT_COLUMNS = (
    "seq",
    "at",
    "user",
    "action",
    "table_name",
    "record_id",
    "office",
    "before",
    "after",
    "prev_hash",
    "hash",
)
BATCH = 5000

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]

_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_STABLE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def dump_record(record: dict[str, Any]) -> str:
    return _STABLE.encode(record)


# -- tables -------------------------------------------------------------------------------------


def synced_tables(db: sqlite_utils.Database | sqlite3.Connection) -> list[str]:
    """Every table holding synced records, parents before the tables that refer to them."""
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    synced = [
        n for n in names if set(SYNC) <= {r[1] for r in conn.execute(f"PRAGMA table_info({n})")}
    ]
    parents = {
        n: {r[2] for r in conn.execute(f"PRAGMA foreign_key_list({n})")} & set(synced) - {n}
        for n in synced
    }
    ordered: list[str] = []
    while len(ordered) < len(synced):
        ready = [n for n in synced if n not in ordered and parents[n] <= set(ordered)]
        if not ready:  # a cycle of references: keep the rest in name order
            ready = [n for n in synced if n not in ordered]
        ordered.extend(ready)
    return ordered


def table_label(name: str) -> str:
    spec = REGISTRY.get(name)
    return spec.label if spec else _DISTRICT_LABELS.get(name, name)


_DISTRICT_LABELS = {
    "aid_standards": "资助标准",
    "subsidy_programmes": "帮扶项目",
    "subsidy_standards": "帮扶标准",
}


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


# -- export -------------------------------------------------------------------------------------


@dataclass
class ExportResult:
    path: Path
    package_id: str
    origin: str
    destination: str
    counts: dict[str, int]
    audit_rows: int
    manifest: dict[str, Any]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def text(self) -> str:
        lines = [f"已导出报送包 {self.path.name}（{self.origin} → {self.destination}）："]
        for table, n in self.counts.items():
            if n:
                lines.append(f"  {table_label(table)}：{n} 条")
        lines.append(f"  合计 {self.total} 条记录，审计日志 {self.audit_rows} 条。")
        return "\n".join(lines)


def _peer_offices(db: sqlite_utils.Database, user: User, to: str | None) -> tuple[str, str, tuple]:
    """(origin, destination, offices whose records go) for this installation and user."""
    origin = identity(db)
    if origin == DISTRICT:
        if user.office is not None or not user.is_admin:
            raise AccessDenied("只有区管理员可以导出给办事处的报送包。")
        if not to:
            raise StorageError("请指明接收的办事处（办事处代码）。")
        ensure_district_key(db, user)  # the district's own key pair, made on first use
        known = db.execute(
            "SELECT 1 FROM org_units WHERE level = 'office' AND code = ?", [to]
        ).fetchone()
        if known is None:
            raise StorageError(f"没有代码为 {to} 的办事处。")
        return origin, to, (to, DISTRICT)
    if user.office not in (None, origin) or user.role not in ("reviewer", "admin"):
        raise AccessDenied("只有本办事处的审核员可以导出报送包。")
    if to not in (None, DISTRICT):
        raise StorageError("办事处的报送包只能发给区里。")
    return origin, DISTRICT, (origin,)


def export_package(
    db: sqlite_utils.Database,
    user: User,
    out: str | Path,
    *,
    period: Period | None = None,
    to: str | None = None,
    full: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    """Write a signed package of the records changed since the last package to the same peer
    (``full``: every record, of ``period`` when given), with their audit rows; then remember what
    was sent. The file appears whole or not at all."""
    out = Path(out)
    origin, destination, offices = _peer_offices(db, user, to)
    conn = db.conn
    package_id = uuid7()
    marks = ",".join("?" * len(offices))
    sent: list[tuple[str, str, str, int]] = []
    counts: dict[str, int] = {}
    columns_of: dict[str, list[str]] = {}
    digests: dict[str, str] = {}
    tables = synced_tables(db)
    audit_key = f"package_audit_sent:{destination}"
    last_audit = int(get_setting(db, audit_key, 0) or 0)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".package-", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for n, table in enumerate(tables, start=1):
                columns = _columns(conn, table)
                columns_of[table] = columns
                where = [f"t.office IN ({marks})"]
                params: list[Any] = [table, destination, *offices]
                if not full:
                    where.append("(s.rev IS NULL OR t.rev > s.rev)")
                spec = REGISTRY.get(table)
                if full and period is not None and spec and spec.date_column:
                    where.append(f"substr(t.{spec.date_column}, 1, 10) BETWEEN ? AND ?")
                    params += [period.start.isoformat(), period.end.isoformat()]
                cur = conn.execute(
                    f"SELECT t.*, s.rev FROM {table} t LEFT JOIN sync_state s"
                    " ON s.table_name = ? AND s.record_id = t.id AND s.peer = ?"
                    f" WHERE {' AND '.join(where)} ORDER BY t.id",
                    params,
                )
                member = f"tables/{table}.jsonl"
                digest = hashlib.sha256()
                count = 0
                id_at, rev_at = columns.index("id"), columns.index("rev")
                with zf.open(member, "w") as fh:
                    while rows := cur.fetchmany(BATCH):
                        chunk = []
                        for row in rows:  # the columns in manifest order, then the base rev
                            chunk.append(_LINE.encode(row))
                            sent.append((table, row[id_at], destination, row[rev_at]))
                        data = ("\n".join(chunk) + "\n").encode("utf-8")
                        digest.update(data)
                        fh.write(data)
                        count += len(rows)
                counts[table] = count
                digests[member] = digest.hexdigest()
                if progress:
                    progress(n, len(tables) + 1, f"已导出{table_label(table)} {count} 条")
            audit_rows = _write_audit(conn, zf, origin, destination, last_audit, digests)
            deflated = _stream_digests(zf, tmp, [AUDIT_MEMBER])
            submissions = [
                dict(
                    zip(("office", "programme", "period_key", "status", "comment"), r, strict=True)
                )
                for r in conn.execute(
                    "SELECT office, programme, period_key, status, comment FROM submissions"
                    f" WHERE office IN ({marks}) AND deleted = 0 ORDER BY period_key, programme",
                    list(offices),
                )
            ]
            manifest = {
                "format": FORMAT,
                "schema": schema_version(db),
                "package_id": package_id,
                "origin": origin,
                "destination": destination,
                "period": period.key if period else None,
                "full": full,
                "created_at": now_iso(),
                "created_by": user.name,
                "tables": {t: {"count": counts[t], "columns": columns_of[t]} for t in tables},
                "audit": audit_rows,
                "submissions": submissions,
                "deadline": _deadline_for(db, destination) if origin == DISTRICT else None,
                "members": digests,
                "deflated": deflated,
            }
            manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            zf.writestr(MANIFEST, manifest_bytes)
            zf.writestr(SIGNATURE, sign(db, manifest_bytes).hex())
        file_sha = _file_sha256(tmp)
        with transaction(db) as wconn:
            wconn.executemany(
                "INSERT INTO sync_state(table_name, record_id, peer, rev) VALUES (?,?,?,?)"
                " ON CONFLICT DO UPDATE SET rev = max(rev, excluded.rev)",
                sent,
            )
            if audit_rows["count"]:
                set_setting(wconn, audit_key, audit_rows["last_seq"])
            _log(wconn, manifest, "export", user, out.name, file_sha, None)
            detail = {"package_id": package_id, "to": destination, "records": len(sent)}
            audit.append(
                wconn,
                [
                    audit.Entry(
                        now_iso(), user.name, "package_export", None, None, origin, None, detail
                    )
                ],
            )
            os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if progress:
        progress(len(tables) + 1, len(tables) + 1, "报送包已导出")
    return ExportResult(out, package_id, origin, destination, counts, audit_rows["count"], manifest)


def _deadline_for(db: sqlite_utils.Database, office: str) -> dict[str, Any]:
    """The entry deadline the district sets for ``office`` (applied when it imports)."""
    special = next((e for e in deadline.exceptions(db) if e.office == office), None)
    return {
        "days": deadline.deadline_days(db),
        "exception": None
        if special is None
        else {"days": special.days, "until": special.until, "note": special.note},
    }


def _apply_deadline(conn: sqlite3.Connection, office: str, value: dict[str, Any] | None) -> None:
    if value is None:
        return
    set_setting(conn, deadline.DAYS_KEY, value["days"])
    conn.execute("DELETE FROM entry_deadline_exceptions WHERE office = ?", [office])
    special = value.get("exception")
    if special:
        conn.execute(
            "INSERT INTO entry_deadline_exceptions(office, days, until, note, updated_at,"
            " updated_by) VALUES (?,?,?,?,?,?)",
            [office, special["days"], special["until"], special["note"], now_iso(), DISTRICT],
        )


def _write_audit(
    conn: sqlite3.Connection,
    zf: zipfile.ZipFile,
    origin: str,
    destination: str,
    last: int,
    digests: dict[str, str],
) -> dict[str, Any]:
    """The sender's audit rows since its last package to ``destination`` (at the district: only
    the rows about that office)."""
    cols = ", ".join(AUDIT_COLUMNS)
    if origin == DISTRICT:
        cur = conn.execute(
            f"SELECT {cols} FROM audit WHERE seq > ? AND office = ? ORDER BY seq",
            [last, destination],
        )
    else:
        cur = conn.execute(f"SELECT {cols} FROM audit WHERE seq > ? ORDER BY seq", [last])
    digest = hashlib.sha256()
    count, first, final = 0, None, last
    prev_hash = last_hash = None
    with zf.open(AUDIT_MEMBER, "w") as fh:
        while rows := cur.fetchmany(BATCH):
            data = "".join(_LINE.encode(r) + "\n" for r in rows).encode("utf-8")
            digest.update(data)
            fh.write(data)
            count += len(rows)
            if first is None:
                first, prev_hash = rows[0][0], rows[0][9]
            final, last_hash = rows[-1][0], rows[-1][10]
    digests[AUDIT_MEMBER] = digest.hexdigest()
    return {
        "count": count,
        "first_seq": first,
        "last_seq": final,
        "prev_hash": prev_hash,
        "last_hash": last_hash,
    }


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _log(
    conn: sqlite3.Connection,
    manifest: dict[str, Any],
    direction: str,
    user: User,
    file_name: str,
    file_sha: str,
    receipt: dict[str, Any] | None,
) -> None:
    slim = {k: v for k, v in manifest.items() if k != "members"}
    conn.execute(
        "INSERT INTO package_log(package_id, direction, origin, destination, period_key,"
        " created_at, at, user, file_name, file_sha256, manifest, receipt)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            manifest["package_id"],
            direction,
            manifest["origin"],
            manifest["destination"],
            manifest.get("period"),
            manifest["created_at"],
            now_iso(),
            user.name,
            file_name,
            file_sha,
            json.dumps(slim, ensure_ascii=False),
            None if receipt is None else json.dumps(receipt, ensure_ascii=False),
        ],
    )


# -- reading and verifying ----------------------------------------------------------------------


@dataclass
class Package:
    """A package file whose checksums were verified (its signature is checked on import)."""

    path: Path
    manifest: dict[str, Any]
    manifest_bytes: bytes
    signature: bytes
    file_sha256: str
    read_digests: dict[str, str] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)
    _prefetch: threading.Thread | None = None

    @property
    def origin(self) -> str:
        return str(self.manifest["origin"])

    @property
    def destination(self) -> str:
        return str(self.manifest["destination"])

    @property
    def package_id(self) -> str:
        return str(self.manifest["package_id"])

    def total(self) -> int:
        return sum(int(t["count"]) for t in self.manifest["tables"].values())

    def lines(self, member: str) -> Iterator[list[bytes]]:
        """The member's non-empty lines, a block's worth at a time; its SHA-256 is taken on the
        way (see verify_members).

        A reader thread inflates and hashes the next blocks (zlib and hashlib release the GIL)
        while the caller works on the lines of the previous one."""
        blocks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=4)

        def read() -> None:
            digest = hashlib.sha256()
            try:
                with zipfile.ZipFile(self.path) as zf, zf.open(member) as fh:
                    while block := fh.read(1 << 20):
                        digest.update(block)
                        blocks.put(block)
                self.read_digests[member] = digest.hexdigest()
                blocks.put(None)
            except BaseException as exc:  # handed to the consumer, raised there
                blocks.put(exc)

        reader = threading.Thread(target=read, name=f"package-{member}", daemon=True)
        reader.start()
        rest = b""
        try:
            while (block := blocks.get()) is not None:
                if isinstance(block, BaseException):
                    raise block
                lines = (rest + block).split(b"\n")
                rest = lines.pop()
                yield lines  # blank lines are dropped by the parser (merge_lines)
        finally:
            while reader.is_alive():  # unblock a reader waiting on a full queue, then wait
                with contextlib.suppress(queue.Empty):
                    blocks.get_nowait()
                reader.join(0.01)
        if rest.strip():
            yield [rest]

    def prefetch(self, members: list[str]) -> None:
        """Hash ``members`` on a thread meanwhile (those the merge will not read).

        A member whose deflate stream has its SHA-256 in the manifest (``deflated``: the audit
        rows, kept compressed as received) is checked on that stream, without inflating it —
        the stream decides the content, so it is as good a check and a fraction of the work —
        and the stream is kept (``raw``) for storing. Should the stream differ (a package zipped
        again by some tool), the member's content is checked as usual."""
        streams = self.manifest.get("deflated") or {}

        def work() -> None:
            for member in members:
                if member in streams:
                    with contextlib.suppress(*_UNREADABLE):
                        data = _deflated(self.path, member)
                        if hashlib.sha256(data).hexdigest() == streams[member]:
                            self.raw[member] = data
                            continue
                with contextlib.suppress(PackageRefused):
                    self.read_digests[member] = self._digest(member)

        self._prefetch = threading.Thread(target=work, name="package-digests", daemon=True)
        self._prefetch.start()

    def verify_members(self) -> None:
        """Every member against the manifest's SHA-256 (those read whole already, from the
        digest taken while reading); PackageRefused at the first mismatch."""
        if self._prefetch is not None:
            self._prefetch.join()
        for member, expected in self.manifest["members"].items():
            if member in self.raw:
                continue  # its deflate stream matched the manifest (see prefetch)
            got = self.read_digests.get(member)
            if got is None:
                got = self._digest(member)
            if got != expected:
                raise PackageRefused(
                    f"{self.path.name} 中的 {member} 校验值不符（文件损坏或被改动），"
                    "已拒收，未写入任何数据。"
                )

    def _digest(self, member: str) -> str:
        digest = hashlib.sha256()
        try:
            with zipfile.ZipFile(self.path) as zf, zf.open(member) as fh:
                while block := fh.read(1 << 20):
                    digest.update(block)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            raise PackageRefused(
                f"{self.path.name} 已损坏（{member} 无法读出），已拒收，未写入任何数据。"
            ) from exc
        return digest.hexdigest()


_MEMBER = re.compile(r"^tables/([a-z_][a-z0-9_]*)\.jsonl$")
# what reading a damaged member may raise (a stream that cannot be read is checked the usual way,
# which refuses the package)
_UNREADABLE = (OSError, KeyError, ValueError, EOFError, zlib.error, zipfile.BadZipFile)


def open_package(path: str | Path, *, check_members: bool = True) -> Package:
    """Read a package and check every member against the SHA-256 in its manifest (or, with
    ``check_members=False``, only its list of members: the import checks the checksums while it
    reads, and refuses the package — rolling back — on a mismatch).

    Raises :class:`PackageRefused` for a file that is not a package, is damaged or altered."""
    path = Path(path)
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if MANIFEST not in names or SIGNATURE not in names:
                raise PackageRefused(f"{name} 不是民生台账报送包（缺少清单或签名），已拒收。")
            manifest_bytes = zf.read(MANIFEST)
            signature = bytes.fromhex(zf.read(SIGNATURE).decode("ascii").strip())
            manifest = json.loads(manifest_bytes)
            members = manifest["members"]
            if set(members) | {MANIFEST, SIGNATURE} != names:
                raise PackageRefused(f"{name} 的内容与其清单不符（多出或缺少文件），已拒收。")
            for member in members:
                if member != AUDIT_MEMBER and not _MEMBER.match(member):
                    raise PackageRefused(f"{name} 含有不认识的文件 {member}，已拒收。")
            package = Package(path, manifest, manifest_bytes, signature, _file_sha256(path))
            if check_members:
                package.verify_members()
    except PackageRefused:
        raise
    except FileNotFoundError as exc:
        raise PackageRefused(f"找不到报送包文件：{path}") from exc
    except (zipfile.BadZipFile, ValueError, KeyError, TypeError, OSError) as exc:
        raise PackageRefused(
            f"{name} 已损坏或不是民生台账报送包（{type(exc).__name__}），已拒收，未写入任何数据。"
        ) from exc
    return package


def check_package(db: sqlite_utils.Database, package: Package) -> None:
    """Signature, destination, versions and columns; PackageRefused when any is wrong."""
    m = package.manifest
    verify(db, package.origin, package.manifest_bytes, package.signature)
    here = identity(db)
    if package.destination != here:
        who = "区里" if here == DISTRICT else f"办事处 {here} "
        raise PackageRefused(f"此报送包是发给 {package.destination} 的，不是{who}的，已拒收。")
    if m.get("format") != FORMAT:
        raise PackageRefused(f"报送包格式版本 {m.get('format')} 不受支持，请升级程序。")
    if int(m.get("schema", 0)) > schema_version(db):
        raise PackageRefused(
            f"报送包来自更新版本的程序（数据库版本 {m.get('schema')}），请先升级本程序再导入。"
        )
    known = set(synced_tables(db))
    for table, info in m["tables"].items():
        if table not in known:
            raise PackageRefused(f"报送包含有本程序不认识的表 {table}，已拒收。")
        extra = set(info["columns"]) - set(_columns(db.conn, table))
        if extra:
            raise PackageRefused(f"报送包中 {table} 的字段 {sorted(extra)} 本程序不认识，已拒收。")
        if info["count"] and f"tables/{table}.jsonl" not in m["members"]:
            raise PackageRefused(f"报送包缺少 {table} 的记录文件，已拒收。")


# -- import -------------------------------------------------------------------------------------

OUTCOMES = ("new", "updated", "unchanged", "conflicts", "refused")
OUTCOME_LABELS = {
    "new": "新增",
    "updated": "更新",
    "unchanged": "未变",
    "conflicts": "冲突",
    "refused": "暂缓",
}


@dataclass
class TableReceipt:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    refused: int = 0

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in OUTCOMES}


@dataclass
class Receipt:
    package_id: str
    origin: str
    destination: str
    period: str | None
    file_name: str
    tables: dict[str, TableReceipt] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    audit_rows: int = 0

    def table(self, name: str) -> TableReceipt:
        return self.tables.setdefault(name, TableReceipt())

    def total(self, outcome: str) -> int:
        return sum(getattr(t, outcome) for t in self.tables.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "package_id": self.package_id,
            "origin": self.origin,
            "destination": self.destination,
            "period": self.period,
            "file_name": self.file_name,
            "tables": {k: v.as_dict() for k, v in self.tables.items()},
            "notices": self.notices,
            "audit_rows": self.audit_rows,
        }

    def text(self) -> str:
        head = "、".join(f"{OUTCOME_LABELS[o]} {self.total(o)}" for o in OUTCOMES)
        lines = [f"报送包 {self.file_name}（{self.origin} → {self.destination}）回执：{head}"]
        for name, t in self.tables.items():
            parts = "、".join(f"{OUTCOME_LABELS[o]} {getattr(t, o)}" for o in OUTCOMES)
            lines.append(f"  {table_label(name)}：{parts}")
        if self.total("conflicts"):
            lines.append("  有冲突的记录两个版本都已保留，请在“报送包冲突”中逐项选择。")
        if self.total("refused"):
            lines.append("  暂缓的记录与已有记录重复（如同一身份证号），请在“跨办事处核查”中处理。")
        lines.extend(f"  {n}" for n in self.notices)
        return "\n".join(lines)


def import_package(
    db: sqlite_utils.Database,
    user: User,
    path: str | Path,
    *,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> Receipt:
    """Verify and merge one package in one transaction; returns (and logs) the receipt.

    A package that fails its checksum, signature or any check is refused whole (PackageRefused),
    and nothing is written; so is one cancelled half-way (Cancelled)."""
    package = open_package(path, check_members=False)
    here = identity(db)
    if here == DISTRICT and (user.office is not None or not user.is_admin):
        raise AccessDenied("只有区管理员可以导入办事处的报送包。")
    if here != DISTRICT and (user.office not in (None, here) or user.role == "clerk"):
        raise AccessDenied("只有本办事处的审核员可以导入区里的报送包。")
    check_package(db, package)
    m = package.manifest
    receipt = Receipt(
        package.package_id, package.origin, package.destination, m.get("period"), package.path.name
    )
    allowed = {package.origin} if package.origin != DISTRICT else {here, DISTRICT}
    read = {f"tables/{t}.jsonl" for t, info in m["tables"].items() if info["count"]}
    package.prefetch([name for name in m["members"] if name not in read])
    with transaction(db) as conn, _import_cache(conn):
        try:
            _merge_tables(db, conn, package, receipt, allowed, progress, cancel)
        except (
            ValueError,
            KeyError,
            IndexError,
            TypeError,
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
        ) as exc:
            package.verify_members()  # an altered member says so; anything else is damage
            raise PackageRefused(
                f"{package.path.name} 的内容无法读取（{type(exc).__name__}），已拒收，未写入任何数据。"
            ) from exc
        package.verify_members()  # before anything is committed
        gap = _audit_gap(conn, package)
        if gap:
            receipt.notices.append(gap)
        receipt.audit_rows = _store_audit(conn, package)
        if package.origin == DISTRICT:
            _apply_deadline(conn, here, m.get("deadline"))
        _log(conn, m, "import", user, package.path.name, package.file_sha256, receipt.as_dict())
        summary = {
            "package_id": package.package_id,
            "from": package.origin,
            **{o: receipt.total(o) for o in OUTCOMES},
        }
        audit.append(
            conn,
            [
                audit.Entry(
                    now_iso(),
                    user.name,
                    "package_import",
                    None,
                    None,
                    package.origin,
                    None,
                    summary,
                )
            ],
        )
    if progress:
        progress(1, 1, "导入完成")
    return receipt


def _merge_tables(
    db: sqlite_utils.Database,
    conn: sqlite3.Connection,
    package: Package,
    receipt: Receipt,
    allowed: set[str],
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> None:
    """Merge every table of the package, parents first, inside the caller's transaction."""
    total = max(1, package.total())
    done = 0
    for table in synced_tables(db):
        info = package.manifest["tables"].get(table)
        if not info or not info["count"]:
            continue
        merger = _Merger(conn, table, package, receipt.table(table))
        batch: list[bytes] = []
        for lines in package.lines(f"tables/{table}.jsonl"):
            batch.extend(lines)
            while len(batch) >= BATCH:
                merger.merge_lines(batch[:BATCH], allowed)
                del batch[:BATCH]
                done += BATCH
                if progress:
                    progress(done, total, f"正在合并{table_label(table)}")
                if cancel and cancel():
                    raise Cancelled("已取消导入，数据库未作改动。")
        merger.merge_lines(batch, allowed)
        done += len(batch)
        if table == "submissions":
            receipt.notices.extend(merger.submission_notices())


IMPORT_CACHE_KIB = 128 * 1024


@contextmanager
def _import_cache(conn: sqlite3.Connection) -> Iterator[None]:
    """A large page cache while a package is merged (index pages stay in memory rather than
    spilling to the WAL); the connection's own size is restored afterwards.

    Python's cyclic garbage collector is paused meanwhile: the merge makes and drops a list per
    record (none of them in a cycle), and every few thousand of them the collector would walk
    the whole heap — a quarter of the Python time of a large import (``benchmarks/packages.py``).
    Reference counting still frees everything as it goes."""
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
        conn.execute(f"PRAGMA cache_size = {before}")


def _store_audit(conn: sqlite3.Connection, package: Package) -> int:
    """The sender's audit rows as received: the package's audit member, still deflated as it came
    in the zip, one row per package (``office_audit``; read by :func:`office_audit_rows`).
    Importing it again adds nothing."""
    info = package.manifest["audit"]
    if not info["count"]:
        return 0
    conn.execute(
        "INSERT OR IGNORE INTO office_audit(origin, first_seq, last_seq, rows, prev_hash,"
        " last_hash, package_id, data) VALUES (?,?,?,?,?,?,?,?)",
        [
            package.origin,
            info["first_seq"],
            info["last_seq"],
            info["count"],
            info["prev_hash"],
            info["last_hash"],
            package.package_id,
            package.raw.get(AUDIT_MEMBER) or _deflated(package.path, AUDIT_MEMBER),
        ],
    )
    return int(info["count"])


def _audit_gap(conn: sqlite3.Connection, package: Package) -> str | None:
    """A warning when an office's audit rows do not continue those of its previous package
    (a package that never arrived, or a log that was tampered with at the office)."""
    info = package.manifest["audit"]
    if package.origin == DISTRICT or not info["count"]:
        return None
    before = conn.execute(
        "SELECT last_seq, last_hash FROM office_audit WHERE origin = ? AND first_seq < ?"
        " ORDER BY first_seq DESC LIMIT 1",
        [package.origin, info["first_seq"]],
    ).fetchone()
    if before is None or (before[0] + 1 == info["first_seq"] and before[1] == info["prev_hash"]):
        return None
    return (
        f"注意：{package.origin} 的审计日志与此前收到的不衔接（此前到第 {before[0]} 条，"
        f"本包从第 {info['first_seq']} 条开始），可能有报送包未导入，或审计日志被改动。"
    )


def _deflated(path: Path, member: str) -> bytes:
    """The raw deflate stream of a zip member (no decompressing and compressing again)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
        if info.compress_type != zipfile.ZIP_DEFLATED:
            return zlib.compress(zf.read(member), 1)[2:-4]  # a raw stream, as below
    with open(path, "rb") as fh:
        return _stream(fh, info)


def _stream(fh: Any, info: zipfile.ZipInfo) -> bytes:
    """The bytes of a member as stored in the zip file open as ``fh``."""
    fh.seek(info.header_offset)
    header = fh.read(30)
    name_len, extra_len = (
        int.from_bytes(header[26:28], "little"),
        int.from_bytes(header[28:30], "little"),
    )
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    return bytes(fh.read(info.compress_size))


def _stream_digests(zf: zipfile.ZipFile, path: Path, members: list[str]) -> dict[str, str]:
    """The SHA-256 of the deflate stream of ``members``, already written to ``zf`` (being
    written at ``path``): the manifest's ``deflated``, see :meth:`Package.prefetch`."""
    if zf.fp is not None:
        zf.fp.flush()
    with open(path, "rb") as fh:
        return {m: hashlib.sha256(_stream(fh, zf.getinfo(m))).hexdigest() for m in members}


def office_audit_rows(
    db: sqlite_utils.Database, origin: str, record_id: str | None = None
) -> Iterator[dict[str, Any]]:
    """The audit rows received from ``origin`` in order (only those of ``record_id`` if given)."""
    for (data,) in db.execute(
        "SELECT data FROM office_audit WHERE origin = ? ORDER BY first_seq", [origin]
    ):
        for line in zlib.decompress(data, -15).splitlines():
            row = dict(zip(AUDIT_COLUMNS, json.loads(line), strict=True))
            if record_id is None or row["record_id"] == record_id:
                yield row


def _parse(lines: list[bytes]) -> list[Any]:
    """The JSON lines of a batch, parsed in one call (in C). A blank line makes the joined text
    invalid JSON (an empty element), so blank lines are looked for only then."""
    try:
        rows: list[Any] = json.loads(b"[" + b",".join(lines) + b"]")
    except ValueError:
        kept = [line for line in lines if line.strip()]
        if len(kept) == len(lines):
            raise
        rows = json.loads(b"[" + b",".join(kept) + b"]")
    return rows


class _Merger:
    """Merges the records of one table, a batch at a time, inside the import transaction."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        table: str,
        package: Package,
        counts: TableReceipt,
    ):
        self.conn = conn
        self.table = table
        self.package = package
        self.peer = package.origin
        self.counts = counts
        self.columns = _columns(conn, table)
        self.source: list[str] = list(package.manifest["tables"][table]["columns"])
        self.stamp = now_iso()
        self.applied_submissions: list[dict[str, Any]] = []
        self.conflicts = {
            r[0]: (r[1], r[2])
            for r in conn.execute(
                "SELECT record_id, seq, theirs_rev FROM package_conflicts"
                " WHERE table_name = ? AND status = 'open'",
                [table],
            )
        }
        cols = ", ".join(self.columns)
        self.insert_sql = (
            f"INSERT INTO {table} ({cols}) VALUES ({','.join('?' * len(self.columns))})"
        )
        sets = ", ".join(f"{c} = ?" for c in self.columns if c != "id")
        self.update_sql = f"UPDATE {table} SET {sets} WHERE id = ?"

    def merge_lines(self, lines: list[bytes], allowed: set[str]) -> None:
        """Merge a batch of JSON lines (arrays in the manifest's column order, then the base).
        Records all new here (the common case: an office's new records) go in with one
        ``executemany``; the others are merged one by one."""
        if not lines:
            return
        rows = _parse(lines)
        if not rows:
            return
        office = self.source.index("office")
        for row in rows:
            if row[office] not in allowed:
                raise PackageRefused(
                    f"报送包中 {table_label(self.table)} 记录 {row[self.source.index('id')]}"
                    f" 属于 {row[office]}，不是 {self.peer} 可以报送的，已拒收整个报送包。"
                )
        # try them all as new records first: an existing one (or a collision) makes the
        # insert fail at once, and then the batch is merged record by record
        if self.table != "submissions" and self._insert_all(rows):
            return
        self.merge([self._record(r) for r in rows])

    def _record(self, row: list[Any]) -> dict[str, Any]:
        record = dict(zip(self.source, row, strict=False))
        record[BASE] = row[-1]
        return record

    def _insert_all(self, rows: list[list[Any]]) -> bool:
        """Insert every row; False (and nothing written) if one collides."""
        if self.source == self.columns:
            sql, values = self.insert_sql, [r[:-1] for r in rows]
        else:
            at = [self.source.index(c) if c in self.source else None for c in self.columns]
            sql, values = self.insert_sql, [[None if i is None else r[i] for i in at] for r in rows]
        self.conn.execute("SAVEPOINT package_all")
        last = self.conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {self.table}").fetchone()[0]
        try:
            self.conn.executemany(sql, values)
        except sqlite3.IntegrityError:
            self.conn.execute("ROLLBACK TO package_all")
            self.conn.execute("RELEASE package_all")
            return False
        self.conn.execute(  # the rows just written are those after the previous last rowid
            "INSERT INTO sync_state(table_name, record_id, peer, rev)"
            f" SELECT ?, id, ?, rev FROM {self.table} WHERE rowid > ?"
            " ON CONFLICT DO UPDATE SET rev = max(rev, excluded.rev)",
            [self.table, self.peer, last],
        )
        self.conn.execute("RELEASE package_all")
        self.counts.new += len(values)
        return True

    def merge(self, batch: list[dict[str, Any]]) -> None:
        if not batch:
            return
        ids = json.dumps([r["id"] for r in batch])
        cur = self.conn.execute(
            f"SELECT * FROM {self.table} WHERE id IN (SELECT value FROM json_each(?))", [ids]
        )
        names = [d[0] for d in cur.description]
        local = {row[0]: dict(zip(names, row, strict=True)) for row in cur}
        state = dict(
            self.conn.execute(
                "SELECT record_id, rev FROM sync_state WHERE table_name = ? AND peer = ?"
                " AND record_id IN (SELECT value FROM json_each(?))",
                [self.table, self.peer, ids],
            ).fetchall()
        )
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        seen: list[tuple[str, str, str, int]] = []
        for incoming in batch:
            base = incoming.pop(BASE, None)
            record = {c: incoming.get(c) for c in self.columns}
            rid, rev = str(record["id"]), int(record["rev"] or 0)
            mine = local.get(rid)
            known = state.get(rid)
            if mine is None:
                inserts.append(record)
            elif mine == record:
                self.counts.unchanged += 1
                if known is None or known < rev:
                    seen.append((self.table, rid, self.peer, rev))
            elif rid in self.conflicts:
                self._conflict(mine, record)
            elif known is not None and rev <= known:
                self.counts.unchanged += 1  # a version we have already exchanged, or older
            elif known is not None and mine["rev"] <= known:
                updates.append(record)  # not changed here since the last exchange
            elif base is not None and rev <= base:
                self.counts.unchanged += 1  # not changed there since: ours is newer
            else:
                self._conflict(mine, record)
        self._write(inserts, self.insert_sql, _insert_values, "new", seen)
        self._write(updates, self.update_sql, _update_values, "updated", seen)
        if seen:
            self.conn.executemany(
                "INSERT INTO sync_state(table_name, record_id, peer, rev) VALUES (?,?,?,?)"
                " ON CONFLICT DO UPDATE SET rev = max(rev, excluded.rev)",
                seen,
            )

    def _write(
        self,
        records: list[dict[str, Any]],
        sql: str,
        values: Callable[[list[str], dict[str, Any]], tuple],
        outcome: str,
        seen: list[tuple[str, str, str, int]],
    ) -> None:
        if not records:
            return
        self.conn.execute("SAVEPOINT package_batch")
        try:
            self.conn.executemany(sql, [values(self.columns, r) for r in records])
            written = records
        except sqlite3.IntegrityError:
            self.conn.execute("ROLLBACK TO package_batch")
            written = []
            for r in records:  # one at a time, holding back those that collide
                self.conn.execute("SAVEPOINT package_row")
                try:
                    self.conn.execute(sql, values(self.columns, r))
                    written.append(r)
                except sqlite3.IntegrityError as exc:
                    self.conn.execute("ROLLBACK TO package_row")
                    self._hold(r, exc)
                self.conn.execute("RELEASE package_row")
        self.conn.execute("RELEASE package_batch")
        setattr(self.counts, outcome, getattr(self.counts, outcome) + len(written))
        seen.extend((self.table, r["id"], self.peer, int(r["rev"])) for r in written)
        if self.table == "submissions":
            self.applied_submissions.extend(written)

    def _hold(self, record: dict[str, Any], exc: sqlite3.IntegrityError) -> None:
        reason, other = explain_collision(self.conn, self.table, record, str(exc))
        self.conn.execute(
            "INSERT INTO package_held(table_name, record_id, origin, record, rev, reason, other_id,"
            " package_id, held_at) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(table_name, record_id) WHERE status = 'open' DO UPDATE SET"
            " record = excluded.record, rev = excluded.rev, reason = excluded.reason,"
            " other_id = excluded.other_id WHERE excluded.rev > package_held.rev",
            [
                self.table,
                record["id"],
                self.peer,
                dump_record(record),
                int(record["rev"]),
                reason,
                other,
                self.package.package_id,
                self.stamp,
            ],
        )
        self.counts.refused += 1

    def _conflict(self, mine: dict[str, Any], theirs: dict[str, Any]) -> None:
        self.counts.conflicts += 1
        rid, rev = theirs["id"], int(theirs["rev"])
        current = self.conflicts.get(rid)
        if current is None:
            cur = self.conn.execute(
                "INSERT INTO package_conflicts(table_name, record_id, origin, ours, theirs,"
                " theirs_rev, package_id, found_at) VALUES (?,?,?,?,?,?,?,?)",
                [
                    self.table,
                    rid,
                    self.peer,
                    dump_record(mine),
                    dump_record(theirs),
                    rev,
                    self.package.package_id,
                    self.stamp,
                ],
            )
            self.conflicts[rid] = (int(cur.lastrowid or 0), rev)
            return
        seq, known_rev = current
        if rev > known_rev or (rev == known_rev and self._smaller(seq, theirs)):
            self.conn.execute(
                "UPDATE package_conflicts SET theirs = ?, theirs_rev = ?, package_id = ?"
                " WHERE seq = ?",
                [dump_record(theirs), rev, self.package.package_id, seq],
            )
            self.conflicts[rid] = (seq, rev)

    def _smaller(self, seq: int, theirs: dict[str, Any]) -> bool:
        """Tie-break between two different versions of the same rev: the smaller text wins, so
        that the kept version does not depend on the order of the packages."""
        row = self.conn.execute("SELECT theirs FROM package_conflicts WHERE seq = ?", [seq])
        return dump_record(theirs) < row.fetchone()[0]

    def submission_notices(self) -> list[str]:
        notes = []
        for s in self.applied_submissions:
            text = (
                f"{s['office']} {s['period_key']} {PROGRAMMES.label(s['programme'])}："
                f"{SUBMISSION_STATUS.label(s['status'])}"
            )
            if s.get("comment"):
                text += f"（意见：{s['comment']}）"
            notes.append(text)
        return notes


def _insert_values(columns: list[str], record: dict[str, Any]) -> tuple:
    return tuple(record[c] for c in columns)


def _update_values(columns: list[str], record: dict[str, Any]) -> tuple:
    return (*(record[c] for c in columns if c != "id"), record["id"])


_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")


def explain_collision(
    conn: sqlite3.Connection, table: str, record: dict[str, Any], error: str
) -> tuple[str, str | None]:
    """A Chinese reason for an IntegrityError of ``record`` and the id of the record it collides
    with, when one can be found."""
    m = _UNIQUE.search(error)
    if m:
        columns = [c.strip().split(".")[-1] for c in m.group(1).split(",")]
        where = " AND ".join(f"{c} IS ?" for c in columns)
        row = conn.execute(
            f"SELECT id FROM {table} WHERE {where} AND deleted = 0 AND id != ? LIMIT 1",
            [*(record.get(c) for c in columns), record["id"]],
        ).fetchone()
        shown = "、".join(f"{c}={record.get(c)}" for c in columns)
        return f"与已有记录重复（{shown}）", row[0] if row else None
    if "FOREIGN KEY" in error:
        return "所引用的记录不存在（可能因重复而暂缓）", None
    return f"不符合数据库约束（{error}）", None
