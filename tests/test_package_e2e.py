"""A whole quarter by files alone, through the ``minsheng`` command: two demo offices and the
district, each with its own database — export, import, conflict resolution, submission, return
with comments, correction, approval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.store.db import open_database
from desktop.store.door import WriteDoor
from desktop.store.errors import PeriodLocked
from desktop.store.users import load_user

PERIOD = "2026Q1"


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> str:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def _edit(db_path: Path, user: str, table: str, where: str, changes: dict) -> str:
    db = open_database(db_path)
    try:
        record = db.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY id LIMIT 1")
        record_id = record.fetchone()[0]
        WriteDoor(db, load_user(db, user)).update(table, record_id, changes)
        return str(record_id)
    finally:
        db.conn.close()


def _value(db_path: Path, sql: str, params: list) -> object:
    db = open_database(db_path)
    try:
        return db.execute(sql, params).fetchone()[0]
    finally:
        db.conn.close()


IN_Q1 = "office = '{0}' AND record_date BETWEEN '2026-01-01' AND '2026-03-31'"


def package(capsys: pytest.CaptureFixture[str], db: Path, user: str, *argv: object) -> str:
    """``minsheng package ARGV… --db DB --user USER``; its output."""
    return run(capsys, "package", *argv, "--db", db, "--user", user)


def test_a_quarter_by_files_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINSHENG_PASSWORD", "demo")
    d, cg, dc = tmp_path / "district.db", tmp_path / "cg.db", tmp_path / "dc.db"
    q1 = ("--period", PERIOD, "--programme", "kangjian")
    run(capsys, "demo", "--db", d, "--scale", "0.05")
    run(capsys, "demo", "--office", "CG", "--db", cg, "--district", d)
    run(capsys, "demo", "--office", "DC", "--db", dc, "--district", d)

    # the offices work on their quarter; the district corrects one of CG's people meanwhile
    person = _edit(cg, "cg_clerk", "persons", "office = 'CG'", {"phone": "13800000001"})
    _edit(d, "admin", "persons", f"id = '{person}'", {"phone": "13900000002"})
    check = _edit(cg, "cg_clerk", "checks", IN_Q1.format("CG"), {"note": "复查"})
    _edit(dc, "dc_clerk", "checks", IN_Q1.format("DC"), {"note": "已电话随访"})
    for office, db in (("cg", cg), ("dc", dc)):
        package(capsys, db, f"{office}_reviewer", "status", "submit", *q1)
        out = tmp_path / f"{office}-1.zip"
        package(capsys, db, f"{office}_reviewer", "export", "--period", PERIOD, "-o", out)

    # the district imports both; the person changed on both sides is a conflict
    receipts = tmp_path / "receipts.json"
    out = package(
        capsys,
        d,
        "admin",
        "import",
        tmp_path / "cg-1.zip",
        tmp_path / "dc-1.zip",
        "--receipt",
        receipts,
    )
    saved = json.loads(receipts.read_text(encoding="utf-8"))
    assert saved[0]["tables"]["persons"]["conflicts"] == 1
    assert saved[0]["tables"]["checks"]["updated"] == 1
    assert saved[1]["tables"]["checks"]["updated"] == 1
    assert "CG 2026Q1 康检：已提交" in out
    listed = package(capsys, d, "admin", "conflicts")
    seq = listed.split("\t")[0]
    assert "phone：本地 '13900000002' ｜ 报送 '13800000001'" in listed
    package(capsys, d, "admin", "conflicts", "--resolve", seq, "--take", "theirs")
    assert _value(d, "SELECT phone FROM persons WHERE id = ?", [person]) == "13800000001"

    # CG is returned with comments, DC approved
    package(
        capsys,
        d,
        "admin",
        "status",
        "return",
        "--office",
        "CG",
        *q1,
        "--comment",
        "请核对复查记录的日期",
    )
    package(capsys, d, "admin", "status", "approve", "--office", "DC", *q1)
    for office in ("CG", "DC"):
        package(capsys, d, "admin", "export", "--to", office, "-o", tmp_path / f"to-{office}-1.zip")

    out = package(capsys, cg, "cg_reviewer", "import", tmp_path / "to-CG-1.zip")
    assert "退回（意见：请核对复查记录的日期）" in out
    listed = package(capsys, cg, "cg_reviewer", "status", "list")
    assert "退回" in listed and "请核对复查记录的日期" in listed

    # the correction goes in at CG (the quarter is open again), then CG submits again
    _edit(cg, "cg_clerk", "checks", f"id = '{check}'", {"note": "复查（日期已核对）"})
    package(capsys, cg, "cg_reviewer", "status", "submit", *q1)
    package(capsys, cg, "cg_reviewer", "export", "--period", PERIOD, "-o", tmp_path / "cg-2.zip")
    package(capsys, d, "admin", "import", tmp_path / "cg-2.zip", "--receipt", receipts)
    again = json.loads(receipts.read_text(encoding="utf-8"))[0]
    assert sum(t["conflicts"] for t in again["tables"].values()) == 0
    assert _value(d, "SELECT note FROM checks WHERE id = ?", [check]) == "复查（日期已核对）"
    package(capsys, d, "admin", "status", "approve", "--office", "CG", *q1)
    package(capsys, d, "admin", "export", "--to", "CG", "-o", tmp_path / "to-CG-2.zip")
    package(capsys, cg, "cg_reviewer", "import", tmp_path / "to-CG-2.zip")
    package(capsys, dc, "dc_reviewer", "import", tmp_path / "to-DC-1.zip")

    for office, db in (("CG", cg), ("DC", dc)):
        status = _value(
            db,
            "SELECT status FROM submissions WHERE office = ? AND period_key = ?",
            [office, PERIOD],
        )
        assert status == "approved"
    with pytest.raises(PeriodLocked):
        _edit(cg, "cg_clerk", "checks", f"id = '{check}'", {"note": "审核后再改"})
    # both sides hold the same versions of CG's records
    assert _value(cg, "SELECT phone FROM persons WHERE id = ?", [person]) == "13800000001"
    assert _value(cg, "SELECT rev FROM persons WHERE id = ?", [person]) == _value(
        d, "SELECT rev FROM persons WHERE id = ?", [person]
    )
    run(capsys, "check", "--db", d, "--user", "admin")


def test_an_altered_package_is_refused_by_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINSHENG_PASSWORD", "demo")
    d, cg = tmp_path / "district.db", tmp_path / "cg.db"
    run(capsys, "demo", "--office", "CG", "--db", cg, "--district", d, "--scale", "0.05")
    _edit(cg, "cg_clerk", "persons", "office = 'CG'", {"phone": "13800000001"})
    package = tmp_path / "cg.zip"
    run(capsys, "package", "export", "--db", cg, "--user", "cg_reviewer", "-o", package)
    raw = bytearray(package.read_bytes())
    raw[40] ^= 0x01
    package.write_bytes(bytes(raw))
    before = _value(d, "SELECT count(*) FROM audit", [])
    code = main(["package", "import", str(package), "--db", str(d), "--user", "admin"])
    _out, err = capsys.readouterr()
    assert code == 2
    assert "已拒收" in err
    # nothing but the log-in was written
    assert _value(d, "SELECT count(*) FROM audit", []) == before + 1
    assert _value(d, "SELECT count(*) FROM package_log", []) == 0
