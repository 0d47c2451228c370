"""康检活动: the campaign picker over four pages — 名册 (the women's roster), 康检登记 (check-in
at the service station), 未检名单 (who has not been checked, and why) and 汇总 (progress per
community beside keyed totals) — and 导入… for rosters, check results and procedures.

The roster is built with the tab (it is the first page and needs no campaign); the other pages
are built when first shown. The tab is ready once the roster has painted its first rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.store.kangjian import CampaignKey
from desktop.store.paged import Column
from desktop.ui.context import AppContext
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.kangjian.campaign_form import CampaignDialog
from desktop.ui.kangjian.checkin import CheckinPanel
from desktop.ui.kangjian.common import CampaignChoice, campaign_choices, search_condition
from desktop.ui.kangjian.roster import (
    COL_BIRTH,
    COL_COMMUNITY,
    COL_ID,
    COL_NAME,
    COL_PHONE,
    COL_PINYIN,
    COMMUNITY_NAME,
    RosterPage,
)
from desktop.ui.kangjian.totals import TotalsPage
from desktop.ui.kangjian.unchecked import UncheckedPage
from desktop.ui.kangjian.woman_form import WomanDialog
from desktop.ui.tabs.base import PaintWatcher, Tab, heading, swap_in

if TYPE_CHECKING:
    from desktop.ui.import_dialog import ImportDialog

__all__ = ["COL_BIRTH", "COL_COMMUNITY", "COL_ID", "COL_NAME", "COL_PHONE", "COL_PINYIN",
           "KangjianTab", "PERSON_COLUMNS", "search_condition"]

# The person register's columns (``persons`` alone), which this tab showed before the roster
# replaced it; kept for lists of persons that are not on the roster (and the paged model's tests).
PERSON_COLUMNS = (
    Column("name", QT_TRANSLATE_NOOP("columns", "姓名"), "t.name", sort_expr="t.pinyin, t.name"),
    Column("pinyin", QT_TRANSLATE_NOOP("columns", "拼音"), "t.pinyin",
           sort_expr="t.pinyin, t.name"),
    Column("id_number", QT_TRANSLATE_NOOP("columns", "身份证号"), "t.id_number",
           sensitive="id", sortable=False),
    Column("birth_date", QT_TRANSLATE_NOOP("columns", "出生日期"), "t.birth_date"),
    Column("community", QT_TRANSLATE_NOOP("columns", "社区"), COMMUNITY_NAME,
           sort_expr="t.community_id, t.name"),
    Column("phone", QT_TRANSLATE_NOOP("columns", "手机"), "t.phone", sensitive="phone",
           sortable=False),
    Column("hukou", QT_TRANSLATE_NOOP("columns", "户籍"), "t.hukou", sortable=False),
)
# (their positions are the roster's COL_NAME … COL_PHONE; 户籍 is the seventh)

# import kind → the tables an import of it changes (announced so that the pages refresh)
IMPORT_KINDS = {
    "women": ("persons", "women"),
    "checks": ("checks",),
    "procedures": ("procedures",),
}
PAGE_ROSTER, PAGE_CHECKIN, PAGE_UNCHECKED, PAGE_TOTALS = range(4)


class KangjianTab(Tab):
    key = "kangjian"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.choices: list[CampaignChoice] = []
        self.checkin: CheckinPanel | None = None
        self.unchecked: UncheckedPage | None = None
        self.totals: TotalsPage | None = None

        self.campaign = QComboBox()
        self.campaign.setMinimumContentsLength(26)
        self.campaign.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.campaign.setToolTip(self.tr("登记、未检名单和汇总都按所选活动"))
        self.campaign.currentIndexChanged.connect(self._campaign_changed)
        self.new_campaign_button = QPushButton(self.tr("新建活动…"))
        self.new_campaign_button.setToolTip(self.tr("新建康检活动：名称、日期、检查项目和社区范围"))
        self.new_campaign_button.clicked.connect(lambda: self.open_campaign())
        self.edit_campaign_button = QPushButton(self.tr("编辑活动…"))
        self.edit_campaign_button.setToolTip(self.tr("修改所选活动的名称、日期、项目或范围"))
        self.edit_campaign_button.clicked.connect(
            lambda: self.open_campaign(self.current_choice()))
        self.import_button = QPushButton(self.tr("导入…"))
        self.import_button.setToolTip(self.tr("从 Excel / CSV 导入名册、康检结果或手术记录"))
        self.import_button.clicked.connect(lambda: self.open_import())

        self.roster = RosterPage(ctx)
        self.roster.add_requested.connect(lambda: self.open_woman())
        self.roster.edit_requested.connect(lambda person: self.open_woman(person))
        self.model = self.roster.model  # the roster's paged model (benchmarks, tests)
        self.view = self.roster.view

        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.roster, self.tr("名册"))
        for label in (self.tr("康检登记"), self.tr("未检名单"), self.tr("汇总")):
            self.pages.addTab(QWidget(), label)
        self.pages.currentChanged.connect(self._page_shown)

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(heading(self.tr("康检活动")))
        top.addSpacing(16)
        top.addWidget(QLabel(self.tr("活动")))
        top.addWidget(self.campaign)
        top.addWidget(self.new_campaign_button)
        top.addWidget(self.edit_campaign_button)
        top.addStretch(1)
        top.addWidget(self.import_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)

        self.load_campaigns()
        ctx.hub.data_changed.connect(self._data_changed)
        PaintWatcher(self.roster.view.viewport(), self.mark_ready)

    # -- campaigns --------------------------------------------------------------------------

    def load_campaigns(self) -> None:
        """Fill the picker (newest first), keeping the chosen campaign when it is still there."""
        current = self.current_choice()
        self.choices = campaign_choices(self.ctx)
        blocked = self.campaign.blockSignals(True)
        self.campaign.clear()
        for choice in self.choices:
            self.campaign.addItem(choice.label)
        if not self.choices:
            self.campaign.addItem(self.tr("（尚无康检活动）"))
        self.campaign.setEnabled(bool(self.choices))
        self.edit_campaign_button.setEnabled(bool(self.choices))
        keep = next((i for i, c in enumerate(self.choices)
                     if current is not None and c.key == current.key), 0)
        self.campaign.setCurrentIndex(keep)
        self.campaign.blockSignals(blocked)
        if current is None or self.current_choice() != current:
            self._campaign_changed()

    def current_choice(self) -> CampaignChoice | None:
        index = self.campaign.currentIndex()
        return self.choices[index] if 0 <= index < len(self.choices) else None

    def select_campaign(self, name: str) -> bool:
        for i, choice in enumerate(self.choices):
            if choice.name == name:
                self.campaign.setCurrentIndex(i)
                return True
        return False

    def _campaign_changed(self, *_: object) -> None:
        choice = self.current_choice()
        for page in (self.checkin, self.unchecked, self.totals):
            if page is not None:
                page.set_campaign(choice)

    def _data_changed(self, table: str) -> None:
        if table == "campaigns":
            self.load_campaigns()

    # -- pages ------------------------------------------------------------------------------

    def show_page(self, index: int) -> QWidget:
        page = self._build(index)
        self.pages.setCurrentIndex(index)
        self._page_shown(index)
        return page

    def _page_shown(self, index: int) -> None:
        page = self._build(index)
        if isinstance(page, CheckinPanel):
            page.entry.setFocus()

    def _build(self, index: int) -> QWidget:
        existing = self.pages.widget(index)
        assert existing is not None
        if index == PAGE_ROSTER or isinstance(existing, CheckinPanel | UncheckedPage | TotalsPage):
            return existing
        page: CheckinPanel | UncheckedPage | TotalsPage
        if index == PAGE_CHECKIN:
            page = self.checkin = CheckinPanel(self.ctx)
        elif index == PAGE_UNCHECKED:
            page = self.unchecked = UncheckedPage(self.ctx)
        else:
            page = self.totals = TotalsPage(self.ctx)
        page.set_campaign(self.current_choice())
        swap_in(self.pages, index, page, select=True)
        return page

    def checkin_page(self) -> CheckinPanel:
        page = self.show_page(PAGE_CHECKIN)
        assert isinstance(page, CheckinPanel)
        return page

    def unchecked_page(self) -> UncheckedPage:
        page = self.show_page(PAGE_UNCHECKED)
        assert isinstance(page, UncheckedPage)
        return page

    def totals_page(self) -> TotalsPage:
        page = self.show_page(PAGE_TOTALS)
        assert isinstance(page, TotalsPage)
        return page

    # -- dialogs ----------------------------------------------------------------------------

    def open_woman(self, person_id: str | None = None) -> WomanDialog:
        dialog = WomanDialog(self.ctx, person_id, self,
                             community=self.roster.community.currentData())
        dialog.open()
        return dialog

    def open_campaign(self, choice: CampaignChoice | None = None) -> CampaignDialog:
        """新建 (``choice`` None) or edit a campaign; the saved one is chosen in the picker."""
        dialog = CampaignDialog(self.ctx, choice, self)
        dialog.saved.connect(self._campaign_saved)
        dialog.open()
        return dialog

    def _campaign_saved(self, key: CampaignKey) -> None:
        # the picker was refilled when the dialog announced "campaigns": choose the saved one
        for i, choice in enumerate(self.choices):
            if choice.key == key:
                self.campaign.setCurrentIndex(i)
                break

    def open_import(self, kind: str | None = None) -> ImportDialog:
        # imported on first use: the import machinery costs start-up time the tab need not pay
        from desktop.ui.import_dialog import ImportDialog

        dialog = ImportDialog(self.ctx, IMPORT_KINDS, kind=kind, parent=self)
        dialog.open()
        return dialog
