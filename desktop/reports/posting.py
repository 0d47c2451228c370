"""帮扶发放 exports (Qt-free): the public posting (公示) and the bank's disbursement roster (发放花名册).

**公示** (.xlsx and PDF) is pinned on a notice board and may be photographed by anyone, so it holds
only what a posting shows: community, the name partly masked (张*三 / 张*), programme, category,
standard, amount, covered period, the posting dates and where to object. A :class:`PostingLine`
has no field for an ID number, an account, an address or a health detail, the writer masks the
name itself (a caller cannot pass a full name through), and every cell is checked before the
file is written: a run of 8 or more digits (an ID number, an account, a phone) refuses the export.

**发放花名册** (.xlsx) goes to the bank that credits the accounts, and comes back signed. What it
shows, and why:

- the full name and the **full account number** with its type — the bank credits by account and
  checks the holder's name; nothing less lets it pay;
- the ID number **masked** (first 6 and last 4, ``mask_id``): the last 4 tell namesakes apart, the
  bank needs no more, and the full number stays in the ledger;
- cash amount (and a 慰问品 column only when the batch carries goods), covered period, status;
- a blank 领款人签名 column and 备注, the batch number, pay date, who proposed and who approved, a
  合计 row, and signature lines for 经办人 / 审核人 / 银行经办人.

No address, phone, hukou or health detail appears in either file. Each export is audited through
``door.log("export", ...)`` by :func:`export_posting` / :func:`export_roster` (the UI calls those).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.domain.errors import ValidationError
from desktop.domain.ids import mask_id
from desktop.domain.money import format_yuan

if TYPE_CHECKING:
    from desktop.store.door import WriteDoor
    from desktop.store.orgs import Scope

POSTING_HEAD = ("序号", "社区", "姓名", "项目", "类别", "标准", "金额（元）", "发放期间")
POSTING_WIDTHS = (6, 16, 10, 14, 10, 16, 12, 24)
ROSTER_HEAD = (
    "序号",
    "社区",
    "姓名",
    "身份证号",
    "账户类型",
    "账号",
    "金额（元）",
    "所属期间",
    "领款人签名",
    "备注",
)
ROSTER_WIDTHS = (6, 14, 10, 21, 10, 24, 12, 24, 14, 14)
GOODS_HEAD = "慰问品（元）"

# 8 or more digits in a row: an ID number, an account, a phone — never on a public posting.
_LONG_DIGITS = re.compile(r"\d{8,}")


def mask_name(name: str | None) -> str:
    """A name as a posting shows it: 张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明."""
    text = "".join(str(name or "").split())
    if len(text) <= 1:
        return text
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]


def yuan_text(fen: int | None) -> str:
    return "" if fen is None else format_yuan(int(fen))


# -- 公示 -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostingLine:
    """One person (or household) on a posting. ``name`` is the full name: the writer masks it."""

    community: str
    name: str
    programme: str
    category: str = ""
    standard: str = ""  # e.g. '960.00 元/人·年'
    amount_fen: int | None = None  # None: a qualification posting without an amount
    period: str = ""  # e.g. '2026-01-01 至 2026-03-31'


@dataclass(frozen=True)
class Posting:
    title: str  # '2026年度奖励扶助对象公示'
    unit: str  # the office that posts it
    posted_from: str
    posted_to: str
    objection: str  # where to object: '城关街道办事处计生办（电话 0371-6xxxxxx）'
    lines: Sequence[PostingLine]
    issued_on: str = field(default_factory=lambda: date.today().isoformat())


def posting_rows(posting: Posting) -> list[list[str]]:
    """The table body exactly as both files print it (names masked), checked for digits."""
    rows = [
        [
            str(n),
            line.community,
            mask_name(line.name),
            line.programme,
            line.category,
            line.standard,
            yuan_text(line.amount_fen),
            line.period,
        ]
        for n, line in enumerate(posting.lines, start=1)
    ]
    for n, row in enumerate(rows, start=1):
        for col, text in enumerate(row):
            if _LONG_DIGITS.search(text):
                raise ValidationError.single(
                    "公示",
                    f"第 {n} 行「{POSTING_HEAD[col]}」含一长串数字（{len(text)} 个字符），"
                    "像身份证号、账号或电话，公示中不得出现：请检查数据后重新导出",
                )
    return rows


def posting_notes(posting: Posting) -> list[str]:
    amounts = [line.amount_fen for line in posting.lines if line.amount_fen is not None]
    total = f"，金额合计 {format_yuan(sum(amounts))} 元" if amounts else ""
    return [
        f"共 {len(posting.lines)} 人{total}。",
        f"公示期：{posting.posted_from} 至 {posting.posted_to}。",
        f"如有异议，请在公示期内向{posting.objection}反映。",
        "为保护个人信息，姓名部分隐去，不公开身份证号、账号、住址及健康信息。",
    ]


def write_posting_xlsx(path: str | Path, posting: Posting) -> Path:
    rows = posting_rows(posting)
    workbook, formats = _workbook(path)
    sheet = workbook.add_worksheet("公示")
    last = len(POSTING_HEAD) - 1
    _sheet_top(sheet, formats, posting.title, last, POSTING_WIDTHS)
    sheet.merge_range(
        1,
        0,
        1,
        last,
        f"公示单位：{posting.unit}　　公示日期：{posting.posted_from} 至 {posting.posted_to}",
        formats["meta"],
    )
    end = _table(sheet, formats, 3, POSTING_HEAD, rows, numeric=(6,))
    for offset, note in enumerate(posting_notes(posting), start=1):
        sheet.merge_range(end + offset, 0, end + offset, last, note, formats["note"])
    sheet.merge_range(
        end + 6, 0, end + 6, last, f"{posting.unit}　　{posting.issued_on}", formats["right"]
    )
    _close(workbook, path)
    return Path(path)


def write_posting_pdf(path: str | Path, posting: Posting) -> Path:
    from desktop.reports.pdf import PdfTable, write_pdf

    rows = posting_rows(posting)
    table = PdfTable(
        title=posting.title,
        head=[list(POSTING_HEAD)],
        rows=rows,
        above_left=[f"公示单位：{posting.unit}"],
        above_right=[f"公示日期：{posting.posted_from} 至 {posting.posted_to}"],
        below=posting_notes(posting),
        footer=f"{posting.unit}　　{posting.issued_on}",
        col_widths=POSTING_WIDTHS,
        numeric_from=6,
    )
    _write_pdf_checked(write_pdf, path, [table], posting.title)
    return Path(path)


def write_posting(path: str | Path, posting: Posting) -> Path:
    """.pdf by the file's suffix, else .xlsx."""
    if Path(path).suffix.lower() == ".pdf":
        return write_posting_pdf(path, posting)
    return write_posting_xlsx(path, posting)


