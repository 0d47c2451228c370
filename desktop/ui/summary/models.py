"""Table models of the 季度汇总 tab, all over plain results the reports layer computed on a worker:

- :func:`figures_model_rows` → :class:`ListModel` rows: one per figure (FIGURES order), columns
  计量单位, the scope's 合计, 上期 / 增减, 去年同期 / 增减, then one column per unit;
- :func:`indicator_rows`: one per indicator with its target, comparator, 达标 and margin;
- :class:`GridModel`: office × quarter, the status and record count in each cell, coloured by
  status, the detail (per programme) as the tool tip;
- :func:`issue_rows`: the quality issues.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from desktop.domain.rates import format_rate
from desktop.reports.quality import Grid, Issue
from desktop.reports.summary import FIGURES, Change, Summary, format_value
from desktop.ui.exemption.common import ListColumn
from desktop.ui.i18n import QT_TRANSLATE_NOOP

Index = QModelIndex | QPersistentModelIndex


def _delta_text(key: str, change: Change | None) -> str:
    if change is None or change.delta is None:
        return "—"
    delta = change.delta
    sign = "+" if delta > 0 else ""
    text = f"{sign}{format_value(key, delta)}"
    if change.percent is not None:
        text += f"（{sign}{change.percent}%）"
    return text


def figure_columns(s: Summary) -> list[ListColumn]:
    columns = [
        ListColumn("label", QT_TRANSLATE_NOOP("columns", "项目")),
        ListColumn("unit", QT_TRANSLATE_NOOP("columns", "单位")),
        ListColumn("total", s.scope_name + "合计", numeric=True),
        ListColumn("previous", QT_TRANSLATE_NOOP("columns", "上期"), numeric=True),
        ListColumn("previous_delta", QT_TRANSLATE_NOOP("columns", "比上期增减"), numeric=True),
        ListColumn("last_year", QT_TRANSLATE_NOOP("columns", "去年同期"), numeric=True),
        ListColumn("last_year_delta", QT_TRANSLATE_NOOP("columns", "比同期增减"), numeric=True),
    ]
    if len(s.units) > 1 or (s.units and s.units[0].id != s.unit.id):
        columns += [ListColumn(u.id, u.name, numeric=True) for u in s.units]
    return columns


def figure_rows(s: Summary) -> list[dict[str, Any]]:
    """Display texts of the figures table (the raw values stay in the summary)."""
    rows = []
    for f in FIGURES:
        previous, last_year = s.change(f.key)
        row: dict[str, Any] = {
            "key": f.key,
            "label": f.label,
            "unit": f.shown_unit,
            "total": format_value(f.key, s.total[f.key]),
            "previous": format_value(f.key, previous.earlier) if previous else "—",
            "previous_delta": _delta_text(f.key, previous),
            "last_year": format_value(f.key, last_year.earlier) if last_year else "—",
            "last_year_delta": _delta_text(f.key, last_year),
        }
        for u in s.units:
            row[u.id] = format_value(f.key, s.row(u.id)[f.key])
        rows.append(row)
    return rows


INDICATOR_COLUMNS = (
    ListColumn("label", QT_TRANSLATE_NOOP("columns", "指标")),
    ListColumn("value", QT_TRANSLATE_NOOP("columns", "本期"), numeric=True),
    ListColumn("target", QT_TRANSLATE_NOOP("columns", "市定目标"), numeric=True),
    ListColumn("comparator", QT_TRANSLATE_NOOP("columns", "要求")),
    ListColumn("met", QT_TRANSLATE_NOOP("columns", "是否达标")),
    ListColumn("margin", QT_TRANSLATE_NOOP("columns", "与目标差距"), numeric=True),
    ListColumn("previous", QT_TRANSLATE_NOOP("columns", "上期"), numeric=True),
    ListColumn("last_year", QT_TRANSLATE_NOOP("columns", "去年同期"), numeric=True),
    ListColumn("numerator", QT_TRANSLATE_NOOP("columns", "分子"), numeric=True),
    ListColumn("denominator", QT_TRANSLATE_NOOP("columns", "分母"), numeric=True),
)


def indicator_rows(s: Summary) -> list[dict[str, Any]]:
    rows = []
    for r in s.indicators:
        ind = r.indicator
        rows.append(
            {
                "key": ind.key,
                "label": ind.label,
                "value": ind.text,
                "target": format_rate(ind.target, ind.unit) if ind.target is not None else "—",
                "comparator": {"<=": "不高于", ">=": "不低于"}.get(ind.comparator or "", ""),
                "met": "" if ind.met is None else ("达标" if ind.met else "未达标"),
                "margin": format_rate(ind.margin, ind.unit) if ind.margin is not None else "—",
                "previous": format_rate(r.previous, ind.unit),
                "last_year": format_rate(r.last_year, ind.unit),
                "numerator": str(ind.numerator),
                "denominator": str(ind.denominator),
            }
        )
    return rows


ISSUE_COLUMNS = (
    ListColumn("kind", QT_TRANSLATE_NOOP("columns", "类别")),
    ListColumn("unit", QT_TRANSLATE_NOOP("columns", "单位")),
    ListColumn("figure", QT_TRANSLATE_NOOP("columns", "项目")),
    ListColumn("message", QT_TRANSLATE_NOOP("columns", "问题")),
)


def issue_rows(issues: list[Issue]) -> list[dict[str, Any]]:
    return [
        {"kind": i.kind_label, "unit": i.unit, "figure": i.figure, "message": i.message}
        for i in issues
    ]


STATUS_COLOURS = {
    "approved": QColor("#dff0d8"),
    "submitted": QColor("#e3ecf9"),
    "returned": QColor("#f9e0dc"),
    "draft": QColor("#fcf4dc"),
}


class GridModel(QAbstractTableModel):
    """Offices down, quarters across (oldest first); each cell 'status · N 条'."""

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.grid: Grid | None = None

    def set_grid(self, grid: Grid) -> None:
        self.beginResetModel()
        self.grid = grid
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.grid is None else len(self.grid.offices)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.grid is None else len(self.grid.periods)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or self.grid is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.grid.periods[section].label
        return self.grid.offices[section][1]

    def cell_at(self, index: Index) -> Any:
        assert self.grid is not None
        code = self.grid.offices[index.row()][0]
        return self.grid.cell(code, self.grid.periods[index.column()].key)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.grid is None:
            return None
        cell = self.cell_at(index)
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                QCoreApplication.translate("summary", "%1 · %2 条")
                .replace("%1", cell.status_label)
                .replace("%2", f"{cell.records:,}")
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell.detail
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = STATUS_COLOURS.get(cell.status)
            return QBrush(colour) if colour and cell.records else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None
