"""Signing in: the log-in dialog, and the first-run dialog of a database with no users yet."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import ValidationError
from desktop.store import users
from desktop.store.errors import AuthError
from desktop.store.orgs import OrgTree, create_unit
from desktop.ui.forms import FormGrid, app_icon, fit_dialog, header

MIN_PASSWORD = 4  # as desktop.store.users.create_user requires


def _subtitle(db_path: Path, tree: OrgTree) -> str:
    district = tree.district()
    return f"{district.name} · {db_path.name}" if district else str(db_path.name)


class LoginDialog(QDialog):
    """User name + password; a wrong pair shows an inline message and the dialog stays open."""

    logged_in = Signal(str)  # user name

    def __init__(self, db: sqlite_utils.Database, db_path: Path, user_name: str = "",
                 error: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.user: users.User | None = None
        self.setWindowTitle(self.tr("登录 — 民生台账"))
        self.setWindowIcon(app_icon())

        self.name_edit = QLineEdit(user_name)
        self.name_edit.setPlaceholderText(self.tr("用户名"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("密码"))

        self.form = FormGrid()
        self.form.add("name", self.tr("用户名"), self.name_edit)
        self.form.add("password", self.tr("密码"), self.password_edit)

        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(self.tr("登录"),
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("退出"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(header(self.tr("民生台账"), _subtitle(db_path, OrgTree.load(db))))
        layout.addLayout(self.form)
        layout.addSpacing(8)
        layout.addWidget(self.buttons)
        fit_dialog(self, 400)

        if error:
            self.form.set_error("password", error)
        (self.password_edit if user_name else self.name_edit).setFocus()

    def values(self) -> dict[str, str]:
        return {"name": self.name_edit.text().strip(), "password": self.password_edit.text()}

    def validate(self) -> bool:
        self.form.clear_errors()
        values = self.values()
        if not values["name"]:
            self.form.set_error("name", self.tr("请输入用户名"))
        if not values["password"]:
            self.form.set_error("password", self.tr("请输入密码"))
        return not self.form.has_errors()

    def accept(self) -> None:
        if not self.validate():
            return
        values = self.values()
        try:
            self.user = users.authenticate(self.db, values["name"], values["password"])
        except AuthError as exc:
            self.form.set_error("password", str(exc))
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        self.logged_in.emit(self.user.name)
        super().accept()


def create_district(db: sqlite_utils.Database, name: str) -> str:
    """Create the district org unit of a new database (audited); returns its id."""
    return create_unit(db, users.SYSTEM.name, "district", name).id


class FirstRunDialog(QDialog):
    """A database without users: name the district (if needed) and create the administrator."""

    admin_created = Signal(str)  # user name

    def __init__(self, db: sqlite_utils.Database, db_path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.user: users.User | None = None
        self.tree = OrgTree.load(db)
        self.district = self.tree.district()
        self.setWindowTitle(self.tr("首次使用 — 民生台账"))
        self.setWindowIcon(app_icon())

        intro = QLabel(self.tr(
            "这是一个新的数据库。请填写区名称，并设置区管理员账户；"
            "管理员登录后可以再添加办事处和社区的用户。"
        ))
        intro.setWordWrap(True)

        self.district_edit = QLineEdit()
        self.district_edit.setPlaceholderText(self.tr("例如：城关区"))
        self.name_edit = QLineEdit("admin")
        self.display_edit = QLineEdit()
        self.display_edit.setPlaceholderText(self.tr("例如：王建华"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("至少 %n 个字符", "", MIN_PASSWORD))
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)

        self.form = FormGrid()
        if self.district is None:
            self.form.add("district", self.tr("区名称"), self.district_edit)
        else:
            self.form.add("district", self.tr("区名称"), QLabel(self.district.name))
        self.form.add("name", self.tr("管理员用户名"), self.name_edit)
        self.form.add("display_name", self.tr("姓名"), self.display_edit)
        self.form.add("password", self.tr("密码"), self.password_edit)
        self.form.add("confirm", self.tr("再次输入密码"), self.confirm_edit)

        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(self.tr("创建并登录"),
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("退出"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(header(self.tr("欢迎使用民生台账"), db_path.name))
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(self.form)
        layout.addSpacing(8)
        layout.addWidget(self.buttons)
        fit_dialog(self, 460)
        (self.district_edit if self.district is None else self.display_edit).setFocus()

    def values(self) -> dict[str, str]:
        return {
            "district": self.district_edit.text().strip() if self.district is None
            else self.district.name,
            "name": self.name_edit.text().strip(),
            "display_name": self.display_edit.text().strip(),
            "password": self.password_edit.text(),
            "confirm": self.confirm_edit.text(),
        }

    def validate(self) -> bool:
        self.form.clear_errors()
        v = self.values()
        if not v["district"]:
            self.form.set_error("district", self.tr("请填写区名称"))
        if not v["name"]:
            self.form.set_error("name", self.tr("请填写用户名"))
        elif any(ch.isspace() for ch in v["name"]):
            self.form.set_error("name", self.tr("用户名不能包含空格"))
        if not v["display_name"]:
            self.form.set_error("display_name", self.tr("请填写管理员姓名"))
        if len(v["password"]) < MIN_PASSWORD:
            self.form.set_error("password", self.tr("密码至少 %n 个字符", "", MIN_PASSWORD))
        elif v["password"] != v["confirm"]:
            self.form.set_error("confirm", self.tr("两次输入的密码不一致"))
        return not self.form.has_errors()

    def accept(self) -> None:
        if not self.validate():
            return
        v = self.values()
        district_id = self.district.id if self.district else create_district(self.db, v["district"])
        self.district = self.district or OrgTree.load(self.db).units[district_id]
        try:
            users.create_user(self.db, users.SYSTEM, v["name"], v["password"], "admin",
                              district_id, display_name=v["display_name"], can_reveal=True)
        except ValidationError as exc:
            self.form.show_problems(exc, {"用户名": "name", "密码": "password"}, "name")
            return
        self.user = users.authenticate(self.db, v["name"], v["password"])
        self.admin_created.emit(self.user.name)
        super().accept()
