"""The 康检活动 tab and its 名册 page: the women's roster paged over persons ⋈ women, masked IDs
with audited reveal, the search box, the filters, index-only orders, and the campaign picker."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot
from ui_fixtures import CAMPAIGN, SYSTEM, Kangjian, Opened, add_kangjian, type_text

from desktop.domain.ids import make_id, mask_id
from desktop.store import paged
from desktop.store.door import WriteDoor
from desktop.ui.context import AppContext
from desktop.ui.kangjian.roster import COL_FLOATING, COL_STATUS, ROSTER_COLUMNS, RosterModel
from desktop.ui.paged_model import RECORD_ID_ROLE
from desktop.ui.tabs.kangjian import COL_COMMUNITY, COL_ID, COL_NAME, KangjianTab, search_condition


@pytest.fixture
def kj(opened: Opened) -> Kangjian:
    kangjian = add_kangjian(opened.db)
    # one person registered but not on the roster: she must not show
    WriteDoor(opened.db, SYSTEM).insert("persons", {
        "community_id": opened.db.execute("SELECT community_id FROM persons LIMIT 1"
                                          ).fetchone()[0],
        "name": "钱不在", "pinyin": "qbz", "id_number": make_id("419901", date(1985, 1, 1), 998),
        "sex": "F", "birth_date": "1985-01-01",
        "created_on": "2026-01-01"})
    return kangjian


@pytest.fixture
def tab(admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot) -> KangjianTab:
    page = KangjianTab(admin_ctx)
    qtbot.addWidget(page)
    page.resize(1200, 640)
    page.show()
    return page


def count(ctx: AppContext, where: str = "1", params: list | tuple = ()) -> int:
    sql = ("SELECT count(*) FROM persons AS t JOIN women AS w ON w.person_id = t.id"
           f" AND w.deleted = 0 WHERE t.deleted = 0 AND {where}")
    return int(ctx.db.execute(sql, list(params)).fetchone()[0])


def search(qtbot: QtBot, tab: KangjianTab, text: str, expected: int) -> None:
    tab.roster.search.clear()
    type_text(qtbot, tab.roster.search, text)
    qtbot.waitUntil(lambda: tab.model.rowCount() == expected, timeout=3000)  # after the debounce
    assert tab.roster.count_label.text() == f"共 {expected} 人"


def test_shows_the_roster_with_masked_ids(tab: KangjianTab, admin_ctx: AppContext,
                                          qtbot: QtBot) -> None:
    qtbot.waitUntil(tab.is_ready, timeout=5000)
    assert tab.model.rowCount() == count(admin_ctx) == 60  # not the person off the roster
    assert tab.roster.count_label.text() == "共 60 人"
    index = tab.model.index(0, COL_ID)
    record_id = tab.model.data(index, RECORD_ID_ROLE)
    name, number, community = admin_ctx.db.execute(
        "SELECT p.name, p.id_number, o.name FROM persons p JOIN org_units o"
        " ON o.id = p.community_id WHERE p.id = ?", [record_id]).fetchone()
    assert tab.view.model().data(index) == mask_id(number) != number
    assert tab.model.data(tab.model.index(0, COL_NAME)) == name
    assert tab.model.data(tab.model.index(0, COL_COMMUNITY)) == community
    assert tab.roster.search.placeholderText() == "姓名 / 拼音首字母 / 身份证后几位"
    assert tab.campaign.currentText().startswith(CAMPAIGN)
    assert [tab.pages.tabText(i) for i in range(4)] == ["名册", "康检登记", "未检名单", "汇总"]


def test_search_by_pinyin_initials(tab: KangjianTab, admin_ctx: AppContext,
                                   qtbot: QtBot) -> None:
    expected = count(admin_ctx, "t.pinyin LIKE 'zx%'")
    assert 0 < expected < 60
    search(qtbot, tab, "zx", expected)
    search(qtbot, tab, "ZXL", count(admin_ctx, "t.pinyin LIKE 'zxl%'"))
    assert tab.model.data(tab.model.index(0, COL_NAME)) in ("张秀兰", "周秀兰")


def test_search_by_id_tail(tab: KangjianTab, admin_ctx: AppContext, qtbot: QtBot) -> None:
    number = admin_ctx.db.execute("SELECT id_number FROM persons LIMIT 1 OFFSET 17").fetchone()[0]
    search(qtbot, tab, number[-4:], count(admin_ctx, "t.id_tail = ?", [number[-4:]]))
    assert tab.model.rowCount() >= 1
    search(qtbot, tab, number[-6:], count(admin_ctx, "t.id_number LIKE ?", ["%" + number[-6:]]))
    search(qtbot, tab, number[-2:], count(admin_ctx, "t.id_number LIKE ?", ["%" + number[-2:]]))


def test_search_by_name_prefix(tab: KangjianTab, admin_ctx: AppContext, qtbot: QtBot) -> None:
    expected = count(admin_ctx, "t.name LIKE '张%'")
    assert 0 < expected < 60
    search(qtbot, tab, "张", expected)
    search(qtbot, tab, "钱", 0)  # 钱不在 is registered but not on the roster
    search(qtbot, tab, "", 60)


def test_filters_community_status_floating(tab: KangjianTab, admin_ctx: AppContext,
                                           kj: Kangjian) -> None:
    roster = tab.roster
    labels = [roster.community.itemText(i) for i in range(roster.community.count())]
    assert labels[0] == "全部社区"
    assert "城关街道办事处 · 东关社区" in labels  # two offices in scope: office named too
    roster.community.setCurrentIndex(labels.index("城关街道办事处 · 东关社区"))
    unit = roster.community.currentData()
    assert tab.model.rowCount() == count(admin_ctx, "t.community_id = ?", [unit]) == 20
    roster.community.setCurrentIndex(0)

    roster.floating.setCurrentIndex(roster.floating.findData("out"))
    assert tab.model.rowCount() == count(admin_ctx, "w.floating = 'out'") == 6
    assert tab.model.data(tab.model.index(0, COL_FLOATING)) == "流出（广东省深圳市）"
    roster.floating.setCurrentIndex(0)

    person = admin_ctx.db.execute("SELECT id FROM persons ORDER BY rowid LIMIT 1").fetchone()[0]
    WriteDoor(admin_ctx.db, SYSTEM).update("women", kj.women[person], {
        "exit_date": "2026-01-02", "exit_reason": "moved"})
    admin_ctx.hub.data_changed.emit("women")
    assert tab.model.rowCount() == 59  # 在册 by default
    roster.status.setCurrentIndex(roster.status.findData("out"))
    assert tab.model.rowCount() == 1
    assert tab.model.data(tab.model.index(0, COL_STATUS)) == "已退出：迁出（2026-01-02）"
    roster.status.setCurrentIndex(roster.status.findData(None))
    assert tab.model.rowCount() == 60


def test_a_clerk_sees_only_the_office(clerk_ctx: AppContext, kj: Kangjian,
                                      qtbot: QtBot) -> None:
    page = KangjianTab(clerk_ctx)
    qtbot.addWidget(page)
    assert page.model.rowCount() == count(clerk_ctx, "t.office = 'CG'") == 40
    labels = [page.roster.community.itemText(i) for i in range(page.roster.community.count())]
    assert labels == ["全部社区", "东关社区", "西街社区"]
    assert page.campaign.currentText() == f"{CAMPAIGN}（{kj.start} 至 {kj.end}）"
    assert len(page.choices) == 1 and page.choices[0].ref == kj.campaigns["CG"]


def test_only_indexed_orders_are_offered(admin_ctx: AppContext, kj: Kangjian) -> None:
    """Every sortable column sorts through an index: the plan of the first chunk uses no
    temporary b-tree (which would read and sort the whole roster)."""
    model = RosterModel(admin_ctx)
    sortable = [i for i, c in enumerate(ROSTER_COLUMNS) if c.sortable]
    assert [ROSTER_COLUMNS[i].key for i in sortable] == ["name", "pinyin", "birth_date",
                                                          "community"]
    for col in sortable:
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            model.sort(col, order)
            result = model.result
            sql = (f"EXPLAIN QUERY PLAN SELECT t.rowid FROM {result.query.source}"
                   f" WHERE {result._where()} ORDER BY {result._order()} LIMIT 10")
            plan = " ".join(r[3] for r in admin_ctx.db.execute(sql, result.query.params))
            # (descending orders sort only ties of the index's order by rowid: "RIGHT PART")
            assert "TEMP B-TREE FOR ORDER BY" not in plan, (ROSTER_COLUMNS[col].key, plan)
            assert "USING INDEX persons_" in plan
    before = model.query().order
    model.sort(COL_ID)  # masked: not sortable, nothing changes
    assert model.query().order == before


def test_double_click_reveals_for_an_admin(tab: KangjianTab, admin_ctx: AppContext,
                                          qtbot: QtBot) -> None:
    qtbot.waitUntil(tab.is_ready, timeout=5000)
    index = tab.model.index(0, COL_ID)
    rect = tab.view.visualRect(index)
    qtbot.mouseClick(tab.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tab.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert not tab.model.is_masked(index)
    assert admin_ctx.db.execute("SELECT count(*) FROM audit WHERE action = 'reveal'"
                                ).fetchone()[0] == 1


def test_context_menu_offers_the_reveal(tab: KangjianTab, admin_ctx: AppContext) -> None:
    rect = tab.view.visualRect(tab.model.index(2, COL_ID))
    menu = tab.roster.context_menu(rect.center())
    assert menu is not None
    texts = [a.text() for a in menu.actions()]
    assert "显示完整身份证号（记入审计日志）" in texts and "编辑…" in texts
    action = next(a for a in menu.actions() if a.text().startswith("显示完整身份证号"))
    action.trigger()
    menu.close()
    assert not tab.model.is_masked(tab.model.index(2, COL_ID))
    assert admin_ctx.db.execute("SELECT json_extract(after, '$.field') FROM audit"
                                " WHERE action = 'reveal'").fetchone()[0] == "id_number"


def test_a_clerk_without_the_permission_cannot_reveal(clerk_ctx: AppContext, kj: Kangjian,
                                                      qtbot: QtBot) -> None:
    page = KangjianTab(clerk_ctx)
    qtbot.addWidget(page)
    page.resize(1200, 600)
    page.show()
    rect = page.view.visualRect(page.model.index(0, COL_ID))
    menu = page.roster.context_menu(QPoint(rect.center()))
    assert menu is not None
    reveal = next(a for a in menu.actions() if a.text().startswith("显示完整身份证号"))
    assert not reveal.isEnabled()
    menu.close()


def test_the_picker_follows_new_campaigns(tab: KangjianTab, admin_ctx: AppContext) -> None:
    door = WriteDoor(admin_ctx.db, SYSTEM)
    door.insert("campaigns", {"office": "CG", "name": "2027年春季康检", "start_date": "2027-03-01",
                              "end_date": "2027-04-30", "items": '["查环","查孕","查病"]'})
    admin_ctx.hub.data_changed.emit("campaigns")
    labels = [tab.campaign.itemText(i) for i in range(tab.campaign.count())]
    assert labels[0].startswith("2027年春季康检") and labels[1].startswith(CAMPAIGN)
    assert tab.campaign.currentText().startswith(CAMPAIGN)  # the choice is kept
    assert "1 个办事处" in labels[0] and "2 个办事处" in labels[1]


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


def test_the_count_reads_the_roster_alone_then_the_exact_count_follows(
        admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first count reads ``women`` alone through its covering index; the exact count of the
    join arrives from a worker and corrects it when a person was deleted under her entry."""
    # small chunks, so that the first read does not reach the end (as on a large roster)
    monkeypatch.setattr(paged, "PAGE_SIZE", 10)
    monkeypatch.setattr(paged, "FIRST_CHUNK", 10)
    model = RosterModel(admin_ctx)
    model.set_filter(["w.exit_date IS NULL"], [])
    result = model.result
    assert result.quick_count is not None
    plan = " ".join(r[3] for r in admin_ctx.db.execute("EXPLAIN QUERY PLAN "
                                                       + result.quick_count[0],
                                                       result.quick_count[1]))
    assert "COVERING INDEX women_roster_count" in plan and "persons" not in plan
    # the ordered walk probes each person's entry in an index, reading no women row
    walk = (f"EXPLAIN QUERY PLAN SELECT t.rowid FROM {result.query.source} WHERE {result._where()}"
            f" ORDER BY {result._order()} LIMIT 10")
    walk_plan = " ".join(r[3] for r in admin_ctx.db.execute(walk, result.query.params))
    assert "COVERING INDEX women_roster_probe" in walk_plan, walk_plan
    qtbot.waitUntil(lambda: not model.counting, timeout=5000)
    live = admin_ctx.db.execute(
        "SELECT count(*) FROM women w JOIN persons t ON t.id = w.person_id"
        " WHERE w.deleted = 0 AND t.deleted = 0 AND w.exit_date IS NULL").fetchone()[0]
    assert model.rowCount() == live == 60
    # a person tombstoned while her roster entry stays (no door path does it; a merge might)
    gone = admin_ctx.db.execute("SELECT person_id FROM women ORDER BY rowid LIMIT 1"
                                ).fetchone()[0]
    admin_ctx.db.execute("UPDATE persons SET deleted = 1 WHERE id = ?", [gone])
    admin_ctx.db.conn.commit()
    counts: list[int] = []
    model.count_changed.connect(counts.append)
    with qtbot.waitSignal(model.count_settled, timeout=5000):
        model.refresh()
    assert counts == [60, 59] and model.rowCount() == 59
    shown = {model.record_id(r) for r in range(model.rowCount())}
    assert gone not in shown and len(shown) == 59


