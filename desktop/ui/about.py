"""The About box: version, database, schema version, font in use."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import QLibraryInfo, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__
from desktop.store.db import schema_version
from desktop.ui.context import AppContext
from desktop.ui.forms import header


class AboutDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("关于民生台账"))
        self.facts = {
            self.tr("版本"): __version__,
            self.tr("数据库"): str(ctx.db_path),
            self.tr("数据库版本"): str(schema_version(ctx.db)),
            self.tr("字体"): ctx.font_family or self.font().family(),
            self.tr("运行环境"): f"Python {platform.python_version()} · Qt "
            f"{QLibraryInfo.version().toString()} · PySide6 {PySide6.__version__}",
        }
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(6)
        for row, (name, value) in enumerate(self.facts.items()):
            caption = QLabel(name)
            caption.setObjectName("muted")
            text = QLabel(value)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setWordWrap(True)
            grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(text, row, 1)
        grid.setColumnStretch(1, 1)

        buttons = QDialogButtonBox()
        buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.addWidget(header(self.tr("民生台账"),
                                self.tr("康检、帮扶发放、两免一补台账与季度汇总")))
        layout.addLayout(grid)
        layout.addSpacing(8)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.adjustSize()

    def text(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.facts.items())
