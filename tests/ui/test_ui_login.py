"""Signing in, driven the way a person does: typing and clicking the buttons."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel
from pytestqt.qtbot import QtBot
from ui_fixtures import PASSWORD, Opened, type_text

from desktop.store.db import open_database
from desktop.store.users import User
from desktop.ui.app import sign_in
from desktop.ui.context import AppContext
from desktop.ui.login import FirstRunDialog, LoginDialog
from desktop.ui.main_window import MainWindow


def click(qtbot: QtBot, button: object) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


def audit_actions(opened: Opened) -> list[tuple[str, str]]:
    return [tuple(r) for r in opened.db.execute("SELECT user, action FROM audit ORDER BY seq")]


def test_login_dialog_then_main_window_shows_the_user(opened: Opened, qtbot: QtBot) -> None:
    seen: list[str] = []

    def type_and_sign_in() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, LoginDialog) and w.isVisible())
        dialog.logged_in.connect(seen.append)
        qtbot.keyClicks(dialog.name_edit, "admin")
        qtbot.keyClicks(dialog.password_edit, PASSWORD)
        click(qtbot, dialog.ok_button)

    QTimer.singleShot(0, type_and_sign_in)
    options = SimpleNamespace(user=None, password=None, demo_admin=False)
    user = sign_in(opened.db, opened.path, options, screenshot=False)  # runs the dialog
    assert isinstance(user, User) and user.name == "admin"
    assert seen == ["admin"]
    assert audit_actions(opened)[-1] == ("admin", "login")

    window = MainWindow(AppContext.create(opened.db, opened.path, user))
    qtbot.addWidget(window)
    window.show()
    texts = [label.text() for label in window.statusBar().findChildren(QLabel)]
    assert "王建华（区管理员）" in texts
    assert any("示范区" in t for t in texts)


def test_wrong_password_shows_inline_error_and_stays_open(opened: Opened, qtbot: QtBot) -> None:
    dialog = LoginDialog(opened.db, opened.path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.name_edit, "admin")
    qtbot.keyClicks(dialog.password_edit, "not-the-password")
    with qtbot.assertNotEmitted(dialog.logged_in):
        click(qtbot, dialog.ok_button)
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "用户名或密码错误" in dialog.form.error_text("password")
    assert dialog.password_edit.text() == ""  # cleared for the next try
    assert audit_actions(opened)[-1] == ("admin", "login_failed")

    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.logged_in) as signal:
        click(qtbot, dialog.ok_button)
    assert signal.args == ["admin"]
    assert dialog.user is not None and dialog.user.role == "admin"


def test_empty_fields_are_flagged_without_a_log_in_attempt(opened: Opened, qtbot: QtBot) -> None:
    before = audit_actions(opened)
    dialog = LoginDialog(opened.db, opened.path)
    qtbot.addWidget(dialog)
    dialog.show()
    click(qtbot, dialog.ok_button)
    assert dialog.form.error_text("name") == "请输入用户名"
    assert dialog.form.error_text("password") == "请输入密码"
    assert audit_actions(opened) == before


def test_given_credentials_sign_in_without_a_dialog(opened: Opened) -> None:
    options = SimpleNamespace(user="cg_clerk", password=PASSWORD, demo_admin=False)
    user = sign_in(opened.db, opened.path, options, screenshot=True)
    assert isinstance(user, User) and user.name == "cg_clerk" and user.office == "CG"


def test_screenshot_mode_without_password_fails_cleanly(opened: Opened, capsys: object) -> None:
    options = SimpleNamespace(user="admin", password=None, demo_admin=False)
    assert sign_in(opened.db, opened.path, options, screenshot=True) == 2
    options = SimpleNamespace(user="admin", password="wrong", demo_admin=False)
    assert sign_in(opened.db, opened.path, options, screenshot=True) == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "MINSHENG_PASSWORD" in err and "登录失败" in err


def test_demo_admin_signs_in_without_a_dialog(opened: Opened) -> None:
    options = SimpleNamespace(user=None, password=None, demo_admin=True)
    user = sign_in(opened.db, opened.path, options, screenshot=True)
    assert isinstance(user, User) and user.is_admin
    assert audit_actions(opened)[-1] == ("admin", "login")


def fill_first_run(qtbot: QtBot, dialog: FirstRunDialog, confirm: str = "s3cret!") -> None:
    type_text(qtbot, dialog.district_edit, "城关区")
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "boss")
    type_text(qtbot, dialog.display_edit, "赵主任")
    qtbot.keyClicks(dialog.password_edit, "s3cret!")
    qtbot.keyClicks(dialog.confirm_edit, confirm)


def test_first_run_creates_district_and_admin(tmp_path: Path, qtbot: QtBot) -> None:
    path = tmp_path / "new.db"
    db = open_database(path)
    dialog = FirstRunDialog(db, path)
    qtbot.addWidget(dialog)
    dialog.show()
    fill_first_run(qtbot, dialog)
    with qtbot.waitSignal(dialog.admin_created) as signal:
        click(qtbot, dialog.ok_button)
    assert signal.args == ["boss"]
    assert dialog.result() == QDialog.DialogCode.Accepted
    row = db.execute("SELECT display_name, role, can_reveal, scope_unit_id FROM users"
                     " WHERE name = 'boss'").fetchone()
    assert row[:3] == ("赵主任", "admin", 1)
    unit = db.execute("SELECT level, name FROM org_units WHERE id = ?", [row[3]]).fetchone()
    assert tuple(unit) == ("district", "城关区")
    actions = [r[0] for r in db.execute("SELECT action FROM audit ORDER BY seq")]
    assert actions == ["org_create", "user_create", "login"]
    assert dialog.user is not None and dialog.user.name == "boss"
    db.conn.close()


def test_first_run_refuses_mismatched_passwords(tmp_path: Path, qtbot: QtBot) -> None:
    path = tmp_path / "new.db"
    db = open_database(path)
    dialog = FirstRunDialog(db, path)
    qtbot.addWidget(dialog)
    dialog.show()
    fill_first_run(qtbot, dialog, confirm="other")
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible()
    assert dialog.form.error_text("confirm") == "两次输入的密码不一致"
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM org_units").fetchone()[0] == 0
    db.conn.close()
