"""季度汇总: the quarterly summary of a period and a scope — every figure of the district report
per office (or community) with the 合计 and the change against the previous period and the same
period last year; the indicators against the city's targets; the narrative draft; the
completeness grid (who has reported); the data-quality list (each issue opens the tab holding
its records) — and the exports (.xlsx .pdf .docx .txt .csv .json) and a print preview.

The summary, the grid and the issues are computed on a worker with its own connection
(``reports.summary`` / ``reports.quality``); the tab is ready once they are shown. The PDF export
embeds the charts of the 趋势图表 tab (``desktop.ui.charts.render.chart_pngs``, drawn on the GUI
thread before the worker writes the file) when that module is present.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import periods
from desktop.domain.periods import Period
from desktop.reports import narrative, official
from desktop.reports.export import FORMATS, district_name, write_summary
from desktop.reports.pdf import PdfImage
from desktop.reports.quality import Grid, Issue, Link, completeness, quality_issues
from desktop.reports.summary import Summary, build_summary, resolve_unit
from desktop.store.db import open_database
from desktop.store.orgs import OrgUnit
from desktop.ui.context import AppContext
from desktop.ui.exemption.common import ListModel, setup_table
from desktop.ui.summary.models import (
    INDICATOR_COLUMNS,
    ISSUE_COLUMNS,
    GridModel,
    figure_columns,
    figure_rows,
    indicator_rows,
    issue_rows,
)
from desktop.ui.tabs.base import Tab, heading
from desktop.ui.workers import Job, run_in_background

FIRST_QUARTER = periods.quarter(2024, 1)
FIGURE_WIDTHS = {0: 150, 1: 44, 2: 110, 3: 100, 4: 140, 5: 100, 6: 140}
PAGE_FIGURES, PAGE_INDICATORS, PAGE_NARRATIVE, PAGE_GRID, PAGE_QUALITY = range(5)
EXPORT_FILTERS = {
    ".xlsx": "Excel 工作簿 (*.xlsx)",
    ".pdf": "PDF 文件 (*.pdf)",
    ".docx": "Word 文档 (*.docx)",
    ".txt": "文本文件 (*.txt)",
    ".csv": "CSV 文件 (*.csv)",
    ".json": "JSON 文件 (*.json)",
}


@dataclass
class Result:
    summary: Summary
    grid: Grid | None = None  # the checks arrive after the summary (a second worker)
    issues: list[Issue] | None = None


def period_choices(today: date | None = None) -> list[Period]:
    """Quarters from 2024Q1 to this quarter (newest first), then the years and statistical
    years."""
    now = periods.quarter_of(today or date.today())
    quarters = sorted(periods.quarters_between(FIRST_QUARTER, now), reverse=True)
    years = range(now.end.year, FIRST_QUARTER.start.year - 1, -1)
    return [*quarters, *(periods.year(y) for y in years), *(periods.stat_year(y) for y in years)]


def compute(db_path: Path, period: Period, unit_id: str) -> Summary:
    """The summary, on a worker thread with its own connection."""
    db = open_database(db_path, migrate=False)
    try:
        return build_summary(db, period, unit_id)
    finally:
        db.conn.close()


def check(db_path: Path, s: Summary) -> tuple[Grid, list[Issue]]:
    """The completeness grid and the quality issues of a summary (slower: eight quarters of
    history), on a second worker once the summary is shown."""
    db = open_database(db_path, migrate=False)
    try:
        return completeness(db, s.period, 8, s.unit.scope), quality_issues(db, s)
    finally:
        db.conn.close()


def chart_images(ctx: AppContext, period: Period, office: str | None) -> list[PdfImage]:
    """The 趋势图表 charts for the PDF, when the charts module is installed (drawn here, on the
    GUI thread, as it requires)."""
    try:
        render = importlib.import_module("desktop.ui.charts.render")
    except ImportError:
        return []
    return [PdfImage(title, png) for title, png in render.chart_pngs(ctx, period, office)]


class SummaryTab(Tab):
    key = "summary"
    loaded = Signal()  # a summary has been computed and shown
    checked = Signal()  # its completeness grid and quality issues have been shown
    exported = Signal(str)  # the path of a finished export
    link_opened = Signal(object)  # the Link of a quality issue the user opened

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.result: Result | None = None
        self._generation = 0

        self.period_combo = QComboBox()
        for p in period_choices():
            self.period_combo.addItem(p.label, p.key)
        self._select_period(ctx.period.key)
        self.scope_combo = QComboBox()
        for unit_id, label in self._scope_choices():
            self.scope_combo.addItem(label, unit_id)
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.export_button = QToolButton()
        self.export_button.setText(self.tr("导出"))
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        for suffix, label in FORMATS.items():
            action = menu.addAction(f"{label}（{suffix}）…")
            action.triggered.connect(lambda _checked=False, s=suffix: self.choose_export(s))
        self.export_button.setMenu(menu)
        self.preview_button = QPushButton(self.tr("打印预览…"))
        self.status = QLabel()
        self.status.setObjectName("muted")
        self.headline = QLabel()
        self.headline.setWordWrap(True)

        self.figures = ListModel([], self)
        self.figures_view = setup_table(QTableView(), stretch_last=False)
        self.figures_view.setModel(self.figures)
        self.indicators = ListModel(INDICATOR_COLUMNS, self)
        self.indicators_view = setup_table(QTableView(), stretch_last=False)
        self.indicators_view.setModel(self.indicators)
        self.narrative = QPlainTextEdit()
        self.narrative.setReadOnly(True)
        self.grid = GridModel(self)
        self.grid_view = QTableView()
        self.grid_view.setModel(self.grid)
        self.grid_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid_note = QLabel()
        self.grid_note.setObjectName("muted")
        self.issues = ListModel(ISSUE_COLUMNS, self)
        self.issues_view = setup_table(QTableView())
        self.issues_view.setModel(self.issues)
        self.issues_view.doubleClicked.connect(self._issue_activated)
        self.issues_note = QLabel(self.tr("双击一行，打开该问题所在的业务页签。"))
        self.issues_note.setObjectName("muted")

        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.figures_view, self.tr("汇总表"))
        self.pages.addTab(self.indicators_view, self.tr("主要指标"))
        self.pages.addTab(self.narrative, self.tr("汇报稿"))
        self.pages.addTab(self._boxed(self.grid_view, self.grid_note), self.tr("报送情况"))
        self.pages.addTab(self._boxed(self.issues_view, self.issues_note), self.tr("数据质量"))

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(heading(self.tr("季度汇总")))
        bar.addSpacing(12)
        bar.addWidget(QLabel(self.tr("期间")))
        bar.addWidget(self.period_combo)
        bar.addWidget(QLabel(self.tr("范围")))
        bar.addWidget(self.scope_combo)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        bar.addWidget(self.status)
        bar.addWidget(self.preview_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(6)
        layout.addLayout(bar)
        layout.addWidget(self.headline)
        layout.addWidget(self.pages, 1)

        self.period_combo.currentIndexChanged.connect(self._period_chosen)
        self.scope_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.refresh_button.clicked.connect(self.reload)
        self.preview_button.clicked.connect(lambda: self.open_preview())
        ctx.hub.period_changed.connect(self._period_changed_elsewhere)
        ctx.hub.data_changed.connect(lambda _table: self.reload())
        self._set_busy(True)
        self.reload()

    # -- choices ----------------------------------------------------------------------------

    @staticmethod
    def _boxed(view: QWidget, note: QLabel) -> QWidget:
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 4, 0, 0)
        inner.addWidget(view, 1)
        inner.addWidget(note)
        return box

    def _scope_choices(self) -> list[tuple[str, str]]:
        """The district (for district users), the offices and their communities in the user's
        scope, indented."""
        tree, scope = self.ctx.tree, self.ctx.user.scope
        out: list[tuple[str, str]] = []
        district = tree.district()
        if district is not None and scope.offices is None:
            out.append((district.id, self.tr("全区")))
        for office in tree.offices():
            if not scope.allows(office.code):
                continue
            if scope.communities is None:
                out.append((office.id, office.name))
            for c in tree.children.get(office.id, []):
                if c.level == "community" and scope.allows(office.code, c.id):
                    out.append((c.id, "　" + c.name))
        return out

    def _select_period(self, key: str) -> None:
        index = self.period_combo.findData(key)
        if index < 0:
            p = periods.parse_period(key)
            self.period_combo.insertItem(0, p.label, p.key)
            index = 0
        self.period_combo.setCurrentIndex(index)

    def period(self) -> Period:
        return periods.parse_period(str(self.period_combo.currentData()))

    def unit(self) -> OrgUnit:
        return resolve_unit(self.ctx.tree, str(self.scope_combo.currentData()))

    def set_scope(self, unit_id: str) -> None:
        self.scope_combo.setCurrentIndex(self.scope_combo.findData(unit_id))

    def set_period(self, key: str) -> None:
        self._select_period(key)

    def _period_chosen(self, _index: int) -> None:
        period = self.period()
        if period.kind == "quarter":
            self.ctx.set_period(period)
        self.reload()

    def _period_changed_elsewhere(self, key: str) -> None:
        if self.period_combo.currentData() != key:
            self._select_period(key)

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Compute the summary (then the checks) again; results of an earlier request that arrive
        later are dropped."""
        self._generation += 1
        generation = self._generation
        self._set_busy(True)
        path, period, unit_id = self.ctx.db_path, self.period(), str(self.unit().id)
        job = run_in_background(lambda _progress, _cancel: compute(path, period, unit_id), self)
        job.finished.connect(lambda s: self._show(s, generation))
        job.failed.connect(self._failed)
        job.crashed.connect(lambda _exc: self._set_busy(False))

    def _set_busy(self, busy: bool) -> None:
        self.status.setText(self.tr("正在汇总…") if busy else "")
        for widget in (self.export_button, self.preview_button):
            widget.setEnabled(not busy and self.result is not None)

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self.export_button.setEnabled(False)
        self.preview_button.setEnabled(False)

    def _show(self, s: Summary, generation: int) -> None:
        if generation != self._generation:
            return  # a newer request is on its way
        self.result = Result(s)
        self.figures.columns = figure_columns(s)
        self.figures.set_rows(figure_rows(s))
        header = self.figures_view.horizontalHeader()
        for col in range(self.figures.columnCount()):
            header.resizeSection(col, FIGURE_WIDTHS.get(col, 118))
        self.indicators.set_rows(indicator_rows(s), s.indicators)
        self.indicators_view.horizontalHeader().resizeSection(0, 150)
        self.narrative.setPlainText(narrative.text(s, self.ctx.district_name()))
        self.headline.setText(self._headline(s))
        self.grid_note.setText(self.tr("正在检查报送情况…"))
        self.issues_note.setText(self.tr("正在检查数据质量…"))
        self.pages.setTabText(PAGE_QUALITY, self.tr("数据质量"))
        self._set_busy(False)
        self.loaded.emit()
        self.mark_ready()
        path = self.ctx.db_path
        job = run_in_background(lambda _progress, _cancel: check(path, s), self)
        job.finished.connect(lambda found: self._show_checks(found, generation))
        job.failed.connect(self.issues_note.setText)

    def _show_checks(self, found: tuple[Grid, list[Issue]], generation: int) -> None:
        if generation != self._generation or self.result is None:
            return
        grid, issues = found
        self.result.grid, self.result.issues = grid, issues
        self.grid.set_grid(grid)
        missing = grid.missing(periods.quarter_of(self.result.summary.period.end).key)
        self.grid_note.setText(
            self.tr("%n 个办事处尚未报送本季度。", "", len(missing))
            if missing
            else self.tr("各办事处均已报送本季度。")
        )
        self.issues.set_rows(issue_rows(issues), issues)
        self.issues_view.horizontalHeader().resizeSection(0, 90)
        self.issues_view.horizontalHeader().resizeSection(1, 180)
        self.issues_view.horizontalHeader().resizeSection(2, 130)
        self.issues_note.setText(self.tr("双击一行，打开该问题所在的业务页签。"))
        self.pages.setTabText(
            PAGE_QUALITY, self.tr("数据质量（%1）").replace("%1", str(len(issues)))
        )
        self.checked.emit()

    def _headline(self, s: Summary) -> str:
        met = [r.indicator for r in s.indicators if r.indicator.met is not None]
        hit = sum(1 for i in met if i.met)
        return (
            self.tr("%1 %2：%3 项指标中 %4 项达到市定目标；康检活动：%5。")
            .replace("%1", s.scope_name)
            .replace("%2", s.period.label)
            .replace("%3", str(len(met)))
            .replace("%4", str(hit))
            .replace("%5", "、".join(s.campaigns) or self.tr("本期无"))
        )

    # -- quality links ----------------------------------------------------------------------

    def _issue_activated(self, index: QModelIndex) -> None:
        issue = self.issues.item(index.row())
        if isinstance(issue, Issue):
            self.open_link(issue.link)

    def open_link(self, link: Link) -> None:
        """Show the records behind an issue: its period becomes the window's period and its tab
        is opened (when the tab lives in a main window)."""
        if link.period:
            period = periods.parse_period(link.period)
            if period.kind == "quarter":
                self.ctx.set_period(period)
        window = self.window()
        select = getattr(window, "select_tab", None)
        if callable(select) and window is not self:
            select(link.tab)
        self.link_opened.emit(link)

    # -- exports ----------------------------------------------------------------------------

    def default_name(self, suffix: str) -> str:
        assert self.result is not None
        s = self.result.summary
        return f"{s.scope_name}{s.period.label}汇总{suffix}"

    def choose_export(self, suffix: str) -> Job | None:
        if self.result is None:
            return None
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("导出季度汇总"), self.default_name(suffix), EXPORT_FILTERS[suffix]
        )
        if not path:
            return None
        if not path.lower().endswith(suffix):
            path += suffix
        return self.export_to(Path(path))

    def export_to(self, path: Path, with_charts: bool = True) -> Job:
        """Write the shown summary to ``path`` on a worker (charts drawn here first for a PDF)."""
        assert self.result is not None
        s = self.result.summary
        images: list[PdfImage] = []
        if path.suffix.lower() == ".pdf" and with_charts:
            images = chart_images(self.ctx, s.period, s.unit.code)
        db_path = self.ctx.db_path

        def work(_progress: Any, _cancel: Any) -> str:
            db = open_database(db_path, migrate=False)
            try:
                return str(write_summary(db, s, path, images))
            finally:
                db.conn.close()

        self.status.setText(self.tr("正在导出…"))
        job = run_in_background(work, self)
        job.finished.connect(self._exported)
        job.failed.connect(self._failed)
        self.ctx.door().log(
            "export",
            table="summary",
            detail={"file": path.name, "period": s.period.key, "scope": s.unit.name},
        )
        return job

    def _exported(self, path: str) -> None:
        self.status.setText(self.tr("已导出：%1").replace("%1", Path(path).name))
        self.exported.emit(path)

    # -- print preview ----------------------------------------------------------------------

    def tables(self) -> list[official.OfficialTable]:
        assert self.result is not None
        return official.build_tables(
            self.result.summary, official.signatures(self.ctx.db), district_name(self.ctx.db)
        )

    def open_preview(self) -> QWidget | None:
        if self.result is None:
            return None
        from desktop.ui.summary.preview import preview_dialog

        dialog = preview_dialog(self.tables(), self.ctx.font_family, self)
        dialog.open()
        return dialog
