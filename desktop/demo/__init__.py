"""The demo district (示范区): a deterministic database whose report quarter reproduces every
figure of the source report (DOMAIN.md) and whose other quarters are plausible history.

``build_demo(path)`` runs :data:`STEPS` in order on one :class:`DemoContext`. Each step is a plain
function of the context; a later issue adds its own (the 康检 roster, subsidies, exemptions …) by
appending to :data:`STEPS` — steps see what earlier ones left in ``ctx.data``.

The parameters (offices, communities, weights, rules, the report's figures and the city's
targets) live in ``resources/demo/district.toml``; the randomness comes from one
``random.Random(seed)``, so two builds at the same scale hold the same people and counts (only the
UUID keys and time stamps differ).
"""

from __future__ import annotations

import random
import tomllib
from pathlib import Path
from typing import Any

import sqlite_utils

from desktop.demo import district, exemption, indicators, kangjian, people, subsidy
from desktop.demo.context import CancelCheck, DemoContext, DemoStep, Progress
from desktop.resources import resource_path
from desktop.store.db import open_database
from desktop.store.errors import StorageError

__all__ = ["STEPS", "DemoContext", "DemoStep", "build_demo", "build_office", "load_params"]

BUILD_CACHE_KIB = 256 * 1024

STEPS: list[DemoStep] = [
    district.ORG_UNITS,
    district.USERS,
    people.PERSONS,
    indicators.PLAN,
    indicators.POPULATION,
    indicators.BIRTHS,
    indicators.DEATHS,
    indicators.FUNDS,
    indicators.TARGETS,
    kangjian.KANGJIAN,
    exemption.EXEMPTION,
    subsidy.SUBSIDY,
]


def load_params(path: str | Path | None = None) -> dict[str, Any]:
    """The demo district's parameters (``resources/demo/district.toml`` by default)."""
    with open(path or resource_path("demo", "district.toml"), "rb") as f:
        return tomllib.load(f)


def build_demo(
    path: str | Path,
    *,
    scale: float = 1.0,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
    params: dict[str, Any] | None = None,
    steps: list[DemoStep] | None = None,
) -> sqlite_utils.Database:
    """Build the demo district into a new database file at ``path`` and return it, open.

    ``scale`` multiplies the population and so every count of people and events (1 ≈ 89 000
    residents and 11 600 women on the register). ``progress(done, total, message)`` is called as
    the work goes on; ``cancel()`` is polled between steps and batches and, when it returns True,
    the build stops with :class:`~desktop.store.errors.Cancelled`. A build that does not finish
    (cancelled or failed) removes the file it started, so nothing half-built is left behind.

    Refuses (StorageError) to touch a file that already exists and is not empty.
    """
    path = Path(path)
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if path.exists() and path.stat().st_size > 0:
        raise StorageError(
            f"文件已存在：{path}。示范数据只能写入新文件，请换一个文件名，或先移走该文件。"
        )
    params = params or load_params()
    existed = path.exists()
    db = open_database(path)
    ctx = DemoContext(
        db=db,
        rng=random.Random(params["seed"]),
        scale=scale,
        params=params,
        progress=progress,
        cancel=cancel,
    )
    plan = steps if steps is not None else STEPS
    # A big page cache while the build runs: the person register's five indexes take random
    # inserts, and with SQLite's default 2 MiB cache they cost a sixth more time at scale 100.
    cache_size = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = {-BUILD_CACHE_KIB}")
    try:
        weights = [max(1, step.weight(ctx)) for step in plan]
        ctx.total = sum(weights)
        for step, weight in zip(plan, weights, strict=True):
            ctx.check_cancel()
            ctx.weight = weight
            ctx.report(0, 1, step.label)
            step.run(ctx)
            ctx.base += weight
        db.execute(f"PRAGMA cache_size = {cache_size}")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if progress:
            progress(ctx.total, ctx.total, "示范数据库已建成")
    except BaseException:
        db.conn.close()
        _remove(path, keep_empty=existed)
        raise
    return db


def build_office(
    path: str | Path,
    office: str,
    district_path: str | Path,
    *,
    scale: float = 1.0,
    progress: Progress | None = None,
) -> sqlite_utils.Database:
    """One office's own database at ``path``: its slice of the demo district at
    ``district_path`` (built first at ``scale`` when that file does not exist yet) and a key pair
    issued by the district, whose database keeps the public key (``store.package_slice``)."""
    from desktop.store.package_slice import slice_office
    from desktop.store.users import SYSTEM

    district_path = Path(district_path)
    if district_path.exists() and district_path.stat().st_size > 0:
        district = open_database(district_path)
    else:
        district = build_demo(district_path, scale=scale, progress=progress)
    try:
        return slice_office(district, path, office, SYSTEM)
    finally:
        district.conn.close()


def _remove(path: Path, *, keep_empty: bool) -> None:
    """Remove what an unfinished build wrote (an empty file the caller gave stays, emptied)."""
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        extra.unlink(missing_ok=True)
    if keep_empty:
        path.write_bytes(b"")
    else:
        path.unlink(missing_ok=True)
