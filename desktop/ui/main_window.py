"""The main window: six tabs, the 文件 and 帮助 menus, and the status bar."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from desktop.domain import periods
from desktop.store.db import backup
from desktop.store.errors import StorageError
from desktop.ui.about import AboutDialog
from desktop.ui.context import AppContext
from desktop.ui.forms import app_icon
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.tabs.base import Tab, swap_in
from desktop.ui.tabs.charts import ChartsTab
from desktop.ui.tabs.exemption import ExemptionTab
from desktop.ui.tabs.kangjian import KangjianTab
from desktop.ui.tabs.settings import SettingsTab
from desktop.ui.tabs.subsidy import SubsidyTab
from desktop.ui.tabs.summary import SummaryTab

# (key, label, class) in the order shown. Labels are translated in context "MainWindow".
TABS: tuple[tuple[str, str, type[Tab]], ...] = (
    ("kangjian", QT_TRANSLATE_NOOP("MainWindow", "康检活动"), KangjianTab),
    ("subsidy", QT_TRANSLATE_NOOP("MainWindow", "帮扶发放"), SubsidyTab),
    ("exemption", QT_TRANSLATE_NOOP("MainWindow", "两免一补"), ExemptionTab),
    ("summary", QT_TRANSLATE_NOOP("MainWindow", "季度汇总"), SummaryTab),
    ("charts", QT_TRANSLATE_NOOP("MainWindow", "趋势图表"), ChartsTab),
    ("settings", QT_TRANSLATE_NOOP("MainWindow", "设置"), SettingsTab),
)
FIRST_PERIOD = periods.quarter(2024, 1)


def tab_label(source: str) -> str:
    return QCoreApplication.translate("MainWindow", source)


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(f"{self.tr('民生台账')} — {ctx.district_name() or ctx.db_path.name}")
        self.setWindowIcon(app_icon())

        # Tabs are built when first shown: opening the window costs one tab's queries, not six.
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tab_pages: dict[str, Tab] = {}
        self.tab_labels: dict[str, str] = {}
        for key, source, _cls in TABS:
            label = tab_label(source)
            self.tab_labels[key] = label
            self.tabs.addTab(QWidget(), label)
        self.tabs.currentChanged.connect(lambda index: self.page(self.tab_keys()[index]))
        self.page(self.tab_keys()[0])
        self.setCentralWidget(self.tabs)

        self._build_menus()
        self._build_status_bar()
        self.resize(1240, 760)

    # -- tabs -------------------------------------------------------------------------------

    def tab_keys(self) -> list[str]:
        return [key for key, _label, _cls in TABS]

    def resolve_tab(self, name: str) -> str:
        """The key of a tab given its key or its (translated or Chinese) label."""
        wanted = name.strip()
        for key, source, _cls in TABS:
            if wanted in (key, source, self.tab_labels[key]):
                return key
        valid = self.tr("、").join(f"{self.tab_labels[k]}（{k}）" for k in self.tab_keys())
        raise ValueError(fill(self.tr("没有名为「%1」的页面，可选：%2"), name, valid))

    def page(self, key: str) -> Tab:
        """The tab page for ``key``, built on first use in place of its empty stand-in."""
        page = self.tab_pages.get(key)
        if page is None:
            index = self.tab_keys().index(key)
            page = TABS[index][2](self.ctx, self)
            self.tab_pages[key] = page
            swap_in(self.tabs, index, page, select=False)
        return page

    def select_tab(self, name: str) -> Tab:
        page = self.page(self.resolve_tab(name))
        self.tabs.setCurrentWidget(page)
        return page

    def current_tab(self) -> Tab:
        return self.tabs.currentWidget()  # type: ignore[return-value]

    # -- menus ------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("文件(&F)"))
        self.backup_action = QAction(self.tr("备份数据库…"), self)
        self.backup_action.triggered.connect(self.backup_database)
        file_menu.addAction(self.backup_action)
        file_menu.addSeparator()
        self.package_actions: dict[str, QAction] = {}
        for kind, label, menu in (
            ("export", self.tr("导出报送包…"), file_menu),
            ("import", self.tr("导入报送包…"), file_menu),
            ("approval", self.tr("报送与审核…"), None),
            ("conflicts", self.tr("报送包冲突与跨办事处核查…"), None),
        ):
            action = QAction(label, self)
            action.triggered.connect(lambda _c=False, k=kind: self.package_dialog(k).exec())
            self.package_actions[kind] = action
            if menu is not None:
                menu.addAction(action)
        file_menu.addSeparator()
        self.quit_action = QAction(self.tr("退出"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        package_menu = self.menuBar().addMenu(self.tr("报送(&P)"))
        package_menu.addAction(self.package_actions["approval"])
        package_menu.addAction(self.package_actions["conflicts"])

        help_menu = self.menuBar().addMenu(self.tr("帮助(&H)"))
        self.about_action = QAction(self.tr("关于民生台账"), self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    def package_dialog(self, kind: str) -> QDialog:
        """The dialog behind a 报送 menu entry: export, import, approval or conflicts."""
        from desktop.ui import packages

        dialog: QDialog = {
            "export": packages.ExportPackageDialog,
            "import": packages.ImportPackageDialog,
            "approval": packages.ApprovalDialog,
            "conflicts": packages.ConflictsDialog,
        }[kind](self.ctx, self)
        return dialog

    def default_backup_name(self) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        path = self.ctx.db_path
        return path.with_name(f"{path.stem}-{self.tr('备份')}-{stamp}{path.suffix or '.db'}")

    def backup_database(self) -> Path | None:
        target, _filter = QFileDialog.getSaveFileName(
            self, self.tr("备份数据库"), str(self.default_backup_name()),
            self.tr("民生台账数据库 (*.db *.sqlite);;所有文件 (*)"),
        )
        if not target:
            return None
        try:
            done = backup(self.ctx.db, target)
        except StorageError as exc:
            QMessageBox.warning(self, self.tr("备份失败"), str(exc))
            return None
        self.statusBar().showMessage(fill(self.tr("已备份到 %1"), done), 8000)
        return done

    def about_dialog(self) -> AboutDialog:
        return AboutDialog(self.ctx, self)

    def show_about(self) -> None:
        self.about_dialog().exec()

    # -- status bar -------------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        user = self.ctx.user
        who = (user.display_name if user.display_name == user.role_label
               else f"{user.display_name}（{user.role_label}）")
        self.user_label = QLabel(who)
        self.user_label.setToolTip(fill(self.tr("当前用户：%1"), user.name))
        self.scope_label = QLabel(fill(self.tr("管辖：%1"), self.ctx.scope_label()))
        self.period_combo = QComboBox()
        self.period_combo.setToolTip(self.tr("统计期间"))
        quarters = periods.quarters_between(FIRST_PERIOD, periods.quarter_of(date.today()))
        if self.ctx.period not in quarters:
            quarters.append(self.ctx.period)
        for p in sorted(quarters, reverse=True):
            self.period_combo.addItem(p.label, p.key)
        self.period_combo.setCurrentIndex(self.period_combo.findData(self.ctx.period.key))
        self.period_combo.currentIndexChanged.connect(self._period_chosen)
        self.ctx.hub.period_changed.connect(self._period_changed_elsewhere)
        for widget in (self.user_label, self.scope_label, QLabel(self.tr("统计期间")),
                       self.period_combo):
            bar.addPermanentWidget(widget)
        self.user_label.setContentsMargins(0, 0, 12, 0)
        self.scope_label.setContentsMargins(0, 0, 12, 0)
        # an office sees the district's comments on a returned quarter while it corrects
        self.returned_label = QLabel()
        self.returned_label.setStyleSheet("color: #c62828;")
        bar.addWidget(self.returned_label, 1)
        self.ctx.hub.data_changed.connect(self._data_changed)
        self.show_returned()

    def _data_changed(self, table: str) -> None:
        if table == "submissions":
            self.show_returned()

    def show_returned(self) -> str:
        from desktop.store.package_approval import submissions

        office = self.ctx.user.office
        notes = [] if office is None else [
            fill(self.tr("%1 %2 已被退回：%3"), s.period_key, s.programme_label, s.comment)
            for s in submissions(self.ctx.db, office) if s.status == "returned"
        ]
        self.returned_label.setText("；".join(notes))
        return self.returned_label.text()

    def period_label(self) -> str:
        return self.period_combo.currentText()

    def _period_chosen(self, index: int) -> None:
        key = self.period_combo.itemData(index)
        if key:
            self.ctx.set_period(periods.parse_period(key))

    def _period_changed_elsewhere(self, key: str) -> None:
        index = self.period_combo.findData(key)
        if index >= 0 and index != self.period_combo.currentIndex():
            self.period_combo.setCurrentIndex(index)
