"""市定目标: the city's target per headline indicator and year, on the 设置 tab. The quarterly
summary's indicator table and the trend charts read them; the district administrator keys them
(audited), everyone else sees them read-only."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import ValidationError
from desktop.domain.targets import COMPARATORS, TARGET_INDICATORS, YEARS
from desktop.store.errors import AccessDenied, StorageError
from desktop.store.targets import save_targets, targets_of_year
from desktop.ui.context import AppContext
from desktop.ui.forms import error_label
from desktop.ui.i18n import fill

UNIT_TEXT = {"‰": "‰", "%": "%", "": "（女 = 100）"}


class TargetsBox(QGroupBox):
    saved = Signal(int)  # the year

    COL_LABEL, COL_COMPARATOR, COL_TARGET, COL_UNIT = range(4)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("市定目标（季度汇总的指标表与趋势图表）"))
        self.ctx = ctx
        self.editable = ctx.user.is_admin and ctx.user.office is None
        self.year = QSpinBox()
        self.year.setRange(YEARS.start, YEARS.stop - 1)
        self.year.setValue(ctx.period.end.year)
        self.year.setSuffix(self.tr(" 年"))
        self.year.valueChanged.connect(self.load)
        self.copy_button = QPushButton(self.tr("沿用上一年"))
        self.copy_button.setToolTip(self.tr("把上一年的目标填入本年（保存后生效）"))
        self.copy_button.clicked.connect(self.copy_previous)

        self.table = QTableWidget(len(TARGET_INDICATORS), 4)
        self.table.setHorizontalHeaderLabels(
            [self.tr("指标"), self.tr("要求"), self.tr("目标"), self.tr("单位")]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.comparators: list[QComboBox] = []
        self.edits: list[QLineEdit] = []
        for row, indicator in enumerate(TARGET_INDICATORS):
            label = QTableWidgetItem(indicator.label)
            label.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, self.COL_LABEL, label)
            combo = QComboBox()
            for key, text in COMPARATORS.items():
                combo.addItem(text, key)
            combo.setEnabled(self.editable)
            self.table.setCellWidget(row, self.COL_COMPARATOR, combo)
            edit = QLineEdit()
            edit.setPlaceholderText(self.tr("不设目标"))
            edit.setReadOnly(not self.editable)
            edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            edit.returnPressed.connect(self.save)
            self.table.setCellWidget(row, self.COL_TARGET, edit)
            unit = QTableWidgetItem(UNIT_TEXT.get(indicator.unit, indicator.unit))
            unit.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, self.COL_UNIT, unit)
            self.comparators.append(combo)
            self.edits.append(edit)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(self.COL_LABEL, QHeaderView.ResizeMode.Stretch)
        for col in (self.COL_COMPARATOR, self.COL_TARGET, self.COL_UNIT):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(
            self.table.horizontalHeader().sizeHint().height()
            + sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
            + 4
        )

        self.save_button = QPushButton(self.tr("保存目标"))
        self.save_button.clicked.connect(self.save)
        self.error = error_label()
        self.message = QLabel()
        self.message.setObjectName("muted")
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("年度")))
        top.addWidget(self.year)
        top.addStretch(1)
        top.addWidget(self.copy_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table)
        layout.addWidget(self.error)
        layout.addLayout(bottom)
        for widget in (self.copy_button, self.save_button):
            widget.setVisible(self.editable)
        if not self.editable:
            self.message.setText(self.tr("市定目标由区管理员设置。"))
        self.load()

    def load(self) -> None:
        """Show the targets of the chosen year (an indicator without one shows its usual
        comparator and an empty target)."""
        self.fill(targets_of_year(self.ctx.db, self.year.value()))
        self.error.hide()

    def fill(self, targets: dict) -> None:
        for row, indicator in enumerate(TARGET_INDICATORS):
            found = targets.get(indicator.key)
            comparator = found[1] if found else indicator.comparator
            combo = self.comparators[row]
            combo.setCurrentIndex(max(0, combo.findData(comparator)))
            self.edits[row].setText(str(found[0]) if found else "")

    def copy_previous(self) -> None:
        previous = targets_of_year(self.ctx.db, self.year.value() - 1)
        if not previous:
            self.message.setText(fill(self.tr("%1 年没有设置目标。"), self.year.value() - 1))
            return
        self.fill(previous)
        self.message.setText(
            fill(self.tr("已填入 %1 年的目标，核对后请保存。"), self.year.value() - 1)
        )

    def values(self) -> dict[str, tuple[str, str]]:
        return {
            indicator.key: (self.edits[row].text(), str(self.comparators[row].currentData()))
            for row, indicator in enumerate(TARGET_INDICATORS)
        }

    def save(self) -> bool:
        if not self.editable:
            return False
        year = self.year.value()
        try:
            stored = save_targets(self.ctx.db, self.ctx.user, year, self.values())
        except ValidationError as exc:
            lines = []
            for p in exc.problems:
                where = TARGET_INDICATORS[p.row - 1].label if p.row else ""
                lines.append(f"{where}：{p.message}" if where else p.message)
                if p.row:
                    self.edits[p.row - 1].setFocus()
            self.error.setText("；".join(lines))
            self.error.show()
            return False
        except (AccessDenied, StorageError) as exc:
            self.error.setText(str(exc))
            self.error.show()
            return False
        self.error.hide()
        self.fill(stored)
        self.message.setText(fill(self.tr("已保存 %1 年的目标（%2 项）。"), year, len(stored)))
        self.ctx.hub.data_changed.emit("indicator_targets")
        self.saved.emit(year)
        return True
