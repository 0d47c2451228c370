"""趋势图表: the tab draws the series of desktop.reports.series, switches scope without a query,
follows the data, hides series from the legend, reads values out under the mouse, and exports.

Charts are tested on the data they plot (ChartView.plotted), not on pixels."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from desktop.domain import periods
from desktop.reports import series
from desktop.ui.context import AppContext
from desktop.ui.tabs.charts import ChartsTab

Q1 = periods.quarter(2026, 1)


def procedures(ctx: AppContext, rows: list[tuple[str, str, str]]) -> None:
    """(community name, procedure type, date) through the write door, as the import does."""
    names = {u.name: u.id for u in ctx.tree.communities()}
    ctx.door().insert_many("procedures", [
        {"community_id": names[c], "name": "张秀兰", "sex": "M" if k == "male_sterilization"
         else "F", "procedure_type": k, "procedure_date": d} for c, k, d in rows
    ])  # fmt: skip


@pytest.fixture
def ctx(admin_ctx: AppContext) -> AppContext:
    procedures(admin_ctx, [
        ("东关社区", "iud_insert", "2026-01-10"), ("东关社区", "iud_insert", "2026-02-10"),
        ("西街社区", "abortion", "2026-03-01"), ("新华社区", "iud_insert", "2026-02-11"),
        ("新华社区", "female_sterilization", "2026-03-11"), ("东关社区", "iud_insert", "2025-01-09"),
        ("新华社区", "induced_labour", "2025-11-09"),
    ])  # fmt: skip
    admin_ctx.period = Q1
    return admin_ctx


def open_tab(qtbot: object, ctx: AppContext, chart: str = "procedures") -> ChartsTab:
    tab = ChartsTab(ctx)
    qtbot.addWidget(tab)  # type: ignore[attr-defined]
    tab.resize(1100, 650)
    tab.select_chart(chart)
    tab.set_range("2025Q1", "2026Q2")
    with qtbot.waitSignal(tab.drawn, timeout=10_000):  # type: ignore[attr-defined]
        tab.show()
    return tab


def test_the_tab_draws_the_stacked_four_procedures(qtbot: object, ctx: AppContext) -> None:
    tab = open_tab(qtbot, ctx)
    assert tab.is_ready()
    view = tab.view
    assert view is not None and view.chart is not None
    assert view.chart.periods[:2] == ("2025Q1", "2025Q2") and view.chart.periods[-1] == "2026Q2"
    drawn = view.plotted()
    i = view.chart.index("2026Q1")
    # stacked: each series' top is the running total (上环 3, 结扎 1, 人流 1)
    assert drawn["上环"][i] == 3
    assert drawn["结扎"][i] == 4
    assert drawn["人流"][i] == 5
    assert drawn["引产"][i] == 5
    assert drawn["引产"][view.chart.index("2025Q4")] == 1
    assert view.readout.text() == (
        "2026Q1　上环 3 例（去年同期 1 例）　结扎 1 例　人流 1 例　引产 —　合计 5 例"
    )
    assert "2026Q1" in [t for _v, t in view.plot.getAxis("bottom")._tickLevels[0]]


def test_legend_click_hides_a_series_and_the_stack_closes_up(qtbot: object, ctx: AppContext
                                                              ) -> None:  # fmt: skip
    tab = open_tab(qtbot, ctx)
    view = tab.view
    assert view is not None
    sample = next(s for s, label in view.legend.items if label.text == "上环")
    click = SimpleNamespace(button=lambda: Qt.MouseButton.LeftButton, accept=lambda: None)
    sample.mouseClickEvent(click)
    assert view.hidden() == ["上环"]
    i = view.chart.index("2026Q1")
    assert view.plotted()["人流"][i] == 2  # 结扎 1 + 人流 1, 上环 no longer below them
    assert "上环" not in view.readout.text() and "合计" in view.readout.text()
    sample.mouseClickEvent(click)
    assert view.hidden() == [] and view.plotted()["人流"][i] == 5
    # one legend entry stands for every same-quarter-last-year overlay
    faint = next(s for s, label in view.legend.items if label.text == "去年同期")
    faint.mouseClickEvent(click)
    assert view.overlays and not any(item.isVisible() for item in view.overlays)
    tab.select_units(["CG", "DF"])  # the same chart again: what was hidden stays hidden
    assert len(view.overlays) == 2 and not any(item.isVisible() for item in view.overlays)


def test_hover_reads_out_the_exact_values(qtbot: object, ctx: AppContext) -> None:
    tab = open_tab(qtbot, ctx)
    view = tab.view
    assert view is not None
    i = view.chart.index("2025Q4")
    scene_pos = view.plot.vb.mapViewToScene(QPointF(i + 0.2, 0.5))
    with qtbot.waitSignal(view.hovered) as hovered:  # type: ignore[attr-defined]
        view.plot_widget.scene().sigMouseMoved.emit(scene_pos)
    assert hovered.args == [i]
    assert view.readout.text().startswith("2025Q4　上环 —")
    assert "引产 1 例" in view.readout.text()


def test_scope_switch_redraws_without_a_query(qtbot: object, ctx: AppContext,
                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    tab = open_tab(qtbot, ctx)
    calls: list[str] = []
    real = series.fetch
    monkeypatch.setattr(series, "fetch", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    with qtbot.waitSignal(tab.drawn):  # type: ignore[attr-defined]
        tab.select_units(["CG", "DF"])
    view = tab.view
    assert view is not None and view.chart is not None
    assert view.chart.style == "grouped"
    assert [s.label for s in view.chart.series] == ["城关街道办事处", "东风街道办事处"]
    i = view.chart.index("2026Q1")
    assert view.plotted()["CG"][i] == 3 and view.plotted()["DF"][i] == 2
    assert tab.compare.isVisibleTo(tab)
    with qtbot.waitSignal(tab.drawn):  # type: ignore[attr-defined]
        tab.select_units(["DF"])
    assert view.chart.title == "东风街道办事处 四术例数"
    assert view.plotted()["上环"][i] == 1
    assert calls == []  # every scope came from the one fetched dataset


def test_charts_follow_the_data(qtbot: object, ctx: AppContext) -> None:
    tab = open_tab(qtbot, ctx)
    procedures(ctx, [("西街社区", "abortion", "2026-03-20")])
    with qtbot.waitSignal(tab.drawn, timeout=10_000):  # type: ignore[attr-defined]
        ctx.hub.data_changed.emit("procedures")
    view = tab.view
    assert view is not None
    assert view.chart.value("人流", "2026Q1") == 2


def test_range_and_chart_choice(qtbot: object, ctx: AppContext) -> None:
    tab = open_tab(qtbot, ctx)
    with qtbot.waitSignal(tab.drawn, timeout=10_000):  # type: ignore[attr-defined]
        tab.set_range("2026Q1", "2026Q2")
    view = tab.view
    assert view is not None and view.chart.periods == ("2026Q1", "2026Q2")
    with qtbot.waitSignal(tab.drawn, timeout=10_000):  # type: ignore[attr-defined]
        tab.select_chart("indicator_birth_rate")
    assert view.chart.key == "indicator_birth_rate" and view.chart.style == "line"
    assert tab.status.text() == "所选范围内没有数据。"


def test_export_png_svg_and_clipboard_with_chinese(qtbot: object, ctx: AppContext,
                                                   tmp_path: Path) -> None:  # fmt: skip
    tab = open_tab(qtbot, ctx)
    png = tab.export(tmp_path / "四术.png")
    image = QImage(str(png))
    assert not image.isNull()
    assert image.width() == 3000 and image.height() == 1688  # 960 × 540 at 300 dpi
    assert round(image.dotsPerMeterX() * 0.0254) == 300
    svg = tab.export(tmp_path / "四术.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "四术（例）" in svg and "2026Q1" in svg
    tab.copy_button.click()
    copied = QApplication.clipboard().image()
    assert copied.width() == 3000
    assert "四术例数" in tab.default_file_name("png")


def test_chart_pngs_for_the_summary_pdf(qtbot: object, ctx: AppContext) -> None:
    from desktop.ui.charts.render import chart_pngs

    found = chart_pngs(ctx, Q1, dpi=100)
    assert [title for title, _png in found] == ["示范区 四术例数"]  # the only chart with data
    image = QImage.fromData(found[0][1], "PNG")
    assert image.width() == 1000
    offices = chart_pngs(ctx, Q1, scope=["CG", "DF"], dpi=100, keys=["procedures"])
    assert [title for title, _png in offices] == ["四术例数"]
    assert chart_pngs(ctx, periods.quarter(2020, 1), dpi=100) == []


def test_a_clerk_sees_only_her_office(qtbot: object, ctx: AppContext, clerk_ctx: AppContext
                                      ) -> None:  # fmt: skip
    clerk_ctx.period = Q1
    tab = open_tab(qtbot, clerk_ctx)
    assert tab.unit.count() == 1 and tab.unit.itemText(0) == "城关街道办事处"
    view = tab.view
    assert view is not None
    assert view.chart.total(view.chart.index("2026Q1")) == 3  # 东风 records left out
