"""The 设置 tab: org tree, users table, and adding a user through AddUserDialog."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from ui_fixtures import type_text

from desktop.ui.context import AppContext
from desktop.ui.tabs.settings import AddUserDialog, SettingsTab, UsersModel

DISPLAY = Qt.ItemDataRole.DisplayRole


def click(qtbot: QtBot, button: object) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


def user_rows(ctx: AppContext) -> list[tuple]:
    return [tuple(r) for r in ctx.db.execute(
        "SELECT name, display_name, role, scope_unit_id, can_reveal FROM users ORDER BY name")]


@pytest.fixture
def dialog(admin_ctx: AppContext, qtbot: QtBot) -> AddUserDialog:
    d = AddUserDialog(admin_ctx)
    qtbot.addWidget(d)
    d.show()
    return d


def fill(qtbot: QtBot, d: AddUserDialog, name: str = "xj_clerk", password: str = "pass1234",
         confirm: str | None = None) -> None:
    qtbot.keyClicks(d.name_edit, name)
    type_text(qtbot, d.display_edit, "孙丽")
    qtbot.keyClicks(d.password_edit, password)
    qtbot.keyClicks(d.confirm_edit, password if confirm is None else confirm)


def test_empty_name_is_an_inline_error_and_nothing_is_written(
        dialog: AddUserDialog, admin_ctx: AppContext, qtbot: QtBot) -> None:
    before = user_rows(admin_ctx)
    fill(qtbot, dialog, name="")
    with qtbot.assertNotEmitted(dialog.user_added):
        click(qtbot, dialog.ok_button)
    assert dialog.isVisible()
    assert dialog.form.error_text("name") == "请填写用户名"
    assert dialog.form.errors["name"].isVisibleTo(dialog)
    assert user_rows(admin_ctx) == before


def test_password_rules(dialog: AddUserDialog, admin_ctx: AppContext, qtbot: QtBot) -> None:
    before = user_rows(admin_ctx)
    fill(qtbot, dialog, password="abc")
    click(qtbot, dialog.ok_button)
    assert dialog.form.error_text("password") == "密码至少 4 个字符"
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, "abcd1234")
    click(qtbot, dialog.ok_button)
    assert dialog.form.error_text("password") == ""
    assert dialog.form.error_text("confirm") == "两次输入的密码不一致"
    assert user_rows(admin_ctx) == before


def test_valid_user_is_created(dialog: AddUserDialog, admin_ctx: AppContext, qtbot: QtBot) -> None:
    fill(qtbot, dialog)
    community = next(c for c in admin_ctx.tree.communities() if c.name == "新华社区")
    dialog.scope_combo.setCurrentIndex(dialog.scope_combo.findData(community.id))
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("reviewer"))
    dialog.reveal_check.setChecked(True)
    with qtbot.waitSignal(dialog.user_added) as signal:
        click(qtbot, dialog.ok_button)
    assert signal.args == ["xj_clerk"]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert ("xj_clerk", "孙丽", "reviewer", community.id, 1) in user_rows(admin_ctx)
    assert admin_ctx.db.execute(
        "SELECT count(*) FROM audit WHERE action = 'user_create' AND record_id = 'xj_clerk'"
    ).fetchone()[0] == 1


def test_duplicate_name_comes_back_from_the_store(dialog: AddUserDialog, admin_ctx: AppContext,
                                                  qtbot: QtBot) -> None:
    before = user_rows(admin_ctx)
    fill(qtbot, dialog, name="cg_clerk")
    click(qtbot, dialog.ok_button)
    assert "已存在" in dialog.form.error_text("name")
    assert user_rows(admin_ctx) == before


def test_an_administrator_must_have_the_whole_district(dialog: AddUserDialog,
                                                       admin_ctx: AppContext,
                                                       qtbot: QtBot) -> None:
    fill(qtbot, dialog)
    office = admin_ctx.tree.office_by_code("CG")
    assert office is not None
    dialog.scope_combo.setCurrentIndex(dialog.scope_combo.findData(office.id))
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("admin"))
    click(qtbot, dialog.ok_button)
    assert dialog.form.error_text("role") == "区管理员的管辖范围应为全区"


def test_settings_tab_for_an_admin(admin_ctx: AppContext, qtbot: QtBot) -> None:
    tab = SettingsTab(admin_ctx)
    qtbot.addWidget(tab)
    tab.show()
    assert tab.add_user_button.isVisible()
    org = tab.org_view.model()
    district = org.index(0, 0)
    assert org.data(district) == "示范区"
    assert org.rowCount(district) == 2  # two offices
    office = org.index(0, 0, district)
    assert org.data(org.index(0, 2, district)) == "CG"
    assert [org.data(org.index(i, 0, office)) for i in range(org.rowCount(office))] == [
        "东关社区", "西街社区"]

    users = tab.users_model
    headers = [users.headerData(i, Qt.Orientation.Horizontal, DISPLAY)
               for i in range(users.columnCount())]
    assert headers == ["用户名", "姓名", "角色", "管辖范围", "可查看敏感信息"]
    rows = [[users.data(users.index(r, c)) for c in range(5)] for r in range(users.rowCount())]
    assert rows == [["admin", "王建华", "区管理员", "示范区", "是"],
                    ["cg_clerk", "李秀英", "录入员", "城关街道办事处", "否"]]

    dialog = tab.open_add_user()
    fill(qtbot, dialog)
    click(qtbot, dialog.ok_button)
    assert users.rowCount() == 3
    assert users.data(users.index(2, UsersModel.COL_NAME)) == "xj_clerk"


def test_settings_tab_for_a_clerk_has_no_add_button(clerk_ctx: AppContext, qtbot: QtBot) -> None:
    tab = SettingsTab(clerk_ctx)
    qtbot.addWidget(tab)
    tab.show()
    assert not tab.add_user_button.isVisible()
    names = [tab.users_model.data(tab.users_model.index(r, 0))
             for r in range(tab.users_model.rowCount())]
    assert names == ["cg_clerk"]  # users outside the clerk's office are not listed


# -- 市定目标 -------------------------------------------------------------------------------------


def targets_row(tab: SettingsTab, key: str) -> int:
    from desktop.domain.targets import TARGET_INDICATORS

    return next(i for i, t in enumerate(TARGET_INDICATORS) if t.key == key)


def test_the_administrator_keys_the_citys_targets(admin_ctx: AppContext, qtbot: QtBot) -> None:
    from decimal import Decimal

    from desktop.store.targets import targets_of_year

    tab = SettingsTab(admin_ctx)
    qtbot.addWidget(tab)
    tab.show()
    box = tab.targets
    box.year.setValue(2025)
    birth, check = targets_row(tab, "birth_rate"), targets_row(tab, "check_rate")
    assert box.comparators[birth].currentText() == "不高于"  # the usual comparator when unset
    assert box.comparators[check].currentText() == "不低于"
    type_text(qtbot, box.edits[birth], "12.40")
    type_text(qtbot, box.edits[check], "95%")
    qtbot.keyClick(box.edits[check], Qt.Key.Key_Return)  # Enter saves
    assert targets_of_year(admin_ctx.db, 2025) == {
        "birth_rate": (Decimal("12.40"), "<="), "check_rate": (Decimal("95.00"), ">=")}
    assert box.edits[check].text() == "95.00" and "已保存 2025 年" in box.message.text()

    box.year.setValue(2026)
    assert box.edits[birth].text() == ""  # another year, its own targets
    click(qtbot, box.copy_button)
    assert box.edits[birth].text() == "12.40" and "核对后请保存" in box.message.text()
    box.edits[check].setText("九十五")
    click(qtbot, box.save_button)
    assert box.error.isVisible() and "康检率：「九十五」不是数字" in box.error.text()
    assert targets_of_year(admin_ctx.db, 2026) == {}  # nothing half written
    box.edits[check].setText("96")
    click(qtbot, box.save_button)
    assert not box.error.isVisible()
    assert targets_of_year(admin_ctx.db, 2026)["check_rate"] == (Decimal("96.00"), ">=")


def test_a_clerk_reads_the_targets_only(clerk_ctx: AppContext, qtbot: QtBot) -> None:
    tab = SettingsTab(clerk_ctx)
    qtbot.addWidget(tab)
    tab.show()
    box = tab.targets
    assert not box.save_button.isVisible() and not box.copy_button.isVisible()
    assert all(edit.isReadOnly() for edit in box.edits)
    assert not any(combo.isEnabled() for combo in box.comparators)
    assert box.save() is False
    assert "区管理员" in box.message.text()
