"""The forms of the 帮扶发放 tab, typed into as a clerk would: a qualification whose eligibility
warning is shown but does not block and whose refusal blocks (nothing written); 退出 / 暂停 /
公示日期; a household with a member; the qualification posting as PDF (masked names only); and a
cancelled approval that writes nothing."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from ui_fixtures import (
    SUBSIDY_ACCOUNT,
    Opened,
    Subsidy,
    add_subsidy,
    click,
    shown,
    subsidy_ctx,
    type_text,
)

from desktop.domain.ids import make_id
from desktop.ui.subsidy.batch import BatchPage
from desktop.ui.subsidy.households import HouseholdsPage
from desktop.ui.subsidy.qualifications import QualificationsPage

TODAY = date(2026, 3, 10)


@pytest.fixture
def sub(opened: Opened) -> Subsidy:
    return add_subsidy(opened.db)


def count(opened: Opened, sql: str, params=()) -> int:
    return opened.db.execute(sql, list(params)).fetchone()[0]


def test_new_qualification_warns_refuses_and_saves(qtbot: QtBot, opened: Opened, sub: Subsidy):
    ctx = subsidy_ctx(opened, "cg_clerk")
    page = shown(qtbot, QualificationsPage(ctx, today=TODAY))
    page.select(sub.programmes["special"], 2026)
    click(qtbot, page.add_button)
    dialog = page.dialog
    # 刘建国 is a man whose spouse is unknown: 特别扶助 without a category is refused …
    qtbot.keyClicks(dialog.id_edit, sub.numbers["e"])
    assert "刘建国" in dialog.who.text()
    assert "不符合条件" in dialog.warning_label.text() and dialog.refusals
    before = count(opened, "SELECT count(*) FROM qualifications")
    click(qtbot, dialog.ok_button)
    assert count(opened, "SELECT count(*) FROM qualifications") == before
    assert dialog.isVisible()
    # … with 伤残 only the mother's unknown age is a warning, shown, and the record is saved
    dialog.category.setCurrentIndex(dialog.category.findData("disabled"))
    assert not dialog.refusals and dialog.warnings
    assert "提示" in dialog.warning_label.text() and "49" in dialog.warning_label.text()
    click(qtbot, dialog.ok_button)
    row = opened.db.execute(
        "SELECT status, category, year, start_on FROM qualifications WHERE person_id = ?"
        " AND programme_id = ?",
        [sub.persons["e"], sub.programmes["special"]],
    ).fetchone()
    assert row == ("new", "disabled", 2026, TODAY.isoformat())
    assert not dialog.isVisible()
    assert page.model.rowCount() == 1


def test_an_unknown_id_number_is_said_next_to_the_field(qtbot: QtBot, opened: Opened, sub: Subsidy):
    page = shown(qtbot, QualificationsPage(subsidy_ctx(opened, "cg_clerk"), today=TODAY))
    dialog = page.open_add()
    qtbot.keyClicks(dialog.id_edit, make_id("419901", date(1950, 1, 1), 201))
    click(qtbot, dialog.ok_button)
    assert "人员名册中没有" in dialog.form.error_text("id_number")


def test_exit_suspend_and_posting_dates(qtbot: QtBot, opened: Opened, sub: Subsidy):
    ctx = subsidy_ctx(opened, "cg_clerk")
    page = shown(qtbot, QualificationsPage(ctx, today=TODAY))
    page.select(sub.programmes["reward"], 2025)
    assert page.model.rowCount() == 3  # a, b, c of 城关 (f is 东风's)
    ids = {page.model.value(r, "person_id"): page.model.record_id(r) for r in range(3)}
    page.select_record(ids[sub.persons["b"]])
    click(qtbot, page.exit_button)
    dialog = page.dialog
    dialog.reason.setCurrentIndex(dialog.reason.findData("died"))
    dialog.day_edit.setText("2025-11-30")
    click(qtbot, dialog.ok_button)
    assert opened.db.execute(
        "SELECT status, exit_reason, end_on FROM qualifications WHERE id = ?",
        [ids[sub.persons["b"]]],
    ).fetchone() == ("exited", "died", "2025-11-30")
    page.select_record(ids[sub.persons["c"]])
    click(qtbot, page.suspend_button)
    assert page.dialog.reason.findData("died") == -1  # only suspension reasons are offered
    page.dialog.reason.setCurrentIndex(page.dialog.reason.findData("other"))
    click(qtbot, page.dialog.ok_button)  # 其他 needs a 说明
    assert "说明" in page.dialog.form.error_text("detail")
    page.dialog.reason.setCurrentText("外出联系不上")
    page.dialog.detail_edit.setText("电话停机")
    click(qtbot, page.dialog.ok_button)
    assert opened.db.execute(
        "SELECT status, exit_reason, note FROM qualifications WHERE id = ?",
        [ids[sub.persons["c"]]],
    ).fetchone() == ("suspended", "unreachable", "电话停机")
    row = next(
        r for r in range(page.model.rowCount()) if page.model.record_id(r) == ids[sub.persons["c"]]
    )
    column = page.model.column_index("exit_reason")
    assert page.model.index(row, column).data() == "外出联系不上"  # shown in the table
    page.view.selectAll()
    click(qtbot, page.posting_button)
    dates = page.dialog
    dates.from_edit.setText("2026-03-01")
    dates.to_edit.setText("2026-02-01")
    click(qtbot, dates.ok_button)
    assert "不能早于" in dates.form.error_text("posted_to")
    dates.to_edit.setText("2026-03-07")
    click(qtbot, dates.ok_button)
    assert (
        count(
            opened,
            "SELECT count(*) FROM qualifications WHERE posted_from = '2026-03-01'"
            " AND posted_to = '2026-03-07'",
        )
        == 3
    )


def test_household_with_a_member_is_written_in_one_go(qtbot: QtBot, opened: Opened, sub: Subsidy):
    ctx = subsidy_ctx(opened, "cg_clerk")
    page = shown(qtbot, HouseholdsPage(ctx, today=TODAY))
    assert page.model.rowCount() == 3  # 城关's households only
    click(qtbot, page.add_button)
    dialog = page.dialog
    qtbot.keyClicks(dialog.head_edit, sub.numbers["e"])
    assert "刘建国" in dialog.head_info.text()
    type_text(qtbot, dialog.address_edit, "西街12号")
    dialog.poor.setChecked(True)
    click(qtbot, dialog.ok_button)
    assert "认定日期" in dialog.form.error_text("poor_since")  # 认定日期 is needed
    qtbot.keyClicks(dialog.poor_since, "2026-01-15")
    # a member already in another household is refused at 保存, nothing is written
    qtbot.keyClicks(dialog.member_id_edit, sub.numbers["c"])
    click(qtbot, dialog.add_member_button)
    assert dialog.member_model.rowCount() == 1
    before = count(opened, "SELECT count(*) FROM households")
    click(qtbot, dialog.ok_button)
    assert "另一户" in dialog.general_error.text() + "".join(
        dialog.form.error_text(k) for k in dialog.form.errors
    )
    assert count(opened, "SELECT count(*) FROM households") == before
    dialog.member_view.selectRow(0)
    click(qtbot, dialog.remove_member_button)
    click(qtbot, dialog.ok_button)
    household = opened.db.execute(
        "SELECT id, address, poor, poor_since, hukou FROM households WHERE head_person_id = ?",
        [sub.persons["e"]],
    ).fetchone()
    assert household[1:] == ("西街12号", 1, "2026-01-15", "urban")
    assert (
        count(
            opened,
            "SELECT count(*) FROM household_members WHERE household_id = ? AND relation = 'head'",
            [household[0]],
        )
        == 1
    )
    assert page.model.rowCount() == 4


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils 未安装")
def test_qualification_posting_pdf_has_masked_names_only(
    qtbot: QtBot, opened: Opened, sub: Subsidy, tmp_path: Path
):
    page = shown(qtbot, QualificationsPage(subsidy_ctx(opened, "cg_reviewer"), today=TODAY))
    page.select(sub.programmes["reward"], 2025)
    click(qtbot, page.export_button)
    dialog = page.dialog
    dialog.format.setCurrentIndex(dialog.format.findData("pdf"))
    dialog.path_edit.setText(str(tmp_path / "公示.pdf"))
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=20000)
    text = subprocess.run(
        ["pdftotext", "-layout", str(dialog.written), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.replace(" ", "")
    assert "2025年度奖励扶助对象公示" in text
    assert "张*兰" in text and "王*明" in text and "李*珍" in text and "陈*兰" not in text
    for secret in ("张桂兰", sub.numbers["a"], SUBSIDY_ACCOUNT, "幸福路", "139"):
        assert secret not in text
    assert "960.00元/人·年" in text


def test_cancelled_approval_writes_nothing(qtbot: QtBot, opened: Opened, sub: Subsidy):
    page = shown(qtbot, BatchPage(subsidy_ctx(opened, "cg_reviewer"), today=TODAY))
    page.select(sub.programmes["reward"], "2025-10-01", "2025-12-31", "2025-12-25")
    click(qtbot, page.propose_button)
    qtbot.waitUntil(lambda: page.batch is not None, timeout=10000)
    job = page.commit()
    job.cancel()  # 取消 pressed before the work got far
    qtbot.waitUntil(lambda: job.done, timeout=10000)
    qtbot.waitUntil(lambda: "已取消" in page.message.text(), timeout=5000)
    assert count(opened, "SELECT count(*) FROM payment_batches") == 0
    assert count(opened, "SELECT count(*) FROM payments") == 1  # the fixture's own
    assert page.commit_button.isEnabled()  # the proposal is still there to approve


def test_editing_a_household_moves_a_member_out(qtbot: QtBot, opened: Opened, sub: Subsidy):
    page = shown(qtbot, HouseholdsPage(subsidy_ctx(opened, "cg_clerk"), today=TODAY))
    page.select_record(sub.households["a"])
    click(qtbot, page.edit_button)
    dialog = page.dialog
    assert [dialog.member_model.raw(r, "name") for r in range(2)] == ["张桂兰", "李秀珍"]
    dialog.member_view.selectRow(0)
    click(qtbot, dialog.remove_member_button)
    assert "户主不能移出" in dialog.member_error.text()
    dialog.member_view.selectRow(1)
    click(qtbot, dialog.remove_member_button)
    dialog.address_edit.setText("幸福路1号")
    click(qtbot, dialog.ok_button)
    assert opened.db.execute(
        "SELECT address FROM households WHERE id = ?", [sub.households["a"]]
    ).fetchone() == ("幸福路1号",)
    assert opened.db.execute(
        "SELECT left_on FROM household_members WHERE person_id = ?", [sub.persons["c"]]
    ).fetchone() == (TODAY.isoformat(),)


def test_a_payment_written_meanwhile_refuses_the_whole_batch(
    qtbot: QtBot, opened: Opened, sub: Subsidy
):
    from ui_fixtures import SYSTEM

    from desktop.store.door import WriteDoor

    page = shown(qtbot, BatchPage(subsidy_ctx(opened, "cg_reviewer"), today=TODAY))
    page.select(sub.programmes["reward"], "2025-10-01", "2025-12-31", "2025-12-25")
    click(qtbot, page.propose_button)
    qtbot.waitUntil(lambda: page.batch is not None, timeout=10000)
    assert page.batch.people == 2  # 王德明 and 李秀珍
    WriteDoor(opened.db, SYSTEM).insert(
        "payments",
        {  # another clerk pays 王德明 meanwhile
            "community_id": opened.db.execute(
                "SELECT community_id FROM persons WHERE id = ?", [sub.persons["b"]]
            ).fetchone()[0],
            "person_id": sub.persons["b"],
            "household_id": sub.households["b"],
            "programme_id": sub.programmes["reward"],
            "covered_start": "2025-12-01",
            "covered_end": "2025-12-31",
            "amount_fen": 8000,
            "goods_fen": 0,
            "pay_date": "2025-12-22",
            "status": "paid",
        },
    )
    click(qtbot, page.commit_button)
    qtbot.waitUntil(lambda: "未写入任何记录" in page.message.text(), timeout=10000)
    assert "王德明" in page.message.text() and "2025-12-22" in page.message.text()
    assert count(opened, "SELECT count(*) FROM payment_batches") == 0
    assert count(opened, "SELECT count(*) FROM payments") == 2


def test_an_empty_posting_is_not_exported(
    qtbot: QtBot, opened: Opened, sub: Subsidy, tmp_path: Path
):
    page = shown(qtbot, QualificationsPage(subsidy_ctx(opened, "cg_reviewer"), today=TODAY))
    page.select(sub.programmes["reward"], 2026)  # no 新增 in 2026
    click(qtbot, page.export_button)
    page.dialog.path_edit.setText(str(tmp_path / "p.xlsx"))
    click(qtbot, page.dialog.ok_button)
    qtbot.waitUntil(lambda: "没有需要公示" in page.dialog.general_error.text(), timeout=10000)
    assert not (tmp_path / "p.xlsx").exists()


def test_the_administrator_ends_a_standard_and_adds_its_successor(
    qtbot: QtBot, opened: Opened, sub: Subsidy
):
    from desktop.ui.subsidy.standards import StandardsPage

    clerk = shown(qtbot, StandardsPage(subsidy_ctx(opened, "cg_reviewer"), today=TODAY))
    assert clerk.model.rowCount() == 13  # the seeded national and county standards
    assert not clerk.add_button.isEnabled() and "区管理员" in clerk.add_button.toolTip()
    page = shown(qtbot, StandardsPage(subsidy_ctx(opened, "admin"), today=TODAY))
    page.programme.setCurrentIndex(page.programme.findData(sub.programmes["reward"]))
    current = next(
        r for r in range(page.model.rowCount()) if page.model.raw(r, "state") == "执行中"
    )
    assert page.model.raw(current, "amount_fen") == 96000
    # a successor overlapping the standard in force is refused, next to its first day
    click(qtbot, page.add_button)
    dialog = page.dialog
    qtbot.keyClicks(dialog.amount_edit, "1080")
    qtbot.keyClicks(dialog.from_edit, "2027-01-01")
    click(qtbot, dialog.ok_button)
    assert "重叠" in dialog.form.error_text("effective_from")
    dialog.reject()
    page.view.selectRow(current)
    click(qtbot, page.end_button)
    qtbot.keyClicks(page.dialog.day_edit, "2026-12-31")
    click(qtbot, page.dialog.ok_button)
    click(qtbot, page.add_button)
    dialog = page.dialog
    qtbot.keyClicks(dialog.amount_edit, "1080")
    qtbot.keyClicks(dialog.from_edit, "2027-01-01")
    click(qtbot, dialog.ok_button)
    rows = opened.db.execute(
        "SELECT amount_fen, effective_from, effective_to FROM subsidy_standards"
        " WHERE programme_id = ? AND deleted = 0 ORDER BY effective_from",
        [sub.programmes["reward"]],
    ).fetchall()
    assert rows[-2:] == [(96000, "2024-01-01", "2026-12-31"), (108000, "2027-01-01", None)]
    assert page.model.raw(page.model.rowCount() - 1, "state") == "未开始"
    actions = [
        r[0]
        for r in opened.db.execute(
            "SELECT action FROM audit WHERE table_name = 'subsidy_standards' ORDER BY seq"
        )
    ]
    assert actions[-2:] == ["standard_update", "standard_add"]
