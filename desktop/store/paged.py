"""Paged reading of a large table: the Qt-free core of every list in the app.

The filter and sort are applied in SQL (through indexes); the exact row count comes from one
``count(*)``; the result order is kept as a compact array of rowids (8 bytes a row) that is read
lazily, in growing chunks, only as far as the user has scrolled; rows are fetched by rowid a page at a
time and cached in a small LRU. A million rows cost at most an 8 MB array and a screenful of tuples,
and the first screen needs only the first chunk.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

PAGE_SIZE = 200
FIRST_CHUNK = 500  # a first screen needs a page; reads then double (~2 scans in all)
JUMP = 8000  # further than this past the rowids read so far is a jump
CACHED_PAGES = 16


@dataclass(frozen=True)
class Column:
    key: str  # result key
    label: str  # Chinese header
    expr: str  # SQL expression over the table (alias ``t``)
    # What ORDER BY uses (defaults to expr): one or more comma-separated expressions, each taking
    # the direction. Sorting a large table should follow an index, so lists offer only such orders.
    sort_expr: str | None = None
    sortable: bool = True
    sensitive: str | None = None  # "id" / "phone" / "account": masked unless revealed


@dataclass
class Query:
    table: str
    columns: Sequence[Column]
    where: list[str] = field(default_factory=list)  # fragments joined with AND
    params: list[Any] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (column key, descending)
    joins: str = ""  # e.g. "JOIN women AS w ON w.person_id = t.id"; rowids are those of ``t``

    @property
    def source(self) -> str:
        return f"{self.table} AS t {self.joins}".rstrip()


class PagedResult:
    """Rows of a query, addressable by position, fetched lazily by rowid."""

    def __init__(self, conn: sqlite3.Connection, query: Query):
        self.conn = conn
        self.query = query
        self._by_key = {c.key: c for c in query.columns}
        self._pages: OrderedDict[int, list[tuple[Any, ...]]] = OrderedDict()
        self.rowids = array("q")
        self.count = self._count()
        self._ensure(FIRST_CHUNK - 1)

    def __len__(self) -> int:
        return self.count

    def _where(self) -> str:
        return " AND ".join(f"({w})" for w in self.query.where) or "1"

    def _order(self) -> str:
        parts: list[str] = []
        for key, desc in self.query.order:
            col = self._by_key[key]
            if not col.sortable:
                continue
            direction = "DESC" if desc else "ASC"
            parts.extend(f"{e.strip()} {direction}" for e in (col.sort_expr or col.expr).split(","))
        parts.append("t.rowid")
        return ", ".join(parts)

    def _count(self) -> int:
        sql = f"SELECT count(*) FROM {self.query.source} WHERE {self._where()}"
        return int(self.conn.execute(sql, self.query.params).fetchone()[0])

    def _ensure(self, index: int) -> None:
        """Read rowids in order until position ``index`` (plus a page) is known."""
        want = min(self.count, index + 1 + PAGE_SIZE)
        sql = (
            f"SELECT t.rowid FROM {self.query.source} WHERE {self._where()}"
            f" ORDER BY {self._order()} LIMIT ? OFFSET ?"
        )
        while len(self.rowids) < want:
            have = len(self.rowids)
            if want - have > JUMP:
                # A jump (the scroll bar dragged far): every further OFFSET query would walk the
                # index from the start again, so read all the rest in one pass instead.
                size = self.count - have
            else:
                size = max(FIRST_CHUNK, have, want - have)  # doubling: ~2 scans in all
            got = [r[0] for r in self.conn.execute(sql, [*self.query.params, size, have])]
            self.rowids.extend(got)
            if len(got) < size:  # rows vanished since the count: trust what is there
                self.count = len(self.rowids)
                break

    def load_all(self) -> None:
        self._ensure(self.count - 1)

    def ready(self, index: int) -> bool:
        """Whether row ``index`` can be read at once: its rowid is known, or near enough to read
        in growing chunks. Further (a jump) means walking the order up to it — seconds on a
        million rows — which :meth:`rest_sql` lets a worker do."""
        have = len(self.rowids)
        return index < have or min(self.count, index + 1 + PAGE_SIZE) - have <= JUMP

    def rest_sql(self) -> tuple[str, list[Any], int]:
        """The SQL and parameters that read, in order, every rowid after those known, and how
        many are known (where the rest starts) — for a worker with its own connection."""
        have = len(self.rowids)
        sql = (
            f"SELECT t.rowid FROM {self.query.source} WHERE {self._where()}"
            f" ORDER BY {self._order()} LIMIT -1 OFFSET ?"
        )
        return sql, [*self.query.params, have], have

    def adopt(self, start: int, rowids: Sequence[int]) -> bool:
        """Take the rowids a worker read from position ``start`` on (see :meth:`rest_sql`); the
        ones read here meanwhile are kept. Fewer than the count: rows vanished, trust these.
        False (nothing taken) when they no longer follow those known (the count was cut)."""
        have = len(self.rowids)
        if start > have:
            return False
        self.rowids.extend(rowids[have - start : max(0, self.count - start)])
        if start + len(rowids) < self.count:
            self.count = len(self.rowids)
        return True

    def row(self, index: int) -> tuple[Any, ...]:
        page_no = index // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None:
            page = self._fetch_page(page_no)
            self._pages[page_no] = page
            if len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page[index - page_no * PAGE_SIZE]

    def _fetch_page(self, page_no: int) -> list[tuple[Any, ...]]:
        self._ensure((page_no + 1) * PAGE_SIZE - 1)
        wanted = self.rowids[page_no * PAGE_SIZE : (page_no + 1) * PAGE_SIZE]
        if not wanted:
            return []
        exprs = ", ".join(f"{c.expr} AS {c.key}" for c in self.query.columns)
        sql = (
            f"SELECT t.rowid, {exprs} FROM {self.query.source}"
            f" WHERE t.rowid IN ({','.join('?' * len(wanted))})"
        )
        found = {r[0]: r[1:] for r in self.conn.execute(sql, list(wanted))}
        # A row deleted since the rowids were read shows as blanks until the next refresh.
        blank = (None,) * len(self.query.columns)
        return [found.get(rid, blank) for rid in wanted]

    def invalidate_rows(self) -> None:
        """Forget cached rows (after an edit) but keep positions."""
        self._pages.clear()

    def position_of(self, rowid: int) -> int | None:
        self.load_all()
        try:
            return self.rowids.index(rowid)
        except ValueError:
            return None