# -- 发放花名册 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterLine:
    community: str
    name: str
    id_number: str  # full: the writer masks it
    account_type: str  # label: 社保卡 / 一卡通 / 存折
    account_no: str  # full: the bank needs it
    amount_fen: int
    period: str
    goods_fen: int = 0
    note: str = ""


@dataclass(frozen=True)
class Roster:
    title: str  # '奖励扶助金发放花名册'
    unit: str
    programme: str
    batch_no: str
    pay_date: str
    proposed_by: str
    approved_by: str
    lines: Sequence[RosterLine]
    issued_on: str = field(default_factory=lambda: date.today().isoformat())


def roster_rows(roster: Roster) -> tuple[list[str], list[list[str]], list[str]]:
    """(header, body, 合计 row) as the workbook prints them."""
    goods = any(line.goods_fen for line in roster.lines)
    head = list(ROSTER_HEAD)
    if goods:
        head.insert(7, GOODS_HEAD)
    body = []
    for n, line in enumerate(roster.lines, start=1):
        row = [
            str(n),
            line.community,
            line.name,
            mask_id(line.id_number),
            line.account_type,
            line.account_no,
            yuan_text(line.amount_fen),
            line.period,
            "",
            line.note,
        ]
        if goods:
            row.insert(7, yuan_text(line.goods_fen))
        body.append(row)
    total = [
        "合计",
        "",
        f"{len(roster.lines)} 人",
        "",
        "",
        "",
        yuan_text(sum(line.amount_fen for line in roster.lines)),
        "",
        "",
        "",
    ]
    if goods:
        total.insert(7, yuan_text(sum(line.goods_fen for line in roster.lines)))
    return head, body, total


