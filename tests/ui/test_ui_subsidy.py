"""帮扶发放, driven as a reviewer would: confirm the year's qualifications, propose, check and
approve a payment batch, mark a payment returned and re-pay it, export the public posting — each
step asserted on the database; and a clerk cannot approve, and sees why."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from ui_fixtures import SUBSIDY_ACCOUNT, Opened, Subsidy, add_subsidy, click, shown, subsidy_ctx

from desktop.domain import periods
from desktop.store import subsidy as store
from desktop.ui.paged_model import RAW_ROLE
from desktop.ui.subsidy.batch import BatchPage
from desktop.ui.subsidy.payments import PaymentsPage
from desktop.ui.subsidy.qualifications import QualificationsPage
from desktop.ui.tabs.subsidy import SubsidyTab

TODAY = date(2026, 3, 10)
Q1 = periods.quarter(2026, 1)


@pytest.fixture
def sub(opened: Opened) -> Subsidy:
    return add_subsidy(opened.db)


def wait_job(qtbot: QtBot, page) -> None:
    qtbot.waitUntil(lambda: page.job is not None and page.job.done, timeout=10000)
    qtbot.wait(50)  # the job's end arrives through queued signals


def audit_actions(opened: Opened, action: str) -> list[dict]:
    rows = opened.db.execute(
        "SELECT after FROM audit WHERE action = ? ORDER BY seq", [action]
    ).fetchall()
    return [json.loads(r[0]) if r[0] else {} for r in rows]


def test_reviewer_confirms_pays_returns_repays_and_posts(
    qtbot: QtBot, opened: Opened, sub: Subsidy, tmp_path: Path
):
    ctx = subsidy_ctx(opened, "cg_reviewer")
    reward = sub.programmes["reward"]

    # 1. 确认本年度资格: the 2025 reward qualifications of 城关 become 2026 续发, confirmed
    page = shown(qtbot, QualificationsPage(ctx, today=TODAY))
    page.select(reward, 2026)
    assert "尚未确认" in page.identity_note.text()
    click(qtbot, page.confirm_button)
    prompt = page.prompt
    assert prompt is not None and prompt.text() == "确认 2026 年度奖励扶助资格 3 人？"
    click(qtbot, prompt.button(QMessageBox.StandardButton.Cancel))
    assert opened.db.execute(  # 取消: nothing written
        "SELECT count(*) FROM qualifications WHERE year = 2026 AND programme_id = ?", [reward]
    ).fetchone() == (0,)
    click(qtbot, page.confirm_button)
    click(qtbot, page.prompt.button(QMessageBox.StandardButton.Yes))
    wait_job(qtbot, page)
    rows = opened.db.execute(
        "SELECT person_id, status, confirmed_on, confirmed_by FROM qualifications"
        " WHERE year = 2026 AND programme_id = ? AND deleted = 0",
        [reward],
    ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(sub.persons[k] for k in "abc")  # not DF's f
    assert {r[1:] for r in rows} == {("continued", TODAY.isoformat(), "cg_reviewer")}
    assert "已确认" in page.message.text() and "3" in page.message.text()
    assert page.model.rowCount() == 3
    identity = page.identity_model
    assert identity.raw(0, "last_year") == 3 and identity.raw(0, "this_year") == 3
    assert identity.data(identity.index(0, 5)) == "✓"

    # 2. 发放批次: propose Q1, check the review, approve
    batch_page = shown(qtbot, BatchPage(ctx, today=TODAY))
    batch_page.select(reward, "2026-01-01", "2026-03-31", "2026-03-05")
    click(qtbot, batch_page.propose_button)
    qtbot.waitUntil(lambda: batch_page.batch is not None, timeout=10000)
    batch = batch_page.batch
    assert batch.people == 3 and len(batch.payments) == 3
    assert batch.total_fen == 3 * 24000  # 960 元/人·年 × 3 months
    model = batch_page.proposal_model
    assert model.rowCount() == 4  # three people and 合计
    assert model.raw(3, "amount_fen") == 72000
    names = {model.raw(r, "name") for r in range(3)}
    assert names == {"张桂兰", "王德明", "李秀珍"}
    shown_account = next(
        model.data(model.index(r, 8)) for r in range(3) if model.raw(r, "name") == "张桂兰"
    )
    assert shown_account == "****" + SUBSIDY_ACCOUNT[-4:]
    click(qtbot, batch_page.commit_button)
    wait_job(qtbot, batch_page)
    assert "已入账" in batch_page.message.text()
    batch_row = opened.db.execute(
        "SELECT id, people, total_fen, proposed_by, approved_by FROM payment_batches"
        " WHERE deleted = 0"
    ).fetchone()
    assert batch_row[1:] == (3, 72000, "cg_reviewer", "cg_reviewer")
    assert opened.db.execute(
        "SELECT count(*), sum(amount_fen) FROM payments WHERE batch_id = ?", [batch_row[0]]
    ).fetchone() == (3, 72000)

    # proposing the same period again pays nobody twice: everyone is skipped, naming the batch
    click(qtbot, batch_page.propose_button)
    qtbot.waitUntil(lambda: batch_page.batch is not None, timeout=10000)
    assert not batch_page.batch.payments and len(batch_page.batch.skipped) == 3
    reason = batch_page.skipped_model.raw(0, "reason")
    assert (
        "已发放" in reason
        and opened.db.execute("SELECT batch_no FROM payment_batches").fetchone()[0] in reason
    )
    assert not batch_page.commit_button.isEnabled()

    # 3. 发放记录: 张桂兰's payment comes back; it is re-paid to a new account, on the same row
    payments = shown(qtbot, PaymentsPage(ctx, today=TODAY))
    payments.select(reward, batch_row[0])
    assert payments.model.rowCount() == 3
    payment_id = opened.db.execute(
        "SELECT id FROM payments WHERE batch_id = ? AND person_id = ?",
        [batch_row[0], sub.persons["a"]],
    ).fetchone()[0]
    assert payments.select_record(payment_id)
    assert not payments.repay_button.isEnabled()
    click(qtbot, payments.return_button)
    dialog = payments.dialog
    dialog.reason.setCurrentText("账户已销户")
    click(qtbot, dialog.ok_button)
    status = opened.db.execute(
        "SELECT status, return_reason, returned_on FROM payments WHERE id = ?", [payment_id]
    ).fetchone()
    assert status == ("returned", "账户已销户", TODAY.isoformat())
    row = payments.model.row_of(payment_id)
    col = payments.model.column_index("payment_status")
    assert payments.model.data(payments.model.index(row, col)) == "失败退回"  # in place
    totals = {t.code: t for t in store.period_totals(opened.db, Q1, ctx.user.scope)}
    assert (totals["reward"].people, totals["reward"].cash_fen) == (2, 48000)  # not counted
    payments.select_record(payment_id)
    click(qtbot, payments.repay_button)
    repay = payments.dialog
    repay.account_type.setCurrentIndex(repay.account_type.findData("passbook"))
    qtbot.keyClicks(repay.account_edit, "622200001111")
    click(qtbot, repay.ok_button)
    assert opened.db.execute(
        "SELECT status, repaid_on, account_type, account_no FROM payments WHERE id = ?",
        [payment_id],
    ).fetchone() == ("repaid", TODAY.isoformat(), "passbook", "622200001111")
    assert (
        opened.db.execute(
            "SELECT count(*) FROM payments WHERE batch_id = ?", [batch_row[0]]
        ).fetchone()[0]
        == 3
    )  # no second row
    totals = {t.code: t for t in store.period_totals(opened.db, Q1, ctx.user.scope)}
    assert (totals["reward"].people, totals["reward"].cash_fen) == (3, 72000)  # counted once
    assert (
        payments.model.data(payments.model.index(payments.model.row_of(payment_id), col))
        == "已补发"
    )

    # 4. 导出公示 of the batch: masked names, no ID, account or address; audited
    batch_page.batches.refresh()
    batch_page.batches_view.selectRow(0)
    click(qtbot, batch_page.posting_button)
    export = batch_page.dialog
    export.path_edit.setText(str(tmp_path / "公示.xlsx"))
    click(qtbot, export.ok_button)
    qtbot.waitUntil(lambda: export.written is not None, timeout=10000)
    assert export.written.exists() and not export.isVisible()
    cells = [
        str(c.value)
        for ws in openpyxl.load_workbook(export.written)
        for r in ws.iter_rows()
        for c in r
        if c.value is not None
    ]
    text = "\n".join(cells)
    assert "张*兰" in cells and "王*明" in cells
    for secret in ("张桂兰", sub.numbers["a"], SUBSIDY_ACCOUNT, "622200001111", "幸福路"):
        assert secret not in text
    assert audit_actions(opened, "export")[-1]["what"] == "subsidy_posting"


def test_a_clerk_may_propose_but_not_approve_or_confirm(qtbot: QtBot, opened: Opened, sub: Subsidy):
    ctx = subsidy_ctx(opened, "cg_clerk")
    reward = sub.programmes["reward"]
    page = shown(qtbot, QualificationsPage(ctx, today=TODAY))
    page.select(reward, 2026)
    assert not page.confirm_button.isEnabled()
    assert "审核员" in page.confirm_button.toolTip()
    batch_page = shown(qtbot, BatchPage(ctx, today=TODAY))
    batch_page.select(reward, "2025-10-01", "2025-12-31", "2025-12-25")
    click(qtbot, batch_page.propose_button)
    qtbot.waitUntil(lambda: batch_page.batch is not None, timeout=10000)
    assert batch_page.batch.payments  # b and c for 2025Q4 (a was paid already)
    assert {s.name for s in batch_page.batch.skipped} == {"张桂兰"}
    assert not batch_page.commit_button.isEnabled()
    assert "审核员" in batch_page.approval_note.text()
    assert batch_page.approval_note.isVisible()
    batch_page.commit()  # even when called directly, nothing is written
    assert opened.db.execute("SELECT count(*) FROM payment_batches").fetchone()[0] == 0


def test_the_tab_builds_its_pages_and_shows_the_period_totals(
    qtbot: QtBot, opened: Opened, sub: Subsidy
):
    ctx = subsidy_ctx(opened, "admin")
    tab = shown(qtbot, SubsidyTab(ctx))
    qtbot.waitUntil(tab.is_ready, timeout=5000)
    assert tab.households.model.rowCount() == 4
    tab.households.poor_only.setChecked(True)
    assert tab.households.model.rowCount() == 3
    names = tab.households.model.column_index("name")

    def found(text: str) -> list[str]:
        tab.households.search.setText(text)
        tab.households.apply_filter()  # as Enter does, without waiting for the debounce
        model = tab.households.model
        return [model.data(model.index(r, names)) for r in range(model.rowCount())]

    assert found("zgl") == ["张桂兰"]  # pinyin initials
    assert found(sub.numbers["b"][-4:]) == ["王德明"]  # the ID number's tail
    assert found("陈") == ["陈玉兰"]  # the start of a name
    found("")
    assert isinstance(tab.qualifications_page(), QualificationsPage)
    assert isinstance(tab.batch_page(), BatchPage)
    assert isinstance(tab.payments_page(), PaymentsPage)
    assert tab.standards_page().model.rowCount() == 13
    assert "2026年第一季度" in tab.totals.figure.text()
    ctx.set_period(periods.quarter(2025, 4))
    assert "奖励扶助 1 人 240.00 元" in tab.totals.figure.text()
    tab.totals.offices_button.click()
    model = tab.totals.office_model
    assert model.raw(0, "office") == "城关街道办事处" and model.raw(0, "total_fen") == 24000


def test_reveal_of_an_account_is_audited_and_refused_to_a_clerk(
    qtbot: QtBot, opened: Opened, sub: Subsidy
):
    admin = shown(qtbot, PaymentsPage(subsidy_ctx(opened, "admin"), today=TODAY))
    cell = admin.model.index(0, admin.model.column_index("account_no"))
    assert admin.model.data(cell) == "****" + SUBSIDY_ACCOUNT[-4:]
    assert admin.model.is_masked(cell) and admin.model.reveal(cell)
    assert admin.model.data(cell, RAW_ROLE) == SUBSIDY_ACCOUNT
    assert audit_actions(opened, "reveal")[-1] == {"field": "account_no"}
    clerk = shown(qtbot, PaymentsPage(subsidy_ctx(opened, "cg_clerk"), today=TODAY))
    cell = clerk.model.index(0, clerk.model.column_index("account_no"))
    rect = clerk.view.visualRect(clerk.model.index(0, 0))
    menu = clerk.context_menu(rect.center())
    actions = {a.text(): a.isEnabled() for a in menu.actions() if a.text()}
    assert actions["失败退回…"] and not actions["补发…"]
    assert actions["显示完整账号（记入审计日志）"] is False
    assert not clerk.model.reveal(cell)
    assert clerk.model.data(cell) == "****" + SUBSIDY_ACCOUNT[-4:]
    assert audit_actions(opened, "reveal_refused")


def test_import_button_presets_the_kind_of_the_page(qtbot: QtBot, opened: Opened, sub: Subsidy):
    tab = shown(qtbot, SubsidyTab(subsidy_ctx(opened, "admin")))
    assert [tab.pages.tabText(i) for i in range(tab.pages.count())] == [
        "户籍与家庭",
        "资格",
        "发放批次",
        "发放记录",
        "帮扶标准",
    ]
    dialog = tab.open_import()
    qtbot.addWidget(dialog)
    assert dialog.kind_key() == "households"
    assert [dialog.kind_combo.itemData(i) for i in range(dialog.kind_combo.count())] == [
        "households",
        "disbursements",
    ]
    dialog.reject()
    tab.batch_page()
    other = tab.open_import()
    qtbot.addWidget(other)
    assert other.kind_key() == "disbursements"
    other.reject()


def test_condolence_batch_pays_poor_households_cash_and_goods(
    qtbot: QtBot, opened: Opened, sub: Subsidy
):
    ctx = subsidy_ctx(opened, "cg_reviewer")
    page = shown(qtbot, BatchPage(ctx, today=TODAY))
    page.select(sub.programmes["condolence"], "2026-01-01", "2026-03-31", "2026-01-20")
    assert page.goods_edit.isVisible()  # goods only for a household programme
    qtbot.keyClicks(page.goods_edit, "abc")
    click(qtbot, page.propose_button)
    assert "慰问品价值" in page.input_error.text() and page.batch is None
    page.goods_edit.clear()
    qtbot.keyClicks(page.goods_edit, "200")
    page.goods_desc.insert("米、油各一份")
    click(qtbot, page.propose_button)
    qtbot.waitUntil(lambda: page.batch is not None, timeout=10000)
    assert "2 户" in page.summary.text() and "1,400.00" in page.summary.text()
    click(qtbot, page.commit_button)
    qtbot.waitUntil(lambda: "已入账" in page.message.text(), timeout=10000)
    rows = opened.db.execute(
        "SELECT household_id, amount_fen, goods_fen, goods_desc FROM payments"
        " WHERE programme_id = ? ORDER BY household_id",
        [sub.programmes["condolence"]],
    ).fetchall()
    assert sorted(rows) == sorted(
        (sub.households[k], 50000, 20000, "米、油各一份") for k in "ab"
    )  # the poor households of 城关, not 赵淑珍's (not poor) nor 东风's
    totals = {t.code: t for t in store.period_totals(opened.db, Q1, ctx.user.scope)}
    assert (totals["condolence"].households, totals["condolence"].total_fen) == (2, 140000)
    page.select(sub.programmes["reward"], "2026-01-01", "2026-03-31")
    assert not page.goods_edit.isVisible()


def test_the_bank_roster_has_the_full_account_and_is_audited(
    qtbot: QtBot, opened: Opened, sub: Subsidy, tmp_path: Path
):
    ctx = subsidy_ctx(opened, "cg_reviewer")
    page = shown(qtbot, BatchPage(ctx, today=TODAY))
    page.select(sub.programmes["reward"], "2026-01-01", "2026-03-31", "2026-03-05")
    ctx.door().insert(  # 张桂兰 confirmed for 2026, so that the batch has her account
        "qualifications",
        store.qualification_values(
            opened.db,
            sub.persons["a"],
            sub.programmes["reward"],
            2026,
            "continued",
            start_on="2026-01-01",
            status_on="2026-02-01",
            confirmed_on="2026-02-01",
            confirmed_by="cg_reviewer",
        ),
    )
    click(qtbot, page.propose_button)
    qtbot.waitUntil(lambda: page.batch is not None, timeout=10000)
    click(qtbot, page.commit_button)
    qtbot.waitUntil(lambda: "已入账" in page.message.text(), timeout=10000)
    assert page.roster_button.isEnabled()  # the new batch is chosen in the list below
    job = page.export_roster(target=str(tmp_path / "花名册"))
    qtbot.waitUntil(lambda: job.done, timeout=10000)
    qtbot.waitUntil(lambda: "已导出花名册" in page.message.text(), timeout=5000)
    sheet = openpyxl.load_workbook(tmp_path / "花名册.xlsx").active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    head = rows[3]
    line = dict(zip(head, rows[4], strict=False))
    assert line["姓名"] == "张桂兰" and line["账号"] == SUBSIDY_ACCOUNT
    assert line["身份证号"] == sub.numbers["a"][:6] + "********" + sub.numbers["a"][-4:]
    assert "领款人签名" in head
    assert audit_actions(opened, "export")[-1]["what"] == "subsidy_roster"
