"""The crash dialog: a bug (not a problem of the user's world) shows a report the user can copy.

``install_excepthook(...)`` replaces ``sys.excepthook``; an uncaught exception in a slot or
anywhere on the GUI thread then opens :class:`CrashDialog` with the traceback, the versions of
the app, Python, Qt and PySide, the operating system and the database path.
"""

from __future__ import annotations

import platform
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import PySide6
from PySide6.QtCore import QCoreApplication, QLibraryInfo, Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def tr(text: str) -> str:
    return QCoreApplication.translate("crash", text)


def build_report(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    db_path: Path | str | None = None,
) -> str:
    """Plain-text report: traceback first, then the environment."""
    trace = "".join(traceback.format_exception(exc_type, exc, tb)).rstrip()
    lines = [
        trace,
        "",
        f"民生台账 {__version__}",
        f"Python {platform.python_version()} ({sys.executable})",
        f"Qt {QLibraryInfo.version().toString()} / PySide6 {PySide6.__version__}",
        f"{tr('操作系统')}: {platform.platform()}",
        f"{tr('数据库')}: {db_path or '—'}",
    ]
    if getattr(sys, "frozen", False):
        lines.append(tr("打包版本（PyInstaller）"))
    return "\n".join(lines) + "\n"


class CrashDialog(QDialog):
    """Read-only report, a button to copy it, and 关闭."""

    def __init__(self, report: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.report = report
        self.setWindowTitle(self.tr("程序出错"))
        self.resize(720, 460)

        intro = QLabel(
            self.tr(
                "程序遇到了一个内部错误。已保存的数据不受影响，但刚才的操作可能没有完成。\n"
                "请点击“复制报告”，把报告发给技术支持人员，并说明出错前在做什么。"
            )
        )
        intro.setWordWrap(True)

        self.text = QPlainTextEdit(report)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setFamilies([mono.family(), *QApplication.font().families()])
        self.text.setFont(mono)

        buttons = QDialogButtonBox()
        self.copy_button = QPushButton(self.tr("复制报告"))
        self.copy_button.clicked.connect(self.copy_report)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        self.copy_button.setDefault(True)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report)
        self.copy_button.setText(self.tr("已复制"))


class CrashHandler:
    """``sys.excepthook`` replacement. One dialog at a time; later errors go to stderr."""

    def __init__(self, db_path: Callable[[], Path | str | None] | None = None,
                 interactive: bool = True):
        self.db_path = db_path or (lambda: None)
        self.interactive = interactive
        self.showing = False
        self.previous = sys.excepthook

    def __call__(self, exc_type: type[BaseException], exc: BaseException,
                 tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self.previous(exc_type, exc, tb)
            return
        report = build_report(exc_type, exc, tb, self.db_path())
        sys.stderr.write(report)
        app = QApplication.instance()
        if not self.interactive or self.showing or app is None:
            return
        self.showing = True
        try:
            dialog = CrashDialog(report, QApplication.activeWindow())
            dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
            dialog.exec()
        finally:
            self.showing = False


def install_excepthook(db_path: Callable[[], Path | str | None] | None = None,
                       interactive: bool = True) -> CrashHandler:
    handler = CrashHandler(db_path, interactive)
    sys.excepthook = handler
    return handler
