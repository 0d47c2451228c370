"""What the pages of the 帮扶发放 tab share: labels of the stored keys, the programme picker, a
paged model over the store's ``*_query`` functions, the inline message of a page, and the
background-work plumbing (a worker with its own connection, a progress bar with 取消).

The table models, list models and form helpers are those of the 两免一补 tab
(:mod:`desktop.ui.exemption.common`); only what differs is here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import (
    ACCOUNT_TYPES,
    EXIT_REASONS,
    HUKOU,
    PAYMENT_STATUS,
    QUALIFICATION_STATUS,
    RELATIONS,
    SEX,
    STANDARD_UNITS,
    SUBSIDY_CATEGORY,
    SUBSIDY_LEVELS,
    ChoiceList,
)
from desktop.domain.dates import parse_date
from desktop.domain.errors import ValidationError
from desktop.domain.money import format_yuan
from desktop.store.db import open_database
from desktop.store.errors import AccessDenied
from desktop.store.paged import Query
from desktop.store.subsidy import KEY_COLUMNS, Programme, list_programmes, reveal
from desktop.ui.context import AppContext
from desktop.ui.exemption.common import (
    WRITE_ERRORS,
    FormDialog,
    ListColumn,
    ListModel,
    QueryModel,
    can_approve,
    error_text,
    label_of,
    setup_table,
    show_problems,
)
from desktop.ui.forms import FormGrid, error_label
from desktop.ui.i18n import fill
from desktop.ui.paged_model import RAW_ROLE
from desktop.ui.workers import Job, ProgressDialog, run_in_background

__all__ = [
    "FORMATTERS",
    "WRITE_ERRORS",
    "ListColumn",
    "ListModel",
    "ListPage",
    "Message",
    "SubsidyDialog",
    "SubsidyModel",
    "can_approve",
    "error_text",
    "fill_programmes",
    "formatters_for",
    "iso_day",
    "label_of",
    "problems_text",
    "run_job",
    "setup_list",
    "setup_table",
    "split_problems",
    "table_for",
    "yuan",
]

GREEN = "color: #1b5e20;"  # a receipt
RED = "color: #c62828;"  # a refusal (as the forms' error labels)


def yuan(fen: Any) -> str:
    return "" if fen is None or fen == "" else format_yuan(int(fen))


def _labels(choices: ChoiceList) -> Callable[[Any], str]:
    return lambda value: label_of(choices, value)


FORMATTERS: dict[str, Callable[[Any], str]] = {
    "status": _labels(QUALIFICATION_STATUS),
    "qualification_status": _labels(QUALIFICATION_STATUS),
    "payment_status": _labels(PAYMENT_STATUS),
    "category": _labels(SUBSIDY_CATEGORY),
    "hukou": _labels(HUKOU),
    "relation": _labels(RELATIONS),
    "exit_reason": _labels(EXIT_REASONS),
    "account_type": _labels(ACCOUNT_TYPES),
    "unit": _labels(STANDARD_UNITS),
    "level": _labels(SUBSIDY_LEVELS),
    "sex": _labels(SEX),
    "poor": lambda v: "是" if v not in (None, "", 0, "0") else "",
    "amount_fen": yuan,
    "goods_fen": lambda v: yuan(v) if v else "",
    "total_fen": yuan,
    "approved_at": lambda v: str(v)[:16].replace("T", " "),
}
NUMERIC = frozenset({"amount_fen", "goods_fen", "total_fen", "people", "members"})
DATE_WIDTH = 92
WIDTHS: dict[str, int] = {  # column key → width of the lists (the last column stretches)
    "name": 70,
    "id_number": 160,
    "sex": 44,
    "birth_date": DATE_WIDTH,
    "phone": 112,
    "community": 90,
    "address": 150,
    "hukou": 70,
    "poor": 84,
    "members": 48,
    "office": 80,
    "programme": 112,
    "category": 74,
    "year": 56,
    "status": 60,
    "payment_status": 70,
    "exit_reason": 90,
    "batch_no": 150,
    "amount_fen": 90,
    "goods_fen": 90,
    "goods_desc": 100,
    "account_type": 70,
    "account_no": 90,
    "return_reason": 110,
    "people": 60,
    "total_fen": 110,
    "proposed_by": 80,
    "approved_by": 80,
    "approved_at": 160,
}


def formatters_for(key_columns: Mapping[str, ChoiceList] | None) -> dict[str, Callable[[Any], str]]:
    """The house formatters, with the store's own ``KEY_COLUMNS`` (column → ChoiceList) on top."""
    found = dict(FORMATTERS)
    for key, choices in (key_columns or {}).items():
        found[key] = _labels(choices)
    return found


REVEALABLE = frozenset({"id_number", "phone", "account_no"})  # masked by the store's queries


