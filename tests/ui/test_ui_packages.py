"""The package screens: export at an office, import at the district with the receipt, a refused
package, the conflicts side by side, the approval screen and the entry deadline."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from ui_fixtures import PASSWORD, Opened

from desktop.store.db import open_database
from desktop.store.door import WriteDoor
from desktop.store.locks import status_of
from desktop.store.package_deadline import deadline_days
from desktop.store.package_slice import slice_office
from desktop.store.users import SYSTEM, authenticate, create_user
from desktop.ui.context import AppContext
from desktop.ui.main_window import MainWindow
from desktop.ui.packages import (
    ApprovalDialog,
    ConflictsDialog,
    ExportPackageDialog,
    ImportPackageDialog,
)

SHOTS = os.environ.get("MINSHENG_SHOTS")  # a folder: save screenshots of the screens there


def shot(widget: object, name: str) -> None:
    if SHOTS:
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))  # type: ignore[attr-defined]


class Office:
    """城关街道 (CG)'s own database, cut from the fixture district."""

    def __init__(self, opened: Opened, tmp_path: Path):
        if opened.db.execute("SELECT 1 FROM users WHERE name = 'cg_reviewer'").fetchone() is None:
            cg = opened.db.execute("SELECT id FROM org_units WHERE code = 'CG'").fetchone()[0]
            create_user(opened.db, SYSTEM, "cg_reviewer", PASSWORD, "reviewer", cg)
        self.path = tmp_path / "cg.db"
        self.db = slice_office(opened.db, self.path, "CG", SYSTEM)

    def ctx(self, name: str = "cg_reviewer") -> AppContext:
        return AppContext.create(self.db, self.path, authenticate(self.db, name, PASSWORD))

    def edit_first_person(self, phone: str) -> str:
        record = self.db.execute("SELECT id FROM persons WHERE office = 'CG' ORDER BY id")
        record_id = record.fetchone()[0]
        user = authenticate(self.db, "cg_clerk", PASSWORD)
        WriteDoor(self.db, user).update("persons", record_id, {"phone": phone})
        return str(record_id)


@pytest.fixture
def office(opened: Opened, tmp_path: Path) -> Office:
    made = Office(opened, tmp_path)
    yield made
    made.db.conn.close()


def export_from(qtbot: object, ctx: AppContext, target: Path) -> ExportPackageDialog:
    dialog = ExportPackageDialog(ctx)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.path_edit.setText(str(target))
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=15000)  # type: ignore[attr-defined]
    return dialog


def import_into(qtbot: object, ctx: AppContext, package: Path) -> ImportPackageDialog:
    dialog = ImportPackageDialog(ctx)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.path_edit.setText(str(package))
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: dialog.result is not None or dialog.form.has_errors(), timeout=15000
    )
    return dialog


def test_export_at_the_office_and_import_at_the_district(
    qtbot: object, opened: Opened, office: Office, tmp_path: Path
) -> None:
    person = office.edit_first_person("13800000001")
    package = tmp_path / "cg.zip"
    exported = export_from(qtbot, office.ctx(), package)
    shot(exported, "package_export")
    assert package.exists()
    assert "人员：1 条" in exported.result_text.toPlainText()

    admin = opened.ctx("admin")
    dialog = import_into(qtbot, admin, package)
    shot(dialog, "package_import")
    assert "更新 1" in dialog.result_text.toPlainText()
    phone = opened.db.execute("SELECT phone FROM persons WHERE id = ?", [person]).fetchone()[0]
    assert phone == "13800000001"
    saved = dialog.save_receipt(tmp_path / "receipt.json")
    assert saved is not None
    assert json.loads(saved.read_text(encoding="utf-8"))["tables"]["persons"]["updated"] == 1


def test_an_empty_path_is_an_inline_error(qtbot: object, opened: Opened) -> None:
    dialog = ImportPackageDialog(opened.ctx("admin"))
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert dialog.form.error_text("path") == "请选择要导入的报送包"


