"""导出报送包 / 导入报送包: choose, run in the background, show (and save) what happened."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import periods
from desktop.store.db import open_database
from desktop.store.package_keys import DISTRICT, identity
from desktop.store.packages import export_package, import_package, synced_tables
from desktop.ui.context import AppContext
from desktop.ui.forms import FormGrid, fit_dialog
from desktop.ui.i18n import fill
from desktop.ui.workers import Job, run_in_background

PACKAGE_FILTER = "民生台账报送包 (*.zip);;所有文件 (*)"


class _PackageDialog(QDialog):
    """What both dialogs share: a form, a result box, run / close buttons, a background job."""

    def __init__(self, ctx: AppContext, title: str, run_label: str, parent: QWidget | None):
        super().__init__(parent)
        self.ctx = ctx
        self.job: Job | None = None
        self.result: Any = None
        self.setWindowTitle(title)
        self.form = FormGrid()
        self.result_text = QPlainTextEdit()
        self.result_text.setReadOnly(True)
        self.result_text.setMinimumHeight(140)
        self.result_text.hide()
        self.run_button = QPushButton(run_label)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        self.close_button = QPushButton(self.tr("关闭"))
        self.close_button.clicked.connect(self.accept)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.run_button)
        self.buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.result_text, 1)
        layout.addLayout(self.buttons)

    def path_row(self, key: str, label: str, edit: QLineEdit, browse: Any) -> None:
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(edit, 1)
        button = QPushButton(self.tr("选择…"))
        button.clicked.connect(browse)
        box.addWidget(button)
        self.form.add(key, label, row)
        self.form.fields[key] = edit

    def run(self, work: Any, error_key: str) -> None:
        self.run_button.setEnabled(False)
        self.job = run_in_background(work, self)
        self.job.finished.connect(self._finished)
        self.job.failed.connect(lambda message: self._failed(error_key, message))

    def _failed(self, key: str, message: str) -> None:
        self.form.set_error(key, message)
        self.run_button.setEnabled(True)

    def _finished(self, result: Any) -> None:
        self.result = result
        self.result_text.setPlainText(result.text())
        self.result_text.show()
        self.run_button.setEnabled(True)
        self.done_with(result)

    def start(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def done_with(self, result: Any) -> None:
        """Called with the result of a successful run."""


class ExportPackageDialog(_PackageDialog):
    """An office exports its changes (and its submissions) for the district; the district
    exports an office's return package (approvals, returns, resolved conflicts, standards)."""

    exported = Signal(object)  # ExportResult

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("导出报送包"), self.tr("导出"), parent)
        self.origin = identity(ctx.db)
        self.period_combo = QComboBox()
        quarters = periods.quarters_between(periods.quarter(2024, 1), ctx.period)
        for p in sorted(set(quarters) | {ctx.period}, reverse=True):
            self.period_combo.addItem(p.label, p.key)
        self.period_combo.setCurrentIndex(self.period_combo.findData(ctx.period.key))
        self.form.add("period", self.tr("期间"), self.period_combo)
        self.office_combo = QComboBox()
        if self.origin == DISTRICT:
            for unit in ctx.tree.units.values():
                if unit.level == "office" and unit.code:
                    self.office_combo.addItem(f"{unit.name}（{unit.code}）", unit.code)
            self.form.add("office", self.tr("发给办事处"), self.office_combo)
        self.full_check = QCheckBox(self.tr("导出本期全部记录（而不只是上次报送以来的改动）"))
        self.form.add_widget(self.full_check)
        self.path_edit = QLineEdit()
        self.path_edit.setText(str(self.default_path()))
        self.path_row("path", self.tr("保存到"), self.path_edit, self.browse)
        self.office_combo.currentIndexChanged.connect(
            lambda _i: self.path_edit.setText(str(self.default_path()))
        )
        fit_dialog(self, 560)

    def default_path(self) -> Path:
        to = self.office_combo.currentData() if self.origin == DISTRICT else DISTRICT
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        key = self.period_combo.currentData() or self.ctx.period.key
        return self.ctx.db_path.with_name(f"报送包-{self.origin}-{to}-{key}-{stamp}.zip")

    def browse(self) -> None:
        name, _f = QFileDialog.getSaveFileName(
            self, self.tr("导出报送包"), self.path_edit.text(), self.tr(PACKAGE_FILTER)
        )
        if name:
            self.path_edit.setText(name)

    def values(self) -> dict[str, Any]:
        return {
            "period": periods.parse_period(self.period_combo.currentData()),
            "to": self.office_combo.currentData() if self.origin == DISTRICT else None,
            "full": self.full_check.isChecked(),
            "path": Path(self.path_edit.text().strip()),
        }

    def validate(self) -> bool:
        self.form.clear_errors()
        text = self.path_edit.text().strip()
        if not text:
            self.form.set_error("path", self.tr("请选择报送包的保存位置"))
        elif Path(text).exists():
            self.form.set_error("path", self.tr("该文件已存在，请换一个文件名"))
        elif not Path(text).parent.is_dir():
            self.form.set_error("path", self.tr("文件夹不存在"))
        if self.origin == DISTRICT and not self.office_combo.currentData():
            self.form.set_error("office", self.tr("请选择接收的办事处"))
        return not self.form.has_errors()

    def start(self) -> None:
        if not self.validate():
            return
        v = self.values()
        path, user = self.ctx.db_path, self.ctx.user

        def work(progress: Any, _cancelled: Any) -> Any:
            db = open_database(path)
            try:
                return export_package(
                    db,
                    user,
                    v["path"],
                    period=v["period"],
                    to=v["to"],
                    full=v["full"],
                    progress=progress,
                )
            finally:
                db.conn.close()

        self.run(work, "path")

    def done_with(self, result: Any) -> None:
        self.exported.emit(result)


