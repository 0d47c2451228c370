"""What the pages of the 两免一补 tab share: a paged model over the store's queries (with the
学籍号 masked like the ID number it may hold), a small table model over lists the store returns,
school and semester pickers, labels of stored keys, and who may do what."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QDialog, QHeaderView, QTableView

from desktop.domain.choices import EXEMPTION_ITEMS, HARDSHIP, SCHOOL_STAGES, SEX
from desktop.domain.errors import Problem
from desktop.domain.exemption import METHODS, grade_label, semester_period
from desktop.domain.ids import mask_id
from desktop.domain.money import format_yuan
from desktop.store.exemption import School, list_schools, semester_keys
from desktop.store.paged import Query
from desktop.store.users import User
from desktop.ui.context import AppContext
from desktop.ui.forms import FormGrid
from desktop.ui.kangjian.common import WRITE_ERRORS, error_text, label_of
from desktop.ui.paged_model import KEY_COLUMN, RAW_ROLE, PagedTableModel

__all__ = [
    "WRITE_ERRORS",
    "FormDialog",
    "ListColumn",
    "ListModel",
    "QueryModel",
    "can_approve",
    "current_semester",
    "error_text",
    "fill_schools",
    "is_district_admin",
    "label_of",
    "mask_student_no",
    "semester_choices",
    "show_problems",
    "setup_table",
]

Index = QModelIndex | QPersistentModelIndex
TOTAL_TINT = QColor("#eef2f7")
APPROVER_ROLES = ("reviewer", "admin")


# -- who may do what ------------------------------------------------------------------------


def can_approve(user: User) -> bool:
    """Whether the user may confirm (commit) a semester batch: reviewers and administrators."""
    return user.role in APPROVER_ROLES


def is_district_admin(user: User) -> bool:
    """The district's administrator, who alone edits the aid standards."""
    return user.is_admin and user.office is None


# -- values shown -----------------------------------------------------------------------------


def mask_student_no(number: Any) -> str:
    """A 学籍号 masked as the ID number it is built like: the letter kept, then the body as an ID
    number is masked ('G419901********0243'); the letter alone tells G / J / L apart."""
    text = str(number or "")
    if len(text) == 19 and text[0].isalpha():
        return text[0] + mask_id(text[1:])
    return mask_id(text)


def yes_no(value: Any) -> str:
    if value is None or value == "":
        return ""
    return QCoreApplication.translate("exemption", "是") if int(value) else ""


def grade_text(value: Any) -> str:
    try:
        return grade_label(int(value))
    except (TypeError, ValueError):
        return str(value or "")


def yuan(fen: Any) -> str:
    return "" if fen is None or fen == "" else format_yuan(int(fen))


FORMATTERS: dict[str, Callable[[Any], str]] = {
    "stage": lambda v: label_of(SCHOOL_STAGES, v),
    "item": lambda v: label_of(EXEMPTION_ITEMS, v),
    "method": lambda v: label_of(METHODS, v),
    "hardship": lambda v: label_of(HARDSHIP, v),
    "sex": lambda v: label_of(SEX, v),
    "grade": grade_text,
    "boarding": yes_no,
    "amount_fen": yuan,
}
NUMERIC = frozenset({"amount_fen", "students"})  # right-aligned columns of the store's lists


# -- a paged list over a store query ----------------------------------------------------------


class QueryModel(PagedTableModel):
    """Pages of a ``store.paged.Query`` built by the store (``students_query`` …). The factory is
    called again on every refresh, so a changed filter is one :meth:`set_query`. Columns holding a
    学籍号 (``sensitive='id'``) are masked with :func:`mask_student_no`; a reveal is audited through
    ``ctx.reveal`` as for any masked value."""

    def __init__(
        self,
        ctx: AppContext,
        make_query: Callable[[], Query],
        formatters: Mapping[str, Callable[[Any], str]] | None = None,
        watch: Sequence[str] = (),
        parent: Any = None,
    ):
        self._make_query = make_query
        first = make_query()
        self._watch = {first.table, *watch}
        super().__init__(
            ctx, first.table, first.columns, formatters=formatters, order=first.order, parent=parent
        )

    def set_query(self, make_query: Callable[[], Query]) -> None:
        self._make_query = make_query
        self._reset()

    def query(self) -> Query:
        made = self._make_query()
        self.columns = list(made.columns)
        return Query(
            made.table,
            [KEY_COLUMN, *made.columns],
            list(made.where),
            list(made.params),
            list(self._order or made.order),
            made.joins,
        )

    def _on_data_changed(self, table: str) -> None:
        if table in self._watch:
            self.refresh()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.isValid():
            if self.columns[index.column()].key in NUMERIC:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if (
            index.isValid()
            and role in (Qt.ItemDataRole.DisplayRole, RAW_ROLE)
            and index.row() < len(self.result)
            and self.columns[index.column()].sensitive == "id"
            and self.is_masked(index)
        ):
            raw = self.result.row(index.row())[index.column() + 1]
            return mask_student_no(raw) if raw else ""
        return super().data(index, role)

    def value(self, row: int, key: str) -> Any:
        """The stored value of column ``key`` in ``row`` (hidden id columns included)."""
        if not 0 <= row < len(self.result):
            return None
        return self.result.row(row)[self.column_index(key) + 1]


# -- a table over a list ----------------------------------------------------------------------


@dataclass(frozen=True)
class ListColumn:
    key: str
    label: str  # marked with QT_TRANSLATE_NOOP("columns", …)
    text: Callable[[Any], str] | None = None  # display of the raw value
    numeric: bool = False


