"""What the steps of the demo build share: the database, the seeded random source, the scale, the
parameters from ``resources/demo/district.toml``, and the progress and cancel plumbing.

A step is a plain function ``run(ctx)`` with a ``weight(ctx)`` (estimated work units, about one per
row written) so that the progress bar moves evenly; steps pass what later steps need through
``ctx.data`` (for example the communities with their weights, or the mothers sampled from the
person register).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from desktop.store.door import WriteDoor
from desktop.store.errors import Cancelled
from desktop.store.orgs import OrgTree
from desktop.store.users import SYSTEM

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]


@dataclass(frozen=True)
class Office:
    id: str
    code: str
    name: str
    kind: str  # 街道 / 镇 / 乡
    stat_code: str


@dataclass(frozen=True)
class Community:
    id: str
    name: str
    office: str  # office code
    kind: str  # the office's kind
    weight: float  # relative resident population
    stat_code: str


@dataclass
class DemoContext:
    db: sqlite_utils.Database
    rng: random.Random
    scale: float
    params: dict[str, Any]
    tree: OrgTree | None = None
    door: WriteDoor | None = None
    data: dict[str, Any] = field(default_factory=dict)
    progress: Progress | None = None
    cancel: CancelCheck | None = None
    # progress bookkeeping, set by build_demo around each step
    base: int = 0
    weight: int = 0
    total: int = 1

    def refresh(self) -> None:
        """Reload the org tree and the write door (after org units were added)."""
        self.tree = OrgTree.load(self.db)
        self.door = WriteDoor(self.db, SYSTEM)

    def write_door(self) -> WriteDoor:
        if self.door is None:
            self.refresh()
        assert self.door is not None
        return self.door

    @property
    def offices(self) -> list[Office]:
        return self.data["offices"]

    @property
    def communities(self) -> list[Community]:
        return self.data["communities"]

    def kind(self, office_kind: str) -> dict[str, Any]:
        return self.params["kinds"][office_kind]

    def report(self, done: int, total: int, message: str) -> None:
        """Progress inside the current step (``done`` of ``total``), mapped onto the whole build."""
        if self.progress is None:
            return
        share = min(max(done, 0), total) / total if total > 0 else 1.0
        self.progress(self.base + int(self.weight * share), self.total, message)

    def phase(self, start: float, end: float, label: str) -> Progress:
        """A progress callback for part of a step (``start``–``end`` as fractions of the step),
        fit to pass to ``WriteDoor.insert_many``."""

        def callback(done: int, total: int, _message: str) -> None:
            share = done / total if total else 1.0
            self.report(
                int(1000 * (start + (end - start) * share)), 1000, f"{label}：{done}/{total}"
            )

        return callback

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled("已取消，示范数据库未建成。")


@dataclass(frozen=True)
class DemoStep:
    name: str
    label: str  # shown in the progress bar
    run: Callable[[DemoContext], None]
    weight: Callable[[DemoContext], int]  # estimated work units (about one per row written)


def distribute(
    total: int, weights: Sequence[float], caps: Sequence[int] | None = None
) -> list[int]:
    """Split a non-negative integer ``total`` in proportion to ``weights`` (largest remainder).

    With ``caps`` no share exceeds its cap: shares that would are held at their cap and the rest
    is split again over the others. Raises ValueError when the caps cannot hold the total.
    """
    if total < 0:
        raise ValueError("distribute() needs a non-negative total")
    if caps is not None and sum(caps) < total:
        raise ValueError(f"caps {sum(caps)} cannot hold {total}")
    shares = [0] * len(weights)
    free = list(range(len(weights)))
    remaining = total
    while True:
        part = _largest_remainder(remaining, [weights[i] for i in free])
        over = [i for i, n in zip(free, part, strict=True) if caps is not None and n > caps[i]]
        if not over:
            for i, n in zip(free, part, strict=True):
                shares[i] = n
            return shares
        for i in over:
            shares[i] = caps[i]  # type: ignore[index]
            remaining -= caps[i]  # type: ignore[index]
        free = [i for i in free if i not in over]


def _largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    if not weights:
        if total:
            raise ValueError("nothing to distribute over")
        return []
    wsum = float(sum(weights))
    if wsum <= 0:
        weights = [1.0] * len(weights)
        wsum = float(len(weights))
    exact = [total * w / wsum for w in weights]
    shares = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def adjust(values: list[int], delta: int, weights: Sequence[float]) -> list[int]:
    """``values`` changed so that their sum changes by ``delta`` (spread by weight, kept ≥ 0)."""
    if delta >= 0:
        return [v + d for v, d in zip(values, distribute(delta, weights), strict=True)]
    cut = distribute(-delta, weights, caps=values)
    return [v - d for v, d in zip(values, cut, strict=True)]
