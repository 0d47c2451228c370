"""康检登记: the keyboard check-in of a queue — an ID and Enter, pinyin initials and a pick, undo,
a second check refused, refusals of the door inline, and the live progress panel."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from pytestqt.qtbot import QtBot
from ui_fixtures import SYSTEM, Kangjian, Opened, add_kangjian, type_text

from desktop.store.door import WriteDoor
from desktop.store.kangjian import campaign_progress
from desktop.ui.context import AppContext
from desktop.ui.kangjian import progress as progress_module
from desktop.ui.kangjian.checkin import CheckinPanel, RecentModel
from desktop.ui.tabs.kangjian import KangjianTab


@pytest.fixture
def kj(opened: Opened) -> Kangjian:
    return add_kangjian(opened.db)


def open_checkin(qtbot: QtBot, ctx: AppContext) -> tuple[KangjianTab, CheckinPanel]:
    tab = KangjianTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    tab.show()
    panel = tab.checkin_page()
    qtbot.waitUntil(panel.entry.hasFocus, timeout=3000)
    qtbot.waitUntil(lambda: not panel.progress.busy, timeout=5000)  # read on a worker
    return tab, panel


class KeyCounter(QObject):
    """Counts the key presses a widget receives (to hold the ≤ 3 keystrokes promise)."""

    def __init__(self, *widgets: Any):
        super().__init__()
        self.count = 0
        for w in widgets:
            w.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            self.count += 1
        return False


def person(ctx: AppContext, where: str, params: list[Any] | tuple[Any, ...] = ()
           ) -> tuple[str, str, str]:
    """(person id, name, ID number) of the first person matching ``where``, in rowid order."""
    row = ctx.db.execute(f"SELECT id, name, id_number FROM persons WHERE {where} ORDER BY rowid"
                         " LIMIT 1", list(params)).fetchone()
    return row[0], row[1], row[2]


def checks(ctx: AppContext, woman_id: str) -> list[dict[str, Any]]:
    cur = ctx.db.execute("SELECT * FROM checks WHERE woman_id = ? ORDER BY rowid", [woman_id])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_an_id_and_enter_checks_her_in(admin_ctx: AppContext, kj: Kangjian,
                                       qtbot: QtBot) -> None:
    _tab, panel = open_checkin(qtbot, admin_ctx)
    pid, name, number = person(admin_ctx, "office = 'CG'")
    qtbot.keyClicks(panel.entry, number)
    counter = KeyCounter(panel.entry, panel.pick_list)
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    assert counter.count <= 3
    [record] = checks(admin_ctx, kj.women[pid])
    assert record["checked"] == 1 and record["deleted"] == 0
    assert record["check_date"] == record["record_date"] == date.today().isoformat()
    assert record["place"] == "station" and record["pregnancy_result"] == "not_pregnant"
    assert record["ring_result"] in ("normal", "none")
    assert record["campaign_id"] == kj.campaigns["CG"]
    assert panel.message.property("kind") == "ok" and name in panel.message.text()
    assert panel.entry.text() == "" and panel.entry.hasFocus()
    assert panel.recent.rowCount() == 1
    assert panel.recent.data(panel.recent.index(0, 1)) == name


def test_pinyin_initials_and_a_pick_from_the_list(admin_ctx: AppContext, kj: Kangjian,
                                                  qtbot: QtBot) -> None:
    _tab, panel = open_checkin(qtbot, admin_ctx)
    initials = "zxl"
    matches = admin_ctx.db.execute(
        "SELECT id, name FROM persons WHERE pinyin LIKE 'zxl%' ORDER BY pinyin, name, rowid"
    ).fetchall()
    assert len(matches) >= 2
    qtbot.keyClicks(panel.entry, initials)
    counter = KeyCounter(panel.entry, panel.pick_list)
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    assert panel.pick_list.isVisible() and panel.pick_list.hasFocus()
    assert panel.pick_model.rowCount() == len(matches)
    assert not admin_ctx.db.execute("SELECT count(*) FROM checks").fetchone()[0]
    qtbot.keyClick(panel.pick_list, Qt.Key.Key_Down)
    qtbot.keyClick(panel.pick_list, Qt.Key.Key_Return)
    assert counter.count <= 3
    chosen_id, chosen_name = matches[1]
    [record] = checks(admin_ctx, kj.women[chosen_id])
    assert record["checked"] == 1
    assert not panel.pick_list.isVisible() and panel.entry.hasFocus()
    assert chosen_name in panel.message.text()


def test_initials_with_one_match_check_in_at_once(admin_ctx: AppContext, kj: Kangjian,
                                                  qtbot: QtBot) -> None:
    _tab, panel = open_checkin(qtbot, admin_ctx)
    unique = admin_ctx.db.execute(
        "SELECT pinyin, id FROM persons GROUP BY pinyin HAVING count(*) = 1 ORDER BY pinyin"
        " LIMIT 1").fetchone()
    qtbot.keyClicks(panel.entry, unique[0])
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    assert [r["checked"] for r in checks(admin_ctx, kj.women[unique[1]])] == [1]


def test_a_chinese_name_finds_her(admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot) -> None:
    _tab, panel = open_checkin(qtbot, admin_ctx)
    pid, name, _ = person(admin_ctx, "name IN (SELECT name FROM persons GROUP BY name"
                                     " HAVING count(*) = 1)")
    type_text(qtbot, panel.entry, name)
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    assert [r["checked"] for r in checks(admin_ctx, kj.women[pid])] == [1]


def test_ctrl_z_undoes_a_wrong_pick(admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot) -> None:
    _tab, panel = open_checkin(qtbot, admin_ctx)
    pid, name, number = person(admin_ctx, "office = 'DF'")
    qtbot.keyClicks(panel.entry, number)
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    [record] = checks(admin_ctx, kj.women[pid])
    qtbot.keyClick(panel.entry, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    [after] = checks(admin_ctx, kj.women[pid])
    assert after["id"] == record["id"] and after["deleted"] == 1  # a tombstone, not removed
    assert admin_ctx.db.execute("SELECT count(*) FROM audit WHERE action = 'delete'"
                                " AND record_id = ?", [record["id"]]).fetchone()[0] == 1
    assert panel.recent.rowCount() == 0 and "已撤销" in panel.message.text()
    # and she can be checked in again
    qtbot.keyClicks(panel.entry, number)
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    assert [r["deleted"] for r in checks(admin_ctx, kj.women[pid])] == [1, 0]


def test_a_second_check_names_the_first_and_writes_nothing(
        admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot) -> None:
    _tab, panel = open_checkin(qtbot, admin_ctx)
    pid, name, number = person(admin_ctx, "office = 'CG'")
    qtbot.keyClicks(panel.entry, number)
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    before = admin_ctx.db.execute("SELECT count(*), max(seq) FROM audit").fetchone()
    qtbot.keyClicks(panel.entry, number.lower())  # a scanner may send a lower-case x
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    text = panel.message.text()
    assert name in text and f"已于 {date.today().isoformat()} 登记为已检" in text
    assert len(checks(admin_ctx, kj.women[pid])) == 1
    assert admin_ctx.db.execute("SELECT count(*), max(seq) FROM audit").fetchone() == before
    assert panel.recent.rowCount() == 1


def test_progress_panel_equals_the_store_query(admin_ctx: AppContext, kj: Kangjian,
                                               qtbot: QtBot) -> None:
    _tab, panel = open_checkin(qtbot, admin_ctx)
    numbers = [r[0] for r in admin_ctx.db.execute(
        "SELECT id_number FROM persons ORDER BY rowid LIMIT 7")]
    for number in numbers:
        qtbot.keyClicks(panel.entry, number)
        qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    expected = campaign_progress(admin_ctx.db, panel.choice.ref, admin_ctx.user.scope)
    shown = [(r.community_id, r.eligible, r.checked, r.rate) for r in panel.progress.rows]
    assert shown == [(r.community_id, r.eligible, r.checked, r.rate) for r in expected]
    assert sum(r.checked for r in expected) == 7
    total_row = panel.progress.rowCount() - 1
    assert panel.progress.data(panel.progress.index(total_row, 2)) == "7"
    assert "实检 7 人" in panel.total_label.text()


def test_progress_is_read_on_a_worker_and_a_check_in_meanwhile_counts(
        admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tab, panel = open_checkin(qtbot, admin_ctx)
    assert panel.choice is not None
    before = campaign_progress(admin_ctx.db, panel.choice.ref, admin_ctx.user.scope)
    # the background read answers with what it saw before the check-in below
    assert sum(r.checked for r in before) == 0
    monkeypatch.setattr(progress_module, "_read_progress", lambda *_args: list(before))
    panel.reload_progress()
    assert panel.progress.busy and panel.progress_busy.isVisibleTo(panel)
    number = admin_ctx.db.execute("SELECT id_number FROM persons WHERE office = 'CG'"
                                  " ORDER BY rowid LIMIT 1").fetchone()[0]
    qtbot.keyClicks(panel.entry, number)
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not panel.progress.busy, timeout=5000)
    assert not panel.progress_busy.isVisibleTo(panel)
    expected = campaign_progress(admin_ctx.db, panel.choice.ref, admin_ctx.user.scope)
    assert sum(r.checked for r in expected) == 1
    shown = [(r.community_id, r.eligible, r.checked) for r in panel.progress.rows]
    assert shown == [(r.community_id, r.eligible, r.checked) for r in expected]
    assert "实检 1 人" in panel.total_label.text()


def test_refusals_appear_inline(admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot) -> None:
    door = WriteDoor(admin_ctx.db, SYSTEM)
    # a woman who left the roster before the campaign: not eligible
    left_id, left_name, left_number = person(admin_ctx, "office = 'CG'")
    door.update("women", kj.women[left_id], {"exit_date": kj.start.isoformat(),
                                             "exit_reason": "moved"})
    # the quarter of DF is submitted: locked
    today = date.today()
    quarter = (today.month - 1) // 3
    start = date(today.year, 3 * quarter + 1, 1)
    end = (date(today.year + 1, 1, 1) if quarter == 3
           else date(today.year, 3 * quarter + 4, 1)).toordinal() - 1
    door.insert("submissions", {
        "office": "DF", "programme": "kangjian", "period_key": f"{today.year}Q{quarter + 1}",
        "period_start": start.isoformat(), "period_end": date.fromordinal(end).isoformat(),
        "status": "submitted"})
    _tab, panel = open_checkin(qtbot, admin_ctx)
    qtbot.keyClicks(panel.entry, left_number)
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    assert panel.message.property("kind") == "error"
    assert "不在本次活动的应检范围内" in panel.message.text() and "退出名册" in panel.message.text()
    locked_id, _name, locked_number = person(admin_ctx, "office = 'DF'")
    panel.entry.clear()
    qtbot.keyClicks(panel.entry, locked_number)
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    assert "锁定" in panel.message.text()
    panel.entry.clear()
    qtbot.keyClicks(panel.entry, "qqq")
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    assert "没有找到「qqq」" in panel.message.text()
    assert admin_ctx.db.execute("SELECT count(*) FROM checks").fetchone()[0] == 0


def test_a_clerk_finds_only_women_of_her_office(clerk_ctx: AppContext, kj: Kangjian,
                                                qtbot: QtBot) -> None:
    _tab, panel = open_checkin(qtbot, clerk_ctx)
    _pid, _name, number = person(clerk_ctx, "office = 'DF'")
    qtbot.keyClicks(panel.entry, number)
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    assert "没有找到" in panel.message.text()
    assert [r.community for r in panel.progress.rows] == ["东关社区", "西街社区"]


def test_results_can_be_changed_before_the_next_one(admin_ctx: AppContext, kj: Kangjian,
                                                    qtbot: QtBot) -> None:
    _tab, panel = open_checkin(qtbot, admin_ctx)
    pid, _name, number = person(admin_ctx, "office = 'CG'")
    qtbot.keyClicks(panel.entry, number)
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    model: RecentModel = panel.recent
    ring = model.index(0, 6)
    assert model.flags(ring) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(ring, "displaced")
    disease = model.index(0, 8)
    assert model.setData(disease, "1")
    [record] = checks(admin_ctx, kj.women[pid])
    assert record["ring_result"] == "displaced" and record["disease_found"] == 1
    assert model.data(ring) == "环位下移" and model.data(disease) == "是"
    assert record["rev"] == 3