class ListModel(QAbstractTableModel):
    """Rows held in memory (dicts of raw values by column key), with an optional bold 合计 row.
    The raw value is under ``RAW_ROLE``; ``items`` keeps the objects the rows were made from."""

    def __init__(self, columns: Sequence[ListColumn], parent: Any = None):
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Mapping[str, Any]] = []
        self.items: list[Any] = []
        self.total: Mapping[str, Any] | None = None
        self.tooltips: list[str] = []

    def set_rows(
        self,
        rows: Sequence[Mapping[str, Any]],
        items: Sequence[Any] = (),
        total: Mapping[str, Any] | None = None,
        tooltips: Sequence[str] = (),
    ) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.items = list(items)
        self.total = total
        self.tooltips = list(tooltips)
        self.endResetModel()

    def column_index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def is_total(self, row: int) -> bool:
        return self.total is not None and row == len(self.rows)

    def item(self, row: int) -> Any:
        return self.items[row] if 0 <= row < len(self.items) else None

    def raw(self, row: int, key: str) -> Any:
        data = self.total if self.is_total(row) else self.rows[row]
        return data.get(key) if data is not None else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self.rows) + (1 if self.total is not None and self.rows else 0)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return QCoreApplication.translate("columns", self.columns[section].label)
            if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[section].numeric:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self.rowCount():
            return None
        column = self.columns[index.column()]
        row = index.row()
        if role == RAW_ROLE:
            return self.raw(row, column.key)
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.raw(row, column.key)
            if value is None:
                return ""
            return column.text(value) if column.text else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if self.is_total(row):
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(TOTAL_TINT)
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        elif role == Qt.ItemDataRole.ToolTipRole and row < len(self.tooltips):
            return self.tooltips[row] or None
        return None


# -- widgets ------------------------------------------------------------------------------------


def setup_table(
    view: QTableView, widths: Mapping[int, int] | None = None, stretch_last: bool = True
) -> QTableView:
    """The house look of a list: whole rows selected, alternating colours, no editing."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 12)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for col, width in (widths or {}).items():
        header.resizeSection(col, width)
    header.setStretchLastSection(stretch_last)
    return view


def school_label(school: School, many_offices: bool, ctx: AppContext) -> str:
    if many_offices:
        office = ctx.tree.office_by_code(school.office)
        return f"{office.name if office else school.office} · {school.name}"
    return school.name


def fill_schools(
    ctx: AppContext,
    combo: QComboBox,
    all_label: str | None,
    schools: Sequence[School] | None = None,
) -> list[School]:
    """The schools in the user's scope (office named when there are several), keeping the chosen
    school when it is still there. Returns the schools listed."""
    current = combo.currentData()
    found = list(schools if schools is not None else list_schools(ctx.db, ctx.user.scope))
    many = len({s.office for s in found}) > 1
    blocked = combo.blockSignals(True)
    combo.clear()
    if all_label is not None:
        combo.addItem(all_label, None)
    for school in found:
        combo.addItem(school_label(school, many, ctx), school.id)
        combo.setItemData(
            combo.count() - 1,
            f"{school.name}（{school.code}，{school.stage_label}）",
            Qt.ItemDataRole.ToolTipRole,
        )
    keep = combo.findData(current) if current is not None else -1
    combo.setCurrentIndex(keep if keep >= 0 else 0)
    combo.blockSignals(blocked)
    return found


# -- semesters ----------------------------------------------------------------------------------


def current_semester(today: date | None = None) -> str:
    """The semester a day falls in: 春 March–August, 秋 September–February."""
    today = today or date.today()
    if 3 <= today.month <= 8:
        return f"{today.year}春"
    return f"{today.year if today.month >= 9 else today.year - 1}秋"


def _step(key: str, by: int) -> str:
    index = int(key[:4]) * 2 + (1 if key.endswith("秋") else 0) + by
    return f"{index // 2}{'秋' if index % 2 else '春'}"


def semester_choices(ctx: AppContext, today: date | None = None, back: int = 5) -> list[str]:
    """Semesters to choose from, newest first: the next one, the current one and ``back`` before
    it, and every older semester that already has records."""
    now = current_semester(today)
    keys = {_step(now, i) for i in range(-back, 2)}
    keys.update(semester_keys(ctx.db, ctx.user.scope))
    return sorted(keys, key=lambda k: -(int(k[:4]) * 2 + (1 if k.endswith("秋") else 0)))


def semester_text(key: str) -> str:
    period = semester_period(key)
    return f"{key}（{period.start.isoformat()} 至 {period.end.isoformat()}）"


# -- dialogs -------------------------------------------------------------------------------------


class FormDialog(QDialog):
    """A form whose 保存 runs :meth:`save`: the dialog closes only when it wrote; otherwise it
    grows to show the messages written next to the fields."""

    def save(self) -> bool:
        raise NotImplementedError

    def accept(self) -> None:
        if self.save():
            super().accept()
        else:
            self.adjustSize()


# -- problems next to fields --------------------------------------------------------------------


def show_problems(
    form: FormGrid,
    problems: Sequence[Problem],
    by_label: Mapping[str, str],
    general: Callable[[str], None],
) -> None:
    """Write each problem under the field it names (once); the rest through ``general``."""
    rest: list[str] = []
    for problem in problems:
        key = by_label.get(problem.field)
        if key is None or key not in form.errors:
            text = f"{problem.field}：{problem.message}" if problem.field else problem.message
            if text not in rest:
                rest.append(text)
            continue
        previous = form.error_text(key)
        if problem.message not in previous.split("\n"):
            form.set_error(key, f"{previous}\n{problem.message}" if previous else problem.message)
    if rest:
        general("\n".join(rest))
