"""Submissions (office × programme × period) and the period locks they imply.

草稿 → 已提交 (reviewer; locks the period) → 已审核 (district; stays locked) or 退回 (unlocks).
The write door refuses changes to records dated inside a submitted or approved period.
"""

from __future__ import annotations

import sqlite_utils

from desktop.domain.choices import PROGRAMMES, SUBMISSION_STATUS
from desktop.domain.periods import Period
from desktop.store.door import WriteDoor
from desktop.store.errors import AccessDenied

# who may move a submission into each status
ALLOWED_ROLES = {
    "draft": ("clerk", "reviewer", "admin"),
    "submitted": ("reviewer", "admin"),
    "approved": ("admin",),
    "returned": ("admin",),
}


def set_status(
    door: WriteDoor, office: str, programme: str, period: Period, status: str, comment: str = ""
) -> str:
    """Create or move the submission; returns its id. Audited through the door."""
    programme = PROGRAMMES.key(programme)
    status = SUBMISSION_STATUS.key(status)
    if door.user.role not in ALLOWED_ROLES[status]:
        raise AccessDenied(
            f"{door.user.role_label}不能将报送状态改为「{SUBMISSION_STATUS.label(status)}」。"
        )
    if status in ("approved", "returned") and door.user.office is not None:
        raise AccessDenied("审核或退回须由区级管理员操作。")
    row = door.db.execute(
        "SELECT id FROM submissions WHERE office = ? AND programme = ? AND period_key = ?",
        [office, programme, period.key],
    ).fetchone()
    values = {"status": status, "comment": comment or None}
    if row is None:
        return door.insert(
            "submissions",
            {
                "office": office,
                "programme": programme,
                "period_key": period.key,
                "period_start": period.start.isoformat(),
                "period_end": period.end.isoformat(),
                **values,
            },
        )
    door.update("submissions", row[0], values)
    return str(row[0])


def status_of(db: sqlite_utils.Database, office: str, programme: str, period: Period) -> str:
    row = db.execute(
        "SELECT status FROM submissions WHERE office = ? AND programme = ? AND period_key = ?"
        " AND deleted = 0",
        [office, programme, period.key],
    ).fetchone()
    return str(row[0]) if row else "draft"
