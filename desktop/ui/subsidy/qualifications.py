"""资格: the qualifications of a programme and year (paged; filters by programme, year and status;
search by name, pinyin initials or ID tail), the head-count identity of that programme and year
per category (上年 − 退出 + 新增 = 本年, with ✓ / ✗), and the actions on them:

- 新增资格… — a person (by ID number), programme, category, year and first day; the eligibility
  rules of DOMAIN.md are checked as the form is filled: warnings are shown and do not block,
  refusals are shown and block (the door refuses them too);
- 暂停… / 退出… — with a reason from the list (kept in ``exit_reason``, shown in the table),
  an optional 说明 (the note) and the date; 公示日期… — the posting dates of the chosen rows;
- 确认本年度资格 — the reviewer's (or administrator's) yearly confirmation: it first asks
  "确认 2026 年度奖励扶助资格 N 人？" with the count, then runs on a worker with a progress bar
  and 取消 (a clerk sees why it is disabled);
- 导出公示… — the year's posting of the programme (names masked; see ``reports.posting``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import EXIT_REASONS, QUALIFICATION_STATUS, SUBSIDY_CATEGORY
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.ids import mask_id, normalize_id
from desktop.domain.subsidy import EXIT_ONLY, SUSPEND_REASONS
from desktop.store import subsidy as store
from desktop.store.door import WriteDoor
from desktop.ui.context import AppContext
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.kangjian.queries import person_with_id_number
from desktop.ui.subsidy.common import (
    WRITE_ERRORS,
    ListColumn,
    ListModel,
    ListPage,
    SubsidyDialog,
    can_approve,
    fill_programmes,
    iso_day,
    run_job,
    split_problems,
    table_for,
)

# Field labels of the domain rules and the door → the dialog's field keys.
QUALIFICATION_FIELDS = {
    "身份证号": "id_number",
    "人员": "id_number",
    "姓名": "id_number",
    "户籍": "id_number",
    "户籍类型": "id_number",
    "年龄": "id_number",
    "出生日期": "id_number",
    "项目": "programme_id",
    "扶助类别": "category",
    "类别": "category",
    "年度": "year",
    "资格状态": "status",
    "状态": "status",
    "起始日期": "start_on",
    "开始日期": "start_on",
}
IDENTITY_COLUMNS = (
    ListColumn("category", QT_TRANSLATE_NOOP("columns", "类别")),
    ListColumn("last_year", QT_TRANSLATE_NOOP("columns", "上年人数"), lambda v: f"{v:,}", True),
    ListColumn("exits", QT_TRANSLATE_NOOP("columns", "本年退出"), lambda v: f"{v:,}", True),
    ListColumn("additions", QT_TRANSLATE_NOOP("columns", "本年新增"), lambda v: f"{v:,}", True),
    ListColumn("this_year", QT_TRANSLATE_NOOP("columns", "本年人数"), lambda v: f"{v:,}", True),
    ListColumn("holds", QT_TRANSLATE_NOOP("columns", "核对"), lambda v: "✓" if v else "✗"),
)


def category_label(key: Any) -> str:
    if not key:
        return QT_TRANSLATE_NOOP("subsidy", "（不分类别）")
    return SUBSIDY_CATEGORY.label(key) if key in SUBSIDY_CATEGORY else str(key)


class IdentityModel(ListModel):
    """The identity rows, with a row that does not hold in red."""

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and index.isValid()
            and self.columns[index.column()].key == "holds"
            and index.row() < len(self.rows)
        ):
            return QBrush(QColor("#1b5e20" if self.rows[index.row()]["holds"] else "#c62828"))
        return super().data(index, role)


class QualificationsPage(ListPage):
    count_text = QT_TRANSLATE_NOOP("QualificationsPage", "共 %1 人次")

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None
    ):
        self.today = today or date.today()
        self.prompt: QMessageBox | None = None  # the last confirmation asked
        super().__init__(
            ctx,
            store.qualifications_query,
            self.tr("姓名 / 拼音首字母 / 身份证号后几位"),
            ("persons", "households"),
            parent,
            year=self.today.year,
        )

        self.programme = QComboBox()
        self.programmes = fill_programmes(ctx, self.programme, self.tr("全部项目"))
        self.year = QSpinBox()
        self.year.setRange(2004, self.today.year + 1)
        self.year.setValue(self.today.year)
        self.year.setSuffix(self.tr(" 年度"))
        self.status = QComboBox()
        self.status.addItem(self.tr("全部状态"), None)
        for choice in QUALIFICATION_STATUS:
            self.status.addItem(choice.label, choice.key)
        for widget in (self.programme, self.status):
            widget.currentIndexChanged.connect(self.apply_filter)
        self.year.valueChanged.connect(self.apply_filter)
        self.bar.addSpacing(10)
        self.bar.addWidget(QLabel(self.tr("项目")))
        self.bar.addWidget(self.programme)
        self.bar.addWidget(self.year)
        self.bar.addWidget(self.status)

        self.add_button = QPushButton(self.tr("新增资格…"))
        self.add_button.setShortcut("Ctrl+N")
        self.add_button.setToolTip(self.tr("为一名人员登记某项目某年度的资格（Ctrl+N）"))
        self.add_button.clicked.connect(lambda: self.open_add())
        self.action_bar.addWidget(self.add_button)
        self.suspend_button = self.add_row_button(QPushButton(self.tr("暂停…")))
        self.suspend_button.clicked.connect(lambda: self.open_status("suspend"))
        self.exit_button = self.add_row_button(QPushButton(self.tr("退出…")))
        self.exit_button.clicked.connect(lambda: self.open_status("exit"))
        self.posting_button = self.add_row_button(QPushButton(self.tr("公示日期…")))
        self.posting_button.setToolTip(self.tr("为选中的资格（可多选）填写公示起止日期"))
        self.posting_button.clicked.connect(lambda: self.open_posting_dates())
        self.action_bar.addSpacing(16)
        self.confirm_button = QPushButton(self.tr("确认本年度资格"))
        self.confirm_button.clicked.connect(lambda: self.confirm_year())
        self.action_bar.addWidget(self.confirm_button)
        self.export_button = QPushButton(self.tr("导出公示…"))
        self.export_button.setToolTip(
            self.tr("本项目本年度新增对象的公示（姓名部分隐去），Excel 或 PDF")
        )
        self.export_button.clicked.connect(lambda: self.open_export())
        self.action_bar.addWidget(self.export_button)
        self.finish_bar()
        self.view.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)

        self.identity_model = IdentityModel(IDENTITY_COLUMNS, self)
        self.identity_view = table_for(self.identity_model, {0: 110, 1: 80, 2: 80, 3: 80, 4: 80})
        self.identity_view.setToolTip(
            self.tr(
                "按资格记录的年度和状态统计：本年退出含退出和暂停，本年新增为「新增」，"
                "本年人数为「新增」和「续发」"
            )
        )
        self.identity_note = QLabel()
        self.identity_note.setWordWrap(True)
        box = QGroupBox(self.tr("人数恒等式：上年人数 − 本年退出 + 本年新增 = 本年人数"))
        inner = QHBoxLayout(box)
        inner.addWidget(self.identity_view, 3)
        inner.addWidget(self.identity_note, 2)
        self.layout_.insertWidget(2, box)

        ctx.hub.data_changed.connect(self._data_changed)
        self.apply_filter()

    # -- filters ----------------------------------------------------------------------------

    def programme_id(self) -> str | None:
        return self.programme.currentData()

    def select(
        self, programme_id: str | None = None, year: int | None = None, status: str | None = None
    ) -> None:
        for combo, key in ((self.programme, programme_id), (self.status, status)):
            blocked = combo.blockSignals(True)
            combo.setCurrentIndex(max(combo.findData(key), 0))
            combo.blockSignals(blocked)
        if year is not None:
            blocked = self.year.blockSignals(True)
            self.year.setValue(year)
            self.year.blockSignals(blocked)
        self.apply_filter()

    def filters(self) -> dict[str, Any]:
        return {
            "programme_id": self.programme_id(),
            "year": self.year.value(),
            "status": self.status.currentData(),
            "search": self.search.text(),
        }

    def apply_filter(self) -> None:
        super().apply_filter()
        self.load_identity()
        self._update_confirm()

    def _data_changed(self, table: str) -> None:
        if table == "qualifications":
            self.load_identity()

    # -- the identity -----------------------------------------------------------------------

    def load_identity(self) -> None:
        programme_id = self.programme_id()
        if programme_id is None:
            self.identity_model.set_rows([])
            self.identity_note.setText(self.tr("选择一个项目后显示各类别的人数恒等式。"))
            return
        rows = store.headcount_identity(
            self.ctx.db, programme_id, self.year.value(), self.ctx.user.scope
        )
        shown: list[dict[str, Any]] = [
            {
                "category": self.tr(category_label(r.category)),
                "last_year": r.last_year,
                "exits": r.exits,
                "additions": r.additions,
                "this_year": r.this_year,
                "holds": bool(r.holds),
            }
            for r in rows
        ]
        self.identity_model.set_rows(shown, rows)
        view = self.identity_view
        view.setFixedHeight(
            view.horizontalHeader().sizeHint().height()
            + max(len(shown), 1) * view.verticalHeader().defaultSectionSize()
            + 2 * view.frameWidth()
        )
        broken = [s["category"] for s in shown if not s["holds"]]
        year = self.year.value()
        if not shown:
            text = fill(self.tr("%1 年度没有资格记录。"), year)
            self.identity_note.setStyleSheet("")
        elif all(s["this_year"] == 0 for s in shown) and any(s["last_year"] for s in shown):
            text = fill(
                self.tr(
                    "✗ %1 年度尚未确认：上年 %2 人，本年 0 人。审核员点「确认本年度资格」"
                    "将上年仍有效的资格转为本年度续发。"
                ),
                year,
                sum(s["last_year"] for s in shown),
            )
            self.identity_note.setStyleSheet("color: #c62828;")
        elif broken:
            text = fill(
                self.tr("✗ 不成立：%1。请核对上年名单、本年退出和新增记录。"), "、".join(broken)
            )
            self.identity_note.setStyleSheet("color: #c62828;")
        else:
            text = fill(
                self.tr("✓ %1 年度各类别人数恒等式均成立（%2 − %3 + %4 = %5）。"),
                year,
                sum(s["last_year"] for s in shown),
                sum(s["exits"] for s in shown),
                sum(s["additions"] for s in shown),
                sum(s["this_year"] for s in shown),
            )
            self.identity_note.setStyleSheet("color: #1b5e20;")
        self.identity_note.setText(text)

    # -- the yearly confirmation ------------------------------------------------------------

    def _update_confirm(self) -> None:
        allowed = can_approve(self.ctx.user)
        programme = self.programme_id()
        self.confirm_button.setEnabled(allowed and programme is not None)
        self.export_button.setEnabled(programme is not None)
        if not allowed:
            tip = fill(
                self.tr("年度资格确认须由审核员或管理员操作（您是%1）"), self.ctx.user.role_label
            )
        elif programme is None:
            tip = self.tr("请先选择项目")
        else:
            tip = fill(
                self.tr("将上年仍有效的资格转为 %1 年度续发，并记录确认人和确认日期"),
                self.year.value(),
            )
        self.confirm_button.setToolTip(tip)
        self.export_button.setToolTip(
            self.tr("本项目本年度新增对象的公示（姓名部分隐去），Excel 或 PDF")
            if programme
            else self.tr("请先选择项目")
        )

    def confirm_year(self) -> QMessageBox | None:
        """Ask "确认 2026 年度奖励扶助资格 N 人？" (``self.prompt``, window-modal); 确认 runs it."""
        programme_id = self.programme_id()
        if programme_id is None or not can_approve(self.ctx.user):
            self._update_confirm()
            return None
        year = self.year.value()
        name = next((p.name for p in self.programmes if p.id == programme_id), "")
        count = store.confirmation_count(self.ctx.db, self.ctx.user.scope, programme_id, year)
        if not count:
            self.message.done(fill(self.tr("%1 %2 年度没有待确认的资格。"), name, year))
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("确认本年度资格"),
            fill(self.tr("确认 %1 年度%2资格 %3 人？"), year, name, f"{count:,}"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText(self.tr("上年仍有效的资格转为本年度续发，并记录确认人和确认日期。"))
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("确认"))
        box.button(QMessageBox.StandardButton.Cancel).setText(self.tr("取消"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda button: (
                self.run_confirmation(programme_id, year)
                if box.standardButton(button) == QMessageBox.StandardButton.Yes
                else None
            )
        )
        self.prompt = box
        box.open()
        return box

    def run_confirmation(self, programme_id: str, year: int) -> Any:
        """The confirmation itself, on a worker with a progress bar and 取消."""
        user, day = self.ctx.user, self.today.isoformat()
        self.confirm_button.setEnabled(False)

        def work(db: Any, progress: Any, cancelled: Any) -> int:
            door = WriteDoor(db, user)
            return int(
                store.confirm_year(
                    door, programme_id, year, day, progress=progress, cancel=cancelled
                )
            )

        name = self.programme.currentText()
        self.job, self.progress_dialog = run_job(
            self,
            self.ctx,
            work,
            self.tr("确认本年度资格"),
            fill(self.tr("正在确认 %1 %2 年度资格…"), name, year),
        )
        self.job.finished.connect(lambda n: self._confirmed(int(n), name, year))
        self.job.failed.connect(self._job_failed)
        self.job.cancelled.connect(lambda: self._job_failed(self.tr("已取消，数据库未作改动。")))
        self.job.crashed.connect(lambda _e: self._update_confirm())
        return self.job

    def _confirmed(self, count: int, name: str, year: int) -> None:
        self._update_confirm()
        self.message.done(
            fill(
                self.tr("已确认 %1 %2 年度资格 %3 人（确认人 %4，%5）。"),
                name,
                year,
                f"{count:,}",
                self.ctx.user.display_name,
                self.today.isoformat(),
            )
        )
        self.ctx.hub.data_changed.emit("qualifications")

    def _job_failed(self, text: str) -> None:
        self._update_confirm()
        self.message.error(text)

    # -- dialogs ----------------------------------------------------------------------------

    def open_add(self) -> QualificationDialog:
        dialog = QualificationDialog(
            self.ctx,
            self,
            programme_id=self.programme_id(),
            year=self.year.value(),
            today=self.today,
        )
        dialog.saved.connect(self._saved)
        dialog.open()
        self.dialog = dialog  # the last one opened
        return dialog

    def _saved(self, record_id: str) -> None:
        self.message.done(self.tr("已保存。"))
        self.select_record(record_id)

    def open_status(self, action: str) -> StatusDialog | None:
        record = self.current_id()
        if record is None:
            return None
        dialog = StatusDialog(self.ctx, record, action, self, today=self.today)
        dialog.open()
        self.dialog = dialog  # the last one opened
        return dialog

    def open_posting_dates(self) -> PostingDatesDialog | None:
        ids = self.selected_ids()
        if not ids:
            return None
        dialog = PostingDatesDialog(self.ctx, ids, self, today=self.today)
        dialog.open()
        self.dialog = dialog  # the last one opened
        return dialog

    def open_export(self) -> Any:
        from desktop.reports.posting import qualification_posting
        from desktop.ui.subsidy.export import PostingExportDialog

        programme_id = self.programme_id()
        if programme_id is None:
            return None
        year, scope = self.year.value(), self.ctx.user.scope

        unit = self.ctx.scope_label()

        def make(db: Any, posted_from: str, posted_to: str, objection: str) -> Any:
            return qualification_posting(
                db,
                programme_id,
                year,
                unit=unit,
                posted_from=posted_from,
                posted_to=posted_to,
                objection=objection,
                scope=scope,
            )

        name = f"{year}年度{self.programme.currentText().split('（')[0]}对象公示"
        dialog = PostingExportDialog(
            self.ctx,
            make,
            name,
            self,
            today=self.today,
            detail={"programme_id": programme_id, "year": year},
        )
        dialog.open()
        self.dialog = dialog  # the last one opened
        return dialog


# -- 新增资格 --------------------------------------------------------------------------------------


class QualificationDialog(SubsidyDialog):
    """One qualification keyed by hand. Emits ``saved(record_id)``."""

    saved = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        programme_id: str | None = None,
        year: int | None = None,
        today: date | None = None,
    ):
        super().__init__(
            ctx, QCoreApplication.translate("QualificationDialog", "新增资格"), parent, today=today
        )
        self.person: dict[str, Any] | None = None
        self.refusals: list[Problem] = []
        self.warnings: list[Problem] = []

        self.id_edit = QLineEdit()
        self.id_edit.setPlaceholderText(self.tr("18位身份证号（须已在人员名册中）"))
        self.id_edit.setMaxLength(24)
        self.id_edit.textChanged.connect(self._id_changed)
        self.who = QLabel()
        self.who.setObjectName("muted")
        self.who.hide()
        id_box = QWidget()
        id_column = QVBoxLayout(id_box)
        id_column.setContentsMargins(0, 0, 0, 0)
        id_column.setSpacing(2)
        id_column.addWidget(self.id_edit)
        id_column.addWidget(self.who)
        self.programme = QComboBox()
        self.programmes = fill_programmes(ctx, self.programme, None, kind="person")
        if programme_id is not None and self.programme.findData(programme_id) >= 0:
            self.programme.setCurrentIndex(self.programme.findData(programme_id))
        self.category = QComboBox()
        self.category.addItem(self.tr("（不分类别）"), None)
        for choice in SUBSIDY_CATEGORY:
            self.category.addItem(choice.label, choice.key)
        self.year = QSpinBox()
        self.year.setRange(2004, self.today.year + 1)
        self.year.setValue(year or self.today.year)
        self.status = QComboBox()
        for key in ("new", "continued"):
            self.status.addItem(QUALIFICATION_STATUS.label(key), key)
        self.start_edit = QLineEdit(self.today.isoformat())
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(self.tr("可不填"))
        for combo in (self.programme, self.category):
            combo.currentIndexChanged.connect(self.check_eligibility)
        self.start_edit.editingFinished.connect(self.check_eligibility)

        self.form.add("id_number", self.tr("身份证号"), id_box)
        self.form.fields["id_number"] = self.id_edit
        self.form.add("programme_id", self.tr("项目"), self.programme)
        self.form.add("category", self.tr("类别"), self.category)
        self.form.add("year", self.tr("年度"), self.year)
        self.form.add("status", self.tr("状态"), self.status)
        self.form.add("start_on", self.tr("起始日期"), self.start_edit)
        self.form.add("note", self.tr("备注"), self.note_edit)
        self.warning_label = QLabel()
        self.warning_label.setObjectName("warning")
        self.warning_label.setStyleSheet("color: #8a5a00;")
        self.warning_label.setWordWrap(True)
        self.warning_label.hide()
        self.finish(self.warning_label, width=500)
        self.id_edit.setFocus()

    def _id_changed(self, text: str) -> None:
        number = normalize_id(text)
        self.person = None
        self.who.hide()
        if len(number) != 18:
            self.check_eligibility()
            return
        found = person_with_id_number(self.ctx, number)
        if found is None:
            self.who.setText(self.tr("人员名册中没有这个身份证号，请先登记人员（户籍与家庭）"))
        elif not found["in_scope"]:
            self.who.setText(self.tr("该人员不在您的管辖范围内"))
        else:
            self.person = found
            community = self.ctx.tree.units.get(found["community_id"])
            self.who.setText(
                fill(
                    self.tr("%1 · %2 · %3"),
                    found["name"],
                    mask_id(number),
                    community.name if community else "",
                )
            )
        self.who.show()
        self.check_eligibility()

    def _programme_code(self) -> str | None:
        chosen = self.programme.currentData()
        return next((p.code for p in self.programmes if p.id == chosen), None)

    def check_eligibility(self, *_: object) -> None:
        """The eligibility rules, shown as the form is filled: warnings and refusals."""
        self.refusals, self.warnings = [], []
        code = self._programme_code()
        if self.person is not None and code is not None:
            try:
                day = date.fromisoformat(iso_day(self.start_edit.text(), "起始日期"))
            except ValidationError:
                day = self.today
            found = store.eligibility(
                self.ctx.db, self.person["person_id"], code, self.category.currentData(), day
            )
            self.refusals, self.warnings = split_problems(found)
        lines = [fill(self.tr("提示：%1"), p.message) for p in self.warnings]
        lines += [fill(self.tr("不符合条件：%1"), p.message) for p in self.refusals]
        self.warning_label.setText("\n".join(lines))
        self.warning_label.setStyleSheet("color: #c62828;" if self.refusals else "color: #8a5a00;")
        self.warning_label.setVisible(bool(lines))
        self.ok_button.setToolTip(self.tr("有不符合条件的项目，不能保存") if self.refusals else "")
        self.adjustSize()

    def validate(self) -> dict[str, Any] | None:
        self.clear_messages()
        if self.person is None:
            self.form.set_error(
                "id_number",
                self.who.text()
                if self.who.isVisible() and self.who.text()
                else self.tr("请填写已登记人员的18位身份证号"),
            )
        start = self.day("start_on", self.start_edit, "起始日期")
        if self.programme.currentData() is None:
            self.form.set_error("programme_id", self.tr("请选择项目"))
        if self.form.has_errors() or self.person is None or start is None:
            return None
        self.check_eligibility()
        if self.refusals:
            return None
        try:
            return store.qualification_values(
                self.ctx.db,
                self.person["person_id"],
                self.programme.currentData(),
                self.year.value(),
                self.status.currentData(),
                category=self.category.currentData(),
                start_on=start,
                status_on=start,
                note=self.note_edit.text().strip() or None,
            )
        except ValidationError as exc:
            self.refused(exc, QUALIFICATION_FIELDS)
            return None

    def save(self) -> bool:
        values = self.validate()
        if values is None:
            return False
        try:
            record_id = self.ctx.door().insert("qualifications", values)
        except WRITE_ERRORS as exc:
            return self.refused(exc, QUALIFICATION_FIELDS)
        self.ctx.hub.data_changed.emit("qualifications")
        self.saved.emit(record_id)
        return True


# -- 暂停 / 退出 ------------------------------------------------------------------------------------


class StatusDialog(SubsidyDialog):
    """暂停 or 退出 one qualification with a reason and a date."""

    def __init__(
        self,
        ctx: AppContext,
        qualification_id: str,
        action: str,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ):
        exiting = action == "exit"
        super().__init__(
            ctx,
            QCoreApplication.translate("StatusDialog", "退出资格" if exiting else "暂停资格"),
            parent,
            ok_text=QCoreApplication.translate("StatusDialog", "确定"),
            today=today,
        )
        self.record_id = qualification_id
        self.action = action
        self.reason = QComboBox()
        for choice in EXIT_REASONS:
            if choice.key in (EXIT_ONLY if exiting else SUSPEND_REASONS):
                self.reason.addItem(choice.label, choice.key)
        self.detail_edit = QLineEdit()
        self.detail_edit.setPlaceholderText(self.tr("可不填，记入备注"))
        self.day_edit = QLineEdit(self.today.isoformat())
        self.form.add("reason", self.tr("原因"), self.reason)
        self.form.add("detail", self.tr("说明"), self.detail_edit)
        self.form.add("day", self.tr("退出日期") if exiting else self.tr("暂停日期"), self.day_edit)
        self.finish(width=380)

    def save(self) -> bool:
        self.clear_messages()
        day = self.day("day", self.day_edit, "日期")
        reason = self.reason.currentData()
        detail = self.detail_edit.text().strip()
        if not reason:
            self.form.set_error("reason", self.tr("请选择原因"))
        elif reason == "other" and not detail:
            self.form.set_error("detail", self.tr("原因为「其他」时请写明说明"))
            return False
        if day is None or not reason:
            return False
        try:
            if self.action == "exit":
                store.exit_qualification(
                    self.ctx.door(), self.record_id, reason, day, note=detail or None
                )
            else:
                store.suspend_qualification(
                    self.ctx.door(), self.record_id, day, reason, note=detail or None
                )
        except WRITE_ERRORS as exc:
            return self.refused(exc)
        self.ctx.hub.data_changed.emit("qualifications")
        return True


class PostingDatesDialog(SubsidyDialog):
    """公示日期 of the chosen qualifications (default: from today, 7 days)."""

    def __init__(
        self,
        ctx: AppContext,
        ids: list[str],
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ):
        super().__init__(ctx, "", parent, today=today)
        self.ids = list(ids)
        self.setWindowTitle(fill(self.tr("公示日期（%1 人）"), len(self.ids)))
        self.from_edit = QLineEdit(self.today.isoformat())
        self.to_edit = QLineEdit((self.today + timedelta(days=6)).isoformat())
        self.form.add("posted_from", self.tr("公示开始"), self.from_edit)
        self.form.add("posted_to", self.tr("公示结束"), self.to_edit)
        self.finish(width=360)

    def save(self) -> bool:
        self.clear_messages()
        days = self.span(
            ("posted_from", self.from_edit, "公示开始日期"),
            ("posted_to", self.to_edit, "公示结束日期"),
        )
        if days is None:
            return False
        try:
            store.set_posting(self.ctx.door(), self.ids, *days)
        except WRITE_ERRORS as exc:
            return self.refused(exc)
        self.ctx.hub.data_changed.emit("qualifications")
        return True
