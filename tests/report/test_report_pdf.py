"""The PDF writer: Chinese text embedded in the bundled font, header rows repeated, page numbers."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from desktop.reports.pdf import PdfTable, write_pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils 未安装")


def _text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_tables_carry_chinese_text_page_numbers_and_repeated_headers(tmp_path):
    rows = [[str(i), f"张三{i}", "1,234.50"] for i in range(1, 121)]
    table = PdfTable(
        title="两免一补汇总表",
        head=[["序号", "姓名", "金额（元）"]],
        rows=rows,
        above_left=["填报单位：示范区"],
        above_right=["表号：民生03表"],
        below=["注：合计 = 各办事处之和"],
        footer="填表人：王五  报出日期：2026-04-05",
    )
    target = tmp_path / "t.pdf"
    write_pdf(target, [table])
    text = _text(target)
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 3  # 120 rows do not fit one landscape page
    total = len([p for p in pages if p.strip()])
    for number, page in enumerate([p for p in pages if p.strip()], start=1):
        assert "金额（元）" in page  # the header row repeats on every page
        assert f"第{number}页共{total}页" in page.replace(" ", "")
    assert "两免一补汇总表" in text and "张三120" in text and "报出日期：2026-04-05" in text
    fonts = subprocess.run(
        ["pdffonts", str(target)], check=True, capture_output=True, text=True
    ).stdout
    assert "WenQuanYiMicroHei" in fonts and " yes yes " in fonts  # embedded, subset


def test_images_follow_the_tables_one_per_page(tmp_path):
    import base64

    # a 1×1 PNG: the smallest valid image
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    from desktop.reports.pdf import PdfImage

    target = tmp_path / "i.pdf"
    write_pdf(
        target, [PdfTable(title="表", head=[["甲"]], rows=[["1"]])], [PdfImage("康检率趋势", png)]
    )
    pages = [p for p in _text(target).split("\f") if p.strip()]
    assert len(pages) == 2 and "康检率趋势" in pages[1]
