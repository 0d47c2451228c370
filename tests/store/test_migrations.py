"""open_database: the ladder from every older version, backups, refusal of newer or foreign files."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from desktop.store import audit, migrations
from desktop.store.db import open_database, schema_version
from desktop.store.errors import DatabaseTooNew, NotADatabase
from desktop.store.users import authenticate

FIXTURES = Path(__file__).with_name("fixtures")


def test_new_database_is_latest_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new.db")
    assert schema_version(db) == migrations.LATEST
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert not list(tmp_path.glob("*.bak*"))  # nothing to back up on a new file


def test_v1_fixture_migrates_keeping_data_and_backing_up(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "v1.db", path)
    db = open_database(path)
    assert schema_version(db) == migrations.LATEST
    assert "persons" in db.table_names() and "births" in db.table_names()
    assert authenticate(db, "admin", "old-password").is_admin
    assert audit.verify(db) == []
    backups = list(tmp_path.glob("old.v1.*.bak.db"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    assert old.execute("SELECT count(*) FROM org_units").fetchone()[0] == 3


def test_failing_step_rolls_back_to_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "v1.db", path)

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("simulated failure in the middle of a step")

    monkeypatch.setattr(
        migrations, "LADDER", (migrations.LADDER[0], migrations.Step(2, "broken", broken))
    )
    monkeypatch.setattr(migrations, "LATEST", 2)
    with pytest.raises(sqlite3.OperationalError):
        open_database(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in names


def test_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    conn.execute("CREATE TABLE x (y)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseTooNew, match="请升级程序"):
        open_database(path)
    assert path.read_bytes() == before


def test_foreign_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("这不是数据库" * 100, encoding="utf-8")
    with pytest.raises(NotADatabase):
        open_database(path)


def test_v4_fixture_migrates_to_the_subsidy_tables_with_their_seeds(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    shutil.copy(FIXTURES / "v4.db", path)
    db = open_database(path)
    assert schema_version(db) == migrations.LATEST
    assert audit.verify(db) == []
    assert db.execute(
        "SELECT name FROM exemptions JOIN students ON students.id = student_id"
    ).fetchone() == ("王一诺",)
    codes = [r[0] for r in db.execute("SELECT code FROM subsidy_programmes ORDER BY code")]
    assert codes == ["condolence", "reward", "special"]
    assert (
        db.execute("SELECT count(*) FROM subsidy_standards WHERE office = 'DISTRICT'").fetchone()[0]
        == 13
    )
    fresh = open_database(tmp_path / "new.db")  # the same seed ids in every installation
    ids = "SELECT id FROM subsidy_standards ORDER BY id"
    assert db.execute(ids).fetchall() == fresh.execute(ids).fetchall()
    assert len(list(tmp_path.glob("v4.v4.*.bak.db"))) == 1


def test_v5_fixture_migrates_to_roster_order_indexes_that_carry_the_id(tmp_path: Path) -> None:
    """Step 9: the roster's order indexes end with the person's id (the join's probe reads no
    table row); the searches' leading columns are unchanged; the data and the chain survive."""
    path = tmp_path / "v5.db"
    shutil.copy(FIXTURES / "v5.db", path)
    before = sqlite3.connect(path).execute("SELECT count(*) FROM persons").fetchone()[0]
    db = open_database(path)
    assert schema_version(db) == migrations.LATEST >= 9
    columns = {
        name: [r[2] for r in db.execute(f"PRAGMA index_info({name})")]
        for name in ("persons_pinyin", "persons_community", "persons_birth_date")
    }
    assert columns == {
        "persons_pinyin": ["pinyin", "name", "id"],
        "persons_community": ["community_id", "name", "id"],
        "persons_birth_date": ["birth_date", "id"],
    }
    assert db.execute("SELECT count(*) FROM persons").fetchone()[0] == before
    plan = " ".join(
        str(r[3])
        for r in db.execute(
            "EXPLAIN QUERY PLAN SELECT t.rowid FROM persons AS t JOIN women AS w"
            " ON w.person_id = t.id AND w.deleted = 0 WHERE t.deleted = 0 AND t.pinyin >= ''"
            " ORDER BY t.pinyin, t.name, t.rowid"
        )
    )
    assert "COVERING INDEX persons_pinyin" in plan or "USING INDEX persons_pinyin" in plan
    assert audit.verify(db) == []