def write_roster_xlsx(path: str | Path, roster: Roster) -> Path:
    head, body, total = roster_rows(roster)
    workbook, formats = _workbook(path)
    sheet = workbook.add_worksheet("花名册")
    last = len(head) - 1
    widths = list(ROSTER_WIDTHS)
    if len(head) > len(ROSTER_HEAD):
        widths.insert(7, 12)
    _sheet_top(sheet, formats, roster.title, last, widths)
    sheet.merge_range(
        1,
        0,
        1,
        last,
        f"发放单位：{roster.unit}　　项目：{roster.programme}　　批次号：{roster.batch_no}"
        f"　　发放日期：{roster.pay_date}",
        formats["meta"],
    )
    numeric = tuple(i for i, h in enumerate(head) if h in ("金额（元）", GOODS_HEAD))
    end = _table(sheet, formats, 3, tuple(head), [*body, total], numeric=numeric, text_cols=(3, 5))
    notes = [
        f"制表：{roster.proposed_by}　　审核批准：{roster.approved_by}　　制表日期：{roster.issued_on}",
        "经办人（签字）：　　　　　　审核人（签字）：　　　　　　银行经办人（签字、盖章）：",
        "说明：账号为入账所需，请妥善保管本表，用后交回或销毁；身份证号只显示前6位和后4位。",
    ]
    for offset, note in enumerate(notes, start=1):
        sheet.merge_range(end + offset, 0, end + offset, last, note, formats["note"])
    _close(workbook, path)
    return Path(path)


# -- reading the ledger ---------------------------------------------------------------------------
#
# The exports read the records themselves (like ``reports.indicators``): the store's paged lists
# mask IDs and accounts, and the bank's roster needs the account in full.

_UNIT_NAME = "(SELECT name FROM org_units WHERE id = {})"
_STANDARD_TEXT = (
    "(SELECT printf('%.2f ', s.amount_fen / 100.0) || CASE s.unit WHEN 'year' THEN '元/人·年'"
    " WHEN 'month' THEN '元/人·月' ELSE '元（一次性）' END FROM subsidy_standards AS s"
    " WHERE s.id = {})"
)


def _category(key: Any) -> str:
    from desktop.domain.choices import SUBSIDY_CATEGORY

    if not key:
        return ""
    return SUBSIDY_CATEGORY.label(key) if key in SUBSIDY_CATEGORY else str(key)


def _account_type(key: Any) -> str:
    from desktop.domain.choices import ACCOUNT_TYPES

    if not key:
        return ""
    return ACCOUNT_TYPES.label(key) if key in ACCOUNT_TYPES else str(key)


def _span(start: Any, end: Any) -> str:
    return f"{start} 至 {end}" if start != end else str(start)


def _scoped(where: list[str], params: list[Any], scope: Scope | None) -> None:
    """Narrow a query over alias ``t`` to ``scope`` (None: everything)."""
    if scope is not None:
        scope_sql, scope_params = scope.sql("t.office", "t.community_id")
        where.append(scope_sql)
        params += scope_params


def _batch_payments(db: Any, batch_id: str, scope: Scope | None) -> list[dict[str, Any]]:
    where, params = ["t.deleted = 0", "t.batch_id = ?"], [batch_id]
    _scoped(where, params, scope)
    sql = (
        "SELECT " + _UNIT_NAME.format("t.community_id") + " AS community, p.name, p.id_number,"
        " g.name AS programme, q.category, "
        + _STANDARD_TEXT.format("t.standard_id")
        + " AS standard, t.amount_fen, t.goods_fen, t.covered_start, t.covered_end,"
        " t.account_type, t.account_no, t.status, t.note"
        " FROM payments AS t JOIN persons AS p ON p.id = t.person_id"
        " JOIN subsidy_programmes AS g ON g.id = t.programme_id"
        " LEFT JOIN qualifications AS q ON q.id = t.qualification_id"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY community, p.pinyin, p.name, t.rowid"
    )
    cursor = db.execute(sql, params)
    keys = [d[0] for d in cursor.description]
    return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]


