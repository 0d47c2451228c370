"""The two exports of the tab: 导出公示… (a dialog: posting dates, where to object, Excel or PDF,
the file) and 导出花名册… (the file). The files are written by :mod:`desktop.reports.posting`,
which also audits each export; nothing here decides what a file shows. Both run on a worker with
its own connection behind a progress bar (a district's posting as PDF takes seconds)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop.reports.posting import Posting, batch_roster, export_posting, export_roster
from desktop.store.door import WriteDoor
from desktop.ui.context import AppContext
from desktop.ui.i18n import fill
from desktop.ui.subsidy.common import SubsidyDialog, run_job
from desktop.ui.workers import Job, ProgressDialog

FORMATS = (("xlsx", "Excel 工作簿 (*.xlsx)"), ("pdf", "PDF 文件 (*.pdf)"))


def _safe_name(text: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in text).strip() or "公示"


class PostingExportDialog(SubsidyDialog):
    """导出公示: ``make(db, posted_from, posted_to, objection) -> Posting`` builds the posting
    (on the worker, with the worker's connection); the dialog writes it (.xlsx or .pdf), emits
    ``exported(path)`` and closes."""

    exported = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        make: Callable[[Any, str, str, str], Posting],
        name: str,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
        detail: dict[str, Any] | None = None,
    ):
        super().__init__(
            ctx,
            QCoreApplication.translate("PostingExportDialog", "导出公示"),
            parent,
            ok_text=QCoreApplication.translate("PostingExportDialog", "导出"),
            today=today,
        )
        self.make = make
        self.detail = dict(detail or {})
        self.written: Path | None = None
        self.job: Job | None = None
        self.progress_dialog: ProgressDialog | None = None
        self.from_edit = QLineEdit(self.today.isoformat())
        self.to_edit = QLineEdit((self.today + timedelta(days=6)).isoformat())
        self.objection_edit = QLineEdit(fill(self.tr("%1民政（计生）办公室"), ctx.scope_label()))
        self.objection_edit.setToolTip(self.tr("群众提出异议的单位和联系电话，印在公示下方"))
        self.format = QComboBox()
        for key, label in FORMATS:
            self.format.addItem(label, key)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.path_edit = QLineEdit(str(Path.home() / f"{_safe_name(name)}.xlsx"))
        browse = QPushButton(self.tr("浏览…"))
        browse.clicked.connect(self._browse)
        path_box = QWidget()
        path_row = QHBoxLayout(path_box)
        path_row.setContentsMargins(0, 0, 0, 0)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)

        self.form.add("posted_from", self.tr("公示开始"), self.from_edit)
        self.form.add("posted_to", self.tr("公示结束"), self.to_edit)
        self.form.add("objection", self.tr("异议受理"), self.objection_edit)
        self.form.add("format", self.tr("格式"), self.format)
        self.form.add("path", self.tr("保存到"), path_box)
        self.form.fields["path"] = self.path_edit
        note = QLabel(
            self.tr(
                "公示只列社区、部分隐去的姓名、项目、类别、标准、金额和期间；"
                "不含身份证号、账号、住址和健康信息。导出记入审计日志。"
            )
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        self.finish(note, width=520)

    def _format_changed(self, *_: object) -> None:
        path = Path(self.path_edit.text().strip() or "公示")
        self.path_edit.setText(str(path.with_suffix("." + self.format.currentData())))

    def _browse(self) -> None:
        key = self.format.currentData()
        chosen, _filter = QFileDialog.getSaveFileName(
            self, self.tr("导出公示"), self.path_edit.text(), dict(FORMATS)[key]
        )
        if chosen:
            self.path_edit.setText(chosen)

    def save(self) -> bool:
        self.clear_messages()
        days = self.span(
            ("posted_from", self.from_edit, "公示开始日期"),
            ("posted_to", self.to_edit, "公示结束日期"),
        )
        objection = self.objection_edit.text().strip()
        if not objection:
            self.form.set_error("objection", self.tr("请填写受理异议的单位和电话"))
        text = self.path_edit.text().strip()
        if not text:
            self.form.set_error("path", self.tr("请选择保存位置"))
        if days is None or self.form.has_errors():
            return False
        path = Path(text)
        if path.suffix.lower() not in (".xlsx", ".pdf"):
            path = path.with_suffix("." + self.format.currentData())
        make, user, detail = self.make, self.ctx.user, self.detail
        objection_text = objection

        def work(db: Any, progress: Any, cancelled: Any) -> Path | None:
            progress(0, 0, "正在读取公示名单…")
            posting = make(db, days[0], days[1], objection_text)
            if not posting.lines:
                return None
            progress(0, 0, f"正在写入 {len(posting.lines):,} 行…")
            return export_posting(WriteDoor(db, user), path, posting, **detail)

        self.ok_button.setEnabled(False)
        self.job, self.progress_dialog = run_job(
            self, self.ctx, work, self.windowTitle(), self.tr("正在导出公示…")
        )
        self.job.finished.connect(self._written)
        self.job.failed.connect(self._failed)
        self.job.crashed.connect(lambda _exc: self.ok_button.setEnabled(True))
        return False  # the dialog closes once the file is written

    def _written(self, written: Path | None) -> None:
        self.ok_button.setEnabled(True)
        if written is None:
            self.general(self.tr("所选条件下没有需要公示的对象，未导出。"))
            return
        self.written = written
        self.exported.emit(str(written))
        QDialog.accept(self)

    def _failed(self, text: str) -> None:
        self.ok_button.setEnabled(True)
        self.general(fill(self.tr("导出失败：%1"), text))


def export_roster_file(
    parent: QWidget, ctx: AppContext, batch_id: str, target: str | None = None
) -> Job | None:
    """Write the bank's roster of ``batch_id`` on a worker; the job (``finished(path)``,
    ``failed(message)``), or None when the user chose no file."""
    if target is None:
        chosen, _filter = QFileDialog.getSaveFileName(
            parent,
            QCoreApplication.translate("BatchPage", "导出发放花名册"),
            str(Path.home() / "发放花名册.xlsx"),
            "Excel 工作簿 (*.xlsx)",
        )
        if not chosen:
            return None
        target = chosen
    path = Path(target)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    user, unit = ctx.user, ctx.scope_label()

    def work(db: Any, progress: Any, cancelled: Any) -> Path:
        progress(0, 0, "正在读取发放名单…")
        roster = batch_roster(db, batch_id, unit=unit, scope=user.scope)
        progress(0, 0, f"正在写入 {len(roster.lines):,} 行…")
        return export_roster(WriteDoor(db, user), path, roster, batch_id=batch_id)

    job, _dialog = run_job(  # the progress dialog is a child of ``parent``
        parent,
        ctx,
        work,
        QCoreApplication.translate("BatchPage", "导出发放花名册"),
        QCoreApplication.translate("BatchPage", "正在导出花名册…"),
    )
    return job
