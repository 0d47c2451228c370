"""The small district of the GUI tests (see conftest.py, which copies it fresh for every test).

Two offices (城关街道 CG with two communities, 东风街道 DF with one), users as in the demo district
(``admin`` / ``demo`` an administrator who may reveal, ``cg_clerk`` / ``demo`` a clerk of 城关街道
who may not), and 60 persons with valid ID numbers. Everything is written through the store (the
write door for persons); org units are inserted as the store tests do, for lack of a store function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import sqlite_utils

from desktop.domain.ids import id_tail, make_id
from desktop.domain.pinyin import initials
from desktop.domain.uuid7 import uuid7
from desktop.store import audit
from desktop.store.db import open_database, transaction
from desktop.store.door import WriteDoor, now_iso
from desktop.store.orgs import OrgTree
from desktop.store.users import SYSTEM, User, authenticate, create_user
from desktop.ui.context import AppContext

PASSWORD = "demo"
DISTRICT = "示范区"
SURNAMES = "张王李赵刘陈杨黄周吴"
GIVEN = ("秀兰", "桂英", "丽娟", "海燕", "春梅", "玉珍", "晓红", "静", "敏", "雪梅")


def build_fixture_db(path: Path) -> None:
    db = open_database(path)
    district = uuid7()
    cg, df = uuid7(), uuid7()
    communities = {"东关社区": (uuid7(), cg), "西街社区": (uuid7(), cg), "新华社区": (uuid7(), df)}
    rows = [
        (district, None, "district", DISTRICT, None, "419901000000", 0),
        (cg, district, "office", "城关街道办事处", "CG", "419901001000", 1),
        (df, district, "office", "东风街道办事处", "DF", "419901002000", 2),
    ]
    for sort, (name, (cid, office)) in enumerate(communities.items(), start=1):
        rows.append((cid, office, "community", name, None, None, sort))
    with transaction(db) as conn:
        conn.executemany(
            "INSERT INTO org_units(id, parent_id, level, name, code, stat_code, sort)"
            " VALUES (?,?,?,?,?,?,?)",
            rows,
        )
        audit.append(conn, [audit.Entry(now_iso(), "system", "org_create", "org_units", r[0])
                            for r in rows])
    create_user(db, SYSTEM, "admin", PASSWORD, "admin", district, display_name="王建华",
                can_reveal=True)
    create_user(db, SYSTEM, "cg_clerk", PASSWORD, "clerk", cg, display_name="李秀英")
    persons = []
    ids = list(communities.values())
    for i in range(60):
        name = SURNAMES[i % 10] + GIVEN[(i * 7 + i // 10) % 10]
        born = date(1980, 1, 1) + timedelta(days=97 * i)
        number = make_id("419901", born, 2 * i + 2)  # even sequence: women
        persons.append({
            "community_id": ids[i % 3][0],
            "name": name,
            "pinyin": initials(name),
            "id_number": number,
            "id_tail": id_tail(number),
            "sex": "F",
            "birth_date": born.isoformat(),
            "phone": f"138{i:04d}{1000 + i:04d}",
            "hukou": "rural" if i % 4 == 0 else "urban",
            "created_on": "2025-01-05",
        })
    WriteDoor(db, SYSTEM).insert_many("persons", persons)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()


@dataclass
class Opened:
    db: sqlite_utils.Database
    path: Path

    def ctx(self, user_name: str = "admin") -> AppContext:
        user = authenticate(self.db, user_name, PASSWORD)
        return AppContext.create(self.db, self.path, user)

    def user(self, name: str) -> User:
        return authenticate(self.db, name, PASSWORD)

    def tree(self) -> OrgTree:
        return OrgTree.load(self.db)


def type_text(qtbot: object, edit: object, text: str) -> None:
    """Type into a QLineEdit as a person would. QTest can only press ASCII keys, so Chinese
    (which comes from an input method) is committed with ``insert``, as an IME commit does."""
    for part in _runs(text):
        if part.isascii():
            qtbot.keyClicks(edit, part)  # type: ignore[attr-defined]
        else:
            edit.insert(part)  # type: ignore[attr-defined]


def _runs(text: str) -> list[str]:
    runs: list[str] = []
    for ch in text:
        if runs and runs[-1][-1].isascii() == ch.isascii():
            runs[-1] += ch
        else:
            runs.append(ch)
    return runs


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "Sheet1") -> Path:
    """A clerk's workbook: str cells as text, numbers as numbers, dates as Excel date cells."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    worksheet = workbook.add_worksheet(sheet)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, date):
                worksheet.write_datetime(r, c, value, date_format)
            elif isinstance(value, str):
                worksheet.write_string(r, c, value)
            else:
                worksheet.write(r, c, value)
    workbook.close()
    return path


CAMPAIGN = "2026年秋季康检"


@dataclass
class Kangjian:
    """The 康检 records added by :func:`add_kangjian`: woman id by person id, campaign by office."""

    women: dict[str, str]
    campaigns: dict[str, str]
    start: date
    end: date


def add_kangjian(db: sqlite_utils.Database, today: date | None = None) -> Kangjian:
    """Put every person of the fixture district on the women's roster (married, entered in
    2020) and open a campaign per office running from 30 days before ``today`` to 30 days after,
    so that a check-in today lands inside it. Written through the door, as a clerk would."""
    today = today or date.today()
    start, end = today - timedelta(days=30), today + timedelta(days=30)
    door = WriteDoor(db, SYSTEM)
    persons = db.execute(
        "SELECT id, community_id FROM persons WHERE deleted = 0 ORDER BY rowid").fetchall()
    rows = []
    for i, (person_id, community_id) in enumerate(persons):
        rows.append({
            "person_id": person_id, "community_id": community_id,
            "marriage_date": "2010-05-01", "marital": "married", "living_children": 1 + i % 2,
            "contraception": "iud" if i % 3 else "supplies",
            "floating": "out" if i % 10 == 9 else "none",
            "floating_where": "广东省深圳市" if i % 10 == 9 else None,
            "floating_since": "2025-02-01" if i % 10 == 9 else None,
            "entered_on": "2020-01-01",
        })
    ids = door.insert_many("women", rows)
    women = {r["person_id"]: wid for r, wid in zip(rows, ids, strict=True)}
    campaigns = {}
    for office in ("CG", "DF"):
        campaigns[office] = door.insert("campaigns", {
            "office": office, "name": CAMPAIGN, "start_date": start.isoformat(),
            "end_date": end.isoformat(), "items": '["查环","查孕","查病"]', "communities": None,
        })
    return Kangjian(women, campaigns, start, end)


# -- 两免一补 -------------------------------------------------------------------------------------

EX_SEMESTER = "2026春"

