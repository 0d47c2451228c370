"""学生: the students in the user's scope (paged; filters by school, grade, hardship and whether
they left; one search box for name, pinyin initials or the 学籍号's tail), the add / edit dialog
with the 学籍号 checked as it is typed (sex and birth date come from a G number), and 转学 — a
move to another school that keeps the student's one identity."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import HARDSHIP, SEX
from desktop.domain.dates import parse_date
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.exemption import (
    GRADES,
    SCHOOL_GRADES,
    STUDENT_NO,
    StudentNo,
    grade_label,
    grade_problems,
    normalize_student_no,
    parse_student_no,
    validate_student,
)
from desktop.store.exemption import (
    School,
    get_school,
    get_student,
    list_schools,
    student_values,
    students_query,
    transfer_student,
)
from desktop.store.paged import Column, Query
from desktop.ui.context import AppContext
from desktop.ui.exemption.common import (
    FORMATTERS,
    WRITE_ERRORS,
    FormDialog,
    QueryModel,
    error_text,
    fill_schools,
    mask_student_no,
    setup_table,
    show_problems,
)
from desktop.ui.forms import FormGrid, error_label
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill

PINYIN = Column(
    "pinyin", QT_TRANSLATE_NOOP("columns", "拼音"), "t.pinyin", sort_expr="t.pinyin, t.name"
)

# Field labels of the domain rules and the door → the dialog's field keys.
STUDENT_FIELDS = {
    STUDENT_NO: "student_no",
    "身份证号": "student_no",
    "姓名": "name",
    "性别": "sex",
    "出生日期": "birth_date",
    "学校": "school_id",
    "社区": "school_id",
    "年级": "grade",
    "班级": "class_name",
    "寄宿": "boarding",
    "困难类型": "hardship",
    "认定日期": "hardship_confirmed_on",
    "入学日期": "enrolled_on",
    "离校日期": "left_on",
}
DATE_FIELDS = {
    "birth_date": "出生日期",
    "hardship_confirmed_on": "认定日期",
    "enrolled_on": "入学日期",
    "left_on": "离校日期",
}
WIDTHS = {0: 76, 1: 56, 2: 170, 3: 44, 4: 150, 5: 110, 6: 60, 7: 44, 8: 70, 9: 92, 10: 92}


def _combo(items: list[tuple[str, Any]]) -> QComboBox:
    combo = QComboBox()
    for label, key in items:
        combo.addItem(label, key)
    return combo


def _select(combo: QComboBox, key: Any) -> None:
    combo.setCurrentIndex(max(combo.findData(key), 0))


def fill_grades(combo: QComboBox, stage: str | None, keep: int | None = None) -> None:
    """The grades taught at a school of ``stage`` (all nine without a school)."""
    low, high = SCHOOL_GRADES.get(stage or "", (1, 9))
    current = keep if keep is not None else combo.currentData()
    blocked = combo.blockSignals(True)
    combo.clear()
    for grade in GRADES:
        if low <= grade <= high:
            combo.addItem(grade_label(grade), grade)
    index = combo.findData(current)
    combo.setCurrentIndex(index if index >= 0 else 0)
    combo.blockSignals(blocked)


# -- the list -----------------------------------------------------------------------------------


class StudentModel(QueryModel):
    """``store.exemption.students_query`` with the pinyin initials beside the name."""

    def __init__(self, ctx: AppContext, parent: Any = None):
        self.filters: dict[str, Any] = {}
        self._db, self._scope = ctx.db, ctx.user.scope  # the factory runs before QObject init
        super().__init__(ctx, self._query, FORMATTERS, watch=("schools",), parent=parent)

    def _query(self) -> Query:
        query = students_query(self._db, self._scope, **self.filters)
        columns = list(query.columns)
        columns.insert(1, PINYIN)
        query.columns = columns
        return query

    def set_filters(self, **filters: Any) -> None:
        self.filters = filters
        self.refresh()


class StudentsPage(QWidget):
    """Filters, search, the paged list, and 新增… / 编辑… / 转学…."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.model = StudentModel(ctx, self)

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("姓名 / 拼音首字母 / 学籍号后几位"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.apply_filter)

        self.school = QComboBox()
        self.school.setMinimumContentsLength(12)
        self.school.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        fill_schools(ctx, self.school, self.tr("全部学校"))
        self.school.currentIndexChanged.connect(self.apply_filter)
        self.grade = _combo([(self.tr("全部年级"), None)] + [(grade_label(g), g) for g in GRADES])
        self.grade.currentIndexChanged.connect(self.apply_filter)
        self.hardship_only = QCheckBox(self.tr("仅困难学生"))
        self.hardship_only.toggled.connect(self.apply_filter)
        self.include_left = QCheckBox(self.tr("含已离校"))
        self.include_left.toggled.connect(self.apply_filter)

        self.count_label = QLabel()
        self.model.count_changed.connect(self._show_count)
        self.add_button = QPushButton(self.tr("新增…"))
        self.add_button.setToolTip(self.tr("登记一名学生（Ctrl+N）"))
        self.add_button.setShortcut("Ctrl+N")
        self.add_button.clicked.connect(lambda: self.open_dialog())
        self.edit_button = QPushButton(self.tr("编辑…"))
        self.edit_button.clicked.connect(self._edit_current)
        self.transfer_button = QPushButton(self.tr("转学…"))
        self.transfer_button.setToolTip(self.tr("转到另一所学校，学籍号不变"))
        self.transfer_button.clicked.connect(self._transfer_current)
        for button in (self.edit_button, self.transfer_button):
            button.setEnabled(False)

        self.view = QTableView()
        self.view.setModel(self.model)
        setup_table(self.view, WIDTHS)
        for key in ("id", "school_id"):
            self.view.setColumnHidden(self.model.column_index(key), True)
        self.view.horizontalHeader().setSortIndicator(
            self.model.column_index("grade"), Qt.SortOrder.AscendingOrder
        )
        self.view.setSortingEnabled(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(lambda: self._current_changed(QModelIndex()))
        ctx.hub.data_changed.connect(self._data_changed)

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(QLabel(self.tr("查找")))
        bar.addWidget(self.search)
        bar.addSpacing(10)
        bar.addWidget(QLabel(self.tr("学校")))
        bar.addWidget(self.school)
        bar.addWidget(self.grade)
        bar.addSpacing(6)
        bar.addWidget(self.hardship_only)
        bar.addWidget(self.include_left)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        bar.addSpacing(8)
        bar.addWidget(self.add_button)
        bar.addWidget(self.edit_button)
        bar.addWidget(self.transfer_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self._show_count(len(self.model.result))

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_filters(
            search=self.search.text(),
            school_id=self.school.currentData(),
            grade=self.grade.currentData(),
            hardship_only=self.hardship_only.isChecked(),
            include_left=self.include_left.isChecked(),
        )

    def _data_changed(self, table: str) -> None:
        if table == "schools":
            fill_schools(self.ctx, self.school, self.tr("全部学校"))

    def _show_count(self, count: int) -> None:
        self.count_label.setText(fill(self.tr("共 %1 人"), f"{count:,}"))

    def _current_changed(self, current: QModelIndex, _previous: Any = None) -> None:
        self.edit_button.setEnabled(current.isValid())
        self.transfer_button.setEnabled(current.isValid())

    def current_student(self) -> str | None:
        index = self.view.currentIndex()
        return self.model.record_id(index.row()) if index.isValid() else None

    def _edit_current(self) -> None:
        student = self.current_student()
        if student:
            self.open_dialog(student)

    def _transfer_current(self) -> None:
        student = self.current_student()
        if student:
            self.open_transfer(student)

    def _double_clicked(self, index: QModelIndex) -> None:
        if self.model.is_masked(index) and self.ctx.user.can_reveal:
            self.model.reveal(index)
            return
        student = self.model.record_id(index.row())
        if student:
            self.open_dialog(student)

    def _context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu(pos)
        if menu is not None:
            menu.popup(self.view.viewport().mapToGlobal(pos))

    def context_menu(self, pos: QPoint) -> QMenu | None:
        index = self.view.indexAt(pos)
        student = self.model.record_id(index.row()) if index.isValid() else None
        if student is None:
            return None
        menu = QMenu(self)
        menu.addAction(self.tr("编辑…")).triggered.connect(lambda: self.open_dialog(student))
        menu.addAction(self.tr("转学…")).triggered.connect(lambda: self.open_transfer(student))
        cell = self.model.index(index.row(), self.model.column_index("student_no"))
        if self.model.is_masked(cell):
            menu.addSeparator()
            action = menu.addAction(self.tr("显示完整学籍号（记入审计日志）"))
            if self.ctx.user.can_reveal:
                action.triggered.connect(lambda: self.model.reveal(cell))
            else:
                action.setEnabled(False)
                menu.addAction(self.tr("（您没有查看完整敏感信息的权限）")).setEnabled(False)
        return menu

    def open_dialog(self, student_id: str | None = None) -> StudentDialog:
        dialog = StudentDialog(self.ctx, student_id, self, school_id=self.school.currentData())
        dialog.open()
        return dialog

    def open_transfer(self, student_id: str) -> TransferDialog:
        dialog = TransferDialog(self.ctx, student_id, self)
        dialog.open()
        return dialog


# -- the student form ---------------------------------------------------------------------------


class StudentDialog(FormDialog):
    """New (``student_id`` None) or existing student. Emits ``saved(student_id)``.

    The school of an existing student is changed with 转学, not here."""

    saved = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        student_id: str | None = None,
        parent: QWidget | None = None,
        *,
        school_id: str | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or date.today()
        self.record: dict[str, Any] | None = get_student(ctx.db, student_id) if student_id else None
        self.number: StudentNo | None = None  # the parsed 学籍号 while it is valid
        self.schools: list[School] = []
        self.setWindowTitle(self.tr("编辑学生") if self.record else self.tr("登记学生"))

        self.school = QComboBox()
        self.schools = fill_schools(ctx, self.school, self.tr("（请选择学校）"))
        self.school.currentIndexChanged.connect(self._school_changed)
        self.number_edit = QLineEdit()
        self.number_edit.setPlaceholderText(self.tr("19位：G+身份证号 / J+18位 / L+18位数字"))
        self.number_edit.setMaxLength(30)
        self.number_edit.textChanged.connect(self._number_changed)
        self.reveal_button = QToolButton()
        self.reveal_button.setText(self.tr("显示"))
        self.reveal_button.setToolTip(self.tr("显示完整学籍号（记入审计日志）"))
        self.reveal_button.clicked.connect(self._reveal)
        self.reveal_button.hide()
        self.derived = QLabel()
        self.derived.setObjectName("muted")
        self.derived.hide()
        number_box = QWidget()
        number_column = QVBoxLayout(number_box)
        number_column.setContentsMargins(0, 0, 0, 0)
        number_column.setSpacing(2)
        number_line = QHBoxLayout()
        number_line.setContentsMargins(0, 0, 0, 0)
        number_line.addWidget(self.number_edit, 1)
        number_line.addWidget(self.reveal_button)
        number_column.addLayout(number_line)
        number_column.addWidget(self.derived)
        self.name_edit = QLineEdit()
        self.sex = _combo([(self.tr("（请选择）"), None)] + [(c.label, c.key) for c in SEX])
        self.birth_edit = QLineEdit()
        self.birth_edit.setPlaceholderText(self.tr("如 2015-03-07"))

        self.grade = QComboBox()
        self.class_edit = QLineEdit()
        self.class_edit.setPlaceholderText(self.tr("如 3班，可不填"))
        self.boarding = QCheckBox(self.tr("寄宿生"))
        self.hardship = _combo([(self.tr("（无）"), None)] + [(c.label, c.key) for c in HARDSHIP])
        self.hardship.currentIndexChanged.connect(self._hardship_changed)
        self.confirmed_edit = QLineEdit()
        self.confirmed_edit.setPlaceholderText(self.tr("困难类型的认定日期"))
        self.enrolled_edit = QLineEdit(self.today.isoformat())
        self.left_edit = QLineEdit()
        self.left_edit.setPlaceholderText(self.tr("在读则不填"))

        self.person_form = FormGrid()
        self.person_form.add("school_id", self.tr("学校"), self.school)
        self.person_form.add("student_no", self.tr("学籍号"), number_box)
        self.person_form.add("name", self.tr("姓名"), self.name_edit)
        self.person_form.add("sex", self.tr("性别"), self.sex)
        self.person_form.add("birth_date", self.tr("出生日期"), self.birth_edit)
        self.person_form.fields["student_no"] = self.number_edit
        self.person_form.setRowStretch(99, 1)
        self.study_form = FormGrid()
        self.study_form.add("grade", self.tr("年级"), self.grade)
        self.study_form.add("class_name", self.tr("班级"), self.class_edit)
        self.study_form.add("boarding", self.tr("寄宿"), self.boarding)
        self.study_form.add("hardship", self.tr("困难类型"), self.hardship)
        self.study_form.add("hardship_confirmed_on", self.tr("认定日期"), self.confirmed_edit)
        self.study_form.add("enrolled_on", self.tr("入学日期"), self.enrolled_edit)
        self.study_form.add("left_on", self.tr("离校日期"), self.left_edit)
        self.study_form.setRowStretch(99, 1)

        person_box = QGroupBox(self.tr("基本信息"))
        person_box.setLayout(self.person_form)
        study_box = QGroupBox(self.tr("就读与资助"))
        study_box.setLayout(self.study_form)
        columns = QHBoxLayout()
        columns.addWidget(person_box, 1)
        columns.addWidget(study_box, 1)
        note = QLabel(self.tr("家庭经济困难学生须填写困难类型和认定日期，才能享受生活补助。"))
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
        layout.addLayout(columns)
        layout.addWidget(note)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

        if self.record is not None:
            self._load(self.record)
        else:
            if school_id is not None and self.school.findData(school_id) > 0:
                self.school.setCurrentIndex(self.school.findData(school_id))
            elif len(self.schools) == 1:
                self.school.setCurrentIndex(1)
            self._school_changed()
        self._hardship_changed()
        self.setMinimumWidth(780)
        self.adjustSize()
        self.number_edit.setFocus()

    # -- form behaviour ---------------------------------------------------------------------

    def current_school(self) -> School | None:
        school_id = self.school.currentData()
        return next((s for s in self.schools if s.id == school_id), None)

    def _school_changed(self, *_: object) -> None:
        school = self.current_school()
        fill_grades(self.grade, school.stage if school else None)
        boards = school is not None and school.boarding
        self.boarding.setEnabled(boards)
        if not boards:
            self.boarding.setChecked(False)

    def _hardship_changed(self, *_: object) -> None:
        self.confirmed_edit.setEnabled(self.hardship.currentData() is not None)

    def _number_changed(self, text: str) -> None:
        """Say what a complete 学籍号 is (and what a G number tells) as it is typed."""
        number = normalize_student_no(text)
        if not number and self.record is not None:
            number = self.record["student_no"]
        self.number = None
        derived = ""
        if len(number) >= 19:
            try:
                self.number = parse_student_no(number, self.today)
            except ValidationError as exc:
                derived = exc.problems[0].message
        if self.number is not None:
            if self.number.kind == "G":
                derived = fill(
                    self.tr("G 号（身份证号）：%1 · %2，性别和出生日期由此得出"),
                    SEX.label(self.number.sex or ""),
                    self.number.birth_date,
                )
            elif self.number.kind == "J":
                derived = self.tr("J 号：无身份证号的学生，请填写性别和出生日期")
            else:
                derived = self.tr("L 号：临时学籍号，请填写性别和出生日期")
        self.derived.setText(derived)
        self.derived.setVisible(bool(derived))
        from_number = self.number is not None and self.number.kind == "G"
        if from_number and self.number is not None:
            _select(self.sex, self.number.sex)
            self.birth_edit.setText(
                self.number.birth_date.isoformat() if self.number.birth_date else ""
            )
        self.sex.setEnabled(not from_number)
        self.birth_edit.setEnabled(not from_number)

    def _load(self, r: dict[str, Any]) -> None:
        self.school.setCurrentIndex(max(self.school.findData(r["school_id"]), 0))
        self.school.setEnabled(False)
        self.school.setToolTip(self.tr("换学校请用「转学」"))
        school = get_school(self.ctx.db, r["school_id"])
        fill_grades(self.grade, school.stage if school else None, keep=r["grade"])
        self.boarding.setEnabled(bool(school and school.boarding))
        self.number_edit.setPlaceholderText(
            fill(self.tr("%1（不改请留空）"), mask_student_no(r["student_no"]))
        )
        self.reveal_button.setVisible(self.ctx.user.can_reveal)
        self.name_edit.setText(r["name"] or "")
        _select(self.sex, r["sex"])
        self.birth_edit.setText(r["birth_date"] or "")
        self._number_changed("")
        self.class_edit.setText(r["class_name"] or "")
        self.boarding.setChecked(bool(r["boarding"]))
        _select(self.hardship, r["hardship"])
        self.confirmed_edit.setText(r["hardship_confirmed_on"] or "")
        self.enrolled_edit.setText(r["enrolled_on"] or "")
        self.left_edit.setText(r["left_on"] or "")

    def _reveal(self) -> None:
        """The stored 学籍号 in full, if the user may see it (audited)."""
        if self.record is None or not self.ctx.reveal("students", self.record["id"], "student_no"):
            return
        self.number_edit.setText(self.record["student_no"])
        self.reveal_button.hide()

    # -- values and checks ------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        stored = self.record or {}
        return {
            "school_id": self.school.currentData(),
            "student_no": self.number_edit.text().strip() or stored.get("student_no") or "",
            "name": " ".join(self.name_edit.text().split()),
            "sex": self.sex.currentData(),
            "birth_date": self.birth_edit.text().strip(),
            "grade": self.grade.currentData(),
            "class_name": self.class_edit.text().strip(),
            "boarding": int(self.boarding.isChecked()),
            "hardship": self.hardship.currentData(),
            "hardship_confirmed_on": (
                self.confirmed_edit.text().strip() if self.confirmed_edit.isEnabled() else ""
            ),
            "enrolled_on": self.enrolled_edit.text().strip(),
            "left_on": self.left_edit.text().strip(),
        }

    def _form_of(self, key: str) -> FormGrid:
        return self.person_form if key in self.person_form.errors else self.study_form

    def error_of(self, key: str) -> str:
        return self._form_of(key).error_text(key)

    def _set_error(self, key: str, text: str) -> None:
        form = self._form_of(key)
        previous = form.error_text(key)
        if text and text not in previous.split("\n"):
            form.set_error(key, f"{previous}\n{text}" if previous else text)

    def _general(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.setVisible(bool(text))

    def _show_problems(self, problems: list[Problem]) -> None:
        rest = []
        for p in problems:
            key = STUDENT_FIELDS.get(p.field)
            if key is None:
                rest.append(f"{p.field}：{p.message}" if p.field else p.message)
            elif not self.error_of(key):
                self._set_error(key, p.message)
        if rest:
            self._general("\n".join(rest))

    def has_errors(self) -> bool:
        return (
            self.person_form.has_errors()
            or self.study_form.has_errors()
            or bool(self.general_error.text())
        )

    def validate(self) -> dict[str, Any] | None:
        """Check every field, writing each problem next to it; the record to write, or None."""
        self.person_form.clear_errors()
        self.study_form.clear_errors()
        self._general("")
        v = self.values()
        school = self.current_school()
        if school is None:
            self._set_error("school_id", self.tr("请选择学校"))
        number: StudentNo | None = None
        try:
            number = parse_student_no(v["student_no"], self.today)
        except ValidationError as exc:
            self._set_error("student_no", "；".join(p.message for p in exc.problems))
        if not v["name"]:
            self._set_error("name", self.tr("请填写姓名"))
        dates: dict[str, str | None] = {}
        for key, label in DATE_FIELDS.items():
            if not v[key] or (key == "birth_date" and number is not None and number.kind == "G"):
                dates[key] = None
                continue
            try:
                dates[key] = parse_date(v[key], label).isoformat()
            except ValidationError as exc:
                self._set_error(key, exc.problems[0].message)
                dates[key] = None
        if v["hardship"] and not v["hardship_confirmed_on"]:
            self._set_error(
                "hardship_confirmed_on", self.tr("请填写认定日期（未认定的不能享受生活补助）")
            )
        if school is None:
            return None
        is_g = number is not None and number.kind == "G"
        keep_id = (
            self.record is not None
            and number is not None
            and not is_g
            and number.number == self.record["student_no"]
        )
        record = student_values(
            self.ctx.db,
            school_id=school.id,
            student_no=number.number if number is not None else v["student_no"],
            name=v["name"],
            grade=v["grade"],
            sex=None if is_g else v["sex"],
            birth_date=dates["birth_date"],
            id_number=self.record["id_number"] if keep_id and self.record else None,
            class_name=v["class_name"],
            boarding=v["boarding"],
            hardship=v["hardship"],
            hardship_confirmed_on=dates["hardship_confirmed_on"],
            enrolled_on=dates["enrolled_on"],
            left_on=dates["left_on"],
        )
        problems = [
            *grade_problems(record["grade"], school.stage, school.name),
            *validate_student(record, self.today),
        ]
        if record["boarding"] and not school.boarding:
            problems.append(Problem("寄宿", fill(self.tr("%1不是寄宿制学校"), school.name)))
        self._show_problems(problems)
        return None if self.has_errors() else record

    def save(self) -> bool:
        """Validate and write; False (with the problems shown) when nothing was written."""
        record = self.validate()
        if record is None:
            return False
        door = self.ctx.door()
        try:
            if self.record is None:
                student_id = door.insert("students", record)
            else:
                student_id = self.record["id"]
                fixed = ("school_id", "community_id", "office")
                changes = {
                    k: val
                    for k, val in record.items()
                    if k not in fixed and self.record.get(k) != val
                }
                if changes:
                    door.update("students", student_id, changes)
        except ValidationError as exc:
            self._show_problems(exc.problems)
            return False
        except WRITE_ERRORS as exc:
            self._general(error_text(exc))
            return False
        self.ctx.hub.data_changed.emit("students")
        self.saved.emit(student_id)
        return True


# -- 转学 -----------------------------------------------------------------------------------------

TRANSFER_FIELDS = {
    "学校": "school_id",
    "社区": "school_id",
    "年级": "grade",
    "班级": "class_name",
    "寄宿": "boarding",
    "入学日期": "moved_on",
    STUDENT_NO: "school_id",
}


class TransferDialog(FormDialog):
    """Move a student to another school; the 学籍号 (the student's identity) stays. Emits
    ``saved(student_id)`` with the record id (new when the student moved to another office)."""

    saved = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        student_id: str,
        parent: QWidget | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or date.today()
        self.record = get_student(ctx.db, student_id)
        self.setWindowTitle(self.tr("转学"))
        current = get_school(ctx.db, self.record["school_id"]) if self.record else None
        self.schools = [
            s for s in list_schools(ctx.db, ctx.user.scope) if current is None or s.id != current.id
        ]

        who = QLabel()
        who.setWordWrap(True)
        if self.record is not None:
            who.setText(
                fill(
                    self.tr(
                        "%1（学籍号 %2），现就读于 %3 %4。转学后学籍号不变，"
                        "以往的资助记录仍记在原学校。"
                    ),
                    self.record["name"],
                    mask_student_no(self.record["student_no"]),
                    current.name if current else "",
                    grade_label(self.record["grade"]),
                )
            )
        self.school = QComboBox()
        fill_schools(ctx, self.school, self.tr("（请选择转入学校）"), self.schools)
        self.school.currentIndexChanged.connect(self._school_changed)
        self.grade = QComboBox()
        self.class_edit = QLineEdit()
        self.class_edit.setPlaceholderText(self.tr("可不填"))
        self.boarding = QCheckBox(self.tr("寄宿生"))
        self.moved_edit = QLineEdit(self.today.isoformat())

        self.form = FormGrid()
        self.form.add("school_id", self.tr("转入学校"), self.school)
        self.form.add("grade", self.tr("年级"), self.grade)
        self.form.add("class_name", self.tr("班级"), self.class_edit)
        self.form.add("boarding", self.tr("寄宿"), self.boarding)
        self.form.add("moved_on", self.tr("转入日期"), self.moved_edit)
        self.general_error = error_label()
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(
            self.tr("转学"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(who)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self._school_changed()
        self.setMinimumWidth(460)
        self.adjustSize()

    def current_school(self) -> School | None:
        return next((s for s in self.schools if s.id == self.school.currentData()), None)

    def _school_changed(self, *_: object) -> None:
        school = self.current_school()
        keep = self.grade.currentData() or (self.record["grade"] if self.record else None)
        fill_grades(self.grade, school.stage if school else None, keep=keep)
        boards = school is not None and school.boarding
        self.boarding.setEnabled(boards)
        self.boarding.setChecked(boards and bool(self.record and self.record["boarding"]))

    def _general(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.setVisible(bool(text))

    def validate(self) -> dict[str, Any] | None:
        self.form.clear_errors()
        self._general("")
        if self.record is None:
            self._general(self.tr("学生不存在或已删除"))
            return None
        school = self.current_school()
        if school is None:
            self.form.set_error("school_id", self.tr("请选择转入学校"))
        moved = None
        try:
            moved = parse_date(self.moved_edit.text().strip(), "转入日期").isoformat()
        except ValidationError as exc:
            self.form.set_error("moved_on", exc.problems[0].message)
        if school is None or moved is None:
            return None
        return {
            "school_id": school.id,
            "grade": self.grade.currentData(),
            "class_name": self.class_edit.text().strip() or None,
            "boarding": self.boarding.isChecked(),
            "moved_on": moved,
        }

    def save(self) -> bool:
        """Validate and write; False (with the problems shown) when nothing was written."""
        values = self.validate()
        if values is None or self.record is None:
            return False
        try:
            student_id = transfer_student(
                self.ctx.door(),
                self.record["id"],
                values["school_id"],
                grade=values["grade"],
                class_name=values["class_name"],
                boarding=values["boarding"],
                moved_on=values["moved_on"],
            )
        except ValidationError as exc:
            show_problems(self.form, exc.problems, TRANSFER_FIELDS, self._general)
            return False
        except WRITE_ERRORS as exc:
            self._general(error_text(exc))
            return False
        self.ctx.hub.data_changed.emit("students")
        self.saved.emit(student_id)
        return True
