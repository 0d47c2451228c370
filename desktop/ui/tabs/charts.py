"""趋势图表: quarterly trends (placeholder for now).

pyqtgraph is heavy; it must be imported only when a chart is first shown (in ``showEvent``), never
at start-up.
"""

from __future__ import annotations

from desktop.ui.tabs.base import PlaceholderTab


class ChartsTab(PlaceholderTab):
    key = "charts"

    def content(self) -> tuple[str, str, list[str]]:
        return (
            self.tr("趋势图表"),
            self.tr("各季度主要指标的变化趋势，按办事处对比。"),
            [
                self.tr("康检率、四术例数的季度趋势"),
                self.tr("帮扶发放人数与金额、两免一补受助人数与金额"),
                self.tr("出生率、自然增长率等指标与市定目标线"),
                self.tr("各办事处同期对比"),
            ],
        )
