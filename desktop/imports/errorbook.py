"""The error workbook: the rejected rows of an import, as the clerk typed them, with their row
numbers in the original file and a 错误原因 column.

Its first row is the header — the file's own headers plus 原行号 and 错误原因, which an import
ignores — so the clerk can correct the cells in place and import this very file.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.domain.errors import ValidationError
from desktop.imports.headers import REASON_HEADER, ROW_NUMBER_HEADER

if TYPE_CHECKING:
    from desktop.imports.pipeline import ImportReport

SHEET_NAME = "错误明细"


def write_errors(report: ImportReport, path: str | Path) -> Path:
    """Write ``report.invalid`` to ``path`` (.xlsx); returns the path."""
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    path = Path(path)
    headers = [h for h in report.headers if h not in (ROW_NUMBER_HEADER, REASON_HEADER)]
    text_columns = set(report.id_columns)
    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False}
    )
    head = workbook.add_format(
        {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    head_extra = workbook.add_format(
        {"bold": True, "bg_color": "#F8CBAD", "border": 1, "valign": "vcenter"}
    )
    reason_fmt = workbook.add_format({"font_color": "#C00000", "text_wrap": True})
    formats = {
        "text": workbook.add_format({"num_format": "@"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    sheet = workbook.add_worksheet(SHEET_NAME)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 48)
    for offset, header in enumerate(headers, start=2):
        width = max(10, min(30, len(header.encode("gb18030")) + 4))
        if header in text_columns:
            sheet.set_column(offset, offset, max(width, 20), formats["text"])
        else:
            sheet.set_column(offset, offset, width)
    sheet.write_string(0, 0, ROW_NUMBER_HEADER, head_extra)
    sheet.write_string(0, 1, REASON_HEADER, head_extra)
    for offset, header in enumerate(headers, start=2):
        sheet.write_string(0, offset, header, head)
    sheet.freeze_panes(1, 2)
    for r, error in enumerate(sorted(report.invalid, key=lambda e: e.row), start=1):
        sheet.write_number(r, 0, error.row)
        sheet.write_string(r, 1, error.reason, reason_fmt)
        for offset, header in enumerate(headers, start=2):
            value = error.values.get(header)
            if value is not None:
                write_cell(sheet, r, offset, value, formats, as_text=header in text_columns)
    try:
        workbook.close()
    except (FileCreateError, OSError) as exc:
        raise ValidationError.single(
            "错误明细文件",
            f"无法写入 {path}（{exc}）。如果该文件正在 Excel 中打开，请先关闭它，或换一个文件名",
        ) from None
    return path


def write_cell(
    sheet: Any, row: int, column: int, value: Any, formats: dict[str, Any], as_text: bool = False
) -> None:
    """Write one value with its type kept: text stays text (never a formula or a number)."""
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        # Kept a number even in an ID column: an ID that Excel stored as a number has lost its
        # last digits and must be typed again, which the text format of the column then keeps.
        sheet.write_number(row, column, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, column, value, formats["datetime"])
    elif isinstance(value, date):
        sheet.write_datetime(row, column, value, formats["date"])
    else:
        sheet.write_string(row, column, str(value), formats["text"] if as_text else None)