def test_a_search_counts_the_join_at_once(admin_ctx: AppContext, kj: Kangjian) -> None:
    model = RosterModel(admin_ctx)
    model.set_filter(*search_condition("zxl", ["CG", "DF"]))
    assert model.result.quick_count is None and not model.counting


def test_a_scope_of_nothing_counts_nothing(admin_ctx: AppContext, kj: Kangjian) -> None:
    """A condition the hinted index cannot serve (what a scope of no community gives) falls back
    to SQLite's own plan instead of failing."""
    model = RosterModel(admin_ctx)
    model.set_filter(["t.office IN (?) AND 0"], ["CG"])
    assert model.result.quick_count is not None and model.rowCount() == 0


def test_a_far_jump_in_the_roster_says_the_rest_is_being_read(
        admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dragged far down, the roster shows pending rows and says so next to the count; when the
    worker has read the order, the rows and the plain count are back."""
    from desktop.ui.kangjian.roster import RosterPage

    monkeypatch.setattr(paged, "PAGE_SIZE", 5)
    monkeypatch.setattr(paged, "FIRST_CHUNK", 10)
    monkeypatch.setattr(paged, "JUMP", 20)
    page = RosterPage(admin_ctx)
    qtbot.addWidget(page)
    page.show()
    page.apply_filter()
    model = page.model
    assert model.rowCount() == 60 and len(model.result.rowids) < 40
    with qtbot.waitSignal(model.rest_loaded, timeout=10000):
        page.view.scrollToBottom()
        model.data(model.index(59, 0))
        assert "正在读取后面的名单" in page.count_label.text()
    assert page.count_label.text() == "共 60 人"
    assert model.data(model.index(59, 0)) not in ("…", None, "")
