"""新建 / 编辑康检活动 from the 康检 tab: one campaigns row per office in scope, written through the
door in one transaction; the door's rules (dates, unique name per office) shown next to the field;
the picker chooses the saved campaign."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from ui_fixtures import CAMPAIGN, Kangjian, Opened, add_kangjian, click, shown, type_text

from desktop.store.kangjian import check_record
from desktop.ui.context import AppContext
from desktop.ui.kangjian.campaign_form import CampaignDialog
from desktop.ui.tabs.kangjian import KangjianTab


@pytest.fixture
def kj(opened: Opened) -> Kangjian:
    return add_kangjian(opened.db)


def campaigns(ctx: AppContext, name: str) -> list[dict[str, Any]]:
    cur = ctx.db.execute(
        "SELECT * FROM campaigns WHERE name = ? AND deleted = 0 ORDER BY office", [name]
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def community_id(ctx: AppContext, name: str) -> str:
    return next(u.id for u in ctx.tree.communities() if u.name == name)


def open_new(qtbot: QtBot, ctx: AppContext) -> tuple[KangjianTab, CampaignDialog]:
    tab = shown(qtbot, KangjianTab(ctx))
    assert isinstance(tab, KangjianTab)
    click(qtbot, tab.new_campaign_button)
    dialog = tab.findChild(CampaignDialog)
    assert dialog is not None and dialog.isVisible()
    return tab, dialog


def fill(qtbot: QtBot, dialog: CampaignDialog, name: str, start: str, end: str) -> None:
    for edit, text in (
        (dialog.name_edit, name),
        (dialog.start_edit, start),
        (dialog.end_edit, end),
    ):
        edit.clear()
        type_text(qtbot, edit, text)


def toggle(qtbot: QtBot, dialog: CampaignDialog, community: str) -> None:
    """Tick or untick a community with the keyboard, as a person does."""
    item = dialog.community_item(community_id(dialog.ctx, community))
    assert item is not None
    dialog.tree.setFocus()
    dialog.tree.setCurrentItem(item)
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Space)


def save(qtbot: QtBot, dialog: CampaignDialog) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_a_district_campaign_has_a_row_per_office(
    admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot, tmp_path: Path
) -> None:
    tab, dialog = open_new(qtbot, admin_ctx)
    fill(qtbot, dialog, "2027年春季康检", "2027-03-01", "2027年3月31日")
    toggle(qtbot, dialog, "西街社区")
    qtbot.mouseClick(dialog.item_boxes["查病"], Qt.MouseButton.LeftButton)
    dialog.grab().save(str(tmp_path / "campaign_form.png"))
    save(qtbot, dialog)
    assert not dialog.isVisible()
    rows = campaigns(admin_ctx, "2027年春季康检")
    assert [r["office"] for r in rows] == ["CG", "DF"]
    cg, df = rows
    assert cg["communities"] is not None
    assert json.loads(cg["communities"]) == [community_id(admin_ctx, "东关社区")]
    assert df["communities"] is None  # every community of the office
    assert all(r["start_date"] == "2027-03-01" and r["end_date"] == "2027-03-31" for r in rows)
    assert all(json.loads(r["items"]) == ["查环", "查孕"] for r in rows)
    assert all(r["rev"] == 1 and r["updated_by"] == "admin" for r in rows)
    choice = tab.current_choice()  # the picker was refreshed and shows the new campaign
    assert choice is not None and choice.name == "2027年春季康检"
    assert sorted(choice.offices()) == ["CG", "DF"]


def test_an_office_user_creates_their_office_only(
    clerk_ctx: AppContext, kj: Kangjian, qtbot: QtBot
) -> None:
    _tab, dialog = open_new(qtbot, clerk_ctx)
    assert [i.text(0) for i in dialog.office_items()] == ["城关街道办事处"]
    fill(qtbot, dialog, "城关补检", "2026-10-08", "2026-10-20")
    save(qtbot, dialog)
    [row] = campaigns(clerk_ctx, "城关补检")
    assert row["office"] == "CG" and row["communities"] is None


def test_end_before_start_is_said_next_to_the_field(
    admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot
) -> None:
    _tab, dialog = open_new(qtbot, admin_ctx)
    fill(qtbot, dialog, "2027年春季康检", "2027-03-31", "2027-03-01")
    save(qtbot, dialog)
    error = dialog.form.errors["end_date"]
    assert error.isVisible() and "早于开始日期 2027-03-31" in error.text()
    assert not dialog.form.errors["name"].isVisible()
    assert dialog.isVisible()
    assert campaigns(admin_ctx, "2027年春季康检") == []


def test_nothing_ticked_or_no_item_is_refused(
    admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot
) -> None:
    _tab, dialog = open_new(qtbot, admin_ctx)
    fill(qtbot, dialog, "空活动", "2026-09-01", "2026-09-30")
    for name in ("东关社区", "西街社区", "新华社区"):
        toggle(qtbot, dialog, name)
    for box in dialog.item_boxes.values():
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    save(qtbot, dialog)
    assert "至少勾选一个社区" in dialog.error_of("communities")
    assert "至少选择一项" in dialog.error_of("items")
    assert campaigns(admin_ctx, "空活动") == []


def test_a_duplicate_name_is_refused_by_the_door_inline(
    admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot
) -> None:
    before = admin_ctx.db.execute("SELECT count(*) FROM campaigns").fetchone()[0]
    _tab, dialog = open_new(qtbot, admin_ctx)
    fill(qtbot, dialog, CAMPAIGN, kj.start.isoformat(), kj.end.isoformat())
    save(qtbot, dialog)
    error = dialog.form.errors["name"]
    # the door's message, naming the office it concerns (the admin writes both offices' rows)
    assert error.isVisible()
    assert error.text().startswith(f"城关街道办事处：本办事处已有活动「{CAMPAIGN}」")
    assert dialog.isVisible()
    # nothing half written: neither office got a row
    assert admin_ctx.db.execute("SELECT count(*) FROM campaigns").fetchone()[0] == before


def test_edit_changes_every_office_and_drops_an_unused_one(
    admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot
) -> None:
    tab = shown(qtbot, KangjianTab(admin_ctx))
    assert isinstance(tab, KangjianTab) and tab.select_campaign(CAMPAIGN)
    click(qtbot, tab.edit_campaign_button)
    dialog = tab.findChild(CampaignDialog)
    assert dialog is not None
    assert dialog.name_edit.text() == CAMPAIGN
    assert dialog.start_edit.text() == kj.start.isoformat()
    new_end = kj.end.replace(day=1) if kj.end.day > 1 else kj.end
    dialog.end_edit.clear()
    qtbot.keyClicks(dialog.end_edit, new_end.isoformat())
    toggle(qtbot, dialog, "新华社区")  # DF's only community: DF leaves the campaign
    save(qtbot, dialog)
    assert not dialog.isVisible(), [dialog.error_of(k) for k in dialog.form.errors]
    [cg] = campaigns(admin_ctx, CAMPAIGN)
    assert cg["office"] == "CG" and cg["end_date"] == new_end.isoformat() and cg["rev"] == 2
    df = admin_ctx.db.execute(
        "SELECT deleted FROM campaigns WHERE id = ?", [kj.campaigns["DF"]]
    ).fetchone()
    assert df == (1,)
    choice = tab.current_choice()
    assert choice is not None and choice.offices() == ["CG"]
    assert choice.end_date == new_end


def test_an_office_with_records_cannot_leave(
    admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot
) -> None:
    woman = admin_ctx.db.execute(
        "SELECT id FROM women WHERE office = 'DF' AND deleted = 0 LIMIT 1"
    ).fetchone()[0]
    admin_ctx.door().insert(
        "checks",
        check_record(
            admin_ctx.db, kj.campaigns["DF"], woman, checked=False, unchecked_reason="migrant"
        ),
    )
    tab = shown(qtbot, KangjianTab(admin_ctx))
    assert isinstance(tab, KangjianTab) and tab.select_campaign(CAMPAIGN)
    dialog = tab.open_campaign(tab.current_choice())
    toggle(qtbot, dialog, "新华社区")
    dialog.end_edit.clear()
    qtbot.keyClicks(dialog.end_edit, kj.end.isoformat())
    save(qtbot, dialog)
    assert "东风街道办事处 已有 1 条本次活动的记录" in dialog.error_of("communities")
    assert len(campaigns(admin_ctx, CAMPAIGN)) == 2  # nothing changed, CG neither
    assert all(r["rev"] == 1 for r in campaigns(admin_ctx, CAMPAIGN))


def test_new_dates_reach_every_office(admin_ctx: AppContext, kj: Kangjian, qtbot: QtBot) -> None:
    """The door wants equal dates for a name after every write: both offices' rows move."""
    tab = shown(qtbot, KangjianTab(admin_ctx))
    assert isinstance(tab, KangjianTab) and tab.select_campaign(CAMPAIGN)
    dialog = tab.open_campaign(tab.current_choice())
    new_start = kj.start.replace(day=1)
    dialog.start_edit.clear()
    qtbot.keyClicks(dialog.start_edit, new_start.isoformat())
    save(qtbot, dialog)
    assert not dialog.isVisible(), [dialog.error_of(k) for k in dialog.form.errors]
    rows = campaigns(admin_ctx, CAMPAIGN)
    assert [r["office"] for r in rows] == ["CG", "DF"]
    assert all(r["start_date"] == new_start.isoformat() for r in rows)
    assert all(r["end_date"] == kj.end.isoformat() and r["communities"] is None for r in rows)
    assert (
        admin_ctx.db.execute("SELECT count(*) FROM campaigns WHERE name LIKE '%改期中'").fetchone()[
            0
        ]
        == 0
    )
    choice = tab.current_choice()
    assert choice is not None and choice.start_date == new_start and len(choice.offices()) == 2


