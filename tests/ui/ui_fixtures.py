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


# -- 帮扶发放 ---------------------------------------------------------------------------------------

SUBSIDY_ACCOUNT = "6217000012345678901"  # 张桂兰's social security card (a 2025 payment names it)


@dataclass
class Subsidy:
    """The records added by :func:`add_subsidy`: person / household ids by short name, the
    programme ids by code."""

    persons: dict[str, str]
    households: dict[str, str]
    programmes: dict[str, str]
    numbers: dict[str, str]  # short name → ID number


def add_subsidy(db: sqlite_utils.Database) -> Subsidy:
    """Six older people, four households and the 2025 qualifications, written through the door
    as a clerk would (a reviewer ``cg_reviewer`` / ``demo`` is added too).

    城关街道: ``a`` 张桂兰 (F 1956, rural, head of a poor household), ``b`` 王德明 (M 1958, rural,
    head, poor), ``c`` 李秀珍 (F 1960, rural, member of a's household), ``d`` 赵淑珍 (F 1966, urban,
    head) and ``e`` 刘建国 (M 1959, urban: not eligible for 奖励扶助). 东风街道: ``f`` 陈玉兰 (F 1957,
    rural, head, poor). 2025: 奖励扶助 新增 for a, b, c, f and 特别扶助 伤残 for d, all confirmed on
    2025-03-01; one 2025Q4 奖励扶助 payment to a on her social security card."""
    from desktop.store import subsidy as store

    tree = OrgTree.load(db)
    community = {u.name: u.id for u in tree.communities()}
    cg = next(u.id for u in tree.offices() if u.code == "CG")
    if not db.execute("SELECT 1 FROM users WHERE name = 'cg_reviewer'").fetchone():
        create_user(db, SYSTEM, "cg_reviewer", PASSWORD, "reviewer", cg, display_name="赵敏")
    door = WriteDoor(db, SYSTEM)
    people = [  # short, name, sex, born, seq, hukou, community
        ("a", "张桂兰", "F", date(1956, 3, 1), 102, "rural", "东关社区"),
        ("b", "王德明", "M", date(1958, 5, 5), 103, "rural", "东关社区"),
        ("c", "李秀珍", "F", date(1960, 7, 7), 104, "rural", "东关社区"),
        ("d", "赵淑珍", "F", date(1966, 2, 2), 106, "urban", "西街社区"),
        ("e", "刘建国", "M", date(1959, 1, 9), 105, "urban", "西街社区"),
        ("f", "陈玉兰", "F", date(1957, 4, 4), 108, "rural", "新华社区"),
    ]
    rows, numbers = [], {}
    for short, name, sex, born, seq, hukou, where in people:
        number = make_id("419901", born, seq)
        numbers[short] = number
        rows.append({
            "community_id": community[where], "name": name, "pinyin": initials(name),
            "id_number": number, "id_tail": id_tail(number), "sex": sex,
            "birth_date": born.isoformat(), "phone": f"139{seq:04d}{seq:04d}", "hukou": hukou,
            "created_on": "2024-01-05",
        })
    persons = dict(zip((p[0] for p in people), door.insert_many("persons", rows), strict=True))
    households = {}
    for short, poor in (("a", 1), ("b", 1), ("d", 0), ("f", 1)):
        values = store.household_values(
            db, head_person_id=persons[short], address=f"幸福路{ord(short)}号", poor=poor,
            poor_since="2025-01-01" if poor else None, created_on="2024-06-01")
        households[short] = door.insert("households", values)
        door.insert("household_members", store.member_values(
            db, households[short], persons[short], "head", "2024-06-01"))
    door.insert("household_members", store.member_values(
        db, households["a"], persons["c"], "other", "2024-06-01"))
    programmes = {p.code: p.id for p in store.list_programmes(db)}
    for short, code, category in (("a", "reward", None), ("b", "reward", None),
                                  ("c", "reward", None), ("f", "reward", None),
                                  ("d", "special", "disabled")):
        door.insert("qualifications", store.qualification_values(
            db, persons[short], programmes[code], 2025, "new", start_on="2025-01-01",
            status_on="2025-03-01", category=category, confirmed_on="2025-03-01",
            confirmed_by="system"))
    door.insert("payments", {
        "community_id": community["东关社区"], "person_id": persons["a"],
        "household_id": households["a"], "programme_id": programmes["reward"],
        "covered_start": "2025-10-01", "covered_end": "2025-12-31", "amount_fen": 24000,
        "goods_fen": 0, "pay_date": "2025-12-20", "account_type": "social_card",
        "account_no": SUBSIDY_ACCOUNT, "status": "paid",
    })
    return Subsidy(persons, households, programmes, numbers)


def subsidy_ctx(opened: Opened, user_name: str) -> AppContext:
    """A context of ``user_name`` whose current period is 2026Q1."""
    from desktop.domain.periods import quarter

    ctx = opened.ctx(user_name)
    ctx.period = quarter(2026, 1)
    return ctx


def shown(qtbot: object, widget: object, width: int = 1300, height: int = 800) -> object:
    """``widget`` shown at a desktop size, closed with the test."""
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.resize(width, height)  # type: ignore[attr-defined]
    widget.show()  # type: ignore[attr-defined]
    return widget


def click(qtbot: object, button: object) -> None:
    """Click an enabled button as a person does (a disabled one fails, saying why)."""
    from PySide6.QtCore import Qt

    assert button.isEnabled(), button.toolTip()  # type: ignore[attr-defined]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
