"""名册: the women's roster (已婚育龄妇女名册), paged from SQLite over ``persons`` joined to
``women``, with filters, one search box, masked identifiers and the add / edit form."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import CONTRACEPTION, FLOATING, MARITAL, ROSTER_EXIT
from desktop.store.db import connect
from desktop.store.kangjian_lookup import ROSTER_JOIN
from desktop.store.paged import Column, PagedResult, Query
from desktop.ui.context import AppContext
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.kangjian.common import (
    fill_communities,
    label_of,
    offices_in_scope,
    search_condition,
)
from desktop.ui.paged_model import PagedTableModel
from desktop.ui.workers import run_in_background

COMMUNITY_NAME = "(SELECT name FROM org_units o WHERE o.id = t.community_id)"

# Every offered order follows an index of ``persons`` (a million rows sort in milliseconds):
# pinyin (persons_pinyin), community (persons_community), birth date (persons_birth_date).
# Masked columns and the roster's own columns are not sortable.
ROSTER_COLUMNS = (
    Column("name", QT_TRANSLATE_NOOP("columns", "姓名"), "t.name", sort_expr="t.pinyin, t.name"),
    Column("pinyin", QT_TRANSLATE_NOOP("columns", "拼音"), "t.pinyin",
           sort_expr="t.pinyin, t.name"),
    Column("id_number", QT_TRANSLATE_NOOP("columns", "身份证号"), "t.id_number",
           sensitive="id", sortable=False),
    Column("birth_date", QT_TRANSLATE_NOOP("columns", "出生日期"), "t.birth_date"),
    Column("community", QT_TRANSLATE_NOOP("columns", "社区"), COMMUNITY_NAME,
           sort_expr="t.community_id, t.name"),
    Column("phone", QT_TRANSLATE_NOOP("columns", "手机"), "t.phone", sensitive="phone",
           sortable=False),
    Column("marriage_date", QT_TRANSLATE_NOOP("columns", "结婚日期"), "w.marriage_date",
           sortable=False),
    Column("living_children", QT_TRANSLATE_NOOP("columns", "现有子女"), "w.living_children",
           sortable=False),
    Column("contraception", QT_TRANSLATE_NOOP("columns", "避孕措施"), "w.contraception",
           sortable=False),
    Column("floating", QT_TRANSLATE_NOOP("columns", "流动情况"),
           "w.floating || '|' || coalesce(w.floating_where, '')", sortable=False),
    Column("entered_on", QT_TRANSLATE_NOOP("columns", "登记日期"), "w.entered_on",
           sortable=False),
    Column("status", QT_TRANSLATE_NOOP("columns", "状态"),
           "coalesce(w.exit_date, '') || '|' || coalesce(w.exit_reason, '') || '|' || w.marital",
           sortable=False),
    Column("woman_id", "", "w.id", sortable=False),  # hidden: the roster entry's key
)
# The first six columns sit where the person register (``tabs.kangjian.PERSON_COLUMNS``) has them.
(COL_NAME, COL_PINYIN, COL_ID, COL_BIRTH, COL_COMMUNITY, COL_PHONE, COL_MARRIAGE, COL_CHILDREN,
 COL_CONTRACEPTION, COL_FLOATING, COL_ENTERED, COL_STATUS, COL_WOMAN_ID) = range(13)
WIDTHS = {COL_NAME: 72, COL_PINYIN: 56, COL_ID: 156, COL_BIRTH: 92, COL_COMMUNITY: 120, COL_PHONE: 106,
          COL_MARRIAGE: 92, COL_CHILDREN: 66, COL_CONTRACEPTION: 88, COL_FLOATING: 130,
          COL_ENTERED: 92}

ORDER_LEADS = {
    "name": "t.pinyin >= ''",
    "pinyin": "t.pinyin >= ''",
    "community": "t.community_id >= ''",
    "birth_date": "t.birth_date >= ''",  # women on the roster have an ID, hence a birth date
}

# after this long the exact count of the join (half a second on a million women) is read
EXACT_COUNT_DELAY_MS = 1000

STATUS_IN = "in"
STATUS_OUT = "out"


def _floating(raw: Any) -> str:
    kind, _, where = str(raw).partition("|")
    label = label_of(FLOATING, kind)
    if kind == "none":
        return ""
    return f"{label}（{where}）" if where else label


def _status(raw: Any) -> str:
    exit_date, reason, marital = (str(raw).split("|") + ["", "", ""])[:3]
    if not exit_date:
        if marital and marital != "married":
            return label_of(MARITAL, marital)
        return QCoreApplication.translate("kangjian", "在册")
    return fill(QCoreApplication.translate("kangjian", "已退出：%1（%2）"),
                label_of(ROSTER_EXIT, reason) or "—", exit_date)


class OrderedResult(PagedResult):
    """A paged result whose count leaves out the conditions that only steer the order: the
    count needs no order, and a range on the ordered index would make it read the table (on
    116 000 women 370 ms instead of 30 ms through a covering index).

    ``quick_count`` (SQL and its parameters), when given, is a count of the roster entries alone
    that stands in for the exact count of the join until :meth:`RosterModel` has the exact one
    from a worker (the join to ``persons`` costs half a second on a million women; the two agree
    unless a person was deleted or moved while her roster entry stayed)."""

    def __init__(self, conn: sqlite3.Connection, query: Query, count_where: list[str],
                 quick_count: tuple[str, list[Any]] | None = None):
        self.count_where = count_where
        self.quick_count = quick_count
        super().__init__(conn, query)

    def exact_count_sql(self) -> str:
        where = " AND ".join(f"({w})" for w in self.count_where) or "1"
        return f"SELECT count(*) FROM {self.query.source} WHERE {where}"

    def _count(self) -> int:
        sql, params = self.quick_count or (self.exact_count_sql(), self.query.params)
        try:
            return int(self.conn.execute(sql, params).fetchone()[0])
        except sqlite3.OperationalError:
            if COUNT_HINT not in sql:
                raise
            # "no query solution": a condition the hinted index cannot serve (a scope of none)
            return int(self.conn.execute(sql.replace(COUNT_HINT, ""), params).fetchone()[0])

    def set_count(self, count: int) -> None:
        """The exact count arrived: rowids past it are dropped, rows up to it read on demand."""
        self.count = count
        del self.rowids[count:]
        self.invalidate_rows()
        self.quick_count = None


# conditions of the roster's where clause that a count of ``women`` alone can answer
_ON_PERSONS = re.compile(r"\bt\.")
_SHARED = re.compile(r"\bt\.(office|community_id)\b")
_PERSON_LIVE = "t.deleted = 0"
COUNT_HINT = " INDEXED BY women_roster_count"


def quick_count(where: list[str], params: list[Any]) -> tuple[str, list[Any]] | None:
    """The count of live roster entries under ``where`` read from ``women`` alone (its covering
    index ``women_roster_count``), or None when a condition needs the person (a search)."""
    moved = [_SHARED.sub(r"w.\1", w) for w in where if w != _PERSON_LIVE]
    if any(_ON_PERSONS.search(w) for w in moved):
        return None
    conditions = " AND ".join(["w.deleted = 0", *(f"({w})" for w in moved)])
    # Without statistics SQLite may scan the wider women_roster_probe instead (3× the pages); a
    # community's count is better served by women_community and that community's rows.
    # (a constant false condition, the deferred first read's, leaves SQLite no plan to hint)
    plain = any("w.community_id" in w or w == "0" for w in moved)
    hint = "" if plain else COUNT_HINT
    return f"SELECT count(*) FROM women AS w{hint} WHERE {conditions}", list(params)


class RosterModel(PagedTableModel):
    """The roster: rows of ``persons`` (alias ``t``, so record ids and reveals are the person's)
    that have a live ``women`` entry (alias ``w``)."""

    count_settled = Signal()  # the exact count of the join arrived (after a quick count)

    def __init__(self, ctx: AppContext, parent: Any = None, *, deferred: bool = False):
        # deferred: the owner sets its filter at once, so the unfiltered first read is skipped
        self._deferred = deferred
        self._count_generation = 0
        self.counting = False  # the exact count is being read on a worker
        super().__init__(
            ctx, "persons", ROSTER_COLUMNS,
            formatters={
                "contraception": lambda v: label_of(CONTRACEPTION, v),
                "floating": _floating,
                "status": _status,
                "living_children": str,
            },
            order=[("name", False)],
            parent=parent,
        )

    def query(self) -> Query:
        query = super().query()
        query.joins = ROSTER_JOIN
        # An always-true range on the order's leading column: without statistics SQLite may
        # rather scan a covering index for the join and sort the whole roster (it does so for an
        # office's clerk); the range makes the ordered index the cheaper plan, so the first screen
        # reads only a screenful. A selective search (ID tail, name) still wins with its index.
        lead = self.order_lead(query)
        if lead:
            query.where.append(lead)
        return query

    @staticmethod
    def order_lead(query: Query) -> str | None:
        return ORDER_LEADS.get(query.order[0][0]) if query.order else None

    def _run(self) -> PagedResult:
        query = self.query()
        if self._deferred:
            self._deferred = False
            query.where.append("0")  # no rows, and SQLite reads nothing to know it
        lead = self.order_lead(query)
        count_where = [w for w in query.where if w != lead]
        quick = quick_count(count_where, query.params)
        result = OrderedResult(self.ctx.db.conn, query, count_where, quick)
        self._count_generation += 1
        self.counting = False
        if quick is not None:
            self._check_count(result, self._count_generation)
        return result

    def _check_count(self, result: OrderedResult, generation: int) -> None:
        """Count the join exactly on a worker once the first screen is up (a window closed
        meanwhile does not wait for it); should it differ from the quick count, show it."""
        self.counting = True
        QTimer.singleShot(EXACT_COUNT_DELAY_MS, self,
                          lambda: self._count_exactly(result, generation))

    def _count_exactly(self, result: OrderedResult, generation: int) -> None:
        if generation != self._count_generation:
            return  # read again meanwhile: that read has its own count on the way
        path, sql, params = self.ctx.db_path, result.exact_count_sql(), result.query.params

        def work(_progress: Any, _cancelled: Any) -> int:
            conn = connect(path)
            try:
                return int(conn.execute(sql, params).fetchone()[0])
            finally:
                conn.close()

        job = run_in_background(work, self)
        job.finished.connect(lambda count: self._counted(result, generation, count))
        job.failed.connect(lambda _message: self._counted(result, generation, None))
        job.crashed.connect(lambda _exc: self._counted(result, generation, None))

    def _counted(self, result: OrderedResult, generation: int, count: int | None) -> None:
        if generation != self._count_generation or result is not self.result:
            return  # the rows were read again meanwhile
        self.counting = False
        if count is not None and count != result.count:
            self.beginResetModel()
            result.set_count(count)
            self.endResetModel()
            self.count_changed.emit(count)
        self.count_settled.emit()

    def _on_data_changed(self, table: str) -> None:
        if table in ("persons", "women"):
            self.refresh()

    def woman_id(self, row: int) -> str | None:
        if not 0 <= row < len(self.result):
            return None
        return self.result.row(row)[COL_WOMAN_ID + 1]


class RosterPage(QWidget):
    """Filters, the search box, the paged table and the buttons of the roster."""

    edit_requested = Signal(str)  # person id
    add_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.model = RosterModel(ctx, self, deferred=True)

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("姓名 / 拼音首字母 / 身份证后几位"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(240)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.apply_filter)

        self.community = QComboBox()
        fill_communities(ctx, self.community, self.tr("全部社区"))
        self.community.setMinimumContentsLength(12)
        self.community.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.community.currentIndexChanged.connect(self.apply_filter)

        self.status = QComboBox()
        self.status.addItem(self.tr("在册"), STATUS_IN)
        self.status.addItem(self.tr("已退出"), STATUS_OUT)
        self.status.addItem(self.tr("全部"), None)
        self.status.currentIndexChanged.connect(self.apply_filter)

        self.floating = QComboBox()
        self.floating.addItem(self.tr("全部"), None)
        for choice in FLOATING:
            self.floating.addItem(choice.label, choice.key)
        self.floating.currentIndexChanged.connect(self.apply_filter)

        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.model.count_changed.connect(self._show_count)
        self.model.rest_started.connect(self._reading_order)
        self.model.rest_loaded.connect(lambda: self._show_count(self.model.rowCount()))

        self.add_button = QPushButton(self.tr("新增…"))
        self.add_button.setToolTip(self.tr("登记一名已婚育龄妇女（Ctrl+N）"))
        self.add_button.setShortcut("Ctrl+N")
        self.add_button.clicked.connect(self.add_requested.emit)
        self.edit_button = QPushButton(self.tr("编辑…"))
        self.edit_button.clicked.connect(self._edit_current)
        self.edit_button.setEnabled(False)

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        hh = self.view.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col, width in WIDTHS.items():
            hh.resizeSection(col, width)
        hh.setStretchLastSection(True)
        self.view.setColumnHidden(COL_WOMAN_ID, True)
        # Show the model's initial order first, so that enabling sorting re-sorts nothing.
        hh.setSortIndicator(COL_NAME, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self.edit_button.setEnabled(current.isValid()))
        self.model.modelReset.connect(lambda: self.edit_button.setEnabled(False))

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(QLabel(self.tr("查找")))
        bar.addWidget(self.search)
        bar.addSpacing(10)
        bar.addWidget(QLabel(self.tr("社区")))
        bar.addWidget(self.community)
        bar.addSpacing(10)
        bar.addWidget(QLabel(self.tr("状态")))
        bar.addWidget(self.status)
        bar.addSpacing(10)
        bar.addWidget(QLabel(self.tr("流动")))
        bar.addWidget(self.floating)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        bar.addSpacing(8)
        bar.addWidget(self.add_button)
        bar.addWidget(self.edit_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.apply_filter()

    def filter_sql(self) -> tuple[list[str], list[Any]]:
        where, params = search_condition(self.search.text(), offices_in_scope(self.ctx))
        community = self.community.currentData()
        if community:
            where.append("t.community_id = ?")
            params.append(community)
        status = self.status.currentData()
        if status == STATUS_IN:
            where.append("w.exit_date IS NULL")
        elif status == STATUS_OUT:
            where.append("w.exit_date IS NOT NULL")
        floating = self.floating.currentData()
        if floating:
            where.append("w.floating = ?")
            params.append(floating)
        return where, params

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_filter(*self.filter_sql())

    def _show_count(self, count: int) -> None:
        self.count_label.setText(fill(self.tr("共 %1 人"), f"{count:,}"))

    def _reading_order(self) -> None:
        self.count_label.setText(
            fill(self.tr("共 %1 人 · 正在读取后面的名单…"), f"{self.model.rowCount():,}")
        )

    def current_person(self) -> str | None:
        index = self.view.currentIndex()
        return self.model.record_id(index.row()) if index.isValid() else None

    def _edit_current(self) -> None:
        person = self.current_person()
        if person:
            self.edit_requested.emit(person)

    def _double_clicked(self, index: QModelIndex) -> None:
        if self.model.is_masked(index) and self.ctx.user.can_reveal:
            self.model.reveal(index)
            return
        person = self.model.record_id(index.row())
        if person:
            self.edit_requested.emit(person)

    def _context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu(pos)
        if menu is not None:
            menu.popup(self.view.viewport().mapToGlobal(pos))

    def context_menu(self, pos: QPoint) -> QMenu | None:
        """The menu of the cell at ``pos``: 编辑…, and the reveals of masked values."""
        index = self.view.indexAt(pos)
        if not index.isValid():
            return None
        menu = QMenu(self)
        person = self.model.record_id(index.row())
        edit = menu.addAction(self.tr("编辑…"))
        edit.triggered.connect(lambda: self.edit_requested.emit(person) if person else None)
        masked = [(COL_ID, self.tr("显示完整身份证号（记入审计日志）")),
                  (COL_PHONE, self.tr("显示完整手机号（记入审计日志）"))]
        if any(self.model.is_masked(self.model.index(index.row(), c)) for c, _ in masked):
            menu.addSeparator()
            for col, text in masked:
                cell = self.model.index(index.row(), col)
                if not self.model.is_masked(cell) or not self.model.data(cell):
                    continue
                action = menu.addAction(text)
                if self.ctx.user.can_reveal:
                    action.triggered.connect(lambda _=False, c=cell: self.model.reveal(c))
                else:
                    action.setEnabled(False)
            if not self.ctx.user.can_reveal:
                menu.addAction(self.tr("（您没有查看完整敏感信息的权限）")).setEnabled(False)
        return menu
