"""One chart drawn with pyqtgraph from a :class:`desktop.reports.series.Chart`.

- lines (rates, head-counts), bars stacked (parts of a whole: 四术 by group, money by item) or
  grouped (people per item, several offices side by side);
- quarter (2026Q1) or semester (2026春) labels on the axis, Chinese axis titles with units;
- the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies), and beyond
  its eight colours another marker (lines) or a hatch (bars), so that 20 offices stay apart;
- a legend whose entries hide and show their series when clicked (stacks close up);
- the same period one year earlier as a faint overlay (one legend entry 去年同期 for all);
- the target as a dashed step line (it may change by year), with a faint band on the side that
  meets it when it is the same over the range;
- a read-out under the chart with the exact values of the period under the mouse (by default the
  marked period, the one the main window is set to).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.reports.series import Chart, Value

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion, sky blue,
# reddish purple, black; yellow last (it reads poorly on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#F0E442")
SYMBOLS = ("o", "s", "t", "d", "h", "star", "p", "t1")
PATTERNS = (
    Qt.BrushStyle.SolidPattern,
    Qt.BrushStyle.BDiagPattern,
    Qt.BrushStyle.FDiagPattern,
    Qt.BrushStyle.DiagCrossPattern,
)
TARGET_COLOUR = "#444444"
BAND = QColor(0, 158, 115, 18)  # bluish green, faint: the side of the target that meets it
LAST_YEAR_ALPHA = 90
BAR_SPAN = 0.8  # of one period's width

pg.setConfigOptions(antialias=True, background="w", foreground="#222222")


def colour(index: int, alpha: int = 255) -> QColor:
    c = QColor(PALETTE[index % len(PALETTE)])
    c.setAlpha(alpha)
    return c


def _points(x: np.ndarray, values: Sequence[Value]) -> tuple[np.ndarray, np.ndarray]:
    """The points with a value: a rate of a campaign quarter joins the next campaign's across
    quarters without one."""
    y = _floats(values)
    keep = ~np.isnan(y)
    return x[keep], y[keep]


def _floats(values: Sequence[Value]) -> np.ndarray:
    return np.array([math.nan if v is None else float(v) for v in values], dtype=float)


class ChartView(QWidget):
    """A chart and its read-out. ``draw(chart)`` replaces what is shown."""

    hovered = Signal(int)  # index of the period under the mouse

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setMinimumHeight(260)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(y=True, alpha=0.15)
        # grid lines at the labelled ticks only: the minor levels cost most of a repaint
        self.plot.getAxis("left").setStyle(maxTickLevel=0)
        # the legend sits under the chart, in the plot's own layout, so it never hides data
        self.legend = pg.LegendItem(labelTextSize="9pt", colCount=6)
        self.plot.layout.addItem(self.legend, 5, 1)
        # pyqtgraph's legend floats over the data, unscaled; in the layout it must scale with
        # the rest when a chart is exported at print resolution
        self.legend.setFlag(self.legend.GraphicsItemFlag.ItemIgnoresTransformations, False)
        self.readout = QLabel()
        self.readout.setObjectName("muted")
        self.readout.setWordWrap(True)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.readout)
        self.chart: Chart | None = None
        self.items: dict[str, pg.GraphicsObject] = {}  # series key → its item
        self.overlays: list[pg.GraphicsObject] = []
        self.mark_index: int | None = None
        self.hover_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(QColor(0, 0, 0, 60), width=1)
        )
        self.plot.addItem(self.hover_line, ignoreBounds=True)
        self.hover_line.hide()
        self.mark_line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(QColor(0, 0, 0, 70), width=1, style=Qt.PenStyle.DotLine),
        )
        self.plot.addItem(self.mark_line, ignoreBounds=True)
        self.mark_line.hide()
        self.target_line = pg.PlotDataItem(
            pen=pg.mkPen(TARGET_COLOUR, width=1.8, style=Qt.PenStyle.DashLine)
        )
        self.plot.addItem(self.target_line)
        self.target_line.hide()
        self.band = pg.LinearRegionItem(
            orientation="horizontal", movable=False, brush=QBrush(BAND), pen=pg.mkPen(None)
        )
        self.band.setZValue(-20)
        self.plot.addItem(self.band)
        self.band.hide()
        self._pools: dict[str, list[pg.GraphicsObject]] = {}
        self._used: dict[str, int] = {}
        self._labels: list[pg.TextItem] = []
        self._legend_key: tuple[tuple[int, str], ...] = ()
        self._drawing = False
        self.plot_widget.scene().sigMouseMoved.connect(self._mouse_moved)

    # -- drawing ----------------------------------------------------------------------------
    #
    # Items are pooled: a redraw (a new scope, new data) sets the data of the items it already
    # has instead of building new ones, which is what costs most in pyqtgraph; items left over
    # are hidden. Only the value labels of an exported chart are made anew each time.

    def _pooled(self, kind: str, index: int) -> pg.GraphicsObject:
        pool = self._pools.setdefault(kind, [])
        while len(pool) <= index:
            if kind in ("line", "faint_line"):
                item: pg.GraphicsObject = pg.PlotDataItem()
            else:
                item = pg.BarGraphItem(x=[0.0], height=[0.0], width=0.5)
            self.plot.addItem(item)
            if kind == "bar":
                item.visibleChanged.connect(self._restack)
            elif kind.startswith("faint"):
                item.visibleChanged.connect(self._overlays_follow)
            pool.append(item)
        self._used[kind] = max(self._used.get(kind, 0), index + 1)
        return pool[index]

    def draw(self, chart: Chart, mark: str | None = None, annotate: bool = False) -> None:
        """Show ``chart``; ``mark`` (a period key) gets a faint line and the default read-out;
        ``annotate`` writes the marked period's values on the chart (for exported pictures).
        Series hidden from the legend stay hidden when the same chart is drawn again."""
        same = self.chart is not None and self.chart.key == chart.key
        hidden = set(self.hidden()) if same else set()
        faint_hidden = same and bool(self.overlays) and not self.overlays[0].isVisible()
        self._drawing = True
        for item in self._labels:
            self.plot.removeItem(item)
        self._labels.clear()
        self.items = {}
        self.overlays = []
        self._used = {}
        self.chart = chart
        n = len(chart.periods)
        self.plot.setTitle(chart.title, size="12pt")
        self.plot.setLabel("left", chart.y_title)
        self.plot.setLabel("bottom", chart.x_title)
        step = max(1, math.ceil(n / 16))
        self.plot.getAxis("bottom").setTicks(
            [[(i, p) for i, p in enumerate(chart.periods) if i % step == 0]]
        )
        if chart.style == "line":
            self._lines(chart)
        else:
            self._bars(chart)
        for kind, pool in self._pools.items():
            for item in pool[self._used.get(kind, 0) :]:
                item.setVisible(False)
        for key, item in self.items.items():
            item.setVisible(key not in hidden)
        for item in self.overlays:
            item.setVisible(not faint_hidden)
        entries = [(self.items[s.key], s.label) for s in chart.series]
        if self.overlays:
            entries.append((self.overlays[0], self.tr("去年同期")))
        target = self._target(chart)
        if target:
            entries.append((self.target_line, target))
        self._legend(entries)
        self.mark_index = chart.periods.index(mark) if mark in chart.periods else None
        self.mark_line.setVisible(self.mark_index is not None)
        if self.mark_index is not None:
            self.mark_line.setValue(self.mark_index)
            if annotate:
                self._annotate(chart, self.mark_index)
        self.hover_line.hide()
        self._drawing = False
        self._restack()
        self.plot.setXRange(-0.6, n - 0.4, padding=0)
        self.plot.enableAutoRange(axis="y")
        if annotate:
            self._headroom(chart)
        self.show_readout(self._readout_index)

    def _legend(self, entries: list[tuple[pg.GraphicsObject, str]]) -> None:
        """Rebuild the legend only when its entries changed (it is slow to lay out)."""
        key = tuple((id(item), label) for item, label in entries)
        if key == self._legend_key:
            return
        self._legend_key = key
        self.legend.clear()
        self.legend.setColumnCount(min(7, len(entries)))
        for item, label in entries:
            self.legend.addItem(item, label)

    def _lines(self, chart: Chart) -> None:
        x = np.arange(len(chart.periods), dtype=float)
        for i, s in enumerate(chart.series):
            variant = i // len(PALETTE)
            item = self._pooled("line", i)
            item.setData(
                *_points(x, s.values),
                pen=pg.mkPen(colour(i), width=2.2 if len(chart.series) <= len(PALETTE) else 1.6),
                # beyond the palette's colours the marker tells series apart (dashed pens would
                # too, but cost three times as much to paint)
                symbol=SYMBOLS[(i + variant) % len(SYMBOLS)],
                symbolSize=7,
                symbolBrush=colour(i),
                symbolPen=pg.mkPen("w", width=0.8),
            )
            self.items[s.key] = item
            faint = self._pooled("faint_line", i)
            faint.setData(
                *_points(x, s.last_year),
                pen=pg.mkPen(colour(i, LAST_YEAR_ALPHA), width=1.2),
            )
            self.overlays.append(faint)

    def _bars(self, chart: Chart) -> None:
        n, count = len(chart.periods), len(chart.series)
        x = np.arange(n, dtype=float)
        stacked = chart.style == "stacked"
        width = BAR_SPAN if stacked else BAR_SPAN / max(count, 1)
        for i, s in enumerate(chart.series):
            variant = i // len(PALETTE)
            offset = 0.0 if stacked else -BAR_SPAN / 2 + width * (i + 0.5)
            item = self._pooled("bar", i)
            item.setOpts(
                x=x + offset,
                y0=np.zeros(n),
                height=np.zeros(n),
                width=width * 0.92,
                brush=QBrush(colour(i), PATTERNS[variant % len(PATTERNS)]),
                pen=pg.mkPen(colour(i).darker(130), width=0.6),
            )
            self.items[s.key] = item
            if not stacked:
                self._outline(i, x + offset, s.last_year, width * 0.92, i)
        if stacked:
            totals = [
                sum((v for s in chart.series if (v := s.last_year[k]) is not None), Decimal(0))
                if any(s.last_year[k] is not None for s in chart.series)
                else None
                for k in range(n)
            ]
            self._outline(0, x, totals, BAR_SPAN * 0.92, 6)

    def _outline(
        self, slot: int, x: np.ndarray, values: Sequence[Value], width: float, index: int
    ) -> None:
        """Same period last year: the outline of a bar, dashed and faint."""
        item = self._pooled("faint_bar", slot)
        item.setOpts(
            x=x,
            height=np.nan_to_num(_floats(values)),
            width=width,
            brush=QBrush(Qt.BrushStyle.NoBrush),
            pen=pg.mkPen(
                colour(index, LAST_YEAR_ALPHA + 40), width=1.2, style=Qt.PenStyle.DashLine
            ),
        )
        self.overlays.append(item)

    def _overlays_follow(self) -> None:
        """The legend's 去年同期 entry (the first overlay) hides and shows them all."""
        if self._drawing or not self.overlays:
            return
        visible = self.overlays[0].isVisible()
        for item in self.overlays[1:]:
            item.setVisible(visible)

    def _restack(self) -> None:
        """Bars of a stacked chart sit on the visible series below them."""
        chart = self.chart
        if self._drawing or chart is None or chart.style == "line":
            return
        base = np.zeros(len(chart.periods))
        for s in chart.series:
            item = self.items[s.key]
            heights = np.nan_to_num(_floats(s.values))
            if chart.style == "stacked":
                item.setOpts(y0=base.copy(), height=heights)
                if item.isVisible():
                    base = base + heights
            else:
                item.setOpts(height=heights)
        self.show_readout(self._readout_index)

    def _target(self, chart: Chart) -> str:
        """Draw the target as a step line (and its band); returns its legend label, or ''."""
        self.band.setVisible(False)
        if chart.target is None:
            self.target_line.setVisible(False)
            return ""
        xs, ys = [], []
        for i, t in enumerate(chart.target):
            value = math.nan if t is None else float(t)
            xs += [i - 0.5, i + 0.5, i + 0.5]
            ys += [value, value, math.nan]
        known = {t for t in chart.target if t is not None}
        sign = "≥" if chart.comparator == ">=" else "≤"
        name = chart.target_label
        if len(known) == 1:
            name += f" {sign} {chart.text(next(iter(known)))}"
        self.target_line.setData(np.array(xs), np.array(ys), connect="finite")
        self.target_line.setVisible(True)
        if len(known) == 1:
            self._band(chart, float(next(iter(known))))
        return name

    def _band(self, chart: Chart, target: float) -> None:
        values = [float(v) for s in chart.series for v in s.values if v is not None]
        if chart.comparator == ">=":
            edge = max([target, *values])
            span = (target, edge + (edge - min([target, *values])) * 0.05)
        else:
            span = (min([0.0, *values]), target)
        if span[1] > span[0]:
            self.band.setRegion(span)
            self.band.setVisible(True)

    def _annotate(self, chart: Chart, index: int) -> None:
        """Values of the marked period written beside its points or bars."""
        if chart.style == "stacked":
            total = chart.total(index)
            if total is not None:
                self._label(index, float(total), chart.text(total), 0)
            return
        count = len(chart.series)
        for i, s in enumerate(chart.series):
            value = s.values[index]
            if value is None:
                continue
            x = float(index)
            if chart.style == "grouped":
                width = BAR_SPAN / count
                x += -BAR_SPAN / 2 + width * (i + 0.5)
            self._label(x, float(value), chart.text(value), i)

    def _headroom(self, chart: Chart) -> None:
        """Room above the highest bar or point for the value written on it."""
        tops = [float(v) for s in chart.series for v in (*s.values, *s.last_year) if v is not None]
        if chart.style == "stacked":
            tops += [float(t) for i in range(len(chart.periods)) if (t := chart.total(i))]
        tops += [float(t) for t in chart.target or () if t is not None]
        if not tops:
            return
        low = 0.0 if chart.style != "line" else min(tops)
        high = max(tops)
        span = (high - low) or abs(high) or 1.0
        self.plot.setYRange(low - (0 if chart.style != "line" else span * 0.05), high + span * 0.12)

    def _label(self, x: float, y: float, text: str, index: int) -> None:
        item = pg.TextItem(text, color=colour(index).darker(140), anchor=(0.5, 1.1))
        item.setPos(QPointF(x, y))
        self.plot.addItem(item)
        self._labels.append(item)

    # -- reading ----------------------------------------------------------------------------

    @property
    def _readout_index(self) -> int:
        if self.chart is None:
            return -1
        return self.mark_index if self.mark_index is not None else len(self.chart.periods) - 1

    def hidden(self) -> list[str]:
        """Keys of the series hidden by a click on their legend entry."""
        return [k for k, item in self.items.items() if not item.isVisible()]

    def set_series_visible(self, key: str, visible: bool) -> None:
        self.items[key].setVisible(visible)
        self.show_readout(self._readout_index)

    def show_readout(self, index: int) -> str:
        text = self.chart.readout(index, self.hidden()) if self.chart else ""
        self.readout.setText(text)
        return text

    def plotted(self) -> dict[str, list[float | None]]:
        """What each series draws, per period (bars: the top of the bar; None: nothing drawn)
        — charts are tested on the data they plot."""
        found: dict[str, list[float | None]] = {}
        n = len(self.chart.periods) if self.chart else 0
        for key, item in self.items.items():
            values: list[float | None] = [None] * n
            if isinstance(item, pg.BarGraphItem):
                tops = np.asarray(item.opts["height"], dtype=float)
                y0 = item.opts.get("y0")
                if y0 is not None:
                    tops = tops + np.asarray(y0, dtype=float)
                values = [float(v) for v in tops]
            else:
                xs, ys = item.getData()
                for x, y in zip(xs, ys, strict=True):
                    values[round(x)] = float(y)
            found[key] = values
        return found

    def _mouse_moved(self, pos: QPointF) -> None:
        if self.chart is None or not self.plot.sceneBoundingRect().contains(pos):
            return
        x = self.plot.vb.mapSceneToView(pos).x()
        index = round(x)
        if not 0 <= index < len(self.chart.periods):
            self.hover_line.hide()
            self.show_readout(self._readout_index)
            return
        self.hover_line.setValue(index)
        self.hover_line.show()
        self.show_readout(index)
        self.hovered.emit(index)

    def leaveEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        self.hover_line.hide()
        self.show_readout(self._readout_index)
        super().leaveEvent(event)  # type: ignore[arg-type]
