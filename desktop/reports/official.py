"""The official tables of the quarterly summary (民汇1表 … 民汇5表), laid out once and written as
.xlsx (xlsxwriter, streamed in constant memory) and as PDF pages (``desktop.reports.pdf``).

Every table carries what DOMAIN.md's report conventions ask: the title, 填报单位 (盖章), 计量单位, 表号,
制表机关 and the period on top; two header rows and a row numbering the columns (甲, 1, 2 …); the
合计 row first and then one row per office (or community); the arithmetic identities under the
table, each marked 成立 / 不成立 as computed on the printed figures; and the footer 单位负责人 /
统计负责人 / 填表人 / 报出日期 from the settings (:func:`signatures`).

    tables = build_tables(summary, signatures(db))
    write_xlsx("q1.xlsx", tables)
    write_pdf("q1.pdf", pdf_tables(tables), images)

In the .xlsx, counts are integers, money is in 元 (number format ``#,##0.00``) or 万元 (``0.00``),
rates have 2 decimals; each sheet prints on A4 landscape, fitted to the page width, with the header
rows repeated on every page and "第 n 页 共 m 页" in the footer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from desktop.domain.money import FEN_PER_WAN, FEN_PER_YUAN, format_wan, format_yuan
from desktop.domain.rates import format_rate
from desktop.reports.pdf import PdfTable
from desktop.reports.summary import FIGURES, TOTAL_LABEL, Change, Summary, Value
from desktop.store.db import get_setting

if TYPE_CHECKING:
    from desktop.store.door import WriteDoor

SIGNATURE_KEY = "report_signatures"
SIGNATURE_FIELDS = (
    ("unit_head", "单位负责人"),
    ("stat_head", "统计负责人"),
    ("preparer", "填表人"),
)
"""Keys of the footer names in the ``report_signatures`` setting, with their labels."""
AUTHORITY_KEY = "report_authority"


def signatures(db: sqlite_utils.Database) -> dict[str, str]:
    """The footer names (单位负责人 / 统计负责人 / 填表人) and 制表机关 from the settings; empty strings
    where none is set."""
    stored = get_setting(db, SIGNATURE_KEY, {}) or {}
    found = {key: str(stored.get(key, "") or "") for key, _ in SIGNATURE_FIELDS}
    found["authority"] = str(get_setting(db, AUTHORITY_KEY, "") or "")
    return found


def save_signatures(door: WriteDoor, values: dict[str, str]) -> dict[str, str]:
    """Store the footer names and 制表机关 (keys of :data:`SIGNATURE_FIELDS` and ``authority``)
    for this database, audited (``settings``, before → after) in the same transaction.
    Reviewers and administrators only. Returns what is stored now."""
    from desktop.store import audit
    from desktop.store.db import set_setting
    from desktop.store.errors import AccessDenied

    if door.user.role not in ("reviewer", "admin"):
        raise AccessDenied("只有审核员或管理员可以修改报表落款。")
    before = signatures(door.db)
    after = {key: str(values.get(key, "") or "").strip() for key, _ in SIGNATURE_FIELDS}
    after["authority"] = str(values.get("authority", "") or "").strip()
    with door.transaction() as conn:
        set_setting(conn, SIGNATURE_KEY, {k: after[k] for k, _ in SIGNATURE_FIELDS})
        set_setting(conn, AUTHORITY_KEY, after["authority"])
        audit.append(
            conn,
            [
                audit.Entry(
                    audit.now_iso(),
                    door.user.name,
                    "settings",
                    "settings",
                    SIGNATURE_KEY,
                    door.user.office,
                    before,
                    after,
                )
            ],
        )
    return after


# -- the table model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    head: str
    kind: str = "count"  # text / count / yuan (value in 分) / wan (value in 分) / rate / sign
    width: float = 10
    group: str = ""  # the upper header; columns of one group are adjacent


@dataclass
class OfficialTable:
    number: str  # 表号
    sheet: str  # sheet name (short)
    title: str
    authority: str  # 制表机关
    filler: str  # 填报单位
    unit_note: str  # 计量单位
    period: str
    columns: list[Column]
    rows: list[list[Any]]  # raw values: str, int (分 for money), Decimal, None
    identities: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    footer: str = ""
    first_label: str = "甲"  # the numbering of the first (text) column

    def numbering(self) -> list[str]:
        """'甲', then 1, 2 … for the figure columns (text columns get 乙, 丙 …)."""
        out: list[str] = []
        texts = iter("甲乙丙丁")
        n = 0
        for col in self.columns:
            if col.kind in ("text", "sign"):
                out.append(next(texts))
            else:
                n += 1
                out.append(str(n))
        return out


def _cell_text(kind: str, value: Any) -> str:
    if value is None:
        return "—"
    if kind == "yuan":
        return format_yuan(int(value))
    if kind == "wan":
        return format_wan(int(value), 2)
    if kind == "rate":
        return format_rate(value, "")
    return str(value)


def _holds(flag: bool | None) -> str:
    return "" if flag is None else ("（成立）" if flag else "（不成立，请核查）")


def _footer(names: dict[str, str], day: date) -> str:
    parts = [f"{label}：{names.get(key, '') or '　　　　'}" for key, label in SIGNATURE_FIELDS]
    parts.append(f"报出日期：{day.year}年{day.month}月{day.day}日")
    return "　　　　".join(parts)


def _unit_rows(s: Summary, values: Callable[[dict[str, Value]], list[Any]]) -> list[list[Any]]:
    rows = [[TOTAL_LABEL, *values(s.total)]]
    rows += [[u.name, *values(s.row(u.id))] for u in s.units]
    return rows


def _sum_holds(rows: list[list[Any]], total: int, parts: Sequence[int]) -> bool | None:
    checked = [r for r in rows if r[total] is not None]
    if not checked:
        return None
    return all(r[total] == sum(r[p] or 0 for p in parts) for r in checked)


def build_tables(
    s: Summary, names: dict[str, str] | None = None, district: str = "", day: date | None = None
) -> list[OfficialTable]:
    """The five official tables of the summary ``s``."""
    names = names or {}
    day = day or date.today()
    where = district if s.unit.level == "district" and district else s.scope_name
    filler = f"{where}（盖章）"
    family = names.get("authority") or f"{district or where}卫生健康委员会（计生）"
    education = names.get("authority") or f"{district or where}教育局"
    footer = _footer(names, day)
    period = s.period.label

    def table(
        number: str,
        sheet: str,
        title: str,
        authority: str,
        unit_note: str,
        columns: list[Column],
        rows: list[list[Any]],
        identities: list[str],
        notes: list[str] | None = None,
    ) -> OfficialTable:
        return OfficialTable(
            number,
            sheet,
            title,
            authority,
            filler,
            unit_note,
            period,
            columns,
            rows,
            identities,
            notes or [],
            footer,
        )

    unit_col = Column("单位名称", "text", 16)
    # 表1 康检与计划生育服务
    k_cols = [
        unit_col,
        Column("应检人数", group="春秋季康检"),
        Column("实检人数", group="春秋季康检"),
        Column("康检率（%）", "rate", group="春秋季康检"),
        Column("合计", group="落实四术"),
        Column("上环", group="落实四术", width=8),
        Column("结扎", group="落实四术", width=8),
        Column("人流", group="落实四术", width=8),
        Column("引产", group="落实四术", width=8),
        Column("普查已婚育龄妇女", group="妇科病普查", width=12),
        Column("获指导性医学建议", group="妇科病普查", width=12),
        Column("新婚夫妇（对）"),
        Column("避孕药具（盒）", group="流动人口服务"),
        Column("康检（人次）", group="流动人口服务"),
    ]
    k_keys = [f.key for f in FIGURES if f.group == "康检"]  # the columns, in FIGURES order
    k_rows = _unit_rows(s, lambda v: [v[k] for k in k_keys])
    le = [r for r in k_rows if r[1] is not None]
    rate_ok = all(r[3] == (None if not r[1] else _rate(r[2], r[1])) for r in le) if le else None
    campaigns = "、".join(s.campaigns) or "本期无"
    tables = [
        table(
            "民汇1表",
            "康检",
            "康检及计划生育服务情况",
            family,
            "人、例、对、盒、人次",
            k_cols,
            k_rows,
            [
                f"2 ≤ 1{_holds(all(r[2] <= r[1] for r in le) if le else None)}",
                f"3 = 2 ÷ 1 × 100{_holds(rate_ok)}",
                f"4 = 5 + 6 + 7 + 8{_holds(_sum_holds(k_rows, 4, [5, 6, 7, 8]))}",
                f"10 ≤ 9{_holds(all((r[10] or 0) <= (r[9] or 0) for r in k_rows))}",
            ],
            [f"康检活动：{campaigns}（按活动开始日期计入期间）；结扎含女性绝育和男性绝育。"],
        )
    ]
    # 表2 帮扶发放
    sub_keys = [f.key for f in FIGURES if f.group == "帮扶"]
    s_rows = _unit_rows(s, lambda v: [v[k] for k in sub_keys])
    notes2 = [] if s.subsidy_available else ["帮扶发放模块尚未启用，本表暂无数据。"]
    tables.append(
        table(
            "民汇2表",
            "帮扶",
            "贫困计生户慰问及奖励扶助、特别扶助情况",
            family,
            "户、元、名",
            [
                unit_col,
                Column("慰问户数（户）", group="贫困计生户慰问"),
                Column("慰问金（元）", "yuan", 14, "贫困计生户慰问"),
                Column("慰问品折款（元）", "yuan", 14, "贫困计生户慰问"),
                Column("合计（元）", "yuan", 14, "贫困计生户慰问"),
                Column("奖励扶助（名）", group="确认扶助对象"),
                Column("特别扶助（名）", group="确认扶助对象"),
            ],
            s_rows,
            [f"4 = 2 + 3{_holds(_sum_holds(s_rows, 4, [2, 3]))}"],
            notes2,
        )
    )
    # 表3 两免一补
    e_rows = _unit_rows(
        s, lambda v: [v["exemption.students"], v["exemption.amount_fen"], v["exemption.amount_fen"]]
    )
    tables.append(
        table(
            "民汇3表",
            "两免一补",
            "两免一补资助情况",
            education,
            "名、元、万元",
            [
                unit_col,
                Column("受助学生（名）", width=12),
                Column("资助金额（元）", "yuan", 16),
                Column("资助金额（万元）", "wan", 14),
            ],
            e_rows,
            ["3 = 2 ÷ 10000（成立）"],
            ["受助学生按学籍号去重；资助含免学杂费、免教科书费和生活补助。"],
        )
    )
    # 表4 主要指标
    i_rows: list[list[Any]] = []
    for r in s.indicators:
        ind = r.indicator
        i_rows.append(
            [
                ind.label + (f"（{ind.unit}）" if ind.unit else ""),
                ind.numerator,
                ind.denominator,
                ind.factor,
                ind.value,
                ind.target,
                {"<=": "≤", ">=": "≥"}.get(ind.comparator or "", ""),
                "" if ind.met is None else ("达标" if ind.met else "未达标"),
                ind.margin,
                r.previous,
                r.last_year,
            ]
        )
    tables.append(
        table(
            "民汇4表",
            "指标",
            "主要指标完成情况",
            family,
            "‰、%",
            [
                Column("指标", "text", 22),
                Column("分子", "rate_input", 10),
                Column("分母", "rate_input", 10),
                Column("系数", width=7),
                Column("本期值", "rate", group="本期"),
                Column("市定目标", "rate", group="本期"),
                Column("目标要求", "sign", 8, "本期"),
                Column("是否达标", "sign", 8, "本期"),
                Column("与目标差距", "rate", group="本期"),
                Column("上期值", "rate", group="比较"),
                Column("去年同期值", "rate", group="比较"),
            ],
            i_rows,
            ["4 = 1 ÷ 2 × 3（保留两位小数，四舍五入）", "6 = |4 − 5|"],
            [
                "出生率、自然增长率的分母为期初、期末人口的平均数；"
                "目标要求「≤」为上限、「≥」为下限。"
            ],
        )
    )
    # 表5 与上期、去年同期比较（合计）
    c_rows: list[list[Any]] = []
    for f in FIGURES:
        prev, last = s.change(f.key)
        c_rows.append([f.label, f.shown_unit, *_change_cells(f.kind, s.total[f.key], prev, last)])
    money_kind = "change"
    tables.append(
        table(
            "民汇5表",
            "比较",
            f"主要数据与上期、去年同期比较（{s.scope_name}合计）",
            family,
            "见各行",
            [
                Column("项目", "text", 20),
                Column("计量单位", "sign", 8),
                Column("本期", money_kind, 12),
                Column("上期", money_kind, 12, "与上期比较"),
                Column("增减", money_kind, 12, "与上期比较"),
                Column("增减（%）", "rate", 9, "与上期比较"),
                Column("去年同期", money_kind, 12, "与去年同期比较"),
                Column("增减", money_kind, 12, "与去年同期比较"),
                Column("增减（%）", "rate", 9, "与去年同期比较"),
            ],
            c_rows,
            ["3 = 1 − 2", "4 = 3 ÷ 2 × 100", "6 = 1 − 5", "7 = 6 ÷ 5 × 100"],
            [
                f"上期：{s.previous.period.label if s.previous else '无'}；"
                f"去年同期：{s.last_year.period.label if s.last_year else '无'}。"
                "金额单位为元；比率的增减为百分点。"
            ],
        )
    )
    return tables


def _rate(num: int, den: int) -> Decimal | None:
    from desktop.domain.rates import rate

    return rate(num, den)


@dataclass(frozen=True)
class Typed:
    """A cell of the comparison table: the value and how to show it (count / yuan / rate)."""

    kind: str
    value: Any

    def __str__(self) -> str:
        return _cell_text(self.kind, self.value)


def _change_cells(kind: str, now: Value, prev: Change | None, last: Change | None) -> list[Any]:
    shown = {"fen": "yuan", "rate": "rate"}.get(kind, "count")

    def typed(v: Value) -> Typed:
        return Typed(shown, v)

    cells: list[Any] = [typed(now)]
    for change in (prev, last):
        if change is None:
            cells += [typed(None), typed(None), None]
        else:
            cells += [typed(change.earlier), typed(change.delta), change.percent]
    return cells


# -- xlsx -----------------------------------------------------------------------------------------

NUMBER_FORMATS = {
    "count": "0",
    "rate_input": "General",
    "yuan": "#,##0.00",
    "wan": "0.00",
    "rate": "0.00",
}


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, workbook: Any):
        add = workbook.add_format
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        cell = {**base, "border": 1}
        self.title = add({**base, "font_size": 16, "bold": True, "align": "center"})
        self.meta = add(base)
        self.meta_right = add({**base, "align": "right"})
        self.head = add(
            {**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#EEF2F7"}
        )
        self.number = add({**cell, "align": "center", "font_size": 9})
        self.text = add({**cell, "align": "left"})
        self.text_bold = add({**cell, "align": "left", "bold": True})
        self.center = add({**cell, "align": "center"})
        self.note = add({**base, "font_size": 9})
        self.values: dict[tuple[str, bool], Any] = {}
        for kind, fmt in NUMBER_FORMATS.items():
            for bold in (False, True):
                self.values[(kind, bold)] = add(
                    {**cell, "align": "right", "num_format": fmt, "bold": bold}
                )


def _excel_value(kind: str, value: Any) -> tuple[str, Any]:
    """(format kind, value to write) for a raw cell value."""
    if isinstance(value, Typed):
        kind, value = value.kind, value.value
    if value is None:
        return "text", "—"
    if kind == "yuan":
        return "yuan", Decimal(int(value)) / FEN_PER_YUAN
    if kind == "wan":
        return "wan", Decimal(int(value)) / FEN_PER_WAN
    if isinstance(value, Decimal):
        return ("rate" if kind in ("rate", "change") else "rate_input"), value
    if isinstance(value, int):
        return "count", value
    return "text", str(value)


def _write_table(ws: Any, fm: _Formats, t: OfficialTable) -> None:
    ncols = len(t.columns)
    last = ncols - 1
    for c, col in enumerate(t.columns):
        ws.set_column(c, c, col.width)
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, last, t.title, fm.title)
    half = max(1, ncols // 2)
    meta = [
        (f"填报单位：{t.filler}", f"表　　号：{t.number}"),
        (f"计量单位：{t.unit_note}", f"制表机关：{t.authority}"),
        (f"报告期：{t.period}", ""),
    ]
    row = 1
    for left, right in meta:
        ws.merge_range(row, 0, row, half - 1, left, fm.meta) if half > 1 else ws.write(
            row, 0, left, fm.meta
        )
        if right:
            ws.merge_range(row, half, row, last, right, fm.meta_right)
        row += 1
    # two header rows: groups above, column heads below; a column without a group spans both
    top, below = row, row + 1
    ws.set_row(below, 30)
    c = 0
    vertical: list[int] = []
    while c < ncols:
        group = t.columns[c].group
        if not group:
            ws.write_string(top, c, t.columns[c].head, fm.head)
            vertical.append(c)
            c += 1
            continue
        end = c
        while end + 1 < ncols and t.columns[end + 1].group == group:
            end += 1
        if end > c:
            ws.merge_range(top, c, top, end, group, fm.head)
        else:
            ws.write_string(top, c, group, fm.head)
        c = end + 1
    for c, col in enumerate(t.columns):
        if c in vertical:
            ws.write_blank(below, c, None, fm.head)
            # constant_memory has flushed the upper row: record the merge itself (its cells are
            # written already: the head above, a formatted blank here)
            ws.merge.append([top, c, below, c])
        else:
            ws.write_string(below, c, col.head, fm.head)
    numbering = below + 1
    for c, label in enumerate(t.numbering()):
        ws.write_string(numbering, c, label, fm.number)
    ws.repeat_rows(top, numbering)
    row = numbering + 1
    for r, values in enumerate(t.rows):
        bold = r == 0 and values and values[0] == TOTAL_LABEL
        for c, (col, value) in enumerate(zip(t.columns, values, strict=True)):
            kind, shown = _excel_value(col.kind, value)
            if col.kind in ("text", "sign") or kind == "text":
                ws.write_string(
                    row,
                    c,
                    str(shown),
                    fm.text_bold if bold and c == 0 else fm.text if c == 0 else fm.center,
                )
            else:
                ws.write_number(row, c, shown, fm.values[(kind, bool(bold))])
        row += 1
    row += 1
    if t.identities:
        ws.write_string(row, 0, "表内关系：" + "；".join(t.identities), fm.note)
        row += 1
    for note in t.notes:
        ws.write_string(row, 0, "说明：" + note, fm.note)
        row += 1
    row += 1
    ws.write_string(row, 0, t.footer, fm.meta)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    ws.center_horizontally()
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页 共 &N 页")
    ws.print_area(0, 0, row, last)


def write_xlsx(path: str | Path, tables: Sequence[OfficialTable]) -> None:
    """One sheet per table, streamed (xlsxwriter ``constant_memory``: rows are written in order
    and flushed, so the memory does not grow with the number of rows)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.set_properties({"title": tables[0].title if tables else "", "author": "民生台账"})
    formats = _Formats(workbook)
    for t in tables:
        _write_table(workbook.add_worksheet(f"{t.number} {t.sheet}"[:31]), formats, t)
    workbook.close()


