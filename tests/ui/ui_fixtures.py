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


@dataclass
class Exemption:
    """The schools and students added by :func:`add_exemption` (ids by short names)."""

    schools: dict[str, str]  # "cg_primary", "cg_junior", "df_nine" → school id
    students: dict[str, str]  # 学籍号 → student id
    numbers: dict[str, str]  # short name → 学籍号


def student_number(born: date, seq: int) -> str:
    """A G 学籍号 (G + a valid ID number); odd ``seq`` a boy."""
    return "G" + make_id("419902", born, seq)


def add_exemption(db: sqlite_utils.Database) -> Exemption:
    """Three schools and eleven students, written through the door as a clerk would, and a
    reviewer of 城关街道 (``cg_reviewer`` / ``demo``).

    城关一小 (CG, 东关社区, primary, boarding): six students in grades 1–6; ``p1`` (boarder) has
    低保 confirmed 2025-09-01, ``p2`` (day pupil) 脱贫 confirmed 2025-10-01, ``p3`` 孤儿 without a
    confirmation date. 城关初中 (CG, 西街社区, junior, day school): three students in grades 7–9,
    ``j1`` with 残疾 confirmed 2025-09-01. 新华九年制学校 (DF, 新华社区, nine-year, boarding): two."""
    from desktop.store.exemption import student_values

    tree = OrgTree.load(db)
    community = {u.name: u.id for u in tree.communities()}
    cg = next(u.id for u in tree.offices() if u.code == "CG")
    if not db.execute("SELECT 1 FROM users WHERE name = 'cg_reviewer'").fetchone():
        create_user(db, SYSTEM, "cg_reviewer", PASSWORD, "reviewer", cg, display_name="赵敏")
    door = WriteDoor(db, SYSTEM)
    schools = {
        "cg_primary": door.insert("schools", {
            "code": "4199020001", "name": "城关一小", "stage": "primary",
            "community_id": community["东关社区"], "boarding": 1}),
        "cg_junior": door.insert("schools", {
            "code": "4199020002", "name": "城关初中", "stage": "junior",
            "community_id": community["西街社区"], "boarding": 0}),
        "df_nine": door.insert("schools", {
            "code": "4199020003", "name": "新华九年制学校", "stage": "nine_year",
            "community_id": community["新华社区"], "boarding": 1}),
    }
    people = [  # short name, school, grade, born, seq, boarding, hardship, confirmed
        ("p1", "cg_primary", 1, date(2019, 3, 5), 11, 1, "dibao", "2025-09-01"),
        ("p2", "cg_primary", 2, date(2018, 4, 6), 12, 0, "lifted", "2025-10-01"),
        ("p3", "cg_primary", 3, date(2017, 5, 7), 13, 0, "orphan", None),
        ("p4", "cg_primary", 4, date(2016, 6, 8), 14, 1, None, None),
        ("p5", "cg_primary", 5, date(2015, 7, 9), 15, 0, None, None),
        ("p6", "cg_primary", 6, date(2014, 8, 10), 16, 0, None, None),
        ("j1", "cg_junior", 7, date(2013, 9, 11), 17, 0, "disabled", "2025-09-01"),
        ("j2", "cg_junior", 8, date(2012, 10, 12), 18, 0, None, None),
        ("j3", "cg_junior", 9, date(2011, 11, 13), 19, 0, None, None),
        ("n1", "df_nine", 3, date(2017, 12, 14), 20, 1, "tekun", "2025-09-01"),
        ("n2", "df_nine", 8, date(2012, 1, 15), 21, 0, None, None),
    ]
    names = ("张晓明", "王丽", "李强", "赵静", "刘洋", "陈晨", "杨帆", "黄磊", "周婷", "吴昊", "郑爽")
    students, numbers = {}, {}
    for (short, school, grade, born, seq, boarding, hardship, confirmed), name in zip(
            people, names, strict=True):
        number = student_number(born, seq)
        values = student_values(db, school_id=schools[school], student_no=number, name=name,
                                grade=grade, class_name="1班", boarding=boarding,
                                hardship=hardship, hardship_confirmed_on=confirmed,
                                enrolled_on="2025-09-01")
        students[number] = door.insert("students", values)
        numbers[short] = number
    return Exemption(schools, students, numbers)
