"""公示 and 发放花名册 files: the posting shows masked names and nothing that identifies a person
beyond that (checked in every cell of the workbook, in its raw XML and in the PDF's text); the
roster carries the full account the bank needs, the masked ID and a signature column; each export
is audited."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from desktop.domain.errors import ValidationError
from desktop.reports.posting import (
    Posting,
    PostingLine,
    Roster,
    RosterLine,
    export_posting,
    export_roster,
    mask_name,
    write_posting_pdf,
    write_posting_xlsx,
    write_roster_xlsx,
)

ID_NUMBER = "419901195801020021"
ACCOUNT = "6217000012345678901"
ADDRESS = "东关社区幸福路18号"
PHONE = "13800001234"


def _posting(n: int = 3) -> Posting:
    names = ["张秀兰", "王敏", "欧阳小明"]
    return Posting(
        title="2026年度奖励扶助对象公示",
        unit="城关街道办事处",
        posted_from="2026-03-01",
        posted_to="2026-03-07",
        objection="城关街道办事处计生办（电话 0371-6123456）",
        lines=[
            PostingLine(
                "东关社区",
                names[i % 3],
                "奖励扶助",
                "",
                "960.00 元/人·年",
                96000,
                "2026-01-01 至 2026-12-31",
            )
            for i in range(n)
        ],
        issued_on="2026-03-01",
    )


def _cells(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [
        str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None
    ]


def _raw(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_mask_name_keeps_the_first_and_last_character():
    assert mask_name("张三") == "张*"
    assert mask_name("张小三") == "张*三"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_name(" 李 ") == "李"
    assert mask_name(None) == ""


def test_posting_workbook_shows_masked_names_only(tmp_path):
    path = write_posting_xlsx(tmp_path / "p.xlsx", _posting())
    cells = _cells(path)
    text = "\n".join(cells)
    assert "张*兰" in cells and "王*" in cells and "欧**明" in cells
    for secret in ("张秀兰", "王敏", "欧阳小明", ID_NUMBER, ACCOUNT, ADDRESS, PHONE):
        assert secret not in text
        assert secret not in _raw(path)
    assert "2026年度奖励扶助对象公示" in text
    assert any("公示期：2026-03-01 至 2026-03-07" in c for c in cells)
    assert any("如有异议" in c and "0371-6123456" in c for c in cells)
    assert any("金额合计 2,880.00 元" in c for c in cells)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils 未安装")
def test_posting_pdf_shows_masked_names_only(tmp_path):
    path = write_posting_pdf(tmp_path / "p.pdf", _posting(40))
    text = _pdf_text(path)
    flat = text.replace(" ", "")
    assert "张*兰" in flat and "欧**明" in flat
    for secret in ("张秀兰", "欧阳小明", ID_NUMBER, ACCOUNT, ADDRESS):
        assert secret not in flat
    assert "公示期：2026-03-01至2026-03-07" in flat


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils 未安装")
def test_a_long_posting_is_cut_into_pages_as_reportlab_would(tmp_path):
    """The PDF writer counts each page's rows itself (fast) and draws plain cells in one text
    object per table: the pages and their text are those of the old way, one table that
    reportlab splits, including rows of two lines and a table whose last page is short."""
    from desktop.reports.pdf import PdfTable, write_pdf

    rows = [[str(n), f"社区{n % 7}", f"张小{n}", "奖励扶助"] for n in range(1, 181)]
    rows[40][1] = "东关社区\n（二组）"  # a row of two lines
    table = PdfTable(
        title="长公示",
        head=[["序号", "社区", "姓名", "项目"]],
        rows=rows,
        above_left=["公示单位：城关"],
        below=["注：共 180 人"],
        numeric_from=3,
    )
    fast, slow = tmp_path / "fast.pdf", tmp_path / "slow.pdf"
    write_pdf(fast, [table])
    write_pdf(slow, [table], split_pages=False)
    pages = _pdf_text(fast).split("\f")
    assert len([p for p in pages if p.strip()]) >= 5
    assert _pdf_text(fast) == _pdf_text(slow)
    assert all("序号" in p for p in pages if p.strip())  # the header on every page


def test_a_long_digit_run_refuses_the_posting(tmp_path):
    bad = Posting(
        "公示",
        "城关街道办事处",
        "2026-03-01",
        "2026-03-07",
        "计生办",
        [PostingLine("东关社区", "张三", "奖励扶助", ID_NUMBER)],
    )
    with pytest.raises(ValidationError) as caught:
        write_posting_xlsx(tmp_path / "bad.xlsx", bad)
    assert "第 1 行「类别」" in str(caught.value)
    assert not (tmp_path / "bad.xlsx").exists()


def _roster(goods: bool = False) -> Roster:
    return Roster(
        title="奖励扶助金发放花名册",
        unit="城关街道办事处",
        programme="奖励扶助",
        batch_no="CG-2026-001",
        pay_date="2026-03-20",
        proposed_by="李秀英",
        approved_by="赵敏",
        lines=[
            RosterLine(
                "东关社区",
                "张秀兰",
                ID_NUMBER,
                "社保卡",
                ACCOUNT,
                96000,
                "2026-01-01 至 2026-12-31",
                goods_fen=5000 if goods else 0,
            ),
            RosterLine(
                "西街社区",
                "王敏",
                "41990119600304002X",
                "存折",
                "622200001111",
                48000,
                "2026-01-01 至 2026-06-30",
            ),
        ],
        issued_on="2026-03-18",
    )


def test_roster_has_full_account_masked_id_signature_and_total(tmp_path):
    path = write_roster_xlsx(tmp_path / "r.xlsx", _roster())
    book = openpyxl.load_workbook(path)
    ws = book.active
    head = [c.value for c in ws[4]]
    assert "领款人签名" in head and "慰问品（元）" not in head
    first = {h: c.value for h, c in zip(head, ws[5], strict=False)}
    assert first["姓名"] == "张秀兰"
    assert first["账号"] == ACCOUNT  # stored as text, every digit kept
    assert first["身份证号"] == "419901********0021"
    assert first["领款人签名"] is None
    total = {h: c.value for h, c in zip(head, ws[7], strict=False)}
    assert total["序号"] == "合计" and total["金额（元）"] == "1,440.00"
    assert ID_NUMBER not in _raw(path)


def test_roster_adds_a_goods_column_when_the_batch_has_goods(tmp_path):
    path = write_roster_xlsx(tmp_path / "r.xlsx", _roster(goods=True))
    head = [c.value for c in openpyxl.load_workbook(path).active[4]]
    assert head[7] == "慰问品（元）"


def test_exports_are_audited(tmp_path):
    from desktop.store.db import open_database
    from desktop.store.door import WriteDoor
    from desktop.store.users import SYSTEM

    db = open_database(tmp_path / "a.db")
    door = WriteDoor(db, SYSTEM)
    export_posting(door, tmp_path / "p.pdf", _posting(), batch_id="b1")
    export_roster(door, tmp_path / "r.xlsx", _roster())
    rows = db.execute(
        "SELECT action, after FROM audit WHERE action = 'export' ORDER BY seq"
    ).fetchall()
    details = [json.loads(d) for _a, d in rows]
    assert [d["what"] for d in details] == ["subsidy_posting", "subsidy_roster"]
    assert details[0]["format"] == "pdf" and details[0]["batch_id"] == "b1"
    assert details[1]["full_accounts"] is True and details[1]["rows"] == 2
    db.conn.close()
