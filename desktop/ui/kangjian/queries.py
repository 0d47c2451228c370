"""Small reads of the 康检 pages that the store's summary queries do not cover: the roster's join,
one woman's record for the form, the women a check-in entry finds, and the records already
entered for them. They go through the paged reader (``store.paged``) like every list of the app,
with conditions that follow the indexes of migration step 3; nothing here writes.

(Were ``store.kangjian`` to offer ``find_women`` / ``woman_record`` / ``checks_of`` /
``totals_record``, these would become thin calls to it.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication

from desktop.domain.ids import normalize_id, upgrade_legacy
from desktop.domain.kangjian import RosterFacts, ineligibility
from desktop.store.kangjian import Campaign
from desktop.store.paged import Column, PagedResult, Query
from desktop.ui.context import AppContext
from desktop.ui.kangjian.common import offices_in_scope, search_condition

ROSTER_JOIN = "JOIN women AS w ON w.person_id = t.id AND w.deleted = 0"

PERSON_FIELDS = ("name", "id_number", "birth_date", "phone", "hukou", "community_id", "office")
WOMAN_FIELDS = (
    "marriage_date", "marital", "living_children", "contraception", "floating", "floating_where",
    "floating_since", "entered_on", "exit_date", "exit_reason",
)
CHECK_FIELDS = (
    "campaign_id", "woman_id", "community_id", "checked", "check_date", "place", "ring_result",
    "pregnancy_result", "disease_found", "advice_given", "unchecked_reason", "note", "record_date",
)


def read(ctx: AppContext, table: str, fields: Sequence[tuple[str, str]], where: Sequence[str],
         params: Sequence[Any], *, joins: str = "", order: str | None = None,
         limit: int = 50, scoped: bool = True) -> tuple[list[dict[str, Any]], int]:
    """Up to ``limit`` rows of ``table`` (alias ``t``) as dicts of ``fields`` (key, expression),
    in the user's scope unless ``scoped`` is False; and how many rows match in all."""
    columns = [Column(key, "", expr, sortable=False) for key, expr in fields]
    conditions, values = ["t.deleted = 0", *where], list(params)
    if scoped:
        scope_sql, scope_params = ctx.user.scope.sql("t.office", "t.community_id")
        conditions.insert(1, scope_sql)
        values[:0] = scope_params
    query_order: list[tuple[str, bool]] = []
    if order:
        columns.append(Column("_order", "", "NULL", sort_expr=order))
        query_order = [("_order", False)]
    result = PagedResult(ctx.db.conn, Query(table, columns, conditions, values, query_order, joins))
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


def woman_record(ctx: AppContext, person_id: str) -> dict[str, Any] | None:
    """The person and her roster entry (keys of PERSON_FIELDS and WOMAN_FIELDS, person_id and
    woman_id), or None when she is not on the roster in the user's scope."""
    rows, _ = read(ctx, "persons", _WOMAN_COLUMNS, ["t.id = ?"], [person_id], joins=ROSTER_JOIN,
                   limit=1)
    return rows[0] if rows else None


def person_with_id_number(ctx: AppContext, number: str) -> dict[str, Any] | None:
    """The person registered with ``number`` anywhere (the number is unique in the database), with
    ``in_scope`` saying whether the user may see her, and ``woman_id`` if she is on the roster."""
    fields = (("person_id", "t.id"), ("name", "t.name"), ("office", "t.office"),
              ("community_id", "t.community_id"),
              ("woman_id", "(SELECT w.id FROM women AS w WHERE w.person_id = t.id"
                           " AND w.deleted = 0)"))
    rows, _ = read(ctx, "persons", fields, ["t.id_number = ?"], [number], scoped=False, limit=1)
    if not rows:
        return None
    row = rows[0]
    row["in_scope"] = ctx.user.scope.allows(row["office"], row["community_id"])
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
            return [QCoreApplication.translate("kangjian", "名册缺少出生日期或登记日期")]
        return ineligibility(self.facts, campaign.start_date, campaign.communities)


