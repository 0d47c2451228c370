"""Import kinds ``schools``, ``students`` and ``exemptions`` (desktop.imports.kinds_exemption):
header synonyms, the same rules as the door, duplicates reported and not doubled, the error
workbook, and the ``minsheng template`` / ``minsheng import`` commands."""

from __future__ import annotations

from datetime import date
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from desktop.cli import main
from desktop.domain.ids import make_id
from desktop.domain.periods import quarter
from desktop.imports.pipeline import ImportRejected, run_import
from desktop.imports.spec import get_kind
from desktop.store.exemption import find_student, period_totals
from tests.imports.conftest import write_csv, write_xlsx
from tests.store.conftest import World

_seq = count(2, 2)
SCHOOLS = [
    ["学校标识码", "校名", "办学类型", "所属社区", "是否寄宿制"],
    ["2141000001", "甲小学", "小学", "A1社区", "是"],
    ["2141000002", "甲中学", "初中", "A2社区", "否"],
    ["2141000003", "乙小学", "小学", "B1社区", ""],
]
STUDENT_HEADER = [
    "序号",
    "全国学籍号",
    "学生姓名",
    "就读学校",
    "年级",
    "班级",
    "是否住校",
    "家庭经济困难类型",
    "困难认定日期",
]


def child_no(born: date = date(2016, 5, 1)) -> str:
    return "G" + make_id("110105", born, next(_seq))


def count_rows(world: World, table: str) -> int:
    return world.db.execute(f"SELECT count(*) FROM {table} WHERE deleted = 0").fetchone()[0]


def read_sheet(path: Path) -> list[list[Any]]:
    import python_calamine as pc

    return pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


@pytest.fixture
def schools(world: World, tmp_path: Path) -> World:
    report = run_import(world.db, world.admin, "schools", write_csv(tmp_path / "s.csv", SCHOOLS))
    assert report.written == 3 and report.unknown_columns == []
    return world


def test_kinds_are_registered_with_their_synonyms() -> None:
    assert get_kind("students").label == "学生名册" and get_kind("学生名册").key == "students"
    for key in ("schools", "exemptions"):
        assert get_kind(key).key == key
    student_no = get_kind("students").field("student_no")
    assert {"学籍编号", "全国学籍号"} <= set(student_no.synonyms)
    assert "学校" in get_kind("students").field("school").synonyms


def test_students_import_with_synonyms_and_derived_fields(schools: World, tmp_path: Path) -> None:
    world = schools
    zhang, li = child_no(), child_no(date(2012, 9, 3))
    path = write_xlsx(
        tmp_path / "students.xlsx",
        [
            ["2026年春季学期学生名册"],
            STUDENT_HEADER,
            [1, zhang.lower(), "张梓涵", "甲小学", "三年级", "2班", "是", "低保", "2025-09-01"],
            [2, li, "李浩宇", "甲中学", "初二", "1班", "", "", ""],
        ],
    )
    report = run_import(world.db, world.clerk_a, "students", path)
    assert (report.written, report.rejected, report.header_row) == (2, 0, 2)
    first = find_student(world.db, zhang)
    assert first is not None
    assert (first["grade"], first["boarding"], first["hardship"], first["sex"]) == (
        3,
        1,
        "dibao",
        "F",
    )
    assert first["id_number"] == zhang[1:] and first["pinyin"] == "zzh"
    assert find_student(world.db, li)["grade"] == 8  # type: ignore[index]
    # the same file again: reported as duplicates of the database, not doubled
    with pytest.raises(ImportRejected) as info:
        run_import(world.db, world.clerk_a, "students", path)
    assert len(info.value.report.duplicates_in_db) == 2 and count_rows(world, "students") == 2
    assert "张梓涵，甲小学三年级" in info.value.report.invalid[0].reason


def test_students_with_errors_write_nothing_and_fill_the_error_workbook(
    schools: World, tmp_path: Path
) -> None:
    world = schools
    good = child_no()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        STUDENT_HEADER,
        [1, good, "张梓涵", "甲小学", "3", "", "", "", ""],
        [2, bad, "李浩宇", "甲小学", "3", "", "", "", ""],
        [3, child_no(), "王一诺", "甲小学", "初二", "", "", "", ""],
        [4, child_no(), "赵子轩", "乙小学", "2", "", "", "", ""],  # office B: not clerk_a's
        [5, good, "张梓涵", "甲小学", "3", "", "", "", ""],
        [6, "J99000020150307001X", "钱欣怡", "乙小学", "2", "", "", "", ""],
    ]
    errors = tmp_path / "errors.xlsx"
    with pytest.raises(ImportRejected) as info:
        run_import(
            world.db,
            world.clerk_a,
            "students",
            write_csv(tmp_path / "s.csv", rows),
            errors_out=errors,
        )
    report = info.value.report
    reasons = {e.row: e.reason for e in report.invalid}
    assert "「全国学籍号」：G 后应为学生的18位身份证号：校验位错误" in reasons[3]
    assert "甲小学是小学学校" in reasons[4]
    assert "不在您的管辖范围内" in reasons[5]
    assert "与第 2 行重复" in reasons[6]
    assert "不在您的管辖范围内" in reasons[7]
    assert count_rows(world, "students") == 0
    book = read_sheet(errors)
    assert book[0][:2] == ["原行号", "错误原因"] and len(book) == 1 + len(reasons)
    # the administrator's import of the J row alone goes through (J: sex must be typed)
    only_j = [STUDENT_HEADER[1:] + ["性别"], [*rows[6][1:], "女"]]
    assert (
        run_import(world.db, world.admin, "students", write_csv(tmp_path / "j.csv", only_j)).written
        == 1
    )


