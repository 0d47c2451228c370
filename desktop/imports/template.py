"""Import templates (.xlsx): what a clerk fills in so that an import goes through first time.

Row 1 is the title with the 填写说明, row 2 the header (required columns marked ``*`` and coloured),
row 3 a sample row (skipped by the import while it is left unchanged). Choice and community columns
get drop-down lists (data validation; the lists live on a hidden sheet, so long lists work), ID and
phone columns are formatted as text so Excel does not turn them into numbers, date columns as dates;
the header is frozen.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.domain.dates import parse_date
from desktop.domain.errors import ValidationError
from desktop.imports.spec import FIELD_KINDS, Field, ImportKind, get_kind

if TYPE_CHECKING:
    import sqlite_utils

    from desktop.store.users import User

TITLE_ROW, HEADER_ROW, SAMPLE_ROW = 0, 1, 2
VALIDATION_ROWS = 20000  # rows below the header that get the drop-down lists
LISTS_SHEET = "下拉选项"
REQUIRED_MARK = "*"
BOOL_CHOICES = ("是", "否")


def template_headers(kind: ImportKind) -> list[str]:
    """The header cells of the template, required ones marked."""
    return [(REQUIRED_MARK if f.required else "") + f.label for f in kind.fields]


def instructions(kind: ImportKind) -> str:
    required = "、".join(f.label for f in kind.fields if f.required)
    lines = [
        f"{kind.label} 导入模板　填写说明：",
        f"1. 带 {REQUIRED_MARK} 的橙色列必须填写（{required}）；其余列可空。列的顺序可以调整，多余的列导入时忽略。",
        "2. 第 3 行是示例，不修改时导入会自动跳过；请从第 4 行起填写，也可直接覆盖示例。",
        "3. 日期可写 2026-03-05、2026/3/5、2026.3.5、2026年3月5日 或 20260305；"
        "身份证号、电话已设为文本格式，请勿改成数字格式（否则后几位会丢失）。",
        "4. 带下拉箭头的列请从列表中选择；任何一行有错误时整个文件都不会导入，"
        "可导出错误明细，改正后直接导入该文件。",
    ]
    if kind.notes:
        lines.append(f"5. {kind.notes}")
    return "\n".join(lines)


def write_template(
    kind_key: str,
    path: str | Path,
    db: sqlite_utils.Database | None = None,
    user: User | None = None,
) -> Path:
    """Write the import template of ``kind_key`` to ``path`` (.xlsx); returns the path.

    With a database, community columns offer the communities in ``user``'s scope (every
    community when no user is given); without one they are free text.
    """
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    kind = get_kind(kind_key)
    path = Path(path)
    communities: list[str] | None = None
    if db is not None:
        from desktop.imports.normalize import CommunityIndex
        from desktop.store.orgs import OrgTree

        communities = CommunityIndex(OrgTree.load(db), user).display_names()

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    wb.set_properties({"title": f"{kind.label}导入模板", "comments": f"minsheng import {kind.key}"})
    title_fmt = wb.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "font_size": 10, "bg_color": "#FFF2CC"}
    )
    required_fmt = wb.add_format(
        {"bold": True, "bg_color": "#F4B183", "border": 1, "align": "center", "valign": "vcenter"}
    )
    optional_fmt = wb.add_format(
        {"bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center", "valign": "vcenter"}
    )
    formats = {
        "text": wb.add_format({"num_format": "@"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "money": wb.add_format({"num_format": "0.00"}),
    }
    grey = {"font_color": "#808080", "italic": True}
    sample_fmts = {
        "text": wb.add_format({"num_format": "@", **grey}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd", **grey}),
        "number": wb.add_format({"num_format": "General", **grey}),
    }
    sheet = wb.add_worksheet(kind.label[:31])
    lists = wb.add_worksheet(LISTS_SHEET)
    lists.hide()
    last_col = len(kind.fields) - 1

    text = instructions(kind)
    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, max(last_col, 1), text, title_fmt)
    sheet.set_row(TITLE_ROW, 15 * (text.count("\n") + 2))
    sheet.set_row(HEADER_ROW, 22)

    list_col = 0
    for col, (f, header) in enumerate(zip(kind.fields, template_headers(kind), strict=True)):
        column_format = _column_format(f, formats)
        width = max(f.width, len(header.encode("gb18030")) + 2)
        sheet.set_column(col, col, width, column_format)
        sheet.write_string(HEADER_ROW, col, header, required_fmt if f.required else optional_fmt)
        comment = "；".join(x for x in (f.help, FIELD_KINDS[f.kind]) if x)
        if f.synonyms:
            comment += f"。表头也可写作：{'、'.join(f.synonyms)}"
        sheet.write_comment(HEADER_ROW, col, comment, {"x_scale": 2, "y_scale": 1.2})
        if f.example:
            _write_example(sheet, col, f, sample_fmts)
        options = _options(f, communities)
        if options:
            for r, option in enumerate(options):
                lists.write_string(r, list_col, option)
            ref = _range_ref(LISTS_SHEET, list_col, len(options))
            sheet.data_validation(
                SAMPLE_ROW,
                col,
                HEADER_ROW + VALIDATION_ROWS,
                col,
                {
                    "validate": "list",
                    "source": ref,
                    # A warning, not a stop: accepted aliases (上环, 城关街道东关社区) may be typed.
                    "error_type": "warning",
                    "error_title": f.label,
                    "error_message": "建议从下拉列表中选择；常用的别称导入时也能识别。",
                },
            )
            list_col += 1
        elif f.kind == "community":
            sheet.data_validation(
                SAMPLE_ROW,
                col,
                HEADER_ROW + VALIDATION_ROWS,
                col,
                {
                    "validate": "any",
                    "input_title": f.label,
                    "input_message": "填写社区（村）名称；重名时连同办事处写，如 城关街道东关社区",
                },
            )
    sheet.freeze_panes(SAMPLE_ROW, 0)
    sheet.activate()
    try:
        wb.close()
    except (FileCreateError, OSError) as exc:
        raise ValidationError.single(
            "模板文件", f"无法写入 {path}（{exc}）。如果该文件正在 Excel 中打开，请先关闭它"
        ) from None
    return path


def _column_format(f: Field, formats: dict[str, Any]) -> Any:
    if f.kind in ("id_number", "phone", "text", "choice", "community"):
        return formats["text"]
    if f.kind == "date":
        return formats["date"]
    if f.kind == "money":
        return formats["money"]
    return None


def _options(f: Field, communities: list[str] | None) -> list[str]:
    if f.kind == "choice" and f.choices is not None:
        return f.choices.labels()
    if f.kind == "bool":
        return list(BOOL_CHOICES)
    if f.kind == "community" and communities:
        return communities
    return []


def _write_example(sheet: Any, col: int, f: Field, formats: dict[str, Any]) -> None:
    """The sample row's cell, typed as a clerk would type it, in grey italics."""
    if f.kind == "date":
        try:
            sheet.write_datetime(SAMPLE_ROW, col, parse_date(f.example), formats["date"])
            return
        except ValidationError:
            pass
    if f.kind in ("int", "money"):
        try:
            sheet.write_number(SAMPLE_ROW, col, float(f.example), formats["number"])
            return
        except ValueError:
            pass
    sheet.write_string(SAMPLE_ROW, col, f.example, formats["text"])


def _range_ref(sheet_name: str, col: int, count: int) -> str:
    letters = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"='{sheet_name}'!${letters}$1:${letters}${count}"
