"""减免记录 and 补助标准: the summary table equals ``school_summary`` (with its totals), the
period's figure is ``period_totals``, the filters narrow the list, and the standards are read-only
for a clerk while the district's administrator adds and ends them (overlaps refused inline)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from ui_fixtures import EX_SEMESTER, SYSTEM, Exemption, Opened, add_exemption, type_text

from desktop.domain.choices import EXEMPTION_ITEMS
from desktop.domain.periods import quarter
from desktop.store.door import WriteDoor
from desktop.store.exemption import (
    commit_batch,
    exemption_values,
    load_standards,
    period_totals,
    propose_batch,
    school_summary,
)
from desktop.ui.context import AppContext
from desktop.ui.exemption.records import RecordsPage
from desktop.ui.exemption.standards import StandardDialog, StandardsPage
from desktop.ui.paged_model import RAW_ROLE


@pytest.fixture
def granted(opened: Opened) -> Exemption:
    """2026春 granted at both 城关 schools and 新华九年制学校, and one 2025秋 grant."""
    ex = add_exemption(opened.db)
    door = WriteDoor(opened.db, SYSTEM)
    for school in ex.schools.values():
        commit_batch(door, propose_batch(opened.db, school, EX_SEMESTER, SYSTEM,
                                         granted_on="2026-03-02"))
    door.insert("exemptions", exemption_values(opened.db, ex.students[ex.numbers["p1"]],
                                               "2025秋", "fees", "2025-09-05"))
    return ex


def new_page(qtbot: QtBot, ctx: AppContext) -> RecordsPage:
    page = RecordsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    return page


def summary_cells(page: RecordsPage) -> list[tuple[object, ...]]:
    model = page.summary_model
    return [tuple(model.data(model.index(r, c), RAW_ROLE) for c in range(model.columnCount()))
            for r in range(model.rowCount())]


def expected_cells(ctx: AppContext, rows: list) -> list[tuple[object, ...]]:
    offices = {o.code: o.name for o in ctx.tree.offices()}
    return [(offices[r.office], r.school, r.semester, EXEMPTION_ITEMS.label(r.item), r.students,
             r.amount_fen) for r in rows]


def test_summary_table_equals_school_summary(admin_ctx: AppContext, granted: Exemption,
                                             qtbot: QtBot) -> None:
    page = new_page(qtbot, admin_ctx)
    rows = school_summary(admin_ctx.db, admin_ctx.user.scope)
    # 城关一小 every item; 城关初中 no boarder, 新华 no non-boarder with hardship; one 2025秋
    assert len(rows) == 4 + 3 + 3 + 1
    cells = summary_cells(page)
    assert cells[:-1] == expected_cells(admin_ctx, rows)
    assert cells[-1] == ("合计", None, None, None, sum(r.students for r in rows),
                         sum(r.amount_fen for r in rows))
    assert page.model.rowCount() == admin_ctx.db.execute(
        "SELECT count(*) FROM exemptions").fetchone()[0]

    page.select(semester=EX_SEMESTER, school_id=granted.schools["cg_primary"])
    rows = school_summary(admin_ctx.db, admin_ctx.user.scope, EX_SEMESTER,
                          granted.schools["cg_primary"])
    assert summary_cells(page)[:-1] == expected_cells(admin_ctx, rows)
    assert [r[4] for r in summary_cells(page)] == [6, 6, 1, 1, 14]
    assert page.model.rowCount() == 14
    assert page.count_label.text() == "共 14 条"

    page.item.setCurrentIndex(page.item.findData("boarding"))
    assert [r[3] for r in summary_cells(page)] == ["寄宿生生活补助", None]
    assert page.model.rowCount() == 1


def test_a_clerk_sees_only_the_office(clerk_ctx: AppContext, granted: Exemption,
                                      qtbot: QtBot) -> None:
    page = new_page(qtbot, clerk_ctx)
    rows = school_summary(clerk_ctx.db, clerk_ctx.user.scope)
    assert {r.office for r in rows} == {"CG"}
    assert summary_cells(page)[:-1] == expected_cells(clerk_ctx, rows)
    assert page.model.rowCount() == clerk_ctx.db.execute(
        "SELECT count(*) FROM exemptions WHERE office = 'CG'").fetchone()[0]


def test_the_period_figure_is_period_totals(admin_ctx: AppContext, granted: Exemption,
                                            qtbot: QtBot) -> None:
    page = new_page(qtbot, admin_ctx)
    admin_ctx.set_period(quarter(2026, 1))
    totals = period_totals(admin_ctx.db, quarter(2026, 1), admin_ctx.user.scope)
    assert totals.students == 11
    assert page.figure.text() == (f"本期（2026年第一季度）示范区两免一补：{totals.students} 名学生，"
                                  f"共计 {totals.wan} 万元")
    assert "免学杂费 11 人" in page.figure_detail.text()
    admin_ctx.set_period(quarter(2025, 3))  # 2025-09-05: the one 2025秋 grant
    assert page.figure.text().startswith("本期（2025年第三季度）示范区两免一补：1 名学生")


def test_search_finds_a_students_records(admin_ctx: AppContext, granted: Exemption,
                                         qtbot: QtBot) -> None:
    page = new_page(qtbot, admin_ctx)
    type_text(qtbot, page.search, "zxm")  # 张晓明 = p1: 2026春 fees, textbooks, allowance + 2025秋
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=3000)
    col = page.model.column_index("student_no")
    assert page.model.data(page.model.index(0, col)) == "G419902********0111"


# -- standards ------------------------------------------------------------------------------


def test_standards_are_read_only_for_a_clerk(clerk_ctx: AppContext, granted: Exemption,
                                             qtbot: QtBot) -> None:
    page = StandardsPage(clerk_ctx)
    qtbot.addWidget(page)
    page.show()
    assert page.model.rowCount() == len(load_standards(clerk_ctx.db)) == 12
    assert not page.add_button.isVisible() and not page.end_button.isVisible()
    assert "不能修改" in page.note.text()
    page.view.selectRow(0)
    assert not page.end_button.isEnabled()
    # even a dialog opened anyway is refused by the store, said in the dialog
    dialog = StandardDialog(clerk_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.amount_edit, "400")
    qtbot.keyClicks(dialog.from_edit, "2030-01-01")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "区管理员" in dialog.general_error.text()
    assert len(load_standards(clerk_ctx.db)) == 12


def test_admin_ends_a_standard_and_adds_its_successor(admin_ctx: AppContext, granted: Exemption,
                                                      qtbot: QtBot) -> None:
    page = StandardsPage(admin_ctx, today=date(2026, 11, 20))
    qtbot.addWidget(page)
    page.show()
    assert page.add_button.isVisible()
    fees = next(s for s in load_standards(admin_ctx.db)
                if s.item == "fees" and s.stage == "primary")
    audit = admin_ctx.db.execute("SELECT count(*) FROM audit").fetchone()[0]

    dialog = page.open_add()
    qtbot.addWidget(dialog)
    dialog.item.setCurrentIndex(dialog.item.findData("fees"))
    dialog.stage.setCurrentIndex(dialog.stage.findData("primary"))
    assert dialog.boarding.text() == "不分寄宿"
    qtbot.keyClicks(dialog.amount_edit, "35O")
    qtbot.keyClicks(dialog.from_edit, "2027-01-01")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "不是有效金额" in dialog.form.error_text("amount")
    dialog.amount_edit.clear()
    qtbot.keyClicks(dialog.amount_edit, "350")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # overlaps the standard in force since 2016
    assert "重叠" in dialog.form.error_text("effective_from")
    assert len(load_standards(admin_ctx.db)) == 12

    row = page.model.items.index(fees)
    page.view.selectRow(row)
    assert page.end_button.isEnabled()
    end = page.open_end(fees)
    qtbot.addWidget(end)
    end.last_edit.clear()
    qtbot.keyClicks(end.last_edit, "2026-12-31")
    qtbot.mouseClick(end.ok_button, Qt.MouseButton.LeftButton)
    assert not end.isVisible(), end.general_error.text()

    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), dialog.form.error_text("effective_from")
    standards = load_standards(admin_ctx.db)
    assert len(standards) == 13
    new = next(s for s in standards if s.item == "fees" and s.stage == "primary"
               and s.effective_from == "2027-01-01")
    assert (new.amount_fen, new.boarding, new.effective_to) == (35000, None, None)
    assert admin_ctx.db.execute("SELECT count(*) FROM audit").fetchone()[0] == audit + 2
    assert page.model.rowCount() == 13  # refreshed through the hub
    statuses = {page.model.raw(r, "effective_from"): page.model.raw(r, "status")
                for r in range(page.model.rowCount())
                if page.model.item(r).item == "fees" and page.model.item(r).stage == "primary"}
    assert statuses == {"2016-03-01": "执行中", "2027-01-01": "未生效"}
