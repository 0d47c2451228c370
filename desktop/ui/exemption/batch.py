"""学期发放: the semester batch. The clerk chooses a school (or every school in scope) and a
semester; 生成方案 runs ``propose_batch`` on a worker and shows the totals per item and who is left
out and why; 确认发放 — for a reviewer or an administrator — writes the proposal through the door
in one transaction on a worker (the door checks every rule again: a grant made meanwhile refuses
the whole batch, and the refusal is shown here, naming the first grant), then shows a receipt."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.dates import parse_date
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.exemption import grant_window, school_year_of
from desktop.domain.money import format_yuan
from desktop.store.db import open_database
from desktop.store.door import WriteDoor
from desktop.store.exemption import Batch, commit_batch, default_grant_day, propose_batch
from desktop.ui.context import AppContext
from desktop.ui.exemption.common import (
    ListColumn,
    ListModel,
    can_approve,
    current_semester,
    fill_schools,
    mask_student_no,
    semester_choices,
    setup_table,
    yuan,
)
from desktop.ui.forms import error_label
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.workers import Job, ProgressDialog, run_in_background

SHOWN_PROBLEMS = 30

TOTAL_COLUMNS = (
    ListColumn("item", QT_TRANSLATE_NOOP("columns", "资助项目")),
    ListColumn("students", QT_TRANSLATE_NOOP("columns", "学生人数"), lambda v: f"{v:,}", True),
    ListColumn("amount_fen", QT_TRANSLATE_NOOP("columns", "金额（元）"), yuan, True),
)
SKIPPED_COLUMNS = (
    ListColumn("name", QT_TRANSLATE_NOOP("columns", "姓名")),
    ListColumn("student_no", QT_TRANSLATE_NOOP("columns", "学籍号"), mask_student_no),
    ListColumn("school", QT_TRANSLATE_NOOP("columns", "学校")),
    ListColumn("item", QT_TRANSLATE_NOOP("columns", "资助项目")),
    ListColumn("reason", QT_TRANSLATE_NOOP("columns", "未纳入原因")),
)


@dataclass
class Refused:
    """What a commit returns when the door refused the batch (nothing was written)."""

    problems: list[Problem]


class BatchPage(QWidget):
    """Choose, propose, review, confirm. ``committed(ids)`` after a batch was written."""

    committed = Signal(list)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.batch: Batch | None = None
        self.job: Job | None = None
        self.progress_dialog: ProgressDialog | None = None
        self.receipt_text = ""
        self._grant_typed = False

        self.school = QComboBox()
        self.school.setMinimumContentsLength(16)
        self.school.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        fill_schools(ctx, self.school, self.tr("范围内全部学校"))
        self.school.currentIndexChanged.connect(self._inputs_changed)
        self.semester = QComboBox()
        for key in semester_choices(ctx):
            self.semester.addItem(fill(self.tr("%1（%2学年）"), key, school_year_of(key)), key)
        self.semester.setCurrentIndex(max(self.semester.findData(current_semester()), 0))
        self.semester.currentIndexChanged.connect(self._semester_changed)
        self.grant_edit = QLineEdit()
        self.grant_edit.setMaximumWidth(120)
        self.grant_edit.setToolTip(
            self.tr("资助记录的日期；生活补助只发给此日前已认定困难类型的学生")
        )
        self.grant_edit.textEdited.connect(self._grant_edited)
        self.propose_button = QPushButton(self.tr("生成方案"))
        self.propose_button.setDefault(True)
        self.propose_button.clicked.connect(self.propose)
        self.commit_button = QPushButton(self.tr("确认发放"))
        self.commit_button.setEnabled(False)
        self.commit_button.clicked.connect(self.commit)
        self.input_error = error_label()

        self.summary = QLabel(
            self.tr(
                "选择学校和学期后点「生成方案」：在读学生免学杂费、免教科书费；"
                "已认定困难类型的学生另享生活补助（寄宿生 / 非寄宿生标准）。"
            )
        )
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.approval_note = QLabel()
        self.approval_note.setObjectName("muted")
        self.approval_note.setWordWrap(True)
        self.approval_note.hide()
        self.refusal = error_label()
        self.receipt = QLabel()
        self.receipt.setObjectName("receipt")
        self.receipt.setWordWrap(True)
        self.receipt.setStyleSheet("color: #1b5e20;")
        self.receipt.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.receipt.hide()

        self.totals_model = ListModel(TOTAL_COLUMNS, self)
        self.totals_view = QTableView()
        self.totals_view.setModel(self.totals_model)
        setup_table(self.totals_view, {0: 200, 1: 100, 2: 150}, stretch_last=False)
        self.totals_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.totals_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        frame = 2 * self.totals_view.frameWidth()
        self.totals_view.setFixedSize(  # four items, 合计 and the header, without scrolling
            450 + frame,
            5 * self.totals_view.verticalHeader().defaultSectionSize()
            + self.totals_view.horizontalHeader().sizeHint().height()
            + frame,
        )
        self.skipped_model = ListModel(SKIPPED_COLUMNS, self)
        self.skipped_view = QTableView()
        self.skipped_view.setModel(self.skipped_model)
        setup_table(self.skipped_view, {0: 80, 1: 170, 2: 170, 3: 140})
        self.skipped_label = QLabel(self.tr("未纳入的学生"))
        self.skipped_label.setObjectName("muted")

        totals_row = QHBoxLayout()
        totals_row.addWidget(self.totals_view)
        notes = QVBoxLayout()
        notes.addWidget(self.approval_note)
        notes.addWidget(self.refusal)
        notes.addWidget(self.receipt)
        notes.addStretch(1)
        totals_row.addSpacing(12)
        totals_row.addLayout(notes, 1)

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(QLabel(self.tr("学校")))
        bar.addWidget(self.school)
        bar.addSpacing(10)
        bar.addWidget(QLabel(self.tr("学期")))
        bar.addWidget(self.semester)
        bar.addSpacing(10)
        bar.addWidget(QLabel(self.tr("发放日期")))
        bar.addWidget(self.grant_edit)
        bar.addSpacing(10)
        bar.addWidget(self.propose_button)
        bar.addWidget(self.commit_button)
        bar.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(bar)
        layout.addWidget(self.input_error)
        layout.addWidget(self.summary)
        layout.addLayout(totals_row)
        layout.addWidget(self.skipped_label)
        layout.addWidget(self.skipped_view, 1)
        self._semester_changed()
        ctx.hub.data_changed.connect(self._data_changed)

    # -- inputs -----------------------------------------------------------------------------

    def semester_key(self) -> str:
        return str(self.semester.currentData() or "")

    def select(self, school_id: str | None, semester: str) -> None:
        """Choose a school (None: every school in scope) and a semester, as the clerk would."""
        self.school.setCurrentIndex(max(self.school.findData(school_id), 0))
        index = self.semester.findData(semester)
        if index < 0:
            self.semester.addItem(
                fill(self.tr("%1（%2学年）"), semester, school_year_of(semester)), semester
            )
            index = self.semester.count() - 1
        self.semester.setCurrentIndex(index)

    def _grant_edited(self, _text: str) -> None:
        self._grant_typed = True
        self._inputs_changed()

    def _semester_changed(self, *_: object) -> None:
        key = self.semester_key()
        if key and not self._grant_typed:
            self.grant_edit.setText(default_grant_day(key))
        self._inputs_changed()

    def _inputs_changed(self, *_: object) -> None:
        """A proposal belongs to its school, semester and date: a change discards it."""
        if self.batch is not None:
            self._show_batch(None)

    def _data_changed(self, table: str) -> None:
        if table == "schools":
            fill_schools(self.ctx, self.school, self.tr("范围内全部学校"))

    def grant_day(self) -> str | None:
        """The typed grant date (ISO), checked against the semester; None with the reason shown."""
        self.input_error.hide()
        key = self.semester_key()
        try:
            day = parse_date(self.grant_edit.text().strip(), "发放日期")
        except ValidationError as exc:
            self._input_problem(exc.problems[0].message)
            return None
        first, last = grant_window(key)
        if not first <= day <= last:
            self._input_problem(
                fill(self.tr("发放日期 %1 不在 %2 学期内（可填 %3 至 %4）"), day, key, first, last)
            )
            return None
        return day.isoformat()

    def _input_problem(self, text: str) -> None:
        self.input_error.setText(text)
        self.input_error.show()

    # -- propose ----------------------------------------------------------------------------

    def propose(self) -> Job | None:
        granted = self.grant_day()
        if granted is None or self.is_running():
            return None
        school_id, key = self.school.currentData(), self.semester_key()
        user, db_path = self.ctx.user, self.ctx.db_path
        self._show_batch(None)
        self.receipt.hide()
        reading = self.tr("正在读取学生名单和已有资助记录…")

        def work(progress: Callable[[int, int, str], None], cancelled: Callable[[], bool]) -> Batch:
            progress(0, 0, reading)
            db = open_database(db_path, migrate=False)
            try:
                return propose_batch(db, school_id, key, user, granted_on=granted)
            finally:
                db.conn.close()

        job = self._start(work, self.tr("生成发放方案"), self.tr("正在生成发放方案…"))
        job.finished.connect(self._show_batch)
        return job

    def _start(self, work: Callable[..., Any], title: str, label: str) -> Job:
        self.propose_button.setEnabled(False)
        self.commit_button.setEnabled(False)
        job = run_in_background(work, self)
        self.job = job
        self.progress_dialog = ProgressDialog(job, title, label, self)
        job.failed.connect(self._failed)
        job.cancelled.connect(self._cancelled)
        job.crashed.connect(lambda _exc: self._idle())
        return job

    def is_running(self) -> bool:
        return self.job is not None and not self.job.done

    def _idle(self) -> None:
        self.propose_button.setEnabled(True)
        self._update_commit()

    def _failed(self, message: str) -> None:
        self._idle()
        self.refusal.setText(message)
        self.refusal.show()

    def _cancelled(self) -> None:
        self._idle()
        self.refusal.setText(self.tr("已取消，数据库未作改动。"))
        self.refusal.show()

    def _show_batch(self, batch: Batch | None) -> None:
        self.batch = batch
        self.refusal.hide()
        self.refusal.setText("")
        self._idle()
        if batch is None:
            self.totals_model.set_rows([])
            self.skipped_model.set_rows([])
            self.skipped_label.setText(self.tr("未纳入的学生"))
            self.summary.setText(self.tr("选择学校和学期后点「生成方案」。"))
            self.approval_note.hide()
            return
        rows = [
            {"item": t.label, "students": t.students, "amount_fen": t.amount_fen}
            for t in batch.totals
        ]
        total = {
            "item": self.tr("合计（学生按人计）"),
            "students": batch.students,
            "amount_fen": batch.amount_fen,
        }
        self.totals_model.set_rows(rows, batch.totals, total)
        names = batch.schools
        already = set(map(id, batch.already))
        # what needs the clerk's attention (no confirmed hardship, no standard) first
        skipped = sorted(batch.skipped, key=lambda s: id(s) in already)
        self.skipped_model.set_rows(
            [
                {
                    "name": s.name,
                    "student_no": s.student_no,
                    "school": names.get(s.school_id, ""),
                    "item": s.item_label,
                    "reason": s.reason,
                }
                for s in skipped
            ],
            skipped,
            tooltips=[s.reason for s in skipped],
        )
        self.skipped_label.setText(
            fill(
                self.tr("共 %1 项未纳入，其中本学期已享受 %2 项，其他原因 %3 项。"),
                f"{len(skipped):,}",
                f"{len(already):,}",
                f"{len(skipped) - len(already):,}",
            )
            if batch.skipped
            else self.tr("没有未纳入的学生。")
        )
        where = (
            next(iter(names.values()))
            if len(names) == 1
            else fill(self.tr("%1 所学校"), len(names))
        )
        self.summary.setText(
            fill(
                self.tr(
                    "%1 · %2（%3学年）· 发放日期 %4：在读学生 %5 名；拟写入资助记录 %6 条，"
                    "涉及学生 %7 名，共计 %8 元。"
                ),
                where,
                batch.semester,
                batch.school_year,
                batch.granted_on,
                f"{batch.enrolled:,}",
                f"{len(batch):,}",
                f"{batch.students:,}",
                format_yuan(batch.amount_fen),
            )
        )
        self._update_commit()

    def _update_commit(self) -> None:
        batch = self.batch
        allowed = can_approve(self.ctx.user)
        ready = batch is not None and len(batch) > 0 and not self.is_running()
        self.commit_button.setEnabled(ready and allowed)
        if batch is None:
            self.approval_note.hide()
            return
        if not len(batch):
            note = self.tr("没有需要写入的资助记录。")
        elif not allowed:
            note = fill(
                self.tr("确认发放须由审核员或管理员操作（您是%1）：请将此方案交本单位审核员确认。"),
                self.ctx.user.role_label,
            )
        else:
            note = self.tr(
                "核对无误后点「确认发放」，将在一个事务中写入全部记录；任何一条被拒绝则全部不写入。"
            )
        self.commit_button.setToolTip(note)
        self.approval_note.setText(note)
        self.approval_note.show()

    # -- commit -----------------------------------------------------------------------------

    def commit(self) -> Job | None:
        batch = self.batch
        if batch is None or not len(batch) or self.is_running():
            return None
        if not can_approve(self.ctx.user):
            self._update_commit()
            return None
        user, db_path = self.ctx.user, self.ctx.db_path

        def work(
            progress: Callable[[int, int, str], None], cancelled: Callable[[], bool]
        ) -> list[str] | Refused:
            db = open_database(db_path, migrate=False)
            try:
                return commit_batch(WriteDoor(db, user), batch, progress, cancelled)
            except ValidationError as exc:
                return Refused(exc.problems)
            finally:
                db.conn.close()

        job = self._start(
            work, self.tr("确认发放"), fill(self.tr("正在写入 %1 条资助记录…"), f"{len(batch):,}")
        )
        job.finished.connect(self._committed)
        return job

    def _committed(self, result: list[str] | Refused) -> None:
        batch = self.batch
        if isinstance(result, Refused) or batch is None:
            problems = result.problems if isinstance(result, Refused) else []
            lines = [self.tr("未写入任何记录：")]
            lines += [
                p.message if p.row is None else fill(self.tr("第 %1 条：%2"), p.row, p.message)
                for p in problems[:SHOWN_PROBLEMS]
            ]
            if len(problems) > SHOWN_PROBLEMS:
                lines.append(fill(self.tr("……另有 %1 条。"), len(problems) - SHOWN_PROBLEMS))
            lines.append(self.tr("请重新生成方案（已享受的学生会自动排除）。"))
            self._idle()
            self.refusal.setText("\n".join(lines))
            self.refusal.show()
            self.commit_button.setEnabled(False)
            return
        self.receipt_text = fill(
            self.tr("已发放：%1 %2，写入资助记录 %3 条，学生 %4 名，共计 %5 元。确认人 %6，%7。"),
            ", ".join(batch.schools.values())
            if len(batch.schools) <= 3
            else fill(self.tr("%1 所学校"), len(batch.schools)),
            batch.semester,
            f"{len(result):,}",
            f"{batch.students:,}",
            format_yuan(batch.amount_fen),
            self.ctx.user.display_name,
            datetime.now().strftime("%Y-%m-%d %H:%M"),
        )
        self.batch = None
        self._idle()
        self.approval_note.hide()
        self.receipt.setText(self.receipt_text)
        self.receipt.show()
        self.commit_button.setEnabled(False)
        self.ctx.hub.data_changed.emit("exemptions")
        self.committed.emit(result)