def test_edit_adds_an_office_with_new_dates(opened: Opened, kj: Kangjian, qtbot: QtBot) -> None:
    """One office's campaign that the district widens to another office, dates moved too: the
    new office (城关, first in the tree) is written after the existing row (东风) has moved."""
    admin = opened.ctx("admin")
    _tab, dialog = open_new(qtbot, admin)
    fill(qtbot, dialog, "城关补检", "2026-10-08", "2026-10-20")
    for name in ("东关社区", "西街社区"):
        toggle(qtbot, dialog, name)
    save(qtbot, dialog)
    assert [r["office"] for r in campaigns(admin, "城关补检")] == ["DF"]
    tab = shown(qtbot, KangjianTab(admin))
    assert isinstance(tab, KangjianTab) and tab.select_campaign("城关补检")
    dialog = tab.open_campaign(tab.current_choice())
    assert dialog.community_item(community_id(admin, "东关社区")).checkState(0) == (  # type: ignore[union-attr]
        Qt.CheckState.Unchecked
    )
    for name in ("东关社区", "西街社区"):
        toggle(qtbot, dialog, name)
    fill(qtbot, dialog, "城关补检", "2026-10-09", "2026-10-21")
    save(qtbot, dialog)
    assert not dialog.isVisible(), [dialog.error_of(k) for k in dialog.form.errors]
    cg, df = campaigns(admin, "城关补检")
    assert (cg["office"], cg["rev"], df["office"], df["rev"]) == ("CG", 1, "DF", 2)
    assert cg["start_date"] == df["start_date"] == "2026-10-09"
    assert cg["communities"] is None and df["communities"] is None
