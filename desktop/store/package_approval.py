"""The quarterly approval loop on top of ``locks.set_status``, with the transitions enforced:

草稿 / 退回 → 已提交 (an office's reviewer; locks the period in the write door) → 已审核 (the
district; locked for good) or 退回 with comments (unlocks). Only the district's administrator
reopens an approved period, and only with a reason. The status travels in the packages (the
``submissions`` records), so a return package imported at the office unlocks the quarter there and
brings the comments with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from desktop.domain.choices import PROGRAMMES, SUBMISSION_STATUS
from desktop.domain.errors import ValidationError
from desktop.domain.periods import Period
from desktop.store.door import WriteDoor
from desktop.store.errors import AccessDenied
from desktop.store.locks import set_status, status_of

# status now -> statuses it may move to
TRANSITIONS = {
    "draft": ("submitted",),
    "returned": ("submitted",),
    "submitted": ("approved", "returned"),
    "approved": ("returned",),  # reopen (administrator, with a reason)
}


@dataclass(frozen=True)
class Submission:
    id: str
    office: str
    programme: str
    period_key: str
    status: str
    comment: str
    updated_at: str
    updated_by: str

    @property
    def status_label(self) -> str:
        return SUBMISSION_STATUS.label(self.status)

    @property
    def programme_label(self) -> str:
        return PROGRAMMES.label(self.programme)


def _move(
    door: WriteDoor, office: str, programme: str, period: Period, status: str, comment: str = ""
) -> str:
    programme = PROGRAMMES.key(programme)
    now = status_of(door.db, office, programme, period)
    if status not in TRANSITIONS[now]:
        raise ValidationError.single(
            "报送状态",
            f"{office} {period.key} {PROGRAMMES.label(programme)}目前为「"
            f"{SUBMISSION_STATUS.label(now)}」，不能改为「{SUBMISSION_STATUS.label(status)}」",
        )
    if door.user.office not in (None, office):
        raise AccessDenied("不能处理其他办事处的报送。")
    return set_status(door, office, programme, period, status, comment)


def submit(door: WriteDoor, office: str, programme: str, period: Period, note: str = "") -> str:
    """The reviewer submits the quarter: its records are locked from now on."""
    return _move(door, office, programme, period, "submitted", note)


def approve(door: WriteDoor, office: str, programme: str, period: Period, note: str = "") -> str:
    return _move(door, office, programme, period, "approved", note)


def return_with_comments(
    door: WriteDoor, office: str, programme: str, period: Period, comment: str
) -> str:
    if not comment.strip():
        raise ValidationError.single("退回意见", "退回时必须写明意见，办事处据此更正")
    return _move(door, office, programme, period, "returned", comment.strip())


def reopen(door: WriteDoor, office: str, programme: str, period: Period, reason: str) -> str:
    """The administrator reopens an approved quarter (it becomes 退回 with the reason)."""
    if not door.user.is_admin or door.user.office is not None:
        raise AccessDenied("只有区管理员可以重新打开已审核的季度。")
    if not reason.strip():
        raise ValidationError.single("重新打开原因", "必须写明原因")
    if status_of(door.db, office, PROGRAMMES.key(programme), period) != "approved":
        raise ValidationError.single("报送状态", "只有已审核的季度需要重新打开")
    record_id = _move(door, office, programme, period, "returned", f"重新打开：{reason.strip()}")
    door.log(
        "reopen",
        table="submissions",
        record_id=record_id,
        office=office,
        detail={"period": period.key, "programme": programme, "reason": reason.strip()},
    )
    return record_id


def submissions(
    db: sqlite_utils.Database, office: str | None = None, period_key: str | None = None
) -> list[Submission]:
    sql = (
        "SELECT id, office, programme, period_key, status, coalesce(comment, ''), updated_at,"
        " updated_by FROM submissions WHERE deleted = 0"
    )
    params: list[str] = []
    if office:
        sql += " AND office = ?"
        params.append(office)
    if period_key:
        sql += " AND period_key = ?"
        params.append(period_key)
    return [
        Submission(*r)
        for r in db.execute(sql + " ORDER BY period_key DESC, office, programme", params)
    ]
