"""Which tables hold synced records, and what the write door needs to know about each.

Programme issues register their own tables here (``register(TableSpec(...))``) next to the
migration step that creates them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desktop.domain.errors import Problem

Validator = Callable[[Mapping[str, Any]], list[Problem]]
NumberedRows = Sequence[tuple[int | None, Mapping[str, Any]]]
DbValidator = Callable[[sqlite3.Connection, NumberedRows], list[Problem]]
"""Rules that read other records (one check per woman and campaign, a check dated within its
campaign …): called by the door inside the write transaction with a batch of records, each with
its row number (None for a single write), before they are written; the problems it returns carry
those row numbers. Earlier batches of the same bulk write are already visible to its queries, so
it must itself catch duplicates inside the batch."""


@dataclass(frozen=True)
class TableSpec:
    name: str
    label: str  # Chinese name shown in messages
    programme: str | None  # key in domain.choices.PROGRAMMES; None = not subject to period locks
    date_column: str | None  # the record's date that decides which period it belongs to
    community_column: str | None = "community_id"
    validate: Validator | None = None  # row-level domain rules; run by the door for every path
    check_db: DbValidator | None = None  # rules across records; run by the door for every path
    immutable: tuple[str, ...] = ("id", "office")


REGISTRY: dict[str, TableSpec] = {}


def register(spec: TableSpec) -> TableSpec:
    REGISTRY[spec.name] = spec
    return spec


def spec(name: str) -> TableSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"{name} is not a synced table known to the write door") from None


def _has_name(row: Mapping[str, Any]) -> list[Problem]:
    name = str(row.get("name") or "").strip()
    return [] if name else [Problem("姓名", "不能为空")]


register(TableSpec("submissions", "报送状态", None, None, community_column=None))
register(TableSpec("persons", "人员", None, None, validate=_has_name))
register(TableSpec("population_counts", "人口数", "population", "as_of"))
register(TableSpec("births", "出生登记", "population", "birth_date"))
register(TableSpec("deaths", "死亡登记", "population", "death_date"))
register(TableSpec("funds", "事业费", "population", "period_end", community_column=None))

# Programme tables register themselves when their module is imported; importing them here means
# that whoever uses the door (which looks specs up in this module) sees every table.
from desktop.store import exemption as _exemption  # noqa: E402, F401
from desktop.store import kangjian as _kangjian  # noqa: E402, F401
from desktop.store import subsidy as _subsidy  # noqa: E402, F401
