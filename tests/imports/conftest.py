"""A test-only import kind over the ``persons`` table, and helpers to write clerks' files.

The kind is registered by the ``persons_kind`` fixture and removed afterwards: the package itself
registers no kind over ``persons``.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from desktop.domain import pinyin
from desktop.domain.choices import HUKOU
from desktop.domain.errors import Problem
from desktop.domain.ids import check_consistency, make_id
from desktop.imports.spec import Field, ImportKind, RowContext, register_kind, unregister_kind
from desktop.store.door import CancelCheck, Progress, WriteDoor
from tests.store.conftest import World, make_world

KIND = "test_persons"


def _validate(row: dict[str, Any], ctx: RowContext) -> list[Problem]:
    info = ctx.id_info("id_number", row["id_number"])
    typed = date.fromisoformat(row["birth_date"]) if row["birth_date"] else None
    problems = check_consistency(info, birth_date=typed)
    row["birth_date"] = info.birth_date.isoformat()
    row["sex"] = "M" if info.sex == "男" else "F"
    return problems


@functools.lru_cache(maxsize=65536)
def _initials(name: str) -> str:
    return pinyin.initials(name)


def _write(
    door: WriteDoor,
    rows: list[dict[str, Any]],
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> int:
    records = (
        {
            "community_id": r["community"],
            "name": r["name"],
            "pinyin": _initials(r["name"] or ""),
            "id_number": r["id_number"],
            "id_tail": (r["id_number"] or "")[-4:] or None,
            "sex": r.get("sex"),
            "birth_date": r["birth_date"],
            "phone": r["phone"],
            "hukou": r["hukou"],
            "entered_on": r["entered_on"],
            "created_on": "2026-01-05",
        }
        for r in rows
    )
    return len(
        door.insert_many("persons", records, total=len(rows), progress=progress, cancel=cancel)
    )


def _existing(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> dict[tuple, str]:
    numbers = [r["id_number"] for r in rows]
    out: dict[tuple, str] = {}
    for i in range(0, len(numbers), 500):
        chunk = numbers[i : i + 500]
        sql = (
            "SELECT id_number, name FROM persons WHERE deleted = 0"
            f" AND id_number IN ({','.join('?' * len(chunk))})"
        )
        for number, name in db.execute(sql, chunk):
            out[(number,)] = f"{name}，身份证号 {number}"
    return out


FIELDS = (
    Field("name", "姓名", "text", required=True, synonyms=("名字",), example="张秀兰", width=10),
    Field(
        "id_number",
        "身份证号",
        "id_number",
        required=True,
        synonyms=("身份证号码", "公民身份号码", "证件号码"),
        example="110105199003071240",
        width=22,
    ),
    Field("community", "社区", "community", required=True, synonyms=("所属社区", "村（居）")),
    Field("birth_date", "出生日期", "date", example="1990-03-07"),
    Field("phone", "联系电话", "phone", synonyms=("手机号", "电话")),
    Field("hukou", "户籍类型", "choice", choices=HUKOU, example="农村"),
    Field("entered_on", "登记日期", "date"),
)


def persons_kind(key: str = KIND, **changes: Any) -> ImportKind:
    values: dict[str, Any] = dict(
        key=key,
        label="人员名册（测试）",
        fields=FIELDS,
        key_fields=("id_number",),
        write=_write,
        validate_row=_validate,
        find_existing=_existing,
    )
    values.update(changes)
    return ImportKind(**values)


@pytest.fixture
def kind() -> Iterator[ImportKind]:
    registered = register_kind(persons_kind())
    yield registered
    unregister_kind(KIND)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "test.db")


def woman_id(n: int, born: date = date(1990, 3, 7)) -> str:
    """A valid ID number of a woman (even sequence digit); distinct for n in 0..498."""
    return make_id("110105", born, 2 * n)


def persons_count(world: World) -> int:
    return world.db.execute("SELECT count(*) FROM persons").fetchone()[0]


def write_csv(path: Path, rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], sheet: str = "Sheet1") -> Path:
    """Cells as given: str as text, numbers as numbers, dates as Excel date cells."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, date):
                ws.write_datetime(r, c, value, date_fmt)
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            else:
                ws.write(r, c, value)
    wb.close()
    return path
