"""学校: the schools in the user's scope (paged, searchable by the start of the name or code) and
the add / edit dialog, validated inline and written through the door."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import SCHOOL_STAGES
from desktop.domain.errors import ValidationError
from desktop.domain.exemption import school_code_problems, validate_school
from desktop.store.exemption import get_school, schools_query
from desktop.ui.context import AppContext
from desktop.ui.exemption.common import (
    FORMATTERS,
    WRITE_ERRORS,
    FormDialog,
    QueryModel,
    error_text,
    setup_table,
    show_problems,
)
from desktop.ui.forms import FormGrid, error_label
from desktop.ui.i18n import fill
from desktop.ui.kangjian.common import fill_communities

# Field labels of the domain rules and the door → the dialog's field keys.
SCHOOL_FIELDS = {
    "学校代码": "code",
    "学校名称": "name",
    "学段": "stage",
    "社区": "community_id",
    "寄宿制": "boarding",
}
WIDTHS = {0: 110, 1: 200, 2: 90, 3: 64, 4: 130, 5: 80}


class SchoolModel(QueryModel):
    def __init__(self, ctx: AppContext, parent: Any = None):
        self.search_text = ""
        formatters = {
            **FORMATTERS,
            "office": self._office_name,
            "boarding": lambda v: self.tr("是") if int(v) else self.tr("否"),
        }
        super().__init__(
            ctx,
            lambda: schools_query(ctx.user.scope, self.search_text),
            formatters,
            watch=("students",),
            parent=parent,
        )

    def _office_name(self, code: Any) -> str:
        office = self.ctx.tree.office_by_code(str(code))
        return office.name if office else str(code)

    def set_search(self, text: str) -> None:
        self.search_text = text
        self.refresh()


class SchoolsPage(QWidget):
    """Search, the list of schools and 新增… / 编辑…."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.model = SchoolModel(ctx, self)

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("学校名称或代码的开头"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.apply_filter)
        self.count_label = QLabel()
        self.model.count_changed.connect(self._show_count)
        self.add_button = QPushButton(self.tr("新增学校…"))
        self.add_button.clicked.connect(lambda: self.open_dialog())
        self.edit_button = QPushButton(self.tr("编辑…"))
        self.edit_button.setEnabled(False)
        self.edit_button.clicked.connect(self._edit_current)

        self.view = QTableView()
        self.view.setModel(self.model)
        setup_table(self.view, WIDTHS)
        self.view.setColumnHidden(self.model.column_index("id"), True)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self.edit_button.setEnabled(current.isValid())
        )
        self.model.modelReset.connect(lambda: self.edit_button.setEnabled(False))

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(QLabel(self.tr("查找")))
        bar.addWidget(self.search)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        bar.addSpacing(8)
        bar.addWidget(self.add_button)
        bar.addWidget(self.edit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self._show_count(len(self.model.result))

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_search(self.search.text())

    def _show_count(self, count: int) -> None:
        self.count_label.setText(fill(self.tr("共 %1 所学校"), f"{count:,}"))

    def current_school(self) -> str | None:
        index = self.view.currentIndex()
        return self.model.record_id(index.row()) if index.isValid() else None

    def _edit_current(self) -> None:
        school = self.current_school()
        if school:
            self.open_dialog(school)

    def _double_clicked(self, index: QModelIndex) -> None:
        school = self.model.record_id(index.row())
        if school:
            self.open_dialog(school)

    def open_dialog(self, school_id: str | None = None) -> SchoolDialog:
        dialog = SchoolDialog(self.ctx, school_id, self)
        dialog.open()
        return dialog


class SchoolDialog(FormDialog):
    """New (``school_id`` None) or existing school. Emits ``saved(school_id)``."""

    saved = Signal(str)

    def __init__(
        self, ctx: AppContext, school_id: str | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.school = get_school(ctx.db, school_id) if school_id else None
        self.setWindowTitle(self.tr("编辑学校") if self.school else self.tr("新增学校"))

        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText(self.tr("学校标识码（10位数字）或本地代码"))
        self.code_edit.setMaxLength(20)
        self.name_edit = QLineEdit()
        self.stage = QComboBox()
        for choice in SCHOOL_STAGES:
            self.stage.addItem(choice.label, choice.key)
        self.community = QComboBox()
        fill_communities(ctx, self.community, self.tr("（请选择社区）"))
        self.boarding = QCheckBox(self.tr("寄宿制学校（有寄宿生）"))

        self.form = FormGrid()
        self.form.add("code", self.tr("学校代码"), self.code_edit)
        self.form.add("name", self.tr("学校名称"), self.name_edit)
        self.form.add("stage", self.tr("学段"), self.stage)
        self.form.add("community_id", self.tr("所在社区"), self.community)
        self.form.add("boarding", self.tr("寄宿"), self.boarding)

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
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        if self.school is not None:
            self.code_edit.setText(self.school.code)
            self.name_edit.setText(self.school.name)
            self.stage.setCurrentIndex(max(self.stage.findData(self.school.stage), 0))
            index = self.community.findData(self.school.community_id)
            if index >= 0:
                self.community.setCurrentIndex(index)
            self.boarding.setChecked(self.school.boarding)
        self.setMinimumWidth(440)
        self.adjustSize()
        self.code_edit.setFocus()

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code_edit.text().strip().upper(),
            "name": " ".join(self.name_edit.text().split()),
            "stage": self.stage.currentData(),
            "community_id": self.community.currentData(),
            "boarding": int(self.boarding.isChecked()),
        }

    def _general(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.setVisible(bool(text))

    def validate(self) -> dict[str, Any] | None:
        """Check every field, writing problems next to them; the values to write, or None."""
        self.form.clear_errors()
        self._general("")
        v = self.values()
        problems = [*school_code_problems(v["code"]), *validate_school(v)]
        if not v["community_id"]:
            self.form.set_error("community_id", self.tr("请选择学校所在的社区"))
        show_problems(self.form, problems, SCHOOL_FIELDS, self._general)
        if self.form.has_errors() or self.general_error.text():
            return None
        return v

    def save(self) -> bool:
        """Validate and write; False (with the problems shown) when nothing was written."""
        values = self.validate()
        if values is None:
            return False
        door = self.ctx.door()
        try:
            if self.school is None:
                school_id = door.insert("schools", values)
            else:
                school_id = self.school.id
                before = {
                    "code": self.school.code,
                    "name": self.school.name,
                    "stage": self.school.stage,
                    "community_id": self.school.community_id,
                    "boarding": int(self.school.boarding),
                }
                changes = {k: v for k, v in values.items() if before[k] != v}
                if changes:
                    door.update("schools", school_id, changes)
        except ValidationError as exc:
            show_problems(self.form, exc.problems, SCHOOL_FIELDS, self._general)
            return False
        except WRITE_ERRORS as exc:
            self._general(error_text(exc))
            return False
        self.ctx.hub.data_changed.emit("schools")
        self.saved.emit(school_id)
        return True
