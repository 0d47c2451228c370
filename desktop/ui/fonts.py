"""Fonts: Chinese text must render on any machine, including one without a CJK font."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from desktop.resources import resource_path

BUNDLED_FILE = ("fonts", "wqy-microhei.ttc")
BUNDLED_FAMILY = "WenQuanYi Micro Hei"
# System fonts that look native on each platform, best first (Windows, macOS, Linux).
PREFERRED = ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC")
MIN_POINT_SIZE = 10


def register_bundled_font() -> list[str]:
    """Register the bundled font with Qt; returns the families it provides ([] if missing)."""
    path = resource_path(*BUNDLED_FILE)
    if not path.is_file():
        return []
    font_id = QFontDatabase.addApplicationFont(str(path))
    if font_id < 0:
        return []
    return list(QFontDatabase.applicationFontFamilies(font_id))


def family_list(available: set[str]) -> list[str]:
    """Preferred system CJK fonts that exist here, then the bundled one as the last resort."""
    families = [f for f in PREFERRED if f in available]
    families.append(BUNDLED_FAMILY)
    return families


def install_fonts(app: QApplication) -> str:
    """Register the bundled font and make a CJK family list the application font.

    Returns the family that will actually be used (the first of the list that exists).
    """
    bundled = register_bundled_font()
    available = set(QFontDatabase.families())
    families = family_list(available)
    if BUNDLED_FAMILY not in bundled and BUNDLED_FAMILY not in available:
        families.remove(BUNDLED_FAMILY)  # neither bundled nor installed: leave Qt's fallback
    font = QFont(app.font())
    if families:
        font.setFamilies(families)
    if 0 < font.pointSize() < MIN_POINT_SIZE:
        font.setPointSize(MIN_POINT_SIZE)
    app.setFont(font)
    return families[0] if families else font.family()