# -- pdf ------------------------------------------------------------------------------------------


def pdf_table(t: OfficialTable) -> PdfTable:
    """The same table for :func:`desktop.reports.pdf.write_pdf`: the group row, the head row and
    the numbering repeated on every page."""
    ncols = len(t.columns)
    top: list[str] = []
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    c = 0
    while c < ncols:
        group = t.columns[c].group
        if not group:
            top.append(t.columns[c].head)
            spans.append(((c, 0), (c, 1)))
            c += 1
            continue
        end = c
        while end + 1 < ncols and t.columns[end + 1].group == group:
            end += 1
        top += [group] + [""] * (end - c)
        if end > c:
            spans.append(((c, 0), (end, 0)))
        c = end + 1
    below = ["" if not col.group else col.head for col in t.columns]
    rows = [
        [_pdf_text(col.kind, v) for col, v in zip(t.columns, values, strict=True)]
        for values in t.rows
    ]
    below_lines = []
    if t.identities:
        below_lines.append("表内关系：" + "；".join(t.identities))
    below_lines += ["说明：" + n for n in t.notes]
    return PdfTable(
        title=t.title,
        head=[top, below, t.numbering()],
        rows=rows,
        above_left=[f"填报单位：{t.filler}", f"计量单位：{t.unit_note}"],
        above_right=[f"表号：{t.number}", f"制表机关：{t.authority}", f"报告期：{t.period}"],
        below=below_lines,
        footer=t.footer,
        col_widths=[col.width for col in t.columns],
        spans=spans,
        numeric_from=1,
        font_size=8.5 if ncols > 10 else 9,
    )


def _pdf_text(kind: str, value: Any) -> str:
    if isinstance(value, Typed):
        return str(value)
    if kind in ("text", "sign"):
        return "" if value is None else str(value)
    if kind == "rate_input":
        return "—" if value is None else str(value)
    if kind == "change":
        return _cell_text("count", value)
    return _cell_text(kind, value)


def pdf_tables(tables: Sequence[OfficialTable]) -> list[PdfTable]:
    return [pdf_table(t) for t in tables]