class SubsidyModel(QueryModel):
    """A paged list over one of ``store.subsidy``'s ``*_query`` functions; :meth:`set_filters`
    passes the page's filters to it again.

    The store's queries mask ID numbers, phones and accounts in SQL; :meth:`reveal` asks
    ``store.subsidy.reveal`` for one full value (permission checked and audited there) and shows
    it until the list is read again with other filters."""

    def __init__(
        self,
        ctx: AppContext,
        make: Callable[..., Query],
        formatters: Mapping[str, Callable[[Any], str]],
        watch: tuple[str, ...] = (),
        parent: Any = None,
        **filters: Any,
    ):
        self.filters: dict[str, Any] = dict(filters)
        self._make = make
        self._db, self._scope = ctx.db, ctx.user.scope  # the factory runs before QObject init
        self._full: dict[tuple[str, str], str] = {}
        offices = {o.code: o.name for o in ctx.tree.offices() if o.code}
        offices["DISTRICT"] = ctx.district_name() or "全区"
        shown = {"office": lambda code: offices.get(str(code), str(code)), **formatters}
        super().__init__(ctx, self._query, shown, watch=watch, parent=parent)

    def _query(self) -> Query:
        return self._make(self._db, self._scope, **self.filters)

    def set_filters(self, **filters: Any) -> None:
        self.filters = filters
        self.refresh()

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.result):
            return None
        key = self.columns[index.column()].key
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if key in NUMERIC:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if key in REVEALABLE and role in (Qt.ItemDataRole.DisplayRole, RAW_ROLE):
            full = self._full.get((str(self.record_id(index.row())), key))
            if full is not None:
                return full
        if role == Qt.ItemDataRole.ToolTipRole and self.is_masked(index):
            return (
                self.tr("右键选择“显示完整信息”查看（将记入审计日志）")
                if self.ctx.user.can_reveal
                else self.tr("已隐藏：您没有查看完整敏感信息的权限")
            )
        return super().data(index, role)

    def is_masked(self, index: Any) -> bool:
        if not index.isValid() or index.row() >= len(self.result):
            return False
        key = self.columns[index.column()].key
        if key not in REVEALABLE or (str(self.record_id(index.row())), key) in self._full:
            return False
        raw = self.result.row(index.row())[index.column() + 1]
        return bool(raw) and "*" in str(raw)

    def reveal(self, index: Any) -> bool:
        """Show one masked value in full if the user may (audited); True when now visible."""
        if not self.is_masked(index):
            return False
        record_id = str(self.record_id(index.row()))
        key = self.columns[index.column()].key
        try:
            value = reveal(self.ctx.door(), self.table, record_id, key)
        except (AccessDenied, ValidationError, ValueError):
            return False
        self._full[(record_id, key)] = value
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, RAW_ROLE])
        return True


def table_for(
    model: Any, widths: Mapping[int, int] | None = None, stretch_last: bool = True
) -> Any:
    """A table view over ``model`` in the house look (widths applied once the columns exist)."""
    view = QTableView()
    view.setModel(model)
    return setup_table(view, widths, stretch_last=stretch_last)


def setup_list(view: Any, model: SubsidyModel) -> Any:
    """The house look of a list over a store query: widths by column key, ids hidden."""
    view.setModel(model)
    setup_table(
        view,
        {
            i: WIDTHS.get(
                c.key,
                DATE_WIDTH
                if c.key.endswith(("_on", "_date", "_start", "_end", "_from", "_to"))
                else 90,
            )
            for i, c in enumerate(model.columns)
        },
    )
    for column in model.columns:
        if column.key == "id" or column.key.endswith("_id"):
            view.setColumnHidden(model.column_index(column.key), True)
    return view


# -- pickers and values ---------------------------------------------------------------------------


def fill_programmes(
    ctx: AppContext, combo: QComboBox, all_label: str | None = None, kind: str | None = None
) -> list[Programme]:
    """The programmes (district data) in the combo, keeping the chosen one."""
    current = combo.currentData()
    found = [p for p in list_programmes(ctx.db) if kind is None or p.kind == kind]
    blocked = combo.blockSignals(True)
    combo.clear()
    if all_label is not None:
        combo.addItem(all_label, None)
    for programme in found:
        combo.addItem(
            f"{programme.name}（{label_of(SUBSIDY_LEVELS, programme.level)}）", programme.id
        )
    keep = combo.findData(current) if current is not None else -1
    combo.setCurrentIndex(keep if keep >= 0 else 0)
    combo.blockSignals(blocked)
    return found


def iso_day(text: str, label: str) -> str:
    """A typed date as ISO text; ValidationError naming ``label`` when it is no date."""
    return parse_date(text.strip(), label).isoformat()


