"""The strip at the top of the 帮扶发放 tab: the current period's figures (ctx.period, switched in
the status bar) for the user's scope — per programme the people (or households) paid and the
amount, and the people confirmed in the period — with 各办事处… opening the per-office table."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.domain.money import format_yuan
from desktop.store import subsidy as store
from desktop.ui.context import AppContext
from desktop.ui.i18n import QT_TRANSLATE_NOOP, fill
from desktop.ui.subsidy.common import ListColumn, ListModel, table_for, yuan

OFFICE_COLUMNS = (
    ListColumn("office", QT_TRANSLATE_NOOP("columns", "办事处")),
    ListColumn("programme", QT_TRANSLATE_NOOP("columns", "项目")),
    ListColumn("people", QT_TRANSLATE_NOOP("columns", "人数"), lambda v: f"{v:,}", True),
    ListColumn("households", QT_TRANSLATE_NOOP("columns", "户数"), lambda v: f"{v:,}", True),
    ListColumn("payments", QT_TRANSLATE_NOOP("columns", "笔数"), lambda v: f"{v:,}", True),
    ListColumn("cash_fen", QT_TRANSLATE_NOOP("columns", "现金（元）"), yuan, True),
    ListColumn("goods_fen", QT_TRANSLATE_NOOP("columns", "慰问品（元）"), yuan, True),
    ListColumn("total_fen", QT_TRANSLATE_NOOP("columns", "合计（元）"), yuan, True),
)


class TotalsPanel(QWidget):
    """One line per programme for ``ctx.period``; the office table below it on demand."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.figure = QLabel()
        self.figure.setObjectName("figure")
        self.figure.setWordWrap(True)
        font = self.figure.font()
        font.setBold(True)
        self.figure.setFont(font)
        self.detail = QLabel()
        self.detail.setObjectName("muted")
        self.detail.setWordWrap(True)
        self.offices_button = QPushButton(self.tr("各办事处…"))
        self.offices_button.setCheckable(True)
        self.offices_button.setToolTip(self.tr("显示本期各办事处、各项目的发放合计"))
        self.offices_button.toggled.connect(self._toggle_offices)
        self.office_model = ListModel(OFFICE_COLUMNS, self)
        self.office_view = table_for(
            self.office_model,
            {0: 130, 1: 110, 2: 70, 3: 70, 4: 70, 5: 110, 6: 110, 7: 120},
            stretch_last=False,
        )
        self.office_view.setMaximumHeight(220)
        self.office_view.hide()

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.figure)
        text.addWidget(self.detail)
        top.addLayout(text, 1)
        top.addWidget(self.offices_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.office_view)

        ctx.hub.period_changed.connect(lambda _key: self.load())
        ctx.hub.data_changed.connect(self._data_changed)
        self.load()

    def _data_changed(self, table: str) -> None:
        if table in ("payments", "qualifications", "payment_batches"):
            self.load()

    def load(self) -> None:
        period, scope = self.ctx.period, self.ctx.user.scope
        totals = store.period_totals(self.ctx.db, period, scope)
        confirmed = store.confirmed_counts(self.ctx.db, period, scope)
        parts = []
        for t in totals:
            if t.code == "condolence" or t.households and not t.people:
                count = fill(self.tr("%1 户"), f"{t.households:,}")
            else:
                count = fill(self.tr("%1 人"), f"{t.people:,}")
            parts.append(fill(self.tr("%1 %2 %3 元"), t.name, count, format_yuan(t.total_fen)))
        self.figure.setText(
            fill(self.tr("本期（%1）%2帮扶发放："), period.label, self.ctx.scope_label())
            + ("；".join(parts) if any(t.payments for t in totals) else self.tr("尚无发放记录"))
        )
        names = {p.code: p.name for p in store.list_programmes(self.ctx.db)}
        confirmed_text = "，".join(
            fill(self.tr("%1 %2 名"), names.get(code, code), f"{n:,}")
            for code, n in confirmed.items()
        )
        self.detail.setText(
            fill(
                self.tr(
                    "本期确认资格：%1。按发放日期在 %2 至 %3 的已发、已补发记录统计；"
                    "失败退回未补发的不计，补发的只计一次。"
                ),
                confirmed_text or self.tr("无"),
                period.start,
                period.end,
            )
        )
        if self.office_view.isVisible():
            self.load_offices()

    def load_offices(self) -> None:
        rows = store.office_totals(self.ctx.db, self.ctx.period, self.ctx.user.scope)
        offices = {o.code: o.name for o in self.ctx.tree.offices()}
        shown: list[dict[str, Any]] = [
            {
                "office": offices.get(r.office, r.office),
                "programme": r.name,
                "people": r.people,
                "households": r.households,
                "payments": r.payments,
                "cash_fen": r.cash_fen,
                "goods_fen": r.goods_fen,
                "total_fen": r.total_fen,
            }
            for r in rows
        ]
        total = {
            "office": self.tr("合计"),
            "payments": sum(r.payments for r in rows),
            "cash_fen": sum(r.cash_fen for r in rows),
            "goods_fen": sum(r.goods_fen for r in rows),
            "total_fen": sum(r.total_fen for r in rows),
        }
        self.office_model.set_rows(shown, rows, total)

    def _toggle_offices(self, shown: bool) -> None:
        self.office_view.setVisible(shown)
        if shown:
            self.load_offices()
