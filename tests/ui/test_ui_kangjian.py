"""The 康检活动 tab: the person register with masked IDs, search and community filter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from ui_fixtures import type_text

from desktop.domain.ids import mask_id
from desktop.ui.context import AppContext
from desktop.ui.paged_model import RECORD_ID_ROLE
from desktop.ui.tabs.kangjian import COL_COMMUNITY, COL_ID, COL_NAME, KangjianTab, search_condition


@pytest.fixture
def tab(admin_ctx: AppContext, qtbot: QtBot) -> KangjianTab:
    page = KangjianTab(admin_ctx)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    return page


def count(ctx: AppContext, where: str, params: list | tuple = ()) -> int:
    sql = f"SELECT count(*) FROM persons WHERE deleted = 0 AND {where}"
    return int(ctx.db.execute(sql, list(params)).fetchone()[0])


def search(qtbot: QtBot, tab: KangjianTab, text: str, expected: int) -> None:
    tab.search.clear()
    type_text(qtbot, tab.search, text)
    qtbot.waitUntil(lambda: tab.model.rowCount() == expected, timeout=3000)  # after the debounce
    assert tab.count_label.text() == f"共 {expected} 人"


def test_shows_the_register_with_masked_ids(tab: KangjianTab, admin_ctx: AppContext,
                                            qtbot: QtBot) -> None:
    qtbot.waitUntil(tab.is_ready, timeout=5000)
    assert tab.model.rowCount() == count(admin_ctx, "1") == 60
    assert tab.count_label.text() == "共 60 人"
    index = tab.model.index(0, COL_ID)
    record_id = tab.model.data(index, RECORD_ID_ROLE)
    name, number, community = admin_ctx.db.execute(
        "SELECT p.name, p.id_number, o.name FROM persons p JOIN org_units o"
        " ON o.id = p.community_id WHERE p.id = ?", [record_id]).fetchone()
    shown = tab.view.model().data(index)
    assert shown == mask_id(number) != number
    assert tab.model.data(tab.model.index(0, COL_NAME)) == name
    assert tab.model.data(tab.model.index(0, COL_COMMUNITY)) == community
    assert tab.search.placeholderText() == "姓名 / 拼音首字母 / 身份证后几位"


def test_search_by_pinyin_initials(tab: KangjianTab, admin_ctx: AppContext,
                                   qtbot: QtBot) -> None:
    expected = count(admin_ctx, "pinyin LIKE 'zx%'")
    assert 0 < expected < 60
    search(qtbot, tab, "zx", expected)
    search(qtbot, tab, "ZXL", count(admin_ctx, "pinyin LIKE 'zxl%'"))


def test_search_by_id_tail(tab: KangjianTab, admin_ctx: AppContext, qtbot: QtBot) -> None:
    number = admin_ctx.db.execute("SELECT id_number FROM persons LIMIT 1 OFFSET 17").fetchone()[0]
    search(qtbot, tab, number[-4:], count(admin_ctx, "id_tail = ?", [number[-4:]]))
    assert tab.model.rowCount() >= 1
    search(qtbot, tab, number[-6:], count(admin_ctx, "id_number LIKE ?", ["%" + number[-6:]]))
    search(qtbot, tab, number[-2:], count(admin_ctx, "id_number LIKE ?", ["%" + number[-2:]]))


def test_search_by_name_prefix(tab: KangjianTab, admin_ctx: AppContext, qtbot: QtBot) -> None:
    expected = count(admin_ctx, "name LIKE '张%'")
    assert 0 < expected < 60
    search(qtbot, tab, "张", expected)
    search(qtbot, tab, "钱", 0)
    search(qtbot, tab, "", 60)


def test_community_filter(tab: KangjianTab, admin_ctx: AppContext) -> None:
    labels = [tab.community.itemText(i) for i in range(tab.community.count())]
    assert labels[0] == "全部社区"
    assert "城关街道办事处 · 东关社区" in labels  # two offices in scope: office named too
    tab.community.setCurrentIndex(labels.index("城关街道办事处 · 东关社区"))
    unit = tab.community.currentData()
    assert tab.model.rowCount() == count(admin_ctx, "community_id = ?", [unit])


def test_a_clerk_sees_only_the_office(clerk_ctx: AppContext, qtbot: QtBot) -> None:
    page = KangjianTab(clerk_ctx)
    qtbot.addWidget(page)
    assert page.model.rowCount() == count(clerk_ctx, "office = 'CG'") < 60
    labels = [page.community.itemText(i) for i in range(page.community.count())]
    assert labels == ["全部社区", "东关社区", "西街社区"]


@pytest.mark.parametrize(
    ("text", "where", "params"),
    [
        ("1234", ["t.id_tail = ?"], ["1234"]),
        ("12345x", ["t.id_tail = ?", "t.id_number LIKE ?"], ["345X", "%12345X"]),
        ("3x", ["t.id_tail LIKE ?"], ["%3X"]),
        ("Zxl", ["t.pinyin >= ? AND t.pinyin < ?"], ["zxl", "zxl\U0010ffff"]),
        ("张秀", ["t.name >= ? AND t.name < ?"], ["张秀", "张秀\U0010ffff"]),
        ("  ", [], []),
    ],
)
def test_search_condition(text: str, where: list[str], params: list[str]) -> None:
    assert search_condition(text) == (where, params)


def test_name_search_names_the_offices_for_the_index() -> None:
    where, params = search_condition("张", ["CG", "DF"])
    assert where == ["t.office IN (?,?)", "t.name >= ? AND t.name < ?"]
    assert params == ["CG", "DF", "张", "张\U0010ffff"]
    assert search_condition("zx", ["CG"]) == search_condition("zx")  # only names need it


def test_double_click_reveals_for_an_admin(tab: KangjianTab, admin_ctx: AppContext,
                                          qtbot: QtBot) -> None:
    qtbot.waitUntil(tab.is_ready, timeout=5000)
    index = tab.model.index(0, COL_ID)
    rect = tab.view.visualRect(index)
    # QTest's double click alone has no press before it; a view only honours a double click on
    # the item that was pressed, as with a real mouse.
    qtbot.mouseClick(tab.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tab.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert not tab.model.is_masked(index)
    assert admin_ctx.db.execute("SELECT count(*) FROM audit WHERE action = 'reveal'"
                                ).fetchone()[0] == 1
