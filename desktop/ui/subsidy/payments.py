"""发放记录: the payments (paged; filters by programme, batch, status and the current period;
search by name, pinyin initials or ID tail), accounts masked (a reveal is audited), and the two
things that happen after a batch: 失败退回 (the bank sent it back — reason and date) and 补发
(paid again on the same row, perhaps to a new account: status 已补发, never a second payment).
Statuses change in place: the list re-reads the page after each."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QWidget,
)

from desktop.domain.choices import ACCOUNT_TYPES, PAYMENT_STATUS
from desktop.store import subsidy as store
from desktop.ui.context import AppContext
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.subsidy.common import (
    WRITE_ERRORS,
    ListPage,
    SubsidyDialog,
    fill_programmes,
)

RETURN_REASONS = (
    QT_TRANSLATE_NOOP("subsidy", "账户已销户"),
    QT_TRANSLATE_NOOP("subsidy", "户名与账号不符"),
    QT_TRANSLATE_NOOP("subsidy", "账户冻结"),
    QT_TRANSLATE_NOOP("subsidy", "本人死亡"),
)
RETURNABLE = ("paid", "repaid")  # what store.subsidy.mark_returned accepts


class PaymentsPage(ListPage):
    count_text = QT_TRANSLATE_NOOP("PaymentsPage", "共 %1 笔")

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None
    ):
        self.today = today or date.today()
        super().__init__(
            ctx,
            store.payments_query,
            self.tr("姓名 / 拼音首字母 / 身份证号后几位"),
            ("persons", "payment_batches"),
            parent,
        )
        self.programme = QComboBox()
        fill_programmes(ctx, self.programme, self.tr("全部项目"))
        self.batch = QComboBox()
        self.batch.setMinimumContentsLength(14)
        self.status = QComboBox()
        self.status.addItem(self.tr("全部状态"), None)
        for choice in PAYMENT_STATUS:
            self.status.addItem(choice.label, choice.key)
        self.this_period = QCheckBox()
        self.this_period.setToolTip(
            self.tr("只看发放日期在当前统计期间内的记录（状态栏可切换期间）")
        )
        self._period_label()
        self._fill_batches()
        for combo in (self.programme, self.batch, self.status):
            combo.currentIndexChanged.connect(self.apply_filter)
        self.programme.currentIndexChanged.connect(self._fill_batches)
        self.this_period.toggled.connect(self.apply_filter)
        self.bar.addSpacing(10)
        for widget in (self.programme, self.batch, self.status, self.this_period):
            self.bar.addWidget(widget)

        self.return_button = self.add_row_button(QPushButton(self.tr("失败退回…")))
        self.return_button.setToolTip(self.tr("银行退回的发放：记录原因和退回日期"))
        self.return_button.clicked.connect(lambda: self.open_return())
        self.repay_button = self.add_row_button(QPushButton(self.tr("补发…")))
        self.repay_button.setToolTip(self.tr("退回的发放重新发放（同一条记录，不重复计数）"))
        self.repay_button.clicked.connect(lambda: self.open_repay())
        self.finish_bar()

        for key in ("sex", "birth_date"):
            self.view.setColumnHidden(self.model.column_index(key), True)
        header = self.view.horizontalHeader()  # the status beside the name: it is what changes
        header.moveSection(
            header.visualIndex(self.model.column_index("payment_status")),
            header.visualIndex(self.model.column_index("id_number")) + 1,
        )
        ctx.hub.data_changed.connect(self._data_changed)
        ctx.hub.period_changed.connect(lambda _key: self._period_changed())

    # -- filters ----------------------------------------------------------------------------

    def _period_label(self) -> None:
        self.this_period.setText(fill(self.tr("仅本期（%1）"), self.ctx.period.label))

    def _period_changed(self) -> None:
        self._period_label()
        if self.this_period.isChecked():
            self.apply_filter()

    def _fill_batches(self, *_: object) -> None:
        from desktop.store.paged import PagedResult

        current = self.batch.currentData()
        query = store.batches_query(
            self.ctx.db, self.ctx.user.scope, programme_id=self.programme.currentData()
        )
        keys = [c.key for c in query.columns]
        result = PagedResult(self.ctx.db.conn, query)
        blocked = self.batch.blockSignals(True)
        self.batch.clear()
        self.batch.addItem(self.tr("全部批次"), None)
        for i in range(min(len(result), 500)):
            row = dict(zip(keys, result.row(i), strict=True))
            self.batch.addItem(str(row.get("batch_no") or row.get("id")), row.get("id"))
        index = self.batch.findData(current) if current is not None else -1
        self.batch.setCurrentIndex(index if index >= 0 else 0)
        self.batch.blockSignals(blocked)

    def select(
        self,
        programme_id: str | None = None,
        batch_id: str | None = None,
        status: str | None = None,
    ) -> None:
        blocked = self.programme.blockSignals(True)
        self.programme.setCurrentIndex(max(self.programme.findData(programme_id), 0))
        self.programme.blockSignals(blocked)
        self._fill_batches()
        for combo, key in ((self.batch, batch_id), (self.status, status)):
            blocked = combo.blockSignals(True)
            combo.setCurrentIndex(max(combo.findData(key), 0))
            combo.blockSignals(blocked)
        self.apply_filter()

    def filters(self) -> dict[str, Any]:
        return {
            "programme_id": self.programme.currentData(),
            "batch_id": self.batch.currentData(),
            "status": self.status.currentData(),
            "period": self.ctx.period if self.this_period.isChecked() else None,
            "search": self.search.text(),
        }

    def _data_changed(self, table: str) -> None:
        if table == "payment_batches":
            self._fill_batches()
        elif table == "payments":
            self._rows_changed()

    # -- rows ---------------------------------------------------------------------------------

    def current_status(self) -> str | None:
        record = self.current_id()
        row = self.model.row_of(record) if record else None
        return None if row is None else self.model.value(row, "payment_status")

    def row_action_allowed(self, button: QPushButton) -> bool:
        status = self.current_status()
        if button is self.return_button:
            return status in RETURNABLE
        if button is self.repay_button:
            return status == "returned"
        return True

    def row_actions(self, menu: QMenu, record_id: str) -> None:
        for button, act in (
            (self.return_button, self.open_return),
            (self.repay_button, self.open_repay),
        ):
            action = menu.addAction(button.text())
            action.setEnabled(button.isEnabled())
            action.triggered.connect(lambda _=False, a=act: a())

    # -- dialogs ----------------------------------------------------------------------------

    def open_return(self) -> ReturnDialog | None:
        record = self.current_id()
        if record is None:
            return None
        dialog = ReturnDialog(self.ctx, record, self, today=self.today)
        dialog.accepted.connect(lambda: self._after(record, self.tr("已标记为失败退回。")))
        dialog.open()
        self.dialog = dialog  # the last one opened
        return dialog

    def open_repay(self) -> RepayDialog | None:
        record = self.current_id()
        if record is None:
            return None
        dialog = RepayDialog(self.ctx, record, self, today=self.today)
        dialog.accepted.connect(lambda: self._after(record, self.tr("已补发。")))
        dialog.open()
        self.dialog = dialog  # the last one opened
        return dialog

    def _after(self, record_id: str, text: str) -> None:
        self.message.done(text)
        self.select_record(record_id)
        self._rows_changed()


class _PaymentDialog(SubsidyDialog):
    """A small form acting on one payment; subclasses add fields and :meth:`act`."""

    title = ""

    def __init__(
        self,
        ctx: AppContext,
        payment_id: str,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ):
        super().__init__(
            ctx,
            QCoreApplication.translate(type(self).__name__, self.title),
            parent,
            ok_text=QCoreApplication.translate("PaymentsPage", "确定"),
            today=today,
        )
        self.payment_id = payment_id
        self.day_edit = QLineEdit(self.today.isoformat())
        self.add_fields()
        self.finish(width=400)

    def add_fields(self) -> None:
        raise NotImplementedError

    def act(self, day: str) -> bool:
        raise NotImplementedError

    def save(self) -> bool:
        self.clear_messages()
        day = self.day("day", self.day_edit, "日期")
        if day is None:
            return False
        try:
            if not self.act(day):
                return False
        except WRITE_ERRORS as exc:
            return self.refused(exc)
        self.ctx.hub.data_changed.emit("payments")
        return True


class ReturnDialog(_PaymentDialog):
    title = QT_TRANSLATE_NOOP("ReturnDialog", "失败退回")

    def add_fields(self) -> None:
        self.reason = QComboBox()
        self.reason.setEditable(True)
        for text in RETURN_REASONS:
            self.reason.addItem(self.tr(text))
        self.form.add("reason", self.tr("退回原因"), self.reason)
        self.form.add("day", self.tr("退回日期"), self.day_edit)

    def act(self, day: str) -> bool:
        reason = self.reason.currentText().strip()
        if not reason:
            self.form.set_error("reason", self.tr("请填写退回原因"))
            return False
        store.mark_returned(self.ctx.door(), self.payment_id, reason, day)
        return True


class RepayDialog(_PaymentDialog):
    title = QT_TRANSLATE_NOOP("RepayDialog", "补发")

    def add_fields(self) -> None:
        self.account_type = QComboBox()
        self.account_type.addItem(self.tr("（账户不变）"), None)
        for choice in ACCOUNT_TYPES:
            self.account_type.addItem(choice.label, choice.key)
        self.account_edit = QLineEdit()
        self.account_edit.setPlaceholderText(self.tr("新账号；账户不变则不填"))
        self.form.add("day", self.tr("补发日期"), self.day_edit)
        self.form.add("account_type", self.tr("账户类型"), self.account_type)
        self.form.add("account_no", self.tr("账号"), self.account_edit)
        note = QLabel(self.tr("补发在原记录上登记（状态改为已补发），不会重复计入发放人数和金额。"))
        note.setObjectName("muted")
        note.setWordWrap(True)
        self.form.add_widget(note)

    def act(self, day: str) -> bool:
        number = "".join(self.account_edit.text().split())
        kind = self.account_type.currentData()
        if number and kind is None:
            self.form.set_error("account_type", self.tr("填了新账号，请选择账户类型"))
            return False
        if number and not number.isdigit():
            self.form.set_error("account_no", self.tr("账号只能是数字"))
            return False
        store.repay(
            self.ctx.door(), self.payment_id, day, account_type=kind, account_no=number or None
        )
        return True
