"""PDF pages of tables (and chart images) with Chinese text, for every export that prints.

reportlab lays the pages out; the bundled WenQuanYi Micro Hei (``resources/fonts``, a TrueType
collection) is embedded — subset to the characters used — so the PDF shows Chinese on any machine,
including one with no CJK font installed. A4 landscape by default, header rows repeated on every
page, "第 n 页 共 m 页" at the foot of each page.

    from desktop.reports.pdf import PdfTable, write_pdf
    write_pdf(path, [PdfTable(title="…", head=[["序号", "姓名"]], rows=[["1", "张三"]])])
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from desktop.resources import resource_path

FONT_NAME = "WenQuanYiMicroHei"
FONT_FILE = ("fonts", "wqy-microhei.ttc")


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register the bundled CJK font with reportlab once; returns its name for styles."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT_NAME, str(resource_path(*FONT_FILE)), subfontIndex=0))
    return FONT_NAME


@dataclass
class PdfTable:
    """One official table: title, the lines above it, header rows, body rows, the lines below."""

    title: str
    head: list[list[str]]  # one or more header rows (repeated on every page)
    rows: list[list[str]]
    above_left: list[str] = field(default_factory=list)  # e.g. 填报单位, 计量单位
    above_right: list[str] = field(default_factory=list)  # e.g. 表号, 制表机关, the period
    below: list[str] = field(default_factory=list)  # identities, notes
    footer: str = ""  # 单位负责人：…  统计负责人：…  填表人：…  报出日期：…
    col_widths: Sequence[float] | None = None  # relative widths; None = equal
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    numeric_from: int = 1  # first column that is right-aligned (figures)
    font_size: float = 9


@dataclass
class PdfImage:
    title: str
    png: bytes


def _styles(size: float) -> dict[str, object]:
    from reportlab.lib.styles import ParagraphStyle

    font = cjk_font()
    return {
        "title": ParagraphStyle(
            "t", fontName=font, fontSize=size + 7, leading=size + 12, alignment=1, spaceAfter=4
        ),
        "meta": ParagraphStyle("m", fontName=font, fontSize=size, leading=size + 4),
        "meta_r": ParagraphStyle("mr", fontName=font, fontSize=size, leading=size + 4, alignment=2),
        "note": ParagraphStyle("n", fontName=font, fontSize=size - 0.5, leading=size + 3),
        "cell": ParagraphStyle("c", fontName=font, fontSize=size, leading=size + 2.5),
    }


def _escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table_flowables(table: PdfTable, width: float, height: float = 0) -> list[object]:
    """The flowables of one table; ``height`` (the frame's usable height) lets a long body of
    plain one-style rows be cut into page-sized tables up front (see :func:`_page_rows`)."""
    from reportlab.lib import colors
    from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

    st = _styles(table.font_size)
    font = cjk_font()
    out: list[object] = [Paragraph(_escape(table.title), st["title"])]
    lines = max(len(table.above_left), len(table.above_right))
    if lines:
        meta = [
            [
                Paragraph(
                    _escape(table.above_left[i]) if i < len(table.above_left) else "", st["meta"]
                ),
                Paragraph(
                    _escape(table.above_right[i]) if i < len(table.above_right) else "",
                    st["meta_r"],
                ),
            ]
            for i in range(lines)
        ]
        box = Table(meta, colWidths=[width / 2, width / 2])
        box.setStyle(
            TableStyle(
                [("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]
            )
        )
        out.append(box)
    ncols = max(len(r) for r in [*table.head, *table.rows]) if (table.head or table.rows) else 1
    rel = list(table.col_widths or [1.0] * ncols)
    scale = width / sum(rel)
    head = [[Paragraph(_escape(c), st["cell"]) for c in r] for r in table.head]
    body = [[_escape(c) for c in r] for r in table.rows]
    widths = [w * scale for w in rel]
    style = [
        ("FONT", (0, 0), (-1, -1), font, table.font_size),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (table.numeric_from, len(table.head)), (-1, -1), "RIGHT"),
        ("BACKGROUND", (0, 0), (-1, len(table.head) - 1), colors.HexColor("#eef2f7")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    style += [("SPAN", a, b) for a, b in table.spans]
    out.append(Spacer(1, 3))
    for n, grid in enumerate(_page_tables(table, head, body, widths, style, out, width, height)):
        if n:
            out.append(PageBreak())
        out.append(grid)
    out.append(Spacer(1, 4))
    out += [Paragraph(_escape(line), st["note"]) for line in table.below]
    if table.footer:
        out += [Spacer(1, 6), Paragraph(_escape(table.footer), st["meta"])]
    return out


def _page_tables(
    table: PdfTable,
    head: list[list[Any]],
    body: list[list[str]],
    widths: list[float],
    style: list[Any],
    before: list[Any],
    width: float,
    height: float,
) -> list[Any]:
    """The body as one table per page, each under the repeated header.

    Letting reportlab split one long table costs time in proportion to rows × pages (each split
    measures every row left): 12–17 s for 10,000 rows. Plain-string rows have a height known in
    advance — lines × leading + padding, reportlab's own rule — so the rows of each page are
    counted here, and each page's table is measured once by reportlab to confirm it fits (a row
    that does not moves to the next page). A table with spans in its body, or without a frame
    height, stays whole and reportlab splits it as before."""
    from reportlab.platypus import Table, TableStyle

    table_class = _plain_text_table() if height else Table  # no height: the old way, whole

    def grid(rows: list[list[Any]]) -> Any:
        made = table_class([*head, *rows], colWidths=widths, repeatRows=len(head))
        made.setStyle(TableStyle(style))
        return made

    in_body = any(not 0 <= r < len(head) for a, b in table.spans for r in (a[1], b[1]))
    if not height or not body or in_body:
        return [grid(body)]
    head_h = grid([]).wrap(width, height)[1] if head else 0.0
    leading = table.font_size * 1.2  # FONT without a leading: 1.2 × size
    pad = 4.0  # TOPPADDING + BOTTOMPADDING
    room = height - sum(f.wrap(width, height)[1] + f.getSpaceAfter() for f in before)
    tables: list[Any] = []
    rest = body
    while rest:
        left, count = room - head_h, 0
        for row in rest:
            left -= max(c.count("\n") + 1 for c in row) * leading + pad if row else pad
            if left < 0:
                break
            count += 1
        count = max(count, 1)
        made = grid(rest[:count])
        while count > 1 and made.wrap(width, room)[1] > room:
            count -= 1
            made = grid(rest[:count])
        tables.append(made)
        rest, room = rest[count:], height
    return tables


@lru_cache(maxsize=1)
def _plain_text_table() -> type:
    """A reportlab Table that writes its one-line, left- or right-aligned, middle-aligned plain
    string cells into one text object per table instead of one per cell (``Canvas.drawString``
    opens, positions and closes a text object for every cell: most of a long posting's drawing
    time). Every other cell — Paragraphs, several lines, other alignments — is drawn by
    reportlab as before. Same page content, same positions."""
    from reportlab.platypus import Table

    class PlainTextTable(Table):
        _text: Any = None

        def draw(self) -> None:
            self._text, self._text_style = self.canv.beginText(), None
            super().draw()
            text, self._text = self._text, None
            self.canv.saveState()
            self.canv.drawText(text)
            self.canv.restoreState()

        def _drawCell(self, cellval: Any, cellstyle: Any, pos: Any, size: Any) -> None:  # noqa: N802
            just = cellstyle.alignment
            if (
                self._text is None
                or not isinstance(cellval, str)
                or "\n" in cellval
                or just not in ("LEFT", "RIGHT")
                or cellstyle.valign != "MIDDLE"
                or cellstyle.direction
                or cellstyle.shaping
            ):
                super()._drawCell(cellval, cellstyle, pos, size)
                return
            if not cellval:
                return
            text = self._text
            font, font_size = cellstyle.fontname, cellstyle.fontsize
            if self._text_style is not cellstyle:
                old = self._text_style
                if old is None or (old.fontname, old.fontsize) != (font, font_size):
                    text.setFont(font, font_size, cellstyle.leading)
                if old is None or old.color != cellstyle.color:
                    text.setFillColor(cellstyle.color)
                self._text_style = cellstyle
            (colpos, rowpos), (colwidth, rowheight) = pos, size
            # reportlab's own placement of a one-line string (Table._drawCell)
            y = (
                rowpos
                + (cellstyle.bottomPadding + rowheight - cellstyle.topPadding + cellstyle.leading)
                / 2.0
                - font_size
            )
            if just == "LEFT":
                x = colpos + cellstyle.leftPadding
            else:
                x = colpos + colwidth - cellstyle.rightPadding
                x -= self.canv.stringWidth(cellval, font, font_size)
            text.setTextOrigin(x, y)
            text.textOut(cellval)

    return PlainTextTable


def write_pdf(
    target: str | Path | io.BytesIO,
    tables: Sequence[PdfTable],
    images: Sequence[PdfImage] = (),
    *,
    landscape: bool = True,
    title: str = "",
    split_pages: bool = True,
) -> None:
    """Write the tables (each from a new page) and then the images (one per page) to ``target``.
    ``split_pages=False`` leaves each long table whole for reportlab to split (the old, slower
    way: the baseline of ``python -m benchmarks.run --only posting-pdf``)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pagesizes import landscape as turned
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer

    size = turned(A4) if landscape else A4
    margin = 12 * mm
    doc = SimpleDocTemplate(
        str(target) if isinstance(target, str | Path) else target,
        pagesize=size,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 4 * mm,
        title=title,
        author="民生台账",
    )
    width = size[0] - 2 * margin
    story: list[object] = []
    for table in tables:
        if story:
            story.append(PageBreak())
        # a Frame pads 6 pt on each side
        story += _table_flowables(table, width, doc.height - 12 if split_pages else 0)
    st = _styles(9)
    for image in images:
        if story:
            story.append(PageBreak())
        story.append(Paragraph(_escape(image.title), st["title"]))
        picture = Image(io.BytesIO(image.png))
        ratio = min(
            width / picture.imageWidth, (size[1] - 2 * margin - 30 * mm) / picture.imageHeight
        )
        picture.drawWidth, picture.drawHeight = (
            picture.imageWidth * ratio,
            picture.imageHeight * ratio,
        )
        story += [Spacer(1, 4), picture]
    doc.build(story, canvasmaker=_numbered_canvas())


def _numbered_canvas() -> type:
    """A canvas that writes "第 n 页 共 m 页" once the page count is known."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self._pages: list[dict[str, object]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(cjk_font(), 8)
                width = self._pagesize[0]
                self.drawCentredString(width / 2, 16, f"第 {self._pageNumber} 页 共 {total} 页")
                super().showPage()
            super().save()

    return NumberedCanvas
