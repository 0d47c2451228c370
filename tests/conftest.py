"""Test configuration shared by every test folder.

Qt must not need a display: ``QT_QPA_PLATFORM=offscreen`` is set here, before anything imports Qt.
"""

from __future__ import annotations

import os
import re
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MINSHENG_LANG", "zh_CN")
if not os.environ.get("XDG_RUNTIME_DIR"):
    # Without it Qt warns ("QStandardPaths: XDG_RUNTIME_DIR not set"), and warnings fail tests.
    _runtime = tempfile.mkdtemp(prefix="minsheng-xdg-")
    os.chmod(_runtime, 0o700)
    os.environ["XDG_RUNTIME_DIR"] = _runtime

# Messages of Qt's offscreen platform that say nothing about the application.
OFFSCREEN_NOISE = ("This plugin does not support propagateSizeHints()",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    marker = pytest.mark.qt_log_ignore(*(f"^{re.escape(text)}$" for text in OFFSCREEN_NOISE))
    for item in items:
        item.add_marker(marker)
