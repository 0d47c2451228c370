"""设置: the org-unit tree and the users; administrators can add users here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import ORG_LEVELS, ROLES
from desktop.domain.errors import ValidationError
from desktop.store import users
from desktop.store.errors import AccessDenied
from desktop.store.orgs import OrgUnit
from desktop.ui.context import AppContext
from desktop.ui.forms import FormGrid, fit_dialog
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.login import MIN_PASSWORD
from desktop.ui.summary.signatures import SignaturesBox
from desktop.ui.summary.targets import TargetsBox
from desktop.ui.tabs.base import Tab, heading

Index = QModelIndex | QPersistentModelIndex


def unit_path(ctx: AppContext, unit_id: str) -> str:
    """'城关街道 · 东关社区'; the district shows as its name (or 全区)."""
    unit = ctx.tree.units.get(unit_id)
    if unit is None:
        return unit_id
    if unit.level == "district":
        return unit.name
    if unit.level == "community":
        parent = ctx.tree.units.get(unit.parent_id or "")
        return f"{parent.name} · {unit.name}" if parent else unit.name
    return unit.name


class UsersModel(QAbstractTableModel):
    """Users the signed-in user may see (those in their scope)."""

    COLUMNS = (
        QT_TRANSLATE_NOOP("columns", "用户名"),
        QT_TRANSLATE_NOOP("columns", "姓名"),
        QT_TRANSLATE_NOOP("columns", "角色"),
        QT_TRANSLATE_NOOP("columns", "管辖范围"),
        QT_TRANSLATE_NOOP("columns", "可查看敏感信息"),
    )
    COL_NAME, COL_DISPLAY, COL_ROLE, COL_SCOPE, COL_REVEAL = range(5)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[dict[str, Any]] = []
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        tree, scope = self.ctx.tree, self.ctx.user.scope
        self.rows = [
            r for r in users.list_users(self.ctx.db)
            if scope.offices is None or scope.allows(tree.office_of(str(r["scope_unit_id"])))
        ]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return QCoreApplication.translate("columns", self.COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        col = index.column()
        if col == self.COL_NAME:
            return str(row["name"]) + (self.tr("（已停用）") if row["disabled"] else "")
        if col == self.COL_DISPLAY:
            return row["display_name"]
        if col == self.COL_ROLE:
            return ROLES.label(str(row["role"]))
        if col == self.COL_SCOPE:
            return unit_path(self.ctx, str(row["scope_unit_id"]))
        if col == self.COL_REVEAL:
            return self.tr("是") if row["can_reveal"] else self.tr("否")
        return None


def org_model(ctx: AppContext) -> QStandardItemModel:
    model = QStandardItemModel()
    model.setHorizontalHeaderLabels([
        QCoreApplication.translate("columns", "名称"),
        QCoreApplication.translate("columns", "级别"),
        QCoreApplication.translate("columns", "办事处代码"),
        QCoreApplication.translate("columns", "统计用区划代码"),
    ])

    def add(parent: QStandardItem, unit: OrgUnit) -> None:
        cells = [QStandardItem(unit.name), QStandardItem(ORG_LEVELS.label(unit.level)),
                 QStandardItem(unit.code or ""), QStandardItem(unit.stat_code or "")]
        for cell in cells:
            cell.setEditable(False)
        cells[0].setData(unit.id, Qt.ItemDataRole.UserRole)
        parent.appendRow(cells)
        for child in ctx.tree.children.get(unit.id, []):
            add(cells[0], child)

    for root in ctx.tree.children.get(None, []):
        add(model.invisibleRootItem(), root)
    return model


class AddUserDialog(QDialog):
    """A new user: name, display name, password twice, role, scope, reveal permission."""

    user_added = Signal(str)  # user name

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("添加用户"))

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("登录用的名字，如 cg_clerk"))
        self.display_edit = QLineEdit()
        self.display_edit.setPlaceholderText(self.tr("如：李秀英"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("至少 %n 个字符", "", MIN_PASSWORD))
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.role_combo = QComboBox()
        for choice in ROLES:
            self.role_combo.addItem(choice.label, choice.key)
        self.scope_combo = QComboBox()
        for unit_id, label in self._scope_choices():
            self.scope_combo.addItem(label, unit_id)
        self.reveal_check = QCheckBox(
            self.tr("可查看完整身份证号、手机号等敏感信息（每次查看记入审计日志）"))

        self.form = FormGrid()
        self.form.add("name", self.tr("用户名"), self.name_edit)
        self.form.add("display_name", self.tr("姓名"), self.display_edit)
        self.form.add("password", self.tr("密码"), self.password_edit)
        self.form.add("confirm", self.tr("再次输入密码"), self.confirm_edit)
        self.form.add("role", self.tr("角色"), self.role_combo)
        self.form.add("scope", self.tr("管辖范围"), self.scope_combo)
        self.form.add("reveal", "", self.reveal_check)

        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(self.tr("添加"),
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addSpacing(8)
        layout.addWidget(self.buttons)
        fit_dialog(self, 480)

    def _scope_choices(self) -> list[tuple[str, str]]:
        tree, scope = self.ctx.tree, self.ctx.user.scope
        out: list[tuple[str, str]] = []

        def walk(unit: OrgUnit, depth: int) -> None:
            office = tree.office_of(unit.id)
            visible = (scope.offices is None if unit.level == "district"
                       else scope.allows(office, unit.id if unit.level == "community" else None))
            if visible:
                label = "　" * depth + unit.name
                if unit.level == "district":
                    label += self.tr("（全区）")
                out.append((unit.id, label))
            for child in tree.children.get(unit.id, []):
                walk(child, depth + 1)

        for root in tree.children.get(None, []):
            walk(root, 0)
        return out

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name_edit.text().strip(),
            "display_name": self.display_edit.text().strip(),
            "password": self.password_edit.text(),
            "confirm": self.confirm_edit.text(),
            "role": self.role_combo.currentData(),
            "scope_unit_id": self.scope_combo.currentData(),
            "can_reveal": self.reveal_check.isChecked(),
        }

    def validate(self) -> bool:
        self.form.clear_errors()
        v = self.values()
        if not v["name"]:
            self.form.set_error("name", self.tr("请填写用户名"))
        elif any(ch.isspace() for ch in v["name"]):
            self.form.set_error("name", self.tr("用户名不能包含空格"))
        if not v["display_name"]:
            self.form.set_error("display_name", self.tr("请填写姓名"))
        if len(v["password"]) < MIN_PASSWORD:
            self.form.set_error("password", self.tr("密码至少 %n 个字符", "", MIN_PASSWORD))
        elif v["password"] != v["confirm"]:
            self.form.set_error("confirm", self.tr("两次输入的密码不一致"))
        if not v["scope_unit_id"]:
            self.form.set_error("scope", self.tr("请选择管辖范围"))
        elif v["role"] == "admin":
            unit = self.ctx.tree.units.get(v["scope_unit_id"])
            if unit is None or unit.level != "district":
                self.form.set_error("role", self.tr("区管理员的管辖范围应为全区"))
        return not self.form.has_errors()

    def accept(self) -> None:
        if not self.validate():
            return
        v = self.values()
        try:
            users.create_user(self.ctx.db, self.ctx.user, v["name"], v["password"], v["role"],
                              v["scope_unit_id"], display_name=v["display_name"],
                              can_reveal=v["can_reveal"])
        except ValidationError as exc:
            self.form.show_problems(
                exc, {"用户名": "name", "密码": "password", "管辖范围": "scope", "角色": "role"},
                "name")
            return
        except AccessDenied as exc:
            self.form.set_error("scope", str(exc))
            return
        self.user_added.emit(v["name"])
        super().accept()


class SettingsTab(Tab):
    key = "settings"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)

        self.org_view = QTreeView()
        self.org_view.setModel(org_model(ctx))
        self.org_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.org_view.setAlternatingRowColors(True)
        self.org_view.setUniformRowHeights(True)
        self.org_view.expandAll()
        header = self.org_view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        org_box = QGroupBox(self.tr("单位"))
        org_layout = QVBoxLayout(org_box)
        org_layout.addWidget(self.org_view)

        self.users_model = UsersModel(ctx, self)
        self.users_view = QTableView()
        self.users_view.setModel(self.users_model)
        self.users_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.users_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.users_view.setAlternatingRowColors(True)
        self.users_view.verticalHeader().hide()
        self.users_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        uh = self.users_view.horizontalHeader()
        uh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        uh.setHighlightSections(False)
        for col in range(UsersModel.COL_REVEAL + 1):
            uh.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        uh.setSectionResizeMode(UsersModel.COL_SCOPE, QHeaderView.ResizeMode.Stretch)

        self.add_user_button = QPushButton(self.tr("添加用户…"))
        self.add_user_button.clicked.connect(self.open_add_user)
        self.add_user_button.setVisible(ctx.user.is_admin)
        users_box = QGroupBox(self.tr("用户"))
        users_layout = QVBoxLayout(users_box)
        users_layout.addWidget(self.users_view)
        if ctx.user.is_admin:
            buttons = QHBoxLayout()
            buttons.addStretch(1)
            buttons.addWidget(self.add_user_button)
            users_layout.addLayout(buttons)
        else:
            note = QLabel(self.tr("只有区管理员可以添加用户。"))
            note.setObjectName("muted")
            users_layout.addWidget(note)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(org_box)
        splitter.addWidget(users_box)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 5)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(heading(self.tr("设置"), self.tr("单位和用户、报表落款、市定目标。")))
        layout.addWidget(splitter, 1)
        self.signatures = SignaturesBox(ctx)  # the footer of the summary's official tables
        self.targets = TargetsBox(ctx)  # the city's targets the summary and the charts compare with
        below = QHBoxLayout()
        below.setSpacing(10)
        below.addWidget(self.signatures, 1)
        below.addWidget(self.targets, 1)
        layout.addLayout(below)
        self._ready = True

    def open_add_user(self) -> AddUserDialog:
        dialog = AddUserDialog(self.ctx, self)
        dialog.user_added.connect(lambda _name: self.users_model.refresh())
        dialog.open()
        return dialog