class Message(QLabel):
    """The inline message of a page: a refusal in red, a receipt in green."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def error(self, text: str) -> None:
        self._show(text, RED)

    def done(self, text: str) -> None:
        self._show(text, GREEN)

    def _show(self, text: str, style: str) -> None:
        self.setStyleSheet(style)
        self.setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:  # type: ignore[override]
        super().clear()
        self.hide()


# -- background work --------------------------------------------------------------------------------


def run_job(
    owner: QObject,
    ctx: AppContext,
    fn: Callable[[Any, Callable[[int, int, str], None], Callable[[], bool]], Any],
    title: str,
    label: str,
) -> tuple[Job, ProgressDialog]:
    """Run ``fn(db, progress, cancelled)`` on a worker with its own connection to the database,
    behind a progress bar with 取消. Refusals of the door (``ValidationError`` …) arrive as
    ``job.failed(message)``; a cancel as ``job.cancelled``."""
    db_path = ctx.db_path

    def work(progress: Callable[[int, int, str], None], cancelled: Callable[[], bool]) -> Any:
        db = open_database(db_path, migrate=False)
        try:
            return fn(db, progress, cancelled)
        finally:
            db.conn.close()

    job = run_in_background(work, owner)
    dialog = ProgressDialog(job, title, label, owner if isinstance(owner, QWidget) else None)
    return job, dialog


def problems_text(exc: ValidationError, limit: int = 30) -> str:
    lines = [
        p.message if p.row is None else f"第 {p.row} 条：{p.message}" for p in exc.problems[:limit]
    ]
    if len(exc.problems) > limit:
        lines.append(f"……另有 {len(exc.problems) - limit} 条。")
    return "\n".join(lines) or str(exc)


# -- a page of one paged list ---------------------------------------------------------------------


class ListPage(QWidget):
    """A search box (debounced), filters the subclass adds to ``bar``, a count, the paged list of
    ``model`` and the buttons that act on the current row (enabled only with a row chosen).

    Subclasses give :meth:`filters` (the keyword arguments of their ``*_query``), and may add
    :meth:`row_actions` to the right-click menu (which offers the audited reveal of each masked
    value of the row) and :meth:`open_row` for a double click."""

    count_text = "共 %1 条"

    def __init__(
        self,
        ctx: AppContext,
        make_query: Callable[..., Query],
        placeholder: str,
        watch: tuple[str, ...] = (),
        parent: QWidget | None = None,
        **filters: Any,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.model = model = SubsidyModel(
            ctx, make_query, formatters_for(KEY_COLUMNS), watch=watch, parent=self, **filters
        )
        self.row_buttons: list[QPushButton] = []
        self.dialog: QWidget | None = None  # the last dialog a button opened

        self.search = QLineEdit()
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.apply_filter)
        self.count_label = QLabel()
        model.count_changed.connect(self._show_count)

        self.view = setup_list(QTableView(), model)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._rows_changed())
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(self._double_clicked)
        model.modelReset.connect(self._rows_changed)
        self.message = Message()

        self.bar = QHBoxLayout()
        self.bar.setSpacing(6)
        self.bar.addWidget(QLabel(self.tr("查找")))
        self.bar.addWidget(self.search)
        self.action_bar = QHBoxLayout()
        self.action_bar.setSpacing(6)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 8, 0, 0)
        self.layout_.setSpacing(6)
        self.layout_.addLayout(self.bar)
        self.layout_.addLayout(self.action_bar)
        self.layout_.addWidget(self.message)
        self.layout_.addWidget(self.view, 1)
        self._show_count(len(model.result))

    def finish_bar(self) -> None:
        """Close the filter bar: the count at its right end."""
        self.bar.addStretch(1)
        self.bar.addWidget(self.count_label)
        self.action_bar.addStretch(1)

    def add_row_button(self, button: QPushButton) -> QPushButton:
        self.action_bar.addWidget(button)
        self.row_buttons.append(button)
        button.setEnabled(False)
        return button

    def filters(self) -> dict[str, Any]:
        return {"search": self.search.text()}

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_filters(**self.filters())

    def _show_count(self, count: int) -> None:
        self.count_label.setText(fill(self.tr(self.count_text), f"{count:,}"))

    def _rows_changed(self) -> None:
        chosen = bool(self.selected_ids())
        for button in self.row_buttons:
            button.setEnabled(chosen and self.row_action_allowed(button))

    def row_action_allowed(self, button: QPushButton) -> bool:
        return True

    # -- the right-click menu and the double click ------------------------------------------

    def row_actions(self, menu: QMenu, record_id: str) -> None:
        """Add the page's actions on one row to its right-click menu."""

    def open_row(self, record_id: str) -> None:
        """What a double click on a row (not on a masked value) does."""

    def _double_clicked(self, index: QModelIndex) -> None:
        if self.model.is_masked(index) and self.ctx.user.can_reveal:
            self.model.reveal(index)
            return
        record = self.model.record_id(index.row())
        if record:
            self.open_row(record)

    def _context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu(pos)
        if menu is not None:
            menu.popup(self.view.viewport().mapToGlobal(pos))

    def context_menu(self, pos: QPoint) -> QMenu | None:
        """The row's actions, then 显示完整… for each masked value (audited; disabled without
        the permission)."""
        index = self.view.indexAt(pos)
        record = self.model.record_id(index.row()) if index.isValid() else None
        if record is None:
            return None
        self.view.selectRow(index.row())
        menu = QMenu(self)
        self.row_actions(menu, record)
        masked = [
            self.model.index(index.row(), c)
            for c in range(len(self.model.columns))
            if self.model.is_masked(self.model.index(index.row(), c))
        ]
        if masked and not menu.isEmpty():
            menu.addSeparator()
        for cell in masked:
            label = self.model.headerData(cell.column(), Qt.Orientation.Horizontal)
            action = menu.addAction(fill(self.tr("显示完整%1（记入审计日志）"), label))
            if self.ctx.user.can_reveal:
                action.triggered.connect(lambda _=False, c=cell: self.model.reveal(c))
            else:
                action.setEnabled(False)
        return None if menu.isEmpty() else menu

    def current_id(self) -> str | None:
        index = self.view.currentIndex()
        if not index.isValid() or not self.view.selectionModel().isRowSelected(index.row()):
            rows = self.view.selectionModel().selectedRows()
            if not rows:
                return None
            index = rows[0]
        return self.model.record_id(index.row())

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [r for r in (self.model.record_id(row) for row in rows) if r]

    def select_record(self, record_id: str) -> bool:
        """Make the record the current row (as a click would); False when it is not listed."""
        row = self.model.row_of(record_id)
        if row is None:
            return False
        self.view.selectRow(row)
        return True


