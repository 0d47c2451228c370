"""报送包冲突 and 跨办事处核查.

A conflict is shown side by side, field by field — the version here and the version in the
package, with who changed each and when — and a person takes one of them or edits the values to
keep (the "采用" column); the choice is written through ``store.package_review`` and audited.
The cross-office checks list both records of each problem; a held record can be released (once
its twin is settled) or dismissed.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import ValidationError
from desktop.domain.labels import MASKS, choices_for, column_label, masked_text, value_text
from desktop.store.errors import AccessDenied, StorageError
from desktop.store.orgs import OrgTree
from desktop.store.package_review import (
    Conflict,
    Issue,
    cross_office_issues,
    open_conflicts,
    resolve_conflict,
    settle_held,
)
from desktop.store.packages import SYNC
from desktop.ui.context import AppContext
from desktop.ui.forms import error_label, fit_dialog
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill

Index = QModelIndex | QPersistentModelIndex
DIFFERENT = QBrush(QColor("#fff3cd"))


def field_label(table: str, name: str) -> str:
    """A column as the clerk knows it (``hukou`` → 户籍类型)."""
    return column_label(table, name)


def describe(tree: OrgTree | None, table: str, name: str, value: Any) -> str:
    """A stored value as shown on this screen: communities and offices by name, a campaign's
    communities as their names, coded values by their labels, money in 元."""
    if tree is not None and value:
        if name in ("community_id", "scope_unit_id") and value in tree.units:
            return tree.label(value)
        if name == "office":  # stored as the office's code
            office = tree.office_by_code(str(value))
            return office.name if office else str(value)
        if name == "communities" and isinstance(value, str) and value.startswith("["):
            try:
                ids = json.loads(value)
            except ValueError:
                ids = None
            if isinstance(ids, list):
                return "、".join(tree.label(i) if i in tree.units else str(i) for i in ids)
    if name.endswith("_at"):
        return when(value)
    return value_text(table, name, value)


class ListModel(QAbstractTableModel):
    """A read-only list with fixed columns; subclasses give ``cell(row, column)``."""

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.cell(self.rows[index.row()], index.column())
        return None

    def cell(self, row: Any, column: int) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


def when(stamp: Any) -> str:
    """A stored timestamp as read on screen: 2026-03-05T09:30:12.345+08:00 → 2026-03-05 09:30."""
    text = str(stamp or "")
    return text[:16].replace("T", " ") if len(text) >= 16 and text[10] == "T" else text


class ConflictListModel(ListModel):
    COLUMNS = (
        QT_TRANSLATE_NOOP("ConflictListModel", "编号"),
        QT_TRANSLATE_NOOP("ConflictListModel", "台账"),
        QT_TRANSLATE_NOOP("ConflictListModel", "来自"),
        QT_TRANSLATE_NOOP("ConflictListModel", "不同的字段"),
    )

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.tree: OrgTree | None = None

    def cell(self, row: Conflict, column: int) -> Any:
        fields = [field_label(row.table, f) for f in row.differing() if f not in SYNC]
        origin = describe(self.tree, row.table, "office", row.origin)
        return (row.seq, row.label, origin, "、".join(fields))[column]


class FieldDiffModel(ListModel):
    """One row per field: this side, the package's side, and the value to keep (editable)."""

    COLUMNS = (
        QT_TRANSLATE_NOOP("FieldDiffModel", "字段"),
        QT_TRANSLATE_NOOP("FieldDiffModel", "本地版本"),
        QT_TRANSLATE_NOOP("FieldDiffModel", "报送版本"),
        QT_TRANSLATE_NOOP("FieldDiffModel", "采用"),
    )
    KEEP = 3

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.conflict: Conflict | None = None
        self.keep: dict[str, Any] = {}
        self.tree: OrgTree | None = None

    def show(self, conflict: Conflict | None) -> None:
        self.conflict = conflict
        if conflict is None:
            self.keep = {}
            self.set_rows([])
            return
        different = conflict.differing()
        rest = [k for k in conflict.ours if k not in different]
        self.keep = {k: conflict.ours.get(k) for k in conflict.ours if k not in SYNC}
        self.set_rows(different + rest)

    def cell(self, name: str, column: int) -> Any:
        assert self.conflict is not None
        if column == 0:
            return field_label(self.conflict.table, name)
        if column == self.KEEP:
            return "" if name in SYNC else self.describe(name, self.keep.get(name))
        side = self.conflict.ours if column == 1 else self.conflict.theirs
        return self.describe(name, side.get(name))

    def describe(self, name: str, value: Any) -> str:
        """How a value is shown: labels and names (``tree`` set by the dialog), not codes."""
        assert self.conflict is not None
        return describe(self.tree, self.conflict.table, name, value)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            role == Qt.ItemDataRole.BackgroundRole
            and index.isValid()
            and self.conflict
            and self.rows[index.row()] in self.conflict.differing()
        ):
            return DIFFERENT
        if role == Qt.ItemDataRole.EditRole and index.isValid() and index.column() == self.KEEP:
            return _text(self.keep.get(self.rows[index.row()]))  # edited as stored
        return super().data(index, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.KEEP and self.rows[index.row()] not in SYNC:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(
        self,
        index: Index,
        value: Any,  # noqa: N802
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        name = self.rows[index.row()]
        old = self.keep.get(name)
        text = str(value).strip()
        assert self.conflict is not None
        choices = choices_for(self.conflict.table, name)
        if choices is not None and text and text not in choices:
            try:
                text = choices.key(text)  # typed as shown (农村) → stored (rural)
            except ValidationError:
                pass  # kept as typed: saving names what is wrong
        self.keep[name] = (
            int(text)
            if isinstance(old, int) and text.lstrip("-").isdigit()
            else (None if text == "" and old is None else text)
        )
        self.dataChanged.emit(index, index)
        return True

    def edited(self) -> dict[str, Any]:
        """The kept values that differ from this side's version."""
        assert self.conflict is not None
        return {k: v for k, v in self.keep.items() if v != self.conflict.ours.get(k)}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class IssueModel(ListModel):
    COLUMNS = (
        QT_TRANSLATE_NOOP("IssueModel", "问题"),
        QT_TRANSLATE_NOOP("IssueModel", "记录一"),
        QT_TRANSLATE_NOOP("IssueModel", "记录二"),
    )

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.tree: OrgTree | None = None

    def cell(self, row: Issue, column: int) -> Any:
        if column == 0:
            return row.title
        record = row.a if column == 1 else row.b
        if record is None:
            return ""
        return record_text(self.tree, row.table, record)


def record_text(tree: OrgTree | None, table: str, record: dict[str, Any]) -> str:
    """A record on one line, 「办事处：…；姓名：…」: named columns, readable values, ID numbers,
    phones and accounts masked, empty fields and the other sync fields left out."""
    parts = []
    for name, value in record.items():
        if (name in SYNC and name != "office") or value is None or value == "":
            continue
        if name.endswith("_id") and name != "community_id":
            continue  # a reference: the listing carries the name it points to
        shown = (
            masked_text(table, name, value) if name in MASKS else describe(tree, table, name, value)
        )
        parts.append(f"{field_label(table, name)}：{shown}")
    return "；".join(parts)


def table_view(model: QAbstractTableModel, stretch_last: bool = True) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(stretch_last)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


class ConflictsDialog(QDialog):
    """报送包冲突 (side by side) and 跨办事处核查 in two tabs."""

    resolved = Signal(str, str)  # table, record id

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("报送包冲突与跨办事处核查"))
        self.list_model = ConflictListModel(self)
        self.list_model.tree = ctx.tree
        self.list_view = table_view(self.list_model)
        self.list_view.selectionModel().currentRowChanged.connect(self._picked)
        self.diff_model = FieldDiffModel(self)
        self.diff_model.tree = ctx.tree
        self.diff_view = table_view(self.diff_model)
        self.diff_view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.who = QLabel()
        self.who.setWordWrap(True)
        self.error = error_label()
        self.ours_button = QPushButton(self.tr("采用本地版本"))
        self.theirs_button = QPushButton(self.tr("采用报送版本"))
        self.edited_button = QPushButton(self.tr("按“采用”列保存"))
        self.ours_button.clicked.connect(lambda: self.resolve("ours"))
        self.theirs_button.clicked.connect(lambda: self.resolve("theirs"))
        self.edited_button.clicked.connect(lambda: self.resolve("edited"))
        choose = QHBoxLayout()
        choose.addWidget(self.ours_button)
        choose.addWidget(self.theirs_button)
        choose.addWidget(self.edited_button)
        choose.addStretch(1)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.list_view, 1)
        layout.addWidget(self.who)
        layout.addWidget(self.diff_view, 2)
        layout.addWidget(self.error)
        layout.addLayout(choose)

        self.issue_model = IssueModel(self)
        self.issue_model.tree = ctx.tree
        self.issue_view = table_view(self.issue_model)
        self.release_button = QPushButton(self.tr("写入暂缓记录"))
        self.dismiss_button = QPushButton(self.tr("放弃暂缓记录"))
        self.release_button.clicked.connect(lambda: self.settle(True))
        self.dismiss_button.clicked.connect(lambda: self.settle(False))
        self.issue_error = error_label()
        checks = QWidget()
        checks_layout = QVBoxLayout(checks)
        checks_layout.addWidget(self.issue_view, 1)
        checks_layout.addWidget(self.issue_error)
        row = QHBoxLayout()
        row.addWidget(self.release_button)
        row.addWidget(self.dismiss_button)
        row.addStretch(1)
        checks_layout.addLayout(row)

        self.tabs = QTabWidget()
        self.tabs.addTab(page, self.tr("冲突"))
        self.tabs.addTab(checks, self.tr("跨办事处核查"))
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.accept)
        outer = QVBoxLayout(self)
        outer.addWidget(self.tabs)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        outer.addLayout(bottom)
        self.reload()
        fit_dialog(self, 900)
        self.resize(980, 640)

    def reload(self) -> None:
        self.list_model.set_rows(open_conflicts(self.ctx.db))
        self.issue_model.set_rows(cross_office_issues(self.ctx.db))
        self.tabs.setTabText(0, fill(self.tr("冲突（%1）"), len(self.list_model.rows)))
        self.tabs.setTabText(1, fill(self.tr("跨办事处核查（%1）"), len(self.issue_model.rows)))
        if self.list_model.rows:
            self.list_view.selectRow(0)
            self._picked(self.list_model.index(0, 0))
        else:
            self._picked(QModelIndex())

    def current(self) -> Conflict | None:
        return self.diff_model.conflict

    def _picked(self, index: Index, _previous: Any = None) -> None:
        conflict = self.list_model.rows[index.row()] if index.isValid() else None
        self.diff_model.show(conflict)
        self.diff_view.resizeColumnsToContents()
        for button in (self.ours_button, self.theirs_button, self.edited_button):
            button.setEnabled(conflict is not None)
        self.error.hide()
        if conflict is None:
            self.who.setText(self.tr("没有待处理的冲突。"))
            return
        self.who.setText(
            fill(
                self.tr(
                    "本地版本：%1 于 %2 修改（第 %3 版）；报送版本：%4 于 %5 修改（第 %6 版，来自 %7）"
                ),
                conflict.ours["updated_by"],
                when(conflict.ours["updated_at"]),
                conflict.ours["rev"],
                conflict.theirs["updated_by"],
                when(conflict.theirs["updated_at"]),
                conflict.theirs["rev"],
                describe(self.ctx.tree, conflict.table, "office", conflict.origin),
            )
        )

    def resolve(self, choice: str) -> bool:
        conflict = self.current()
        if conflict is None:
            return False
        edited = self.diff_model.edited() if choice == "edited" else None
        try:
            resolve_conflict(self.ctx.db, self.ctx.user, conflict.seq, choice, edited)
        except (ValidationError, AccessDenied, StorageError) as exc:
            self.error.setText(str(exc))
            self.error.show()
            return False
        self.ctx.hub.data_changed.emit(conflict.table)
        self.resolved.emit(conflict.table, conflict.record_id)
        self.reload()
        return True

    def settle(self, release: bool) -> bool:
        index = self.issue_view.currentIndex()
        issue = self.issue_model.rows[index.row()] if index.isValid() else None
        self.issue_error.hide()
        if issue is None or issue.held_seq is None:
            self.issue_error.setText(self.tr("请先选择一条“重复记录暂缓”的问题。"))
            self.issue_error.show()
            return False
        try:
            settle_held(self.ctx.db, self.ctx.user, issue.held_seq, release)
        except (AccessDenied, StorageError) as exc:
            self.issue_error.setText(str(exc))
            self.issue_error.show()
            return False
        self.ctx.hub.data_changed.emit(issue.table)
        self.reload()
        return True
