"""学期发放 and the single record: the proposal's totals equal a count by hand, the commit writes
exactly those rows (and the other pages refresh), a clerk cannot confirm, and a second exemption
of the same item and semester is refused with the message shown — never a crash."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from ui_fixtures import EX_SEMESTER, SYSTEM, Exemption, Opened, add_exemption

from desktop.store.door import WriteDoor
from desktop.store.exemption import exemption_values
from desktop.ui.context import AppContext
from desktop.ui.exemption.batch import BatchPage
from desktop.ui.exemption.records import ExemptionDialog
from desktop.ui.paged_model import RAW_ROLE
from desktop.ui.tabs.exemption import ExemptionTab

TODAY = date(2026, 11, 20)
FIRST_DAY = "2026-03-01"  # 2026春's first day: the standards' day and the default grant date


@pytest.fixture
def ex(opened: Opened) -> Exemption:
    return add_exemption(opened.db)


def by_hand(ctx: AppContext, school_id: str) -> dict[str, tuple[int, int]]:
    """Per item: students and amount (分) of 2026春 at a school, counted straight from the
    students and the standards in force on the semester's first day (half the yearly amount)."""
    base = (
        "SELECT count(*), coalesce(sum((a.amount_fen + 1) / 2), 0) FROM students AS s"
        " JOIN aid_standards AS a ON a.deleted = 0 AND a.item = ?"
        " AND a.stage = CASE WHEN s.grade <= 6 THEN 'primary' ELSE 'junior' END"
        " AND (a.boarding IS NULL OR a.boarding = s.boarding)"
        " AND a.effective_from <= ? AND (a.effective_to IS NULL OR a.effective_to >= ?)"
        " WHERE s.deleted = 0 AND s.school_id = ? AND s.left_on IS NULL"
    )
    found = {}
    for item, extra in (("fees", ""), ("textbooks", ""),
                        ("boarding", " AND s.boarding = 1"), ("nonboarding", " AND s.boarding = 0")):
        if item in ("boarding", "nonboarding"):
            extra += " AND s.hardship IS NOT NULL AND s.hardship_confirmed_on <= ?"
        params = [item, FIRST_DAY, FIRST_DAY, school_id]
        if extra.endswith("?"):
            params.append(FIRST_DAY)
        n, fen = ctx.db.execute(base + extra, params).fetchone()
        found[item] = (n, fen)
    return found


def new_page(qtbot: QtBot, ctx: AppContext) -> BatchPage:
    page = BatchPage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    return page


def propose(qtbot: QtBot, page: BatchPage, school_id: str) -> None:
    page.select(school_id, EX_SEMESTER)
    page.grant_edit.setText(FIRST_DAY)
    qtbot.mouseClick(page.propose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.batch is not None and not page.is_running(), timeout=5000)


def confirm(qtbot: QtBot, page: BatchPage) -> None:
    page.refusal.hide()
    page.receipt.hide()
    qtbot.mouseClick(page.commit_button, Qt.MouseButton.LeftButton)
    # the job's end is announced through a queued signal: wait for what it shows
    qtbot.waitUntil(lambda: page.receipt.isVisible() or page.refusal.isVisible(), timeout=5000)


def shown_totals(page: BatchPage) -> dict[str, tuple[int, int]]:
    model = page.totals_model
    return {total.item: (model.data(model.index(row, 1), RAW_ROLE),
                         model.data(model.index(row, 2), RAW_ROLE))
            for row, total in enumerate(model.items)}


def exemption_rows(ctx: AppContext) -> set[tuple[str, str, int]]:
    return set(ctx.db.execute(
        "SELECT student_id, item, amount_fen FROM exemptions WHERE deleted = 0").fetchall())


