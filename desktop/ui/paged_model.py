"""``PagedTableModel``: a Qt table model over :mod:`desktop.store.paged`.

Filtering and sorting happen in SQL; rows are fetched a page at a time as the view scrolls, so a
table of a million rows costs no more than a screenful. Every query is limited to records that are
not deleted and lie in the signed-in user's scope. Sensitive columns (``Column.sensitive``) are
masked unless the user revealed that one value through :meth:`AppContext.reveal`, which audits it.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from desktop.domain.ids import mask_id
from desktop.domain.phones import mask_phone
from desktop.store.db import connect
from desktop.store.paged import Column, PagedResult, Query
from desktop.ui.context import AppContext
from desktop.ui.workers import Job, run_in_background

RAW_ROLE = Qt.ItemDataRole.UserRole + 1  # the stored value (masked text while still masked)
RECORD_ID_ROLE = Qt.ItemDataRole.UserRole + 2  # the record's UUID

REST_CACHE_KIB = 128 * 1024  # the worker's page cache: 1.1 M ordered rowids 15 s → 7 s
REST_FETCH = 50_000

KEY_COLUMN = Column("_record_id", "", "t.id", sortable=False)

Index = QModelIndex | QPersistentModelIndex
Formatter = Callable[[Any], str]


def mask_account(value: str | None) -> str:
    text = str(value or "")
    return "****" + text[-4:] if len(text) > 4 else "*" * len(text)


MASKERS: dict[str, Formatter] = {"id": mask_id, "phone": mask_phone, "account": mask_account}


class PagedTableModel(QAbstractTableModel):
    """Rows of ``table`` (alias ``t``) in the user's scope, shown through ``columns``.

    ``formatters`` maps a column key to a function giving the display text of its raw value.
    ``base_where``/``base_params`` hold conditions that always apply (besides scope and the
    deletion mark); :meth:`set_filter` sets the ones that follow the search box.
    """

    count_changed = Signal(int)
    rest_started = Signal()  # a far jump: the rest of the order is being read on a worker
    rest_loaded = Signal()  # the rowids behind a far jump arrived from the worker

    PENDING = "…"  # a row shown before its place in the order is known (a far jump)

    def __init__(
        self,
        ctx: AppContext,
        table: str,
        columns: Sequence[Column],
        *,
        formatters: Mapping[str, Formatter] | None = None,
        base_where: Sequence[str] = (),
        base_params: Sequence[Any] = (),
        order: Sequence[tuple[str, bool]] = (),
        community_column: str | None = "t.community_id",
        parent: Any = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.table = table
        self.columns: list[Column] = list(columns)
        self.formatters = dict(formatters or {})
        scope_sql, scope_params = ctx.user.scope.sql("t.office", community_column)
        self._base_where = ["t.deleted = 0", scope_sql, *base_where]
        self._base_params: list[Any] = [*scope_params, *base_params]
        self._filter_where: list[str] = []
        self._filter_params: list[Any] = []
        self._order: list[tuple[str, bool]] = list(order)
        self._revealed: set[tuple[str, str]] = set()
        self._rest_for: PagedResult | None = None  # the result whose rest a worker is reading
        self._rest_job: Job | None = None
        self.result = self._run()
        ctx.hub.data_changed.connect(self._on_data_changed)

    # -- querying ---------------------------------------------------------------------------

    def query(self) -> Query:
        return Query(
            table=self.table,
            columns=[KEY_COLUMN, *self.columns],
            where=[*self._base_where, *self._filter_where],
            params=[*self._base_params, *self._filter_params],
            order=list(self._order),
        )

    def _run(self) -> PagedResult:
        return PagedResult(self.ctx.db.conn, self.query())

    def _reset(self) -> None:
        if self._rest_job is not None:  # a new filter or order: the old order is not wanted
            self._rest_job.cancel()
            self._rest_job = None
        self.beginResetModel()
        self.result = self._run()
        self.endResetModel()
        self.count_changed.emit(len(self.result))

    def refresh(self) -> None:
        """Read the rows again (after a change); revealed values stay revealed."""
        self._reset()

    def set_filter(self, where: Sequence[str], params: Sequence[Any]) -> None:
        """Replace the search conditions (SQL fragments over alias ``t``, ANDed together)."""
        self._filter_where = list(where)
        self._filter_params = list(params)
        self._reset()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns) or not self.columns[column].sortable:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        new_order = [(self.columns[column].key, descending)]
        if new_order == self._order:
            return  # e.g. the view enabling sorting on the order the model already has
        self._order = new_order
        self._reset()

    def _on_data_changed(self, table: str) -> None:
        if table == self.table:
            self.refresh()

    # -- Qt model API -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.result)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(self.columns):
                return QCoreApplication.translate("columns", self.columns[section].label)
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.result):
            return None
        if not self.result.ready(index.row()):
            # A far jump (the scroll bar dragged): the order is walked on a worker, the rows
            # show as pending meanwhile instead of the window freezing for seconds.
            self.read_rest()
            if role != Qt.ItemDataRole.DisplayRole:
                return None
            return self.PENDING if index.column() == 0 else ""
        column = self.columns[index.column()]
        if role in (
            Qt.ItemDataRole.DisplayRole,
            RAW_ROLE,
            RECORD_ID_ROLE,
            Qt.ItemDataRole.ToolTipRole,
        ):
            row = self.result.row(index.row())
            record_id, raw = row[0], row[index.column() + 1]
            if role == RECORD_ID_ROLE:
                return record_id
            masked = self._is_masked(record_id, column)
            if role == Qt.ItemDataRole.ToolTipRole:
                if masked and raw:
                    return (
                        self.tr("右键选择“显示完整信息”查看（将记入审计日志）")
                        if self.ctx.user.can_reveal
                        else self.tr("已隐藏：您没有查看完整敏感信息的权限")
                    )
                return None
            if masked:
                return MASKERS[column.sensitive or ""](raw) if raw else ""
            if role == RAW_ROLE:
                return raw
            if raw is None:
                return ""
            formatter = self.formatters.get(column.key)
            return formatter(raw) if formatter else str(raw)
        return None

    # -- records and sensitive values -------------------------------------------------------

    def record_id(self, row: int) -> str | None:
        if not 0 <= row < len(self.result) or not self.result.ready(row):
            return None
        return self.result.row(row)[0]

    # -- far jumps --------------------------------------------------------------------------

    @property
    def reading_rest(self) -> bool:
        return self._rest_for is not None and self._rest_for is self.result

    def read_rest(self) -> None:
        """Read every rowid past those known on a worker (once per result); the pending rows
        are painted again when they arrive."""
        if self.reading_rest:
            return
        result = self._rest_for = self.result
        sql, params, start = result.rest_sql()
        path = self.ctx.db_path

        def work(_progress: Any, cancelled: Callable[[], bool]) -> array | None:
            conn = connect(path)
            try:
                conn.execute(f"PRAGMA cache_size = {-REST_CACHE_KIB}")  # the probes' index pages
                found = array("q")
                cursor = conn.execute(sql, params)
                while chunk := cursor.fetchmany(REST_FETCH):
                    if cancelled():
                        return None
                    found.extend(r[0] for r in chunk)
                return found
            finally:
                conn.close()

        job = self._rest_job = run_in_background(work, self)
        job.finished.connect(lambda found: self._rest_read(result, start, found))
        job.failed.connect(lambda _message: self._rest_failed(result))
        self.rest_started.emit()

    def _rest_read(self, result: PagedResult, start: int, found: array | None) -> None:
        if result is not self.result or found is None:
            return  # read again meanwhile (a new filter or order): that read starts over
        self._rest_for = self._rest_job = None
        before = len(result)
        if not result.adopt(start, found):
            if before:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(before - 1, len(self.columns) - 1)
                )
            return  # the exact count cut the rowids meanwhile: the pending rows ask again
        if len(result) != before:
            self.beginResetModel()
            self.endResetModel()
            self.count_changed.emit(len(result))
        elif before:
            self.dataChanged.emit(self.index(0, 0), self.index(before - 1, len(self.columns) - 1))
        self.rest_loaded.emit()

    def _rest_failed(self, result: PagedResult) -> None:
        if result is self.result:
            self._rest_for = self._rest_job = None  # the next pending row asks again

    def row_of(self, record_id: str) -> int | None:
        """Position of a record in the current order (None when filtered out or absent)."""
        found = self.ctx.db.execute(
            f"SELECT rowid FROM {self.table} WHERE id = ?", [record_id]
        ).fetchone()
        return None if found is None else self.result.position_of(found[0])

    def column_index(self, key: str) -> int:
        for i, column in enumerate(self.columns):
            if column.key == key:
                return i
        raise KeyError(key)

    def _is_masked(self, record_id: str | None, column: Column) -> bool:
        if column.sensitive not in MASKERS:
            return False
        return (str(record_id), column.key) not in self._revealed

    def is_masked(self, index: Index) -> bool:
        if not index.isValid():
            return False
        return self._is_masked(self.record_id(index.row()), self.columns[index.column()])

    def reveal(self, index: Index) -> bool:
        """Show one masked value in full if the user may (audited); True when now visible."""
        if not index.isValid():
            return False
        column = self.columns[index.column()]
        record_id = self.record_id(index.row())
        if record_id is None or column.sensitive not in MASKERS:
            return False
        if (record_id, column.key) in self._revealed:
            return True
        if not self.ctx.reveal(self.table, record_id, column.key):
            return False
        self._revealed.add((record_id, column.key))
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, RAW_ROLE])
        return True