class ImportPackageDialog(_PackageDialog):
    """Import one package: checksum and signature first (refused whole otherwise), then the
    merge; the receipt is shown and can be saved next to the package."""

    imported = Signal(object)  # Receipt

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("导入报送包"), self.tr("导入"), parent)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(self.tr("选择办事处或区里发来的报送包（.zip）"))
        self.path_row("path", self.tr("报送包"), self.path_edit, self.browse)
        self.save_button = QPushButton(self.tr("保存回执…"))
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_receipt)
        self.buttons.insertWidget(0, self.save_button)
        fit_dialog(self, 620)

    def browse(self) -> None:
        name, _f = QFileDialog.getOpenFileName(
            self, self.tr("导入报送包"), str(self.ctx.db_path.parent), self.tr(PACKAGE_FILTER)
        )
        if name:
            self.path_edit.setText(name)

    def validate(self) -> bool:
        self.form.clear_errors()
        text = self.path_edit.text().strip()
        if not text:
            self.form.set_error("path", self.tr("请选择要导入的报送包"))
        elif not Path(text).is_file():
            self.form.set_error("path", self.tr("文件不存在"))
        return not self.form.has_errors()

    def start(self) -> None:
        if not self.validate():
            return
        package = Path(self.path_edit.text().strip())
        path, user = self.ctx.db_path, self.ctx.user

        def work(progress: Any, cancelled: Any) -> Any:
            db = open_database(path)
            try:
                return import_package(db, user, package, progress=progress, cancel=cancelled)
            finally:
                db.conn.close()

        self.run(work, "path")

    def done_with(self, result: Any) -> None:
        self.save_button.setEnabled(True)
        for table in synced_tables(self.ctx.db):
            if table in result.tables:
                self.ctx.hub.data_changed.emit(table)
        self.imported.emit(result)

    def default_receipt_path(self) -> Path:
        package = Path(self.path_edit.text().strip())
        return package.with_name(f"{package.stem}-回执.json")

    def save_receipt(self, target: str | Path | None = None) -> Path | None:
        if target is None:
            name, _f = QFileDialog.getSaveFileName(
                self,
                self.tr("保存回执"),
                str(self.default_receipt_path()),
                self.tr("回执 (*.json);;所有文件 (*)"),
            )
            if not name:
                return None
            target = name
        target = Path(target)
        data = {**self.result.as_dict(), "text": self.result.text()}
        target.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        self.result_text.appendPlainText(fill(self.tr("回执已保存到 %1"), target))
        return target