def _batch(db: Any, batch_id: str) -> dict[str, Any]:
    cursor = db.execute(
        "SELECT b.batch_no, b.pay_date, b.covered_start, b.covered_end, b.proposed_by,"
        " b.approved_by, b.office, g.name AS programme"
        " FROM payment_batches AS b JOIN subsidy_programmes AS g ON g.id = b.programme_id"
        " WHERE b.id = ? AND b.deleted = 0",
        [batch_id],
    )
    row = cursor.fetchone()
    if row is None:
        raise ValidationError.single("发放批次", "未找到该批次（可能已被删除）")
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def batch_posting(
    db: Any,
    batch_id: str,
    *,
    unit: str,
    posted_from: str,
    posted_to: str,
    objection: str,
    scope: Scope | None = None,
    issued_on: str | None = None,
) -> Posting:
    """The 公示 of one payment batch (its live payments in ``scope``), names masked on writing."""
    batch = _batch(db, batch_id)
    lines = [
        PostingLine(
            r["community"] or "",
            r["name"] or "",
            r["programme"],
            _category(r["category"]),
            r["standard"] or "",
            (r["amount_fen"] or 0) + (r["goods_fen"] or 0),
            _span(r["covered_start"], r["covered_end"]),
        )
        for r in _batch_payments(db, batch_id, scope)
    ]
    return Posting(
        title=f"{batch['programme']}资金发放公示（{_span(batch['covered_start'], batch['covered_end'])}）",
        unit=unit,
        posted_from=posted_from,
        posted_to=posted_to,
        objection=objection,
        lines=lines,
        issued_on=issued_on or date.today().isoformat(),
    )


def batch_roster(
    db: Any, batch_id: str, *, unit: str, scope: Scope | None = None, issued_on: str | None = None
) -> Roster:
    """The bank's 发放花名册 of one batch: full accounts, masked IDs (see the module's note)."""
    batch = _batch(db, batch_id)
    lines = [
        RosterLine(
            r["community"] or "",
            r["name"] or "",
            r["id_number"] or "",
            _account_type(r["account_type"]),
            r["account_no"] or "",
            r["amount_fen"] or 0,
            _span(r["covered_start"], r["covered_end"]),
            goods_fen=r["goods_fen"] or 0,
            note=r["note"] or "",
        )
        for r in _batch_payments(db, batch_id, scope)
    ]
    return Roster(
        title=f"{batch['programme']}发放花名册",
        unit=unit,
        programme=batch["programme"],
        batch_no=batch["batch_no"],
        pay_date=batch["pay_date"],
        proposed_by=batch["proposed_by"],
        approved_by=batch["approved_by"],
        lines=lines,
        issued_on=issued_on or date.today().isoformat(),
    )


def qualification_posting(
    db: Any,
    programme_id: str,
    year: int,
    *,
    unit: str,
    posted_from: str,
    posted_to: str,
    objection: str,
    scope: Scope | None = None,
    statuses: Sequence[str] = ("new",),
    issued_on: str | None = None,
) -> Posting:
    """The 公示 of a year's qualifications of a programme (by default the 新增 ones, which the
    rules require to be posted), with the standard in force on the entitlement's first day."""
    where = [
        "t.deleted = 0",
        "t.programme_id = ?",
        "t.year = ?",
        f"t.status IN ({','.join('?' * len(statuses))})",
    ]
    params: list[Any] = [programme_id, year, *statuses]
    _scoped(where, params, scope)
    standard = (
        "(SELECT s.id FROM subsidy_standards AS s WHERE s.deleted = 0"
        " AND s.programme_id = t.programme_id"
        " AND (s.category IS NULL OR s.category = t.category)"
        " AND (s.hukou IS NULL OR s.hukou = p.hukou)"
        " AND s.effective_from <= t.start_on"
        " AND (s.effective_to IS NULL OR s.effective_to >= t.start_on)"
        " ORDER BY s.category IS NULL, s.hukou IS NULL, s.effective_from DESC LIMIT 1)"
    )
    sql = (
        "SELECT " + _UNIT_NAME.format("t.community_id") + " AS community, p.name,"
        " g.name AS programme, t.category, "
        + _STANDARD_TEXT.format(standard)
        + " AS standard, t.start_on, t.end_on"
        " FROM qualifications AS t JOIN persons AS p ON p.id = t.person_id"
        " JOIN subsidy_programmes AS g ON g.id = t.programme_id"
        f" WHERE {' AND '.join(where)} ORDER BY community, p.pinyin, p.name, t.rowid"
    )
    rows = db.execute(sql, params).fetchall()
    name = db.execute("SELECT name FROM subsidy_programmes WHERE id = ?", [programme_id]).fetchone()
    lines = [
        PostingLine(
            community or "",
            person or "",
            programme,
            _category(category),
            std or "",
            None,
            _span(start, end or f"{year}-12-31"),
        )
        for community, person, programme, category, std, start, end in rows
    ]
    return Posting(
        title=f"{year}年度{name[0] if name else ''}对象公示",
        unit=unit,
        posted_from=posted_from,
        posted_to=posted_to,
        objection=objection,
        lines=lines,
        issued_on=issued_on or date.today().isoformat(),
    )


