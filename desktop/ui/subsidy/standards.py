"""帮扶标准: the programmes' dated standards (district data, the same in every installation) —
category, hukou, unit, amount, the days they are in force and whether they are in force today.
The district administrator adds a standard (新增标准…: refused when it overlaps one of the same
programme, category and hukou) and ends one (设截止日期…: before its successor starts); both are
audited by the store. Everyone else reads them, and sees why the buttons are disabled."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import HUKOU, STANDARD_UNITS, SUBSIDY_CATEGORY
from desktop.domain.errors import ValidationError
from desktop.domain.money import parse_yuan
from desktop.store import subsidy as store
from desktop.ui.context import AppContext
from desktop.ui.exemption.common import is_district_admin
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.subsidy.common import (
    WRITE_ERRORS,
    ListColumn,
    ListModel,
    Message,
    SubsidyDialog,
    fill_programmes,
    label_of,
    table_for,
    yuan,
)

COLUMNS = (
    ListColumn("programme", QT_TRANSLATE_NOOP("columns", "项目")),
    ListColumn("category", QT_TRANSLATE_NOOP("columns", "类别")),
    ListColumn("hukou", QT_TRANSLATE_NOOP("columns", "户籍")),
    ListColumn("unit", QT_TRANSLATE_NOOP("columns", "单位"), lambda v: label_of(STANDARD_UNITS, v)),
    ListColumn("amount_fen", QT_TRANSLATE_NOOP("columns", "标准（元）"), yuan, True),
    ListColumn("effective_from", QT_TRANSLATE_NOOP("columns", "起始日期")),
    ListColumn("effective_to", QT_TRANSLATE_NOOP("columns", "截止日期")),
    ListColumn("state", QT_TRANSLATE_NOOP("columns", "状态")),
    ListColumn("note", QT_TRANSLATE_NOOP("columns", "说明")),
)
STANDARD_FIELDS = {
    "帮扶项目": "programme_id",
    "扶助类别": "category",
    "户籍类型": "hukou",
    "标准单位": "unit",
    "金额": "amount",
    "标准": "amount",
    "起始日期": "effective_from",
    "截止日期": "effective_to",
}


def _state(standard: Any, today: str) -> str:
    if standard.effective_from > today:
        return QT_TRANSLATE_NOOP("StandardsPage", "未开始")
    if standard.effective_to is not None and standard.effective_to < today:
        return QT_TRANSLATE_NOOP("StandardsPage", "已截止")
    return QT_TRANSLATE_NOOP("StandardsPage", "执行中")


class StandardsPage(QWidget):
    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or date.today()
        self.dialog: SubsidyDialog | None = None
        self.programme = QComboBox()
        self.programmes = fill_programmes(ctx, self.programme, self.tr("全部项目"))
        self.programme.currentIndexChanged.connect(self.load)
        self.model = ListModel(COLUMNS, self)
        self.view = table_for(self.model, {0: 120, 1: 80, 2: 60, 3: 80, 4: 90, 5: 92, 6: 92, 7: 60})
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.add_button = QPushButton(self.tr("新增标准…"))
        self.add_button.clicked.connect(lambda: self.open_add())
        self.end_button = QPushButton(self.tr("设截止日期…"))
        self.end_button.clicked.connect(lambda: self.open_end())
        self.message = Message()
        note = QLabel(
            self.tr(
                "标准按日期生效：发放时按所属期间每月第一天执行的标准计算。调整标准时，"
                "先为旧标准设截止日期，再新增自次日起执行的新标准。"
            )
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("项目")))
        bar.addWidget(self.programme)
        bar.addStretch(1)
        bar.addWidget(self.add_button)
        bar.addWidget(self.end_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(bar)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        self.load()

    def may_edit(self) -> bool:
        return is_district_admin(self.ctx.user)

    def load(self, *_: object) -> None:
        names = {p.id: p.name for p in self.programmes}
        today = self.today.isoformat()
        order = {p.id: i for i, p in enumerate(self.programmes)}  # national first
        standards = sorted(
            store.load_standards(self.ctx.db, self.programme.currentData()),
            key=lambda s: (
                order.get(s.programme_id, 99),
                s.category or "",
                s.hukou or "",
                s.effective_from,
            ),
        )
        rows: list[dict[str, Any]] = [
            {
                "programme": names.get(s.programme_id, ""),
                "category": label_of(SUBSIDY_CATEGORY, s.category) or self.tr("全部"),
                "hukou": label_of(HUKOU, s.hukou) or self.tr("城乡"),
                "unit": s.unit,
                "amount_fen": s.amount_fen,
                "effective_from": s.effective_from,
                "effective_to": s.effective_to or "",
                "state": self.tr(_state(s, today)),
                "note": s.note or "",
            }
            for s in standards
        ]
        self.model.set_rows(rows, standards, tooltips=[str(r["note"]) for r in rows])
        self._update_buttons()

    def chosen(self) -> Any:
        rows = self.view.selectionModel().selectedRows()
        return self.model.item(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        allowed = self.may_edit()
        self.add_button.setEnabled(allowed)
        self.end_button.setEnabled(allowed and self.chosen() is not None)
        why = "" if allowed else self.tr("帮扶标准由区管理员统一维护，您可以查看")
        self.add_button.setToolTip(why or self.tr("新增一条按日期生效的标准"))
        self.end_button.setToolTip(why or self.tr("为选中的标准设定最后执行日期"))

    def open_add(self) -> StandardDialog:
        dialog = StandardDialog(self, programme_id=self.programme.currentData())
        dialog.accepted.connect(lambda: self._changed(self.tr("已新增标准。")))
        dialog.open()
        self.dialog = dialog
        return dialog

    def open_end(self) -> EndStandardDialog | None:
        standard = self.chosen()
        if standard is None:
            return None
        dialog = EndStandardDialog(self, standard)
        dialog.accepted.connect(lambda: self._changed(self.tr("已设截止日期。")))
        dialog.open()
        self.dialog = dialog
        return dialog

    def _changed(self, text: str) -> None:
        self.load()
        self.message.done(text)


class StandardDialog(SubsidyDialog):
    """新增标准 (district administrator): programme, category, hukou, unit, amount, dates."""

    def __init__(self, page: StandardsPage, *, programme_id: str | None = None):
        super().__init__(page.ctx, page.tr("新增帮扶标准"), page, today=page.today)
        self.programme = QComboBox()
        fill_programmes(self.ctx, self.programme)
        if programme_id is not None:
            self.programme.setCurrentIndex(max(self.programme.findData(programme_id), 0))
        self.category = QComboBox()
        self.category.addItem(self.tr("（全部类别）"), None)
        for choice in SUBSIDY_CATEGORY:
            self.category.addItem(choice.label, choice.key)
        self.hukou = QComboBox()
        self.hukou.addItem(self.tr("（城乡统一）"), None)
        for choice in HUKOU:
            self.hukou.addItem(choice.label, choice.key)
        self.unit = QComboBox()
        for choice in STANDARD_UNITS:
            self.unit.addItem(choice.label, choice.key)
        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText(self.tr("元，如 960 或 270.00"))
        self.from_edit = QLineEdit()
        self.from_edit.setPlaceholderText(self.tr("如 2027-01-01"))
        self.to_edit = QLineEdit()
        self.to_edit.setPlaceholderText(self.tr("长期执行则不填"))
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(self.tr("文件依据，如 省卫健委〔2026〕12号"))
        for key, label, widget in (
            ("programme_id", self.tr("项目"), self.programme),
            ("category", self.tr("类别"), self.category),
            ("hukou", self.tr("户籍"), self.hukou),
            ("unit", self.tr("单位"), self.unit),
            ("amount", self.tr("标准（元）"), self.amount_edit),
            ("effective_from", self.tr("起始日期"), self.from_edit),
            ("effective_to", self.tr("截止日期"), self.to_edit),
            ("note", self.tr("说明"), self.note_edit),
        ):
            self.form.add(key, label, widget)
        self.finish(width=460)

    def save(self) -> bool:
        self.clear_messages()
        try:
            fen = parse_yuan(self.amount_edit.text().strip())
        except ValidationError as exc:
            self.form.set_error("amount", exc.problems[0].message)
            fen = None
        start = self.day("effective_from", self.from_edit, "起始日期")
        end = None
        if self.to_edit.text().strip():
            end = self.day("effective_to", self.to_edit, "截止日期")
        if fen is None or start is None or self.form.has_errors():
            return False
        try:
            store.add_standard(
                self.ctx.door(),
                self.programme.currentData(),
                self.unit.currentData(),
                fen,
                start,
                end,
                category=self.category.currentData(),
                hukou=self.hukou.currentData(),
                note=self.note_edit.text().strip() or None,
            )
        except WRITE_ERRORS as exc:
            return self.refused(exc, STANDARD_FIELDS)
        return True


class EndStandardDialog(SubsidyDialog):
    """设截止日期 of one standard (district administrator)."""

    def __init__(self, page: StandardsPage, standard: Any):
        super().__init__(page.ctx, page.tr("设截止日期"), page, today=page.today)
        self.standard = standard
        about = QLabel(
            fill(
                self.tr("%1 元（%2），%3 起执行"),
                yuan(standard.amount_fen),
                label_of(STANDARD_UNITS, standard.unit),
                standard.effective_from,
            )
        )
        about.setObjectName("muted")
        self.form.add_widget(about)
        self.day_edit = QLineEdit(standard.effective_to or "")
        self.day_edit.setPlaceholderText(self.tr("最后执行日期，如 2026-12-31"))
        self.form.add("effective_to", self.tr("截止日期"), self.day_edit)
        self.finish(width=380)

    def save(self) -> bool:
        self.clear_messages()
        day = self.day("effective_to", self.day_edit, "截止日期")
        if day is None:
            return False
        try:
            store.end_standard(self.ctx.door(), self.standard.id, day)
        except WRITE_ERRORS as exc:
            return self.refused(exc, STANDARD_FIELDS)
        return True
