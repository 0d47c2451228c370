"""报表落款: the names printed at the foot of the official tables (单位负责人, 统计负责人, 填表人) and
the 制表机关, kept in this database's settings; shown on the 设置 tab, editable by reviewers and
administrators (audited)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.reports.official import SIGNATURE_FIELDS, save_signatures, signatures
from desktop.store.errors import AccessDenied, StorageError
from desktop.ui.context import AppContext
from desktop.ui.forms import FormGrid

EDITORS = ("reviewer", "admin")


class SignaturesBox(QGroupBox):
    saved = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("报表落款（季度汇总表底部）"))
        self.setMaximumWidth(720)
        self.ctx = ctx
        stored = signatures(ctx.db)
        self.edits: dict[str, QLineEdit] = {}
        self.form = FormGrid()
        for key, label in (*SIGNATURE_FIELDS, ("authority", "制表机关")):
            edit = QLineEdit(stored.get(key, ""))
            if key == "authority":
                edit.setPlaceholderText(self.tr("不填则为「区名 + 卫生健康委员会 / 教育局」"))
            edit.setReadOnly(ctx.user.role not in EDITORS)
            self.edits[key] = edit
            self.form.add(key, self.tr(label), edit)
        self.save_button = QPushButton(self.tr("保存落款"))
        self.save_button.setVisible(ctx.user.role in EDITORS)
        self.save_button.clicked.connect(self.save)
        self.message = QLabel()
        self.message.setObjectName("muted")
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(row)

    def values(self) -> dict[str, str]:
        return {key: edit.text().strip() for key, edit in self.edits.items()}

    def save(self) -> None:
        try:
            save_signatures(self.ctx.door(), self.values())
        except (AccessDenied, StorageError) as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(self.tr("已保存。"))
        self.saved.emit()
