"""减免记录: the exemption records (paged, filtered by semester, school and item, searchable by
student), the summary per school × semester × item with its totals, the district's figure for the
current period ("本期 N 名学生，共计 X 万元"), and a form for one record keyed by hand — whose
refusal (a student exempted twice for an item in a semester) is said next to the 学籍号."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import EXEMPTION_ITEMS
from desktop.domain.dates import parse_date
from desktop.domain.errors import ValidationError
from desktop.domain.exemption import (
    DEFAULT_METHOD,
    METHODS,
    STUDENT_NO,
    enrolment_problem,
    grade_label,
    normalize_student_no,
    parse_student_no,
    school_year_of,
)
from desktop.domain.money import format_wan
from desktop.store.exemption import (
    SummaryRow,
    default_grant_day,
    exemption_values,
    exemptions_query,
    find_student,
    get_school,
    get_student,
    item_totals,
    period_totals,
    school_summary,
    semester_keys,
)
from desktop.ui.context import AppContext
from desktop.ui.exemption.common import (
    FORMATTERS,
    WRITE_ERRORS,
    FormDialog,
    ListColumn,
    ListModel,
    QueryModel,
    current_semester,
    error_text,
    fill_schools,
    mask_student_no,
    semester_choices,
    setup_table,
    show_problems,
    yuan,
)
from desktop.ui.forms import FormGrid, error_label
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill

SUMMARY_COLUMNS = (
    ListColumn("office", QT_TRANSLATE_NOOP("columns", "办事处")),
    ListColumn("school", QT_TRANSLATE_NOOP("columns", "学校")),
    ListColumn("semester", QT_TRANSLATE_NOOP("columns", "学期")),
    ListColumn("item", QT_TRANSLATE_NOOP("columns", "资助项目")),
    ListColumn(
        "students", QT_TRANSLATE_NOOP("columns", "受助学生（人）"), lambda v: f"{v:,}", True
    ),
    ListColumn("amount_fen", QT_TRANSLATE_NOOP("columns", "金额（元）"), yuan, True),
)
LIST_WIDTHS = {0: 92, 1: 64, 2: 150, 3: 70, 4: 170, 5: 100, 6: 130, 7: 90, 8: 80}
RECORD_FIELDS = {
    STUDENT_NO: "student_no",
    "学生": "student_no",
    "学期": "semester",
    "学年": "semester",
    "资助项目": "item",
    "资助标准": "item",
    "金额": "item",
    "发放日期": "granted_on",
    "方式": "method",
}


class ExemptionModel(QueryModel):
    def __init__(self, ctx: AppContext, parent: Any = None):
        self.filters: dict[str, Any] = {}
        self._db, self._scope = ctx.db, ctx.user.scope
        super().__init__(
            ctx,
            lambda: exemptions_query(self._db, self._scope, **self.filters),
            FORMATTERS,
            watch=("students", "schools"),
            parent=parent,
        )

    def set_filters(self, **filters: Any) -> None:
        self.filters = filters
        self.refresh()


class RecordsPage(QWidget):
    """The figure of the period, the filters, the records and the summary."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.model = ExemptionModel(ctx, self)
        self.summary_rows: list[SummaryRow] = []
        self._summary_key: tuple[Any, ...] | None = None

        self.figure = QLabel()
        self.figure.setObjectName("figure")
        font = self.figure.font()
        font.setBold(True)
        self.figure.setFont(font)
        self.figure.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.figure_detail = QLabel()
        self.figure_detail.setObjectName("muted")
        self.figure_detail.setWordWrap(True)

        self.semester = QComboBox()
        self.item = QComboBox()
        self.item.addItem(self.tr("全部项目"), None)
        for choice in EXEMPTION_ITEMS:
            self.item.addItem(choice.label, choice.key)
        self.school = QComboBox()
        self.school.setMinimumContentsLength(12)
        self.school.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        fill_schools(ctx, self.school, self.tr("全部学校"))
        self._fill_semesters()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("学生姓名 / 拼音首字母 / 学籍号尾号"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(230)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.apply_filter)
        for combo in (self.semester, self.school, self.item):
            combo.currentIndexChanged.connect(self.apply_filter)
        self.count_label = QLabel()
        self.model.count_changed.connect(self._show_count)
        self.add_button = QPushButton(self.tr("单条录入…"))
        self.add_button.setToolTip(self.tr("为一名学生录入一条资助记录（批量请用「学期发放」）"))
        self.add_button.clicked.connect(lambda: self.open_dialog())

        self.view = QTableView()
        self.view.setModel(self.model)
        setup_table(self.view, LIST_WIDTHS)
        for key in ("id", "student_id"):
            self.view.setColumnHidden(self.model.column_index(key), True)
        self.view.horizontalHeader().setSortIndicator(
            self.model.column_index("granted_on"), Qt.SortOrder.DescendingOrder
        )
        self.view.setSortingEnabled(True)
        self.view.doubleClicked.connect(self._double_clicked)

        self.summary_model = ListModel(SUMMARY_COLUMNS, self)
        self.summary_view = QTableView()
        self.summary_view.setModel(self.summary_model)
        setup_table(
            self.summary_view, {0: 100, 1: 170, 2: 70, 3: 140, 4: 110, 5: 140}, stretch_last=False
        )
        self.summary_note = QLabel()
        self.summary_note.setObjectName("muted")
        summary_box = QGroupBox(self.tr("按学校、学期、项目汇总"))
        summary_layout = QVBoxLayout(summary_box)
        summary_layout.addWidget(self.summary_view, 1)
        summary_layout.addWidget(self.summary_note)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(summary_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(QLabel(self.tr("学期")))
        bar.addWidget(self.semester)
        bar.addSpacing(8)
        bar.addWidget(QLabel(self.tr("学校")))
        bar.addWidget(self.school)
        bar.addSpacing(8)
        bar.addWidget(QLabel(self.tr("项目")))
        bar.addWidget(self.item)
        bar.addSpacing(8)
        bar.addWidget(self.search)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        bar.addSpacing(8)
        bar.addWidget(self.add_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.figure)
        layout.addWidget(self.figure_detail)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

        ctx.hub.data_changed.connect(self._data_changed)
        ctx.hub.period_changed.connect(lambda _key: self.load_figure())
        self.apply_filter()
        self.load_figure()

    # -- filters ----------------------------------------------------------------------------

    def _fill_semesters(self) -> None:
        current = self.semester.currentData()
        blocked = self.semester.blockSignals(True)
        self.semester.clear()
        self.semester.addItem(self.tr("全部学期"), None)
        for key in semester_keys(self.ctx.db, self.ctx.user.scope):
            self.semester.addItem(key, key)
        index = self.semester.findData(current) if current is not None else -1
        self.semester.setCurrentIndex(index if index >= 0 else 0)
        self.semester.blockSignals(blocked)

    def select(
        self, semester: str | None = None, school_id: str | None = None, item: str | None = None
    ) -> None:
        for combo, key in ((self.semester, semester), (self.school, school_id), (self.item, item)):
            blocked = combo.blockSignals(True)
            combo.setCurrentIndex(max(combo.findData(key), 0))
            combo.blockSignals(blocked)
        self.apply_filter()

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_filters(
            semester=self.semester.currentData(),
            school_id=self.school.currentData(),
            item=self.item.currentData(),
            search=self.search.text(),
        )
        key = (self.semester.currentData(), self.school.currentData(), self.item.currentData())
        if key != self._summary_key:  # the summary does not follow the search box
            self.load_summary()

    def _show_count(self, count: int) -> None:
        self.count_label.setText(fill(self.tr("共 %1 条"), f"{count:,}"))

    def _data_changed(self, table: str) -> None:
        if table == "exemptions":
            self._fill_semesters()
            self.load_summary()
            self.load_figure()
        elif table == "schools":
            fill_schools(self.ctx, self.school, self.tr("全部学校"))
            self.load_summary()

    # -- the summary and the period's figure ------------------------------------------------

    def load_summary(self) -> None:
        """``school_summary`` for the chosen semester and school (and item), with 合计."""
        item = self.item.currentData()
        self._summary_key = (self.semester.currentData(), self.school.currentData(), item)
        rows = [
            r
            for r in school_summary(
                self.ctx.db,
                self.ctx.user.scope,
                self.semester.currentData(),
                self.school.currentData(),
            )
            if item is None or r.item == item
        ]
        self.summary_rows = rows
        offices = {o.code: o.name for o in self.ctx.tree.offices()}
        shown = [
            {
                "office": offices.get(r.office, r.office),
                "school": r.school,
                "semester": r.semester,
                "item": r.item_label,
                "students": r.students,
                "amount_fen": r.amount_fen,
            }
            for r in rows
        ]
        total = {
            "office": self.tr("合计"),
            "students": sum(r.students for r in rows),
            "amount_fen": sum(r.amount_fen for r in rows),
        }
        self.summary_model.set_rows(shown, rows, total)
        self.summary_note.setText(
            self.tr("受助学生按每个项目分别计人；同一学生享受多个项目时，合计中按项目各计一次。")
            if rows
            else self.tr("所选条件下没有资助记录。")
        )

    def load_figure(self) -> None:
        period, scope = self.ctx.period, self.ctx.user.scope
        totals = period_totals(self.ctx.db, period, scope)
        self.figure.setText(
            fill(
                self.tr("本期（%1）%2两免一补：%3 名学生，共计 %4 万元"),
                period.label,
                self.ctx.scope_label(),
                f"{totals.students:,}",
                totals.wan,
            )
        )
        self.figure.setToolTip(
            fill(
                self.tr("按发放日期在 %1 至 %2 的资助记录统计，学生按学籍号去重"),
                period.start,
                period.end,
            )
        )
        parts = [
            fill(
                self.tr("%1 %2 人 %3 万元"), t.label, f"{t.students:,}", format_wan(t.amount_fen, 2)
            )
            for t in item_totals(self.ctx.db, period, scope)
            if t.students
        ]
        self.figure_detail.setText(
            self.tr("其中：") + "；".join(parts)
            if parts
            else self.tr("本期没有发放记录（可在状态栏切换统计期间）。")
        )

    # -- records --------------------------------------------------------------------------

    def _double_clicked(self, index: Any) -> None:
        if self.model.is_masked(index) and self.ctx.user.can_reveal:
            self.model.reveal(index)

    def open_dialog(self, student_id: str | None = None) -> ExemptionDialog:
        dialog = ExemptionDialog(self.ctx, student_id, self, semester=self.semester.currentData())
        dialog.open()
        return dialog


class ExemptionDialog(FormDialog):
    """One exemption record keyed by hand: the student (by 学籍号), semester, item, date and
    method; the standard and amount come from the store. Emits ``saved(record_id)``."""

    saved = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        student_id: str | None = None,
        parent: QWidget | None = None,
        *,
        semester: str | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or date.today()
        self.student: dict[str, Any] | None = None
        self._date_typed = False
        self.setWindowTitle(self.tr("录入资助记录"))

        self.number_edit = QLineEdit()
        self.number_edit.setPlaceholderText(self.tr("学生的19位学籍号"))
        self.number_edit.setMaxLength(30)
        self.number_edit.textChanged.connect(self._number_changed)
        self.who = QLabel()
        self.who.setObjectName("muted")
        self.who.hide()
        number_box = QWidget()
        number_column = QVBoxLayout(number_box)
        number_column.setContentsMargins(0, 0, 0, 0)
        number_column.setSpacing(2)
        number_column.addWidget(self.number_edit)
        number_column.addWidget(self.who)
        self.semester = QComboBox()
        for key in semester_choices(ctx, self.today):
            self.semester.addItem(fill(self.tr("%1（%2学年）"), key, school_year_of(key)), key)
        wanted = semester or current_semester(self.today)
        self.semester.setCurrentIndex(max(self.semester.findData(wanted), 0))
        self.semester.currentIndexChanged.connect(self._semester_changed)
        self.item = QComboBox()
        for choice in EXEMPTION_ITEMS:
            self.item.addItem(choice.label, choice.key)
        self.item.currentIndexChanged.connect(self._item_changed)
        self.granted_edit = QLineEdit()
        self.granted_edit.textEdited.connect(lambda _t: setattr(self, "_date_typed", True))
        self.method = QComboBox()
        for choice in METHODS:
            self.method.addItem(choice.label, choice.key)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(self.tr("可不填"))

        self.form = FormGrid()
        self.form.add("student_no", self.tr("学籍号"), number_box)
        self.form.fields["student_no"] = self.number_edit
        self.form.add("semester", self.tr("学期"), self.semester)
        self.form.add("item", self.tr("资助项目"), self.item)
        self.form.add("granted_on", self.tr("发放日期"), self.granted_edit)
        self.form.add("method", self.tr("方式"), self.method)
        self.form.add("note", self.tr("备注"), self.note_edit)
        note = QLabel(self.tr("金额按学期第一天执行的标准自动计算（每学期为全年标准的一半）。"))
        note.setObjectName("muted")
        note.setWordWrap(True)
        self.general_error = error_label()
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(
            self.tr("保存"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(note)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

        if student_id is not None:
            found = get_student(ctx.db, student_id)
            if found is not None:
                self.number_edit.setPlaceholderText(mask_student_no(found["student_no"]))
                self.number_edit.setEnabled(False)
                self._show_student(found)
        self._semester_changed()
        self._item_changed()
        self.setMinimumWidth(480)
        self.adjustSize()

    def _semester_changed(self, *_: object) -> None:
        key = self.semester.currentData()
        if key and not self._date_typed:
            self.granted_edit.setText(default_grant_day(key, self.today))

    def _item_changed(self, *_: object) -> None:
        item = self.item.currentData()
        if item:
            self.method.setCurrentIndex(max(self.method.findData(DEFAULT_METHOD[item]), 0))

    def _number_changed(self, text: str) -> None:
        number = normalize_student_no(text)
        self.student = None
        self.who.hide()
        if len(number) == 19:
            found = find_student(self.ctx.db, number)
            if found is not None and self.ctx.user.scope.allows(
                found["office"], found["community_id"]
            ):
                self._show_student(found)
            elif found is None:
                self.who.setText(self.tr("未找到该学籍号的学生"))
                self.who.show()

    def _show_student(self, found: dict[str, Any]) -> None:
        self.student = found
        school = get_school(self.ctx.db, found["school_id"])
        left = fill(self.tr(" · 已于 %1 离校"), found["left_on"]) if found["left_on"] else ""
        self.who.setText(
            fill(
                self.tr("%1 · %2 %3%4%5"),
                found["name"],
                school.name if school else "",
                grade_label(found["grade"]),
                self.tr(" · 寄宿生") if found["boarding"] else "",
                left,
            )
        )
        self.who.show()

    def _general(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.setVisible(bool(text))

    def _enrolment_problem(self, semester: str) -> str:
        """Why the student was not at school in ``semester`` ('' when they were); the door
        refuses it too, this says it next to the field before the user confirms."""
        student = self.student or {}
        return (
            enrolment_problem(
                student.get("name"), student.get("enrolled_on"), student.get("left_on"), semester
            )
            or ""
        )

    def validate(self) -> dict[str, Any] | None:
        """The record to write (standard and amount from the store), or None with the
        problems written next to their fields."""
        self.form.clear_errors()
        self._general("")
        if self.student is None:
            number = self.number_edit.text()
            try:
                parsed = parse_student_no(number, self.today)
            except ValidationError as exc:
                self.form.set_error("student_no", "；".join(p.message for p in exc.problems))
            else:
                found = find_student(self.ctx.db, parsed.number)
                if found is None:
                    self.form.set_error(
                        "student_no", self.tr("未找到该学籍号的学生，请先在「学生」中登记")
                    )
                elif not self.ctx.user.scope.allows(found["office"], found["community_id"]):
                    self.form.set_error("student_no", self.tr("该学生不在您的管辖范围内"))
                else:
                    self._show_student(found)
        granted = None
        try:
            granted = parse_date(self.granted_edit.text().strip(), "发放日期").isoformat()
        except ValidationError as exc:
            self.form.set_error("granted_on", exc.problems[0].message)
        if self.student is None or granted is None:
            return None
        enrolment = self._enrolment_problem(self.semester.currentData())
        if enrolment:
            self.form.set_error("student_no", enrolment)
            return None
        try:
            return exemption_values(
                self.ctx.db,
                self.student["id"],
                self.semester.currentData(),
                self.item.currentData(),
                granted,
                method=self.method.currentData(),
                note=self.note_edit.text().strip() or None,
            )
        except ValidationError as exc:
            show_problems(self.form, exc.problems, RECORD_FIELDS, self._general)
            return None

    def save(self) -> bool:
        """Validate and write; False (with the problems shown) when nothing was written."""
        values = self.validate()
        if values is None:
            return False
        try:
            record_id = self.ctx.door().insert("exemptions", values)
        except ValidationError as exc:
            show_problems(self.form, exc.problems, RECORD_FIELDS, self._general)
            return False
        except WRITE_ERRORS as exc:
            self._general(error_text(exc))
            return False
        self.ctx.hub.data_changed.emit("exemptions")
        self.saved.emit(record_id)
        return True
