"""未检名单: the eligible women not checked, a reason per row saved as a not-checked record
through the door, and the .xlsx for the community workers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot
from python_calamine import CalamineWorkbook
from ui_fixtures import Kangjian, Opened, add_kangjian

from desktop.domain.ids import mask_id
from desktop.domain.phones import mask_phone
from desktop.store.kangjian import unchecked_list
from desktop.ui.context import AppContext
from desktop.ui.kangjian.unchecked import COL_ID, COL_PHONE, COL_REASON, UncheckedPage
from desktop.ui.tabs.kangjian import KangjianTab


@pytest.fixture
def kj(opened: Opened) -> Kangjian:
    return add_kangjian(opened.db)


def open_page(qtbot: QtBot, ctx: AppContext) -> tuple[KangjianTab, UncheckedPage]:
    tab = KangjianTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    tab.show()
    return tab, tab.unchecked_page()


def checks(ctx: AppContext, woman_id: str) -> list[dict[str, Any]]:
    cur = ctx.db.execute("SELECT * FROM checks WHERE woman_id = ? ORDER BY rowid", [woman_id])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def choose_reason(qtbot: QtBot, page: UncheckedPage, row: int, label: str) -> None:
    """Double-click the reason cell and pick from its drop-down, as a clerk does."""
    index = page.model.index(row, COL_REASON)
    page.view.scrollTo(index)
    rect = page.view.visualRect(index)
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = page.view.indexWidget(index)
    assert isinstance(editor, QComboBox)
    target = editor.findText(label)
    assert target >= 0
    while editor.currentIndex() != target:
        key = Qt.Key.Key_Down if editor.currentIndex() < target else Qt.Key.Key_Up
        qtbot.keyClick(editor, key)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.view.indexWidget(index) is None, timeout=3000)


def test_lists_the_eligible_women_not_checked(admin_ctx: AppContext, kj: Kangjian,
                                              qtbot: QtBot) -> None:
    _tab, page = open_page(qtbot, admin_ctx)
    assert page.model.rowCount() == 60
    assert page.count_label.text() == "应检未检 60 人，已填原因 0 人，未填 60 人"
    labels = [page.community.itemText(i) for i in range(page.community.count())]
    assert labels[0] == "全部社区" and len(labels) == 4
    page.community.setCurrentIndex(labels.index("东风街道办事处 · 新华社区"))
    expected = unchecked_list(admin_ctx.db, page.choice.ref, admin_ctx.user.scope,
                              page.community.currentData())
    assert [r.woman_id for r in page.model.rows] == [w.woman_id for w in expected]
    assert len(expected) == 20
    row = page.model.rows[0]
    assert page.model.data(page.model.index(0, COL_ID)) == mask_id(row.id_number)
    assert page.model.data(page.model.index(0, COL_PHONE)) == mask_phone(row.phone)


def test_a_reason_writes_a_not_checked_record(admin_ctx: AppContext, kj: Kangjian,
                                              qtbot: QtBot) -> None:
    _tab, page = open_page(qtbot, admin_ctx)
    woman = page.model.rows[3]
    choose_reason(qtbot, page, 3, "外出务工")
    [record] = checks(admin_ctx, woman.woman_id)
    assert record["checked"] == 0 and record["unchecked_reason"] == "migrant"
    assert record["check_date"] is None and record["record_date"] == kj.end.isoformat()
    assert page.model.data(page.model.index(3, COL_REASON)) == "外出务工"
    assert "已填原因 1 人" in page.count_label.text()

    choose_reason(qtbot, page, 3, "拒检")
    [record] = checks(admin_ctx, woman.woman_id)
    assert record["unchecked_reason"] == "refused" and record["rev"] == 2

    choose_reason(qtbot, page, 3, "（未填）")
    [record] = checks(admin_ctx, woman.woman_id)
    assert record["deleted"] == 1
    assert "已填原因 0 人" in page.count_label.text()


def test_a_check_in_takes_her_off_the_list(admin_ctx: AppContext, kj: Kangjian,
                                           qtbot: QtBot) -> None:
    tab, page = open_page(qtbot, admin_ctx)
    woman = page.model.rows[0]
    choose_reason(qtbot, page, 0, "孕期产后")
    panel = tab.checkin_page()
    qtbot.keyClicks(panel.entry, woman.id_number)
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    [record] = checks(admin_ctx, woman.woman_id)  # the not-checked record became checked
    assert record["checked"] == 1 and record["unchecked_reason"] is None
    assert "原未检原因已清除" in panel.message.text()
    assert tab.unchecked_page() is page  # back to the list: read again
    assert woman.woman_id not in [r.woman_id for r in page.model.rows]
    assert page.model.rowCount() == 59
    tab.checkin_page()
    qtbot.keyClick(panel.entry, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    [record] = checks(admin_ctx, woman.woman_id)  # undo puts the reason back
    assert record["checked"] == 0 and record["unchecked_reason"] == "pregnant"
    tab.unchecked_page()
    assert page.model.rowCount() == 60


def test_export_writes_the_rows_shown(admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot,
                                      tmp_path: Path) -> None:
    _tab, page = open_page(qtbot, admin_ctx)
    page.community.setCurrentIndex(page.community.findText("城关街道办事处 · 东关社区"))
    choose_reason(qtbot, page, 1, "疾病住院")
    # a phone revealed in the list (audited) is exported in full; the others stay masked
    assert page.model.reveal(page.model.index(2, COL_PHONE))
    written = page.export(tmp_path / "未检名单")
    assert written == tmp_path / "未检名单.xlsx" and written.is_file()
    book = CalamineWorkbook.from_path(str(written))
    assert book.sheet_names == ["东关社区"]
    cells = book.get_sheet_by_index(0).to_python()
    assert cells[0][0].endswith("应检未检名单")
    header = cells[3]
    assert header[:7] == ["序号", "社区", "姓名", "身份证号", "联系电话", "流动情况", "未检原因"]
    body = [r for r in cells[4:] if r[2]]
    rows = page.model.rows
    assert [r[2] for r in body] == [w.name for w in rows]
    assert [r[3] for r in body] == [mask_id(w.id_number) for w in rows]
    assert body[1][6] == "疾病住院" and body[0][6] == ""
    assert body[2][4] == rows[2].phone and body[3][4] == mask_phone(rows[3].phone)
    assert all(r[7] == r[8] == "" for r in body)  # blank columns for the visit
    assert admin_ctx.db.execute("SELECT count(*) FROM audit WHERE action = 'export'"
                                ).fetchone()[0] == 1


def test_export_of_every_community_has_a_sheet_each(clerk_ctx: AppContext, kj: Kangjian,
                                                    qtbot: QtBot, tmp_path: Path) -> None:
    _tab, page = open_page(qtbot, clerk_ctx)
    assert not page.full_phones.isVisibleTo(page)  # a clerk who may not reveal
    written = page.export(tmp_path / "all.xlsx")
    assert written is not None
    book = CalamineWorkbook.from_path(str(written))
    assert book.sheet_names == ["东关社区", "西街社区"]
    for index in range(2):
        cells = book.get_sheet_by_index(index).to_python()
        assert sum(1 for r in cells[4:] if r[2]) == 20
        assert all("*" in r[4] for r in cells[4:] if r[2])


def test_reveal_needs_the_permission(clerk_ctx: AppContext, kj: Kangjian, qtbot: QtBot) -> None:
    _tab, page = open_page(qtbot, clerk_ctx)
    index = page.model.index(0, COL_ID)
    assert not page.model.reveal(index)
    assert page.model.is_masked(index)
    assert clerk_ctx.db.execute("SELECT count(*) FROM audit WHERE action = 'reveal_refused'"
                                ).fetchone()[0] == 1
    menu = page.context_menu(page.view.visualRect(index).center())
    assert menu is not None and not menu.actions()[0].isEnabled()
    menu.close()
