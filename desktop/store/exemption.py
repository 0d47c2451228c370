"""两免一补 in the store: tables, the rules across records, dated aid standards, the semester batch
and the summary queries. No Qt here; the UI calls these functions (long ones on a worker thread
with its own connection).

Tables (migration step 4)
-------------------------
``schools``        code (学校标识码, unique among live rows), name, stage (``SCHOOL_STAGES`` key),
                   community_id, boarding (0/1)
``students``       student_no (学籍号, the one identity, unique among live rows), no_tail (last 4),
                   name, pinyin (initials), sex ('M'/'F'), birth_date, id_number, school_id,
                   community_id (= the school's), grade (1–9; 7 = 初一), class_name, boarding,
                   hardship (``HARDSHIP`` key or NULL), hardship_confirmed_on, enrolled_on, left_on
``aid_standards``  item, stage ('primary'/'junior'), boarding (NULL/0/1), amount_fen *per year*,
                   effective_from, effective_to, note — district-wide (office ``DISTRICT``), like
                   org units not a door table: written by the standards functions below, audited
``exemptions``     student_id, student_no / grade / boarding (as they were at the grant), school_id,
                   community_id (= the school's), school_year ('2025-2026'), semester ('2026春'),
                   item, standard_id, amount_fen (the semester's), granted_on (the record's date,
                   for period locks), method (``METHODS`` key), note

Every write goes through :class:`~desktop.store.door.WriteDoor` (``door.insert / insert_many /
update / delete``), which runs the row rules of :mod:`desktop.domain.exemption` and the rules below
in the write transaction, for the form, the import, the batch and the command alike:

- 学籍号 format (G / J / L) and uniqueness; one student per ID number; a student's community is
  their school's; the grade is taught at the school; a boarder only at a boarding school;
- a student is exempted **once per item and semester** — also when they appear at a second
  school; the refusal names the first grant (school, date);
- the amount is the semester's half of the standard in force on the semester's first day for the
  item, the student's stage (by grade) and boarding, and the record names that standard;
- the living allowance only for a student whose hardship type was confirmed by the grant date.

API for the UI
--------------
Reading (every query takes the user's :class:`~desktop.store.orgs.Scope`; ``db`` is a
sqlite-utils Database or a raw connection of the calling thread):

- ``list_schools(db, scope) -> list[School]``; ``get_school(db, school_id) -> School | None``
- ``get_student(db, student_id) -> dict | None``; ``find_student(db, student_no) -> dict | None``
- ``schools_query(scope, search="") -> paged.Query``,
  ``students_query(db, scope, search="", school_id=None, grade=None, hardship_only=False,
  include_left=False) -> paged.Query``, ``exemptions_query(db, scope, semester=None,
  school_id=None, item=None, search="", period=None) -> paged.Query`` — for ``PagedResult``;
  columns holding choice keys (stage, item, method, hardship, sex) are listed in ``KEY_COLUMNS``
  with the ChoiceList that labels them.
- ``school_summary(db, scope=None, semester=None, school_id=None) -> list[SummaryRow]`` (school ×
  semester × item: distinct students, amount); ``period_totals(db, period, scope=None) -> Totals``
  (distinct students and amount of the grants dated in a period: the quarterly report's
  "两免一补: 13383 名学生, 共计 419.9 万元" is ``period_totals(db, quarter(2026, 1)).text``);
  ``item_totals(db, period, scope=None) -> list[ItemTotal]``; ``semester_keys(db, scope=None)``.
- ``load_standards(db) -> list[Standard]``; ``standard_for(db, item, stage, boarding, day)``.

Writing (each raises ``ValidationError`` with problems naming fields, ``AccessDenied`` or
``PeriodLocked``; nothing is written then):

- ``student_values(db, **fields) -> dict`` then ``door.insert("students", values)`` (fills the
  community from the school, pinyin, tail, and sex / birth date / ID number from a G 学籍号);
  ``door.update("students", id, changes)``; ``transfer_student(door, student_id, school_id, ...)``.
- ``door.insert("schools", {...})`` with code, name, stage, community_id, boarding.
- ``exemption_values(db, student_id, semester, item, granted_on, method=None) -> dict`` then
  ``door.insert("exemptions", values)``: one record keyed by hand.
- ``propose_batch(db, school_id, semester, user, granted_on=None) -> Batch`` (``school_id`` None =
  every school in the user's scope): what the batch would write, the totals per item
  (``batch.totals``), and who is left out and why (``batch.skipped``); then
  ``commit_batch(door, batch, progress=None, cancel=None) -> list[str]`` writes it in one
  transaction (``progress(done, total, message)``, ``cancel() -> bool``; cancelled → nothing).
- Standards (district administrator only, audited): ``add_standard(door, ...)``,
  ``update_standard(door, standard_id, changes)``, ``end_standard(door, standard_id, last_day)``,
  ``delete_standard(door, standard_id)``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from desktop.domain import pinyin
from desktop.domain.choices import EXEMPTION_ITEMS, HARDSHIP, SCHOOL_STAGES, SEX, ChoiceList
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.exemption import (
    ALLOWANCE_ITEMS,
    DEFAULT_METHOD,
    METHODS,
    STANDARD_STAGES,
    STUDENT_NO,
    Standard,
    amount_problem,
    enrolment_problem,
    grade_label,
    grade_problems,
    grant_window,
    hardship_confirmed,
    hardship_problem,
    no_standard_message,
    normalize_student_no,
    parse_student_no,
    school_year_of,
    semester_amount,
    semester_period,
    semester_start_sql,
    stage_of_grade,
    standard_in_force,
    validate_exemption,
    validate_school,
    validate_standard,
    validate_student,
)
from desktop.domain.ids import mask_id
from desktop.domain.money import format_wan, format_yuan
from desktop.domain.periods import Period, parse_period
from desktop.domain.uuid7 import uuid7
from desktop.store import audit
from desktop.store.audit import now_iso
from desktop.store.common import EACH, Db, conn_of, json_list, rows_in, short_id, unit_name_sql
from desktop.store.db import transaction
from desktop.store.errors import AccessDenied, Cancelled
from desktop.store.orgs import OrgTree, Scope
from desktop.store.paged import Column, Query
from desktop.store.tables import NumberedRows, TableSpec, register

if TYPE_CHECKING:  # the door imports this module (through tables) to know its tables
    from desktop.store.door import CancelCheck, Progress, WriteDoor
    from desktop.store.users import User

DISTRICT = "DISTRICT"
"""The ``office`` of district-wide records (aid standards): no office's, the administrator's."""
WRITE_BATCH = 5000  # rows per executemany of the batch commit


def _who(name: Any, student_no: Any) -> str:
    """A student in a message. A G 学籍号 carries an ID number, so it is masked like one."""
    return f"{name or '该学生'}（学籍号 {mask_student_no(student_no)}）"


def mask_student_no(student_no: Any) -> str:
    text = str(student_no or "")
    if len(text) == 19 and text[0] == "G":
        return "G" + mask_id(text[1:])
    return text


# -- standards ------------------------------------------------------------------------------------

_STANDARD_COLUMNS = "id, item, stage, boarding, amount_fen, effective_from, effective_to, note"


def load_standards(db: Db, *, include_deleted: bool = False) -> list[Standard]:
    """Every live aid standard, by item, stage, boarding and start date."""
    where = "" if include_deleted else " WHERE deleted = 0"
    rows = conn_of(db).execute(
        f"SELECT {_STANDARD_COLUMNS} FROM aid_standards{where}"
        " ORDER BY item, stage, boarding, effective_from"
    )
    keys = _STANDARD_COLUMNS.split(", ")
    return [Standard.from_row(dict(zip(keys, r, strict=True))) for r in rows]


def standard_for(
    db: Db, item: str, stage: str, boarding: int | None, day: date | str
) -> Standard | None:
    """The standard in force on ``day`` (see ``domain.exemption.standard_in_force``)."""
    return standard_in_force(load_standards(db), item, stage, boarding, day)


def _require_district_admin(door: WriteDoor) -> None:
    if not door.user.is_admin or door.user.office is not None:
        raise AccessDenied("资助标准只能由区管理员修改。")


STANDARD_FIELDS = (
    "item",
    "stage",
    "boarding",
    "amount_fen",
    "effective_from",
    "effective_to",
    "note",
)
STANDARD_IMMUTABLE = ("id", "office", "item", "stage", "boarding")
"""A standard's item, stage and boarding never change: end it and add another."""