def test_exemptions_import_refuses_doubles_in_the_file_and_against_the_database(
    schools: World, tmp_path: Path
) -> None:
    world = schools
    numbers = [child_no() for _ in range(3)]
    students = [
        STUDENT_HEADER,
        [1, numbers[0], "张梓涵", "甲小学", "3", "", "", "低保", "2025-09-01"],
        [2, numbers[1], "李浩宇", "甲小学", "4", "", "", "特困", ""],
        [3, numbers[2], "王一诺", "甲小学", "5", "", "", "", ""],
    ]
    run_import(world.db, world.clerk_a, "students", write_csv(tmp_path / "st.csv", students))
    header = ["学籍号", "姓名", "学期", "项目", "金额（元）", "发放日期"]
    rows = [
        header,
        [numbers[0], "张梓涵", "2026年春季学期", "学杂费", "", "2026-03-05"],
        [numbers[0], "张梓涵", "2026春", "非寄宿生生活补助", "312.50", "2026-03-20"],
        [numbers[0], "张梓涵", "2026春", "免学杂费", "", "2026-03-06"],  # twice in the file
        [numbers[1], "李浩宇", "2026春", "非寄宿生生活补助", "", "2026-03-20"],  # not confirmed
        [numbers[2], "王一诺", "2026春", "课本费", "60", "2026-03-05"],  # standard: 52.50
        [numbers[2], "王二诺", "2026春", "免学杂费", "", "2026-03-05"],  # name differs
        [child_no(), "孙八", "2026春", "免学杂费", "", "2026-03-05"],  # not on the roll
    ]
    path = write_csv(tmp_path / "e.csv", rows)
    with pytest.raises(ImportRejected) as info:
        run_import(world.db, world.clerk_a, "exemptions", path)
    report = info.value.report
    reasons = {e.row: e.reason for e in report.invalid}
    assert set(reasons) == {4, 5, 6, 7, 8} and len(report.duplicates_in_file) == 1
    assert "与第 2 行重复" in reasons[4]
    assert "尚未认定" in reasons[5]
    assert "应为 52.50 元，而不是 60.00 元" in reasons[6]
    assert "登记的姓名为「王一诺」" in reasons[7]
    assert "学生名册中没有学籍号" in reasons[8]
    assert count_rows(world, "exemptions") == 0
    report = run_import(world.db, world.clerk_a, "exemptions", path, skip_invalid=True)
    assert report.written == 2
    assert period_totals(world.db, quarter(2026, 1)).amount_fen == 15_000 + 31_250
    # again: every row is now a duplicate of the database, named with its school and date
    with pytest.raises(ImportRejected) as again:
        run_import(world.db, world.clerk_a, "exemptions", path)
    assert "2026-03-05 在甲小学享受，150.00 元" in again.value.report.invalid[0].reason
    assert count_rows(world, "exemptions") == 2


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSHENG_PASSWORD", "secret")


def test_template_and_import_commands(
    schools: World, tmp_path: Path, password: None, capsys: Any
) -> None:
    world = schools
    template = tmp_path / "x.xlsx"
    assert main(["template", "students", "-o", str(template)]) == 0
    content = read_sheet(template)
    assert "学生名册 导入模板" in str(content[0][0])
    assert content[1][:3] == ["*学籍号", "*姓名", "性别"] and "*年级" in content[1]
    assert main(["template", "exemptions", "-o", str(tmp_path / "e.xlsx")]) == 0
    number = child_no()
    path = write_csv(
        tmp_path / "s.csv",
        [["学籍号", "姓名", "学校", "年级"], [number, "张梓涵", "甲小学", "一年级"]],
    )
    db = ["--db", str(world.path), "--user", "clerk_a"]
    assert main(["import", "students", str(path), *db]) == 0
    assert "写入 1 行" in capsys.readouterr().out
    assert main(["import", "students", str(path), *db]) == 2  # a duplicate: nothing written
    assert "与数据库已有记录重复 1 行" in capsys.readouterr().out
    assert count_rows(world, "students") == 1
