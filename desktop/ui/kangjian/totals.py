"""汇总: the campaign's progress per community (+ 合计) from the roster and the check records,
beside the totals keyed directly by offices that keep no roster in the app. Where both exist and
disagree the row is marked and both figures are shown — never silently resolved.

The keyed totals are entered per community in a small form (应检, 实检, the unchecked by reason)
whose identity 未检 = 应检 − 实检 = Σ reasons is checked as the clerk types.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.choices import UNCHECKED_REASON
from desktop.domain.kangjian import REASON_COLUMNS, totals_problems
from desktop.store.kangjian import progress_summary
from desktop.store.kangjian_lookup import totals_record
from desktop.ui.context import AppContext
from desktop.ui.forms import FormGrid, error_label
from desktop.ui.i18n import fill
from desktop.ui.kangjian.common import (
    WRITE_ERRORS,
    CampaignChoice,
    campaign_communities,
    error_text,
    fill_communities,
)
from desktop.ui.kangjian.progress import BusyBar, ProgressModel, rate_text

MAX_COUNT = 9_999_999


def _spin() -> QSpinBox:
    box = QSpinBox()
    box.setRange(0, MAX_COUNT)
    box.setGroupSeparatorShown(True)
    box.setAlignment(Qt.AlignmentFlag.AlignRight)
    box.setMinimumWidth(110)
    return box


class KeyedTotalsDialog(QDialog):
    """应检 / 实检 / 未检原因 of one community in the campaign, keyed directly."""

    saved = Signal(str)  # community id

    def __init__(self, ctx: AppContext, choice: CampaignChoice, community_id: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.choice = choice
        self.existing: dict[str, Any] | None = None
        self.setWindowTitle(self.tr("录入社区汇总数"))

        self.community = QComboBox()
        fill_communities(ctx, self.community, None, campaign_communities(ctx, choice))
        if community_id is not None and self.community.findData(community_id) >= 0:
            self.community.setCurrentIndex(self.community.findData(community_id))
        self.community.currentIndexChanged.connect(self._load)
        self.eligible = _spin()
        self.checked = _spin()
        self.reasons = {key: _spin() for key in REASON_COLUMNS}
        self.identity = QLabel()
        self.identity.setWordWrap(True)

        self.form = FormGrid()
        self.form.add("community", self.tr("社区"), self.community)
        self.form.add("eligible", self.tr("应检人数"), self.eligible)
        self.form.add("checked", self.tr("实检人数"), self.checked)
        for key, box in self.reasons.items():
            self.form.add(key, fill(self.tr("未检：%1"), UNCHECKED_REASON.label(key)), box)
        self.form.add_widget(self.identity)
        for box in (self.eligible, self.checked, *self.reasons.values()):
            box.valueChanged.connect(self._update_identity)

        self.general_error = error_label()
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(self.tr("保存"),
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        note = QLabel(fill(self.tr("%1。应检 ≥ 实检；未检人数 = 应检 − 实检，应等于各原因人数之和。"),
                           choice.label))
        note.setObjectName("muted")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
        self._load()

    def community_id(self) -> str | None:
        return self.community.currentData()

    def campaign_id(self) -> str | None:
        community = self.community_id()
        campaign = self.choice.for_office(self.ctx.tree.office_of(community))
        return campaign.id if campaign else None

    def _load(self, *_: object) -> None:
        community, campaign = self.community_id(), self.campaign_id()
        self.existing = (totals_record(self.ctx.db, self.ctx.user.scope, campaign, community)
                         if community and campaign else None)
        found = self.existing or {}
        self.eligible.setValue(int(found.get("eligible") or 0))
        self.checked.setValue(int(found.get("checked") or 0))
        for key, column in REASON_COLUMNS.items():
            self.reasons[key].setValue(int(found.get(column) or 0))
        self.form.clear_errors()
        self._update_identity()

    def values(self) -> dict[str, int]:
        return {"eligible": self.eligible.value(), "checked": self.checked.value(),
                **{column: self.reasons[key].value() for key, column in REASON_COLUMNS.items()}}

    def _update_identity(self, *_: object) -> None:
        v = self.values()
        unchecked = v["eligible"] - v["checked"]
        listed = sum(v[c] for c in REASON_COLUMNS.values())
        good = unchecked >= 0 and unchecked == listed
        self.identity.setText(fill(self.tr("未检 = 应检 %1 − 实检 %2 = %3；各原因合计 %4 %5"),
                                   v["eligible"], v["checked"], unchecked, listed,
                                   "✓" if good else "≠"))
        self.identity.setStyleSheet("color: #1b5e20;" if good else "color: #b71c1c;")

    def validate(self) -> bool:
        self.form.clear_errors()
        self.general_error.hide()
        v = self.values()
        if not self.community_id():
            self.form.set_error("community", self.tr("请选择社区"))
        reasons = {key: v[column] for key, column in REASON_COLUMNS.items()}
        by_field = {"实检人数": "checked", "应检人数": "eligible"}
        last_reason = list(REASON_COLUMNS)[-1]
        for p in totals_problems(v["eligible"], v["checked"], reasons):
            self.form.set_error(by_field.get(p.field, last_reason), p.message)
        return not self.form.has_errors()

    def accept(self) -> None:
        if not self.validate():
            return
        community, campaign_id = self.community_id(), self.campaign_id()
        campaign = self.choice.for_office(self.ctx.tree.office_of(community))
        assert community and campaign_id and campaign
        door = self.ctx.door()
        try:
            if self.existing:
                door.update("campaign_totals", self.existing["id"], self.values())
            else:
                door.insert("campaign_totals", {
                    "campaign_id": campaign_id, "community_id": community,
                    "record_date": campaign.end_date.isoformat(), **self.values()})
        except WRITE_ERRORS as exc:
            self.general_error.setText(error_text(exc))
            self.general_error.show()
            return
        self.ctx.hub.data_changed.emit("campaign_totals")
        self.saved.emit(community)
        super().accept()


class TotalsPage(QWidget):
    """The detailed progress table, with 录入汇总数… for offices without a roster."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.choice: CampaignChoice | None = None
        self._stale = False

        self.summary = QLabel()
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.note = QLabel(self.tr("应检、实检按名册和康检记录计算（SQL 汇总）。未用名册的办事处可按社区"
                                   "录入汇总数；两者都有且不一致的社区以黄色标出，不自动取舍。"))
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.keyed_button = QPushButton(self.tr("录入汇总数…"))
        self.keyed_button.setToolTip(self.tr("为未用名册登记的社区录入应检、实检和未检原因"))
        self.keyed_button.clicked.connect(lambda: self.open_keyed())

        self.model = ProgressModel(ctx, detailed=True, parent=self)
        self.model.loaded.connect(self._loaded)
        self.model.failed.connect(self.summary.setText)
        self.busy = BusyBar(self.model)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        hh = self.view.horizontalHeader()
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        hh.setHighlightSections(False)
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setStretchLastSection(True)
        self.view.doubleClicked.connect(self._double_clicked)

        bar = QHBoxLayout()
        bar.addWidget(self.summary)
        bar.addStretch(1)
        bar.addWidget(self.keyed_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(bar)
        layout.addWidget(self.note)
        layout.addWidget(self.busy)
        layout.addWidget(self.view, 1)
        ctx.hub.data_changed.connect(self._data_changed)

    def set_campaign(self, choice: CampaignChoice | None) -> None:
        self.choice = choice
        self.reload()

    def reload(self) -> None:
        """Read the progress again on a worker; :meth:`_loaded` shows it when it arrives."""
        self._stale = False
        self.keyed_button.setEnabled(self.choice is not None)
        self.model.load_later(self.choice)
        if self.model.busy and not self.model.rows:
            self.summary.setText(self.tr("正在统计…"))

    def _loaded(self) -> None:
        keyed = any(r.keyed is not None for r in self.model.rows)
        for col, key in enumerate(self.model.keys):
            if key.startswith("keyed_") or key == "difference":
                self.view.setColumnHidden(col, not keyed)
        if self.choice is None or not self.model.rows:
            self.summary.setText(self.tr("没有可汇总的社区。") if self.choice else "")
            return
        total = self.model.total()
        differing = sum(1 for r in self.model.rows if r.difference)
        text = fill(self.tr("合计：应检 %1 人，实检 %2 人，康检率 %3，未检 %4 人"),
                    f"{total.eligible:,}", f"{total.checked:,}", rate_text(total.rate),
                    f"{total.unchecked:,}")
        keyed_only = [r for r in self.model.rows if r.keyed is not None and not r.has_records]
        if keyed_only:
            # communities without a roster report their keyed totals: say what that makes
            reported = progress_summary(self.model.rows).reported
            text += fill(self.tr("　｜　含 %1 个仅有汇总数的社区：应检 %2 人，实检 %3 人，康检率 %4"),
                         len(keyed_only), f"{reported.eligible:,}", f"{reported.checked:,}",
                         rate_text(reported.rate))
        if differing:
            text += fill(self.tr("　｜　%1 个社区的明细与汇总数不一致"), differing)
        self.summary.setText(text)

    def _data_changed(self, table: str) -> None:
        if table in ("checks", "women", "persons", "campaigns", "campaign_totals"):
            if self.isVisible():
                self.reload()
            else:
                self._stale = True  # read again when shown

    def showEvent(self, event: QShowEvent) -> None:
        if self._stale:
            self.reload()
        super().showEvent(event)

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.isValid() and not self.model.is_total(index.row()):
            self.open_keyed(self.model.rows[index.row()].community_id)

    def open_keyed(self, community_id: str | None = None) -> KeyedTotalsDialog | None:
        if self.choice is None:
            return None
        dialog = KeyedTotalsDialog(self.ctx, self.choice, community_id, self)
        dialog.open()
        return dialog
