"""The 应检未检名单 workbook handed to community workers who visit the women (Qt-free).

There is no exporter for it in ``desktop.reports`` yet; this one is small and self-contained so
that it can move there unchanged. One sheet per community: a title, the unit and date, the
women with masked ID numbers (phones masked unless the caller passes them in full), their
recorded reason, and blank columns for the visit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from desktop.domain.choices import FLOATING, UNCHECKED_REASON
from desktop.domain.errors import ValidationError
from desktop.domain.ids import mask_id
from desktop.domain.phones import mask_phone
from desktop.store.kangjian import UncheckedWoman

HEADERS = ("序号", "社区", "姓名", "身份证号", "联系电话", "流动情况", "未检原因",
           "走访日期", "走访情况", "走访人", "备注")
WIDTHS = (6, 14, 10, 22, 15, 16, 12, 12, 24, 10, 16)
VISIT_COLUMNS = 4  # the blank columns at the end, filled in by hand


@dataclass(frozen=True)
class ExportRow:
    community: str
    name: str
    id_number: str  # as it is to be printed (masked)
    phone: str
    floating: str
    reason: str


def export_rows(women: Sequence[UncheckedWoman],
                full_phone: Callable[[UncheckedWoman], bool] = lambda _w: False
                ) -> list[ExportRow]:
    rows = []
    for w in women:
        floating = ""
        if w.floating and w.floating != "none" and w.floating in FLOATING:
            floating = FLOATING.label(w.floating)
            if w.floating_where:
                floating += f"（{w.floating_where}）"
        reason = UNCHECKED_REASON.label(w.reason) if w.reason and w.reason in UNCHECKED_REASON else ""
        phone = (w.phone or "") if full_phone(w) else mask_phone(w.phone)
        rows.append(ExportRow(w.community, w.name, mask_id(w.id_number), phone, floating, reason))
    return rows


def _sheet_name(name: str, taken: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:28] or "名单"
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base[:26]}{n}"
        n += 1
    taken.add(candidate)
    return candidate


def write_unchecked(path: str | Path, rows: Sequence[ExportRow], campaign: str, unit: str,
                    today: date | None = None) -> Path:
    """Write ``rows`` to ``path`` (.xlsx), one sheet per community in the order given."""
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    path = Path(path)
    today = today or date.today()
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                               "strings_to_formulas": False})
    title = workbook.add_format({"bold": True, "font_size": 15, "align": "center",
                                 "valign": "vcenter"})
    meta = workbook.add_format({"font_size": 10, "font_color": "#444444"})
    head = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1,
                                "align": "center", "valign": "vcenter", "text_wrap": True})
    cell = workbook.add_format({"border": 1, "valign": "vcenter"})
    text = workbook.add_format({"border": 1, "valign": "vcenter", "num_format": "@"})
    blank = workbook.add_format({"border": 1, "bg_color": "#FFFDF2"})
    note = workbook.add_format({"font_size": 9, "font_color": "#666666", "text_wrap": True})

    groups: dict[str, list[ExportRow]] = {}
    for row in rows:
        groups.setdefault(row.community, []).append(row)
    if not groups:
        groups[unit or "名单"] = []
    taken: set[str] = set()
    last = len(HEADERS) - 1
    for community, members in groups.items():
        sheet = workbook.add_worksheet(_sheet_name(community, taken))
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(3)
        for col, width in enumerate(WIDTHS):
            sheet.set_column(col, col, width)
        sheet.set_row(0, 26)
        sheet.merge_range(0, 0, 0, last, f"{campaign} 应检未检名单", title)
        sheet.merge_range(1, 0, 1, last, f"填报单位：{unit}　{community}　　"
                          f"导出日期：{today.isoformat()}　　共 {len(members)} 人", meta)
        sheet.set_row(3, 22)
        for col, header in enumerate(HEADERS):
            sheet.write_string(3, col, header, head)
        for r, row in enumerate(members, start=4):
            sheet.write_number(r, 0, r - 3, cell)
            values = (row.community, row.name, row.id_number, row.phone, row.floating, row.reason)
            for col, value in enumerate(values, start=1):
                sheet.write_string(r, col, value, text if col in (3, 4) else cell)
            for col in range(last - VISIT_COLUMNS + 1, last + 1):
                sheet.write_blank(r, col, None, blank)
        end = 4 + len(members) + 1
        sheet.merge_range(end, 0, end, last,
                          "说明：身份证号只显示前6位和后4位。走访后请填写走访日期、情况和走访人，"
                          "交回办事处录入未检原因或补检记录。", note)
        sheet.set_row(end, 30)
        sheet.freeze_panes(4, 0)
    try:
        workbook.close()
    except (FileCreateError, OSError) as exc:
        raise ValidationError.single(
            "导出文件", f"无法写入 {path}（{exc}）。如果该文件正在 Excel 中打开，请先关闭它，"
            "或换一个文件名") from None
    return path
