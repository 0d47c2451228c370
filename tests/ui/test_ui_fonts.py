"""Fonts and translations at start-up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication

from desktop.resources import resource_path
from desktop.ui.app import install_translators
from desktop.ui.fonts import BUNDLED_FAMILY, PREFERRED, family_list, install_fonts


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    font = qapp.font()
    yield qapp
    qapp.setFont(font)


def test_bundled_font_is_registered_and_last_in_the_list(app: QApplication) -> None:
    chosen = install_fonts(app)
    assert BUNDLED_FAMILY in QFontDatabase.families()
    families = app.font().families()
    assert families[-1] == BUNDLED_FAMILY
    assert chosen == families[0]
    assert set(families) <= {*PREFERRED, BUNDLED_FAMILY}
    assert app.font().pointSize() >= 10


def test_family_list_prefers_system_fonts() -> None:
    assert family_list({"PingFang SC", "Arial"}) == ["PingFang SC", BUNDLED_FAMILY]
    assert family_list(set()) == [BUNDLED_FAMILY]
    assert family_list(set(PREFERRED))[:4] == list(PREFERRED)


@pytest.mark.parametrize("language", ["zh_CN", "en_US"])  # no minsheng_en.qm: stays Chinese
def test_chinese_by_default_with_qt_dialogs_in_chinese(app: QApplication, language: str) -> None:
    if language == "en_US" and any(resource_path("i18n", f"minsheng_{n}.qm").is_file()
                                   for n in ("en_US", "en")):
        pytest.skip("an English translation exists now")
    translators = install_translators(app, language)
    try:
        assert translators, "qtbase_zh_CN.qm should be found among Qt's translations"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    finally:
        for translator in translators:
            app.removeTranslator(translator)
