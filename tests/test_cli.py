"""The `minsheng` command: exit codes, user log-in for record commands, orgs, check, backup."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from desktop import __version__
from desktop.cli import main


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.db"
    assert main(["demo", "--db", str(path), "--scale", "0.2"]) == 0
    return path


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"minsheng {__version__}"


def test_orgs_json_lists_the_tree(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["orgs", "--db", str(demo_db), "--json"]) == 0
    units = json.loads(capsys.readouterr().out)
    levels = [u["level"] for u in units]
    assert levels[0] == "district" and levels.count("office") >= 3 and "community" in levels
    offices = {u["id"] for u in units if u["level"] == "office"}
    assert all(u["parent"] in offices for u in units if u["level"] == "community")
    assert all(u["code"] for u in units if u["level"] == "office")


def test_check_needs_an_admin_and_passes_on_the_demo(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MINSHENG_PASSWORD", "demo")
    assert main(["check", "--db", str(demo_db)]) == 2  # no --user
    assert main(["check", "--db", str(demo_db), "--user", "cg_clerk"]) == 2  # not an admin
    assert main(["check", "--db", str(demo_db), "--user", "admin"]) == 0
    assert "检查通过" in capsys.readouterr().out
    monkeypatch.setenv("MINSHENG_PASSWORD", "wrong")
    assert main(["check", "--db", str(demo_db), "--user", "admin"]) == 2
    assert "用户名或密码错误" in capsys.readouterr().err


def test_check_reports_a_tampered_audit_row(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy = tmp_path / "copy.db"
    assert main(["backup", "--db", str(demo_db), "-o", str(copy)]) == 0
    conn = sqlite3.connect(copy)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET user = 'mallory' WHERE seq = 5")
    conn.commit()
    conn.close()
    monkeypatch.setenv("MINSHENG_PASSWORD", "demo")
    assert main(["check", "--db", str(copy), "--user", "admin"]) == 1
    assert "第 5 条" in capsys.readouterr().out


def test_backup_refuses_to_overwrite(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "b.db"
    assert main(["backup", "--db", str(demo_db), "-o", str(target)]) == 0
    assert main(["backup", "--db", str(demo_db), "-o", str(target)]) == 1
    assert "已存在" in capsys.readouterr().err


def test_missing_database_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["orgs", "--db", str(tmp_path / "none.db")]) == 2
    assert "不存在" in capsys.readouterr().err


def test_demo_refuses_an_existing_file(demo_db: Path) -> None:
    assert main(["demo", "--db", str(demo_db)]) in (1, 2)