def _standard_row(conn: sqlite3.Connection, standard_id: str) -> dict[str, Any]:
    cur = conn.execute(
        f"SELECT {_STANDARD_COLUMNS}, rev, deleted FROM aid_standards WHERE id = ?", [standard_id]
    )
    row = cur.fetchone()
    if row is None or row[-1]:
        raise ValidationError.single("资助标准", "该资助标准不存在或已删除")
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def _check_standard(conn: sqlite3.Connection, record: Mapping[str, Any]) -> None:
    problems = validate_standard(record) or check_standards(conn, [(None, record)])
    if problems:
        raise ValidationError(problems)


def add_standard(
    door: WriteDoor,
    item: str,
    stage: str,
    amount_fen: int,
    effective_from: str,
    effective_to: str | None = None,
    note: str | None = None,
    boarding: int | None = None,
) -> str:
    """A new dated standard (元/年 in 分); returns its id. ``boarding`` defaults from the item
    (寄宿生 1, 非寄宿生 0, others NULL). Refused when it overlaps a live standard of the same item,
    stage and boarding. Audited as ``standard_add``."""
    _require_district_admin(door)
    if boarding is None and item in ALLOWANCE_ITEMS:
        boarding = 1 if item == "boarding" else 0
    record = {
        "id": uuid7(),
        "item": item,
        "stage": stage,
        "boarding": boarding,
        "amount_fen": amount_fen,
        "effective_from": effective_from,
        "effective_to": effective_to,
        "note": note,
    }
    stamp = now_iso()
    with transaction(door.db) as conn:
        _check_standard(conn, record)
        conn.execute(
            "INSERT INTO aid_standards(id, office, rev, updated_at, updated_by, deleted, item,"
            " stage, boarding, amount_fen, effective_from, effective_to, note)"
            " VALUES (:id, :office, 1, :at, :by, 0, :item, :stage, :boarding, :amount_fen,"
            " :effective_from, :effective_to, :note)",
            {**record, "office": DISTRICT, "at": stamp, "by": door.user.name},
        )
        audit.append(
            conn,
            [
                audit.Entry(
                    stamp,
                    door.user.name,
                    "standard_add",
                    "aid_standards",
                    str(record["id"]),
                    DISTRICT,
                    None,
                    record,
                )
            ],
        )
    return str(record["id"])


