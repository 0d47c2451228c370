"""Property: random histories of inserts, edits and deletions at three offices (and edits at the
district of the same records, which make conflicts), exported as packages at random moments, then
applied at the district in random orders, each package possibly several times, always give the
same district database — and applying them all once more changes nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.store.db import open_database
from tests.store import test_packages_world as world
from tests.store.test_packages_world import OFFICES, Loop, snapshot

loop_template = world.loop_template  # the fixture

# one step of an office's history: (office, action, which record, value)
STEP = st.tuples(
    st.sampled_from(OFFICES),
    st.sampled_from(("insert", "update", "update+export", "update+export", "delete", "export")),
    st.integers(0, 2),
    st.sampled_from(("甲", "乙", "丙", "丁")),
)
DISTRICT_EDIT = st.tuples(
    st.sampled_from(OFFICES), st.integers(0, 2), st.sampled_from(("区", "县"))
)


def _play(loop: Loop, history: list[tuple[str, str, int, str]]) -> list[Path]:
    packages: list[Path] = []
    for code, action, pick, value in history:
        live = [b["id"] for b in loop.births(code) if not b["deleted"]]
        door = loop.door(code)
        if action == "insert":
            door.insert(
                "births",
                {
                    "community_id": loop.community(code),
                    "birth_date": f"2026-03-{1 + pick:02d}",
                    "sex": "F",
                    "policy": "in_policy",
                    "child_name": value,
                },
            )
        elif action.startswith("update") and live:
            door.update("births", live[pick % len(live)], {"child_name": value})
        elif action == "delete" and live:
            door.delete("births", live[pick % len(live)])
        if action.endswith("export"):
            packages.append(loop.export(code))
    packages.extend(loop.export(code) for code in OFFICES)  # whatever is left
    return packages


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=st.lists(STEP, min_size=1, max_size=25),
    district_edits=st.lists(DISTRICT_EDIT, min_size=1, max_size=6),
    order=st.randoms(use_true_random=False),
    repeats=st.lists(st.integers(0, 30), max_size=4),
)
def test_any_order_any_repetition_gives_the_same_district(
    loop_template: Path,
    history: list[tuple[str, str, int, str]],
    district_edits: list[tuple[str, int, str]],
    order: Any,
    repeats: list[int],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        loop = Loop.copy_of(loop_template, Path(tmp) / "loop")
        try:
            for code, pick, value in district_edits:  # the district's own edits of the records
                record = loop.district.execute(
                    "SELECT id FROM births WHERE office = ? ORDER BY id LIMIT 1 OFFSET ?",
                    [code, pick],
                ).fetchone()[0]
                loop.door("district").update("births", record, {"child_name": value})
            packages = _play(loop, history)
            loop.district.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            loop.district.conn.close()
            pristine = Path(tmp) / "pristine.db"
            shutil.copyfile(Path(tmp) / "loop" / "district.db", pristine)

            # in the order they were written
            loop.district = open_database(Path(tmp) / "loop" / "district.db")
            for package in packages:
                loop.to_district(package)
            expected = snapshot(loop.district)
            loop.district.conn.close()

            # in a random order, some of them more than once, then all again
            shuffled = list(packages) + [packages[i % len(packages)] for i in repeats]
            order.shuffle(shuffled)
            other = Path(tmp) / "other.db"
            shutil.copyfile(pristine, other)
            loop.district = open_database(other)
            for package in shuffled:
                loop.to_district(package)
            assert snapshot(loop.district) == expected
            for package in packages:
                loop.to_district(package)
            assert snapshot(loop.district) == expected
        finally:
            loop.close()
