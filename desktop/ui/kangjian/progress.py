"""The progress of a campaign per community (应检, 实检, 康检率 …) as a table model over
``store.kangjian.campaign_progress`` (one SQL aggregate per office), with a 合计 row.

The brief model (check-in's live panel) has 社区 / 应检 / 实检 / 康检率 / 未检; the detailed one
(汇总) adds the recorded reasons of the unchecked, the keyed totals and the difference between
the two where both exist — shown, never resolved.

At district scope the aggregate takes seconds on a million women, so the pages read it with
:meth:`ProgressModel.load_later` on a worker (its own connection) while a :class:`BusyBar` runs;
a check-in then re-reads only its community (:meth:`ProgressModel.refresh_community`, a few ms),
also while a full read is on its way.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QProgressBar, QWidget

from desktop.domain.choices import UNCHECKED_REASON
from desktop.domain.rates import rate
from desktop.store.db import connect
from desktop.store.kangjian import (
    CampaignRef,
    ProgressRow,
    Totals,
    campaign_progress,
    progress_summary,
)
from desktop.store.orgs import Scope
from desktop.ui.context import AppContext
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.kangjian.common import CampaignChoice
from desktop.ui.workers import run_in_background

Index = QModelIndex | QPersistentModelIndex
RAW_ROLE = Qt.ItemDataRole.UserRole + 1

BRIEF = ("community", "eligible", "checked", "rate", "unchecked")
DETAILED = (
    "community", "eligible", "checked", "rate", "unchecked",
    *(f"reason_{key}" for key in UNCHECKED_REASON.keys()), "no_reason",
    "keyed_eligible", "keyed_checked", "keyed_rate", "difference",
)
LABELS = {
    "community": QT_TRANSLATE_NOOP("columns", "社区"),
    "eligible": QT_TRANSLATE_NOOP("columns", "应检"),
    "checked": QT_TRANSLATE_NOOP("columns", "实检"),
    "rate": QT_TRANSLATE_NOOP("columns", "康检率"),
    "unchecked": QT_TRANSLATE_NOOP("columns", "未检"),
    "no_reason": QT_TRANSLATE_NOOP("columns", "未检\n未填原因"),
    "keyed_eligible": QT_TRANSLATE_NOOP("columns", "汇总数\n应检"),
    "keyed_checked": QT_TRANSLATE_NOOP("columns", "汇总数\n实检"),
    "keyed_rate": QT_TRANSLATE_NOOP("columns", "汇总数\n康检率"),
    "difference": QT_TRANSLATE_NOOP("columns", "明细与汇总数"),
}
DIFFERENCE_TINT = QColor("#fff4d6")
TOTAL_TINT = QColor("#eef2f7")


def rate_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


class BusyBar(QProgressBar):
    """A thin running bar, shown while ``model`` reads in the background."""

    def __init__(self, model: ProgressModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setRange(0, 0)
        self.setTextVisible(False)
        self.setMaximumHeight(6)
        self.setToolTip(self.tr("正在统计进度…"))
        self.setVisible(model.busy)
        model.busy_changed.connect(self.setVisible)


def _read_progress(path: Any, ref: CampaignRef, scope: Scope) -> list[ProgressRow]:
    """:func:`campaign_progress` on a connection of the calling (worker) thread."""
    conn = connect(path)
    try:
        return campaign_progress(conn, ref, scope)
    finally:
        conn.close()


class ProgressModel(QAbstractTableModel):
    """Rows of :func:`campaign_progress` plus a 合计 row at the bottom."""

    loaded = Signal()  # rows (re)read: by load(), or when a load_later() read arrives
    busy_changed = Signal(bool)  # a background read started (True) or ended (False)
    failed = Signal(str)  # a background read failed: the message to show

    def __init__(self, ctx: AppContext, detailed: bool = False, parent: Any = None):
        super().__init__(parent)
        self.ctx = ctx
        self.keys: Sequence[str] = DETAILED if detailed else BRIEF
        self.rows: list[ProgressRow] = []
        self.choice: CampaignChoice | None = None
        self.many_offices = False
        self.busy = False
        self._generation = 0  # of the latest read asked for; older answers are dropped
        self._dirty: set[tuple[str, str]] = set()  # communities changed while a read runs

    # -- loading ----------------------------------------------------------------------------

    def load(self, choice: CampaignChoice | None) -> None:
        """Every community of the campaign (one aggregate query per office's campaign), read
        here and now on the GUI thread's connection."""
        self._generation += 1
        self._set_rows(choice, [] if choice is None
                       else campaign_progress(self.ctx.db, choice.ref, self.ctx.user.scope))
        self._set_busy(False)

    def load_later(self, choice: CampaignChoice | None) -> None:
        """Like :meth:`load`, read on a worker; ``loaded`` follows. The rows shown stay until
        then when the campaign is the same (a re-read), else the table is emptied at once."""
        self._generation += 1
        generation = self._generation
        if choice is None or self.choice is None or choice.key != self.choice.key:
            self._set_rows(choice, [], announce=False)
        if choice is None:
            self._set_busy(False)
            self.loaded.emit()
            return
        self._dirty.clear()
        self._set_busy(True)
        path, ref, scope = self.ctx.db_path, choice.ref, self.ctx.user.scope
        job = run_in_background(lambda _p, _c: _read_progress(path, ref, scope), self)
        job.finished.connect(lambda rows: self._arrived(generation, choice, rows))
        job.failed.connect(lambda message: self._read_failed(generation, message))
        job.crashed.connect(lambda _exc: self._read_failed(generation, ""))

    def _arrived(self, generation: int, choice: CampaignChoice,
                 rows: list[ProgressRow]) -> None:
        if generation != self._generation:
            return  # a newer read is on its way
        self._set_rows(choice, rows, announce=False)
        dirty, self._dirty = self._dirty, set()
        for office, community_id in sorted(dirty):  # check-ins the worker may not have seen
            self.refresh_community(office, community_id)
        self._dirty.clear()
        self._set_busy(False)
        self.loaded.emit()

    def _read_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._set_busy(False)
            if message:
                self.failed.emit(message)

    def _set_rows(self, choice: CampaignChoice | None, rows: list[ProgressRow],
                  announce: bool = True) -> None:
        self.beginResetModel()
        self.choice = choice
        self.rows = rows
        self.many_offices = len({r.office for r in self.rows}) > 1
        self.endResetModel()
        if announce:
            self.loaded.emit()

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busy_changed.emit(busy)

    def refresh_community(self, office: str, community_id: str) -> None:
        """Read one community again (after a check-in): a query over that community only.
        While a background read runs, the community is read again when that read arrives."""
        if self.choice is None:
            return
        if self.busy:
            self._dirty.add((office, community_id))
        campaign = self.choice.for_office(office)
        if campaign is None or not self.rows:
            return  # nothing shown yet: the read on its way counts her
        scope = Scope(frozenset([office]), frozenset([community_id]))
        fresh = {r.community_id: r for r in campaign_progress(self.ctx.db, campaign.id, scope)}
        for i, row in enumerate(self.rows):
            if row.community_id in fresh:
                self.rows[i] = fresh[row.community_id]
                last = self.columnCount() - 1
                self.dataChanged.emit(self.index(i, 0), self.index(i, last))
        total = len(self.rows)
        self.dataChanged.emit(self.index(total, 0), self.index(total, self.columnCount() - 1))

    def total(self) -> Totals:
        return progress_summary(self.rows).records

    def row_for(self, community_id: str) -> ProgressRow | None:
        return next((r for r in self.rows if r.community_id == community_id), None)

    # -- Qt model API -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or not self.rows else len(self.rows) + 1

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.keys)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.keys):
            return None
        key = self.keys[section]
        if role == Qt.ItemDataRole.DisplayRole:
            if key.startswith("reason_"):
                return fill(QCoreApplication.translate("columns", "未检\n%1"),
                            UNCHECKED_REASON.label(key[len("reason_"):]))
            return QCoreApplication.translate("columns", LABELS[key])
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "eligible":
                return self.tr("名册中在活动开始日年满15至49周岁、已婚、在册的妇女")
            if key == "checked":
                return self.tr("应检妇女中已登记康检的人数")
            if key.startswith("keyed_"):
                return self.tr("未用名册的办事处直接录入的各社区汇总数")
        return None

    def is_total(self, row: int) -> bool:
        return row == len(self.rows)

    def value(self, row: int, key: str) -> Any:
        """The raw value of a cell (numbers as int, rates as Decimal or None)."""
        if self.is_total(row):
            summary = progress_summary(self.rows)
            records: Totals = summary.records
            keyed: Totals | None = summary.keyed
            community = QCoreApplication.translate("kangjian", "合计")
            differs = any(r.difference for r in self.rows)
        else:
            item = self.rows[row]
            records, keyed = item.records, item.keyed
            community = (f"{item.office_name} · {item.community}" if self.many_offices
                         else item.community)
            differs = item.difference
        if key == "community":
            return community
        if key == "eligible":
            return records.eligible
        if key == "checked":
            return records.checked
        if key == "rate":
            return records.rate
        if key == "unchecked":
            return records.unchecked
        if key.startswith("reason_"):
            return records.reasons.get(key[len("reason_"):], 0)
        if key == "no_reason":
            return records.no_reason
        if key == "keyed_eligible":
            return None if keyed is None else keyed.eligible
        if key == "keyed_checked":
            return None if keyed is None else keyed.checked
        if key == "keyed_rate":
            return None if keyed is None else rate(keyed.checked, keyed.eligible)
        if key == "difference":
            return differs
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key = self.keys[index.column()]
        row = index.row()
        if role == RAW_ROLE:
            return self.value(row, key)
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.value(row, key)
            if key in ("rate", "keyed_rate"):
                return "" if value is None and key == "keyed_rate" else rate_text(value)
            if key == "difference":
                return self._difference_text(row)
            if value is None:
                return ""
            return f"{value:,}" if isinstance(value, int) else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and key != "community" \
                and key != "difference":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            if self.is_total(row):
                return QBrush(TOTAL_TINT)
            if "difference" in self.keys and self.rows[row].difference:
                return QBrush(DIFFERENCE_TINT)
        if role == Qt.ItemDataRole.FontRole and self.is_total(row):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and key == "difference" \
                and self.value(row, "difference"):
            return QBrush(QColor("#9a3412"))
        return None

    def _difference_text(self, row: int) -> str:
        if self.is_total(row):
            count = sum(1 for r in self.rows if r.difference)
            return fill(self.tr("%1 个社区不一致"), count) if count else ""
        item = self.rows[row]
        if item.keyed is None:
            return ""
        if not item.has_records:
            return self.tr("仅有汇总数")
        if not item.difference:
            return self.tr("一致")
        return fill(self.tr("不一致：明细 %1/%2，汇总数 %3/%4"), item.eligible, item.checked,
                    item.keyed.eligible, item.keyed.checked)
