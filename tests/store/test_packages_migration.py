"""A version-5 database (before packages) migrates to version 6 and its records travel in packages:
the district cuts the old office's database, approves its submitted quarter and sends it back."""

from __future__ import annotations

import shutil
from pathlib import Path

from desktop.domain.periods import parse_period
from desktop.store import audit, migrations
from desktop.store import package_approval as approval
from desktop.store.db import open_database, schema_version
from desktop.store.door import WriteDoor
from desktop.store.locks import status_of
from desktop.store.package_slice import slice_office
from desktop.store.packages import export_package, import_package
from desktop.store.users import authenticate, create_user

FIXTURES = Path(__file__).with_name("fixtures")


def test_v5_fixture_migrates_and_its_records_travel_in_packages(tmp_path: Path) -> None:
    path = tmp_path / "v5.db"
    shutil.copy(FIXTURES / "v5.db", path)
    district = open_database(path)
    assert schema_version(district) == migrations.LATEST
    assert {"package_keys", "sync_state", "package_conflicts", "office_audit"} <= set(
        district.table_names()
    )
    assert audit.verify(district) == []
    assert len(list(tmp_path.glob("v5.v5.*.bak.db"))) == 1

    admin = authenticate(district, "admin", "old-password")
    unit = district.execute("SELECT id FROM org_units WHERE code = 'OLD'").fetchone()[0]
    create_user(district, admin, "old_reviewer", "secret", "reviewer", unit)
    office = slice_office(district, tmp_path / "old.db", "OLD", admin)
    assert office.execute("SELECT child_name FROM births").fetchone()[0] == "李小宝"

    q1 = parse_period("2026Q1")
    approval.approve(WriteDoor(district, admin), "OLD", "population", q1)
    package = tmp_path / "to-old.zip"
    export_package(district, admin, package, to="OLD")
    reviewer = authenticate(office, "old_reviewer", "secret")
    receipt = import_package(office, reviewer, package)
    assert receipt.tables["submissions"].updated == 1
    assert status_of(office, "OLD", "population", q1) == "approved"
    assert audit.verify(office) == [] and audit.verify(district) == []