def split_problems(found: Any) -> tuple[list[Any], list[Any]]:
    """(refusals, warnings) of what ``store.subsidy.eligibility`` returned: either the two lists,
    or one list of problems each saying whether it is a warning (``severity``)."""
    if isinstance(found, tuple) and len(found) == 2:
        return list(found[0]), list(found[1])
    refusals: list[Any] = []
    warnings: list[Any] = []
    for problem in found or ():
        severity = str(getattr(problem, "severity", "refusal") or "refusal")
        (warnings if severity.startswith("warn") else refusals).append(problem)
    return refusals, warnings


# -- the dialogs' frame ---------------------------------------------------------------------------


class SubsidyDialog(FormDialog):
    """A form of the tab: ``form`` (fields, each with its error label), ``general_error`` for
    what belongs to no field, and 保存 / 取消. Subclasses fill ``form`` and call :meth:`finish`;
    :meth:`save` writes (the dialog closes only when it did)."""

    def __init__(
        self,
        ctx: AppContext,
        title: str,
        parent: QWidget | None = None,
        *,
        ok_text: str | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or date.today()
        self.setWindowTitle(title)
        self.form = FormGrid()
        self.general_error = error_label()
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(
            ok_text or self.tr("保存"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def finish(self, *below: QWidget, grow: QWidget | None = None, width: int = 420) -> None:
        """Lay out the form, then ``below`` (``grow`` takes the spare height), the general
        message and the buttons."""
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        for widget in below:
            layout.addWidget(widget, 1 if widget is grow else 0)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(width)
        self.adjustSize()

    def general(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.setVisible(bool(text))

    def clear_messages(self) -> None:
        self.form.clear_errors()
        self.general("")

    def day(self, key: str, edit: Any, label: str) -> str | None:
        """The ISO date typed in ``edit``; None with the reason under field ``key``."""
        try:
            return iso_day(edit.text(), label)
        except ValidationError as exc:
            self.form.set_error(key, exc.problems[0].message)
            return None

    def span(
        self, first: tuple[str, Any, str], last: tuple[str, Any, str]
    ) -> tuple[str, str] | None:
        """Two dates (key, edit, label) where the second may not come before the first."""
        start, end = self.day(*first), self.day(*last)
        if start is None or end is None:
            return None
        if end < start:
            self.form.set_error(last[0], fill(self.tr("%1不能早于%2"), last[2], first[2]))
            return None
        return start, end

    def refused(self, exc: BaseException, by_label: Mapping[str, str] | None = None) -> bool:
        """Show a refusal of the door (next to the fields it names); returns False."""
        if isinstance(exc, ValidationError) and by_label is not None:
            show_problems(self.form, exc.problems, by_label, self.general)
        else:
            self.general(error_text(exc))
        return False