def update_standard(
    door: WriteDoor, standard_id: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Change the amount, dates or note of a standard; returns it as it is now. Refused when the
    exemption records computed with it would no longer match (end it and add another instead).
    Audited as ``standard_update`` (before → after)."""
    _require_district_admin(door)
    fixed = [k for k in changes if k in STANDARD_IMMUTABLE or k not in STANDARD_FIELDS]
    if fixed:
        raise ValueError(f"aid_standards: {fixed} cannot be changed through update_standard()")
    stamp = now_iso()
    with transaction(door.db) as conn:
        before = _standard_row(conn, standard_id)
        after = {**before, **changes}
        _check_standard(conn, after)
        sets = ", ".join(f"{k} = :{k}" for k in changes)
        conn.execute(
            f"UPDATE aid_standards SET {sets}, rev = rev + 1, updated_at = :at, updated_by = :by"
            " WHERE id = :id",
            {**changes, "at": stamp, "by": door.user.name, "id": standard_id},
        )
        audit.append(
            conn,
            [
                audit.Entry(
                    stamp,
                    door.user.name,
                    "standard_update",
                    "aid_standards",
                    standard_id,
                    DISTRICT,
                    {k: before[k] for k in changes},
                    {**dict(changes), "rev": before["rev"] + 1},
                )
            ],
        )
    after["rev"] = before["rev"] + 1
    return after


def end_standard(door: WriteDoor, standard_id: str, last_day: str) -> dict[str, Any]:
    """Set the last day a standard is in force (before adding its successor)."""
    return update_standard(door, standard_id, {"effective_to": last_day})


def delete_standard(door: WriteDoor, standard_id: str) -> None:
    """Delete (tombstone) a standard no exemption record refers to. Audited as
    ``standard_delete``."""
    _require_district_admin(door)
    stamp = now_iso()
    with transaction(door.db) as conn:
        before = _standard_row(conn, standard_id)
        used = conn.execute(
            "SELECT count(*) FROM exemptions WHERE deleted = 0 AND standard_id = ?", [standard_id]
        ).fetchone()[0]
        if used:
            raise ValidationError.single(
                "资助标准",
                f"已有 {used} 条资助记录按此标准计算，不能删除；如已停止执行，请填写截止日期",
            )
        conn.execute(
            "UPDATE aid_standards SET deleted = 1, rev = rev + 1, updated_at = ?, updated_by = ?"
            " WHERE id = ?",
            [stamp, door.user.name, standard_id],
        )
        audit.append(
            conn,
            [
                audit.Entry(
                    stamp,
                    door.user.name,
                    "standard_delete",
                    "aid_standards",
                    standard_id,
                    DISTRICT,
                    before,
                    {"deleted": 1, "rev": before["rev"] + 1},
                )
            ],
        )


def check_standards(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """No two live standards of one item, stage and boarding overlap in time; a change keeps the
    records computed with the standard matching it."""
    problems: list[Problem] = []
    seen: list[tuple[int | None, Mapping[str, Any]]] = []
    for row, rec in rows:
        same = conn.execute(
            "SELECT id, effective_from, effective_to, amount_fen FROM aid_standards"
            " WHERE deleted = 0 AND item = ? AND stage = ? AND coalesce(boarding, -1) = ?"
            " AND id != ?",
            [rec.get("item"), rec.get("stage"), _boarding_key(rec.get("boarding")), rec.get("id")],
        ).fetchall()
        start, end = str(rec.get("effective_from")), rec.get("effective_to")
        for other_id, other_start, other_end, amount in same:
            if _overlap(start, end, other_start, other_end):
                until = f"至 {other_end}" if other_end else "起"
                problems.append(
                    Problem(
                        "起始日期",
                        f"与已有标准重叠（{other_start} {until}，{format_yuan(amount, False)} 元/年，"
                        f"记录号 {short_id(other_id)}）；请先为旧标准填写截止日期",
                        row,
                    )
                )
                break
        for other_row, other in seen:
            if (other.get("item"), other.get("stage"), _boarding_key(other.get("boarding"))) == (
                rec.get("item"),
                rec.get("stage"),
                _boarding_key(rec.get("boarding")),
            ) and _overlap(start, end, str(other.get("effective_from")), other.get("effective_to")):
                problems.append(Problem("起始日期", f"与第 {other_row} 行的标准重叠", row))
        seen.append((row, rec))
        if isinstance(rec.get("amount_fen"), int):
            start_sql = semester_start_sql()
            bad = conn.execute(
                f"SELECT count(*), min(semester), max(semester) FROM exemptions"
                f" WHERE deleted = 0 AND standard_id = ? AND (amount_fen != ? OR {start_sql} < ?"
                f" OR (? IS NOT NULL AND {start_sql} > ?))",
                [rec.get("id"), semester_amount(rec["amount_fen"]), start, end, end],
            ).fetchone()
            if bad[0]:
                problems.append(
                    Problem(
                        "金额",
                        f"已有 {bad[0]} 条资助记录（{bad[1]}–{bad[2]}）按此标准计算，改后将不再相符；"
                        "标准调整时请为此标准填写截止日期，再新增一条",
                        row,
                    )
                )
    return problems


def _boarding_key(value: Any) -> int:
    return -1 if value is None else int(value)


def _overlap(a_start: str, a_end: Any, b_start: str, b_end: Any) -> bool:
    return (b_end is None or a_start <= str(b_end)) and (a_end is None or b_start <= str(a_end))


# -- schools ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class School:
    id: str
    office: str
    community_id: str
    code: str
    name: str
    stage: str
    boarding: bool

    @property
    def stage_label(self) -> str:
        return SCHOOL_STAGES.label(self.stage)

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）"


_SCHOOL_COLUMNS = "id, office, community_id, code, name, stage, boarding"


def _school(row: Sequence[Any]) -> School:
    return School(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]))


def list_schools(db: Db, scope: Scope | None = None) -> list[School]:
    """The live schools in ``scope``, by office and name."""
    where, params = (scope or Scope.everything()).sql("office", "community_id")
    rows = conn_of(db).execute(
        f"SELECT {_SCHOOL_COLUMNS} FROM schools WHERE deleted = 0 AND {where}"
        " ORDER BY office, name",
        params,
    )
    return [_school(r) for r in rows]


def get_school(db: Db, school_id: str) -> School | None:
    row = (
        conn_of(db)
        .execute(f"SELECT {_SCHOOL_COLUMNS} FROM schools WHERE deleted = 0 AND id = ?", [school_id])
        .fetchone()
    )
    return _school(row) if row else None


def check_schools(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """A code once among live schools; a change of stage, boarding or community keeps the school's
    students valid."""
    problems: list[Problem] = []
    existing = {
        r[0]: r
        for r in rows_in(
            conn,
            "SELECT code, id, name FROM schools WHERE deleted = 0 AND code IN ({marks})",
            (rec.get("code") for _, rec in rows),
        )
    }
    first_row: dict[str, int | None] = {}
    for row, rec in rows:
        code = str(rec.get("code") or "")
        other = existing.get(code)
        if other is not None and other[1] != rec.get("id"):
            problems.append(
                Problem("学校代码", f"「{code}」已是{other[2]}的代码，学校代码不能重复", row)
            )
        elif code in first_row:
            problems.append(Problem("学校代码", f"「{code}」与第 {first_row[code]} 行重复", row))
        first_row.setdefault(code, row)
        stored = conn.execute(
            "SELECT stage, boarding, community_id FROM schools WHERE id = ?", [rec.get("id")]
        ).fetchone()
        if stored is None:
            continue
        stage, boarding, community = stored
        if rec.get("community_id") != community:
            count = _count_students(conn, str(rec["id"]), "1")
            if count:
                problems.append(
                    Problem("社区", f"该校已有 {count} 名学生登记，不能更改学校所在社区", row)
                )
        if rec.get("stage") != stage and rec.get("stage") in SCHOOL_GRADES_SQL:
            low, high = SCHOOL_GRADES_SQL[str(rec["stage"])]
            count = _count_students(conn, str(rec["id"]), f"(grade < {low} OR grade > {high})")
            if count:
                problems.append(
                    Problem(
                        "学段",
                        f"该校有 {count} 名学生的年级不属于{SCHOOL_STAGES.label(str(rec['stage']))}，"
                        "请先调整这些学生",
                        row,
                    )
                )
        if boarding and not rec.get("boarding"):
            count = _count_students(conn, str(rec["id"]), "boarding = 1")
            if count:
                problems.append(
                    Problem("寄宿制", f"该校有 {count} 名寄宿生，请先调整这些学生的寄宿情况", row)
                )
    return problems


SCHOOL_GRADES_SQL = {"primary": (1, 6), "junior": (7, 9), "nine_year": (1, 9)}


def _count_students(conn: sqlite3.Connection, school_id: str, condition: str) -> int:
    return int(
        conn.execute(
            f"SELECT count(*) FROM students WHERE deleted = 0 AND school_id = ? AND {condition}",
            [school_id],
        ).fetchone()[0]
    )


# -- students -----------------------------------------------------------------------------------------

STUDENT_FIELDS = (
    "school_id",
    "community_id",
    "student_no",
    "no_tail",
    "name",
    "pinyin",
    "sex",
    "birth_date",
    "id_number",
    "grade",
    "class_name",
    "boarding",
    "hardship",
    "hardship_confirmed_on",
    "enrolled_on",
    "left_on",
)


def student_values(
    db: Db,
    *,
    school_id: str,
    student_no: str,
    name: str,
    grade: int,
    sex: str | None = None,
    birth_date: str | None = None,
    id_number: str | None = None,
    class_name: str | None = None,
    boarding: bool | int = False,
    hardship: str | None = None,
    hardship_confirmed_on: str | None = None,
    enrolled_on: str | None = None,
    left_on: str | None = None,
) -> dict[str, Any]:
    """The values of a new student for ``door.insert('students', …)``: the 学籍号 normalised, the
    community taken from the school, pinyin initials and tail filled in, and sex, birth date and
    ID number taken from a G 学籍号 where not given. Nothing is checked here — the door does."""
    number = normalize_student_no(student_no)
    try:
        parsed = parse_student_no(number)
    except ValidationError:
        parsed = None
    if parsed is not None and parsed.kind == "G":
        sex = sex or parsed.sex
        birth_date = birth_date or (parsed.birth_date.isoformat() if parsed.birth_date else None)
        id_number = id_number or parsed.id_number
    school = (
        conn_of(db)
        .execute("SELECT community_id, office FROM schools WHERE id = ?", [school_id])
        .fetchone()
    )
    name = " ".join(str(name or "").split())
    return {
        "school_id": school_id,
        "community_id": school[0] if school else None,
        "office": school[1] if school else None,
        "student_no": number,
        "no_tail": number[-4:],
        "name": name,
        "pinyin": pinyin.initials(name),
        "sex": sex,
        "birth_date": birth_date,
        "id_number": id_number or None,
        "grade": grade,
        "class_name": class_name or None,
        "boarding": int(bool(boarding)),
        "hardship": hardship or None,
        "hardship_confirmed_on": hardship_confirmed_on or None,
        "enrolled_on": enrolled_on,
        "left_on": left_on,
    }


_STUDENT_READ = ", ".join(("id", "office", *STUDENT_FIELDS))


def get_student(db: Db, student_id: str) -> dict[str, Any] | None:
    """One live student as a dict of its columns (plus ``id`` and ``office``)."""
    cur = conn_of(db).execute(
        f"SELECT {_STUDENT_READ} FROM students WHERE deleted = 0 AND id = ?", [student_id]
    )
    row = cur.fetchone()
    return dict(zip(_STUDENT_READ.split(", "), row, strict=True)) if row else None


def find_student(db: Db, student_no: str) -> dict[str, Any] | None:
    """The live student with this 学籍号 (normalised first), or None."""
    cur = conn_of(db).execute(
        f"SELECT {_STUDENT_READ} FROM students WHERE deleted = 0 AND student_no = ?",
        [normalize_student_no(student_no)],
    )
    row = cur.fetchone()
    return dict(zip(_STUDENT_READ.split(", "), row, strict=True)) if row else None


class _Schools:
    """Schools by id (read once per check; a district has hundreds)."""

    def __init__(self, conn: sqlite3.Connection, ids: Iterable[Any]):
        self.rows = {
            r[0]: r
            for r in rows_in(
                conn,
                "SELECT id, name, community_id, stage, boarding, deleted FROM schools"
                " WHERE id IN ({marks})",
                ids,
            )
        }

    def name(self, school_id: Any) -> str:
        row = self.rows.get(school_id)
        return str(row[1]) if row else "另一所学校"


def _school_problems(schools: _Schools, rec: Mapping[str, Any]) -> list[Problem]:
    school = schools.rows.get(rec.get("school_id"))
    if school is None or school[5]:
        return [Problem("学校", "所选学校不存在或已删除")]
    if school[2] != rec.get("community_id"):
        return [Problem("社区", f"应为{school[1]}所在的社区")]
    return []


def _identity(rec: Mapping[str, Any]) -> str | None:
    """The ID number a student record stands for: its id_number, or the one in a G 学籍号."""
    if rec.get("id_number"):
        return str(rec["id_number"])
    number = str(rec.get("student_no") or "")
    return number[1:] if number.startswith("G") and len(number) == 19 else None


def check_students(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """One live student per 学籍号 and per ID number; the school exists, is in the student's
    community, teaches the grade and, for a boarder, boards."""
    schools = _Schools(conn, (rec.get("school_id") for _, rec in rows))
    by_no = {
        r[0]: r
        for r in rows_in(
            conn,
            "SELECT student_no, id, name, school_id, grade FROM students"
            " WHERE deleted = 0 AND student_no IN ({marks})",
            (rec.get("student_no") for _, rec in rows),
        )
    }
    idents = [_identity(rec) for _, rec in rows]
    by_ident: dict[str, tuple[Any, ...]] = {}
    for r in rows_in(
        conn,
        "SELECT id_number, id, name, student_no FROM students"
        " WHERE deleted = 0 AND id_number IN ({marks})",
        idents,
    ):
        by_ident.setdefault(r[0], r)
    for r in rows_in(
        conn,
        "SELECT substr(student_no, 2), id, name, student_no FROM students"
        " WHERE deleted = 0 AND student_no IN ({marks})",
        ("G" + i for i in idents if i),
    ):
        by_ident.setdefault(r[0], r)
    extra = {
        r[0]: r[1]
        for r in rows_in(
            conn,
            "SELECT id, name FROM schools WHERE id IN ({marks})",
            (r[3] for r in by_no.values()),
        )
    }
    problems: list[Problem] = []
    first_no: dict[str, int | None] = {}
    first_ident: dict[str, tuple[int | None, str]] = {}
    for (row, rec), ident in zip(rows, idents, strict=True):
        found = _school_problems(schools, rec)
        problems.extend(replace(p, row=row) for p in found)
        if not found:
            school = schools.rows[rec["school_id"]]
            problems.extend(
                replace(p, row=row) for p in grade_problems(rec.get("grade"), school[3], school[1])
            )
            if rec.get("boarding") and not school[4]:
                problems.append(
                    Problem("寄宿", f"{school[1]}不是寄宿制学校，不能登记为寄宿生", row)
                )
        number = str(rec.get("student_no") or "")
        other = by_no.get(number)
        if other is not None and other[1] != rec.get("id"):
            problems.append(
                Problem(
                    STUDENT_NO,
                    f"学籍号 {number} 已登记为{other[2]}（{extra.get(other[3], '')}，"
                    f"{grade_label(other[4])}），一个学生只登记一次；转学请修改原记录",
                    row,
                )
            )
        elif number in first_no:
            problems.append(
                Problem(STUDENT_NO, f"学籍号 {number} 与第 {first_no[number]} 行重复", row)
            )
        first_no.setdefault(number, row)
        if ident:
            same = by_ident.get(ident)
            if (
                same is not None
                and same[1] != rec.get("id")
                and not (other and other[1] == same[1])
            ):
                problems.append(
                    Problem(
                        "身份证号",
                        f"该身份证号已登记为学生{same[2]}（学籍号 {same[3]}），"
                        "同一学生不能有两个学籍号",
                        row,
                    )
                )
            elif ident in first_ident and first_ident[ident][1] != number:
                problems.append(
                    Problem("身份证号", f"与第 {first_ident[ident][0]} 行是同一身份证号", row)
                )
            first_ident.setdefault(ident, (row, number))
    return problems


def transfer_student(
    door: WriteDoor,
    student_id: str,
    school_id: str,
    *,
    grade: int | None = None,
    class_name: str | None = None,
    boarding: bool | None = None,
    moved_on: str | None = None,
) -> str:
    """Move a student to another school, keeping the one identity (the 学籍号). Within an office the
    student's record is changed; to a school of another office the record is closed (tombstone)
    and the same student is registered there with the same 学籍号, in one transaction (records
    carry their office of origin). Returns the student's record id (new when it moved office).
    Earlier exemption records keep their school."""
    db = door.db
    current = get_student(db, student_id)
    if current is None:
        raise ValidationError.single("学生", "学生不存在或已删除")
    target = get_school(db, school_id)
    if target is None:
        raise ValidationError.single("学校", "所选学校不存在或已删除")
    changes: dict[str, Any] = {
        "school_id": school_id,
        "community_id": target.community_id,
        "grade": current["grade"] if grade is None else grade,
        "class_name": class_name,
        "boarding": int(bool(boarding if boarding is not None else current["boarding"]))
        if target.boarding
        else 0,
        "enrolled_on": moved_on or date.today().isoformat(),
    }
    if target.office == current["office"]:
        door.update("students", student_id, changes)
        return student_id
    with door.transaction():
        door.delete("students", student_id)
        values = {k: current[k] for k in STUDENT_FIELDS}
        values.update(changes, office=target.office)
        return door.insert("students", values)


# -- exemption records ------------------------------------------------------------------------------


def exemption_values(
    db: Db,
    student_id: str,
    semester: str,
    item: str,
    granted_on: str,
    *,
    method: str | None = None,
    note: str | None = None,
    standards: Sequence[Standard] | None = None,
) -> dict[str, Any]:
    """The values of one exemption record for ``door.insert('exemptions', …)``: the student's
    current school, community, 学籍号, grade and boarding, the school year, and the standard in
    force with its semester amount. ValidationError when the student or a standard is missing."""
    student = get_student(db, student_id)
    if student is None:
        raise ValidationError.single("学生", "学生不存在或已删除")
    key = parse_semester(semester)
    stage = stage_of_grade(int(student["grade"]))
    day = semester_period(key).start
    standard = standard_in_force(
        standards if standards is not None else load_standards(db),
        item,
        stage,
        student["boarding"],
        day,
    )
    if standard is None:
        raise ValidationError.single("资助标准", no_standard_message(item, stage, day))
    return {
        "office": student["office"],
        "community_id": student["community_id"],
        "school_id": student["school_id"],
        "student_id": student_id,
        "student_no": student["student_no"],
        "grade": student["grade"],
        "boarding": student["boarding"],
        "school_year": school_year_of(key),
        "semester": key,
        "item": item,
        "standard_id": standard.id,
        "amount_fen": standard.semester_fen,
        "granted_on": granted_on,
        "method": method or DEFAULT_METHOD[item],
        "note": note,
    }


def parse_semester(text: str) -> str:
    """A semester key from what was typed ('2026春', '2026年春季学期' …)."""
    period = parse_period(text)
    if period.kind != "semester":
        raise ValidationError.single("学期", f"「{text}」不是学期，应写成 2026春 或 2025秋")
    return period.key


_SHARED = (
    "school_id",
    "community_id",
    "grade",
    "boarding",
    "item",
    "semester",
    "standard_id",
    "amount_fen",
)
_pick_shared = itemgetter(*_SHARED)
_pick_own = itemgetter("student_id", "student_no", "id", "granted_on")


def _picked(rec: Mapping[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(what depends on the school, grade, item and standard; the student, 学籍号, id and grant
    day) of a record — a whole record from the door in two C calls, a partial one by ``get``."""
    try:
        return _pick_shared(rec), _pick_own(rec)
    except KeyError:
        return (
            tuple(rec.get(k) for k in _SHARED),
            (rec.get("student_id"), rec.get("student_no"), rec.get("id"), rec.get("granted_on")),
        )


def check_exemptions(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """Once per student, item and semester (by record and by 学籍号, at any school); the student,
    school and standard exist and agree with the record; the amount is the standard's; the living
    allowance only with a confirmed hardship.

    Set-based, for the thousands of rows a batch or an import hands at a time: the students are
    read with one query, the earlier grants with one query per semester (the keys go to SQLite as
    a JSON array), and every row is then judged with dictionary look-ups; what depends only on the
    school, grade, item and standard is judged once per call."""
    picked = [(row, rec, *_picked(rec)) for row, rec in rows]
    standards = {s.id: s for s in load_standards(conn, include_deleted=True)}
    live = load_standards(conn)
    schools = _Schools(conn, (shared[0] for _, _, shared, _ in picked))
    students = {
        r[0]: r
        for r in rows_in(
            conn,
            "SELECT id, student_no, name, hardship, hardship_confirmed_on, deleted, enrolled_on,"
            " left_on FROM students WHERE id IN ({marks})",
            (own[0] for _, _, _, own in picked),
        )
    }
    earlier = _earlier_grants(conn, picked)
    missing = {r[4] for r in earlier.values()} - schools.rows.keys()
    if missing:
        schools.rows.update(_Schools(conn, missing).rows)
    problems: list[Problem] = []
    judged: dict[tuple[Any, ...], list[Problem]] = {}  # school, grade, item, standard … → problems
    first_row: dict[tuple[Any, Any, Any], tuple[int | None, Mapping[str, Any]]] = {}
    for row, rec, shared, (student_id, given_no, record_id, granted_on) in picked:
        item, key = shared[4], shared[5]
        found = judged.get(shared)
        if found is None:
            found = judged[shared] = _record_problems(rec, schools, standards, live)
        student = students.get(student_id)
        if student is None or student[5]:
            problems.extend(
                replace(p, row=row) for p in [*found, Problem("学生", "学生不存在或已删除")]
            )
            continue
        _, number, name, hardship, confirmed_on, _, enrolled_on, left_on = student
        extra: list[Problem] = []
        if left_on:
            absent = enrolment_problem(name, enrolled_on, left_on, str(key))
            if absent:
                extra.append(Problem(STUDENT_NO, absent))
        if given_no != number:
            extra.append(Problem(STUDENT_NO, f"应为该学生登记的学籍号 {number}，而不是 {given_no}"))
        if item in ALLOWANCE_ITEMS:
            reason = hardship_problem(hardship, confirmed_on, str(granted_on), name)
            if reason:
                extra.append(Problem("资助项目", reason))
        by_record, by_number = (student_id, key, item), (number, key, item)
        first = earlier.get(by_record) or earlier.get(by_number) if earlier else None
        if first is not None and first[2] != record_id:
            extra.append(
                Problem(
                    STUDENT_NO,
                    f"{_who(name, number)}{key}的{EXEMPTION_ITEMS.label(str(item))}已于 {first[3]} "
                    f"在{schools.name(first[4])}享受（记录号 {short_id(first[2])}），"
                    "同一学生每学期每个项目只能享受一次",
                )
            )
        else:
            twin = first_row.get(by_record) or first_row.get(by_number)
            if twin is not None:
                other_row, other = twin
                where = f"第 {other_row} 行" if other_row else "本批另一条记录"
                at = (
                    f"（{schools.name(other.get('school_id'))}）"
                    if other.get("school_id") != shared[0]
                    else ""
                )
                extra.append(
                    Problem(
                        STUDENT_NO,
                        f"{_who(name, number)}{key}的{EXEMPTION_ITEMS.label(str(item))}"
                        f"与{where}{at}重复，同一学生每学期每个项目只能享受一次",
                    )
                )
            else:
                first_row[by_record] = first_row[by_number] = (row, rec)
        if found or extra:
            problems.extend(replace(p, row=row) for p in [*found, *extra])
    return problems


_GRANTS = (
    "SELECT student_id, student_no, item, id, granted_on, school_id FROM exemptions"
    " WHERE deleted = 0 AND semester = ?"
)  # each half of the UNION follows its own index (an OR of the two would scan the table)
_EARLIER = f"{_GRANTS} AND student_id IN ({EACH}) UNION ALL {_GRANTS} AND student_no IN ({EACH})"


def _semester_grants(
    conn: sqlite3.Connection, key: Any, ids: Iterable[Any], numbers: Iterable[Any]
) -> list[tuple[Any, ...]]:
    """Live grants of semester ``key`` to the students ``ids`` or the 学籍号 ``numbers``, in one
    query: (student_id, 学籍号, item, record id, granted_on, school_id)."""
    return conn.execute(
        _EARLIER,
        [key, json_list([*dict.fromkeys(ids)]), key, json_list([*dict.fromkeys(numbers)])],
    ).fetchall()


def _earlier_grants(
    conn: sqlite3.Connection,
    picked: Sequence[tuple[Any, Any, tuple[Any, ...], tuple[Any, ...]]],
) -> dict[tuple[Any, Any, Any], tuple[Any, ...]]:
    """Live grants of the rows' semesters to the same students, by record or by 学籍号 (one query
    per semester): (student_id or 学籍号, semester, item) → (student_id, 学籍号, record id,
    granted_on, school_id)."""
    by_semester: dict[Any, tuple[list[Any], list[Any]]] = {}
    for _, _, shared, own in picked:
        ids, numbers = by_semester.setdefault(shared[5], ([], []))
        ids.append(own[0])
        numbers.append(own[1])
    earlier: dict[tuple[Any, Any, Any], tuple[Any, ...]] = {}
    for key, (ids, numbers) in by_semester.items():
        for r in _semester_grants(conn, key, ids, numbers):
            found = (r[0], r[1], r[3], r[4], r[5])
            earlier.setdefault((r[0], key, r[2]), found)
            earlier.setdefault((r[1], key, r[2]), found)
    return earlier


def _record_problems(
    rec: Mapping[str, Any],
    schools: _Schools,
    standards: Mapping[str, Standard],
    live: Sequence[Standard],
) -> list[Problem]:
    """What depends only on the record's school, grade, boarding, item, semester, standard and
    amount (judged once per distinct combination)."""
    found = _school_problems(schools, rec)
    school = schools.rows.get(rec.get("school_id"))
    if school is not None and not school[5]:
        found.extend(grade_problems(rec.get("grade"), school[3], school[1]))
    grade = rec.get("grade")
    if isinstance(grade, int) and 1 <= grade <= 9 and rec.get("item") in EXEMPTION_ITEMS:
        found.extend(_standard_problems(rec, standards, live, stage_of_grade(grade)))
    return found


def _standard_problems(
    rec: Mapping[str, Any],
    standards: Mapping[str, Standard],
    live: Sequence[Standard],
    stage: str,
) -> list[Problem]:
    item, key = str(rec["item"]), str(rec.get("semester"))
    try:
        day = semester_period(key).start
    except ValidationError:
        return []
    boarding = rec.get("boarding")
    in_force = standard_in_force(live, item, stage, boarding, day)
    chosen = standards.get(str(rec.get("standard_id")))
    if in_force is None:
        return [Problem("资助标准", no_standard_message(item, stage, day))]
    if chosen is None or chosen.id != in_force.id:
        return [Problem("资助标准", f"{key}应按{in_force.label}计算")]
    message = amount_problem(rec.get("amount_fen"), chosen, item, stage, key)
    return [Problem("金额", message)] if message else []


# -- registration -----------------------------------------------------------------------------------

SCHOOLS = register(
    TableSpec(
        "schools",
        "学校",
        "exemption",
        None,  # master data: not locked with a period
        validate=validate_school,
        check_db=check_schools,
    )
)
STUDENTS = register(
    TableSpec(
        "students",
        "学生",
        "exemption",
        None,
        validate=validate_student,
        check_db=check_students,
    )
)
EXEMPTIONS = register(
    TableSpec(
        "exemptions",
        "两免一补资助",
        "exemption",
        "granted_on",
        validate=validate_exemption,
        check_db=check_exemptions,
        immutable=("id", "office", "student_id", "student_no", "semester", "item"),
    )
)


# -- the semester batch ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemTotal:
    item: str
    students: int
    amount_fen: int

    @property
    def label(self) -> str:
        return EXEMPTION_ITEMS.label(self.item)

    @property
    def yuan(self) -> str:
        return format_yuan(self.amount_fen)


@dataclass(frozen=True)
class Skipped:
    """A student and item the batch leaves out, and why. ``kind``: 'already' (exempted for the item
    and semester already, at this or another school — the reason names the school and date),
    'hardship' (a hardship type not confirmed by the grant date), 'standard' (no standard in
    force)."""

    student_id: str
    student_no: str
    name: str
    school_id: str
    item: str
    reason: str
    kind: str = "already"

    @property
    def item_label(self) -> str:
        return EXEMPTION_ITEMS.label(self.item)


@dataclass
class Batch:
    """What a semester batch would write: ``rows`` (exemption values for the door), the totals per
    item, and the students and items left out with the reason."""

    semester: str
    school_year: str
    granted_on: str
    user: str
    schools: dict[str, str]  # school id → name, of the schools covered
    enrolled: int  # students enrolled in the semester at those schools
    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def totals(self) -> list[ItemTotal]:
        """Per item, in the order of EXEMPTION_ITEMS: students and amount to be written."""
        counts: dict[str, list[int]] = {k: [0, 0] for k in EXEMPTION_ITEMS.keys()}
        for r in self.rows:
            entry = counts[r["item"]]
            entry[0] += 1
            entry[1] += r["amount_fen"]
        return [ItemTotal(k, n, fen) for k, (n, fen) in counts.items()]

    @property
    def students(self) -> int:
        """Distinct students who get at least one item."""
        return len({r["student_id"] for r in self.rows})

    @property
    def amount_fen(self) -> int:
        return sum(r["amount_fen"] for r in self.rows)

    @property
    def already(self) -> list[Skipped]:
        return [s for s in self.skipped if s.kind == "already"]

    def __len__(self) -> int:
        return len(self.rows)


def default_grant_day(semester: str, today: date | None = None) -> str:
    """Today when it lies in the semester's grant window, else the semester's first day."""
    first, last = grant_window(semester)
    today = today or date.today()
    return (today if first <= today <= last else semester_period(semester).start).isoformat()


def _student_source(
    school_id: str | None, scope: Scope, start: str, end: str
) -> tuple[str, list[Any]]:
    """FROM … WHERE … of the students enrolled in the semester (aliases ``s`` student, ``sc``
    school): at the school (or every school in ``scope``), enrolled by its last day and not left
    by its first."""
    scope_sql, scope_params = scope.sql("sc.office", "sc.community_id")
    where = [
        "s.deleted = 0",
        "sc.deleted = 0",
        scope_sql,
        "(s.enrolled_on IS NULL OR s.enrolled_on <= ?)",
        "(s.left_on IS NULL OR s.left_on > ?)",
    ]
    params: list[Any] = [*scope_params, end, start]
    if school_id is not None:
        where.insert(0, "s.school_id = ?")
        params.insert(0, school_id)
    return (
        f"FROM students AS s JOIN schools AS sc ON sc.id = s.school_id WHERE {' AND '.join(where)}",
        params,
    )


def _item_fields(
    standards: Sequence[Standard],
    item: str,
    stage: str,
    boarding: int,
    start: date,
    year: str,
    key: str,
    granted: str,
    methods: Mapping[str, str],
) -> tuple[Standard | None, dict[str, Any]]:
    """The standard in force for a batch row of ``item``, ``stage`` and ``boarding``, and the
    fields every such row of the batch shares (worked out once per combination)."""
    standard = standard_in_force(standards, item, stage, boarding, start)
    if standard is None:
        return None, {}
    return standard, {
        "school_year": year,
        "semester": key,
        "item": item,
        "standard_id": standard.id,
        "amount_fen": standard.semester_fen,
        "granted_on": granted,
        "method": methods[item],
        "note": None,
    }


def propose_batch(
    db: Db,
    school_id: str | None,
    semester: str,
    user: User,
    *,
    granted_on: str | None = None,
    methods: Mapping[str, str] | None = None,
) -> Batch:
    """The exemption records of a semester for a school (``None``: every school in the user's
    scope): fees and textbooks for every student enrolled in the semester, the living allowance at
    the boarding or non-boarding rate for those whose hardship type is confirmed by ``granted_on``
    (default :func:`default_grant_day`), at the standards in force on the semester's first day.
    Students already exempted for an item in the semester — at any school — are left out and
    listed in ``skipped`` with the first grant's school and date, as are a hardship type not yet
    confirmed and a missing standard.

    Enrolled = at the school now, ``enrolled_on`` (if any) by the semester's last day and
    ``left_on`` (if any) after its first. The students are read as they are now (grade, boarding,
    hardship, school), so a batch is meant for the current semester; past semesters are entered
    as records (form or import). A handful of SQL queries, whatever the number of students; the
    rows are only proposed — :func:`commit_batch` writes them."""
    conn = conn_of(db)
    key = parse_semester(semester)
    period = semester_period(key)
    granted = granted_on or default_grant_day(key)
    first, last = grant_window(key)
    if not first.isoformat() <= granted <= last.isoformat():
        raise ValidationError.single(
            "发放日期", f"{granted} 不在 {key} 学期内（可填 {first} 至 {last}）"
        )
    methods = {**DEFAULT_METHOD, **(methods or {})}
    for method in methods.values():
        if method not in METHODS:
            raise ValidationError.single(
                "方式", f"「{method}」不是可选项，应为：{'、'.join(METHODS.labels())}"
            )
    scope = user.scope
    if school_id is not None:
        school = get_school(conn, school_id)
        if school is None:
            raise ValidationError.single("学校", "所选学校不存在或已删除")
        if not scope.allows(school.office, school.community_id):
            raise AccessDenied(f"{school.name} 不在您的管辖范围内。")
    scope_sql, scope_params = scope.sql("office", "community_id")
    schools = dict(
        conn.execute(
            f"SELECT id, name FROM schools WHERE deleted = 0 AND {scope_sql}"
            + (" AND id = ?" if school_id is not None else ""),
            [*scope_params, *([school_id] if school_id is not None else [])],
        ).fetchall()
    )
    source, params = _student_source(
        school_id, scope, period.start.isoformat(), period.end.isoformat()
    )
    students = conn.execute(
        "SELECT s.id, s.student_no, s.name, s.grade, s.boarding, s.hardship,"
        f" s.hardship_confirmed_on, s.school_id, sc.community_id, sc.office {source}"
        " ORDER BY sc.office, sc.name, s.grade, s.class_name, s.pinyin, s.name",
        params,
    ).fetchall()
    # grants of the semester already recorded for these students (at any school), by record
    # or by 学籍号 — the keys cannot collide: a 学籍号 is never a UUID
    earlier = _semester_grants(conn, key, (s[0] for s in students), (s[1] for s in students))
    names = _Schools(conn, {r[5] for r in earlier})
    done: dict[tuple[str, str], tuple[str, str]] = {}
    for sid, number, item, _, day, school in earlier:
        found = (day, names.name(school))
        done.setdefault((sid, item), found)
        done.setdefault((number, item), found)
    standards = load_standards(conn)
    # per item, stage and boarding: the standard in force and the fields it gives every row
    chosen: dict[tuple[str, str, int], tuple[Standard | None, dict[str, Any]]] = {}
    batch = Batch(key, school_year_of(key), granted, user.name, schools, len(students))
    rows, skipped = batch.rows, batch.skipped
    year = batch.school_year
    for (
        sid,
        number,
        name,
        grade,
        boarding,
        hardship,
        confirmed,
        school,
        community,
        office,
    ) in students:
        stage = stage_of_grade(grade)
        items = ["fees", "textbooks"]
        allowance = "boarding" if boarding else "nonboarding"
        if hardship_confirmed(hardship, confirmed, granted):
            items.append(allowance)
        elif hardship:
            reason = hardship_problem(hardship, confirmed, granted, name)
            skipped.append(Skipped(sid, number, name, school, allowance, reason or "", "hardship"))
        own = {
            "office": office,
            "community_id": community,
            "school_id": school,
            "student_id": sid,
            "student_no": number,
            "grade": grade,
            "boarding": boarding,
        }
        for item in items:
            if done:
                first_grant = done.get((sid, item)) or done.get((number, item))
                if first_grant is not None:
                    reason = f"已于 {first_grant[0]} 在{first_grant[1]}享受"
                    skipped.append(Skipped(sid, number, name, school, item, reason))
                    continue
            standard_key = (item, stage, boarding)
            fixed = chosen.get(standard_key)
            if fixed is None:
                fixed = chosen[standard_key] = _item_fields(
                    standards, item, stage, boarding, period.start, year, key, granted, methods
                )
            if fixed[0] is None:
                reason = no_standard_message(item, stage, period.start)
                skipped.append(Skipped(sid, number, name, school, item, reason, "standard"))
                continue
            rows.append({**own, **fixed[1]})
    return batch


def commit_batch(
    door: WriteDoor,
    batch: Batch,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> list[str]:
    """Write a proposed batch through the door in one transaction; returns the new record ids.

    The door checks every rule again (another clerk may have granted something since the batch
    was proposed): any refusal, or ``cancel()`` returning True between chunks, leaves nothing
    written (``ValidationError`` / ``Cancelled``)."""
    if door.user.role not in ("reviewer", "admin"):
        raise AccessDenied(
            f"发放方案须由审核员或区管理员确认（当前用户是{door.user.role_label}）。"
        )
    if not batch.rows:
        return []
    with door.transaction():
        ids = door.insert_many(
            "exemptions",
            batch.rows,
            total=len(batch.rows),
            progress=progress,
            cancel=cancel,
            batch=WRITE_BATCH,
        )
        if cancel is not None and cancel():  # also for a batch smaller than one chunk
            raise Cancelled("已取消，数据库未作改动。")
    return ids


# -- summaries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    """One school, semester and item: distinct students and the amount."""

    school_id: str
    school: str
    office: str
    semester: str
    item: str
    students: int
    amount_fen: int

    @property
    def item_label(self) -> str:
        return EXEMPTION_ITEMS.label(self.item)


def school_summary(
    db: Db,
    scope: Scope | None = None,
    semester: str | None = None,
    school_id: str | None = None,
) -> list[SummaryRow]:
    """Per school × semester × item (in the scope): distinct students and the amount, ordered by
    office, school, semester (newest first) and item."""
    scope_sql, params = (scope or Scope.everything()).sql("e.office", "e.community_id")
    where = ["e.deleted = 0", scope_sql]
    if semester is not None:
        where.append("e.semester = ?")
        params.append(parse_semester(semester))
    if school_id is not None:
        where.append("e.school_id = ?")
        params.append(school_id)
    rows = (
        conn_of(db)
        .execute(
            "SELECT e.school_id, e.semester, e.item, count(DISTINCT e.student_no), sum(e.amount_fen)"
            f" FROM exemptions AS e WHERE {' AND '.join(where)}"
            " GROUP BY e.semester, e.school_id, e.item",  # the order of the exemptions_semester index
            params,
        )
        .fetchall()
    )
    names = {
        r[0]: (r[1], r[2])
        for r in rows_in(
            conn_of(db),
            "SELECT id, name, office FROM schools WHERE id IN ({marks})",
            (r[0] for r in rows),
        )
    }
    order = {k: i for i, k in enumerate(EXEMPTION_ITEMS.keys())}
    found = [
        SummaryRow(sid, names.get(sid, ("", ""))[0], names.get(sid, ("", ""))[1], sem, item, n, fen)
        for sid, sem, item, n, fen in rows
    ]
    found.sort(
        key=lambda r: (r.office, r.school, _semester_order(r.semester), order.get(r.item, 9))
    )
    return found


def _semester_order(key: str) -> int:
    """Newest first: 2026秋 < 2026春 < 2025秋 … as sort keys."""
    return -(int(key[:4]) * 2 + (1 if key.endswith("秋") else 0))


@dataclass(frozen=True)
class Totals:
    """Distinct students and the amount of the grants in a period (or a selection)."""

    students: int
    amount_fen: int

    @property
    def wan(self) -> str:
        """The amount in 万元 with 1 decimal, half up: '419.9'."""
        return format_wan(self.amount_fen, 1)

    @property
    def text(self) -> str:
        """'13383 名学生，共计 419.9 万元' — the report's wording."""
        return f"{self.students} 名学生，共计 {self.wan} 万元"


def _period_where(period: Period, scope: Scope | None) -> tuple[str, list[Any]]:
    scope_sql, scope_params = (scope or Scope.everything()).sql("office", "community_id")
    return (
        f"deleted = 0 AND granted_on >= ? AND granted_on <= ? AND {scope_sql}",
        [period.start.isoformat(), period.end.isoformat(), *scope_params],
    )


def period_totals(db: Db, period: Period, scope: Scope | None = None) -> Totals:
    """Distinct students (by 学籍号) and the total amount of the grants dated in ``period``."""
    where, params = _period_where(period, scope)
    n, fen = (
        conn_of(db)
        .execute(
            f"SELECT count(DISTINCT student_no), coalesce(sum(amount_fen), 0) FROM exemptions"
            f" WHERE {where}",
            params,
        )
        .fetchone()
    )
    return Totals(int(n), int(fen))


def item_totals(db: Db, period: Period, scope: Scope | None = None) -> list[ItemTotal]:
    """Per item (every item, zeros included): distinct students and amount granted in ``period``."""
    where, params = _period_where(period, scope)
    found = {
        item: (n, fen)
        for item, n, fen in conn_of(db).execute(
            f"SELECT item, count(DISTINCT student_no), sum(amount_fen) FROM exemptions"
            f" WHERE {where} GROUP BY item",
            params,
        )
    }
    return [ItemTotal(k, *found.get(k, (0, 0))) for k in EXEMPTION_ITEMS.keys()]


def semester_keys(db: Db, scope: Scope | None = None) -> list[str]:
    """Semesters with exemption records in the scope, newest first."""
    scope_sql, params = (scope or Scope.everything()).sql("office", "community_id")
    keys = [
        r[0]
        for r in conn_of(db).execute(
            f"SELECT DISTINCT semester FROM exemptions WHERE deleted = 0 AND {scope_sql}", params
        )
    ]
    return sorted(keys, key=_semester_order)


# -- lists for the window (store.paged) -----------------------------------------------------------

KEY_COLUMNS: Mapping[str, ChoiceList] = {
    "stage": SCHOOL_STAGES,
    "item": EXEMPTION_ITEMS,
    "method": METHODS,
    "hardship": HARDSHIP,
    "sex": SEX,
    "standard_stage": STANDARD_STAGES,
}
"""Result columns that hold choice keys, with the list that labels them (``choices.label(key)``).
``grade`` is 1–9 (``domain.exemption.grade_label``); ``boarding`` 0/1; amounts in 分."""

TOP = "\U0010ffff"
_TAIL = re.compile(r"^[0-9]+X?$")


SCHOOL_LIST = (
    Column("code", "学校代码", "t.code"),
    Column("name", "学校名称", "t.name"),
    Column("stage", "学段", "t.stage", sortable=False),
    Column("boarding", "寄宿制", "t.boarding", sortable=False),
    Column("community", "社区", unit_name_sql("t.community_id"), sortable=False),
    Column(
        "students",
        "在校学生",
        "(SELECT count(*) FROM students AS s WHERE s.school_id = t.id AND s.deleted = 0"
        " AND s.left_on IS NULL)",
        sortable=False,
    ),
    Column("office", "办事处", "t.office", sort_expr="t.office, t.name"),
    Column("id", "", "t.id", sortable=False),
)


def schools_query(scope: Scope, search: str = "") -> Query:
    """The live schools in ``scope`` (search: the start of the name or of the code), by office."""
    scope_sql, params = scope.sql("t.office", "t.community_id")
    where = ["t.deleted = 0", scope_sql]
    text = search.strip()
    if text:
        where.append("(t.name >= ? AND t.name < ? OR t.code >= ? AND t.code < ?)")
        params += [text, text + TOP, text.upper(), text.upper() + TOP]
    return Query("schools", SCHOOL_LIST, where, params, [("office", False)])


STUDENT_LIST = (
    Column("name", "姓名", "t.name", sort_expr="t.pinyin, t.name"),
    Column("student_no", "学籍号", "t.student_no", sensitive="id"),
    Column("sex", "性别", "t.sex", sortable=False),
    Column("school", "学校", "(SELECT name FROM schools WHERE id = t.school_id)", sortable=False),
    Column("grade", "年级", "t.grade", sort_expr="t.school_id, t.grade, t.class_name, t.pinyin"),
    Column("class_name", "班级", "t.class_name", sortable=False),
    Column("boarding", "寄宿", "t.boarding", sortable=False),
    Column("hardship", "困难类型", "t.hardship", sortable=False),
    Column("hardship_confirmed_on", "认定日期", "t.hardship_confirmed_on", sortable=False),
    Column("left_on", "离校日期", "t.left_on", sortable=False),
    Column("id", "", "t.id", sortable=False),
    Column("school_id", "", "t.school_id", sortable=False),
)


def _offices(db: Db, scope: Scope) -> list[str]:
    if scope.offices is not None:
        return sorted(scope.offices)
    return [o.code for o in OrgTree.load(db).offices() if o.code]  # type: ignore[arg-type]


def student_search(db: Db, scope: Scope, text: str) -> tuple[list[str], list[Any]]:
    """Conditions (alias ``t`` = students) for a search box: a whole 学籍号; digits (optionally
    ending in X) = the end of the 学籍号 (4 through the indexed tail); ASCII letters = pinyin
    initials (prefix); anything else = the start of a name (through the office + name index)."""
    text = text.strip()
    if not text:
        return [], []
    number = normalize_student_no(text)
    if len(number) == 19 and number[0] in "GJL":
        return ["t.student_no = ?"], [number]
    if _TAIL.match(number):
        if len(number) == 4:
            return ["t.no_tail = ?"], [number]
        if len(number) > 4:
            return ["t.no_tail = ?", "t.student_no LIKE ?"], [number[-4:], "%" + number]
        return ["t.no_tail LIKE ?"], ["%" + number]
    if text.isascii() and text.isalpha():
        prefix = text.lower()
        return ["t.pinyin >= ? AND t.pinyin < ?"], [prefix, prefix + TOP]
    offices = _offices(db, scope)
    return (
        [f"t.office IN ({','.join('?' * len(offices))})", "t.name >= ? AND t.name < ?"],
        [*offices, text, text + TOP],
    )


def students_query(
    db: Db,
    scope: Scope,
    search: str = "",
    school_id: str | None = None,
    grade: int | None = None,
    hardship_only: bool = False,
    include_left: bool = False,
) -> Query:
    """Live students in ``scope``, filtered; ordered by school, grade, class and pinyin."""
    scope_sql, scope_params = scope.sql("t.office", "t.community_id")
    params: list[Any] = list(scope_params)
    where = ["t.deleted = 0", scope_sql]
    found, values = student_search(db, scope, search)
    where += found
    params += values
    if school_id is not None:
        where.append("t.school_id = ?")
        params.append(school_id)
    if grade is not None:
        where.append("t.grade = ?")
        params.append(grade)
    if hardship_only:
        where.append("t.hardship IS NOT NULL")
    if not include_left:
        where.append("t.left_on IS NULL")
    return Query("students", STUDENT_LIST, where, params, [("grade", False)])


EXEMPTION_LIST = (
    Column("granted_on", "发放日期", "t.granted_on"),
    Column("semester", "学期", "t.semester", sortable=False),
    Column("school", "学校", "(SELECT name FROM schools WHERE id = t.school_id)", sortable=False),
    Column("name", "姓名", "(SELECT name FROM students WHERE id = t.student_id)", sortable=False),
    Column("student_no", "学籍号", "t.student_no", sensitive="id"),
    Column("grade", "年级", "t.grade", sortable=False),
    Column("item", "资助项目", "t.item", sortable=False),
    Column("amount_fen", "金额", "t.amount_fen", sortable=False),
    Column("method", "方式", "t.method", sortable=False),
    Column("id", "", "t.id", sortable=False),
    Column("student_id", "", "t.student_id", sortable=False),
)


def exemptions_query(
    db: Db,
    scope: Scope,
    semester: str | None = None,
    school_id: str | None = None,
    item: str | None = None,
    search: str = "",
    period: Period | None = None,
) -> Query:
    """Live exemption records in ``scope``, filtered by semester, school, item, a student (the
    same search as the student list) and a period of grant dates; newest grants first."""
    scope_sql, params = scope.sql("t.office", "t.community_id")
    where = ["t.deleted = 0", scope_sql]
    if semester is not None:
        where.append("t.semester = ?")
        params.append(parse_semester(semester))
    if school_id is not None:
        where.append("t.school_id = ?")
        params.append(school_id)
    if item is not None:
        where.append("t.item = ?")
        params.append(item)
    if period is not None:
        where.append("t.granted_on >= ? AND t.granted_on <= ?")
        params += [period.start.isoformat(), period.end.isoformat()]
    if search.strip():
        found, values = student_search(db, scope, search)
        inner = " AND ".join(c.replace("t.", "s.") for c in found)
        where.append(f"t.student_id IN (SELECT s.id FROM students AS s WHERE {inner})")
        params += values
    return Query("exemptions", EXEMPTION_LIST, where, params, [("granted_on", True)])
