"""补助标准: the dated aid standards (item × stage × boarding, 元 per year, with the dates they are
in force). The district's administrator may add a standard or end one (the store audits both);
everybody else reads them."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import EXEMPTION_ITEMS
from desktop.domain.dates import parse_date
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.exemption import ALLOWANCE_ITEMS, STANDARD_STAGES, Standard, validate_standard
from desktop.domain.money import format_yuan, parse_yuan
from desktop.store.exemption import add_standard, end_standard, load_standards
from desktop.ui.context import AppContext
from desktop.ui.exemption.common import (
    WRITE_ERRORS,
    FormDialog,
    ListColumn,
    ListModel,
    error_text,
    is_district_admin,
    label_of,
    setup_table,
    show_problems,
)
from desktop.ui.forms import FormGrid, error_label
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill

COLUMNS = (
    ListColumn("item", QT_TRANSLATE_NOOP("columns", "资助项目")),
    ListColumn("stage", QT_TRANSLATE_NOOP("columns", "学段")),
    ListColumn("boarding", QT_TRANSLATE_NOOP("columns", "寄宿")),
    ListColumn(
        "amount_fen",
        QT_TRANSLATE_NOOP("columns", "标准（元/年）"),
        lambda v: format_yuan(int(v)),
        True,
    ),
    ListColumn(
        "semester_fen",
        QT_TRANSLATE_NOOP("columns", "每学期（元）"),
        lambda v: format_yuan(int(v)),
        True,
    ),
    ListColumn("effective_from", QT_TRANSLATE_NOOP("columns", "起始日期")),
    ListColumn("effective_to", QT_TRANSLATE_NOOP("columns", "截止日期")),
    ListColumn("status", QT_TRANSLATE_NOOP("columns", "状态")),
    ListColumn("note", QT_TRANSLATE_NOOP("columns", "备注")),
)
STANDARD_FIELDS = {
    "资助项目": "item",
    "学段": "stage",
    "寄宿": "item",
    "金额": "amount",
    "起始日期": "effective_from",
    "截止日期": "effective_to",
    "备注": "note",
    "资助标准": "item",
}


class StandardsPage(QWidget):
    """The table of standards; 新增标准… and 停止执行… for the district's administrator."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, today: date | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or date.today()
        self.editable = is_district_admin(ctx.user)
        self.model = ListModel(COLUMNS, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        setup_table(self.view, {0: 140, 1: 56, 2: 56, 3: 110, 4: 100, 5: 96, 6: 96, 7: 70})

        self.note = QLabel()
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.add_button = QPushButton(self.tr("新增标准…"))
        self.add_button.clicked.connect(lambda: self.open_add())
        self.end_button = QPushButton(self.tr("停止执行…"))
        self.end_button.setToolTip(
            self.tr("为所选标准填写截止日期（标准调整时先停止旧标准，再新增）")
        )
        self.end_button.setEnabled(False)
        self.end_button.clicked.connect(self._end_current)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(lambda: self.end_button.setEnabled(False))
        if self.editable:
            self.note.setText(
                self.tr(
                    "金额为每生每年的标准，每学期按一半发放；资助记录按学期第一天执行的标准计算。"
                    "修改均记入审计日志。"
                )
            )
        else:
            self.note.setText(
                self.tr(
                    "资助标准由区管理员维护，您可以查看，不能修改。"
                    "金额为每生每年的标准，每学期按一半发放。"
                )
            )
            self.add_button.hide()
            self.end_button.hide()

        bar = QHBoxLayout()
        bar.addWidget(self.note, 1)
        bar.addWidget(self.add_button)
        bar.addWidget(self.end_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        ctx.hub.data_changed.connect(self._data_changed)
        self.load()

    def status(self, standard: Standard) -> str:
        day = self.today.isoformat()
        if standard.effective_from > day:
            return self.tr("未生效")
        if standard.effective_to is not None and standard.effective_to < day:
            return self.tr("已停止")
        return self.tr("执行中")

    def load(self) -> None:
        standards = load_standards(self.ctx.db)
        rows = []
        for s in standards:
            boarding = (
                "" if s.boarding is None else self.tr("寄宿") if s.boarding else self.tr("非寄宿")
            )
            rows.append(
                {
                    "item": label_of(EXEMPTION_ITEMS, s.item),
                    "stage": label_of(STANDARD_STAGES, s.stage),
                    "boarding": boarding,
                    "amount_fen": s.amount_fen,
                    "semester_fen": s.semester_fen,
                    "effective_from": s.effective_from,
                    "effective_to": s.effective_to,
                    "status": self.status(s),
                    "note": s.note,
                }
            )
        self.model.set_rows(rows, standards, tooltips=[s.label for s in standards])

    def _data_changed(self, table: str) -> None:
        if table == "aid_standards":
            self.load()

    def _current_changed(self, current: Any, _previous: Any = None) -> None:
        standard = self.model.item(current.row()) if current.isValid() else None
        self.end_button.setEnabled(self.editable and standard is not None)

    def current_standard(self) -> Standard | None:
        index = self.view.currentIndex()
        return self.model.item(index.row()) if index.isValid() else None

    def _end_current(self) -> None:
        standard = self.current_standard()
        if standard is not None:
            self.open_end(standard)

    def open_add(self) -> StandardDialog:
        dialog = StandardDialog(self.ctx, self)
        dialog.open()
        return dialog

    def open_end(self, standard: Standard) -> EndStandardDialog:
        dialog = EndStandardDialog(self.ctx, standard, self)
        dialog.open()
        return dialog


def _buttons(dialog: QDialog, ok_text: str) -> tuple[QDialogButtonBox, QPushButton]:
    buttons = QDialogButtonBox()
    ok = buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton(dialog.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
    ok.setDefault(True)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


class StandardDialog(FormDialog):
    """A new dated standard (district administrator). Emits ``saved(standard_id)``."""

    saved = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("新增资助标准"))
        self.item = QComboBox()
        for choice in EXEMPTION_ITEMS:
            self.item.addItem(choice.label, choice.key)
        self.item.currentIndexChanged.connect(self._item_changed)
        self.stage = QComboBox()
        for choice in STANDARD_STAGES:
            self.stage.addItem(choice.label, choice.key)
        self.boarding = QLabel()
        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText(self.tr("元/年，如 1500"))
        self.from_edit = QLineEdit()
        self.from_edit.setPlaceholderText(self.tr("如 2027-01-01"))
        self.to_edit = QLineEdit()
        self.to_edit.setPlaceholderText(self.tr("长期执行则不填"))
        self.note_edit = QLineEdit()
        self.form = FormGrid()
        self.form.add("item", self.tr("资助项目"), self.item)
        self.form.add("stage", self.tr("学段"), self.stage)
        self.form.add("boarding", self.tr("适用学生"), self.boarding)
        self.form.add("amount", self.tr("标准（元/年）"), self.amount_edit)
        self.form.add("effective_from", self.tr("起始日期"), self.from_edit)
        self.form.add("effective_to", self.tr("截止日期"), self.to_edit)
        self.form.add("note", self.tr("备注"), self.note_edit)
        self.general_error = error_label()
        self.buttons, self.ok_button = _buttons(self, self.tr("保存"))
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self._item_changed()
        self.setMinimumWidth(440)
        self.adjustSize()

    def boarding_value(self) -> int | None:
        item = self.item.currentData()
        if item in ALLOWANCE_ITEMS:
            return 1 if item == "boarding" else 0
        return None

    def _item_changed(self, *_: object) -> None:
        value = self.boarding_value()
        self.boarding.setText(
            self.tr("不分寄宿")
            if value is None
            else self.tr("寄宿生")
            if value
            else self.tr("非寄宿生")
        )

    def _general(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.setVisible(bool(text))

    def validate(self) -> dict[str, Any] | None:
        self.form.clear_errors()
        self._general("")
        values: dict[str, Any] = {
            "item": self.item.currentData(),
            "stage": self.stage.currentData(),
            "boarding": self.boarding_value(),
            "note": self.note_edit.text().strip() or None,
        }
        try:
            values["amount_fen"] = parse_yuan(self.amount_edit.text().strip())
        except ValidationError as exc:
            self.form.set_error("amount", exc.problems[0].message)
            values["amount_fen"] = None
        for key, edit, label in (
            ("effective_from", self.from_edit, "起始日期"),
            ("effective_to", self.to_edit, "截止日期"),
        ):
            text = edit.text().strip()
            values[key] = None
            if not text:
                continue
            try:
                values[key] = parse_date(text, label).isoformat()
            except ValidationError as exc:
                self.form.set_error(key, exc.problems[0].message)
        if not self.from_edit.text().strip():
            self.form.set_error("effective_from", self.tr("请填写起始日期"))
        if self.form.has_errors():
            return None
        problems: list[Problem] = validate_standard(values)
        show_problems(self.form, problems, STANDARD_FIELDS, self._general)
        return None if self.form.has_errors() or self.general_error.text() else values

    def save(self) -> bool:
        """Validate and write; False (with the problems shown) when nothing was written."""
        values = self.validate()
        if values is None:
            return False
        try:
            standard_id = add_standard(
                self.ctx.door(),
                values["item"],
                values["stage"],
                values["amount_fen"],
                values["effective_from"],
                values["effective_to"],
                values["note"],
                boarding=values["boarding"],
            )
        except ValidationError as exc:
            show_problems(self.form, exc.problems, STANDARD_FIELDS, self._general)
            return False
        except WRITE_ERRORS as exc:
            self._general(error_text(exc))
            return False
        self.ctx.hub.data_changed.emit("aid_standards")
        self.saved.emit(standard_id)
        return True


class EndStandardDialog(FormDialog):
    """The last day a standard is in force (district administrator)."""

    saved = Signal(str)

    def __init__(self, ctx: AppContext, standard: Standard, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.standard = standard
        self.setWindowTitle(self.tr("停止执行标准"))
        what = QLabel(standard.label)
        what.setWordWrap(True)
        self.last_edit = QLineEdit(standard.effective_to or "")
        self.last_edit.setPlaceholderText(self.tr("最后执行的一天，如 2026-12-31"))
        self.form = FormGrid()
        self.form.add("effective_to", self.tr("截止日期"), self.last_edit)
        self.general_error = error_label()
        self.buttons, self.ok_button = _buttons(self, self.tr("保存"))
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self.adjustSize()

    def _general(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.setVisible(bool(text))

    def save(self) -> bool:
        """Validate and write; False (with the problems shown) when nothing was written."""
        self.form.clear_errors()
        self._general("")
        try:
            last = parse_date(self.last_edit.text().strip(), "截止日期").isoformat()
        except ValidationError as exc:
            self.form.set_error("effective_to", exc.problems[0].message)
            return False
        if last < self.standard.effective_from:
            self.form.set_error(
                "effective_to",
                fill(self.tr("%1 早于起始日期 %2"), last, self.standard.effective_from),
            )
            return False
        try:
            end_standard(self.ctx.door(), self.standard.id, last)
        except ValidationError as exc:
            show_problems(
                self.form,
                exc.problems,
                {"截止日期": "effective_to", "金额": "effective_to", "起始日期": "effective_to"},
                self._general,
            )
            return False
        except WRITE_ERRORS as exc:
            self._general(error_text(exc))
            return False
        self.ctx.hub.data_changed.emit("aid_standards")
        self.saved.emit(self.standard.id)
        return True
