"""新增 / 编辑 a woman of the roster: the person (name, ID number, community, phone) and her roster
entry (marriage, children, contraception, floating status, entry and exit), validated inline —
birth date and sex come from the ID number, and each problem is said next to its field — and
written through the door in one transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import CONTRACEPTION, FLOATING, HUKOU, MARITAL, ROSTER_EXIT, ChoiceList
from desktop.domain.dates import parse_date
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.ids import id_tail, mask_id, parse_id
from desktop.domain.kangjian import validate_woman, woman_id_problems
from desktop.domain.phones import mask_phone, parse_phone
from desktop.domain.pinyin import initials
from desktop.store.kangjian_lookup import person_with_id_number, woman_record
from desktop.ui.context import AppContext
from desktop.ui.forms import FormGrid, error_label
from desktop.ui.i18n import fill
from desktop.ui.kangjian.common import WRITE_ERRORS, error_text, fill_communities

# Field labels used by the domain rules and the door → the form's field keys.
BY_LABEL = {
    "姓名": "name", "身份证号": "id_number", "性别": "id_number", "人员": "id_number",
    "出生日期": "id_number", "社区": "community_id", "手机号": "phone", "联系电话": "phone",
    "户籍类型": "hukou", "登记日期": "entered_on", "婚姻状况": "marital",
    "结婚日期": "marriage_date", "现有子女数": "living_children", "避孕措施": "contraception",
    "流动情况": "floating", "流动去向": "floating_where", "流动起始日期": "floating_since",
    "退出日期": "exit_date", "退出原因": "exit_reason",
}
PERSON_KEYS = ("name", "id_number", "community_id", "phone", "hukou")
WOMAN_KEYS = ("community_id", "marriage_date", "marital", "living_children", "contraception",
              "floating", "floating_where", "floating_since", "entered_on", "exit_date",
              "exit_reason")


def _choice_combo(choices: ChoiceList, blank: str | None = None) -> QComboBox:
    combo = QComboBox()
    if blank is not None:
        combo.addItem(blank, None)
    for choice in choices:
        combo.addItem(choice.label, choice.key)
    return combo


def _select(combo: QComboBox, key: Any) -> None:
    index = combo.findData(key)
    combo.setCurrentIndex(max(index, 0))


class WomanDialog(QDialog):
    """New (``person_id`` None) or existing roster entry. Emits ``saved(person_id)``."""

    saved = Signal(str)

    def __init__(self, ctx: AppContext, person_id: str | None = None,
                 parent: QWidget | None = None, today: date | None = None,
                 community: str | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or date.today()
        self.record: dict[str, Any] | None = (
            woman_record(ctx.db, ctx.user.scope, person_id) if person_id else None)
        self.existing_person: dict[str, Any] | None = None  # a registered person, not on roster
        self.setWindowTitle(self.tr("编辑名册记录") if self.record else self.tr("登记已婚育龄妇女"))

        self.name_edit = QLineEdit()
        self.id_edit = QLineEdit()
        self.id_edit.setPlaceholderText(self.tr("18位身份证号"))
        self.id_edit.setMaxLength(24)
        self.derived = QLabel()
        self.derived.setObjectName("muted")
        self.derived.hide()
        self.id_edit.textChanged.connect(self._derive)
        # Editing shows the stored ID and phone masked, as placeholders: left empty they stay as
        # they are; typed anew they replace them; 显示 reveals them (audited) to those who may.
        self.id_reveal = QToolButton()
        self.id_reveal.setText(self.tr("显示"))
        self.id_reveal.setToolTip(self.tr("显示完整身份证号（记入审计日志）"))
        self.id_reveal.clicked.connect(lambda: self._reveal("id_number", self.id_edit))
        self.id_reveal.hide()
        id_line = QHBoxLayout()
        id_line.setContentsMargins(0, 0, 0, 0)
        id_line.addWidget(self.id_edit, 1)
        id_line.addWidget(self.id_reveal)
        id_box = QWidget()
        id_column = QVBoxLayout(id_box)
        id_column.setContentsMargins(0, 0, 0, 0)
        id_column.setSpacing(2)
        id_column.addLayout(id_line)
        id_column.addWidget(self.derived)
        self.community = QComboBox()
        fill_communities(ctx, self.community, self.tr("（请选择社区）"))
        if community is not None and self.community.findData(community) > 0:
            self.community.setCurrentIndex(self.community.findData(community))
        self.phone_edit = QLineEdit()
        self.phone_edit.setPlaceholderText(self.tr("11位手机号，可不填"))
        self.phone_reveal = QToolButton()
        self.phone_reveal.setText(self.tr("显示"))
        self.phone_reveal.setToolTip(self.tr("显示完整手机号（记入审计日志）"))
        self.phone_reveal.clicked.connect(lambda: self._reveal("phone", self.phone_edit))
        self.phone_reveal.hide()
        phone_box = QWidget()
        phone_row = QHBoxLayout(phone_box)
        phone_row.setContentsMargins(0, 0, 0, 0)
        phone_row.addWidget(self.phone_edit, 1)
        phone_row.addWidget(self.phone_reveal)
        self.hukou = _choice_combo(HUKOU, self.tr("（未填）"))
        self.entered_edit = QLineEdit(self.today.isoformat())

        self.marital = _choice_combo(MARITAL)
        self.marriage_edit = QLineEdit()
        self.marriage_edit.setPlaceholderText(self.tr("如 2015-05-01，可不填"))
        self.children_spin = QSpinBox()
        self.children_spin.setRange(0, 20)
        self.contraception = _choice_combo(CONTRACEPTION, self.tr("（未填）"))
        self.floating = _choice_combo(FLOATING)
        self.floating.currentIndexChanged.connect(self._floating_changed)
        self.floating_where = QLineEdit()
        self.floating_where.setPlaceholderText(self.tr("流出到 / 从何处流入"))
        self.floating_since = QLineEdit()
        self.exit_edit = QLineEdit()
        self.exit_edit.setPlaceholderText(self.tr("仍在册则不填"))
        self.exit_reason = _choice_combo(ROSTER_EXIT, self.tr("（无）"))

        self.person_form = FormGrid()
        self.person_form.add("name", self.tr("姓名"), self.name_edit)
        self.person_form.add("id_number", self.tr("身份证号"), id_box)
        self.person_form.add("community_id", self.tr("社区"), self.community)
        self.person_form.add("phone", self.tr("手机"), phone_box)
        self.person_form.add("hukou", self.tr("户籍"), self.hukou)
        self.person_form.add("entered_on", self.tr("登记日期"), self.entered_edit)
        self.person_form.setRowStretch(99, 1)
        self.roster_form = FormGrid()
        self.roster_form.add("marital", self.tr("婚姻状况"), self.marital)
        self.roster_form.add("marriage_date", self.tr("结婚日期"), self.marriage_edit)
        self.roster_form.add("living_children", self.tr("现有子女数"), self.children_spin)
        self.roster_form.add("contraception", self.tr("避孕措施"), self.contraception)
        self.roster_form.add("floating", self.tr("流动情况"), self.floating)
        self.roster_form.add("floating_where", self.tr("流动去向"), self.floating_where)
        self.roster_form.add("floating_since", self.tr("流动起始日期"), self.floating_since)
        self.roster_form.add("exit_date", self.tr("退出日期"), self.exit_edit)
        self.roster_form.add("exit_reason", self.tr("退出原因"), self.exit_reason)
        self.roster_form.setRowStretch(99, 1)
        # the field (not its container) receives the id_number key's focus and errors
        self.person_form.fields["id_number"] = self.id_edit
        self.person_form.fields["phone"] = self.phone_edit

        person_box = QGroupBox(self.tr("基本信息"))
        person_box.setLayout(self.person_form)
        roster_box = QGroupBox(self.tr("婚育与流动"))
        roster_box.setLayout(self.roster_form)
        columns = QHBoxLayout()
        columns.addWidget(person_box, 1)
        columns.addWidget(roster_box, 1)

        self.general_error = error_label()
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(self.tr("保存"),
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        if self.record:
            self._load(self.record)
        self._floating_changed()
        self.setMinimumWidth(820)
        self.adjustSize()
        self.name_edit.setFocus()

    # -- values -----------------------------------------------------------------------------

    def _load(self, r: dict[str, Any]) -> None:
        self.name_edit.setText(r["name"] or "")
        if r["id_number"]:
            self.id_edit.setPlaceholderText(fill(self.tr("%1（不改请留空）"), mask_id(r["id_number"])))
            self.id_reveal.setVisible(self.ctx.user.can_reveal)
            self._derive(r["id_number"])
        _select(self.community, r["community_id"])
        if r["phone"]:
            self.phone_edit.setPlaceholderText(fill(self.tr("%1（不改请留空）"), mask_phone(r["phone"])))
            self.phone_reveal.setVisible(self.ctx.user.can_reveal)
        _select(self.hukou, r["hukou"])
        self.entered_edit.setText(r["entered_on"] or "")
        _select(self.marital, r["marital"])
        self.marriage_edit.setText(r["marriage_date"] or "")
        self.children_spin.setValue(int(r["living_children"] or 0))
        _select(self.contraception, r["contraception"])
        _select(self.floating, r["floating"])
        self.floating_where.setText(r["floating_where"] or "")
        self.floating_since.setText(r["floating_since"] or "")
        self.exit_edit.setText(r["exit_date"] or "")
        _select(self.exit_reason, r["exit_reason"])

    def _reveal(self, field: str, edit: QLineEdit) -> None:
        """Fill in the stored value in full, if the user may see it (every reveal is audited)."""
        if self.record is None or not self.ctx.reveal("persons", self.record["person_id"], field):
            return
        edit.setText(self.record[field] or "")
        button = self.id_reveal if field == "id_number" else self.phone_reveal
        button.hide()

    def _floating_changed(self, *_: object) -> None:
        moving = self.floating.currentData() not in (None, "none")
        self.floating_where.setEnabled(moving)
        self.floating_since.setEnabled(moving)

    def _derive(self, text: str) -> None:
        """Birth date, sex and age as the number is typed (said once it is complete)."""
        digits = text.strip()
        if not digits and self.record and self.record["id_number"]:
            digits = self.record["id_number"]  # unchanged: what the stored number says
        if len(digits) < 15:
            self.derived.setText("")
            self.derived.hide()
            return
        try:
            info = parse_id(digits)
        except ValidationError:
            self.derived.setText("")
            self.derived.hide()
            return
        self.derived.setText(fill(self.tr("%1 · %2 · %3岁"), info.birth_date.isoformat(),
                                  info.sex, info.age_on(self.today)))
        self.derived.show()

    def values(self) -> dict[str, Any]:
        """What was typed, as text and choice keys (dates not yet checked)."""
        stored = self.record or {}
        return {
            "name": self.name_edit.text().strip(),
            "id_number": self.id_edit.text().strip() or stored.get("id_number") or "",
            "community_id": self.community.currentData(),
            "phone": self.phone_edit.text().strip() or stored.get("phone") or "",
            "hukou": self.hukou.currentData(),
            "entered_on": self.entered_edit.text().strip(),
            "marital": self.marital.currentData(),
            "marriage_date": self.marriage_edit.text().strip(),
            "living_children": self.children_spin.value(),
            "contraception": self.contraception.currentData(),
            "floating": self.floating.currentData(),
            "floating_where": self.floating_where.text().strip() if self.floating_where.isEnabled()
            else "",
            "floating_since": self.floating_since.text().strip() if self.floating_since.isEnabled()
            else "",
            "exit_date": self.exit_edit.text().strip(),
            "exit_reason": self.exit_reason.currentData(),
        }

    def _set_error(self, key: str, text: str) -> None:
        form = self.person_form if key in self.person_form.errors else self.roster_form
        previous = form.error_text(key)
        if text and text not in previous.split("\n"):
            form.set_error(key, f"{previous}\n{text}" if previous else text)

    def _clear_errors(self) -> None:
        self.person_form.clear_errors()
        self.roster_form.clear_errors()
        self.general_error.hide()
        self.general_error.setText("")

    def has_errors(self) -> bool:
        return self.person_form.has_errors() or self.roster_form.has_errors()

    def error_of(self, key: str) -> str:
        form = self.person_form if key in self.person_form.errors else self.roster_form
        return form.error_text(key)

    def _show_problems(self, problems: list[Problem]) -> None:
        general = []
        for p in problems:
            key = BY_LABEL.get(p.field)
            if key is None:
                general.append(f"{p.field}：{p.message}" if p.field else p.message)
            else:
                self._set_error(key, p.message)
        if general:
            self._general("\n".join(general))

    def _general(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.show()

    def validate(self) -> dict[str, Any] | None:
        """Check every field; write the problems next to them. The records to write, or None."""
        self._clear_errors()
        v = self.values()
        person: dict[str, Any] = {}
        if not v["name"]:
            self._set_error("name", self.tr("请填写姓名"))
        person["name"] = v["name"]
        info = None
        if not v["id_number"]:
            self._set_error("id_number", self.tr("请填写身份证号"))
        else:
            try:
                info = parse_id(v["id_number"])
            except ValidationError as exc:
                self._set_error("id_number", "；".join(p.message for p in exc.problems))
            else:
                for p in woman_id_problems(info.number):
                    self._set_error("id_number", p.message)
        if info is not None:
            person.update(id_number=info.number, id_tail=id_tail(info.number),
                          birth_date=info.birth_date.isoformat(), sex="F")
            if not self.error_of("id_number"):
                self._check_registered(info.number)
        if not v["community_id"]:
            self._set_error("community_id", self.tr("请选择社区"))
        person["community_id"] = v["community_id"]
        person["phone"] = None
        if v["phone"]:
            try:
                person["phone"] = parse_phone(v["phone"])
            except ValidationError as exc:
                self._set_error("phone", exc.problems[0].message)
        person["hukou"] = v["hukou"]

        woman: dict[str, Any] = {k: v[k] or None for k in WOMAN_KEYS}
        woman["living_children"] = v["living_children"]
        woman["floating"] = v["floating"] or "none"
        woman["marital"] = v["marital"] or "married"
        for key in ("entered_on", "marriage_date", "floating_since", "exit_date"):
            if not v[key]:
                woman[key] = None
                continue
            try:
                day = parse_date(v[key])
            except ValidationError as exc:
                self._set_error(key, exc.problems[0].message)
                woman[key] = None
                continue
            woman[key] = day.isoformat()
            if key != "exit_date" and day > self.today:
                self._set_error(key, fill(self.tr("%1 晚于今天"), day.isoformat()))
        if not v["entered_on"]:
            self._set_error("entered_on", self.tr("请填写登记日期"))
        if info is not None and woman["marriage_date"]:
            married_on = date.fromisoformat(woman["marriage_date"])
            if info.age_on(married_on) < 20:
                self._set_error("marriage_date", fill(
                    self.tr("结婚时 %1 岁，未到法定婚龄（20 岁），请核对"), info.age_on(married_on)))
        # the domain's rules of a roster entry, on the fields not already found wrong
        self._show_problems([p for p in validate_woman({**woman, "person_id": "-"})
                             if not self.error_of(BY_LABEL.get(p.field, "name"))])
        if self.has_errors() or not self.general_error.isHidden():
            return None
        return {"person": person, "woman": woman}

    def _check_registered(self, number: str) -> None:
        """The ID number may belong to a person already registered (an ID is unique)."""
        self.existing_person = None
        found = person_with_id_number(self.ctx.db, self.ctx.user.scope, number)
        if found is None or (self.record and found["person_id"] == self.record["person_id"]):
            return
        if not found["in_scope"]:
            self._set_error("id_number", self.tr("该身份证号已由其他办事处登记，不能重复登记"))
        elif found["woman_id"]:
            self._set_error("id_number", fill(self.tr("%1 已在名册中，请查找后编辑原记录"),
                                              found["name"]))
        elif self.record:
            self._set_error("id_number", fill(self.tr("该身份证号已登记为 %1"), found["name"]))
        else:
            self.existing_person = found  # on the person register only: add her to the roster

    # -- writing ----------------------------------------------------------------------------

    def accept(self) -> None:
        records = self.validate()
        if records is None:
            return
        person, woman = records["person"], records["woman"]
        door = self.ctx.door()
        try:
            with door.transaction():
                if self.record:
                    person_id = self.record["person_id"]
                    changes = {k: val for k, val in person.items()
                               if self.record.get(k, val) != val}
                    if "id_number" in changes:
                        changes.update(id_tail=person["id_tail"], sex=person["sex"])
                    if "name" in changes:
                        changes["pinyin"] = initials(person["name"])
                    if changes:
                        door.update("persons", person_id, changes)
                    changes = {k: val for k, val in woman.items() if self.record.get(k) != val}
                    if changes:
                        door.update("women", self.record["woman_id"], changes)
                else:
                    if self.existing_person is not None:
                        person_id = self.existing_person["person_id"]
                        door.update("persons", person_id,
                                    {**person, "pinyin": initials(person["name"])})
                    else:
                        person_id = door.insert("persons", {
                            **person, "pinyin": initials(person["name"]),
                            "entered_on": woman["entered_on"],
                            "created_on": self.today.isoformat(),
                        })
                    door.insert("women", {**woman, "person_id": person_id})
        except ValidationError as exc:
            self._show_problems(exc.problems)
            return
        except WRITE_ERRORS as exc:
            self._general(error_text(exc))
            return
        self.ctx.hub.data_changed.emit("persons")
        self.ctx.hub.data_changed.emit("women")
        self.saved.emit(person_id)
        super().accept()

