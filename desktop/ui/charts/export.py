"""A chart as a picture: PNG and clipboard at print resolution, SVG as vectors.

The chart's scene (title, axes, legend, series — not the read-out under it) is drawn by Qt's own
painter into the target at ``dpi / 96`` times the size it has on screen, so text and lines are
drawn at that resolution rather than scaled up. Text is drawn with the application's font, which
is the bundled WenQuanYi Micro Hei when no system CJK font exists (``desktop.ui.fonts``), so
Chinese renders everywhere; the SVG names the same font family for its text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication

from desktop.ui.charts.view import ChartView

PRINT_DPI = 300
SCREEN_DPI = 96
EXPORT_SIZE = QSize(960, 540)  # logical size of an exported chart (16:9), in screen pixels


def offscreen(view: ChartView | None = None) -> ChartView:
    """A chart view that is laid out but never shown on screen, at the export size."""
    out = ChartView()
    out.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    out.readout.hide()
    out.resize(EXPORT_SIZE)
    out.show()
    if view is not None and view.chart is not None:
        mark = view.chart.periods[view.mark_index] if view.mark_index is not None else None
        out.draw(view.chart, mark=mark)
        for key in view.hidden():
            out.set_series_visible(key, False)
        settle(out)
    return out


def settle(view: ChartView) -> None:
    """Let Qt and pyqtgraph finish laying out what was just drawn (posted layout events)."""
    view.plot_widget.resize(EXPORT_SIZE)
    QApplication.sendPostedEvents()
    QApplication.processEvents()


@contextmanager
def _export_copy(view: ChartView) -> Iterator[ChartView]:
    """The chart of an on-screen view, drawn again offscreen at the export size (the window's
    size and the read-out do not change the picture)."""
    copy = offscreen(view)
    try:
        yield copy
    finally:
        copy.close()
        copy.deleteLater()


def render_image(view: ChartView, dpi: int = PRINT_DPI) -> QImage:
    """The chart of an offscreen view (see :func:`offscreen`) as an image at ``dpi``."""
    source = view.plot.sceneBoundingRect()
    scale = dpi / SCREEN_DPI
    image = QImage(
        round(source.width() * scale), round(source.height() * scale), QImage.Format.Format_ARGB32
    )
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    view.plot_widget.scene().render(
        painter, QRectF(image.rect()), source, Qt.AspectRatioMode.IgnoreAspectRatio
    )
    painter.end()
    # the resolution is set after painting: pyqtgraph replays cached pictures (axis ticks) with
    # fonts sized by the device's resolution, which would scale their text a second time
    dots_per_metre = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    return image


def png_bytes(view: ChartView, dpi: int = PRINT_DPI) -> bytes:
    """PNG of an offscreen view's chart."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    render_image(view, dpi).save(buffer, "PNG")  # type: ignore[call-overload]
    buffer.close()
    return bytes(data.data())


def save_png(view: ChartView, path: str | Path, dpi: int = PRINT_DPI) -> Path:
    """The chart shown in ``view`` as a PNG file at ``dpi``."""
    path = Path(path)
    with _export_copy(view) as copy:
        path.write_bytes(png_bytes(copy, dpi))
    return path


def save_svg(view: ChartView, path: str | Path, title: str = "") -> Path:
    """The chart shown in ``view`` as an SVG file (vectors; text names the font family)."""
    path = Path(path)
    with _export_copy(view) as copy:
        _write_svg(copy, path, title or (view.chart.title if view.chart else ""))
    return path


def _write_svg(view: ChartView, path: Path, title: str) -> None:
    source = view.plot.sceneBoundingRect()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(source.size().toSize())
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setResolution(SCREEN_DPI)
    generator.setTitle(title)
    painter = QPainter(generator)
    painter.fillRect(QRectF(0, 0, source.width(), source.height()), QColor("white"))
    view.plot_widget.scene().render(painter, QRectF(0, 0, source.width(), source.height()), source)
    painter.end()


def copy_to_clipboard(view: ChartView, dpi: int = PRINT_DPI) -> QImage:
    """The chart shown in ``view`` onto the clipboard as an image at ``dpi``."""
    with _export_copy(view) as copy:
        image = render_image(copy, dpi)
    QApplication.clipboard().setImage(image)
    return image
