"""汇总: progress per community with 合计 as the store computes it, keyed totals entered with the
identity checked inline, and the difference shown when records and keyed totals disagree."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from ui_fixtures import SYSTEM, Kangjian, Opened, add_kangjian

from desktop.store.door import WriteDoor
from desktop.store.kangjian import campaign_progress, check_record
from desktop.ui.context import AppContext
from desktop.ui.kangjian.progress import DETAILED, RAW_ROLE, ProgressModel
from desktop.ui.kangjian.totals import KeyedTotalsDialog, TotalsPage
from desktop.ui.tabs.kangjian import KangjianTab


@pytest.fixture
def kj(opened: Opened) -> Kangjian:
    kangjian = add_kangjian(opened.db)
    door = WriteDoor(opened.db, SYSTEM)
    women = list(kangjian.women.values())
    day = kangjian.start.isoformat()
    for woman in women[:9]:  # 9 checked, 2 not checked with a reason
        campaign = kangjian.campaigns[opened.db.execute(
            "SELECT office FROM women WHERE id = ?", [woman]).fetchone()[0]]
        door.insert("checks", check_record(opened.db, campaign, woman, checked=True,
                                           check_date=day, place="station"))
    for woman, reason in zip(women[9:11], ("migrant", "refused"), strict=True):
        campaign = kangjian.campaigns[opened.db.execute(
            "SELECT office FROM women WHERE id = ?", [woman]).fetchone()[0]]
        door.insert("checks", check_record(opened.db, campaign, woman, checked=False,
                                           unchecked_reason=reason))
    return kangjian


def open_page(qtbot: QtBot, ctx: AppContext) -> TotalsPage:
    tab = KangjianTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1200, 600)
    tab.show()
    page = tab.totals_page()
    assert page.model.busy and page.busy.isVisibleTo(page)  # read on a worker
    qtbot.waitUntil(lambda: not page.model.busy, timeout=5000)
    assert not page.busy.isVisibleTo(page)
    return page


def cell(model: ProgressModel, row: int, key: str) -> object:
    return model.data(model.index(row, list(model.keys).index(key)), RAW_ROLE)


def test_model_equals_the_store_query(admin_ctx: AppContext, kj: Kangjian) -> None:
    model = ProgressModel(admin_ctx, detailed=True)
    from desktop.ui.kangjian.common import campaign_choices

    [choice] = campaign_choices(admin_ctx)
    model.load(choice)
    expected = campaign_progress(admin_ctx.db, choice.ref, admin_ctx.user.scope)
    assert model.rowCount() == len(expected) + 1 == 4
    for row, item in enumerate(expected):
        assert cell(model, row, "eligible") == item.eligible
        assert cell(model, row, "checked") == item.checked
        assert cell(model, row, "rate") == item.rate
    total = model.rowCount() - 1
    assert model.data(model.index(total, 0)) == "合计"
    assert cell(model, total, "eligible") == 60 and cell(model, total, "checked") == 9
    assert model.data(model.index(total, DETAILED.index("rate"))) == "15.00%"
    assert cell(model, total, "reason_migrant") == 1 and cell(model, total, "reason_refused") == 1
    assert cell(model, total, "no_reason") == 60 - 9 - 2
    assert model.headerData(DETAILED.index("reason_migrant"), Qt.Orientation.Horizontal) == \
        "未检\n外出务工"


def test_keyed_totals_identity_is_checked_inline(admin_ctx: AppContext, kj: Kangjian,
                                                 qtbot: QtBot) -> None:
    page = open_page(qtbot, admin_ctx)
    community = page.model.rows[0].community_id
    dialog = page.open_keyed(community)
    assert isinstance(dialog, KeyedTotalsDialog)
    qtbot.addWidget(dialog)
    dialog.eligible.setValue(25)
    dialog.checked.setValue(20)
    dialog.reasons["migrant"].setValue(3)
    assert "≠" in dialog.identity.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "应等于各未检原因人数之和" in dialog.form.error_text("other")
    assert admin_ctx.db.execute("SELECT count(*) FROM campaign_totals").fetchone()[0] == 0
    dialog.checked.setValue(30)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "多于应检" in dialog.form.error_text("checked")
    dialog.checked.setValue(20)
    dialog.reasons["other"].setValue(2)
    assert "✓" in dialog.identity.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), dialog.general_error.text()
    qtbot.waitUntil(lambda: not page.model.busy, timeout=5000)  # read again on a worker
    row = admin_ctx.db.execute(
        "SELECT eligible, checked, reason_migrant, reason_other, record_date, community_id"
        " FROM campaign_totals").fetchone()
    assert row == (25, 20, 3, 2, kj.end.isoformat(), community)

    # records (20 eligible) and keyed totals (25) disagree: shown, not resolved
    item = page.model.rows[0]
    assert item.keyed is not None and item.difference
    text = page.model.data(page.model.index(0, DETAILED.index("difference")))
    assert text == f"不一致：明细 {item.eligible}/{item.checked}，汇总数 25/20"
    assert cell(page.model, 0, "eligible") == item.eligible == 20  # the records, as they are
    assert cell(page.model, 0, "keyed_eligible") == 25
    assert "1 个社区的明细与汇总数不一致" in page.summary.text()

    # entering it again edits the same record
    again = page.open_keyed(community)
    qtbot.addWidget(again)
    assert again.eligible.value() == 25
    again.eligible.setValue(20)
    again.checked.setValue(15)
    qtbot.mouseClick(again.ok_button, Qt.MouseButton.LeftButton)
    assert admin_ctx.db.execute("SELECT count(*), max(rev) FROM campaign_totals"
                                ).fetchone() == (1, 2)
