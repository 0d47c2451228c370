"""The roster form: inline validation next to the field (a man's ID, a bad date, a woman already
on the roster), birth date and sex derived from the ID, one transaction through the door."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from ui_fixtures import Kangjian, Opened, add_kangjian, type_text

from desktop.domain.ids import make_id, mask_id
from desktop.ui.context import AppContext
from desktop.ui.kangjian.woman_form import WomanDialog
from desktop.ui.tabs.kangjian import KangjianTab

TODAY = date(2026, 11, 20)


@pytest.fixture
def kj(opened: Opened) -> Kangjian:
    return add_kangjian(opened.db)


def counts(ctx: AppContext) -> tuple[int, int, int]:
    return tuple(ctx.db.execute(  # type: ignore[return-value]
        "SELECT (SELECT count(*) FROM persons), (SELECT count(*) FROM women),"
        " (SELECT count(*) FROM audit)").fetchone())


def new_dialog(qtbot: QtBot, ctx: AppContext, person_id: str | None = None) -> WomanDialog:
    dialog = WomanDialog(ctx, person_id, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def save(qtbot: QtBot, dialog: WomanDialog) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_a_mans_id_is_refused_next_to_the_field(admin_ctx: AppContext, kj: Kangjian,
                                                qtbot: QtBot) -> None:
    before = counts(admin_ctx)
    dialog = new_dialog(qtbot, admin_ctx)
    type_text(qtbot, dialog.name_edit, "王大力")
    qtbot.keyClicks(dialog.id_edit, make_id("419901", date(1988, 6, 1), 13))  # odd: a man
    save(qtbot, dialog)
    error = dialog.person_form.errors["id_number"]
    assert error.isVisible() and "男性" in error.text()
    assert not dialog.person_form.errors["name"].isVisible()
    assert dialog.isVisible()
    assert counts(admin_ctx) == before


def test_a_valid_woman_is_written_with_derived_birth_date(admin_ctx: AppContext, kj: Kangjian,
                                                          qtbot: QtBot) -> None:
    before = counts(admin_ctx)
    number = make_id("419901", date(1990, 3, 7), 124)
    dialog = new_dialog(qtbot, admin_ctx)
    saved: list[str] = []
    dialog.saved.connect(saved.append)
    type_text(qtbot, dialog.name_edit, "孙桂芝")
    qtbot.keyClicks(dialog.id_edit, number[:-1] + number[-1].lower())
    assert dialog.derived.text() == "1990-03-07 · 女 · 36岁"
    dialog.community.setCurrentIndex(dialog.community.findText("城关街道办事处 · 西街社区"))
    qtbot.keyClicks(dialog.phone_edit, "139 1234 5678")
    qtbot.keyClicks(dialog.marriage_edit, "2012/5/1")
    dialog.contraception.setCurrentIndex(dialog.contraception.findData("iud"))
    save(qtbot, dialog)
    assert not dialog.isVisible(), dialog.general_error.text()
    assert counts(admin_ctx)[:2] == (before[0] + 1, before[1] + 1)
    person = admin_ctx.db.execute(
        "SELECT id, name, pinyin, birth_date, sex, id_tail, phone, office, community_id"
        " FROM persons WHERE id_number = ?", [number]).fetchone()
    assert person[1:8] == ("孙桂芝", "sgz", "1990-03-07", "F", number[-4:], "13912345678", "CG")
    woman = admin_ctx.db.execute(
        "SELECT community_id, marriage_date, marital, contraception, entered_on, floating"
        " FROM women WHERE person_id = ?", [person[0]]).fetchone()
    assert woman == (person[8], "2012-05-01", "married", "iud", TODAY.isoformat(), "none")
    assert saved == [person[0]]
    # both records in one transaction: their audit rows carry the same time
    stamps = admin_ctx.db.execute(
        "SELECT DISTINCT at FROM audit WHERE action = 'insert' AND table_name IN"
        " ('persons', 'women') AND seq > ?", [before[2]]).fetchall()
    assert len(stamps) <= 2


def test_problems_are_said_next_to_their_fields(admin_ctx: AppContext, kj: Kangjian,
                                                qtbot: QtBot) -> None:
    before = counts(admin_ctx)
    dialog = new_dialog(qtbot, admin_ctx)
    qtbot.keyClicks(dialog.id_edit, "41990119900307123")  # 17 characters
    qtbot.keyClicks(dialog.marriage_edit, "3/5/2012")
    qtbot.keyClicks(dialog.phone_edit, "12345")
    dialog.entered_edit.clear()
    save(qtbot, dialog)
    errors = {k: e.text() for k, e in {**dialog.person_form.errors,
                                       **dialog.roster_form.errors}.items() if e.text()}
    assert errors["name"] == "请填写姓名"
    assert "长度应为18位" in errors["id_number"]
    assert "无法识别为日期" in errors["marriage_date"]
    assert "不是有效电话号码" in errors["phone"]
    assert errors["entered_on"] == "请填写登记日期"
    assert counts(admin_ctx) == before


def test_a_woman_already_on_the_roster_is_named(admin_ctx: AppContext, kj: Kangjian,
                                                qtbot: QtBot) -> None:
    name, number = admin_ctx.db.execute(
        "SELECT name, id_number FROM persons ORDER BY rowid LIMIT 1").fetchone()
    dialog = new_dialog(qtbot, admin_ctx)
    type_text(qtbot, dialog.name_edit, name)
    qtbot.keyClicks(dialog.id_edit, number)
    before = counts(admin_ctx)
    save(qtbot, dialog)
    assert f"{name} 已在名册中" in dialog.person_form.errors["id_number"].text()
    assert counts(admin_ctx) == before


def test_a_divorced_woman_needs_an_exit(admin_ctx: AppContext, kj: Kangjian,
                                        qtbot: QtBot) -> None:
    dialog = new_dialog(qtbot, admin_ctx)
    type_text(qtbot, dialog.name_edit, "孙丽")
    qtbot.keyClicks(dialog.id_edit, make_id("419901", date(1991, 1, 1), 222))
    save(qtbot, dialog)
    assert dialog.person_form.errors["community_id"].text() == "请选择社区"
    dialog.community.setCurrentIndex(1)
    dialog.marital.setCurrentIndex(dialog.marital.findData("divorced"))
    save(qtbot, dialog)
    assert "退出日期" in dialog.roster_form.errors["marital"].text()
    dialog.exit_edit.setText("2026-02-01")
    save(qtbot, dialog)
    assert "早于登记日期" in dialog.roster_form.errors["exit_date"].text()
    dialog.entered_edit.setText("2020-01-01")
    dialog.exit_reason.setCurrentIndex(dialog.exit_reason.findData("divorce"))
    save(qtbot, dialog)
    assert not dialog.isVisible()


def test_edit_from_the_tab_changes_the_person_and_her_entry(
        admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot) -> None:
    tab = KangjianTab(admin_ctx)
    qtbot.addWidget(tab)
    tab.resize(1200, 600)
    tab.show()
    person_id = tab.model.record_id(0)
    assert person_id is not None
    dialog = tab.open_woman(person_id)
    assert dialog.windowTitle() == "编辑名册记录"
    number = admin_ctx.db.execute("SELECT id_number FROM persons WHERE id = ?",
                                  [person_id]).fetchone()[0]
    # the stored number is shown masked; 显示 reveals it, audited
    assert dialog.id_edit.text() == "" and mask_id(number) in dialog.id_edit.placeholderText()
    assert dialog.children_spin.value() in (1, 2)
    qtbot.mouseClick(dialog.id_reveal, Qt.MouseButton.LeftButton)
    assert dialog.id_edit.text() == number
    assert admin_ctx.db.execute("SELECT count(*) FROM audit WHERE action = 'reveal'"
                                " AND record_id = ?", [person_id]).fetchone()[0] == 1
    dialog.phone_edit.setText("13700001111")
    dialog.children_spin.setValue(3)
    save(qtbot, dialog)
    assert not dialog.isVisible(), dialog.general_error.text()
    phone, children, rev = admin_ctx.db.execute(
        "SELECT p.phone, w.living_children, w.rev FROM persons p JOIN women w"
        " ON w.person_id = p.id WHERE p.id = ?", [person_id]).fetchone()
    assert (phone, children, rev) == ("13700001111", 3, 2)
    assert tab.model.rowCount() == 60



def test_a_clerk_edits_without_seeing_the_full_number(clerk_ctx: AppContext, kj: Kangjian,
                                                      qtbot: QtBot) -> None:
    person_id, number, phone = clerk_ctx.db.execute(
        "SELECT id, id_number, phone FROM persons WHERE office = 'CG' ORDER BY rowid LIMIT 1"
    ).fetchone()
    dialog = new_dialog(qtbot, clerk_ctx, person_id)
    assert not dialog.id_reveal.isVisibleTo(dialog) and not dialog.phone_reveal.isVisibleTo(dialog)
    assert number not in dialog.id_edit.placeholderText() + dialog.id_edit.text()
    assert phone not in dialog.phone_edit.placeholderText() + dialog.phone_edit.text()
    assert dialog.derived.text().startswith(number[6:10])
    dialog.children_spin.setValue(0)
    save(qtbot, dialog)
    assert not dialog.isVisible(), dialog.general_error.text()
    assert clerk_ctx.db.execute(
        "SELECT p.id_number, p.phone, w.living_children FROM persons p JOIN women w"
        " ON w.person_id = p.id WHERE p.id = ?", [person_id]).fetchone() == (number, phone, 0)
    assert clerk_ctx.db.execute("SELECT count(*) FROM audit WHERE action LIKE 'reveal%'"
                                ).fetchone()[0] == 0
