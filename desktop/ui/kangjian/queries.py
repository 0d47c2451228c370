"""Thin AppContext wrappers over :mod:`desktop.store.kangjian_lookup`, which now holds the SQL of
the 康检 pages' small reads. The 康检 pages call the store directly; these remain for pages that
still pass the context (the subsidy forms)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from desktop.store import kangjian_lookup
from desktop.ui.context import AppContext


def read(
    ctx: AppContext,
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
    """:func:`desktop.store.kangjian_lookup.read` in the signed-in user's scope."""
    return kangjian_lookup.read(
        ctx.db,
        ctx.user.scope,
        table,
        fields,
        where,
        params,
        joins=joins,
        order=order,
        limit=limit,
        scoped=scoped,
    )


def person_with_id_number(ctx: AppContext, number: str) -> dict[str, Any] | None:
    """:func:`desktop.store.kangjian_lookup.person_with_id_number` for the signed-in user."""
    return kangjian_lookup.person_with_id_number(ctx.db, ctx.user.scope, number)