def test_an_altered_package_is_refused_in_the_dialog(
    qtbot: object, opened: Opened, office: Office, tmp_path: Path
) -> None:
    person = office.edit_first_person("13800000001")
    package = tmp_path / "cg.zip"
    export_from(qtbot, office.ctx(), package)
    raw = bytearray(package.read_bytes())
    raw[60] ^= 0x01
    package.write_bytes(bytes(raw))
    dialog = import_into(qtbot, opened.ctx("admin"), package)
    shot(dialog, "package_refused")
    assert "已拒收" in dialog.form.error_text("path")
    phone = opened.db.execute("SELECT phone FROM persons WHERE id = ?", [person]).fetchone()[0]
    assert phone != "13800000001"
    assert opened.db.execute("SELECT count(*) FROM package_log").fetchone()[0] == 0


def conflict_at_district(
    qtbot: object, opened: Opened, office: Office, tmp_path: Path
) -> tuple[str, AppContext]:
    """A person's phone changed at CG and at the district, CG's package imported there."""
    person = office.edit_first_person("13800000001")
    admin = opened.ctx("admin")
    admin.door().update("persons", person, {"phone": "13900000002"})
    package = tmp_path / "cg.zip"
    export_from(qtbot, office.ctx(), package)
    import_into(qtbot, admin, package)
    return person, admin


