"""康检活动: for now the person register (``persons``) with search and masked identifiers.

Check-in, campaigns and the list of women not yet checked will live on this page too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import HUKOU
from desktop.store.paged import Column
from desktop.ui.context import AppContext
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.paged_model import PagedTableModel
from desktop.ui.tabs.base import PaintWatcher, Tab, heading

# Strings above every real character, so that ``x >= p AND x < p || TOP`` is a prefix match that
# an index on x can serve (LIKE cannot use a BINARY index unless case_sensitive_like is on).
TOP = "\U0010ffff"

_ID_TAIL = re.compile(r"^[0-9]*[0-9Xx]$")
_LETTERS = re.compile(r"^[A-Za-z]+$")

COMMUNITY_NAME = "(SELECT name FROM org_units o WHERE o.id = t.community_id)"

# Labels are marked for translation in context "columns"; the model translates them when shown.
PERSON_COLUMNS = (
    # Every offered order follows an index (a million rows sort in milliseconds); masked columns
    # and low-cardinality ones are not sortable. Communities sort by key, i.e. in creation order.
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
    Column("hukou", QT_TRANSLATE_NOOP("columns", "户籍"), "t.hukou", sortable=False),
)
COL_NAME, COL_PINYIN, COL_ID, COL_BIRTH, COL_COMMUNITY, COL_PHONE, COL_HUKOU = range(7)
WIDTHS = {COL_NAME: 100, COL_PINYIN: 80, COL_ID: 190, COL_BIRTH: 110, COL_COMMUNITY: 160,
          COL_PHONE: 130, COL_HUKOU: 64}


def search_condition(text: str, offices: Sequence[str] = ()) -> tuple[list[str], list[Any]]:
    """SQL conditions (alias ``t``) for what was typed in the search box.

    Digits (optionally ending in X) search the end of the ID number: exactly 4 through the indexed
    ``id_tail``, more than 4 through ``id_tail`` and then the full number, fewer than 4 within
    ``id_tail``. ASCII letters are pinyin initials (prefix). Anything else is the start of a name.

    Names are indexed only behind the office (``persons_office_name``), so a name search also
    names the ``offices`` in the user's scope: an ``IN`` list on the first column lets SQLite
    use that index (about 300 ms → 2 ms on 232 000 persons). Every person belongs to an office of
    the tree (``community_id`` references it and the write door derives ``office`` from it), so
    the list drops nobody.
    """
    text = text.strip()
    if not text:
        return [], []
    if _ID_TAIL.match(text):
        tail = text.upper()
        if len(tail) == 4:
            return ["t.id_tail = ?"], [tail]
        if len(tail) > 4:
            return ["t.id_tail = ?", "t.id_number LIKE ?"], [tail[-4:], "%" + tail]
        return ["t.id_tail LIKE ?"], ["%" + tail]
    if _LETTERS.match(text):
        prefix = text.lower()
        return ["t.pinyin >= ? AND t.pinyin < ?"], [prefix, prefix + TOP]
    where, params = ["t.name >= ? AND t.name < ?"], [text, text + TOP]
    if offices:
        where.insert(0, f"t.office IN ({','.join('?' * len(offices))})")
        params[:0] = list(offices)
    return where, params


def _label_or_raw(choices: Any) -> Any:
    def fmt(value: Any) -> str:
        try:
            return str(choices.label(value))
        except Exception:  # an unexpected stored value: show it as it is
            return str(value)
    return fmt


class KangjianTab(Tab):
    key = "kangjian"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.model = PagedTableModel(
            ctx, "persons", PERSON_COLUMNS,
            formatters={"hukou": _label_or_raw(HUKOU)},
            order=[("pinyin", False)],
            parent=self,
        )

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("姓名 / 拼音首字母 / 身份证后几位"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(280)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.apply_filter)

        self.community = QComboBox()
        self.community.addItem(self.tr("全部社区"), None)
        many_offices = len({ctx.tree.office_of(c.id) for c in self._communities()}) > 1
        for unit in self._communities():
            office = ctx.tree.units.get(unit.parent_id or "")
            label = f"{office.name} · {unit.name}" if many_offices and office else unit.name
            self.community.addItem(label, unit.id)
        self.community.setMinimumContentsLength(14)
        self.community.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.community.currentIndexChanged.connect(self.apply_filter)
        if self.community.count() == 2:  # a community user: the one choice is already made
            self.community.setCurrentIndex(1)
            self.community.setEnabled(False)

        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.model.count_changed.connect(self._show_count)

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
        # Show the model's initial order before enabling sorting, so that enabling it re-sorts
        # nothing (the model ignores a sort to the order it already has).
        hh.setSortIndicator(COL_PINYIN, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(self._double_clicked)

        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("查找")))
        bar.addWidget(self.search)
        bar.addSpacing(12)
        bar.addWidget(QLabel(self.tr("社区")))
        bar.addWidget(self.community)
        bar.addStretch(1)
        bar.addWidget(self.count_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(heading(self.tr("人员名册"),
                                 self.tr("康检登记、未检名单等功能将在此页提供。")))
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

        self._show_count(self.model.rowCount())
        PaintWatcher(self.view.viewport(), self.mark_ready)

    def _communities(self) -> list[Any]:
        tree, scope = self.ctx.tree, self.ctx.user.scope
        return [c for c in tree.communities() if scope.allows(tree.office_of(c.id), c.id)]

    def filter_sql(self) -> tuple[list[str], list[Any]]:
        offices = [o.code for o in self.ctx.tree.offices()
                   if o.code and self.ctx.user.scope.allows(o.code)]
        where, params = search_condition(self.search.text(), offices)
        community = self.community.currentData()
        if community:
            where.append("t.community_id = ?")
            params.append(community)
        return where, params

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_filter(*self.filter_sql())

    def _show_count(self, count: int) -> None:
        self.count_label.setText(fill(self.tr("共 %1 人"), f"{count:,}"))

    def _double_clicked(self, index: QModelIndex) -> None:
        if self.model.is_masked(index) and self.ctx.user.can_reveal:
            self.model.reveal(index)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid() or not self.model.is_masked(index):
            return
        menu = QMenu(self)
        if self.ctx.user.can_reveal:
            action = menu.addAction(self.tr("显示完整信息（记入审计日志）"))
            action.triggered.connect(lambda: self.model.reveal(index))
        else:
            action = menu.addAction(self.tr("无权查看完整信息"))
            action.setEnabled(False)
        menu.popup(self.view.viewport().mapToGlobal(pos))
