"""The standard charts rendered offscreen, for the quarterly summary's PDF (issue 6).

``chart_pngs(ctx, period)`` returns ``[(title, png_bytes), …]`` for the charts of
:data:`desktop.reports.series.STANDARD` (康检率, 四术, 帮扶发放金额, 两免一补资助金额, 奖励扶助 and
特别扶助 head-counts) over the eight quarters ending with ``period``, with ``period``'s values
written on them. Charts without any data in the range are left out. It runs on the GUI thread
(it reads ``ctx.db`` and draws with Qt; a QApplication must exist); the six charts take about
2 s on the demo district, reading included.

    from desktop.ui.charts.render import chart_pngs
    for title, png in chart_pngs(ctx, ctx.period, scope="CG", dpi=200):
        ...  # e.g. reportlab: Image(io.BytesIO(png), width=…, height=…)

``scope``: None for the user's whole scope (the district for the administrator), an office code,
or a list of office codes (drawn side by side).
"""

from __future__ import annotations

from collections.abc import Sequence

from desktop.domain import periods
from desktop.domain.periods import Period
from desktop.reports import series
from desktop.store.orgs import Scope
from desktop.ui.charts.export import offscreen, png_bytes, settle
from desktop.ui.context import AppContext
from desktop.ui.tabs.charts import mark_of

QUARTERS = 8


def user_scope(ctx: AppContext) -> Scope:
    return ctx.tree.scope_of(ctx.user.scope_unit_id)


def chart_pngs(
    ctx: AppContext,
    period: Period,
    scope: str | Sequence[str] | None = None,
    dpi: int = 200,
    keys: Sequence[str] = series.STANDARD,
) -> list[tuple[str, bytes]]:
    """(title, PNG bytes) of each standard chart with data, ``period`` marked and annotated."""
    last = periods.quarter_of(period.end)
    first = periods.quarter_of(last.start)
    for _ in range(QUARTERS - 1):
        first = first.previous()
    units = [scope] if isinstance(scope, str) else (list(scope) if scope else None)
    datasets: dict[str, series.Dataset] = {}
    view = offscreen()
    out: list[tuple[str, bytes]] = []
    try:
        for key in keys:
            source = series.CHARTS[key].source
            if source not in datasets:
                datasets[source] = series.fetch(
                    ctx.db, source, first, last, user_scope(ctx), ctx.tree
                )
            chart = datasets[source].chart(key, units)
            if not any(v is not None for s in chart.series for v in s.values):
                continue
            view.draw(chart, mark=mark_of(chart, period), annotate=True)
            settle(view)
            out.append((chart.title, png_bytes(view, dpi)))
    finally:
        view.close()
        view.deleteLater()
    return out
