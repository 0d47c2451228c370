"""趋势图表 (issue 7): fetching each chart source and drawing 20 offices × 12 quarters.

The district is the demo's generator with 20 offices instead of 6 (the six of
``resources/demo/district.toml`` and fourteen more made like them), at ``min(--scale, 10)``: the
offices, not the people, are what a chart of 20 offices × 12 quarters costs. Figures (median of
``--repeat``, at least 3):

- query: ``series.fetch`` of each source for 12 quarters (and the 4 before them, for the
  same-quarter-last-year overlay), on its own connection as the tab's worker does;
- redraw: ``ChartView.draw`` of the 20-office chart and a synchronous repaint;
- scope switch: the tab from 全区 to the 20 offices side by side (and back), drawn and repainted —
  no query, since every scope is combined from the fetched source.

``python -m benchmarks.run --only charts --scale 1`` runs this section alone.
"""

from __future__ import annotations

import copy
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

OFFICES = 20
QUARTERS = 12
GOAL = 0.1  # s, the goal for the query and the redraw
MAX_SCALE = 10.0
STAT_BASE = {"街道": 10, "镇": 110, "乡": 210}


def twenty_offices(params: dict[str, Any], count: int = OFFICES) -> dict[str, Any]:
    """The demo's parameters with ``count`` offices: the six, then copies of them under new
    names, codes and statistical codes (communities renamed, same weights)."""
    params = copy.deepcopy(params)
    offices = params["offices"]
    base = list(offices)
    for i in range(len(base), count):
        model = base[i % len(base)]
        clone = copy.deepcopy(model)
        clone["name"] = f"第{i + 1}{model['kind']}办事处"
        clone["code"] = f"{model['code']}{i}"
        clone["stat"] = f"{STAT_BASE[model['kind']] + i:03d}"
        for c in clone["communities"]:
            c["name"] = f"{c['name'][:2]}{i}{c['name'][2:]}"  # 前营村 → 前营10村
        offices.append(clone)
    return params


def build(workdir: Path, scale: float) -> Path:
    from desktop.demo import build_demo, load_params

    path = workdir / f"charts-{OFFICES}-offices-{scale:g}.db"
    if not path.exists():
        build_demo(path, scale=scale, params=twenty_offices(load_params())).conn.close()
    return path


def median(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def section(run: Any) -> None:
    from benchmarks.run import Figure

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scale = min(run.scale, MAX_SCALE)
    repeat = max(3, run.repeat)
    print(
        f"\n趋势图表 {OFFICES} offices × {QUARTERS} quarters, scale {scale:g}, median of {repeat}"
    )
    started = time.perf_counter()
    path = build(run.workdir, scale)
    print(f"  (district built or found in {time.perf_counter() - started:.1f} s: {path.name})")

    from desktop.domain import periods
    from desktop.reports import series
    from desktop.store.db import connect, open_database
    from desktop.store.users import load_user
    from desktop.ui.app import make_application
    from desktop.ui.context import AppContext
    from desktop.ui.fonts import install_fonts

    app = make_application()
    install_fonts(app)
    last = periods.quarter(2026, 3)
    first = periods.quarters_between(periods.quarter(2020, 1), last)[-QUARTERS]
    datasets: dict[str, series.Dataset] = {}
    for source in series.FETCHES:

        def query(source: str = source) -> None:
            conn = connect(path)
            try:
                datasets[source] = series.fetch(conn, source, first, last)
            finally:
                conn.close()

        seconds = median(query, repeat)
        run.add(Figure(f"query {source} ({OFFICES} offices)", seconds, "s", f"< {GOAL} s",
                       seconds < GOAL))  # fmt: skip

    from desktop.ui.charts.view import ChartView

    view = ChartView()
    view.resize(1200, 640)
    view.show()
    app.processEvents()
    codes = [code for code, _name in datasets["procedures"].offices]
    assert len(codes) == OFFICES, codes
    worst = ("", 0.0)
    for spec in series.SPECS:
        chart = datasets[spec.source].chart(spec.key, codes)

        def redraw(chart: series.Chart = chart) -> None:
            view.draw(chart, mark="2026Q1")
            view.plot_widget.viewport().repaint()

        seconds = median(redraw, repeat)
        if seconds > worst[1]:
            worst = (spec.key, seconds)
        if spec.key in ("kangjian_rate", "procedures", "exemption_amount"):
            run.add(Figure(f"redraw {spec.key} ({len(chart.series)} series)", seconds, "s",
                           f"< {GOAL} s", seconds < GOAL))  # fmt: skip
    run.add(Figure(f"redraw, slowest chart ({worst[0]})", worst[1], "s", f"< {GOAL} s",
                   worst[1] < GOAL))  # fmt: skip
    view.close()

    from desktop.ui.tabs.charts import ChartsTab

    db = open_database(path)
    ctx = AppContext.create(db, path, load_user(db, "admin"))
    ctx.period = periods.quarter(2026, 1)
    tab = ChartsTab(ctx)
    tab.background = False
    tab.resize(1240, 720)
    tab.select_chart("procedures")
    tab.show()
    tab.set_range(first.key, last.key)
    app.processEvents()

    def switch(units: list[str] | None) -> Callable[[], None]:
        def go() -> None:
            tab.select_units(units)
            assert tab.view is not None
            tab.view.plot_widget.viewport().repaint()

        return go

    to_offices = median(lambda: (switch(None)(), switch(codes)()), repeat) / 2
    run.add(Figure(f"scope switch 全区 ↔ {OFFICES} offices (no query)", to_offices, "s",
                   f"< {GOAL} s", to_offices < GOAL))  # fmt: skip
    tab.close()
    db.conn.close()
