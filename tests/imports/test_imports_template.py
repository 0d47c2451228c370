"""Import templates: title and 填写说明, marked headers, a sample row, drop-down lists (communities
in the user's scope), text-formatted ID columns, a frozen header."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from desktop.domain.errors import ValidationError
from desktop.imports.spec import ImportKind
from desktop.imports.template import LISTS_SHEET, write_template
from tests.imports.conftest import KIND
from tests.store.conftest import World


def sheets(path: Path) -> dict[str, list[list[object]]]:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def sheet_xml(path: Path, number: int = 1) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{number}.xml").decode("utf-8")


def test_template_has_title_headers_sample_and_lists(
    world: World, kind: ImportKind, tmp_path: Path
) -> None:
    path = write_template(KIND, tmp_path / "t.xlsx", world.db, world.clerk_a)
    content = sheets(path)
    main, lists = content[kind.label], content[LISTS_SHEET]
    title = str(main[0][0])
    assert title.startswith(f"{kind.label} 导入模板") and "填写说明" in title
    assert "姓名、身份证号、社区" in title  # the required columns are named
    assert main[1] == [
        "*姓名",
        "*身份证号",
        "*社区",
        "出生日期",
        "联系电话",
        "户籍类型",
        "登记日期",
    ]
    assert main[2][:4] == ["张秀兰", "110105199003071240", "", date(1990, 3, 7)]
    assert main[2][5] == "农村"
    # Drop-down lists: 户籍类型 from the choice list, 社区 from the clerk's scope (office A only).
    columns = list(zip(*lists, strict=False))
    assert ("A1社区", "A2社区") in columns
    assert ("农村", "城镇") in [tuple(v for v in c if v) for c in columns]
    xml = sheet_xml(path)
    assert xml.count('<dataValidation type="list"') == 2
    assert f"'{LISTS_SHEET}'!$A$1:$A$2" in xml  # 社区
    assert 'sqref="C3:C' in xml and 'sqref="F3:F' in xml
    assert '<pane ySplit="2"' in xml  # the header stays in view
    assert 'state="hidden"' in zipfile.ZipFile(path).read("xl/workbook.xml").decode()


def test_community_list_follows_the_users_scope(
    world: World, kind: ImportKind, tmp_path: Path
) -> None:
    path = write_template(KIND, tmp_path / "a1.xlsx", world.db, world.clerk_a1)
    assert sheets(path)[LISTS_SHEET][0][0] == "A1社区"
    assert "A2社区" not in str(sheets(path)[LISTS_SHEET])
    everything = write_template(KIND, tmp_path / "all.xlsx", world.db, world.admin)
    assert "B2社区" in str(sheets(everything)[LISTS_SHEET])


def test_without_a_database_communities_are_free_text(kind: ImportKind, tmp_path: Path) -> None:
    path = write_template(KIND, tmp_path / "t.xlsx")
    xml = sheet_xml(path)
    assert xml.count('<dataValidation type="list"') == 1  # only 户籍类型
    assert "社区（村）名称" in xml  # an input hint on the community column instead


def test_id_column_is_text_formatted(kind: ImportKind, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = write_template(KIND, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path)[kind.label]
    assert ws.freeze_panes == "A3"
    assert ws["B2"].value == "*身份证号" and ws["B3"].number_format == "@"
    assert ws.column_dimensions["B"].width >= 20
    assert ws["A2"].fill.fgColor.rgb.endswith("F4B183")  # required: coloured
    assert ws["D2"].fill.fgColor.rgb.endswith("D9E1F2")
    types = sorted(str(dv.type) for dv in ws.data_validations.dataValidation)
    assert types.count("list") == 1  # 户籍类型; the community column has only an input hint


def test_unknown_kind(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="不是可导入的数据类型"):
        write_template("nope", tmp_path / "t.xlsx")
