"""A real ``kill -9`` of a child process in the middle of an import leaves the district database
exactly as it was (one transaction), and the same package then imports normally."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from desktop.store import audit
from desktop.store.db import open_database
from tests.store import test_packages_world as world
from tests.store.test_packages_world import Loop, snapshot

loop_template, loop = world.loop_template, world.loop  # the fixtures

ROOT = Path(__file__).resolve().parents[2]
ROWS = 12_000

CHILD = """
import sys, time
from pathlib import Path
from desktop.store.db import open_database
from desktop.store import packages
from desktop.store.packages import import_package
from desktop.store.users import load_user

db = open_database(sys.argv[1])
packages.IMPORT_CACHE_KIB = 100  # small: changed pages spill into the WAL before commit
marker = Path(sys.argv[3])

def progress(done, total, message):
    if done >= 4000 and not marker.exists():
        marker.write_text(str(done))
        time.sleep(120)  # killed here, inside the import's transaction

import_package(db, load_user(db, "admin"), sys.argv[2], progress=progress)
print("finished")
"""


def test_kill_9_during_import_leaves_the_database_as_before(loop: Loop, tmp_path: Path) -> None:
    loop.door("A").insert_many(
        "births",
        [
            {
                "community_id": loop.community("A"),
                "birth_date": "2026-02-01",
                "sex": "F",
                "policy": "in_policy",
                "child_name": f"孩{i}",
            }
            for i in range(ROWS)
        ],
    )
    package = loop.export("A")
    path = loop.folder / "district.db"
    before = snapshot(loop.district)
    audit_rows = loop.district.execute("SELECT count(*) FROM audit").fetchone()[0]
    loop.district.conn.close()

    marker = tmp_path / "in-transaction"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(package), str(marker)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
        assert time.monotonic() < deadline, "the child never reached the middle of the import"
        time.sleep(0.05)
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # uncommitted pages were written
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL

    loop.district = open_database(path)
    assert loop.district.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert snapshot(loop.district) == before
    assert loop.district.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_rows
    assert audit.verify(loop.district) == []
    assert loop.district.execute("SELECT count(*) FROM package_log").fetchone()[0] == 0

    receipt = loop.to_district(package)
    assert receipt.tables["births"].new == ROWS
