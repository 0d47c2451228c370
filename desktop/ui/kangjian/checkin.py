"""康检登记: check-in mode for the queue at the service station.

The cursor sits in one box. A scanned or typed ID number and Enter, or pinyin initials / a name /
the last digits of the ID and Enter, finds the woman; one match is marked checked at once with the
default results (place 本站, results normal, today's date clamped into the campaign); several
matches open a small list (arrows + Enter). The last entries stay listed with their results
editable; 撤销 (Ctrl+Z) undoes the last one. A woman already checked is named with the date, and
nothing is written. Refusals of the write door are said inline. The panel on the right shows 应检,
实检 and 康检率 per community, read again (for that community) after every entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QKeyEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import CHECK_PLACE, ChoiceList
from desktop.domain.ids import mask_id
from desktop.domain.kangjian import PREGNANCY_RESULTS, RING_RESULTS
from desktop.store.kangjian import check_record
from desktop.store.kangjian_lookup import Found, age_on, checks_of, find_women
from desktop.ui.context import AppContext
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.kangjian.common import (
    WRITE_ERRORS,
    CampaignChoice,
    check_day,
    community_label,
    error_text,
    label_of,
    offices_in_scope,
)
from desktop.ui.kangjian.progress import BusyBar, ProgressModel, rate_text

Index = QModelIndex | QPersistentModelIndex
KEY_ROLE = Qt.ItemDataRole.UserRole + 1  # the stored key of an editable cell
OPTIONS_ROLE = Qt.ItemDataRole.UserRole + 2  # [(key, label)] offered by the editor

YES_NO = ChoiceList("是否", [("1", QT_TRANSLATE_NOOP("kangjian", "是")),
                            ("0", QT_TRANSLATE_NOOP("kangjian", "否"))])
RESULT_FIELDS = ("place", "ring_result", "pregnancy_result", "disease_found", "advice_given")
# the fields a check-in writes (and an undo of an update restores)
CHECK_VALUES = ("checked", "check_date", "record_date", "unchecked_reason", *RESULT_FIELDS)
MAX_RECENT = 30
PICK_LIMIT = 30


def default_results(found: Found) -> dict[str, Any]:
    """本站, ring normal (or 无环 for a woman without an IUD), not pregnant, no disease."""
    return {
        "place": "station",
        "ring_result": "normal" if found.contraception == "iud" else "none",
        "pregnancy_result": "not_pregnant",
        "disease_found": 0,
        "advice_given": 0,
    }


@dataclass
class Entry:
    """One check-in of this session (newest first in the list)."""

    check_id: str
    found: Found
    community: str
    at: datetime
    values: dict[str, Any]  # the record's result fields, as stored
    previous: dict[str, Any] | None = None  # a not-checked record this check-in replaced
    office: str = ""

    @property
    def summary(self) -> str:
        parts = [label_of(CHECK_PLACE, self.values.get("place")),
                 label_of(RING_RESULTS, self.values.get("ring_result")),
                 label_of(PREGNANCY_RESULTS, self.values.get("pregnancy_result"))]
        return "、".join(p for p in parts if p)


# -- the recent entries ---------------------------------------------------------------------

RECENT_COLUMNS: Sequence[tuple[str, str]] = (
    ("time", QT_TRANSLATE_NOOP("columns", "登记时间")),
    ("name", QT_TRANSLATE_NOOP("columns", "姓名")),
    ("community", QT_TRANSLATE_NOOP("columns", "社区")),
    ("id_number", QT_TRANSLATE_NOOP("columns", "身份证号")),
    ("check_date", QT_TRANSLATE_NOOP("columns", "检查日期")),
    ("place", QT_TRANSLATE_NOOP("columns", "地点")),
    ("ring_result", QT_TRANSLATE_NOOP("columns", "查环")),
    ("pregnancy_result", QT_TRANSLATE_NOOP("columns", "查孕")),
    ("disease_found", QT_TRANSLATE_NOOP("columns", "妇科病")),
    ("advice_given", QT_TRANSLATE_NOOP("columns", "医学建议")),
)
CHOICES_OF: dict[str, ChoiceList] = {
    "place": CHECK_PLACE, "ring_result": RING_RESULTS, "pregnancy_result": PREGNANCY_RESULTS,
    "disease_found": YES_NO, "advice_given": YES_NO,
}


class RecentModel(QAbstractTableModel):
    """This session's check-ins, newest first; result cells are editable through the door."""

    refused = Signal(str)  # the door refused a change: the message
    changed = Signal(object)  # an Entry whose results were changed

    def __init__(self, ctx: AppContext, parent: Any = None):
        super().__init__(parent)
        self.ctx = ctx
        self.entries: list[Entry] = []

    def add(self, entry: Entry) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self.entries.insert(0, entry)
        self.endInsertRows()
        if len(self.entries) > MAX_RECENT:
            self.beginRemoveRows(QModelIndex(), MAX_RECENT, len(self.entries) - 1)
            del self.entries[MAX_RECENT:]
            self.endRemoveRows()

    def remove(self, entry: Entry) -> None:
        row = self.entries.index(entry)
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.entries[row]
        self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self.entries = []
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(RECENT_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("columns", RECENT_COLUMNS[section][1])
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and RECENT_COLUMNS[index.column()][0] in CHOICES_OF:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        key = RECENT_COLUMNS[index.column()][0]
        choices = CHOICES_OF.get(key)
        if role == KEY_ROLE:
            value = entry.values.get(key)
            return None if value is None else str(value)
        if role == OPTIONS_ROLE and choices is not None:
            return [(c.key, self._label(choices, c.key)) for c in choices]
        if role == Qt.ItemDataRole.ToolTipRole and choices is not None:
            return self.tr("双击修改（在登记下一位之前核对结果）")
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if key == "time":
            return entry.at.strftime("%H:%M:%S")
        if key == "name":
            return entry.found.name
        if key == "community":
            return entry.community
        if key == "id_number":
            return mask_id(entry.found.id_number)
        if key == "check_date":
            return entry.values.get("check_date") or ""
        if choices is not None:
            value = entry.values.get(key)
            return self._label(choices, None if value is None else str(value))
        return None

    @staticmethod
    def _label(choices: ChoiceList, key: str | None) -> str:
        label = label_of(choices, key)
        return QCoreApplication.translate("kangjian", label) if choices is YES_NO else label

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        key = RECENT_COLUMNS[index.column()][0]
        if key not in CHOICES_OF or value is None:
            return False
        entry = self.entries[index.row()]
        stored: Any = int(value) if key in ("disease_found", "advice_given") else str(value)
        if entry.values.get(key) == stored:
            return True
        changes = {key: stored}
        if key == "disease_found" and stored == 0 and entry.values.get("advice_given"):
            changes["advice_given"] = 0
        try:
            self.ctx.door().update("checks", entry.check_id, changes)
        except WRITE_ERRORS as exc:
            self.refused.emit(error_text(exc))
            return False
        entry.values.update(changes)
        row = index.row()
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        self.changed.emit(entry)
        return True


class ChoiceDelegate(QStyledItemDelegate):
    """A combo box of the cell's options (OPTIONS_ROLE). A choice made in its drop-down list is
    committed at once; arrows on the closed box only move the choice, and Enter (or leaving the
    cell) commits it, as in any editor."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: Index) -> QWidget:
        options = index.data(OPTIONS_ROLE)
        if not options:
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        for key, label in options:
            combo.addItem(label, key)
        combo.setProperty("stepping", False)
        combo.installEventFilter(self)
        combo.activated.connect(lambda _i, c=combo: self._activated(c))
        return combo

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(watched, QComboBox) and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent):
            stepping = event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp,
                                       Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End)
            watched.setProperty("stepping", stepping)
        return super().eventFilter(watched, event)

    def _activated(self, combo: QComboBox) -> None:
        if combo.property("stepping"):
            combo.setProperty("stepping", False)
            return
        self.commitData.emit(combo)
        self.closeEditor.emit(combo)

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, QComboBox):
            found = editor.findData(index.data(KEY_ROLE))
            editor.setCurrentIndex(max(found, 0))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)


# -- the panel ------------------------------------------------------------------------------


class CheckinPanel(QWidget):
    """One entry box, a pick list for several matches, the recent entries and live progress."""

    checked_in = Signal(str)  # check record id
    message_shown = Signal(str, str)  # kind ('ok' / 'info' / 'error'), text

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.choice: CampaignChoice | None = None
        self.matches: list[Found] = []
        self._own_change = False
        self._stale = False

        self.campaign_label = QLabel()
        self.campaign_label.setObjectName("muted")
        self.entry = QLineEdit()
        self.entry.setPlaceholderText(
            self.tr("扫描或输入身份证号，或输入拼音首字母 / 姓名 / 身份证后几位，按回车"))
        font = self.entry.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.entry.setFont(font)
        self.entry.setMinimumHeight(self.entry.fontMetrics().height() + 16)
        self.entry.returnPressed.connect(self.submit)
        self.entry.installEventFilter(self)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setMinimumHeight(self.fontMetrics().height() * 2 + 12)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

        self.pick_model = QStandardItemModel(self)
        self.pick_list = QTableView()
        self.pick_list.setModel(self.pick_model)
        self.pick_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.pick_list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.pick_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.pick_list.setShowGrid(False)
        self.pick_list.setWordWrap(False)
        self.pick_list.verticalHeader().hide()
        self.pick_list.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.pick_list.horizontalHeader().hide()
        self.pick_list.horizontalHeader().setStretchLastSection(True)
        self.pick_list.installEventFilter(self)
        self.pick_list.activated.connect(lambda index: self.pick(index.row()))
        self.pick_list.setMaximumHeight((self.fontMetrics().height() + 8) * 8 + 4)
        self.pick_hint = QLabel(self.tr("找到多人：用 ↑↓ 选择，回车登记，Esc 返回"))
        self.pick_hint.setObjectName("muted")
        self.pick_list.hide()
        self.pick_hint.hide()

        self.recent = RecentModel(ctx, self)
        self.recent.refused.connect(lambda text: self.show_message("error", text))
        self.recent.changed.connect(self._results_changed)
        self.recent_view = QTableView()
        self.recent_view.setModel(self.recent)
        self.recent_view.setItemDelegate(ChoiceDelegate(self.recent_view))
        self.recent_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.recent_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.recent_view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                         | QAbstractItemView.EditTrigger.SelectedClicked
                                         | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.recent_view.setAlternatingRowColors(True)
        self.recent_view.verticalHeader().hide()
        self.recent_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        rh = self.recent_view.horizontalHeader()
        rh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        rh.setHighlightSections(False)
        fm = self.recent_view.fontMetrics()
        samples = ("00:00:00", "欧阳秀兰", "东关社区", "419901********0000", "2026-03-31", "本站",
                   "环位正常", "未孕", "妇科病", "医学建议")
        for col, sample in enumerate(samples):
            rh.resizeSection(col, fm.horizontalAdvance(sample) + 16)
        rh.setStretchLastSection(True)

        self.undo_button = QPushButton(self.tr("撤销上一条 (Ctrl+Z)"))
        self.undo_button.clicked.connect(self.undo)
        self.undo_button.setEnabled(False)
        self.undo_shortcut = QShortcut(QKeySequence.StandardKey.Undo, self)
        self.undo_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.undo_shortcut.activated.connect(self.undo)

        self.progress = ProgressModel(ctx, detailed=False, parent=self)
        self.progress.loaded.connect(self._show_total)
        self.progress.busy_changed.connect(lambda _busy: self._show_total())
        self.progress.failed.connect(self._progress_failed)
        self.progress_busy = BusyBar(self.progress)
        self.progress_view = QTableView()
        self.progress_view.setModel(self.progress)
        self.progress_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.progress_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.progress_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.progress_view.verticalHeader().hide()
        self.progress_view.verticalHeader().setDefaultSectionSize(
            self.fontMetrics().height() + 10)
        ph = self.progress_view.horizontalHeader()
        ph.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        ph.setHighlightSections(False)
        ph.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 5):
            ph.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.total_label = QLabel()
        font = self.total_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.total_label.setFont(font)

        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(self.campaign_label)
        left.addWidget(self.entry)
        left.addWidget(self.message)
        left.addWidget(self.pick_hint)
        left.addWidget(self.pick_list)
        recent_head = QHBoxLayout()
        recent_title = QLabel(self.tr("本次登记（可双击修改结果）"))
        recent_title.setObjectName("sectionTitle")
        recent_head.addWidget(recent_title)
        recent_head.addStretch(1)
        recent_head.addWidget(self.undo_button)
        left.addLayout(recent_head)
        left.addWidget(self.recent_view, 1)

        progress_box = QGroupBox(self.tr("进度"))
        right = QVBoxLayout(progress_box)
        right.addWidget(self.total_label)
        right.addWidget(self.progress_busy)
        right.addWidget(self.progress_view, 1)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(12)
        layout.addLayout(left, 5)
        layout.addWidget(progress_box, 3)

        ctx.hub.data_changed.connect(self._data_changed)
        self.setFocusProxy(self.entry)
        self.set_campaign(None)

    # -- campaign ---------------------------------------------------------------------------

    def set_campaign(self, choice: CampaignChoice | None) -> None:
        self.choice = choice
        self.recent.clear()
        self.undo_button.setEnabled(False)
        self._hide_pick()
        self.message.clear()
        self.entry.setEnabled(choice is not None)
        if choice is None:
            self.campaign_label.setText(self.tr("请先在上方选择一次康检活动。"))
        else:
            day = check_day(choice)
            self.campaign_label.setText(fill(
                self.tr("%1 · 检查日期按 %2 登记（地点本站，结果正常；登记后可在下表修改）"),
                choice.label, day.isoformat()))
        self.reload_progress()

    def reload_progress(self) -> None:
        """Read the progress again on a worker (seconds at district scope on a million women);
        the entry stays usable meanwhile."""
        self._stale = False
        self.progress.load_later(self.choice)
        self._show_total()

    def _show_total(self) -> None:
        if self.choice is None or not self.progress.rows:
            self.total_label.setText(self.tr("正在统计进度…") if self.progress.busy else "")
            return
        total = self.progress.total()
        self.total_label.setText(fill(self.tr("应检 %1 人，实检 %2 人，康检率 %3"),
                                      f"{total.eligible:,}", f"{total.checked:,}",
                                      rate_text(total.rate)))

    def _progress_failed(self, message: str) -> None:
        self.total_label.setText(fill(self.tr("无法统计进度：%1"), message))

    def _data_changed(self, table: str) -> None:
        if self._own_change or table not in ("checks", "women", "persons", "campaigns"):
            return
        if self.isVisible():
            self.reload_progress()
        else:
            self._stale = True  # read again when shown

    def showEvent(self, event: QShowEvent) -> None:
        if self._stale:
            self.reload_progress()
        super().showEvent(event)

    # -- messages ---------------------------------------------------------------------------

    def show_message(self, kind: str, text: str) -> None:
        colours = {"ok": ("#1b5e20", "#e8f5e9"), "error": ("#b71c1c", "#fdecea"),
                   "info": ("#1f2937", "#eef2f7")}
        fg, bg = colours.get(kind, colours["info"])
        self.message.setStyleSheet(
            f"color: {fg}; background: {bg}; border-radius: 4px; padding: 6px 10px;")
        self.message.setText(text)
        self.message.setProperty("kind", kind)
        self.message_shown.emit(kind, text)

    # -- finding ----------------------------------------------------------------------------

    def submit(self) -> None:
        """Enter in the box: find the woman; one match is checked in at once."""
        text = self.entry.text().strip()
        if self.choice is None or not text:
            return
        self._hide_pick()
        found, total = find_women(self.ctx.db, self.ctx.user.scope, text,
                                  offices_in_scope(self.ctx), limit=PICK_LIMIT)
        if not found:
            self.show_message("error", fill(self.tr("名册中没有找到「%1」。请核对后重输，"
                                                     "或先在「名册」页登记。"), text))
            self.entry.selectAll()
            return
        if len(found) == 1:
            self.check_in(found[0])
            return
        self._show_pick(found, total)

    def _show_pick(self, found: list[Found], total: int) -> None:
        assert self.choice is not None
        self.matches = found
        self.pick_model.clear()
        campaigns = [c.id for c in self.choice.campaigns]
        existing = checks_of(self.ctx.db, campaigns, [f.woman_id for f in found])
        day = self.choice.start_date
        many = len(self.choice.offices()) > 1
        muted = QBrush(QColor("#9aa3af"))
        for f in found:
            age = age_on(f.birth_date, day)
            record = existing.get(f.woman_id)
            campaign = self.choice.for_office(f.office)
            if record and record["checked"]:
                status = fill(self.tr("已于 %1 检查"), record["check_date"])
            elif campaign is None or f.ineligible(campaign):
                status = self.tr("不在应检范围")
            else:
                status = ""
            cells = [f.name, mask_id(f.id_number),
                     fill(self.tr("%1岁"), age) if age is not None else "",
                     community_label(self.ctx, f.community_id, many), status]
            items = [QStandardItem(text) for text in cells]
            for item in items:
                item.setEditable(False)
                if status:
                    item.setForeground(muted)
            self.pick_model.appendRow(items)
        self.pick_list.resizeColumnsToContents()
        self.pick_hint.setText(
            fill(self.tr("找到 %1 人：用 ↑↓ 选择，回车登记，Esc 返回"), total) if total <= len(found)
            else fill(self.tr("找到 %1 人，只列出前 %2 人：请多输入几个字母或身份证后几位"),
                      total, len(found)))
        self.pick_hint.show()
        self.message.clear()
        self.message.setStyleSheet("")
        self.pick_list.show()
        self.pick_list.setCurrentIndex(self.pick_model.index(0, 0))
        self.pick_list.setFocus()

    def _hide_pick(self) -> None:
        self.matches = []
        self.pick_list.hide()
        self.pick_hint.hide()

    def pick(self, row: int) -> None:
        if 0 <= row < len(self.matches):
            chosen = self.matches[row]
            self._hide_pick()
            self.check_in(chosen)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if watched is self.pick_list:
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    self.pick(self.pick_list.currentIndex().row())
                    return True
                if key == Qt.Key.Key_Escape:
                    self._hide_pick()
                    self.entry.setFocus()
                    self.entry.selectAll()
                    return True
            elif watched is self.entry and self.pick_list.isVisible() \
                    and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                self.pick_list.setFocus()
                return True
            elif watched is self.entry and event.matches(QKeySequence.StandardKey.Undo) \
                    and not self.entry.text():
                # an empty box has nothing of its own to undo: undo the last check-in
                self.undo()
                return True
        return super().eventFilter(watched, event)

    # -- checking in ------------------------------------------------------------------------

    def check_in(self, found: Found) -> str | None:
        """Mark ``found`` checked in the campaign of her office; the record id, or None."""
        assert self.choice is not None
        many = len(self.choice.offices()) > 1
        where = community_label(self.ctx, found.community_id, many)
        campaign = self.choice.for_office(found.office)
        if campaign is None:
            return self._refuse(fill(self.tr("%1（%2）所在的办事处没有「%3」这次活动，未登记。"),
                                     found.name, where, self.choice.name))
        record = checks_of(self.ctx.db, [campaign.id], [found.woman_id]).get(found.woman_id)
        if record and record["checked"]:
            return self._refuse(fill(
                self.tr("%1（%2）已于 %3 登记为已检（%4），本次未重复登记。"),
                found.name, where, record["check_date"],
                label_of(CHECK_PLACE, record["place"]) or self.tr("地点未填")), kind="info")
        reasons = found.ineligible(campaign)
        if reasons:
            return self._refuse(fill(self.tr("%1（%2）不在本次活动的应检范围内：%3。未登记。"),
                                     found.name, where, "；".join(reasons)))
        day = check_day(self.choice).isoformat()
        results = default_results(found)
        door = self.ctx.door()
        previous = None
        try:
            if record is not None:  # a not-checked record (a reason was entered): she came after all
                previous = {k: record[k] for k in CHECK_VALUES}
                values = {"checked": 1, "check_date": day, "record_date": day,
                          "unchecked_reason": None, **results}
                door.update("checks", record["id"], values)
                check_id = record["id"]
            else:
                values = check_record(self.ctx.db, campaign.id, found.woman_id, checked=True,
                                      check_date=day, **results)
                check_id = door.insert("checks", values)
        except WRITE_ERRORS as exc:
            return self._refuse(fill(self.tr("%1（%2）未能登记：%3"), found.name, where,
                                     error_text(exc)))
        stored = {"check_date": day, **results}
        entry = Entry(check_id, found, where, datetime.now(), stored, previous, found.office)
        self.recent.add(entry)
        self.undo_button.setEnabled(True)
        self.undo_button.setToolTip(fill(self.tr("撤销 %1 的登记"), found.name))
        self._announce(found)
        note = self.tr("（原未检原因已清除）") if previous is not None else ""
        self.show_message("ok", fill(self.tr("✓ 已登记：%1（%2） %3 %4%5"), found.name, where,
                                     day, entry.summary, note))
        self.entry.clear()
        self.entry.setFocus()
        self.checked_in.emit(check_id)
        return check_id

    def _refuse(self, text: str, kind: str = "error") -> str | None:
        """Say why nothing was written; returns None (no record) for check_in to pass on."""
        self.show_message(kind, text)
        self.entry.setFocus()
        self.entry.selectAll()
        return None

    def _announce(self, found: Found) -> None:
        self.progress.refresh_community(found.office, found.community_id)
        self._show_total()
        self._own_change = True
        try:
            self.ctx.hub.data_changed.emit("checks")
        finally:
            self._own_change = False

    def _results_changed(self, entry: Entry) -> None:
        self.show_message("ok", fill(self.tr("已修改 %1 的结果：%2"), entry.found.name,
                                     entry.summary))
        self._own_change = True
        try:
            self.ctx.hub.data_changed.emit("checks")
        finally:
            self._own_change = False

    def undo(self) -> bool:
        """Undo the latest check-in of this session (a tombstone, or the earlier record back)."""
        if not self.recent.entries:
            return False
        entry = self.recent.entries[0]
        door = self.ctx.door()
        try:
            if entry.previous is None:
                door.delete("checks", entry.check_id)
            else:
                door.update("checks", entry.check_id, entry.previous)
        except WRITE_ERRORS as exc:
            self.show_message("error", fill(self.tr("未能撤销 %1 的登记：%2"), entry.found.name,
                                            error_text(exc)))
            return False
        self.recent.remove(entry)
        self.undo_button.setEnabled(bool(self.recent.entries))
        self._announce(entry.found)
        self.show_message("info", fill(self.tr("已撤销 %1（%2）的登记。"), entry.found.name,
                                       entry.community))
        self.entry.setFocus()
        return True
