"""The progress of a campaign per community (应检, 实检, 康检率 …) as a table model over
``store.kangjian.campaign_progress`` (one SQL aggregate per office), with a 合计 row.

The brief model (check-in's live panel) has 社区 / 应检 / 实检 / 康检率 / 未检; the detailed one
(汇总) adds the recorded reasons of the unchecked, the keyed totals and the difference between
the two where both exist — shown, never resolved.
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
)
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.domain.choices import UNCHECKED_REASON
from desktop.domain.rates import rate
from desktop.store.kangjian import ProgressRow, Totals, campaign_progress, progress_summary
from desktop.store.orgs import Scope
from desktop.ui.context import AppContext
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.kangjian.common import CampaignChoice

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


class ProgressModel(QAbstractTableModel):
    """Rows of :func:`campaign_progress` plus a 合计 row at the bottom."""

    def __init__(self, ctx: AppContext, detailed: bool = False, parent: Any = None):
        super().__init__(parent)
        self.ctx = ctx
        self.keys: Sequence[str] = DETAILED if detailed else BRIEF
        self.rows: list[ProgressRow] = []
        self.choice: CampaignChoice | None = None
        self.many_offices = False

    # -- loading ----------------------------------------------------------------------------

    def load(self, choice: CampaignChoice | None) -> None:
        """Every community of the campaign (one aggregate query per office's campaign)."""
        self.beginResetModel()
        self.choice = choice
        self.rows = ([] if choice is None
                     else campaign_progress(self.ctx.db, choice.ref, self.ctx.user.scope))
        self.many_offices = len({r.office for r in self.rows}) > 1
        self.endResetModel()

    def refresh_community(self, office: str, community_id: str) -> None:
        """Read one community again (after a check-in): a query over that community only."""
        if self.choice is None:
            return
        campaign = self.choice.for_office(office)
        if campaign is None:
            return
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
