"""新建 / 编辑康检活动: name, dates, the checks (查环 / 查孕 / 查病) and the communities in scope.

The schema keeps one ``campaigns`` row per office (the district's campaign is the same name and
dates in every office), so the dialog writes one row per office that has a community ticked: all
of an office's communities ticked store ``communities`` NULL (every community, including ones
added later), some of them store the list. A district administrator creates the campaign of every
office at once; an office user, their office's. All rows are written in one door transaction
(nothing half written); the door's rules (unique name per office, equal dates across offices,
existing check records inside the dates) come back as messages under the fields they name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.dates import parse_date
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.kangjian import CAMPAIGN_ITEMS
from desktop.store.door import WriteDoor
from desktop.store.kangjian import Campaign, CampaignKey
from desktop.store.kangjian_lookup import campaign_items, campaign_record_count
from desktop.store.orgs import OrgUnit
from desktop.ui.context import AppContext
from desktop.ui.forms import FormGrid, error_label, fit_dialog
from desktop.ui.i18n import fill
from desktop.ui.kangjian.common import (
    WRITE_ERRORS,
    CampaignChoice,
    communities_in_scope,
    error_text,
)

# Field names of the domain rules and the door's checks → the form's keys.
BY_LABEL = {
    "活动名称": "name",
    "开始日期": "start_date",
    "结束日期": "end_date",
    "检查项目": "items",
    "活动范围": "communities",
}
UNIT_ROLE = Qt.ItemDataRole.UserRole + 1  # the org unit id (office item: its code)


@dataclass(frozen=True)
class OfficeScope:
    """The communities ticked in one office: ``communities`` None means all of them."""

    office: str
    communities: tuple[str, ...] | None

    def stored(self) -> str | None:
        return None if self.communities is None else json.dumps(list(self.communities))


class CampaignDialog(QDialog):
    """New campaign (``choice`` None) or an existing one (every office's row of it in scope).
    Emits ``saved(CampaignKey)`` after writing."""

    saved = Signal(object)  # CampaignKey of the campaign as stored

    def __init__(
        self, ctx: AppContext, choice: CampaignChoice | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.choice = choice
        # offices whose campaign covers every community (kept so when the user sees only some)
        self._whole_offices = (
            {c.office for c in choice.campaigns if c.communities is None} if choice else set()
        )
        self.setWindowTitle(self.tr("编辑康检活动") if choice else self.tr("新建康检活动"))

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("如 2026年春季康检"))
        self.start_edit = QLineEdit()
        self.start_edit.setPlaceholderText(self.tr("如 2026-03-01"))
        self.end_edit = QLineEdit()
        self.end_edit.setPlaceholderText(self.tr("如 2026-03-31"))
        self.item_boxes: dict[str, QCheckBox] = {}
        items_box = QWidget()
        items_row = QHBoxLayout(items_box)
        items_row.setContentsMargins(0, 0, 0, 0)
        for item in CAMPAIGN_ITEMS:
            box = QCheckBox(item)
            box.setChecked(True)
            self.item_boxes[item] = box
            items_row.addWidget(box)
        items_row.addStretch(1)

        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setMinimumHeight(180)
        self.tree.setToolTip(self.tr("勾选参加本次活动的社区；勾选整个办事处即包括其全部社区"))
        self._fill_tree()

        self.form = FormGrid()
        self.form.add("name", self.tr("活动名称"), self.name_edit)
        self.form.add("start_date", self.tr("开始日期"), self.start_edit)
        self.form.add("end_date", self.tr("结束日期"), self.end_edit)
        self.form.add("items", self.tr("检查项目"), items_box)
        self.form.add("communities", self.tr("活动范围"), self.tree)
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
        if choice is not None:
            self._load(choice)
        fit_dialog(self, 460)

    # -- the communities tree ---------------------------------------------------------------

    def _fill_tree(self) -> None:
        offices: dict[str, list[OrgUnit]] = {}
        for unit in communities_in_scope(self.ctx):
            offices.setdefault(self.ctx.tree.office_of(unit.id) or "", []).append(unit)
        flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
        for office in self.ctx.tree.offices():
            units = offices.get(office.code or "")
            if not units:
                continue
            top = QTreeWidgetItem([office.name])
            top.setData(0, UNIT_ROLE, office.code)
            top.setFlags(flags | Qt.ItemFlag.ItemIsAutoTristate)
            self.tree.addTopLevelItem(top)
            for unit in units:
                child = QTreeWidgetItem([unit.name])
                child.setData(0, UNIT_ROLE, unit.id)
                child.setFlags(flags)
                child.setCheckState(
                    0, Qt.CheckState.Checked if self.choice is None else Qt.CheckState.Unchecked
                )
                top.addChild(child)
        self.tree.expandAll()

    def office_items(self) -> list[QTreeWidgetItem]:
        return [
            item
            for i in range(self.tree.topLevelItemCount())
            if (item := self.tree.topLevelItem(i)) is not None
        ]

    @staticmethod
    def items_of(top: QTreeWidgetItem) -> list[QTreeWidgetItem]:
        return [c for i in range(top.childCount()) if (c := top.child(i)) is not None]

    def community_item(self, unit_id: str) -> QTreeWidgetItem | None:
        for top in self.office_items():
            for child in self.items_of(top):
                if child.data(0, UNIT_ROLE) == unit_id:
                    return child
        return None

    def set_community_checked(self, unit_id: str, checked: bool) -> None:
        item = self.community_item(unit_id)
        if item is not None:
            item.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def scopes(self) -> list[OfficeScope]:
        """The offices with a community ticked, and which. An office whose communities are all
        ticked covers every community (NULL), also those added later; a user who sees only some
        of an office's communities keeps an office-wide campaign office-wide by leaving all
        they see ticked, and otherwise stores what they ticked."""
        found = []
        for top in self.office_items():
            children = self.items_of(top)
            ticked = tuple(
                str(c.data(0, UNIT_ROLE))
                for c in children
                if c.checkState(0) == Qt.CheckState.Checked
            )
            if not ticked:
                continue
            office = str(top.data(0, UNIT_ROLE))
            was_whole = office in self._whole_offices
            all_seen = len(ticked) == len(children)
            whole = all_seen and (
                was_whole or len(children) == len(self.ctx.tree.communities(office))
            )
            found.append(OfficeScope(office, None if whole else ticked))
        return found

    # -- values -----------------------------------------------------------------------------

    def _load(self, choice: CampaignChoice) -> None:
        self.name_edit.setText(choice.name)
        self.start_edit.setText(choice.start_date.isoformat())
        self.end_edit.setText(choice.end_date.isoformat())
        items = campaign_items(self.ctx.db, choice.campaigns[0].id)  # alike in every office
        for item, box in self.item_boxes.items():
            box.setChecked(item in items)
        for campaign in choice.campaigns:
            units = (
                campaign.communities
                if campaign.communities is not None
                else [c.id for c in self.ctx.tree.communities(campaign.office)]
            )
            for unit in units:
                self.set_community_checked(unit, True)

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name_edit.text().strip(),
            "start_date": self.start_edit.text().strip(),
            "end_date": self.end_edit.text().strip(),
            "items": [item for item, box in self.item_boxes.items() if box.isChecked()],
            "communities": self.scopes(),
        }

    def _set_error(self, key: str, text: str) -> None:
        previous = self.form.error_text(key)
        if text and text not in previous.split("\n"):
            self.form.set_error(key, f"{previous}\n{text}" if previous else text)

    def _clear_errors(self) -> None:
        self.form.clear_errors()
        self.general_error.hide()
        self.general_error.setText("")

    def error_of(self, key: str) -> str:
        return self.form.error_text(key)

    def _show_problems(self, problems: list[Problem]) -> None:
        general = []
        for p in problems:
            key = BY_LABEL.get(p.field)
            if key is None:
                general.append(f"{p.field}：{p.message}" if p.field else p.message)
            else:
                self._set_error(key, p.message)
        if general:
            self._general("\n".join(dict.fromkeys(general)))

    def _general(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.show()

    def validate(self) -> dict[str, Any] | None:
        """Check the fields, writing problems next to them; the campaign's values, or None."""
        self._clear_errors()
        v = self.values()
        if not v["name"]:
            self._set_error("name", self.tr("请填写活动名称"))
        days = {}
        for key in ("start_date", "end_date"):
            if not v[key]:
                self._set_error(key, self.tr("请填写日期"))
                continue
            try:
                days[key] = parse_date(v[key])
            except ValidationError as exc:
                self._set_error(key, exc.problems[0].message)
        start, end = days.get("start_date"), days.get("end_date")
        if start and end and end < start:
            self._set_error("end_date", fill(self.tr("结束日期早于开始日期 %1"), start.isoformat()))
        if not v["items"]:
            self._set_error("items", self.tr("至少选择一项：查环、查孕、查病"))
        if not v["communities"]:
            self._set_error("communities", self.tr("请至少勾选一个社区"))
        if self.form.has_errors() or start is None or end is None:
            return None
        return {
            "name": v["name"],
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "items": json.dumps(v["items"], ensure_ascii=False),
            "communities": v["communities"],
        }

    # -- writing ----------------------------------------------------------------------------

    def accept(self) -> None:
        values = self.validate()
        if values is None:
            return
        scopes: list[OfficeScope] = values.pop("communities")
        existing = {c.office: c for c in self.choice.campaigns} if self.choice else {}
        door = self.ctx.door()
        try:
            with door.transaction():
                for campaign in [
                    c
                    for o, c in existing.items()  # offices no longer ticked
                    if o not in {s.office for s in scopes}
                ]:
                    self._drop(door, campaign.id, campaign.office)
                    del existing[campaign.office]
                staged = self._stage_dates(door, values, existing)
                # the existing row not staged first: every later write then finds the final dates
                first = [o for o in existing if o not in staged]
                for scope in sorted(scopes, key=lambda s: s.office not in first):
                    row = {**values, "communities": scope.stored()}
                    try:
                        if scope.office in existing:
                            door.update("campaigns", existing[scope.office].id, row)
                        else:
                            door.insert("campaigns", {**row, "office": scope.office})
                    except ValidationError as exc:
                        raise self._in_office(exc, scope.office, len(scopes)) from exc
        except ValidationError as exc:
            self._show_problems(exc.problems)
            return
        except WRITE_ERRORS as exc:
            self._general(error_text(exc))
            return
        self.ctx.hub.data_changed.emit("campaigns")
        self.saved.emit(CampaignKey(values["name"], values["start_date"], values["end_date"]))
        super().accept()

    def _stage_dates(
        self, door: WriteDoor, values: dict[str, Any], existing: dict[str, Campaign]
    ) -> set[str]:
        """The door wants a name to have the same dates in every office after each write, so
        new dates for several offices' rows cannot be written one row after the other. The rows
        but one first take a working name (``名称·改期中``), in this same transaction; the loop
        that follows gives each its final values. Returns the offices so staged."""
        if (
            len(existing) < 2
            or self.choice is None
            or (
                values["start_date"] == self.choice.start_date.isoformat()
                and values["end_date"] == self.choice.end_date.isoformat()
            )
        ):
            return set()
        staged = set()
        for office, campaign in list(existing.items())[:-1]:
            try:
                door.update(
                    "campaigns",
                    campaign.id,
                    {
                        "name": f"{campaign.name}·改期中",
                        "start_date": values["start_date"],
                        "end_date": values["end_date"],
                    },
                )
            except ValidationError as exc:
                raise self._in_office(exc, office, len(existing)) from exc
            staged.add(office)
        return staged

    def _in_office(self, exc: ValidationError, office: str, offices: int) -> ValidationError:
        """The door speaks of 本办事处: with several offices, name the one it means."""
        unit = self.ctx.tree.office_by_code(office)
        if offices < 2 or unit is None:
            return exc
        return ValidationError(
            [replace(p, message=f"{unit.name}：{p.message}") for p in exc.problems]
        )

    def _drop(self, door: WriteDoor, campaign_id: str, office: str) -> None:
        """Take an office out of the campaign: refused while it holds check records or totals."""
        records = campaign_record_count(self.ctx.db, campaign_id)
        if records:
            unit = self.ctx.tree.office_by_code(office)
            raise ValidationError(
                [
                    Problem(
                        "活动范围",
                        fill(
                            self.tr("%1 已有 %2 条本次活动的记录，不能移出活动范围"),
                            unit.name if unit else office,
                            records,
                        ),
                    )
                ]
            )
        door.delete("campaigns", campaign_id)
