"""帮扶发放 (奖励扶助 / 特别扶助 / 贫困计生户慰问): the current period's figures at the top, and four
pages — 户籍与家庭, 资格 (with the head-count identity and the yearly confirmation), 发放批次
(propose, review, approve; the 公示 and 花名册 exports), 发放记录 (returns and re-payments) and
帮扶标准 (the dated standards; the district administrator edits them) — and 导入… for households
and disbursements.

The households page is built with the tab (it is the first page); the others when first shown.
The tab is ready once the households list has painted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from desktop.ui.context import AppContext
from desktop.ui.subsidy.batch import BatchPage
from desktop.ui.subsidy.households import HouseholdsPage
from desktop.ui.subsidy.payments import PaymentsPage
from desktop.ui.subsidy.qualifications import QualificationsPage
from desktop.ui.subsidy.standards import StandardsPage
from desktop.ui.subsidy.totals import TotalsPanel
from desktop.ui.tabs.base import ProgrammeTab

if TYPE_CHECKING:
    pass

# import kind → the tables an import of it changes (announced so that the pages refresh)
IMPORT_KINDS = {
    "households": ("persons", "households", "household_members"),
    "disbursements": ("qualifications", "payments", "payment_batches"),
}
PAGE_HOUSEHOLDS, PAGE_QUALIFICATIONS, PAGE_BATCH, PAGE_PAYMENTS, PAGE_STANDARDS = range(5)
PAGE_CLASSES: dict[int, type[QualificationsPage | BatchPage | PaymentsPage | StandardsPage]] = {
    PAGE_QUALIFICATIONS: QualificationsPage,
    PAGE_BATCH: BatchPage,
    PAGE_PAYMENTS: PaymentsPage,
    PAGE_STANDARDS: StandardsPage,
}
PAGE_IMPORT = {
    PAGE_HOUSEHOLDS: "households",
    PAGE_QUALIFICATIONS: "disbursements",
    PAGE_BATCH: "disbursements",
    PAGE_PAYMENTS: "disbursements",
    PAGE_STANDARDS: "disbursements",
}


class SubsidyTab(ProgrammeTab):
    key = "subsidy"
    PAGE_CLASSES = PAGE_CLASSES  # type: ignore[assignment]
    IMPORT_KINDS = IMPORT_KINDS
    PAGE_IMPORT = PAGE_IMPORT
    DEFAULT_IMPORT = "households"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.totals = TotalsPanel(ctx)
        self.households = HouseholdsPage(ctx)
        self.lay_out(
            self.tr("帮扶发放"),
            self.households,
            [
                self.tr("户籍与家庭"),
                self.tr("资格"),
                self.tr("发放批次"),
                self.tr("发放记录"),
                self.tr("帮扶标准"),
            ],
            self.tr("从 Excel / CSV 导入家庭、资格或发放记录"),
            above_pages=self.totals,
        )

    # -- pages ------------------------------------------------------------------------------

    def qualifications_page(self) -> QualificationsPage:
        page = self.show_page(PAGE_QUALIFICATIONS)
        assert isinstance(page, QualificationsPage)
        return page

    def batch_page(self) -> BatchPage:
        page = self.show_page(PAGE_BATCH)
        assert isinstance(page, BatchPage)
        return page

    def payments_page(self) -> PaymentsPage:
        page = self.show_page(PAGE_PAYMENTS)
        assert isinstance(page, PaymentsPage)
        return page

    def standards_page(self) -> StandardsPage:
        page = self.show_page(PAGE_STANDARDS)
        assert isinstance(page, StandardsPage)
        return page
