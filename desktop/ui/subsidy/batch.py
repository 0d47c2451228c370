"""发放批次: choose a programme, the covered period and the pay date; 生成方案 runs
``store.subsidy.propose_batch`` on a worker and shows the proposal — total, people, every payment
and who is left out and why; 审核通过并入账 (a reviewer or an administrator: the approver) writes
the batch and all its payments in one transaction on a worker with a progress bar and 取消 (the
door checks every payment again, the double-payment guard included: a refusal writes nothing and
is shown here). Below, the batches already written, each exportable as its 公示 and as the bank's
发放花名册."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
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

from desktop.domain.choices import ACCOUNT_TYPES, SUBSIDY_CATEGORY
from desktop.domain.errors import ValidationError
from desktop.domain.ids import mask_id
from desktop.domain.money import format_yuan, parse_yuan
from desktop.store import subsidy as store
from desktop.store.door import WriteDoor
from desktop.ui.context import AppContext
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.paged_model import mask_account
from desktop.ui.subsidy.common import (
    ListColumn,
    ListModel,
    Message,
    SubsidyModel,
    can_approve,
    fill_programmes,
    formatters_for,
    iso_day,
    label_of,
    problems_text,
    run_job,
    setup_list,
    table_for,
    yuan,
)

PROPOSAL_COLUMNS = (
    ListColumn("community", QT_TRANSLATE_NOOP("columns", "社区")),
    ListColumn("name", QT_TRANSLATE_NOOP("columns", "姓名")),
    ListColumn("id_number", QT_TRANSLATE_NOOP("columns", "身份证号"), mask_id),
    ListColumn(
        "category", QT_TRANSLATE_NOOP("columns", "类别"), lambda v: label_of(SUBSIDY_CATEGORY, v)
    ),
    ListColumn("covered", QT_TRANSLATE_NOOP("columns", "所属期间")),
    ListColumn("amount_fen", QT_TRANSLATE_NOOP("columns", "金额（元）"), yuan, True),
    ListColumn(
        "goods_fen",
        QT_TRANSLATE_NOOP("columns", "慰问品（元）"),
        lambda v: yuan(v) if v else "",
        True,
    ),
    ListColumn(
        "account_type",
        QT_TRANSLATE_NOOP("columns", "账户类型"),
        lambda v: label_of(ACCOUNT_TYPES, v),
    ),
    ListColumn("account_no", QT_TRANSLATE_NOOP("columns", "账号"), mask_account),
)
SKIPPED_COLUMNS = (
    ListColumn("name", QT_TRANSLATE_NOOP("columns", "姓名")),
    ListColumn("id_number", QT_TRANSLATE_NOOP("columns", "身份证号"), mask_id),
    ListColumn("reason", QT_TRANSLATE_NOOP("columns", "未纳入原因")),
)


def _get(item: Any, key: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(key, default)
    return getattr(item, key, default)


class BatchPage(QWidget):
    """Choose, propose, review, approve. ``committed(batch_id)`` after a batch was written."""

    committed = Signal(str)

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or date.today()
        self.batch: Any = None
        self.job: Any = None
        self.progress_dialog: Any = None
        self.last_batch_id: str | None = None

        self.programme = QComboBox()
        self.programmes = fill_programmes(ctx, self.programme)
        self.programme.currentIndexChanged.connect(self._inputs_changed)
        self.start_edit = QLineEdit(ctx.period.start.isoformat())
        self.end_edit = QLineEdit(ctx.period.end.isoformat())
        self.pay_edit = QLineEdit(self.today.isoformat())
        for edit in (self.start_edit, self.end_edit, self.pay_edit):
            edit.setMaximumWidth(110)
            edit.textEdited.connect(self._inputs_changed)
        self.goods_edit = QLineEdit()
        self.goods_edit.setMaximumWidth(80)
        self.goods_edit.setPlaceholderText(self.tr("0.00"))
        self.goods_edit.setToolTip(self.tr("每户慰问品的价值（元），只有现金则不填"))
        self.goods_desc = QLineEdit()
        self.goods_desc.setMaximumWidth(160)
        self.goods_desc.setPlaceholderText(self.tr("如 米、油各一份"))
        self.goods_label = QLabel(self.tr("慰问品（元/户）"))
        for edit in (self.goods_edit, self.goods_desc):
            edit.textEdited.connect(self._inputs_changed)
        self.propose_button = QPushButton(self.tr("生成方案"))
        self.propose_button.setDefault(True)
        self.propose_button.setToolTip(self.tr("按资格和执行中的标准生成本期发放名单（不写入）"))
        self.propose_button.clicked.connect(lambda: self.propose())
        self.commit_button = QPushButton(self.tr("审核通过并入账"))
        self.commit_button.setEnabled(False)
        self.commit_button.clicked.connect(lambda: self.commit())
        self.input_error = Message()
        self.summary = QLabel(
            self.tr(
                "选择项目和所属期间后点「生成方案」：按资格和执行中的标准逐人计算，"
                "资格在期间内开始或结束的按天折算。"
            )
        )
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.approval_note = QLabel()
        self.approval_note.setObjectName("muted")
        self.approval_note.setWordWrap(True)
        self.approval_note.hide()
        self.message = Message()

        self.proposal_model = ListModel(PROPOSAL_COLUMNS, self)
        self.proposal_view = table_for(
            self.proposal_model, {0: 90, 1: 70, 2: 160, 3: 70, 4: 190, 5: 100, 6: 100, 7: 80}
        )
        self.skipped_model = ListModel(SKIPPED_COLUMNS, self)
        self.skipped_view = table_for(self.skipped_model, {0: 70, 1: 160})
        self.skipped_label = QLabel(self.tr("未纳入的人员"))
        self.skipped_label.setObjectName("muted")

        self.batches = SubsidyModel(
            ctx,
            store.batches_query,
            formatters_for(store.KEY_COLUMNS),
            watch=("payments",),
            parent=self,
        )
        self.batches_view = setup_list(QTableView(), self.batches)
        self.batches_view.setMinimumHeight(130)
        self.batches_view.selectionModel().selectionChanged.connect(lambda *_: self._batch_chosen())
        self.batches.modelReset.connect(self._batch_chosen)
        self.posting_button = QPushButton(self.tr("导出公示…"))
        self.posting_button.setToolTip(
            self.tr("选中批次的发放公示：姓名部分隐去，不含身份证号、账号、住址")
        )
        self.posting_button.clicked.connect(lambda: self.open_posting_export())
        self.roster_button = QPushButton(self.tr("导出花名册…"))
        self.roster_button.setToolTip(
            self.tr("交银行的发放花名册：含完整账号和签名栏（导出记入审计日志）")
        )
        self.roster_button.clicked.connect(lambda: self.export_roster())
        for button in (self.posting_button, self.roster_button):
            button.setEnabled(False)

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(QLabel(self.tr("项目")))
        bar.addWidget(self.programme)
        bar.addSpacing(8)
        bar.addWidget(QLabel(self.tr("所属期间")))
        bar.addWidget(self.start_edit)
        bar.addWidget(QLabel(self.tr("至")))
        bar.addWidget(self.end_edit)
        bar.addSpacing(8)
        bar.addWidget(QLabel(self.tr("发放日期")))
        bar.addWidget(self.pay_edit)
        bar.addSpacing(8)
        bar.addWidget(self.goods_label)
        bar.addWidget(self.goods_edit)
        bar.addWidget(self.goods_desc)
        bar.addSpacing(8)
        bar.addWidget(self.propose_button)
        bar.addWidget(self.commit_button)
        bar.addStretch(1)

        skipped_box = QWidget()
        skipped_layout = QVBoxLayout(skipped_box)
        skipped_layout.setContentsMargins(0, 0, 0, 0)
        skipped_layout.addWidget(self.skipped_label)
        skipped_layout.addWidget(self.skipped_view, 1)
        proposal = QSplitter(Qt.Orientation.Vertical)
        proposal.addWidget(self.proposal_view)
        proposal.addWidget(skipped_box)
        proposal.setStretchFactor(0, 3)
        proposal.setStretchFactor(1, 2)
        proposal.setChildrenCollapsible(False)
        done = QGroupBox(self.tr("已入账批次"))
        lower = QVBoxLayout(done)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.posting_button)
        buttons.addWidget(self.roster_button)
        lower.addWidget(self.batches_view, 1)
        lower.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(proposal)
        split.addWidget(done)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(bar)
        layout.addWidget(self.input_error)
        layout.addWidget(self.summary)
        layout.addWidget(self.approval_note)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)
        self._inputs_changed()
        self._show_batch(None)

    # -- inputs -----------------------------------------------------------------------------

    def select(self, programme_id: str, start: str, end: str, pay_date: str | None = None) -> None:
        """Choose the programme and period as the clerk would."""
        self.programme.setCurrentIndex(max(self.programme.findData(programme_id), 0))
        self.start_edit.setText(start)
        self.end_edit.setText(end)
        if pay_date:
            self.pay_edit.setText(pay_date)
        self._inputs_changed()

    def _inputs_changed(self, *_: object) -> None:
        """A proposal belongs to its programme, period and date: a change discards it."""
        chosen = self.programme.currentData()
        household = any(p.per_household for p in self.programmes if p.id == chosen)
        for widget in (self.goods_label, self.goods_edit, self.goods_desc):
            widget.setVisible(household)
        if self.batch is not None:
            self._show_batch(None)

    def goods(self) -> tuple[int, str | None] | None:
        """The goods value per household (分) and description; None with the reason shown."""
        if self.goods_edit.isHidden():
            return 0, None
        text = self.goods_edit.text().strip()
        try:
            fen = parse_yuan(text) if text else 0
        except ValidationError as exc:
            self.input_error.error(fill(self.tr("慰问品价值：%1"), exc.problems[0].message))
            return None
        return fen, (self.goods_desc.text().strip() or None) if fen else None

    def inputs(self) -> tuple[str, str, str, str] | None:
        self.input_error.clear()
        programme_id = self.programme.currentData()
        try:
            start = iso_day(self.start_edit.text(), "期间开始")
            end = iso_day(self.end_edit.text(), "期间结束")
            pay = iso_day(self.pay_edit.text(), "发放日期")
        except ValidationError as exc:
            self.input_error.error(str(exc.problems[0]))
            return None
        if end < start:
            self.input_error.error(self.tr("所属期间的结束日期不能早于开始日期"))
            return None
        if programme_id is None:
            self.input_error.error(self.tr("请选择项目"))
            return None
        return programme_id, start, end, pay

    # -- propose ----------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self.job is not None and not self.job.done

    def propose(self) -> Any:
        chosen = self.inputs()
        if chosen is None or self.is_running():
            return None
        programme_id, start, end, pay = chosen
        goods = self.goods()
        if goods is None:
            return None
        goods_fen, goods_desc = goods
        user, scope = self.ctx.user, self.ctx.user.scope
        self._show_batch(None)
        self.message.clear()

        def work(db: Any, progress: Any, cancelled: Any) -> Any:
            progress(0, 0, "正在读取资格、标准和已有发放记录…")
            batch = store.propose_batch(
                db,
                programme_id,
                start,
                end,
                user,
                pay_date=pay,
                scope=scope,
                goods_fen=goods_fen,
                goods_desc=goods_desc,
            )
            return batch, store.batch_review(db, batch)

        job = self._start(work, self.tr("生成发放方案"), self.tr("正在生成发放方案…"))
        job.finished.connect(lambda result: self._show_batch(*result))
        return job

    def _start(self, work: Any, title: str, label: str) -> Any:
        self.propose_button.setEnabled(False)
        self.commit_button.setEnabled(False)
        self.job, self.progress_dialog = run_job(self, self.ctx, work, title, label)
        self.job.failed.connect(self._failed)
        self.job.cancelled.connect(lambda: self._failed(self.tr("已取消，数据库未作改动。")))
        self.job.crashed.connect(lambda _exc: self._idle())
        return self.job

    def _idle(self) -> None:
        self.propose_button.setEnabled(True)
        self._update_commit()

    def _failed(self, text: str) -> None:
        self._idle()
        self.message.error(text)

    def _show_batch(self, batch: Any, review: store.BatchReview | None = None) -> None:
        self.batch = batch
        self._idle()
        if batch is None:
            self.proposal_model.set_rows([])
            self.skipped_model.set_rows([])
            self.skipped_label.setText(self.tr("未纳入的人员"))
            self.approval_note.hide()
            return
        review = review or store.BatchReview()
        payments = list(_get(batch, "payments", []))
        rows = []
        for p in payments:
            who = review.person(_get(p, "person_id"))
            rows.append(
                {
                    "community": who.community,
                    "name": who.name,
                    "id_number": who.id_number,
                    "category": review.categories.get(str(_get(p, "qualification_id"))),
                    "covered": f"{_get(p, 'covered_start')} 至 {_get(p, 'covered_end')}",
                    "amount_fen": _get(p, "amount_fen", 0),
                    "goods_fen": _get(p, "goods_fen", 0),
                    "account_type": _get(p, "account_type"),
                    "account_no": _get(p, "account_no"),
                }
            )
        total_fen = int(_get(batch, "total_fen", 0) or 0)
        total = {
            "community": self.tr("合计"),
            "name": fill(
                self.tr("%1 户") if batch.programme.per_household else self.tr("%1 人"),
                f"{int(_get(batch, 'people', 0) or 0):,}",
            ),
            "amount_fen": sum(int(r["amount_fen"] or 0) for r in rows),
            "goods_fen": sum(int(r["goods_fen"] or 0) for r in rows),
        }
        self.proposal_model.set_rows(rows, payments, total)
        skipped = list(_get(batch, "skipped", []))
        shown = []
        for s in skipped:
            who = review.person(_get(s, "person_id"))
            shown.append(
                {
                    "name": _get(s, "name") or who.name,
                    "id_number": _get(s, "id_number") or who.id_number,
                    "reason": _get(s, "reason", ""),
                }
            )
        self.skipped_model.set_rows(shown, skipped, tooltips=[r["reason"] for r in shown])
        self.skipped_label.setText(
            fill(self.tr("未纳入 %1 人（原因见右列）"), f"{len(skipped):,}")
            if skipped
            else self.tr("没有未纳入的人员。")
        )
        self.summary.setText(
            fill(
                self.tr("%1 · 所属期间 %2 至 %3 · 发放日期 %4：拟发放 %5 笔，%6 %7，共计 %8 元。"),
                self.programme.currentText(),
                _get(batch, "covered_start", self.start_edit.text()),
                _get(batch, "covered_end", self.end_edit.text()),
                _get(batch, "pay_date", self.pay_edit.text()),
                f"{len(payments):,}",
                f"{int(_get(batch, 'people', 0) or 0):,}",
                self.tr("户") if batch.programme.per_household else self.tr("人"),
                format_yuan(total_fen),
            )
        )
        self._update_commit()

    def _update_commit(self) -> None:
        batch = self.batch
        allowed = can_approve(self.ctx.user)
        count = len(_get(batch, "payments", [])) if batch is not None else 0
        self.commit_button.setEnabled(bool(count) and allowed and not self.is_running())
        if batch is None:
            self.approval_note.hide()
            self.commit_button.setToolTip(self.tr("请先生成方案"))
            return
        if not count and not _get(batch, "skipped"):
            note = self.tr(
                "没有需要发放的人员：所属期间的年度没有资格记录，或本年度资格尚未确认"
                "（请在「资格」页确认本年度资格）。"
            )
        elif not count:
            note = self.tr("没有需要发放的人员（未纳入的原因见下表）。")
        elif not allowed:
            note = fill(
                self.tr(
                    "审核通过并入账须由审核员或管理员操作（您是%1）：请将此方案交本单位审核员审核。"
                ),
                self.ctx.user.role_label,
            )
        else:
            note = self.tr(
                "核对无误后点「审核通过并入账」：批次和全部发放记录在一个事务中写入，"
                "任何一笔被拒绝（如重复发放）则全部不写入。"
            )
        self.commit_button.setToolTip(note)
        self.approval_note.setText(note)
        self.approval_note.show()

    # -- commit -----------------------------------------------------------------------------

    def commit(self) -> Any:
        batch = self.batch
        if batch is None or not _get(batch, "payments") or self.is_running():
            return None
        if not can_approve(self.ctx.user):
            self._update_commit()
            return None
        user = self.ctx.user

        def work(db: Any, progress: Any, cancelled: Any) -> str | ValidationError:
            try:
                return str(store.commit_batch(WriteDoor(db, user), batch, progress, cancelled))
            except ValidationError as exc:  # refused by the door: nothing was written
                return exc

        job = self._start(
            work,
            self.tr("审核通过并入账"),
            fill(self.tr("正在写入 %1 笔发放记录…"), f"{len(_get(batch, 'payments', [])):,}"),
        )
        job.finished.connect(self._committed)
        return job

    def _committed(self, batch_id: str | ValidationError) -> None:
        if isinstance(batch_id, ValidationError):
            self._idle()
            self.message.error(
                self.tr("未写入任何记录：")
                + "\n"
                + problems_text(batch_id)
                + "\n"
                + self.tr("请重新生成方案（已发放的人员会自动排除）。")
            )
            return
        batch = self.batch
        self.batch = None
        self.last_batch_id = batch_id
        self._idle()
        self.approval_note.hide()
        self.commit_button.setEnabled(False)
        self.message.done(
            fill(
                self.tr("已入账：%1，%2 人，共计 %3 元。审核人 %4。可在下方导出公示和花名册。"),
                self.programme.currentText(),
                f"{int(_get(batch, 'people', 0) or 0):,}",
                format_yuan(int(_get(batch, "total_fen", 0) or 0)),
                self.ctx.user.display_name,
            )
        )
        self.ctx.hub.data_changed.emit("payments")
        self.ctx.hub.data_changed.emit("payment_batches")
        self.batches.refresh()
        row = self.batches.row_of(batch_id)
        if row is not None:
            self.batches_view.selectRow(row)
        self.committed.emit(batch_id)

    # -- the batches written, and their exports ---------------------------------------------

    def chosen_batch(self) -> str | None:
        rows = self.batches_view.selectionModel().selectedRows()
        return self.batches.record_id(rows[0].row()) if rows else None

    def _batch_chosen(self) -> None:
        chosen = self.chosen_batch() is not None
        self.posting_button.setEnabled(chosen)
        self.roster_button.setEnabled(chosen)

    def open_posting_export(self, batch_id: str | None = None) -> Any:
        from desktop.reports.posting import batch_posting
        from desktop.ui.subsidy.export import PostingExportDialog

        batch_id = batch_id or self.chosen_batch()
        if batch_id is None:
            return None
        scope = self.ctx.user.scope

        unit = self.ctx.scope_label()

        def make(db: Any, posted_from: str, posted_to: str, objection: str) -> Any:
            return batch_posting(
                db,
                batch_id,
                unit=unit,
                posted_from=posted_from,
                posted_to=posted_to,
                objection=objection,
                scope=scope,
            )

        dialog = PostingExportDialog(
            self.ctx,
            make,
            self.tr("发放公示"),
            self,
            today=self.today,
            detail={"batch_id": batch_id},
        )
        dialog.open()
        self.dialog = dialog  # the last one opened
        return dialog

    def export_roster(self, batch_id: str | None = None, target: str | None = None) -> Any:
        """发放花名册 of the chosen batch (full accounts: audited) on a worker."""
        from desktop.ui.subsidy.export import export_roster_file

        batch_id = batch_id or self.chosen_batch()
        if batch_id is None:
            return None
        job = export_roster_file(self, self.ctx, batch_id, target)
        if job is not None:
            self.roster_job = job
            job.finished.connect(
                lambda written: self.message.done(
                    fill(self.tr("已导出花名册到 %1（含完整账号，请妥善保管）"), written)
                )
            )
            job.failed.connect(lambda text: self.message.error(fill(self.tr("导出失败：%1"), text)))
        return job