# -- audited exports ----------------------------------------------------------------------------


def export_posting(door: WriteDoor, path: str | Path, posting: Posting, **detail: Any) -> Path:
    """Write the posting (.xlsx or .pdf by suffix) and audit the export."""
    written = write_posting(path, posting)
    door.log(
        "export",
        detail={
            "what": "subsidy_posting",
            "title": posting.title,
            "rows": len(posting.lines),
            "format": written.suffix.lstrip(".").lower(),
            "file": written.name,
            **detail,
        },
    )
    return written


def export_roster(door: WriteDoor, path: str | Path, roster: Roster, **detail: Any) -> Path:
    """Write the bank roster (.xlsx: full accounts) and audit the export."""
    written = write_roster_xlsx(path, roster)
    door.log(
        "export",
        detail={
            "what": "subsidy_roster",
            "batch_no": roster.batch_no,
            "rows": len(roster.lines),
            "full_accounts": True,
            "file": written.name,
            **detail,
        },
    )
    return written


# -- workbook helpers ----------------------------------------------------------------------------


def _workbook(path: str | Path) -> tuple[Any, dict[str, Any]]:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False}
    )
    formats = {
        "title": workbook.add_format(
            {"bold": True, "font_size": 15, "align": "center", "valign": "vcenter"}
        ),
        "meta": workbook.add_format({"font_size": 10, "font_color": "#444444"}),
        "head": workbook.add_format(
            {
                "bold": True,
                "bg_color": "#D9E1F2",
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
            }
        ),
        "cell": workbook.add_format({"border": 1, "valign": "vcenter"}),
        "text": workbook.add_format({"border": 1, "valign": "vcenter", "num_format": "@"}),
        "num": workbook.add_format({"border": 1, "valign": "vcenter", "align": "right"}),
        "note": workbook.add_format({"font_size": 10, "text_wrap": True}),
        "right": workbook.add_format({"font_size": 10, "align": "right"}),
    }
    return workbook, formats


def _sheet_top(
    sheet: Any, formats: dict[str, Any], title: str, last: int, widths: Sequence[int]
) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(3)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.set_row(0, 28)
    sheet.merge_range(0, 0, 0, last, title, formats["title"])


def _table(
    sheet: Any,
    formats: dict[str, Any],
    top: int,
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[int] = (),
    text_cols: Sequence[int] = (),
) -> int:
    """Header at row ``top``, then the rows as text; returns the last row written."""
    sheet.set_row(top, 22)
    for col, text in enumerate(head):
        sheet.write_string(top, col, text, formats["head"])
    r = top
    for r, row in enumerate(rows, start=top + 1):
        for col, text in enumerate(row):
            style = formats["num" if col in numeric else "text" if col in text_cols else "cell"]
            if text:
                sheet.write_string(r, col, text, style)
            else:
                sheet.write_blank(r, col, None, style)
    sheet.freeze_panes(top + 1, 0)
    return r


def _close(workbook: Any, path: str | Path) -> None:
    from xlsxwriter.exceptions import FileCreateError

    try:
        workbook.close()
    except (FileCreateError, OSError) as exc:
        raise ValidationError.single(
            "导出文件",
            f"无法写入 {path}（{exc}）。如果该文件正在 Excel 中打开，请先关闭它，或换一个文件名",
        ) from None


def _write_pdf_checked(write: Any, path: str | Path, tables: list[Any], title: str) -> None:
    try:
        write(path, tables, title=title)
    except OSError as exc:
        raise ValidationError.single(
            "导出文件",
            f"无法写入 {path}（{exc}）。如果该文件正在打开，请先关闭它，或换一个文件名",
        ) from None
