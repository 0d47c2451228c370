"""Small reads of the 康检 pages that the summary queries of ``store.kangjian`` do not cover: the
roster's join, one woman's record for the form, the women a check-in entry finds, the records
already entered for them, keyed totals, and the unchecked list as a paged result. They go through
the paged reader (``store.paged``) like every list of the app, with conditions that follow the
indexes of migration step 3; nothing here writes.

Every function takes the database and the user's :class:`~desktop.store.orgs.Scope` (the UI
passes ``ctx.db`` and ``ctx.user.scope``), so the window holds no SQL.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, overload

import sqlite_utils

from desktop.domain.ids import normalize_id, upgrade_legacy
from desktop.domain.kangjian import (
    CAMPAIGN_ITEMS,
    REASON_COLUMNS,
    RosterFacts,
    campaign_scope,
    ineligibility,
)
from desktop.store.kangjian import (
    Campaign,
    CampaignRef,
    UncheckedWoman,
    _eligible_source,
    resolve_campaigns,
)
from desktop.store.orgs import OrgTree, Scope
from desktop.store.paged import Column, PagedResult, Query

ROSTER_JOIN = "JOIN women AS w ON w.person_id = t.id AND w.deleted = 0"

PERSON_FIELDS = ("name", "id_number", "birth_date", "phone", "hukou", "community_id", "office")
WOMAN_FIELDS = (
    "marriage_date",
    "marital",
    "living_children",
    "contraception",
    "floating",
    "floating_where",
    "floating_since",
    "entered_on",
    "exit_date",
    "exit_reason",
)
CHECK_FIELDS = (
    "campaign_id",
    "woman_id",
    "community_id",
    "checked",
    "check_date",
    "place",
    "ring_result",
    "pregnancy_result",
    "disease_found",
    "advice_given",
    "unchecked_reason",
    "note",
    "record_date",
)
MISSING_FACTS = "名册缺少出生日期或登记日期"

# Strings above every real character, so that ``x >= p AND x < p || TOP`` is a prefix match that
# an index on x can serve (LIKE cannot use a BINARY index unless case_sensitive_like is on).
TOP = "\U0010ffff"

_ID_TAIL = re.compile(r"^[0-9]*[0-9Xx]$")
_LETTERS = re.compile(r"^[A-Za-z]+$")


def search_condition(text: str, offices: Sequence[str] = ()) -> tuple[list[str], list[Any]]:
    """SQL conditions (alias ``t`` = persons) for what was typed in a search box.

    Digits (optionally ending in X) search the end of the ID number: exactly 4 through the indexed
    ``id_tail``, more than 4 through ``id_tail`` and then the full number, fewer than 4 within
    ``id_tail``. ASCII letters are pinyin initials (prefix). Anything else is the start of a name.

    Names are indexed only behind the office (``persons_office_name``), so a name search also
    names the ``offices`` in the user's scope: an ``IN`` list on the first column lets SQLite
    use that index (about 300 ms → 2 ms on 232 000 persons). Every person belongs to an office of
    the tree (``community_id`` references it and the write door derives ``office`` from it), so
    the list drops nobody.
    """
    text = text.strip()
    if not text:
        return [], []
    if _ID_TAIL.match(text):
        tail = text.upper()
        if len(tail) == 4:
            return ["t.id_tail = ?"], [tail]
        if len(tail) > 4:
            return ["t.id_tail = ?", "t.id_number LIKE ?"], [tail[-4:], "%" + tail]
        return ["t.id_tail LIKE ?"], ["%" + tail]
    if _LETTERS.match(text):
        prefix = text.lower()
        return ["t.pinyin >= ? AND t.pinyin < ?"], [prefix, prefix + TOP]
    where, params = ["t.name >= ? AND t.name < ?"], [text, text + TOP]
    if offices:
        where.insert(0, f"t.office IN ({','.join('?' * len(offices))})")
        params[:0] = list(offices)
    return where, params


def read(
    db: sqlite_utils.Database,
    scope: Scope,
    table: str,
    fields: Sequence[tuple[str, str]],
    where: Sequence[str],
    params: Sequence[Any],
    *,
    joins: str = "",
    order: str | None = None,
    limit: int = 50,
    scoped: bool = True,
) -> tuple[list[dict[str, Any]], int]:
    """Up to ``limit`` rows of ``table`` (alias ``t``) as dicts of ``fields`` (key, expression),
    in ``scope`` unless ``scoped`` is False; and how many rows match in all."""
    columns = [Column(key, "", expr, sortable=False) for key, expr in fields]
    conditions, values = ["t.deleted = 0", *where], list(params)
    if scoped:
        scope_sql, scope_params = scope.sql("t.office", "t.community_id")
        conditions.insert(1, scope_sql)
        values[:0] = scope_params
    query_order: list[tuple[str, bool]] = []
    if order:
        columns.append(Column("_order", "", "NULL", sort_expr=order))
        query_order = [("_order", False)]
    result = PagedResult(db.conn, Query(table, columns, conditions, values, query_order, joins))
    keys = [c.key for c in columns]
    rows = [dict(zip(keys, result.row(i), strict=True)) for i in range(min(limit, len(result)))]
    for row in rows:
        row.pop("_order", None)
    return rows, len(result)


# -- one woman ------------------------------------------------------------------------------

_WOMAN_COLUMNS = (
    ("person_id", "t.id"),
    *((f, f"t.{f}") for f in PERSON_FIELDS),
    ("pinyin", "t.pinyin"),
    ("woman_id", "w.id"),
    *((f, f"w.{f}") for f in WOMAN_FIELDS),
)


def woman_record(db: sqlite_utils.Database, scope: Scope, person_id: str) -> dict[str, Any] | None:
    """The person and her roster entry (keys of PERSON_FIELDS and WOMAN_FIELDS, person_id and
    woman_id), or None when she is not on the roster in ``scope``."""
    rows, _ = read(
        db, scope, "persons", _WOMAN_COLUMNS, ["t.id = ?"], [person_id], joins=ROSTER_JOIN, limit=1
    )
    return rows[0] if rows else None


def person_with_id_number(
    db: sqlite_utils.Database, scope: Scope, number: str
) -> dict[str, Any] | None:
    """The person registered with ``number`` anywhere (the number is unique in the database), with
    ``in_scope`` saying whether ``scope`` covers her, and ``woman_id`` if she is on the roster."""
    fields = (
        ("person_id", "t.id"),
        ("name", "t.name"),
        ("office", "t.office"),
        ("community_id", "t.community_id"),
        ("woman_id", "(SELECT w.id FROM women AS w WHERE w.person_id = t.id AND w.deleted = 0)"),
    )
    rows, _ = read(
        db, scope, "persons", fields, ["t.id_number = ?"], [number], scoped=False, limit=1
    )
    if not rows:
        return None
    row = rows[0]
    row["in_scope"] = scope.allows(row["office"], row["community_id"])
    return row


# -- check-in -------------------------------------------------------------------------------


@dataclass
class Found:
    """A woman on the roster found by a check-in entry."""

    woman_id: str
    person_id: str
    name: str
    id_number: str | None
    birth_date: str | None
    phone: str | None
    community_id: str
    office: str
    contraception: str | None
    facts: RosterFacts | None  # None when her entry lacks a birth or entry date
    check: dict[str, Any] | None = None  # her record in the campaign, when one exists

    def ineligible(self, campaign: Campaign) -> list[str]:
        """Why she is not among the campaign's eligible women (empty: she is)."""
        if self.facts is None:
            return [MISSING_FACTS]
        return ineligibility(self.facts, campaign.start_date, campaign.communities)


