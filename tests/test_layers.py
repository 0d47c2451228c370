"""Arrows point down only: ui → reports → store → domain. Nothing below ui/ imports Qt."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "desktop"
QT = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6")
# what each layer must not import (beyond Qt, forbidden everywhere but ui/)
FORBIDDEN = {
    "domain": (
        "desktop.store",
        "desktop.reports",
        "desktop.ui",
        "desktop.demo",
        "desktop.cli",
        "sqlite3",
        "sqlite_utils",
    ),
    "store": ("desktop.reports", "desktop.ui", "desktop.demo", "desktop.cli"),
    "demo": ("desktop.reports", "desktop.ui", "desktop.cli"),
    "imports": ("desktop.reports", "desktop.ui", "desktop.cli", "desktop.demo"),
    "reports": ("desktop.ui", "desktop.cli", "desktop.demo"),
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts[:1]]


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_upward_or_qt_imports(path: Path) -> None:
    layer = path.relative_to(PACKAGE).parts[0]
    banned = QT + FORBIDDEN.get(layer, ())
    bad = sorted(
        n for n in imports_of(path) if any(n == b or n.startswith(b + ".") for b in banned)
    )
    assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


def test_checker_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport desktop.ui.app\n", encoding="utf-8")
    assert {"PySide6.QtCore", "desktop.ui.app"} <= imports_of(bad)
