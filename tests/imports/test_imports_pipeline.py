"""run_import: all or nothing, the error workbook and its re-import, --skip-invalid, duplicates,
cancel, scope, the door's own refusals, progress and audit."""

from __future__ import annotations

import pickle
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from desktop.domain.errors import ValidationError
from desktop.domain.ids import make_id
from desktop.imports.pipeline import ImportRejected, run_import
from desktop.imports.spec import ImportKind, register_kind, unregister_kind
from desktop.imports.template import write_template
from desktop.store import audit
from desktop.store.errors import Cancelled
from tests.imports.conftest import (
    FIELDS,
    KIND,
    persons_count,
    persons_kind,
    woman_id,
    write_csv,
    write_xlsx,
)
from tests.store.conftest import World, person

HEADER = ["姓名", "身份证号", "社区", "出生日期"]


def bad_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def read_sheet(path: Path) -> list[list[Any]]:
    import python_calamine as pc

    return pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def audit_rows(world: World) -> int:
    return world.db.execute("SELECT count(*) FROM audit").fetchone()[0]


def many_ids(n: int) -> list[str]:
    return [
        make_id("110105", date(1980, 1, 1) + timedelta(days=i // 400), 2 * (i % 400))
        for i in range(n)
    ]


def test_one_invalid_row_writes_nothing_and_names_row_and_column(
    world: World, kind: ImportKind, tmp_path: Path
) -> None:
    wrong = bad_check_digit(woman_id(3))
    path = write_xlsx(
        tmp_path / "roster.xlsx",
        [
            ["名册"],
            HEADER,
            ["张秀兰", woman_id(1), "A1社区", "1990-03-07"],
            ["李娟", woman_id(2), "A1社区", "1990-03-07"],
            ["王芳", wrong, "A1社区", "1990-03-07"],
            ["刘敏", woman_id(4), "A1社区", "1990-03-08"],  # differs from the ID's birth date
            ["", woman_id(5), "A9社区", "1990-02-30"],
        ],
    )
    before = audit_rows(world)
    with pytest.raises(ImportRejected) as info:
        run_import(world.db, world.clerk_a, KIND, path)
    exc = info.value
    assert isinstance(exc, ValidationError)
    expected = wrong[-1]
    right = woman_id(3)[-1]
    assert str(exc).startswith("共 5 行，其中 3 行有错误，未导入任何数据；")
    assert f"首个错误：第 5 行「身份证号」：校验位错误（应为 {right}）" in str(exc)
    assert expected != right
    report = exc.report
    assert [e.row for e in report.invalid] == [5, 6, 7]
    assert (
        report.invalid[0].values["身份证号"] == wrong and report.invalid[0].values["姓名"] == "王芳"
    )
    assert "出生日期" in report.invalid[1].reason and "请核对" in report.invalid[1].reason
    last = {p.field: p.message for p in report.invalid[2].problems}
    assert last["姓名"] == "不能为空"
    assert "不是本区的社区" in last["社区"] and "A1社区" in last["社区"]
    assert "2月没有30日" in last["出生日期"]
    assert all(p.row == 7 for p in report.invalid[2].problems)
    assert persons_count(world) == 0 and audit_rows(world) == before
    again = pickle.loads(pickle.dumps(exc))
    assert isinstance(again, ImportRejected) and str(again) == str(exc)


def test_error_workbook_can_be_fixed_and_imported(
    world: World, kind: ImportKind, tmp_path: Path
) -> None:
    wrong = bad_check_digit(woman_id(3))
    path = write_xlsx(
        tmp_path / "roster.xlsx",
        [
            ["名册"],
            ["备注", *HEADER],
            ["", "张秀兰", woman_id(1), "A1社区", date(1990, 3, 7)],
            ["外出", "王芳", wrong, "A2社区", date(1990, 3, 7)],
            ["", "李娟", woman_id(2), "B1社区", "1990-03-07"],
        ],
    )
    errors = tmp_path / "errors.xlsx"
    with pytest.raises(ImportRejected) as info:
        run_import(world.db, world.clerk_a, KIND, path, errors_out=errors)
    assert info.value.report.errors_out == errors
    assert f"错误明细已写入 {errors}" in str(info.value)
    assert persons_count(world) == 0
    sheet = read_sheet(errors)
    assert sheet[0] == ["原行号", "错误原因", "备注", *HEADER]
    assert [row[0] for row in sheet[1:]] == [4, 5]  # the rows of the original file
    assert "「身份证号」：校验位错误" in sheet[1][1]
    assert "不在您的管辖范围内" in sheet[2][1]
    assert sheet[1][2:6] == ["外出", "王芳", wrong, "A2社区"]
    assert sheet[1][6] == date(1990, 3, 7)  # the date cell stays a date

    # Importing the error workbook unchanged gives the same errors, on its own rows.
    with pytest.raises(ImportRejected) as again:
        run_import(world.db, world.clerk_a, KIND, errors)
    assert [e.row for e in again.value.report.invalid] == [2, 3]
    assert again.value.report.unknown_columns == ["备注"]  # 原行号 and 错误原因 are ignored

    # The clerk corrects the cells in place and imports the same file.
    fixed = [list(r) for r in sheet]
    fixed[1][4] = woman_id(3)
    fixed[2][5] = "A2社区"
    write_xlsx(errors, fixed, sheet="错误明细")
    report = run_import(world.db, world.clerk_a, KIND, errors)
    assert report.written == 2 and report.header_row == 1
    assert persons_count(world) == 2


def test_skip_invalid_writes_only_valid_rows(
    world: World, kind: ImportKind, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "roster.csv",
        [
            HEADER,
            ["张秀兰", woman_id(1), "A1社区", ""],
            ["王芳", bad_check_digit(woman_id(3)), "A1社区", ""],
            ["李娟", woman_id(2), "A2社区", ""],
        ],
    )
    errors = tmp_path / "errors.xlsx"
    report = run_import(world.db, world.clerk_a, KIND, path, skip_invalid=True, errors_out=errors)
    assert (report.total_rows, report.written, report.rejected) == (3, 2, 1)
    assert persons_count(world) == 2
    assert [r[0] for r in read_sheet(errors)[1:]] == [3]
    receipt = report.receipt()
    assert "读取 3 行" in receipt and "写入 2 行" in receipt and "拒绝 1 行" in receipt


def test_duplicates_in_file_and_in_database_are_reported_not_doubled(
    world: World, kind: ImportKind, tmp_path: Path
) -> None:
    world.door(world.clerk_a).insert("persons", person(world, id_number=woman_id(9), name="旧记录"))
    path = write_csv(
        tmp_path / "roster.csv",
        [
            HEADER,
            ["张秀兰", woman_id(1), "A1社区", ""],
            ["李娟", woman_id(2), "A1社区", ""],
            ["张秀兰", woman_id(1).lower(), "A2社区", ""],
            ["赵艳", woman_id(9), "A1社区", ""],
        ],
    )
    with pytest.raises(ImportRejected) as info:
        run_import(world.db, world.clerk_a, KIND, path)
    report = info.value.report
    assert [e.row for e in report.duplicates_in_file] == [4]
    assert "与第 2 行重复（身份证号相同）" in report.duplicates_in_file[0].reason
    assert [e.row for e in report.duplicates_in_db] == [5]
    assert "数据库中已有身份证号相同的记录（旧记录" in report.duplicates_in_db[0].reason
    assert [e.row for e in report.invalid] == [4, 5]
    assert persons_count(world) == 1

    report = run_import(world.db, world.clerk_a, KIND, path, skip_invalid=True)
    assert report.written == 2
    assert "其中文件内重复 1 行，与数据库已有记录重复 1 行" in report.receipt()
    assert persons_count(world) == 3
    # The same file again: everything is already there, nothing is doubled.
    report = run_import(world.db, world.clerk_a, KIND, path, skip_invalid=True)
    assert report.written == 0 and len(report.duplicates_in_db) == 3
    assert persons_count(world) == 3


def test_out_of_scope_community_is_refused(world: World, kind: ImportKind, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "roster.csv",
        [HEADER, ["张秀兰", woman_id(1), "A1社区", ""], ["李娟", woman_id(2), "A2社区", ""]],
    )
    with pytest.raises(ImportRejected) as info:
        run_import(world.db, world.clerk_a1, KIND, path)  # a clerk of community A1 only
    (error,) = info.value.report.invalid
    assert error.row == 3 and "「A2社区」（属于A街道办事处）不在您的管辖范围内" in error.reason
    with pytest.raises(ImportRejected):
        run_import(world.db, world.clerk_b, KIND, path)  # another office
    assert persons_count(world) == 0
    assert run_import(world.db, world.clerk_a, KIND, path).written == 2


def test_cancel_leaves_the_database_unchanged(
    world: World, kind: ImportKind, tmp_path: Path
) -> None:
    ids = many_ids(4500)
    path = write_csv(
        tmp_path / "big.csv", [HEADER, *[[f"人{i}", n, "A1社区", ""] for i, n in enumerate(ids)]]
    )
    before = audit_rows(world)
    with pytest.raises(Cancelled):  # while reading
        run_import(world.db, world.clerk_a, KIND, path, cancel=lambda: True)
    seen: list[int] = []

    def progress(done: int, total: int, message: str) -> None:
        seen.append(done)

    def cancel_while_writing() -> bool:
        return bool(seen) and seen[-1] > 500  # after the first batch the door wrote

    with pytest.raises(Cancelled, match="数据库未作改动"):
        run_import(
            world.db, world.clerk_a, KIND, path, progress=progress, cancel=cancel_while_writing
        )
    assert max(seen) > 500  # it was writing when cancelled
    assert persons_count(world) == 0 and audit_rows(world) == before
    assert not world.db.conn.in_transaction

    seen.clear()
    report = run_import(world.db, world.clerk_a, KIND, path, progress=progress)
    assert report.written == 4500
    assert seen == sorted(seen) and seen[-1] == 1000


def test_import_is_audited_and_the_chain_holds(
    world: World, kind: ImportKind, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [HEADER, ["张秀兰", woman_id(1), "A1社区", ""]])
    run_import(world.db, world.clerk_a, KIND, path)
    action, detail = world.db.execute(
        "SELECT action, after FROM audit ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert action == "import" and '"file":"r.csv"' in detail and '"written":1' in detail
    assert audit.verify(world.db) == []


def test_rows_the_door_refuses_are_mapped_to_file_rows(world: World, tmp_path: Path) -> None:
    # A kind that leaves the name optional and has no row check: the door's own rule
    # (persons need a name) refuses the row, and the refusal names the file's row and column.
    loose = tuple(f if f.key != "name" else replace(f, required=False) for f in FIELDS)
    register_kind(persons_kind("loose_persons", fields=loose, validate_row=None))
    try:
        path = write_csv(
            tmp_path / "r.csv",
            [
                ["名字", "身份证号", "社区"],
                ["张秀兰", woman_id(1), "A1社区"],
                ["", woman_id(2), "A1社区"],
                ["李娟", woman_id(3), "A1社区"],
            ],
        )
        with pytest.raises(ImportRejected) as info:
            run_import(world.db, world.clerk_a, "loose_persons", path)
        assert "首个错误：第 3 行「名字」：不能为空" in str(info.value)
        assert persons_count(world) == 0
        errors = tmp_path / "e.xlsx"
        report = run_import(
            world.db, world.clerk_a, "loose_persons", path, skip_invalid=True, errors_out=errors
        )
        assert report.written == 2 and [e.row for e in report.invalid] == [3]
        assert read_sheet(errors)[1][:2] == [3, "「名字」：不能为空"]
        assert read_sheet(errors)[1][3] == woman_id(2)  # the row's cells, read again from the file
    finally:
        unregister_kind("loose_persons")


def test_unchanged_template_sample_row_is_skipped(
    world: World, kind: ImportKind, tmp_path: Path
) -> None:
    template = write_template(KIND, tmp_path / "t.xlsx", world.db, world.clerk_a)
    rows = read_sheet(template)
    rows.append(["李娟", woman_id(2), "A1社区", "", "", "", ""])
    path = write_xlsx(tmp_path / "filled.xlsx", rows)
    report = run_import(world.db, world.clerk_a, KIND, path)
    assert report.sample_skipped and report.header_row == 2
    assert report.total_rows == 1 and report.written == 1
    assert "模板示例行未修改，已跳过" in report.receipt()


def test_unknown_kind_lists_the_kinds(world: World, kind: ImportKind, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        run_import(world.db, world.clerk_a, "nonsense", tmp_path / "x.csv")
    assert "「nonsense」不是可导入的数据类型" in str(info.value)
    assert f"{KIND}（人员名册（测试））" in str(info.value)


def test_errors_out_must_not_overwrite_the_input(
    world: World, kind: ImportKind, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [HEADER])
    with pytest.raises(ValidationError, match="不能与导入的文件相同"):
        run_import(world.db, world.clerk_a, KIND, path, errors_out=path)


def test_kind_definition_is_checked() -> None:
    with pytest.raises(ValueError, match="key fields"):
        persons_kind(key_fields=("nope",))
    unregister_kind("never-registered")  # harmless
