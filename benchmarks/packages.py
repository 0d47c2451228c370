"""Office packages (issue 8), section ``packages`` of ``python -m benchmarks.run``: importing a
signed package of 200,000 records at the district (checksums, signature, the merge with its
sync state, the office's audit rows kept as received, the district's audit row, the receipt)
against one ``executemany`` transaction of the same rows into a copy of the same database.

Set-up (not measured): an empty district with one office and its key; the office writes the
records through the write door (so each has its audit row, as in real packages) and exports them.
``python -m benchmarks.packages [ROWS]`` runs the section alone.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.run import Run

ROWS = 200_000


def _setup(folder: Path, rows: int) -> tuple[Path, Path, list[str], list[tuple]]:
    from desktop.domain.uuid7 import uuid7
    from desktop.store import audit
    from desktop.store.audit import now_iso
    from desktop.store.db import open_database, transaction
    from desktop.store.door import WriteDoor
    from desktop.store.package_slice import slice_office
    from desktop.store.packages import export_package
    from desktop.store.users import SYSTEM, create_user, load_user

    district_path = folder / "district.db"
    district = open_database(district_path)
    top, office, community = uuid7(), uuid7(), uuid7()
    with transaction(district) as conn:
        conn.executemany(
            "INSERT INTO org_units(id, parent_id, level, name, code) VALUES (?,?,?,?,?)",
            [
                (top, None, "district", "基准区", None),
                (office, top, "office", "基准街道办事处", "A"),
                (community, office, "community", "基准社区", None),
            ],
        )
        audit.append(conn, [audit.Entry(now_iso(), "system", "org_create", "org_units", top)])
    create_user(district, SYSTEM, "admin", "demo", "admin", top)
    create_user(district, SYSTEM, "a_reviewer", "demo", "reviewer", office)
    office_db = slice_office(district, folder / "office.db", "A", SYSTEM)
    district.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    district.conn.close()
    WriteDoor(office_db, SYSTEM).insert_many(
        "births",
        (
            {
                "community_id": community,
                "birth_date": f"2026-{1 + i % 3:02d}-{1 + i % 28:02d}",
                "sex": "MF"[i % 2],
                "policy": "in_policy",
                "child_name": f"基准{i}",
                "mother_name": f"母亲{i}",
            }
            for i in range(rows)
        ),
        total=rows,
    )
    package = folder / "package.zip"
    export_package(office_db, load_user(office_db, "a_reviewer"), package)
    columns = [r[1] for r in office_db.execute("PRAGMA table_info(births)")]
    data = office_db.execute(f"SELECT {','.join(columns)} FROM births").fetchall()
    office_db.conn.close()
    return district_path, package, columns, data


def measure(rows: int = ROWS, repeat: int = 5) -> dict[str, Any]:
    """Best of ``repeat`` alternating runs of each side (the machine may be shared), wall-clock
    and CPU time (of the process, the import's reader threads included); every run is kept in
    ``runs`` as (import wall, executemany wall, import CPU, executemany CPU)."""
    from desktop.store.db import open_database
    from desktop.store.packages import import_package
    from desktop.store.users import load_user

    with tempfile.TemporaryDirectory(prefix="bench-packages-") as tmp:
        folder = Path(tmp)
        district_path, package, columns, data = _setup(folder, rows)
        runs: list[tuple[float, float, float, float]] = []
        for _ in range(repeat):
            target = folder / "import.db"
            for extra in ("", "-wal", "-shm"):
                Path(f"{target}{extra}").unlink(missing_ok=True)
            shutil.copyfile(district_path, target)
            db = open_database(target)
            admin = load_user(db, "admin")
            started, cpu = time.perf_counter(), time.process_time()
            receipt = import_package(db, admin, package)
            imported = time.perf_counter() - started, time.process_time() - cpu
            db.conn.close()
            assert receipt.tables["births"].new == rows, receipt.text()

            base = folder / "baseline.db"
            for extra in ("", "-wal", "-shm"):
                Path(f"{base}{extra}").unlink(missing_ok=True)
            shutil.copyfile(district_path, base)
            conn = sqlite3.connect(base, isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            started, cpu = time.perf_counter(), time.process_time()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                f"INSERT INTO births ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})",
                data,
            )
            conn.execute("COMMIT")
            raw = time.perf_counter() - started, time.process_time() - cpu
            conn.close()
            runs.append((imported[0], raw[0], imported[1], raw[1]))
        return {
            "rows": rows,
            "import": min(r[0] for r in runs),
            "raw": min(r[1] for r in runs),
            "import_cpu": min(r[2] for r in runs),
            "raw_cpu": min(r[3] for r in runs),
            "runs": runs,
            "size_mb": package.stat().st_size / 2**20,
        }


def _runs(m: dict[str, Any]) -> str:
    return "\n".join(
        f"    run {n}: import {i:.2f} s, executemany {r:.2f} s (×{i / r:.2f});"
        f" CPU {ic:.2f} s / {rc:.2f} s (×{ic / rc:.2f})"
        for n, (i, r, ic, rc) in enumerate(m["runs"], start=1)
    )


def section(run: Run) -> None:
    from benchmarks.run import Figure

    repeat = max(5, run.repeat)  # the best of 5 at least: the machine may be shared
    print(f"\n报送包 package import, {ROWS:,} records, best of {repeat} alternating runs")
    m = measure(ROWS, repeat)
    run.add(Figure(f"import a package of {m['rows']:,} births (+ audit rows)", m["import"], "s"))
    run.add(Figure("one executemany transaction of the same rows", m["raw"], "s"))
    run.add(Figure("package file size", m["size_mb"], "MB"))
    print(_runs(m))
    ratio = m["import"] / m["raw"]
    run.add(Figure("ratio package import / executemany", ratio, "×", "≤ 2", ratio <= 2))
    run.add(
        Figure(
            "the same ratio in CPU time (less disturbed on a shared machine)",
            m["import_cpu"] / m["raw_cpu"],
            "×",
        )
    )


if __name__ == "__main__":
    result = measure(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS)
    print(_runs(result))
    print(
        f"best: import {result['import']:.2f} s, executemany {result['raw']:.2f} s,"
        f" ratio {result['import'] / result['raw']:.2f}"
        f" (CPU {result['import_cpu'] / result['raw_cpu']:.2f})"
    )