_FOUND_COLUMNS = (
    ("woman_id", "w.id"),
    ("person_id", "t.id"),
    ("name", "t.name"),
    ("id_number", "t.id_number"),
    ("birth_date", "t.birth_date"),
    ("phone", "t.phone"),
    ("community_id", "w.community_id"),
    ("office", "w.office"),
    ("contraception", "w.contraception"),
    ("entered_on", "w.entered_on"),
    ("marital", "w.marital"),
    ("marriage_date", "w.marriage_date"),
    ("exit_date", "w.exit_date"),
)


def full_id_condition(text: str) -> tuple[list[str], list[Any]] | None:
    """An exact match on the ID number when ``text`` is a whole number (18 or old 15 digits)."""
    number = normalize_id(text)
    if len(number) not in (15, 18) or not number[:-1].isdigit():
        return None
    numbers = list(dict.fromkeys([number, upgrade_legacy(number)]))
    return [f"t.id_number IN ({','.join('?' * len(numbers))})"], numbers


def find_women(
    db: sqlite_utils.Database, scope: Scope, text: str, offices: Sequence[str] = (), limit: int = 30
) -> tuple[list[Found], int]:
    """Women on the roster in ``scope`` matching a check-in entry: a whole ID number exactly, else
    as the search box does (ID tail, pinyin initials, start of the name — ``offices`` are the
    offices in scope, for the name index); in pinyin order."""
    where, params = full_id_condition(text) or search_condition(text, offices)
    if not where:
        return [], 0
    rows, total = read(
        db,
        scope,
        "persons",
        _FOUND_COLUMNS,
        where,
        params,
        joins=ROSTER_JOIN,
        order="t.pinyin, t.name",
        limit=limit,
    )
    found = []
    for r in rows:
        try:
            facts: RosterFacts | None = RosterFacts.from_row(r, r["birth_date"])
        except ValueError:
            facts = None
        found.append(
            Found(
                r["woman_id"],
                r["person_id"],
                r["name"],
                r["id_number"],
                r["birth_date"],
                r["phone"],
                r["community_id"],
                r["office"],
                r["contraception"],
                facts,
            )
        )
    return found, total


