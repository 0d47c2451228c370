"""Render the application icon (resources/icons/app.svg) to the PNG and ICO files packaging needs.

    python installer/icons.py OUT_DIR

writes ``OUT_DIR/minsheng-<size>.png`` for the hicolor theme sizes, ``OUT_DIR/minsheng.png``
(256 px, for the .desktop entry of the tar.gz) and ``OUT_DIR/minsheng.ico`` (Windows executable and
installer; PNG-compressed entries, which Windows reads since Vista). Qt renders the SVG
(``QSvgRenderer``) on the offscreen platform, so no display is needed. Run by ``build.py`` and by the
spec, in a process of its own so that the build process never starts a Qt application.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "app.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256)  # hicolor theme sizes; the .ico holds the same


def render(out_dir: Path) -> dict[int, bytes]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs: dict[int, bytes] = {}
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        path = out_dir / f"minsheng-{size}.png"
        if not image.save(str(path)):
            raise SystemExit(f"cannot write {path}")
        pngs[size] = path.read_bytes()
    (out_dir / "minsheng.png").write_bytes(pngs[256])
    (out_dir / "minsheng.ico").write_bytes(ico(sorted(pngs.items())))
    return pngs


def ico(images: list[tuple[int, bytes]]) -> bytes:
    """An ICO container holding PNG images (ICONDIR, ICONDIRENTRY × n, then the PNG data)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in images:
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    render(Path(sys.argv[1]))
