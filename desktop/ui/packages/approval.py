"""报送与审核: the submissions of a period with their status and comments; an office's reviewer
submits the quarter (locking it), the district approves, returns with comments or — the
administrator — reopens an approved quarter with a reason; and the entry deadline with its
per-office exceptions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import periods
from desktop.domain.choices import PROGRAMMES
from desktop.domain.errors import ValidationError
from desktop.store import package_approval as approval
from desktop.store import package_deadline as deadline
from desktop.store.errors import AccessDenied, PeriodLocked
from desktop.ui.context import AppContext
from desktop.ui.forms import FormGrid, error_label, fit_dialog
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.packages.conflicts import ListModel, table_view


class SubmissionModel(ListModel):
    COLUMNS = (
        QT_TRANSLATE_NOOP("SubmissionModel", "办事处"),
        QT_TRANSLATE_NOOP("SubmissionModel", "业务"),
        QT_TRANSLATE_NOOP("SubmissionModel", "期间"),
        QT_TRANSLATE_NOOP("SubmissionModel", "状态"),
        QT_TRANSLATE_NOOP("SubmissionModel", "意见"),
        QT_TRANSLATE_NOOP("SubmissionModel", "经办"),
    )

    def cell(self, row: approval.Submission, column: int) -> Any:
        return (
            row.office,
            row.programme_label,
            row.period_key,
            row.status_label,
            row.comment,
            f"{row.updated_by} {row.updated_at[:16]}",
        )[column]


class ApprovalDialog(QDialog):
    changed = Signal(str, str)  # office, new status

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.office = ctx.user.office
        self.setWindowTitle(self.tr("报送与审核"))
        self.period_combo = QComboBox()
        quarters = periods.quarters_between(periods.quarter(2024, 1), ctx.period)
        for p in sorted(set(quarters) | {ctx.period}, reverse=True):
            self.period_combo.addItem(p.label, p.key)
        self.period_combo.setCurrentIndex(self.period_combo.findData(ctx.period.key))
        self.period_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.programme_combo = QComboBox()
        for key in PROGRAMMES.keys():
            self.programme_combo.addItem(PROGRAMMES.label(key), key)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("期间")))
        top.addWidget(self.period_combo)
        top.addWidget(QLabel(self.tr("业务")))
        top.addWidget(self.programme_combo)
        top.addStretch(1)

        self.model = SubmissionModel(self)
        self.view = table_view(self.model)
        self.comment_edit = QPlainTextEdit()
        self.comment_edit.setPlaceholderText(self.tr("退回意见、重新打开的原因或提交说明"))
        self.comment_edit.setMaximumHeight(70)
        self.error = error_label()
        self.submit_button = QPushButton(self.tr("提交本期（锁定）"))
        self.approve_button = QPushButton(self.tr("审核通过"))
        self.return_button = QPushButton(self.tr("退回…"))
        self.reopen_button = QPushButton(self.tr("重新打开…"))
        self.submit_button.clicked.connect(lambda: self.act("submit"))
        self.approve_button.clicked.connect(lambda: self.act("approve"))
        self.return_button.clicked.connect(lambda: self.act("return"))
        self.reopen_button.clicked.connect(lambda: self.act("reopen"))
        at_office = self.office is not None
        self.submit_button.setVisible(at_office)
        for button in (self.approve_button, self.return_button, self.reopen_button):
            button.setVisible(not at_office)
        self.reopen_button.setEnabled(ctx.user.is_admin)
        actions = QHBoxLayout()
        for button in (
            self.submit_button,
            self.approve_button,
            self.return_button,
            self.reopen_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(QLabel(self.tr("意见 / 原因")))
        layout.addWidget(self.comment_edit)
        layout.addWidget(self.error)
        layout.addLayout(actions)
        self.deadline_box = self._deadline_box() if ctx.user.is_admin and not at_office else None
        if self.deadline_box is not None:
            layout.addWidget(self.deadline_box)
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout.addLayout(bottom)
        self.reload()
        fit_dialog(self, 820)

    # -- submissions ------------------------------------------------------------------------

    def period(self) -> periods.Period:
        return periods.parse_period(self.period_combo.currentData())

    def reload(self) -> None:
        self.model.set_rows(approval.submissions(self.ctx.db, self.office, self.period().key))
        self.view.resizeColumnsToContents()
        if self.model.rows and not self.view.currentIndex().isValid():
            self.view.selectRow(0)

    def selected(self) -> approval.Submission | None:
        index = self.view.currentIndex()
        return self.model.rows[index.row()] if index.isValid() else None

    def act(self, action: str) -> bool:
        """Submit (office) or approve / return / reopen the selected submission (district)."""
        self.error.hide()
        text = self.comment_edit.toPlainText().strip()
        door = self.ctx.door()
        try:
            if action == "submit":
                office, programme = self.office or "", self.programme_combo.currentData()
                approval.submit(door, office, programme, self.period(), text)
            else:
                chosen = self.selected()
                if chosen is None:
                    raise ValidationError.single("报送", "请先在列表中选择一个办事处的报送")
                office, programme = chosen.office, chosen.programme
                period = periods.parse_period(chosen.period_key)
                if action == "approve":
                    approval.approve(door, office, programme, period, text)
                elif action == "return":
                    approval.return_with_comments(door, office, programme, period, text)
                else:
                    approval.reopen(door, office, programme, period, text)
        except ValidationError as exc:
            self.error.setText("\n".join(p.message for p in exc.problems))
            self.error.show()
            return False
        except (AccessDenied, PeriodLocked) as exc:
            self.error.setText(str(exc))
            self.error.show()
            return False
        self.comment_edit.clear()
        self.ctx.hub.data_changed.emit("submissions")
        self.reload()
        self.changed.emit(office or "", action)
        return True

    # -- the entry deadline -----------------------------------------------------------------

    def _deadline_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("录入期限（季度结束后自动锁定）"))
        grid = FormGrid()
        self.deadline_form = grid
        days = deadline.deadline_days(self.ctx.db)
        self.deadline_on = QCheckBox(self.tr("启用：季度结束后"))
        self.deadline_on.setChecked(days is not None)
        self.deadline_days = QSpinBox()
        self.deadline_days.setRange(0, 365)
        self.deadline_days.setSuffix(self.tr(" 天后锁定录入"))
        self.deadline_days.setValue(days if days is not None else 15)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.deadline_on)
        line.addWidget(self.deadline_days)
        save = QPushButton(self.tr("保存期限"))
        save.clicked.connect(self.save_deadline)
        line.addWidget(save)
        line.addStretch(1)
        grid.add("days", self.tr("全区"), row)

        self.exc_office = QComboBox()
        for unit in self.ctx.tree.units.values():
            if unit.level == "office" and unit.code:
                self.exc_office.addItem(f"{unit.name}（{unit.code}）", unit.code)
        self.exc_never = QCheckBox(self.tr("不自动锁定"))
        self.exc_days = QSpinBox()
        self.exc_days.setRange(0, 365)
        self.exc_days.setValue(30)
        self.exc_days.setSuffix(self.tr(" 天"))
        self.exc_until = QDateEdit(QDate.currentDate().addMonths(1))
        self.exc_until.setCalendarPopup(True)
        self.exc_until.setDisplayFormat("yyyy-MM-dd")
        self.exc_note = QLineEdit()
        self.exc_note.setPlaceholderText(self.tr("例外原因"))
        exc_row = QWidget()
        exc_line = QHBoxLayout(exc_row)
        exc_line.setContentsMargins(0, 0, 0, 0)
        for widget in (
            self.exc_office,
            self.exc_never,
            self.exc_days,
            QLabel(self.tr("截至")),
            self.exc_until,
            self.exc_note,
        ):
            exc_line.addWidget(widget)
        add = QPushButton(self.tr("设置例外"))
        add.clicked.connect(self.save_exception)
        remove = QPushButton(self.tr("取消例外"))
        remove.clicked.connect(lambda: self.save_exception(remove=True))
        exc_line.addWidget(add)
        exc_line.addWidget(remove)
        grid.add("exception", self.tr("办事处例外"), exc_row)
        self.exceptions_label = QLabel()
        self.exceptions_label.setWordWrap(True)
        grid.add_widget(self.exceptions_label)
        box.setLayout(grid)
        self._show_exceptions()
        return box

    def _show_exceptions(self) -> None:
        items = [
            fill(
                self.tr("%1：%2，截至 %3 %4"),
                e.office,
                self.tr("不自动锁定") if e.days is None else fill(self.tr("%1 天"), e.days),
                e.until or self.tr("长期"),
                e.note,
            )
            for e in deadline.exceptions(self.ctx.db)
        ]
        self.exceptions_label.setText(
            self.tr("例外：")
            + ("；".join(items) if items else self.tr("无"))
            + "\n"
            + self.tr("期限随下一次发给办事处的报送包生效。")
        )

    def save_deadline(self) -> None:
        days = self.deadline_days.value() if self.deadline_on.isChecked() else None
        try:
            deadline.set_deadline(self.ctx.db, self.ctx.user, days)
        except AccessDenied as exc:
            self.deadline_form.set_error("days", str(exc))
            return
        self.deadline_form.set_error("days", "")

    def save_exception(self, remove: bool = False) -> None:
        office = self.exc_office.currentData()
        days = None if self.exc_never.isChecked() else self.exc_days.value()
        until = self.exc_until.date().toString("yyyy-MM-dd")
        try:
            deadline.set_exception(
                self.ctx.db,
                self.ctx.user,
                office,
                days,
                until,
                self.exc_note.text().strip(),
                remove=remove,
            )
        except AccessDenied as exc:
            self.deadline_form.set_error("exception", str(exc))
            return
        self.deadline_form.set_error("exception", "")
        self._show_exceptions()
