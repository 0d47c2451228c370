"""户籍与家庭: the households in the user's scope (paged; search the head by name, pinyin
initials or ID tail; 仅贫困计生户), the head's ID and phone masked (a reveal is audited), and the
household form — the head (a person on the register, by ID number), the community (the head's),
address, hukou, 贫困计生户 since when, and the members with their relation to the head — written
through the door in one transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import HUKOU, RELATIONS
from desktop.domain.ids import mask_id, normalize_id
from desktop.store import subsidy as store
from desktop.ui.context import AppContext
from desktop.ui.forms import error_label
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.kangjian.queries import person_with_id_number
from desktop.ui.subsidy.common import (
    WRITE_ERRORS,
    ListColumn,
    ListModel,
    ListPage,
    SubsidyDialog,
    label_of,
    table_for,
)

HOUSEHOLD_FIELDS = {
    "户主": "head",
    "社区": "head",
    "住址": "address",
    "户籍类型": "hukou",
    "贫困计生户": "poor_since",
    "认定日期": "poor_since",
    "建档日期": "poor_since",
}
MEMBER_COLUMNS = (
    ListColumn("name", QT_TRANSLATE_NOOP("columns", "姓名")),
    ListColumn("id_number", QT_TRANSLATE_NOOP("columns", "身份证号"), mask_id),
    ListColumn(
        "relation", QT_TRANSLATE_NOOP("columns", "与户主关系"), lambda v: label_of(RELATIONS, v)
    ),
    ListColumn("joined_on", QT_TRANSLATE_NOOP("columns", "入户日期")),
    ListColumn("state", QT_TRANSLATE_NOOP("columns", "")),
)


class HouseholdsPage(ListPage):
    count_text = QT_TRANSLATE_NOOP("HouseholdsPage", "共 %1 户")

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None
    ):
        self.today = today or date.today()
        super().__init__(
            ctx,
            store.households_query,
            self.tr("户主姓名 / 拼音首字母 / 身份证号后几位"),
            ("persons", "household_members"),
            parent,
        )
        self.poor_only = QCheckBox(self.tr("仅贫困计生户"))
        self.poor_only.toggled.connect(self.apply_filter)
        self.bar.addSpacing(10)
        self.bar.addWidget(self.poor_only)
        self.add_button = QPushButton(self.tr("新增户…"))
        self.add_button.setShortcut("Ctrl+N")
        self.add_button.setToolTip(self.tr("登记一户（户主须已在人员名册中）（Ctrl+N）"))
        self.add_button.clicked.connect(lambda: self.open_dialog())
        self.action_bar.addWidget(self.add_button)
        self.edit_button = self.add_row_button(QPushButton(self.tr("编辑…")))
        self.edit_button.clicked.connect(lambda: self._edit_current())
        self.finish_bar()

    def filters(self) -> dict[str, Any]:
        return {"search": self.search.text(), "poor_only": self.poor_only.isChecked()}

    def _edit_current(self) -> None:
        record = self.current_id()
        if record:
            self.open_dialog(record)

    def open_row(self, record_id: str) -> None:
        self.open_dialog(record_id)

    def row_actions(self, menu: QMenu, record_id: str) -> None:
        menu.addAction(self.tr("编辑…")).triggered.connect(lambda: self.open_dialog(record_id))

    def open_dialog(self, household_id: str | None = None) -> HouseholdDialog:
        dialog = HouseholdDialog(self.ctx, household_id, self, today=self.today)
        dialog.saved.connect(self._saved)
        dialog.open()
        self.dialog = dialog  # the last one opened
        return dialog

    def _saved(self, household_id: str) -> None:
        self.message.done(self.tr("已保存。"))
        self.select_record(household_id)


# -- the household form -------------------------------------------------------------------------


def household_record(ctx: AppContext, household_id: str) -> dict[str, Any] | None:
    return store.household_record(ctx.db, ctx.user.scope, household_id)


def household_members(ctx: AppContext, household_id: str) -> list[dict[str, Any]]:
    return store.household_members(ctx.db, ctx.user.scope, household_id)


class HouseholdDialog(SubsidyDialog):
    """New (``household_id`` None) or existing household. Emits ``saved(household_id)``."""

    saved = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        household_id: str | None = None,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ):
        record = household_record(ctx, household_id) if household_id else None
        title = "编辑家庭" if record else "登记家庭"
        super().__init__(
            ctx, QCoreApplication.translate("HouseholdDialog", title), parent, today=today
        )
        self.record = record
        self.head: dict[str, Any] | None = None
        self.members: list[dict[str, Any]] = []  # shown: existing (member_id) and new ones
        self.removed: list[str] = []  # member ids that leave the household

        self.head_edit = QLineEdit()
        self.head_edit.setPlaceholderText(self.tr("户主的18位身份证号（须已在人员名册中）"))
        self.head_edit.setMaxLength(24)
        self.head_edit.textChanged.connect(self._head_changed)
        self.head_info = QLabel()
        self.head_info.setObjectName("muted")
        self.head_info.hide()
        head_box = QWidget()
        head_column = QVBoxLayout(head_box)
        head_column.setContentsMargins(0, 0, 0, 0)
        head_column.setSpacing(2)
        head_column.addWidget(self.head_edit)
        head_column.addWidget(self.head_info)
        self.address_edit = QLineEdit()
        self.address_edit.setPlaceholderText(self.tr("如 幸福路18号（不公示）"))
        self.hukou = QComboBox()
        self.hukou.addItem(self.tr("（同户主）"), None)
        for choice in HUKOU:
            self.hukou.addItem(choice.label, choice.key)
        self.poor = QCheckBox(self.tr("是"))
        self.poor_since = QLineEdit()
        self.poor.toggled.connect(self.poor_since.setEnabled)
        self.poor_since.setPlaceholderText(self.tr("认定日期，如 2025-01-01"))
        self.poor_since.setEnabled(False)
        poor_box = QWidget()
        poor_row = QHBoxLayout(poor_box)
        poor_row.setContentsMargins(0, 0, 0, 0)
        poor_row.addWidget(self.poor)
        poor_row.addWidget(self.poor_since, 1)

        self.form.add("head", self.tr("户主"), head_box)
        self.form.fields["head"] = self.head_edit
        self.form.add("address", self.tr("住址"), self.address_edit)
        self.form.add("hukou", self.tr("户籍类型"), self.hukou)
        self.form.add("poor_since", self.tr("贫困计生户"), poor_box)
        self.form.fields["poor_since"] = self.poor_since

        self.member_model = ListModel(MEMBER_COLUMNS, self)
        self.member_view = table_for(self.member_model, {0: 70, 1: 160, 2: 90, 3: 92})
        self.member_view.setMinimumHeight(140)
        self.member_id_edit = QLineEdit()
        self.member_id_edit.setPlaceholderText(self.tr("成员身份证号"))
        self.member_relation = QComboBox()
        for choice in RELATIONS:
            if choice.key != "head":
                self.member_relation.addItem(choice.label, choice.key)
        self.add_member_button = QPushButton(self.tr("添加成员"))
        self.add_member_button.clicked.connect(self.add_member)
        self.member_id_edit.returnPressed.connect(self.add_member)
        self.remove_member_button = QPushButton(self.tr("移出"))
        self.remove_member_button.setToolTip(self.tr("选中的成员离开本户（记录离户日期，不删除）"))
        self.remove_member_button.clicked.connect(self.remove_member)
        self.member_error = error_label()
        add_row = QHBoxLayout()
        add_row.addWidget(self.member_id_edit, 1)
        add_row.addWidget(self.member_relation)
        add_row.addWidget(self.add_member_button)
        add_row.addWidget(self.remove_member_button)
        members_box = QGroupBox(self.tr("家庭成员"))
        members_layout = QVBoxLayout(members_box)
        members_layout.addWidget(self.member_view)
        members_layout.addLayout(add_row)
        members_layout.addWidget(self.member_error)

        if self.record is not None:
            self._load(self.record)
        self.finish(members_box, grow=members_box, width=560)
        self.head_edit.setFocus()

    # -- form behaviour ---------------------------------------------------------------------

    def _load(self, r: dict[str, Any]) -> None:
        self.head = {
            "person_id": r["head_person_id"],
            "name": r["head_name"],
            "community_id": r["community_id"],
        }
        self.head_edit.setPlaceholderText(mask_id(r["head_id_number"]))
        self.head_edit.setEnabled(False)
        self.head_edit.setToolTip(self.tr("户主不能在此更换：请为新户主另行登记"))
        self._show_head(r["head_name"], r["head_id_number"], r["community_id"])
        self.address_edit.setText(r["address"] or "")
        self.hukou.setCurrentIndex(max(self.hukou.findData(r["hukou"]), 0))
        self.poor.setChecked(bool(r["poor"]))
        self.poor_since.setText(r["poor_since"] or "")
        self.members = household_members(self.ctx, r["id"])
        self._show_members()

    def _show_head(self, name: str, number: str, community_id: str) -> None:
        community = self.ctx.tree.units.get(community_id)
        self.head_info.setText(
            fill(
                self.tr("%1 · %2 · %3"), name, mask_id(number), community.name if community else ""
            )
        )
        self.head_info.show()

    def _head_changed(self, text: str) -> None:
        number = normalize_id(text)
        self.head = None
        self.head_info.hide()
        if len(number) != 18:
            return
        found = person_with_id_number(self.ctx, number)
        if found is None:
            self.head_info.setText(self.tr("人员名册中没有这个身份证号，请先登记人员"))
            self.head_info.show()
        elif not found["in_scope"]:
            self.head_info.setText(self.tr("该人员不在您的管辖范围内"))
            self.head_info.show()
        else:
            self.head = found
            self._show_head(found["name"], number, found["community_id"])
        self.adjustSize()

    def _show_members(self) -> None:
        rows = [
            {**m, "state": self.tr("新增") if "member_id" not in m else ""} for m in self.members
        ]
        self.member_model.set_rows(rows, self.members)

    def add_member(self) -> None:
        self.member_error.hide()
        number = normalize_id(self.member_id_edit.text())
        found = person_with_id_number(self.ctx, number) if len(number) == 18 else None
        if found is None:
            message = self.tr("请填写已在人员名册中的18位身份证号")
        elif not found["in_scope"]:
            message = self.tr("该人员不在您的管辖范围内")
        elif any(m["person_id"] == found["person_id"] for m in self.members) or (
            self.head and self.head["person_id"] == found["person_id"]
        ):
            message = fill(self.tr("%1 已在本户中"), found["name"])
        else:
            self.members.append(
                {
                    "person_id": found["person_id"],
                    "name": found["name"],
                    "id_number": number,
                    "relation": self.member_relation.currentData(),
                    "joined_on": self.today.isoformat(),
                }
            )
            self._show_members()
            self.member_id_edit.clear()
            return
        self.member_error.setText(message)
        self.member_error.show()

    def remove_member(self) -> None:
        rows = self.member_view.selectionModel().selectedRows()
        if not rows:
            return
        member = self.members[rows[0].row()]
        if member.get("relation") == "head":
            self.member_error.setText(self.tr("户主不能移出本户"))
            self.member_error.show()
            return
        if "member_id" in member:
            self.removed.append(member["member_id"])
        self.members.remove(member)
        self._show_members()

    # -- writing ----------------------------------------------------------------------------

    def validate(self) -> dict[str, Any] | None:
        self.clear_messages()
        if self.head is None:
            self.form.set_error(
                "head",
                self.head_info.text()
                if self.head_info.isVisible()
                else self.tr("请填写户主的18位身份证号"),
            )
        since = None
        if self.poor.isChecked() and not self.poor_since.text().strip():
            self.form.set_error("poor_since", self.tr("贫困计生户须填写认定日期"))
        elif self.poor.isChecked():
            since = self.day("poor_since", self.poor_since, "认定日期")
        if self.form.has_errors() or self.head is None:
            return None
        return {
            "address": self.address_edit.text().strip() or None,
            "hukou": self.hukou.currentData(),
            "poor": int(self.poor.isChecked()),
            "poor_since": since,
        }

    def save(self) -> bool:
        values = self.validate()
        if values is None or self.head is None:
            return False
        door = self.ctx.door()
        try:
            with door.transaction():
                if self.record is None:
                    record = store.household_values(
                        self.ctx.db,
                        head_person_id=self.head["person_id"],
                        created_on=self.today.isoformat(),
                        **values,
                    )
                    household_id = door.insert("households", record)
                    door.insert(
                        "household_members",
                        store.member_values(
                            self.ctx.db,
                            household_id,
                            self.head["person_id"],
                            "head",
                            self.today.isoformat(),
                        ),
                    )
                else:
                    household_id = self.record["id"]
                    changes = {k: v for k, v in values.items() if k != "hukou" or v is not None}
                    changes = {k: v for k, v in changes.items() if self.record.get(k) != v}
                    if changes:
                        door.update("households", household_id, changes)
                    for member_id in self.removed:
                        door.update(
                            "household_members", member_id, {"left_on": self.today.isoformat()}
                        )
                for member in self.members:
                    if "member_id" not in member:
                        door.insert(
                            "household_members",
                            store.member_values(
                                self.ctx.db,
                                household_id,
                                member["person_id"],
                                member["relation"],
                                member["joined_on"],
                            ),
                        )
        except WRITE_ERRORS as exc:
            return self.refused(exc, HOUSEHOLD_FIELDS)
        self.ctx.hub.data_changed.emit("households")
        self.ctx.hub.data_changed.emit("household_members")
        self.saved.emit(household_id)
        return True