_CHECK_COLUMNS = (("id", "t.id"), *((f, f"t.{f}") for f in CHECK_FIELDS))


def checks_of(
    db: sqlite_utils.Database, campaign_ids: Iterable[str], woman_ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The live check records of these women in these campaigns, by woman id."""
    campaigns, women = list(dict.fromkeys(campaign_ids)), list(dict.fromkeys(woman_ids))
    if not campaigns or not women:
        return {}
    rows, _ = read(
        db,
        Scope.everything(),
        "checks",
        _CHECK_COLUMNS,
        [
            f"t.woman_id IN ({','.join('?' * len(women))})",
            f"t.campaign_id IN ({','.join('?' * len(campaigns))})",
        ],
        [*women, *campaigns],
        limit=len(women) * len(campaigns),
        scoped=False,
    )
    return {r["woman_id"]: r for r in rows}


def check_record_by_id(db: sqlite_utils.Database, check_id: str) -> dict[str, Any] | None:
    rows, _ = read(
        db,
        Scope.everything(),
        "checks",
        _CHECK_COLUMNS,
        ["t.id = ?"],
        [check_id],
        limit=1,
        scoped=False,
    )
    return rows[0] if rows else None


def totals_record(
    db: sqlite_utils.Database, scope: Scope, campaign_id: str, community_id: str
) -> dict[str, Any] | None:
    """The keyed totals of a community in a campaign (``campaign_totals``), when entered."""
    fields = (
        ("id", "t.id"),
        ("eligible", "t.eligible"),
        ("checked", "t.checked"),
        *((c, f"t.{c}") for c in REASON_COLUMNS.values()),
    )
    rows, _ = read(
        db,
        scope,
        "campaign_totals",
        fields,
        ["t.campaign_id = ?", "t.community_id = ?"],
        [campaign_id, community_id],
        limit=1,
    )
    return rows[0] if rows else None


def age_on(birth_date: str | None, day: date) -> int | None:
    if not birth_date:
        return None
    born = date.fromisoformat(birth_date)
    return day.year - born.year - int((day.month, day.day) < (born.month, born.day))


# -- the unchecked list, paged --------------------------------------------------------------


_UNCHECKED_FIELDS = (
    ("woman_id", "t.woman_id"),
    ("person_id", "t.person_id"),
    ("name", "p.name"),
    ("id_number", "p.id_number"),
    ("phone", "p.phone"),
    ("community_id", "t.community_id"),
    ("community", "coalesce((SELECT u.name FROM org_units AS u WHERE u.id = t.community_id), '')"),
    ("floating", "w.floating"),
    ("floating_where", "w.floating_where"),
    ("campaign_id", "t.campaign_id"),
    ("check_id", "c.id"),
    ("reason", "c.unchecked_reason"),
    ("note", "c.note"),
)
# LEFT joins on unique keys: the count and the scan of positions, which name none of their
# columns, skip them; a page of rows reads them by key.
_UNCHECKED_JOINS = (
    "LEFT JOIN women AS w ON w.id = t.woman_id"
    " LEFT JOIN persons AS p ON p.id = t.person_id"
    " LEFT JOIN checks AS c ON c.woman_id = t.woman_id AND c.campaign_id = t.campaign_id"
    " AND c.deleted = 0"
)
_serial = itertools.count(1)


def _drop_table(conn: sqlite3.Connection, table: str) -> None:
    try:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    except sqlite3.Error:  # the connection is closed: the temporary table went with it
        pass


class UncheckedRows(Sequence[UncheckedWoman]):
    """应检未检名单 as a paged result over SQLite: the same women and order as
    :func:`desktop.store.kangjian.unchecked_list` (community in tree order, then pinyin).

    The eligibility join of a campaign (every woman on the roster probed for age, dates and her
    check record) is the costly part, so it runs once: the women it finds go, in list order, into
    a TEMP table of this connection (ids only — some 60 bytes a woman, outside the database
    file), and the paged reader walks that table by rowid, fetching a page of names, IDs and
    reasons at a time as they are shown. The women are those of the moment the list was read
    (as before: the page reads again on a change); their reasons are read live, so positions
    stay valid while reasons are entered. The table is dropped with the object."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        campaign: CampaignRef,
        scope: Scope,
        community: str | None = None,
    ):
        self.db = db
        self.campaigns = resolve_campaigns(db, campaign, scope)
        conn = db.conn
        self.table = f"temp.unchecked_list_{next(_serial)}"
        conn.execute(
            f"CREATE TEMP TABLE {self.table.removeprefix('temp.')} (woman_id TEXT NOT NULL,"
            " person_id TEXT NOT NULL, community_id TEXT NOT NULL, campaign_id TEXT NOT NULL)"
        )
        weakref.finalize(self, _drop_table, conn, self.table)
        sources, params = [], []
        for camp in self.campaigns:
            source, values = _eligible_source(camp, scope)
            extra = " AND w.community_id = ?" if community is not None else ""
            sources.append(
                f"SELECT w.id AS woman_id, t.id AS person_id, w.community_id AS community_id,"
                " ? AS campaign_id, t.pinyin AS pinyin, t.name AS name"
                f" {source} AND (c.checked IS NULL OR c.checked = 0){extra}"
            )
            params += [camp.id, *values, *([community] if community is not None else [])]
        if sources:
            tree = OrgTree.load(db)
            ids = [c.id for o in tree.offices() for c in tree.children.get(o.id, [])]
            whens = " ".join(["WHEN ? THEN ?"] * len(ids))
            position = f"CASE community_id {whens} ELSE 0 END" if ids else "0"
            params += [v for i, cid in enumerate(ids) for v in (cid, i)]
            # rowids are given in the order of insertion: the list order
            conn.execute(
                f"INSERT INTO {self.table} (woman_id, person_id, community_id, campaign_id)"
                f" SELECT woman_id, person_id, community_id, campaign_id"
                f" FROM ({' UNION ALL '.join(sources)})"
                f" ORDER BY {position}, community_id, pinyin, name",
                params,
            )
        columns = [Column(key, "", expr, sortable=False) for key, expr in _UNCHECKED_FIELDS]
        self.result = PagedResult(conn, Query(self.table, columns, [], [], [], _UNCHECKED_JOINS))

    def __len__(self) -> int:
        return len(self.result)

    @overload
    def __getitem__(self, index: int) -> UncheckedWoman: ...

    @overload
    def __getitem__(self, index: slice) -> list[UncheckedWoman]: ...

    def __getitem__(self, index: int | slice) -> UncheckedWoman | list[UncheckedWoman]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return UncheckedWoman(*self.result.row(index))

    def __iter__(self) -> Iterator[UncheckedWoman]:
        for i in range(len(self)):
            yield self[i]

    def with_reason(self) -> int:
        """How many of the women have a recorded reason (one count in SQL)."""
        return int(
            self.db.conn.execute(
                f"SELECT count(*) FROM {self.table} AS t JOIN checks AS c"
                " ON c.woman_id = t.woman_id AND c.campaign_id = t.campaign_id AND c.deleted = 0"
                " WHERE c.checked = 0 AND c.unchecked_reason IS NOT NULL"
            ).fetchone()[0]
        )

    def refresh_rows(self) -> None:
        """Read the rows again (after a reason was saved) keeping their positions."""
        self.result.invalidate_rows()


def unchecked_rows(
    db: sqlite_utils.Database, campaign: CampaignRef, scope: Scope, community: str | None = None
) -> UncheckedRows:
    return UncheckedRows(db, campaign, scope, community)


# -- one campaign ---------------------------------------------------------------------------


def campaign_items(db: sqlite_utils.Database, campaign_id: str) -> list[str]:
    """The checks (查环 / 查孕 / 查病) of a campaign, as stored."""
    row = db.execute("SELECT items FROM campaigns WHERE id = ?", [campaign_id]).fetchone()
    found = campaign_scope(row[0]) if row else None  # the same JSON list of strings
    return found if found is not None else list(CAMPAIGN_ITEMS)


def campaign_record_count(db: sqlite_utils.Database, campaign_id: str) -> int:
    """Live check records and keyed totals that belong to a campaign."""
    return int(
        db.execute(
            "SELECT (SELECT count(*) FROM checks WHERE campaign_id = ? AND deleted = 0)"
            " + (SELECT count(*) FROM campaign_totals WHERE campaign_id = ? AND deleted = 0)",
            [campaign_id, campaign_id],
        ).fetchone()[0]
    )
