"""``minsheng check``: the database file, the audit chain and the identities it holds."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from desktop.domain.errors import ValidationError
from desktop.domain.ids import check_consistency, parse_id
from desktop.store import audit

Progress = Callable[[int, int, str], None]


def run_checks(db: sqlite_utils.Database, progress: Progress | None = None) -> list[str]:
    problems: list[str] = []
    result = [r[0] for r in db.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        problems.extend(f"数据库文件损坏：{r}" for r in result)
    for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check"):
        problems.append(f"{table} 第 {rowid} 行引用的 {parent} 记录不存在")
    problems.extend(audit.verify(db))
    problems.extend(_check_people(db, progress))
    return problems


def _check_people(db: sqlite_utils.Database, progress: Progress | None) -> list[str]:
    from datetime import date

    problems: list[str] = []
    total = db.execute("SELECT count(*) FROM persons WHERE deleted = 0").fetchone()[0]
    cur = db.execute(
        "SELECT name, id_number, sex, birth_date, office FROM persons"
        " WHERE deleted = 0 AND id_number IS NOT NULL"
    )
    for done, (name, number, sex, birth, office) in enumerate(cur, start=1):
        try:
            info = parse_id(number)
        except ValidationError as exc:
            problems.append(f"{office} {name}：身份证号 {exc}")
            continue
        sex_label = {"M": "男", "F": "女"}.get(sex or "")
        born = date.fromisoformat(birth) if birth else None
        for p in check_consistency(info, sex=sex_label, birth_date=born):
            problems.append(f"{office} {name}：{p.message}")
        if progress and done % 20000 == 0:
            progress(done, total, "核对身份证号")
    if progress:
        progress(total, total, "核对身份证号")
    return problems
