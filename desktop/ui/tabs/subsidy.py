"""帮扶发放: qualifications, disbursement batches and public posting (placeholder for now)."""

from __future__ import annotations

from desktop.ui.tabs.base import PlaceholderTab


class SubsidyTab(PlaceholderTab):
    key = "subsidy"

    def content(self) -> tuple[str, str, list[str]]:
        return (
            self.tr("帮扶发放"),
            self.tr("奖励扶助、特别扶助和贫困计生户慰问的资格认定与资金发放。"),
            [
                self.tr("资格认定：新增、续发、暂停、退出，年度确认"),
                self.tr("发放批次：按项目和期间生成发放名单，记录发放结果"),
                self.tr("公示：生成不含完整身份证号和账号的公示名单"),
                self.tr("核查：同一人同一项目同一期间不得重复发放（含跨办事处）"),
            ],
        )