def test_a_conflict_side_by_side_then_the_package_version_is_taken(
    qtbot: object, opened: Opened, office: Office, tmp_path: Path
) -> None:
    person, admin = conflict_at_district(qtbot, opened, office, tmp_path)
    dialog = ConflictsDialog(admin)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.show()
    shot(dialog, "package_conflicts")
    model = dialog.diff_model
    assert model.rows[0] == "phone"
    assert model.data(model.index(0, 0)) == "联系电话"  # named as the clerk knows it
    listed = dialog.list_model
    assert listed.data(listed.index(0, 3)) == "联系电话"
    shown = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    assert "社区" in shown and "community_id" not in shown and "created_on" not in shown
    community = model.rows.index("community_id")
    assert model.data(model.index(community, 1)) in {u.name for u in opened.tree().communities()}
    assert model.data(model.index(0, 1)) == "13900000002"
    assert model.data(model.index(0, 2)) == "13800000001"
    assert "cg_clerk" in dialog.who.text()
    qtbot.mouseClick(dialog.theirs_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    row = opened.db.execute("SELECT phone, rev FROM persons WHERE id = ?", [person]).fetchone()
    assert row == ("13800000001", 3)
    assert dialog.list_model.rowCount() == 0


def test_cross_office_issues_read_as_labelled_masked_text(opened: Opened) -> None:
    from desktop.store.package_review import Issue
    from desktop.ui.packages.conflicts import IssueModel

    tree = opened.tree()
    community = next(iter(tree.communities()))
    record = {
        "id": "0193aaaa-0000-7000-8000-000000000001",
        "office": tree.office_of(community.id),
        "rev": 2,
        "community_id": community.id,
        "person_id": "0193bbbb-0000-7000-8000-000000000002",
        "covered_start": "2026-01-01",
        "amount_fen": 48000,
        "status": "paid",
        "account_no": "6217000011112222",
        "note": None,
    }
    model = IssueModel()
    model.tree = tree
    model.set_rows([Issue("double_payment", "同一人同期重复发放", "payments", record, None)])
    text = model.data(model.index(0, 1))
    office = tree.office_by_code(record["office"])
    assert office is not None
    assert text.startswith(f"办事处：{office.name}；社区：{tree.label(community.id)}")
    assert "发放期间起：2026-01-01" in text and "金额：480.00 元" in text
    assert "发放状态：已发" in text and "账号：" in text
    assert "6217000011112222" not in text and "2222" in text  # the account masked
    assert (
        "rev" not in text and "版本" not in text and "备注" not in text
    )  # sync and empty left out


def test_an_edited_value_is_kept(
    qtbot: object, opened: Opened, office: Office, tmp_path: Path
) -> None:
    person, admin = conflict_at_district(qtbot, opened, office, tmp_path)
    dialog = ConflictsDialog(admin)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    model = dialog.diff_model
    keep = model.index(0, model.KEEP)
    assert model.flags(keep) & Qt.ItemFlag.ItemIsEditable
    model.setData(keep, "13700000003")
    qtbot.mouseClick(dialog.edited_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    phone = opened.db.execute("SELECT phone FROM persons WHERE id = ?", [person]).fetchone()[0]
    assert phone == "13700000003"


def test_submit_at_the_office_return_with_comments_at_the_district(
    qtbot: object, opened: Opened, office: Office, tmp_path: Path
) -> None:
    ctx = office.ctx()
    period = ctx.period
    dialog = ApprovalDialog(ctx)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert dialog.submit_button.isVisibleTo(dialog) and not dialog.approve_button.isVisibleTo(
        dialog
    )
    dialog.programme_combo.setCurrentIndex(dialog.programme_combo.findData("kangjian"))
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert status_of(office.db, "CG", "kangjian", period) == "submitted"
    shot(dialog, "package_approval_office")
    package = tmp_path / "cg.zip"
    export_from(qtbot, ctx, package)

    admin = opened.ctx("admin")
    admin.set_period(period)
    import_into(qtbot, admin, package)
    screen = ApprovalDialog(admin)
    qtbot.addWidget(screen)  # type: ignore[attr-defined]
    screen.view.selectRow(0)
    qtbot.mouseClick(screen.return_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert "必须写明意见" in screen.error.text()
    assert status_of(opened.db, "CG", "kangjian", period) == "submitted"
    qtbot.keyClicks(screen.comment_edit, "Q1 data")  # type: ignore[attr-defined]
    screen.comment_edit.insertPlainText("：请核对")
    qtbot.mouseClick(screen.return_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert status_of(opened.db, "CG", "kangjian", period) == "returned"
    assert screen.model.data(screen.model.index(0, 4)) == "Q1 data：请核对"
    shot(screen, "package_approval_district")

    back = tmp_path / "back.zip"
    export_from(qtbot, admin, back)
    received = import_into(qtbot, office.ctx(), back)
    assert "退回（意见：Q1 data：请核对）" in received.result_text.toPlainText()
    assert status_of(office.db, "CG", "kangjian", period) == "returned"
    window = MainWindow(office.ctx("cg_clerk"))  # the clerk sees the comments while correcting
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    assert "已被退回：Q1 data：请核对" in window.show_returned()
    shot(window, "package_returned_main_window")


def test_the_administrator_sets_the_deadline_and_an_exception(
    qtbot: object, opened: Opened
) -> None:
    dialog = ApprovalDialog(opened.ctx("admin"))
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.deadline_on.setChecked(True)
    dialog.deadline_days.setValue(20)
    dialog.save_deadline()
    assert deadline_days(opened.db) == 20
    dialog.exc_never.setChecked(True)
    dialog.exc_note.setText("补录")
    dialog.save_exception()
    assert "不自动锁定" in dialog.exceptions_label.text()
    row = opened.db.execute("SELECT office, days FROM entry_deadline_exceptions").fetchone()
    assert row == ("CG", None)


def test_the_menus_open_the_package_screens(qtbot: object, opened: Opened) -> None:
    window = MainWindow(opened.ctx("admin"))
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    assert set(window.package_actions) == {"export", "import", "approval", "conflicts"}
    for kind, cls in (("export", ExportPackageDialog), ("conflicts", ConflictsDialog)):
        dialog = window.package_dialog(kind)
        assert isinstance(dialog, cls)
        dialog.deleteLater()


def test_an_office_database_opens_the_export_for_the_district(office: Office) -> None:
    db = open_database(office.path)
    try:
        assert db.execute("SELECT count(*) FROM package_keys").fetchone()[0] == 2
    finally:
        db.conn.close()
