"""The crash dialog and the exception hook that opens it."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop import __version__
from desktop.ui import crash
from desktop.ui.crash import CrashDialog, CrashHandler, build_report


def failing_function() -> None:
    raise ZeroDivisionError("除数为零的示例")


def exc_info() -> tuple:
    try:
        failing_function()
    except ZeroDivisionError:
        return sys.exc_info()
    raise AssertionError("unreachable")


def test_report_has_traceback_and_environment() -> None:
    report = build_report(*exc_info(), db_path="/data/district.db")
    assert "Traceback (most recent call last)" in report
    assert "failing_function" in report
    assert "ZeroDivisionError: 除数为零的示例" in report
    assert f"民生台账 {__version__}" in report
    assert "Python 3." in report and "PySide6" in report and "Qt 6." in report
    assert "/data/district.db" in report


def test_dialog_shows_the_report_and_copies_it(qtbot: QtBot) -> None:
    report = build_report(*exc_info(), db_path="/data/district.db")
    dialog = CrashDialog(report)
    qtbot.addWidget(dialog)
    dialog.show()
    text = dialog.text.toPlainText()
    assert "ZeroDivisionError: 除数为零的示例" in text and "failing_function" in text
    assert dialog.text.isReadOnly()
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == report
    assert dialog.copy_button.text() == "已复制"


def test_hook_opens_the_dialog(monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    shown: list[str] = []
    monkeypatch.setattr(CrashDialog, "exec", lambda self: shown.append(self.text.toPlainText()))
    handler = CrashHandler(lambda: "/x.db")
    handler(*exc_info())
    assert len(shown) == 1 and "ZeroDivisionError" in shown[0] and "/x.db" in shown[0]
    assert "ZeroDivisionError" in capsys.readouterr().err
    quiet = CrashHandler(interactive=False)  # screenshot mode: never block on a dialog
    quiet(*exc_info())
    assert len(shown) == 1
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_install_replaces_sys_excepthook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    handler = crash.install_excepthook(lambda: None)
    assert sys.excepthook is handler
