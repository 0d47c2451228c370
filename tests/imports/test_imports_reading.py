"""Reading clerks' files: headers anywhere in the first rows, in any order, with synonyms; .xlsx
with Excel date cells, .csv in UTF-8 with or without BOM and in GB18030; values as clerks type."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from desktop.domain.errors import ValidationError
from desktop.imports.headers import normalize_header
from desktop.imports.pipeline import run_import
from desktop.imports.reader import open_sheets
from desktop.imports.spec import ImportKind
from tests.imports.conftest import KIND, persons_count, woman_id, write_csv, write_xlsx
from tests.store.conftest import World


def rows_of(world: World) -> list[tuple]:
    return world.db.execute(
        "SELECT name, id_number, birth_date, community_id, phone, hukou, entered_on, sex"
        " FROM persons ORDER BY name"
    ).fetchall()


def test_normalize_header() -> None:
    assert normalize_header(" *身份证号（必填） ") == "身份证号"
    assert normalize_header("身 份 证 号") == "身份证号"
    assert normalize_header("＊出生日期(选填)") == "出生日期"
    assert normalize_header("ID_Number") == "id_number"


def test_xlsx_title_row_blank_rows_any_order_synonyms_and_date_cells(
    world: World, kind: ImportKind, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "roster.xlsx",
        [
            ["东关社区已婚育龄妇女名册（2026年）"],
            [],
            ["制表：张三", "", "2026年3月"],
            [],
            [
                "序号",
                "村（居）",
                "公民身份号码",
                "联系电话",
                "名字",
                "出生日期",
                "备注",
                "登记日期",
            ],
            [
                1,
                "A1社区",
                woman_id(1),
                "13812341234",
                "张秀兰",
                date(1990, 3, 7),
                "无",
                date(2026, 3, 5),
            ],
            [2, "A2社区", woman_id(2), 13812345678, "李娟", "1990/3/7", "", "2026年3月5日"],
            [3, "", "", "", "", "", "", ""],  # numbered but empty: skipped
        ],
    )
    report = run_import(world.db, world.clerk_a, KIND, path)
    assert report.header_row == 5
    assert report.sheet == "Sheet1"
    assert report.total_rows == 2 and report.written == 2 and not report.invalid
    assert report.unknown_columns == ["备注"]  # 序号 is never reported
    assert report.matched_columns["身份证号"] == "公民身份号码"
    assert report.matched_columns["社区"] == "村（居）"
    by_name = {r[0]: r for r in rows_of(world)}
    zhang, li = by_name["张秀兰"], by_name["李娟"]
    assert zhang[:3] == ("张秀兰", woman_id(1), "1990-03-07")
    assert zhang[3] == world.communities["A1"] and zhang[4] == "13812341234"
    assert zhang[6] == "2026-03-05" and zhang[7] == "F"
    assert li[3] == world.communities["A2"]
    assert li[4] == "13812345678"  # a number cell read back as the phone number
    assert li[6] == "2026-03-05"


def test_values_as_clerks_type_them(world: World, kind: ImportKind, tmp_path: Path) -> None:
    full_width_id = woman_id(3).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    x_id = next(woman_id(n) for n in range(400) if woman_id(n).endswith("X"))
    path = write_csv(
        tmp_path / "messy.csv",
        [
            ["姓名", "身份证号", "社区", "出生日期", "联系电话", "户籍类型", "登记日期"],
            [
                "  王　芳 ",
                full_width_id,
                " A1社区 ",
                "１９９０．３．７",
                "138 1234 1234",
                "农业",
                "20260305",
            ],
            ["刘敏", x_id.lower(), "A1", "", "+86 138-1234-5678", "城镇", "2026.3.5"],
            [
                "陈静",
                " " + woman_id(5)[:6] + " " + woman_id(5)[6:] + " ",
                "A街道办事处A2社区",
                "",
                "",
                "",
                "",
            ],
        ],
    )
    report = run_import(world.db, world.clerk_a, KIND, path)
    assert report.written == 3, report.invalid
    by_name = {r[0]: r for r in rows_of(world)}
    assert set(by_name) == {"王 芳", "刘敏", "陈静"}  # stripped; the inner space collapsed to one
    wang = by_name["王 芳"]
    assert wang[1] == woman_id(3) and wang[2] == "1990-03-07"
    assert wang[4] == "13812341234" and wang[5] == "rural" and wang[6] == "2026-03-05"
    assert by_name["刘敏"][1] == x_id  # upper-case X
    assert by_name["刘敏"][4] == "13812345678" and by_name["刘敏"][5] == "urban"
    assert by_name["陈静"][1] == woman_id(5) and by_name["陈静"][3] == world.communities["A2"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(world: World, kind: ImportKind, tmp_path: Path, encoding: str) -> None:
    path = write_csv(
        tmp_path / f"{encoding}.csv",
        [
            ["已婚育龄妇女名册"],
            ["身份证号码", "姓名", "所属社区", "出生日期"],
            [woman_id(7), "赵艳", "A2社区", "1990年3月7日"],
            [woman_id(8), "黄霞", "A1社区", "1990-03-07"],
        ],
        encoding=encoding,
    )
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    sheet = open_sheets(path)[0]
    assert sheet.encoding == ("gb18030" if encoding == "gb18030" else encoding)  # type: ignore[attr-defined]
    report = run_import(world.db, world.clerk_a, KIND, path)
    assert report.header_row == 2 and report.written == 2
    assert {r[0] for r in rows_of(world)} == {"赵艳", "黄霞"}


def test_tab_separated_text(world: World, kind: ImportKind, tmp_path: Path) -> None:
    path = tmp_path / "roster.txt"
    path.write_text(f"姓名\t身份证号\t社区\n张秀兰\t{woman_id(1)}\tA1社区\n", encoding="utf-8")
    assert run_import(world.db, world.clerk_a, KIND, path).written == 1


def test_the_sheet_with_the_header_is_used(world: World, kind: ImportKind, tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "two.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("说明").write(0, 0, "本表为 2026 年名册")
    data = wb.add_worksheet("名册")
    data.write_row(0, 0, ["姓名", "身份证号", "社区"])
    data.write_row(1, 0, ["张秀兰", woman_id(1), "A1社区"])
    wb.close()
    report = run_import(world.db, world.clerk_a, KIND, path)
    assert report.sheet == "名册" and report.written == 1


def test_no_header_found_is_explained(world: World, kind: ImportKind, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "other.csv", [["学校", "学生"], ["一小", "小明"]])
    with pytest.raises(ValidationError) as info:
        run_import(world.db, world.clerk_a, KIND, path)
    message = str(info.value)
    assert "没有找到" in message and "「身份证号」" in message and f"template {KIND}" in message
    assert persons_count(world) == 0


def test_missing_and_doubled_columns(world: World, kind: ImportKind, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["姓名", "身份证号"], ["张秀兰", woman_id(1)]])
    with pytest.raises(ValidationError, match="缺少必填列「社区」（也可写作 所属社区、村（居））"):
        run_import(world.db, world.clerk_a, KIND, path)
    path = write_csv(
        tmp_path / "b.csv",
        [["姓名", "身份证号", "身份证号码", "社区"], ["张秀兰", woman_id(1), woman_id(1), "A1"]],
    )
    with pytest.raises(ValidationError, match="「身份证号」和「身份证号码」两列都是「身份证号」"):
        run_import(world.db, world.clerk_a, KIND, path)


def test_unreadable_files(world: World, kind: ImportKind, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="找不到文件"):
        run_import(world.db, world.clerk_a, KIND, tmp_path / "none.xlsx")
    odd = tmp_path / "roster.pdf"
    odd.write_bytes(b"%PDF")
    with pytest.raises(ValidationError, match="不支持的文件类型"):
        run_import(world.db, world.clerk_a, KIND, odd)
    fake = tmp_path / "export.xls"
    fake.write_text("<html><table><tr><td>姓名</td></tr></table></html>", encoding="utf-8")
    with pytest.raises(ValidationError, match="另存为"):
        run_import(world.db, world.clerk_a, KIND, fake)


def test_id_numbers_stored_as_numbers_by_excel(
    world: World, kind: ImportKind, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "numbers.xlsx",
        [["姓名", "身份证号", "社区"], ["张秀兰", float(woman_id(1)), "A1社区"]],
    )
    with pytest.raises(ValidationError) as info:
        run_import(world.db, world.clerk_a, KIND, path)
    assert "后几位已丢失" in str(info.value) and "文本" in str(info.value)