def test_proposal_totals_equal_a_count_by_hand_and_commit_writes_them(
        opened: Opened, ex: Exemption, qtbot: QtBot) -> None:
    ctx = opened.ctx("cg_reviewer")
    tab = ExemptionTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1200, 640)
    tab.show()
    records = tab.records_page()
    assert records.model.rowCount() == 0
    page = tab.batch_page()
    propose(qtbot, page, ex.schools["cg_primary"])

    expected = by_hand(ctx, ex.schools["cg_primary"])
    assert expected == {"fees": (6, 6 * 15000), "textbooks": (6, 6 * 5250),
                        "boarding": (1, 62500), "nonboarding": (1, 31250)}
    assert shown_totals(page) == expected
    total_row = page.totals_model.rowCount() - 1
    assert page.totals_model.data(page.totals_model.index(total_row, 1), RAW_ROLE) == 6
    assert page.totals_model.data(page.totals_model.index(total_row, 2), RAW_ROLE) == sum(
        fen for _, fen in expected.values())
    assert page.totals_model.data(page.totals_model.index(0, 2)) == "900.00"
    # p3's hardship type is not confirmed: left out of the allowance, with the reason
    skipped = page.skipped_model
    assert skipped.rowCount() == 1
    assert "尚未认定" in skipped.data(skipped.index(0, 4))
    assert skipped.data(skipped.index(0, 1)) == "G419902********0138"  # masked
    assert "在读学生 6 名" in page.summary.text() and "共计 2,152.50 元" in page.summary.text()
    assert page.commit_button.isEnabled()

    proposed = {(r["student_id"], r["item"], r["amount_fen"]) for r in page.batch.rows}
    before = ctx.db.execute("SELECT count(*) FROM audit").fetchone()[0]
    confirm(qtbot, page)
    assert page.receipt.isVisible(), page.refusal.text()
    assert "写入资助记录 14 条，学生 6 名，共计 2,152.50 元" in page.receipt.text()
    assert exemption_rows(ctx) == proposed
    assert len(proposed) == sum(n for n, _ in expected.values()) == 14
    assert ctx.db.execute("SELECT count(*) FROM audit").fetchone()[0] == before + 14
    assert not page.commit_button.isEnabled()  # nothing left to confirm twice
    # the records page heard of it through the hub
    assert records.model.rowCount() == 14
    assert records.summary_model.rowCount() == 4 + 1


def test_a_clerk_sees_why_they_cannot_confirm(clerk_ctx: AppContext, ex: Exemption,
                                              qtbot: QtBot) -> None:
    page = new_page(qtbot, clerk_ctx)
    propose(qtbot, page, ex.schools["cg_primary"])
    assert shown_totals(page) == by_hand(clerk_ctx, ex.schools["cg_primary"])
    assert not page.commit_button.isEnabled()
    assert page.approval_note.isVisible()
    assert "须由审核员或管理员" in page.approval_note.text()
    assert "录入员" in page.approval_note.text()
    assert page.commit() is None
    assert exemption_rows(clerk_ctx) == set()


def test_a_grant_made_meanwhile_refuses_the_batch_inline(opened: Opened, ex: Exemption,
                                                         qtbot: QtBot) -> None:
    ctx = opened.ctx("admin")
    page = new_page(qtbot, ctx)
    propose(qtbot, page, ex.schools["cg_primary"])
    assert len(page.batch.rows) == 14
    # another clerk grants p4's fees for the semester before the batch is confirmed
    student = ex.students[ex.numbers["p4"]]
    WriteDoor(opened.db, SYSTEM).insert(
        "exemptions", exemption_values(opened.db, student, EX_SEMESTER, "fees", "2026-03-02"))
    confirm(qtbot, page)
    assert page.refusal.isVisible()
    text = page.refusal.text()
    assert text.startswith("未写入任何记录")
    assert "赵静" in text and "已于 2026-03-02 在城关一小享受" in text
    assert "同一学生每学期每个项目只能享受一次" in text
    assert not page.receipt.isVisible()
    assert len(exemption_rows(ctx)) == 1  # only the grant made meanwhile

    # proposed again, p4's fees are left out and the rest can be confirmed
    propose(qtbot, page, ex.schools["cg_primary"])
    assert len(page.batch.rows) == 13
    reasons = [page.skipped_model.data(page.skipped_model.index(r, 4))
               for r in range(page.skipped_model.rowCount())]
    assert "已于 2026-03-02 在城关一小享受" in reasons
    confirm(qtbot, page)
    assert page.receipt.isVisible(), page.refusal.text()
    assert len(exemption_rows(ctx)) == 14


