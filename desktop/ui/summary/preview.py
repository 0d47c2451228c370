"""Print preview of the official tables in the window.

PySide6-Essentials has QtPrintSupport (QPrintPreviewDialog) but not QtPdf, so the preview does not
show the exported PDF file: it lays out the same :class:`~desktop.reports.official.OfficialTable`
objects the PDF and the .xlsx are written from as a QTextDocument (an HTML table per official
table, header rows in ``<thead>`` so that they repeat on every printed page, a page break between
tables) and prints that to the preview's QPrinter — A4 landscape, page numbers at the foot. The
same document prints to paper or to a PDF through the dialog's own buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from desktop.reports.official import OfficialTable, pdf_table


def table_html(t: OfficialTable, first: bool) -> str:
    p = pdf_table(t)  # the PDF's cell texts and header rows
    brk = "" if first else ' style="page-break-before: always"'
    out = [f'<h2 align="center"{brk}>{escape(p.title)}</h2>']
    out.append('<table width="100%" cellspacing="0" cellpadding="1">')
    rows = max(len(p.above_left), len(p.above_right))
    for i in range(rows):
        left = p.above_left[i] if i < len(p.above_left) else ""
        right = p.above_right[i] if i < len(p.above_right) else ""
        out.append(f'<tr><td>{escape(left)}</td><td align="right">{escape(right)}</td></tr>')
    out.append("</table>")
    covered = {
        (c, r)
        for (c0, r0), (c1, r1) in p.spans
        for c in range(c0, c1 + 1)
        for r in range(r0, r1 + 1)
        if (c, r) != (c0, r0)
    }
    span_at = {(c0, r0): (c1 - c0 + 1, r1 - r0 + 1) for (c0, r0), (c1, r1) in p.spans}
    out.append(
        '<table width="100%" border="1" cellspacing="0" cellpadding="3"'
        ' style="border-collapse: collapse">'
    )
    out.append("<thead>")
    for r, head in enumerate(p.head):
        cells = []
        for c, text in enumerate(head):
            if (c, r) in covered:
                continue
            cols, rws = span_at.get((c, r), (1, 1))
            cells.append(
                f'<th colspan="{cols}" rowspan="{rws}" bgcolor="#eef2f7">{escape(text)}</th>'
            )
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</thead><tbody>")
    for values in p.rows:
        cells = [
            f'<td align="{"left" if c < p.numeric_from else "right"}">{escape(v)}</td>'
            for c, v in enumerate(values)
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    out += [f'<p style="font-size: small">{escape(line)}</p>' for line in p.below]
    if p.footer:
        out.append(f"<p>{escape(p.footer)}</p>")
    return "\n".join(out)


def document(tables: Sequence[OfficialTable], font_family: str = "") -> QTextDocument:
    doc = QTextDocument()
    if font_family:
        font = doc.defaultFont()
        font.setFamily(font_family)
        font.setPointSizeF(8.5)
        doc.setDefaultFont(font)
    doc.setHtml("\n".join(table_html(t, i == 0) for i, t in enumerate(tables)))
    return doc


def a4_landscape(printer: QPrinter) -> QPrinter:
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    return printer


def print_tables(printer: QPrinter, tables: Sequence[OfficialTable], font_family: str = "") -> None:
    """Lay the tables out on ``printer``'s pages (QTextDocument numbers the pages)."""
    document(tables, font_family).print_(printer)


def preview_dialog(
    tables: Sequence[OfficialTable], font_family: str = "", parent: QWidget | None = None
) -> QPrintPreviewDialog:
    printer = a4_landscape(QPrinter(QPrinter.PrinterMode.HighResolution))
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.kept_printer = printer  # type: ignore[attr-defined]  # not owned by the dialog
    dialog.setWindowTitle(dialog.tr("打印预览 — 季度汇总表"))
    dialog.paintRequested.connect(lambda p: print_tables(p, tables, font_family))
    dialog.resize(1100, 760)
    return dialog
