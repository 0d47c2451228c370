"""The entry deadline: optionally, N days after a quarter ends its records are locked at the
offices as if submitted, with per-office exceptions (other days, or none, until a date).

The write door adds these locks to those of the submissions (``WriteDoor._locks``) for users of an
office; the district's own corrections and merged packages are not affected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils

from desktop.domain import periods
from desktop.store import audit
from desktop.store.audit import now_iso
from desktop.store.db import get_setting, set_setting, transaction
from desktop.store.errors import AccessDenied
from desktop.store.users import User

DAYS_KEY = "entry_deadline_days"


@dataclass(frozen=True)
class Exception_:
    office: str
    days: int | None  # None: no automatic lock while the exception lasts
    until: str | None  # last day of the exception; None: for good
    note: str


def deadline_days(db: sqlite_utils.Database) -> int | None:
    value = get_setting(db, DAYS_KEY)
    return None if value is None else int(value)


def exceptions(db: sqlite_utils.Database) -> list[Exception_]:
    return [
        Exception_(r[0], r[1], r[2], r[3] or "")
        for r in db.execute(
            "SELECT office, days, until, note FROM entry_deadline_exceptions ORDER BY office"
        )
    ]


def _admin(user: User) -> None:
    if not user.is_admin:
        raise AccessDenied("只有管理员可以设置录入期限。")


def set_deadline(db: sqlite_utils.Database, user: User, days: int | None) -> None:
    """Lock entry ``days`` after each quarter's end (None: no automatic lock). Audited."""
    _admin(user)
    if days is not None and days < 0:
        raise ValueError("days must be >= 0")
    with transaction(db) as conn:
        set_setting(conn, DAYS_KEY, days)
        audit.append(
            conn,
            [
                audit.Entry(
                    now_iso(),
                    user.name,
                    "setting_set",
                    "settings",
                    DAYS_KEY,
                    None,
                    None,
                    {"value": days},
                )
            ],
        )


def set_exception(
    db: sqlite_utils.Database,
    user: User,
    office: str,
    days: int | None,
    until: str | None,
    note: str = "",
    *,
    remove: bool = False,
) -> None:
    """Give ``office`` its own deadline (``days``; None = no lock) until ``until``. Audited."""
    _admin(user)
    with transaction(db) as conn:
        if remove:
            conn.execute("DELETE FROM entry_deadline_exceptions WHERE office = ?", [office])
        else:
            conn.execute(
                "INSERT INTO entry_deadline_exceptions(office, days, until, note, updated_at,"
                " updated_by) VALUES (?,?,?,?,?,?) ON CONFLICT(office) DO UPDATE SET"
                " days = excluded.days, until = excluded.until, note = excluded.note,"
                " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                [office, days, until, note or None, now_iso(), user.name],
            )
        detail = None if remove else {"days": days, "until": until, "note": note}
        audit.append(
            conn,
            [
                audit.Entry(
                    now_iso(),
                    user.name,
                    "deadline_exception",
                    "entry_deadline_exceptions",
                    office,
                    office,
                    None,
                    detail,
                )
            ],
        )


def cutoff(days: int, today: date) -> periods.Period | None:
    """The latest quarter whose end + ``days`` has passed on ``today``."""
    q = periods.quarter_of(today)
    for _ in range(8):
        if q.end + timedelta(days=days) < today:
            return q
        q = periods.quarter_of(q.start - timedelta(days=1))
    return None


def deadline_locks(
    db: sqlite_utils.Database, today: date | None = None
) -> list[tuple[str, str, str, str]]:
    """(office, first day, last day, label) of the ranges locked by the deadline, per office."""
    today = today or date.today()
    default = deadline_days(db)
    special = {
        e.office: e for e in exceptions(db) if e.until is None or e.until >= today.isoformat()
    }
    if default is None and not special:
        return []
    locks = []
    for (office,) in db.execute("SELECT code FROM org_units WHERE level = 'office'"):
        days = special[office].days if office in special else default
        if days is None:
            continue
        last = cutoff(days, today)
        if last is not None:
            label = f"{last.key}及以前（已过录入期限 {days} 天）"
            locks.append((office, "0001-01-01", last.end.isoformat(), label))
    return locks
