"""The 两免一补 tab: its pages, the school dialog (inline errors, nothing written on error), the
student list (masked 学籍号, audited reveal, one search box) and dialog (学籍号 checked next to the
field, sex and birth date derived from a G number), 转学 keeping one identity, and 导入…."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot
from ui_fixtures import Exemption, Opened, add_exemption, student_number, type_text

from desktop.store.exemption import list_schools
from desktop.ui.context import AppContext
from desktop.ui.exemption.common import mask_student_no
from desktop.ui.exemption.schools import SchoolDialog
from desktop.ui.exemption.students import StudentDialog, StudentsPage, TransferDialog
from desktop.ui.tabs.exemption import ExemptionTab

TODAY = date(2026, 11, 20)


@pytest.fixture
def ex(opened: Opened) -> Exemption:
    return add_exemption(opened.db)


def make_tab(qtbot: QtBot, ctx: AppContext) -> ExemptionTab:
    tab = ExemptionTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1200, 640)
    tab.show()
    return tab


def counts(ctx: AppContext, table: str) -> tuple[int, int]:
    return tuple(ctx.db.execute(  # type: ignore[return-value]
        f"SELECT (SELECT count(*) FROM {table}), (SELECT count(*) FROM audit)").fetchone())


def click_ok(qtbot: QtBot, dialog: object) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]


# -- the tab and the schools ------------------------------------------------------------------


def test_tab_is_ready_with_the_schools_of_the_scope(clerk_ctx: AppContext, ex: Exemption,
                                                     qtbot: QtBot) -> None:
    tab = make_tab(qtbot, clerk_ctx)
    qtbot.waitUntil(tab.is_ready, timeout=5000)
    model = tab.schools.model
    names = {model.data(model.index(r, model.column_index("name"))) for r in range(
        model.rowCount())}
    assert names == {s.name for s in list_schools(clerk_ctx.db, clerk_ctx.user.scope)}
    assert names == {"城关一小", "城关初中"}  # not 东风街道's school
    assert tab.schools.count_label.text() == "共 2 所学校"
    assert [tab.pages.tabText(i) for i in range(5)] == ["学校", "学生", "学期发放", "减免记录",
                                                        "补助标准"]


def test_import_button_presets_the_kind_of_the_page(admin_ctx: AppContext, ex: Exemption,
                                                    qtbot: QtBot) -> None:
    tab = make_tab(qtbot, admin_ctx)
    dialog = tab.open_import()
    qtbot.addWidget(dialog)
    assert dialog.kind_key() == "schools"
    assert [dialog.kind_combo.itemData(i) for i in range(dialog.kind_combo.count())] == [
        "schools", "students", "exemptions"]
    dialog.reject()
    tab.students_page()
    students = tab.open_import()
    qtbot.addWidget(students)
    assert students.kind_key() == "students"
    students.reject()


def test_school_dialog_shows_errors_inline_and_writes_nothing(admin_ctx: AppContext,
                                                              ex: Exemption,
                                                              qtbot: QtBot) -> None:
    before = counts(admin_ctx, "schools")
    dialog = SchoolDialog(admin_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.code_edit, "4199020001")  # 城关一小's code
    click_ok(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.form.errors["name"].isVisible() and "不能为空" in dialog.form.error_text("name")
    assert "社区" in dialog.form.error_text("community_id")
    assert counts(admin_ctx, "schools") == before

    type_text(qtbot, dialog.name_edit, "城关二小")
    dialog.community.setCurrentIndex(dialog.community.findText("城关街道办事处 · 西街社区"))
    click_ok(qtbot, dialog)  # the door: the code is taken
    assert dialog.isVisible()
    assert "城关一小" in dialog.form.error_text("code")
    assert not dialog.form.errors["name"].isVisible()
    assert counts(admin_ctx, "schools") == before

    dialog.code_edit.clear()
    qtbot.keyClicks(dialog.code_edit, "a-9")  # a local code: upper-cased
    click_ok(qtbot, dialog)
    assert not dialog.isVisible(), dialog.general_error.text()
    row = admin_ctx.db.execute("SELECT office, stage, boarding FROM schools WHERE code = 'A-9'"
                               ).fetchone()
    assert row == ("CG", "primary", 0)
    assert counts(admin_ctx, "schools") == (before[0] + 1, before[1] + 1)


def test_new_school_shows_in_the_list(admin_ctx: AppContext, ex: Exemption,
                                      qtbot: QtBot) -> None:
    tab = make_tab(qtbot, admin_ctx)
    assert tab.schools.model.rowCount() == 3
    dialog = tab.schools.open_dialog()
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.code_edit, "4199020009")
    type_text(qtbot, dialog.name_edit, "新华小学")
    dialog.community.setCurrentIndex(dialog.community.findText("东风街道办事处 · 新华社区"))
    click_ok(qtbot, dialog)
    assert tab.schools.model.rowCount() == 4
    assert tab.schools.count_label.text() == "共 4 所学校"


# -- the students ---------------------------------------------------------------------------


def test_student_list_masks_the_number_and_reveals_with_audit(admin_ctx: AppContext,
                                                              clerk_ctx: AppContext,
                                                              ex: Exemption,
                                                              qtbot: QtBot) -> None:
    page = StudentsPage(clerk_ctx)
    qtbot.addWidget(page)
    model = page.model
    assert model.rowCount() == 9  # 城关's nine, not 东风's two
    col = model.column_index("student_no")
    shown = {model.data(model.index(r, col)) for r in range(model.rowCount())}
    assert mask_student_no(ex.numbers["p1"]) in shown
    assert mask_student_no(ex.numbers["p1"]) == "G419902********0111"
    assert not any(n in shown for n in ex.numbers.values())
    refused = page.context_menu(page.view.visualRect(model.index(0, col)).center())
    assert refused is not None
    texts = [a.text() for a in refused.actions()]
    assert "（您没有查看完整敏感信息的权限）" in texts
    assert not model.reveal(model.index(0, col))
    audits = clerk_ctx.db.execute(
        "SELECT count(*) FROM audit WHERE action = 'reveal_refused' AND table_name = 'students'"
    ).fetchone()[0]
    assert audits == 1

    admin_page = StudentsPage(admin_ctx)
    qtbot.addWidget(admin_page)
    cell = admin_page.model.index(0, col)
    assert admin_page.model.reveal(cell)
    assert admin_page.model.data(cell) in ex.numbers.values()
    record = admin_page.model.record_id(0)
    assert admin_ctx.db.execute(
        "SELECT count(*) FROM audit WHERE action = 'reveal' AND record_id = ?", [record]
    ).fetchone()[0] == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("zxm", {"张晓明"}),  # pinyin initials
    ("0111", {"张晓明"}),  # the 学籍号's tail
    ("王", {"王丽"}),  # the start of a name
])
def test_one_search_box(admin_ctx: AppContext, ex: Exemption, qtbot: QtBot, text: str,
                        expected: set[str]) -> None:
    page = StudentsPage(admin_ctx)
    qtbot.addWidget(page)
    type_text(qtbot, page.search, text)
    qtbot.waitUntil(lambda: page.model.rowCount() == len(expected), timeout=3000)
    col = page.model.column_index("name")
    assert {page.model.data(page.model.index(r, col))
            for r in range(page.model.rowCount())} == expected


def test_filters_school_grade_and_hardship(admin_ctx: AppContext, ex: Exemption,
                                           qtbot: QtBot) -> None:
    page = StudentsPage(admin_ctx)
    qtbot.addWidget(page)
    page.show()
    assert page.model.rowCount() == 11
    page.school.setCurrentIndex(page.school.findData(ex.schools["cg_primary"]))
    assert page.model.rowCount() == 6
    qtbot.mouseClick(page.hardship_only, Qt.MouseButton.LeftButton)
    assert page.model.rowCount() == 3  # p1, p2 and p3 (a type, even unconfirmed)
    page.grade.setCurrentIndex(page.grade.findData(2))
    assert page.model.rowCount() == 1
    assert page.count_label.text() == "共 1 人"


def new_student_dialog(qtbot: QtBot, ctx: AppContext, school: str) -> StudentDialog:
    dialog = StudentDialog(ctx, school_id=school, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_bad_student_number_is_refused_next_to_the_field(admin_ctx: AppContext, ex: Exemption,
                                                          qtbot: QtBot) -> None:
    before = counts(admin_ctx, "students")
    dialog = new_student_dialog(qtbot, admin_ctx, ex.schools["cg_primary"])
    good = student_number(date(2018, 9, 1), 31)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check character
    qtbot.keyClicks(dialog.number_edit, bad)
    type_text(qtbot, dialog.name_edit, "孙小兵")
    click_ok(qtbot, dialog)
    error = dialog.person_form.errors["student_no"]
    assert error.isVisible() and "校验" in error.text(), error.text()
    assert error.text().startswith("G 后应为学生的18位身份证号")
    assert not dialog.person_form.errors["name"].isVisible()
    assert dialog.isVisible()
    assert counts(admin_ctx, "students") == before

    dialog.number_edit.clear()
    qtbot.keyClicks(dialog.number_edit, "X" + good[1:])
    click_ok(qtbot, dialog)
    assert "首字母应为 G" in dialog.person_form.error_text("student_no")
    assert counts(admin_ctx, "students") == before


def test_valid_g_student_gets_derived_sex_and_birth_date(admin_ctx: AppContext, ex: Exemption,
                                                         qtbot: QtBot) -> None:
    before = counts(admin_ctx, "students")
    number = student_number(date(2018, 9, 1), 32)  # even: a girl
    dialog = new_student_dialog(qtbot, admin_ctx, ex.schools["cg_primary"])
    saved: list[str] = []
    dialog.saved.connect(saved.append)
    qtbot.keyClicks(dialog.number_edit, number.lower())
    assert dialog.derived.text().startswith("G 号（身份证号）：女 · 2018-09-01")
    assert dialog.sex.currentData() == "F" and not dialog.sex.isEnabled()
    assert dialog.birth_edit.text() == "2018-09-01"
    type_text(qtbot, dialog.name_edit, "孙 小 雨")
    dialog.grade.setCurrentIndex(dialog.grade.findData(2))
    qtbot.keyClick(dialog.boarding, Qt.Key.Key_Space)
    dialog.hardship.setCurrentIndex(dialog.hardship.findData("dibao"))
    type_text(qtbot, dialog.confirmed_edit, "2026年3月2日")
    click_ok(qtbot, dialog)
    assert not dialog.isVisible(), dialog.general_error.text()
    row = admin_ctx.db.execute(
        "SELECT id, name, pinyin, sex, birth_date, id_number, no_tail, grade, boarding, hardship,"
        " hardship_confirmed_on, office, community_id FROM students WHERE student_no = ?",
        [number]).fetchone()
    assert saved == [row[0]]
    assert row[1:12] == ("孙 小 雨", "sxy", "F", "2018-09-01", number[1:], number[-4:], 2, 1,
                         "dibao", "2026-03-02", "CG")
    assert counts(admin_ctx, "students") == (before[0] + 1, before[1] + 1)


def test_grade_and_boarding_follow_the_school(admin_ctx: AppContext, ex: Exemption,
                                              qtbot: QtBot) -> None:
    dialog = new_student_dialog(qtbot, admin_ctx, ex.schools["cg_junior"])
    assert [dialog.grade.itemData(i) for i in range(dialog.grade.count())] == [7, 8, 9]
    assert not dialog.boarding.isEnabled()  # a day school
    dialog.school.setCurrentIndex(dialog.school.findData(ex.schools["cg_primary"]))
    assert [dialog.grade.itemData(i) for i in range(dialog.grade.count())] == [1, 2, 3, 4, 5, 6]
    assert dialog.boarding.isEnabled()


def test_a_j_student_needs_sex_and_an_unconfirmed_hardship_is_said(admin_ctx: AppContext,
                                                                   ex: Exemption,
                                                                   qtbot: QtBot) -> None:
    from desktop.domain.exemption import make_j_number

    before = counts(admin_ctx, "students")
    dialog = new_student_dialog(qtbot, admin_ctx, ex.schools["cg_primary"])
    qtbot.keyClicks(dialog.number_edit, make_j_number("81000020180101123"))
    assert dialog.sex.isEnabled()
    type_text(qtbot, dialog.name_edit, "李安")
    dialog.hardship.setCurrentIndex(dialog.hardship.findData("orphan"))
    click_ok(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.person_form.error_text("sex") == "不能为空"
    assert "认定日期" in dialog.study_form.error_text("hardship_confirmed_on")
    assert counts(admin_ctx, "students") == before
    dialog.sex.setCurrentIndex(dialog.sex.findData("M"))
    dialog.hardship.setCurrentIndex(0)
    click_ok(qtbot, dialog)
    assert not dialog.isVisible(), dialog.general_error.text()
    assert counts(admin_ctx, "students")[0] == before[0] + 1


def test_edit_keeps_the_number_and_changes_what_was_typed(admin_ctx: AppContext,
                                                          ex: Exemption, qtbot: QtBot) -> None:
    student = ex.students[ex.numbers["p5"]]
    dialog = StudentDialog(admin_ctx, student, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.number_edit.text() == ""
    assert mask_student_no(ex.numbers["p5"]) in dialog.number_edit.placeholderText()
    assert not dialog.school.isEnabled()
    dialog.class_edit.clear()
    type_text(qtbot, dialog.class_edit, "2班")
    click_ok(qtbot, dialog)
    assert not dialog.isVisible(), dialog.general_error.text()
    assert admin_ctx.db.execute(
        "SELECT student_no, class_name, rev FROM students WHERE id = ?", [student]
    ).fetchone() == (ex.numbers["p5"], "2班", 2)


def test_transfer_keeps_one_identity(admin_ctx: AppContext, ex: Exemption,
                                     qtbot: QtBot) -> None:
    number = ex.numbers["p6"]
    student = ex.students[number]
    page = StudentsPage(admin_ctx)
    qtbot.addWidget(page)
    dialog = TransferDialog(admin_ctx, student, page, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    schools = [dialog.school.itemData(i) for i in range(dialog.school.count())]
    assert ex.schools["cg_primary"] not in schools  # not to the school they are at
    dialog.school.setCurrentIndex(dialog.school.findData(ex.schools["cg_junior"]))
    assert [dialog.grade.itemData(i) for i in range(dialog.grade.count())] == [7, 8, 9]
    dialog.grade.setCurrentIndex(dialog.grade.findData(7))
    click_ok(qtbot, dialog)
    assert not dialog.isVisible(), dialog.general_error.text()
    live = admin_ctx.db.execute(
        "SELECT id, school_id, grade FROM students WHERE student_no = ? AND deleted = 0",
        [number]).fetchall()
    assert live == [(student, ex.schools["cg_junior"], 7)]

    # to another office: the same 学籍号 is registered there, the old record closed
    dialog = TransferDialog(admin_ctx, student, page, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.school.setCurrentIndex(dialog.school.findData(ex.schools["df_nine"]))
    dialog.grade.setCurrentIndex(dialog.grade.findData(7))
    click_ok(qtbot, dialog)
    assert not dialog.isVisible(), dialog.general_error.text()
    live = admin_ctx.db.execute(
        "SELECT office, school_id FROM students WHERE student_no = ? AND deleted = 0",
        [number]).fetchall()
    assert live == [("DF", ex.schools["df_nine"])]


def test_a_clerk_cannot_transfer_out_of_scope(clerk_ctx: AppContext, ex: Exemption,
                                              qtbot: QtBot) -> None:
    dialog = TransferDialog(clerk_ctx, ex.students[ex.numbers["p6"]], today=TODAY)
    qtbot.addWidget(dialog)
    schools = {dialog.school.itemData(i) for i in range(1, dialog.school.count())}
    assert schools == {ex.schools["cg_junior"]}  # only schools in the clerk's scope


def test_context_menu_of_a_student(admin_ctx: AppContext, ex: Exemption, qtbot: QtBot) -> None:
    page = StudentsPage(admin_ctx)
    qtbot.addWidget(page)
    page.resize(1100, 400)
    page.show()
    menu = page.context_menu(page.view.visualRect(page.model.index(0, 0)).center())
    assert menu is not None
    assert [a.text() for a in menu.actions() if a.text()] == [
        "编辑…", "转学…", "显示完整学籍号（记入审计日志）"]
    assert page.context_menu(QPoint(5, 2000)) is None
