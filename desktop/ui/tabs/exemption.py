"""两免一补: five pages — 学校, 学生, 学期发放 (the semester batch), 减免记录 (records, the summary
per school × semester × item and the period's figure) and 补助标准 (the dated aid standards) —
and 导入… for schools, students and exemption records.

The schools page is built with the tab (it is the first page); the others are built when first
shown. The tab is ready once the schools list has painted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from desktop.ui.context import AppContext
from desktop.ui.exemption.batch import BatchPage
from desktop.ui.exemption.records import RecordsPage
from desktop.ui.exemption.schools import SchoolsPage
from desktop.ui.exemption.standards import StandardsPage
from desktop.ui.exemption.students import StudentsPage
from desktop.ui.tabs.base import ProgrammeTab

if TYPE_CHECKING:
    pass

# import kind → the tables an import of it changes (announced so that the pages refresh)
IMPORT_KINDS = {
    "schools": ("schools",),
    "students": ("students",),
    "exemptions": ("exemptions",),
}
PAGE_SCHOOLS, PAGE_STUDENTS, PAGE_BATCH, PAGE_RECORDS, PAGE_STANDARDS = range(5)
PAGE_CLASSES: dict[int, type[StudentsPage | BatchPage | RecordsPage | StandardsPage]] = {
    PAGE_STUDENTS: StudentsPage,
    PAGE_BATCH: BatchPage,
    PAGE_RECORDS: RecordsPage,
    PAGE_STANDARDS: StandardsPage,
}
# the import kind 导入… offers first on each page
PAGE_IMPORT = {
    PAGE_SCHOOLS: "schools",
    PAGE_STUDENTS: "students",
    PAGE_BATCH: "exemptions",
    PAGE_RECORDS: "exemptions",
    PAGE_STANDARDS: "students",
}


class ExemptionTab(ProgrammeTab):
    key = "exemption"
    PAGE_CLASSES = PAGE_CLASSES  # type: ignore[assignment]
    IMPORT_KINDS = IMPORT_KINDS
    PAGE_IMPORT = PAGE_IMPORT
    DEFAULT_IMPORT = "students"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.schools = SchoolsPage(ctx)
        self.lay_out(
            self.tr("两免一补"),
            self.schools,
            [
                self.tr("学校"),
                self.tr("学生"),
                self.tr("学期发放"),
                self.tr("减免记录"),
                self.tr("补助标准"),
            ],
            self.tr("从 Excel / CSV 导入学校、学生名册或资助记录"),
        )

    # -- pages ------------------------------------------------------------------------------

    def students_page(self) -> StudentsPage:
        page = self.show_page(PAGE_STUDENTS)
        assert isinstance(page, StudentsPage)
        return page

    def batch_page(self) -> BatchPage:
        page = self.show_page(PAGE_BATCH)
        assert isinstance(page, BatchPage)
        return page

    def records_page(self) -> RecordsPage:
        page = self.show_page(PAGE_RECORDS)
        assert isinstance(page, RecordsPage)
        return page

    def standards_page(self) -> StandardsPage:
        page = self.show_page(PAGE_STANDARDS)
        assert isinstance(page, StandardsPage)
        return page
