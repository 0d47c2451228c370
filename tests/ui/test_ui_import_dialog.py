"""The generic import dialog: preview with problems, nothing written for a bad file, the error
workbook, 仅导入有效行, the template, and the hub announcing the changed tables.

A test-only kind over ``persons`` is registered for these tests, so they do not depend on any
programme's kinds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot
from ui_fixtures import write_xlsx

from desktop.domain import pinyin
from desktop.domain.errors import Problem
from desktop.domain.ids import make_id, mask_id, parse_id
from desktop.imports.spec import Field, ImportKind, RowContext, register_kind, unregister_kind
from desktop.store.door import CancelCheck, Progress, WriteDoor
from desktop.ui.context import AppContext
from desktop.ui.import_dialog import ImportDialog, PreviewModel, preview_file

KIND = "ui_test_persons"


def _validate(row: dict[str, Any], ctx: RowContext) -> list[Problem]:
    info = parse_id(row["id_number"])
    row["birth_date"] = info.birth_date.isoformat()
    row["sex"] = "M" if info.sex == "男" else "F"
    return []


def _write(door: WriteDoor, rows: list[dict[str, Any]], progress: Progress | None,
           cancel: CancelCheck | None) -> int:
    records = [{
        "community_id": r["community"], "name": r["name"], "pinyin": pinyin.initials(r["name"]),
        "id_number": r["id_number"], "id_tail": r["id_number"][-4:], "sex": r["sex"],
        "birth_date": r["birth_date"], "phone": r["phone"], "created_on": "2026-03-01",
    } for r in rows]
    return len(door.insert_many("persons", records, total=len(records), progress=progress,
                                cancel=cancel))


def _existing(db: Any, rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], str]:
    numbers = [r["id_number"] for r in rows]
    sql = (f"SELECT id_number, name FROM persons WHERE deleted = 0"
           f" AND id_number IN ({','.join('?' * len(numbers))})")
    return {(n,): name for n, name in db.execute(sql, numbers)}


@pytest.fixture
def kind() -> Iterator[ImportKind]:
    registered = register_kind(ImportKind(
        key=KIND, label="人员（测试）",
        fields=(
            Field("name", "姓名", "text", required=True, example="张秀兰"),
            Field("id_number", "身份证号", "id_number", required=True,
                  synonyms=("身份证号码", "公民身份号码"), example="110105199003071240"),
            Field("community", "社区", "community", required=True, example="东关社区"),
            Field("phone", "联系电话", "phone", synonyms=("手机号",)),
        ),
        key_fields=("id_number",), write=_write, validate_row=_validate,
        find_existing=_existing,
    ))
    yield registered
    unregister_kind(KIND)


def new_id(n: int) -> str:
    return make_id("419902", date(1991, 5, 3), 2 * n)


def persons(ctx: AppContext) -> int:
    return int(ctx.db.execute("SELECT count(*) FROM persons WHERE deleted = 0").fetchone()[0])


def bad_file(tmp_path: Path) -> Path:
    good = new_id(1)
    broken = new_id(2)[:-1] + ("0" if new_id(2)[-1] != "0" else "1")  # wrong check character
    return write_xlsx(tmp_path / "roster.xlsx", [
        ["2026年 人员名册"],  # a title row above the header
        ["序号", "姓名", "身份证号码", "社区", "手机号", "备注"],
        [1, "赵春梅", good, "东关社区", "13800001111", ""],
        [2, "钱海燕", broken, "东关社区", "13800002222", "复核"],
        [3, "孙丽娟", new_id(3).lower(), "不存在的社区", "", ""],
    ])


def open_dialog(qtbot: QtBot, ctx: AppContext, path: Path) -> ImportDialog:
    dialog = ImportDialog(ctx, {KIND: ("persons",)})
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.path_edit, str(path))
    qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=5000)
    return dialog


def click_import(qtbot: QtBot, dialog: ImportDialog) -> None:
    dialog.result_text.clear()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.result_message()), timeout=10000)


def test_preview_shows_matched_columns_and_problems(kind: ImportKind, admin_ctx: AppContext,
                                                    tmp_path: Path) -> None:
    preview = preview_file(admin_ctx.db, admin_ctx.user, KIND, bad_file(tmp_path))
    assert not preview.error
    assert preview.header_row == 2
    assert preview.matched == {1: "姓名", 2: "身份证号", 3: "社区", 4: "联系电话"}
    assert preview.unknown == ["备注"]
    assert [r.number for r in preview.rows] == [3, 4, 5]
    assert [bool(r.problems) for r in preview.rows] == [False, True, True]
    assert "校验位" in preview.rows[1].problems[0].message
    assert preview.rows[2].problems[0].field == "社区"

    model = PreviewModel()
    model.set_preview(preview)
    assert model.columnCount() == 2 + 6
    assert model.headerData(0, Qt.Orientation.Horizontal) == "行号"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "问题"
    assert model.headerData(4, Qt.Orientation.Horizontal) == "身份证号码"
    assert model.headerData(4, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == \
        "对应字段：身份证号"
    assert model.data(model.index(1, 0)) == "4"
    assert "校验位" in model.data(model.index(1, model.problem_column()))
    assert model.data(model.index(0, model.problem_column())) == "✓"
    assert model.data(model.index(0, 3)) == "赵春梅"
    assert model.data(model.index(0, 4)) == mask_id(new_id(1))  # masked, as everywhere
    assert model.data(model.index(0, 5 + 0)) == "东关社区"


def test_a_file_without_header_says_so(kind: ImportKind, admin_ctx: AppContext,
                                       tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "other.xlsx", [["甲", "乙"], [1, 2]])
    preview = preview_file(admin_ctx.db, admin_ctx.user, KIND, path)
    assert "没有找到" in preview.error and "表头" in preview.error


def test_bad_file_writes_nothing_then_errors_and_skip_invalid(
        kind: ImportKind, admin_ctx: AppContext, qtbot: QtBot, tmp_path: Path) -> None:
    before = persons(admin_ctx)
    dialog = open_dialog(qtbot, admin_ctx, bad_file(tmp_path))
    assert dialog.preview_model.rowCount() == 3
    assert "已识别 4 列" in dialog.preview_info.text()
    assert "其中 2 行有错误" in dialog.preview_info.text()
    assert dialog.import_button.isEnabled()

    click_import(qtbot, dialog)
    text = dialog.result_message()
    assert "未导入任何数据" in text and "第 4 行" in text and "第 5 行" in text
    assert persons(admin_ctx) == before
    assert dialog.errors_button.isEnabled()

    errors = dialog.export_errors(tmp_path / "errors.xlsx")
    assert errors is not None and errors.is_file()
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(errors)).get_sheet_by_index(0).to_python()
    assert rows[0][:2] == ["原行号", "错误原因"]
    assert [int(r[0]) for r in rows[1:]] == [4, 5]

    changed: list[str] = []
    admin_ctx.hub.data_changed.connect(changed.append)
    box = dialog.skip_invalid  # the label is short of the row's width: click on the box
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert dialog.skip_invalid.isChecked()
    with qtbot.waitSignal(dialog.imported, timeout=10000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert persons(admin_ctx) == before + 1
    row = admin_ctx.db.execute("SELECT name, birth_date, sex FROM persons WHERE id_number = ?",
                               [new_id(1)]).fetchone()
    assert tuple(row) == ("赵春梅", "1991-05-03", "F")
    assert "写入 1 行" in dialog.result_message()
    assert changed == ["persons"]

    # the same file again: the valid row is now a duplicate of the database, nothing doubles
    click_import(qtbot, dialog)
    assert persons(admin_ctx) == before + 1
    assert "重复" in dialog.result_message()


def test_a_good_file_imports_and_the_template_is_written(
        kind: ImportKind, clerk_ctx: AppContext, qtbot: QtBot, tmp_path: Path) -> None:
    before = persons(clerk_ctx)
    path = write_xlsx(tmp_path / "good.xlsx", [
        ["姓名", "公民身份号码", "社区"],
        ["周晓红", new_id(7), "西街社区"],
        ["吴静", new_id(8), "东关社区"],
    ])
    dialog = open_dialog(qtbot, clerk_ctx, path)
    assert dialog.preview is not None and dialog.preview.problem_rows == 0
    with qtbot.waitSignal(dialog.imported, timeout=10000) as signal:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert signal.args[0].written == 2
    assert persons(clerk_ctx) == before + 2
    written = dialog.save_template(tmp_path / "template.xlsx")
    assert written is not None and written.is_file()
    assert "模板已保存" in dialog.result_message()


def test_missing_file_and_wrong_type_are_said_next_to_the_path(
        kind: ImportKind, admin_ctx: AppContext, qtbot: QtBot, tmp_path: Path) -> None:
    dialog = ImportDialog(admin_ctx, {KIND: ("persons",)})
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_file(tmp_path / "nothing.xlsx")
    assert dialog.path_error.isVisible() and "找不到文件" in dialog.path_error.text()
    other = tmp_path / "notes.docx"
    other.write_text("x", encoding="utf-8")
    dialog.set_file(other)
    assert "不支持 .docx" in dialog.path_error.text()
    assert not dialog.import_button.isEnabled()


def test_the_kangjian_tab_imports_a_roster_and_refreshes(admin_ctx: AppContext, qtbot: QtBot,
                                                         tmp_path: Path) -> None:
    """The 康检活动 tab's 导入… with the programme's own ``women`` kind: a messy file (a title row,
    synonyms, a man's ID, dates as clerks type them); the valid rows only; the roster refreshes."""
    from desktop.ui.tabs.kangjian import KangjianTab

    tab = KangjianTab(admin_ctx)
    qtbot.addWidget(tab)
    tab.show()
    before = tab.model.rowCount()
    assert before == 0  # the fixture district has persons but no roster yet
    path = write_xlsx(tmp_path / "名册.xlsx", [
        ["城关街道 已婚育龄妇女名册"],
        [],
        ["姓名", "公民身份号码", "社区", "结婚日期", "登记日期", "手机"],
        ["郑春燕", new_id(20), "东关社区", "2015年5月1日", "2026/1/5", "138 0000 2020"],
        ["冯大海", make_id("419902", date(1990, 1, 1), 21), "东关社区", "2015-05-01",
         "2026-01-05", ""],
        ["褚玉兰", new_id(22).lower(), "西街社区", "20160301", "2026.1.6", ""],
    ])
    dialog = tab.open_import("women")
    qtbot.addWidget(dialog)
    assert dialog.kind_key() == "women"
    assert [dialog.kind_combo.itemData(i) for i in range(dialog.kind_combo.count())] == \
        ["women", "checks", "procedures"]
    dialog.set_file(path)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=5000)
    assert dialog.preview.header_row == 3
    assert [bool(r.problems) for r in dialog.preview.rows] == [False, True, False]
    click_import(qtbot, dialog)
    assert "未导入任何数据" in dialog.result_message()
    assert tab.model.rowCount() == 0
    box = dialog.skip_invalid
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    with qtbot.waitSignal(dialog.imported, timeout=10000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert tab.model.rowCount() == 2  # the roster heard data_changed
    names = {tab.model.data(tab.model.index(i, 0)) for i in range(2)}
    assert names == {"郑春燕", "褚玉兰"}


def test_cancel_leaves_the_database_as_it_was(admin_ctx: AppContext, qtbot: QtBot,
                                              tmp_path: Path) -> None:
    import threading

    from PySide6.QtWidgets import QPushButton

    from desktop.store.errors import Cancelled

    started = threading.Event()

    def slow_write(door: WriteDoor, rows: list[dict[str, Any]], progress: Progress | None,
                   cancel: CancelCheck | None) -> int:
        _write(door, rows, progress, None)  # written inside the import's transaction
        started.set()
        while cancel is not None and not cancel():
            threading.Event().wait(0.01)
        raise Cancelled("已取消")

    register_kind(ImportKind(
        key="ui_slow", label="慢速（测试）",
        fields=(Field("name", "姓名", "text", required=True),
                Field("id_number", "身份证号", "id_number", required=True),
                Field("community", "社区", "community", required=True),
                Field("phone", "联系电话", "phone")),
        key_fields=("id_number",), write=slow_write, validate_row=_validate))
    try:
        before = persons(admin_ctx)
        path = write_xlsx(tmp_path / "slow.xlsx", [["姓名", "身份证号", "社区"],
                                                  ["周晓红", new_id(30), "西街社区"]])
        dialog = ImportDialog(admin_ctx, {"ui_slow": ("persons",)})
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.set_file(path)
        qtbot.waitUntil(lambda: dialog.preview is not None, timeout=5000)
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(started.is_set, timeout=5000)
        progress = dialog.progress_dialog
        qtbot.waitUntil(progress.isVisible, timeout=5000)  # shown after a moment
        cancel = progress.findChild(QPushButton)
        assert cancel.text() == "取消"
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(dialog.result_message()), timeout=5000)
        assert dialog.result_message() == "已取消导入，数据库未作改动。"
        assert persons(admin_ctx) == before
    finally:
        unregister_kind("ui_slow")
