"""The city's targets per indicator and year (``indicator_targets``): read by the quarterly
report's indicator table and the trend charts, kept by the district administrator.

Targets are district data, not office records: they are not in office packages. Every change is
audited (``target_set`` / ``target_clear``, before → after) in the transaction that makes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from desktop.domain.errors import Problem, ValidationError
from desktop.domain.targets import parse_target, target_problems
from desktop.store import audit
from desktop.store.common import Db, conn_of
from desktop.store.db import transaction
from desktop.store.errors import AccessDenied
from desktop.store.users import User

Target = tuple[Decimal, str]  # (target, comparator)


def targets_of_year(db: Db, year: int) -> dict[str, Target]:
    """The targets set for ``year``, by indicator key."""
    return {
        key: (Decimal(target), comparator)
        for key, target, comparator in conn_of(db).execute(
            "SELECT indicator, target, comparator FROM indicator_targets WHERE year = ?", [year]
        )
    }


def save_targets(
    db: Db, user: User, year: int, values: Mapping[str, tuple[Any, str]]
) -> dict[str, Target]:
    """Set the targets of ``year`` from ``{key: (typed target, comparator)}``; an empty target
    removes the indicator's target for the year. All or nothing: any problem (named by indicator
    and field) raises ValidationError and nothing is written. The district administrator only.
    Returns the year's targets as stored now."""
    if not user.is_admin or user.office is not None:
        raise AccessDenied("市定目标只能由区管理员设置。")
    problems: list[Problem] = []
    wanted: dict[str, Target | None] = {}
    for n, (key, (text, comparator)) in enumerate(values.items(), start=1):
        found = target_problems(key, year, text, comparator)
        problems.extend(Problem(p.field, p.message, n) for p in found)
        if not found:
            value = parse_target(text)
            wanted[key] = None if value is None else (value, comparator)
    if problems:
        raise ValidationError(problems)
    stamp = audit.now_iso()
    with transaction(db) as conn:
        before = targets_of_year(conn, year)
        entries = []
        for key, after in wanted.items():
            old = before.get(key)
            if old == after:
                continue
            if after is None:
                conn.execute(
                    "DELETE FROM indicator_targets WHERE indicator = ? AND year = ?", [key, year]
                )
            else:
                conn.execute(
                    "INSERT INTO indicator_targets(indicator, year, target, comparator)"
                    " VALUES (?,?,?,?) ON CONFLICT(indicator, year) DO UPDATE SET"
                    " target = excluded.target, comparator = excluded.comparator",
                    [key, year, str(after[0]), after[1]],
                )
            entries.append(
                audit.Entry(
                    stamp,
                    user.name,
                    "target_set" if after is not None else "target_clear",
                    "indicator_targets",
                    f"{key}/{year}",
                    None,
                    {"target": str(old[0]), "comparator": old[1]} if old else None,
                    {"target": str(after[0]), "comparator": after[1]} if after else None,
                )
            )
        audit.append(conn, entries)
        return targets_of_year(conn, year)
