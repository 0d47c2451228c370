"""趋势图表: quarterly trends per office against their targets.

A chart picker, the scope (全区 / one office / several offices side by side), the range of
quarters, and export (PNG, SVG, clipboard). The series come from :mod:`desktop.reports.series`:
each source is fetched once per range **off the GUI thread** (its own SQLite connection), and
every chart and scope is combined from that without another query, so changing scope only
redraws. When records change (``ctx.hub.data_changed``) the sources reading that table are
fetched again and the open chart redraws.

pyqtgraph is heavy: this module does not import it. The chart widget
(:mod:`desktop.ui.charts.view`) is imported when the first data arrive while the tab is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import periods
from desktop.domain.periods import Period
from desktop.reports import series
from desktop.store.db import connect
from desktop.ui.context import AppContext
from desktop.ui.i18n import fill
from desktop.ui.tabs.base import Tab, heading
from desktop.ui.workers import run_in_background

if TYPE_CHECKING:
    from desktop.ui.charts.view import ChartView

FIRST = periods.quarter(2022, 1)
DEFAULT_QUARTERS = 12
COMPARE = "__compare__"  # scope choice: the offices ticked in the 对比 menu, side by side
REFRESH_DELAY_MS = 300  # data_changed often comes in bursts (an import): fetch once after them


def mark_of(chart: series.Chart, period: Period) -> str | None:
    """The chart's period holding ``period``'s last day (a quarter's grants fall in the semester
    that ends after it), else its first day."""
    for day in (period.end, period.start):
        for key in chart.periods:
            if periods.parse_period(key).contains(day):
                return key
    return None


class ChartsTab(Tab):
    key = "charts"
    drawn = Signal(str)  # key of the chart just drawn

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.background = True  # fetch on a worker thread (tests and benchmarks may say False)
        self.datasets: dict[str, series.Dataset] = {}
        self.pending: set[str] = set()
        self.stale: set[str] = set()
        self.changes: dict[str, int] = {}  # source → data changes seen (a fetch older is stale)
        self.view: ChartView | None = None
        self.scope = ctx.tree.scope_of(ctx.user.scope_unit_id)
        self.offices = [
            (o.code, o.name) for o in ctx.tree.offices() if o.code and self.scope.allows(o.code)
        ]

        self.picker = QComboBox()
        for spec in series.SPECS:
            self.picker.addItem(self.tr(spec.title), spec.key)
        self.picker.setToolTip(self.tr("选择要看的图表"))
        self.unit = QComboBox()
        self.unit.addItem(self._whole_label(), series.DISTRICT)
        if len(self.offices) > 1:
            self.unit.addItem(self.tr("各办事处对比"), COMPARE)
            for code, name in self.offices:
                self.unit.addItem(name, code)
        self.compare_menu = QMenu(self)
        self.compare_actions: dict[str, QAction] = {}
        for code, name in self.offices:
            action = self.compare_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(True)
            action.toggled.connect(self._scope_changed)
            self.compare_actions[code] = action
        self.compare = QToolButton()
        self.compare.setText(self.tr("对比哪些办事处"))
        self.compare.setMenu(self.compare_menu)
        self.compare.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.compare.setVisible(False)

        last = max(periods.quarter_of(date.today()), periods.quarter_of(ctx.period.end))
        quarters = periods.quarters_between(FIRST, last)
        self.first_combo, self.last_combo = QComboBox(), QComboBox()
        for combo in (self.first_combo, self.last_combo):
            for q in quarters:
                combo.addItem(q.key, q.key)
        end = periods.quarter_of(ctx.period.end)
        start = quarters[max(0, quarters.index(end) - DEFAULT_QUARTERS + 1)]
        self.first_combo.setCurrentIndex(self.first_combo.findData(start.key))
        self.last_combo.setCurrentIndex(self.last_combo.findData(end.key))

        self.png_button = QPushButton(self.tr("导出 PNG…"))
        self.svg_button = QPushButton(self.tr("导出 SVG…"))
        self.copy_button = QPushButton(self.tr("复制图片"))
        self.png_button.clicked.connect(lambda: self.export_dialog("png"))
        self.svg_button.clicked.connect(lambda: self.export_dialog("svg"))
        self.copy_button.clicked.connect(self.copy_image)
        self.png_button.setToolTip(self.tr("按打印分辨率（300 dpi）导出"))
        self.copy_button.setToolTip(self.tr("复制到剪贴板，可粘贴到 Word / WPS"))

        self.status = QLabel(self.tr("正在读取数据…"))
        self.status.setObjectName("muted")

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(heading(self.tr("趋势图表")))
        top.addSpacing(16)
        for label, widget in ((self.tr("图表"), self.picker), (self.tr("范围"), self.unit)):
            top.addWidget(QLabel(label))
            top.addWidget(widget)
        top.addWidget(self.compare)
        top.addSpacing(8)
        top.addWidget(QLabel(self.tr("从")))
        top.addWidget(self.first_combo)
        top.addWidget(QLabel(self.tr("至")))
        top.addWidget(self.last_combo)
        top.addStretch(1)
        for button in (self.png_button, self.svg_button, self.copy_button):
            top.addWidget(button)

        self.body = QVBoxLayout()
        self.body.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addLayout(self.body, 1)
        self._set_export_enabled(False)

        self.picker.currentIndexChanged.connect(self.redraw)
        self.unit.currentIndexChanged.connect(self._scope_changed)
        self.first_combo.currentIndexChanged.connect(self._range_changed)
        self.last_combo.currentIndexChanged.connect(self._range_changed)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setSingleShot(True)
        self.refresh_timer.setInterval(REFRESH_DELAY_MS)
        self.refresh_timer.timeout.connect(self._refresh_stale)
        ctx.hub.data_changed.connect(self._data_changed)
        ctx.hub.period_changed.connect(lambda _key: self.redraw())

    # -- choices ----------------------------------------------------------------------------

    def _whole_label(self) -> str:
        if self.scope.offices is None:
            return self.ctx.district_name() or self.tr("全区")
        return self.ctx.scope_label()

    def chart_key(self) -> str:
        return str(self.picker.currentData())

    def select_chart(self, key: str) -> None:
        self.picker.setCurrentIndex(self.picker.findData(key))

    def units(self) -> list[str]:
        """The chosen scope as series units: [DISTRICT], [office] or the offices compared."""
        choice = self.unit.currentData()
        if choice == COMPARE:
            return [code for code, action in self.compare_actions.items() if action.isChecked()]
        return [str(choice)]

    def select_units(self, units: list[str] | None) -> None:
        """None: the whole scope; one code: that office; several: those side by side."""
        if not units or units == [series.DISTRICT]:
            self.unit.setCurrentIndex(0)
        elif len(units) == 1:
            self.unit.setCurrentIndex(self.unit.findData(units[0]))
        else:
            blocked = self.compare_menu.blockSignals(True)
            for code, action in self.compare_actions.items():
                action.blockSignals(True)
                action.setChecked(code in units)
                action.blockSignals(False)
            self.compare_menu.blockSignals(blocked)
            if self.unit.currentData() == COMPARE:
                self.redraw()
            else:
                self.unit.setCurrentIndex(self.unit.findData(COMPARE))

    def range(self) -> tuple[Period, Period]:
        first = periods.parse_period(self.first_combo.currentData())
        last = periods.parse_period(self.last_combo.currentData())
        return (first, last) if first <= last else (last, first)

    def set_range(self, first: str, last: str) -> None:
        self.first_combo.setCurrentIndex(self.first_combo.findData(first))
        self.last_combo.setCurrentIndex(self.last_combo.findData(last))

    def _scope_changed(self, *_: object) -> None:
        self.compare.setVisible(self.unit.currentData() == COMPARE)
        self.redraw()

    def _range_changed(self, *_: object) -> None:
        self.datasets.clear()
        self.stale.clear()
        self.redraw()

    # -- data -------------------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.redraw()

    def source(self) -> str:
        return series.CHARTS[self.chart_key()].source

    def redraw(self, *_: object) -> None:
        """Draw the chosen chart, fetching its source first when it is not at hand."""
        if not self.isVisible():
            return
        source = self.source()
        dataset = self.datasets.get(source)
        if dataset is None or source in self.stale:
            self.fetch(source)  # what is shown stays until the new data arrive
            return
        self._draw(dataset)

    def fetch(self, source: str) -> None:
        if source in self.pending:
            return
        first, last = self.range()
        seen = self.changes.get(source, 0)
        if not self.background:
            self._fetched(
                source,
                (first, last, seen),
                series.fetch(self.ctx.db, source, first, last, self.scope, self.ctx.tree),
            )
            return
        self.pending.add(source)
        self.status.setText(self.tr("正在读取数据…"))
        path, scope = self.ctx.db_path, self.scope

        def work(_progress: Callable[..., None], _cancelled: Callable[[], bool]) -> series.Dataset:
            conn = connect(path)  # a worker opens its own connection
            try:
                return series.fetch(conn, source, first, last, scope)
            finally:
                conn.close()

        job = run_in_background(work, self)
        job.finished.connect(lambda data: self._fetched(source, (first, last, seen), data))
        job.failed.connect(lambda message: self._failed(source, message))
        job.crashed.connect(lambda _exc: self.pending.discard(source))

    def _fetched(
        self, source: str, asked: tuple[Period, Period, int], data: series.Dataset
    ) -> None:
        self.pending.discard(source)
        if asked[:2] != self.range():  # the range changed meanwhile
            self.redraw()
            return
        self.datasets[source] = data
        if asked[2] == self.changes.get(source, 0):
            self.stale.discard(source)  # else records changed while it was read: read again
        if self.source() == source:
            self.redraw()

    def _failed(self, source: str, message: str) -> None:
        self.pending.discard(source)
        self.status.setText(fill(self.tr("无法读取数据：%1"), message))

    def _data_changed(self, table: str) -> None:
        for spec in series.SPECS:
            if table in spec.tables:
                self.changes[spec.source] = self.changes.get(spec.source, 0) + 1
                if spec.source in self.datasets:
                    self.stale.add(spec.source)
        if self.stale:
            self.refresh_timer.start()

    def _refresh_stale(self) -> None:
        if self.source() in self.stale:
            self.redraw()

    def refresh_now(self) -> None:
        """Fetch every source again (after an import or a merge) and redraw."""
        self.stale.update(self.datasets)
        self.redraw()

    # -- drawing ----------------------------------------------------------------------------

    def chart_view(self) -> ChartView:
        if self.view is None:
            from desktop.ui.charts.view import ChartView  # pyqtgraph: only now

            self.view = ChartView(self)
            self.body.removeWidget(self.status)
            self.body.addWidget(self.view, 1)
            self.body.addWidget(self.status)
        return self.view

    def current_chart(self) -> series.Chart | None:
        dataset = self.datasets.get(self.source())
        return dataset.chart(self.chart_key(), self.units()) if dataset else None

    def _draw(self, dataset: series.Dataset) -> None:
        chart = dataset.chart(self.chart_key(), self.units())
        view = self.chart_view()
        view.draw(chart, mark=self._mark(chart))
        empty = not any(v is not None for s in chart.series for v in s.values)
        self.status.setText(self.tr("所选范围内没有数据。") if empty else "")
        self.status.setVisible(empty or bool(self.pending))
        self._set_export_enabled(True)
        self.drawn.emit(chart.key)
        self.mark_ready()

    def _mark(self, chart: series.Chart) -> str | None:
        return mark_of(chart, self.ctx.period)

    # -- export -----------------------------------------------------------------------------

    def _set_export_enabled(self, on: bool) -> None:
        for button in (self.png_button, self.svg_button, self.copy_button):
            button.setEnabled(on)

    def default_file_name(self, suffix: str) -> str:
        chart = self.view.chart if self.view else None
        title = chart.title.replace(" ", "_") if chart else "chart"
        first, last = self.range()
        return f"{title}_{first.key}-{last.key}.{suffix}"

    def export(self, path: str | Path) -> Path:
        from desktop.ui.charts import export

        path = Path(path)
        view = self.chart_view()
        if path.suffix.lower() == ".svg":
            return export.save_svg(view, path)
        return export.save_png(view, path.with_suffix(".png") if not path.suffix else path)

    def export_dialog(self, kind: str) -> Path | None:
        filters = {"png": self.tr("PNG 图片 (*.png)"), "svg": self.tr("SVG 矢量图 (*.svg)")}
        target, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("导出图表"),
            str(Path.home() / self.default_file_name(kind)),
            filters[kind],
        )
        if not target:
            return None
        done = self.export(target)
        self.status.setText(fill(self.tr("已导出到 %1"), done))
        self.status.setVisible(True)
        return done

    def copy_image(self) -> None:
        from desktop.ui.charts import export

        export.copy_to_clipboard(self.chart_view())
        self.status.setText(self.tr("图表已复制（300 dpi），可直接粘贴。"))
        self.status.setVisible(True)


__all__ = ["COMPARE", "ChartsTab"]
