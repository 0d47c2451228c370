"""季度汇总: the quarterly summary, submission and export (placeholder for now)."""

from __future__ import annotations

from desktop.ui.tabs.base import PlaceholderTab


class SummaryTab(PlaceholderTab):
    key = "summary"

    def content(self) -> tuple[str, str, list[str]]:
        return (
            self.tr("季度汇总"),
            self.tr("按办事处和全区生成季度汇总表，报送、审核和导出。"),
            [
                self.tr("汇总表：康检率、四术、帮扶发放、两免一补及各项主要指标"),
                self.tr("指标与目标：出生率、政策生育率、避孕节育措施落实率等与市定目标对比"),
                self.tr("报送：审核员提交本季度（提交后锁定），区管理员审核或退回"),
                self.tr("导出：Excel、PDF、Word、CSV，以及办事处数据包"),
            ],
        )
