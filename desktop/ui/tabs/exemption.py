"""两免一补: schools, students and fee exemptions (placeholder for now)."""

from __future__ import annotations

from desktop.ui.tabs.base import PlaceholderTab


class ExemptionTab(PlaceholderTab):
    key = "exemption"

    def content(self) -> tuple[str, str, list[str]]:
        return (
            self.tr("两免一补"),
            self.tr("义务教育阶段学生免学杂费、免教科书费和家庭经济困难学生生活补助。"),
            [
                self.tr("学校与学生：学籍号校验，学段、年级、寄宿和困难类型"),
                self.tr("资助记录：按学年、学期和项目录入或导入，金额按标准自动计算"),
                self.tr("核查：同一学生同一学期同一项目只能享受一次，标出在两所学校登记的学生"),
                self.tr("汇总：受助学生人数和资助金额（万元）"),
            ],
        )
