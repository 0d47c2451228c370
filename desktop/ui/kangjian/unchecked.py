"""未检名单 (应检未检名单): per community, the eligible women not checked in the campaign, with a
reason per woman saved through the door as a not-checked record, and the list exported to .xlsx
for the community workers who visit them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import FLOATING, UNCHECKED_REASON
from desktop.domain.errors import ValidationError
from desktop.domain.ids import mask_id
from desktop.domain.phones import mask_phone
from desktop.store.kangjian import UncheckedWoman, check_record
from desktop.store.kangjian_lookup import UncheckedRows, unchecked_rows
from desktop.ui.context import AppContext
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.kangjian.checkin import KEY_ROLE, OPTIONS_ROLE, ChoiceDelegate
from desktop.ui.kangjian.common import (
    WRITE_ERRORS,
    CampaignChoice,
    campaign_communities,
    community_label,
    error_text,
    fill_communities,
    label_of,
)
from desktop.ui.kangjian.export import export_rows, write_unchecked

Index = QModelIndex | QPersistentModelIndex

COLUMNS: Sequence[tuple[str, str]] = (
    ("community", QT_TRANSLATE_NOOP("columns", "社区")),
    ("name", QT_TRANSLATE_NOOP("columns", "姓名")),
    ("id_number", QT_TRANSLATE_NOOP("columns", "身份证号")),
    ("phone", QT_TRANSLATE_NOOP("columns", "手机")),
    ("floating", QT_TRANSLATE_NOOP("columns", "流动情况")),
    ("reason", QT_TRANSLATE_NOOP("columns", "未检原因")),
)
COL_COMMUNITY, COL_NAME, COL_ID, COL_PHONE, COL_FLOATING, COL_REASON = range(6)
NO_REASON = ""  # the editor's key for 「未填」


class UncheckedModel(QAbstractTableModel):
    """The unchecked women of a campaign, paged from SQLite (``store.kangjian_lookup.UncheckedRows``:
    the count and a screenful are read, not every row); the reason column is editable and saved
    through the door."""

    refused = Signal(str)
    reason_saved = Signal(object)  # the UncheckedWoman as now stored

    def __init__(self, ctx: AppContext, parent: Any = None):
        super().__init__(parent)
        self.ctx = ctx
        self.rows: Sequence[UncheckedWoman] = ()
        self.revealed: set[tuple[str, str]] = set()  # (person id, field)
        self.many_offices = False
        self._with_reason = 0

    def load(self, choice: CampaignChoice | None, community: str | None) -> None:
        self.beginResetModel()
        self.rows = (() if choice is None else
                     unchecked_rows(self.ctx.db, choice.ref, self.ctx.user.scope, community))
        self.many_offices = choice is not None and len(choice.offices()) > 1
        # counted once in SQL, then kept by the edits made here
        self._with_reason = self.rows.with_reason() if isinstance(self.rows, UncheckedRows) else 0
        self.endResetModel()

    def with_reason(self) -> int:
        return self._with_reason

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("columns", COLUMNS[section][1])
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.column() == COL_REASON else base

    def is_masked(self, index: Index) -> bool:
        if not index.isValid() or index.column() not in (COL_ID, COL_PHONE):
            return False
        row = self.rows[index.row()]
        field = "id_number" if index.column() == COL_ID else "phone"
        value = row.id_number if field == "id_number" else row.phone
        return bool(value) and (row.person_id, field) not in self.revealed

    def reveal(self, index: Index) -> bool:
        """Show one masked ID or phone in full if the user may (audited)."""
        if not self.is_masked(index):
            return index.isValid()
        row = self.rows[index.row()]
        field = "id_number" if index.column() == COL_ID else "phone"
        if not self.ctx.reveal("persons", row.person_id, field):
            return False
        self.revealed.add((row.person_id, field))
        self.dataChanged.emit(index, index)
        return True

    def phone_revealed(self, woman: UncheckedWoman) -> bool:
        return (woman.person_id, "phone") in self.revealed

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if col == COL_REASON:
            if role == KEY_ROLE:
                return row.reason or NO_REASON
            if role == OPTIONS_ROLE:
                return [(NO_REASON, self.tr("（未填）"))] + [(c.key, c.label)
                                                           for c in UNCHECKED_REASON]
            if role == Qt.ItemDataRole.ForegroundRole and not row.reason:
                return QBrush(QColor("#9aa3af"))
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.tr("双击选择未检原因（保存为未检记录）")
        if role == Qt.ItemDataRole.ToolTipRole and self.is_masked(index):
            return (self.tr("右键选择“显示完整信息”查看（将记入审计日志）")
                    if self.ctx.user.can_reveal
                    else self.tr("已隐藏：您没有查看完整敏感信息的权限"))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if col == COL_COMMUNITY:
            return (community_label(self.ctx, row.community_id, True) if self.many_offices
                    else row.community)
        if col == COL_NAME:
            return row.name
        if col == COL_ID:
            return mask_id(row.id_number) if self.is_masked(index) else (row.id_number or "")
        if col == COL_PHONE:
            return mask_phone(row.phone) if self.is_masked(index) else (row.phone or "")
        if col == COL_FLOATING:
            if not row.floating or row.floating == "none":
                return ""
            label = label_of(FLOATING, row.floating)
            return f"{label}（{row.floating_where}）" if row.floating_where else label
        if col == COL_REASON:
            return label_of(UNCHECKED_REASON, row.reason) or self.tr("（未填）")
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != COL_REASON or role != Qt.ItemDataRole.EditRole:
            return False
        return self.set_reason(index.row(), str(value or "") or None)

    def set_reason(self, row: int, reason: str | None) -> bool:
        """Save the reason of one woman (None: remove her not-checked record)."""
        woman = self.rows[row]
        if reason == woman.reason:
            return True
        door = self.ctx.door()
        check_id = woman.check_id
        try:
            if check_id is None and reason is not None:
                check_id = door.insert("checks", check_record(
                    self.ctx.db, woman.campaign_id, woman.woman_id, checked=False,
                    unchecked_reason=reason))
            elif check_id is not None and reason is not None:
                door.update("checks", check_id, {"unchecked_reason": reason})
            elif check_id is not None:
                door.delete("checks", check_id)
                check_id = None
        except WRITE_ERRORS as exc:
            self.refused.emit(fill(self.tr("%1：%2"), woman.name, error_text(exc)))
            return False
        self._with_reason += (reason is not None) - (woman.reason is not None)
        if isinstance(self.rows, UncheckedRows):
            self.rows.refresh_rows()  # she stays unchecked: her position holds
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        self.reason_saved.emit(replace(woman, check_id=check_id, reason=reason))
        return True


class UncheckedPage(QWidget):
    """The list with its community filter, counts, and 导出."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.choice: CampaignChoice | None = None
        self._own_change = False
        self._stale = False

        self.community = QComboBox()
        self.community.setMinimumContentsLength(12)
        self.community.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        fill_communities(ctx, self.community, self.tr("全部社区"))
        self.community.currentIndexChanged.connect(self.reload)
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()

        self.full_phones = QCheckBox(self.tr("导出完整手机号"))
        self.full_phones.setToolTip(self.tr("供社区走访联系用；导出记入审计日志"))
        self.full_phones.setVisible(ctx.user.can_reveal)
        self.export_button = QPushButton(self.tr("导出 Excel…"))
        self.export_button.clicked.connect(lambda: self.export())

        self.model = UncheckedModel(ctx, self)
        self.model.refused.connect(self._refused)
        self.model.reason_saved.connect(self._reason_saved)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(COL_REASON, ChoiceDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.SelectedClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        hh = self.view.horizontalHeader()
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hh.setHighlightSections(False)
        for col, width in enumerate((170, 90, 180, 130, 180, 120)):
            hh.resizeSection(col, width)
        hh.setStretchLastSection(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)

        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("社区")))
        bar.addWidget(self.community)
        bar.addSpacing(12)
        bar.addWidget(self.count_label)
        bar.addStretch(1)
        bar.addWidget(self.full_phones)
        bar.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        ctx.hub.data_changed.connect(self._data_changed)

    def set_campaign(self, choice: CampaignChoice | None) -> None:
        self.choice = choice
        if choice is not None:
            units = campaign_communities(self.ctx, choice)
            current = self.community.currentData()
            blocked = self.community.blockSignals(True)
            fill_communities(self.ctx, self.community, self.tr("全部社区"), units)
            index = self.community.findData(current)
            if index > 0:
                self.community.setCurrentIndex(index)
            self.community.blockSignals(blocked)
        self.reload()

    def reload(self, *_: object) -> None:
        self._stale = False
        self.model.load(self.choice, self.community.currentData())
        self._show_count()

    def _show_count(self) -> None:
        total, reasoned = self.model.rowCount(), self.model.with_reason()
        self.count_label.setText(fill(self.tr("应检未检 %1 人，已填原因 %2 人，未填 %3 人"),
                                      f"{total:,}", f"{reasoned:,}", f"{total - reasoned:,}"))
        self.export_button.setEnabled(self.choice is not None)

    def _refused(self, text: str) -> None:
        self.message.setStyleSheet("color: #b71c1c;")
        self.message.setText(text)
        self.message.show()

    def _reason_saved(self, woman: UncheckedWoman) -> None:
        self.message.hide()
        self._show_count()
        self._own_change = True
        try:
            self.ctx.hub.data_changed.emit("checks")
        finally:
            self._own_change = False

    def _data_changed(self, table: str) -> None:
        if not self._own_change and table in ("checks", "women", "persons", "campaigns"):
            if self.isVisible():
                self.reload()
            else:
                self._stale = True  # read again when shown, not on every check-in elsewhere

    def showEvent(self, event: QShowEvent) -> None:
        if self._stale:
            self.reload()
        super().showEvent(event)

    def _context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu(pos)
        if menu is not None:
            menu.popup(self.view.viewport().mapToGlobal(pos))

    def context_menu(self, pos: QPoint) -> QMenu | None:
        """The reveals of the masked ID and phone of the row at ``pos``."""
        index = self.view.indexAt(pos)
        if not index.isValid():
            return None
        menu = QMenu(self)
        for col, text in ((COL_ID, self.tr("显示完整身份证号（记入审计日志）")),
                          (COL_PHONE, self.tr("显示完整手机号（记入审计日志）"))):
            cell = self.model.index(index.row(), col)
            if not self.model.is_masked(cell):
                continue
            action = menu.addAction(text)
            if self.ctx.user.can_reveal:
                action.triggered.connect(lambda _=False, c=cell: self.model.reveal(c))
            else:
                action.setEnabled(False)
        return None if menu.isEmpty() else menu

    def default_export_name(self) -> str:
        name = self.choice.name if self.choice else ""
        community = self.community.currentText() if self.community.currentData() else ""
        parts = [name, community.replace(" · ", "-"), self.tr("应检未检名单")]
        return "-".join(p for p in parts if p) + ".xlsx"

    def export(self, target: str | Path | None = None) -> Path | None:
        if self.choice is None:
            return None
        if target is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self, self.tr("导出应检未检名单"), str(Path.home() / self.default_export_name()),
                self.tr("Excel 工作簿 (*.xlsx)"))
            if not chosen:
                return None
            target = chosen
        path = Path(target)
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        full = self.full_phones.isChecked() and self.ctx.user.can_reveal
        rows = export_rows(self.model.rows,
                           lambda w: full or self.model.phone_revealed(w))
        unit = self.ctx.scope_label()
        try:
            written = write_unchecked(path, rows, self.choice.name, unit, date.today())
        except (OSError, ValidationError) as exc:
            self._refused(fill(self.tr("导出失败：%1"), error_text(exc)))
            return None
        self.ctx.door().log("export", detail={
            "what": "unchecked_list", "campaign": self.choice.name,
            "community": self.community.currentData(), "rows": len(rows),
            "full_phones": bool(full), "file": written.name})
        self.message.setStyleSheet("color: #1b5e20;")
        self.message.setText(fill(self.tr("已导出 %1 人到 %2"), len(rows), written))
        self.message.show()
        return written