def test_a_second_exemption_is_refused_next_to_the_number(admin_ctx: AppContext,
                                                          ex: Exemption, qtbot: QtBot) -> None:
    number = ex.numbers["p1"]
    dialog = ExemptionDialog(admin_ctx, today=TODAY, semester=EX_SEMESTER)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.number_edit, number)
    assert dialog.who.text().startswith("张晓明 · 城关一小 一年级")
    dialog.item.setCurrentIndex(dialog.item.findData("boarding"))
    assert dialog.granted_edit.text() == FIRST_DAY
    assert dialog.method.currentData() == "payment"
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), dialog.general_error.text()
    row = admin_ctx.db.execute(
        "SELECT item, amount_fen, granted_on, method, semester FROM exemptions").fetchall()
    assert row == [("boarding", 62500, FIRST_DAY, "payment", EX_SEMESTER)]
    audit = admin_ctx.db.execute("SELECT count(*) FROM audit").fetchone()[0]

    again = ExemptionDialog(admin_ctx, today=TODAY, semester=EX_SEMESTER)
    qtbot.addWidget(again)
    again.show()
    qtbot.keyClicks(again.number_edit, number)
    again.item.setCurrentIndex(again.item.findData("boarding"))
    again.granted_edit.setText("2026-04-01")
    qtbot.mouseClick(again.ok_button, Qt.MouseButton.LeftButton)
    assert again.isVisible()
    error = again.form.errors["student_no"]
    assert error.isVisible()
    assert "已于 2026-03-01 在城关一小享受" in error.text()
    assert "同一学生每学期每个项目只能享受一次" in error.text()
    assert admin_ctx.db.execute("SELECT count(*) FROM exemptions").fetchone()[0] == 1
    assert admin_ctx.db.execute("SELECT count(*) FROM audit").fetchone()[0] == audit


def test_the_living_allowance_needs_a_confirmed_hardship(admin_ctx: AppContext, ex: Exemption,
                                                         qtbot: QtBot) -> None:
    dialog = ExemptionDialog(admin_ctx, ex.students[ex.numbers["p3"]], today=TODAY,
                             semester=EX_SEMESTER)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.number_edit.isEnabled()  # opened for this student
    dialog.item.setCurrentIndex(dialog.item.findData("nonboarding"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "尚未认定" in dialog.form.error_text("item")
    assert admin_ctx.db.execute("SELECT count(*) FROM exemptions").fetchone()[0] == 0


def test_a_grant_date_outside_the_semester_is_said_before_proposing(
        admin_ctx: AppContext, ex: Exemption, qtbot: QtBot) -> None:
    page = new_page(qtbot, admin_ctx)
    page.select(ex.schools["cg_primary"], EX_SEMESTER)
    page.grant_edit.clear()
    qtbot.keyClicks(page.grant_edit, "2026-10-01")
    assert page.propose() is None
    assert page.input_error.isVisible()
    assert "不在 2026春 学期内" in page.input_error.text()
    assert page.batch is None


def test_a_student_who_left_is_not_exempted_by_hand(admin_ctx: AppContext, ex: Exemption,
                                                    qtbot: QtBot) -> None:
    student = ex.students[ex.numbers["p6"]]
    WriteDoor(admin_ctx.db, SYSTEM).update("students", student, {"left_on": "2026-01-15"})
    dialog = ExemptionDialog(admin_ctx, today=TODAY, semester=EX_SEMESTER)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.number_edit, ex.numbers["p6"])
    assert "已于 2026-01-15 离校" in dialog.who.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "不在校" in dialog.form.error_text("student_no")
    assert admin_ctx.db.execute("SELECT count(*) FROM exemptions").fetchone()[0] == 0