_FOUND_COLUMNS = (
    ("woman_id", "w.id"), ("person_id", "t.id"), ("name", "t.name"),
    ("id_number", "t.id_number"), ("birth_date", "t.birth_date"), ("phone", "t.phone"),
    ("community_id", "w.community_id"), ("office", "w.office"),
    ("contraception", "w.contraception"), ("entered_on", "w.entered_on"),
    ("marital", "w.marital"), ("marriage_date", "w.marriage_date"),
    ("exit_date", "w.exit_date"),
)


def full_id_condition(text: str) -> tuple[list[str], list[Any]] | None:
    """An exact match on the ID number when ``text`` is a whole number (18 or old 15 digits)."""
    number = normalize_id(text)
    if len(number) not in (15, 18) or not number[:-1].isdigit():
        return None
    numbers = list(dict.fromkeys([number, upgrade_legacy(number)]))
    return [f"t.id_number IN ({','.join('?' * len(numbers))})"], numbers


def find_women(ctx: AppContext, text: str, limit: int = 30) -> tuple[list[Found], int]:
    """Women on the roster (in scope) matching a check-in entry: a whole ID number exactly, else
    as the search box does (ID tail, pinyin initials, start of the name); in pinyin order."""
    where_params = full_id_condition(text) or search_condition(text, offices_in_scope(ctx))
    where, params = where_params
    if not where:
        return [], 0
    rows, total = read(ctx, "persons", _FOUND_COLUMNS, where, params, joins=ROSTER_JOIN,
                       order="t.pinyin, t.name", limit=limit)
    found = []
    for r in rows:
        try:
            facts: RosterFacts | None = RosterFacts.from_row(r, r["birth_date"])
        except ValueError:
            facts = None
        found.append(Found(r["woman_id"], r["person_id"], r["name"], r["id_number"],
                           r["birth_date"], r["phone"], r["community_id"], r["office"],
                           r["contraception"], facts))
    return found, total


def checks_of(ctx: AppContext, campaign_ids: Iterable[str],
              woman_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The live check records of these women in these campaigns, by woman id."""
    campaigns, women = list(dict.fromkeys(campaign_ids)), list(dict.fromkeys(woman_ids))
    if not campaigns or not women:
        return {}
    fields = (("id", "t.id"), *((f, f"t.{f}") for f in CHECK_FIELDS))
    rows, _ = read(
        ctx, "checks", fields,
        [f"t.woman_id IN ({','.join('?' * len(women))})",
         f"t.campaign_id IN ({','.join('?' * len(campaigns))})"],
        [*women, *campaigns], limit=len(women) * len(campaigns), scoped=False)
    return {r["woman_id"]: r for r in rows}


def check_record_by_id(ctx: AppContext, check_id: str) -> dict[str, Any] | None:
    fields = (("id", "t.id"), *((f, f"t.{f}") for f in CHECK_FIELDS))
    rows, _ = read(ctx, "checks", fields, ["t.id = ?"], [check_id], limit=1, scoped=False)
    return rows[0] if rows else None


def totals_record(ctx: AppContext, campaign_id: str, community_id: str) -> dict[str, Any] | None:
    """The keyed totals of a community in a campaign (``campaign_totals``), when entered."""
    from desktop.domain.kangjian import REASON_COLUMNS

    fields = (("id", "t.id"), ("eligible", "t.eligible"), ("checked", "t.checked"),
              *((c, f"t.{c}") for c in REASON_COLUMNS.values()))
    rows, _ = read(ctx, "campaign_totals", fields,
                   ["t.campaign_id = ?", "t.community_id = ?"], [campaign_id, community_id],
                   limit=1)
    return rows[0] if rows else None


def age_on(birth_date: str | None, day: date) -> int | None:
    if not birth_date:
        return None
    born = date.fromisoformat(birth_date)
    return day.year - born.year - int((day.month, day.day) < (born.month, born.day))
