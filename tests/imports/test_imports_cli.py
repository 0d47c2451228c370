"""`minsheng template` and `minsheng import`: exit status 0 / 2 / 1, the receipt, the error
workbook, --skip-invalid, and an interrupted import leaving the database unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop.cli import main
from desktop.imports.spec import ImportKind, register_kind, unregister_kind
from desktop.store.door import WriteDoor
from tests.imports.conftest import KIND, persons_count, persons_kind, woman_id, write_csv
from tests.store.conftest import World

HEADER = ["姓名", "身份证号", "社区"]


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSHENG_PASSWORD", "secret")


def test_template_command(world: World, kind: ImportKind, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "t.xlsx"
    assert main(["template", KIND, "-o", str(out)]) == 0
    assert out.exists() and "已生成导入模板" in capsys.readouterr().out
    scoped = tmp_path / "s.xlsx"
    args = ["template", KIND, "-o", str(scoped), "--db", str(world.path), "--user", "clerk_a1"]
    assert main(args) == 0 and scoped.exists()
    assert main(["template", "nope", "-o", str(out)]) == 2
    assert "不是可导入的数据类型" in capsys.readouterr().err
    assert main(["template", KIND, "-o", str(tmp_path / "t.xls")]) == 2


def test_import_command_receipt_and_exit_codes(
    world: World, kind: ImportKind, tmp_path: Path, capsys: Any
) -> None:
    db = ["--db", str(world.path), "--user", "clerk_a"]
    bad = woman_id(3)[:-1] + ("0" if woman_id(3)[-1] != "0" else "1")
    path = write_csv(
        tmp_path / "r.csv",
        [
            HEADER,
            ["张秀兰", woman_id(1), "A1社区"],
            ["王芳", bad, "A1社区"],
            ["张秀兰", woman_id(1), "A1社区"],
        ],
    )
    errors = tmp_path / "errors.xlsx"
    assert main(["import", KIND, str(path), *db, "--errors-out", str(errors)]) == 2
    captured = capsys.readouterr()
    assert "读取 3 行" in captured.out and "写入 0 行" in captured.out
    assert "拒绝 2 行（其中文件内重复 1 行）" in captured.out
    assert "第 3 行：「身份证号」：校验位错误" in captured.err
    assert "未导入任何数据" in captured.err and "--skip-invalid" in captured.err
    assert errors.exists() and persons_count(world) == 0

    assert main(["import", KIND, str(path), *db, "--skip-invalid"]) == 0
    out = capsys.readouterr().out
    assert "读取 3 行" in out and "写入 1 行" in out and "拒绝 2 行" in out
    assert persons_count(world) == 1

    good = write_csv(tmp_path / "g.csv", [HEADER, ["李娟", woman_id(2), "A2社区"]])
    assert main(["import", KIND, str(good), *db]) == 0
    assert "写入 1 行" in capsys.readouterr().out and persons_count(world) == 2


def test_import_needs_a_user_and_an_existing_file(
    world: World, kind: ImportKind, tmp_path: Path, capsys: Any
) -> None:
    path = write_csv(tmp_path / "r.csv", [HEADER, ["张秀兰", woman_id(1), "A1社区"]])
    assert main(["import", KIND, str(path), "--db", str(world.path)]) == 2
    assert "--user" in capsys.readouterr().err
    missing = str(tmp_path / "none.xlsx")
    assert main(["import", KIND, missing, "--db", str(world.path), "--user", "clerk_a"]) == 2
    assert "找不到文件" in capsys.readouterr().err
    assert persons_count(world) == 0


def test_interrupted_import_leaves_the_database_unchanged(
    world: World, tmp_path: Path, capsys: Any
) -> None:
    def write_then_interrupt(door: WriteDoor, rows: list[dict], progress: Any, cancel: Any) -> int:
        persons_kind().write(door, rows, progress, cancel)
        raise KeyboardInterrupt  # Ctrl-C after the rows went in, before the commit

    register_kind(persons_kind("interrupted", write=write_then_interrupt))
    try:
        path = write_csv(tmp_path / "r.csv", [HEADER, ["张秀兰", woman_id(1), "A1社区"]])
        args = ["import", "interrupted", str(path), "--db", str(world.path), "--user", "clerk_a"]
        assert main(args) == 1
        assert "已中断" in capsys.readouterr().err
        assert persons_count(world) == 0
    finally:
        unregister_kind("interrupted")
