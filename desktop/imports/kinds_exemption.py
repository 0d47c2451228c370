"""两免一补 import kinds: ``schools`` (学校), ``students`` (学生名册) and ``exemptions`` (资助记录).

Each ``validate_row`` looks up what the row refers to (the school by name or code, the student by
学籍号, the standard in force) and runs the rules of :mod:`desktop.domain.exemption`, so a file is
judged row by row before anything is written; the write door then runs the same rules again and
those across records (one 学籍号 per student, once per student, item and semester — against the
database and within the file — amounts, confirmed hardship). A duplicate in the file or against
the database is reported, never doubled.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from desktop.domain import pinyin
from desktop.domain.choices import EXEMPTION_ITEMS, HARDSHIP, SCHOOL_STAGES, SEX
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.exemption import (
    DEFAULT_METHOD,
    METHODS,
    STUDENT_NO,
    amount_problem,
    grade_label,
    grade_problems,
    hardship_problem,
    no_standard_message,
    parse_grade,
    parse_student_no,
    school_year_of,
    semester_period,
    stage_of_grade,
    standard_in_force,
    validate_exemption,
    validate_school,
    validate_student,
)
from desktop.domain.money import format_yuan
from desktop.imports.helpers import distinct_chunks
from desktop.imports.spec import Field, ImportKind, RowContext, register_kind
from desktop.store.door import CancelCheck, Progress, WriteDoor
from desktop.store.exemption import load_standards, parse_semester

STUDENT_NO_FIELD = Field(
    "student_no",
    STUDENT_NO,
    "text",
    required=True,
    synonyms=("学籍编号", "全国学籍号", "学生学籍号", "全国学籍号码", "学籍号码", "个人标识码"),
    example="G110105201503070128",
    width=22,
    help="19位：G + 身份证号；J + 18位（无身份证号）；L + 18位数字（临时学籍号）",
)
SCHOOL_NAME_FIELD = Field(
    "school",
    "学校名称",
    "text",
    synonyms=("学校", "就读学校", "所在学校", "学校全称", "校名"),
    example="城关第一小学",
    width=18,
    help="学校名称与学校代码至少填一项",
)
SCHOOL_CODE_FIELD = Field(
    "school_code",
    "学校代码",
    "text",
    synonyms=("学校标识码", "学校编码", "学校编号"),
    width=14,
)


def _fold(text: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).casefold()


def _insert(
    door: WriteDoor,
    table: str,
    rows: list[dict[str, Any]],
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> int:
    return len(
        door.insert_many(
            table,
            (r["_record"] for r in rows),
            total=len(rows),
            progress=progress,
            cancel=cancel,
            batch=5000,
        )
    )


# -- the schools a file names ---------------------------------------------------------------------


@dataclass(frozen=True)
class _School:
    id: str
    office: str
    community_id: str
    code: str
    name: str
    stage: str
    boarding: int


class _SchoolIndex:
    """Live schools by folded name and by code, read once per import."""

    def __init__(self, db: sqlite_utils.Database):
        self.by_name: dict[str, list[_School]] = {}
        self.by_code: dict[str, _School] = {}
        self.by_id: dict[str, _School] = {}
        for row in db.execute(
            "SELECT id, office, community_id, code, name, stage, boarding FROM schools"
            " WHERE deleted = 0"
        ):
            school = _School(*row)
            self.by_name.setdefault(_fold(school.name), []).append(school)
            self.by_code[school.code.upper()] = school
            self.by_id[school.id] = school

    def find(self, name: Any, code: Any, ctx: RowContext) -> tuple[_School | None, list[Problem]]:
        if code:
            school = self.by_code.get(str(code).strip().upper())
            if school is None:
                return None, [Problem("学校代码", f"没有学校代码为「{code}」的学校，请先导入学校")]
            if name and _fold(name) != _fold(school.name):
                return None, [
                    Problem("学校名称", f"学校代码 {school.code} 是{school.name}，与「{name}」不符")
                ]
        elif name:
            found = self.by_name.get(_fold(name), [])
            if not found:
                return None, [
                    Problem("学校名称", f"没有名为「{name}」的学校，请先导入学校或核对名称")
                ]
            if len(found) > 1:
                codes = "、".join(s.code for s in found)
                return None, [
                    Problem(
                        "学校名称",
                        f"有 {len(found)} 所学校名为「{name}」，请填写学校代码（{codes}）",
                    )
                ]
            school = found[0]
        else:
            return None, [Problem("学校名称", "学校名称与学校代码至少填一项")]
        if not ctx.user.scope.allows(school.office, school.community_id):
            return None, [Problem("学校名称", f"{school.name}不在您的管辖范围内，不能导入其记录")]
        return school, []


def _schools(ctx: RowContext) -> _SchoolIndex:
    if "schools" not in ctx.cache:
        ctx.cache["schools"] = _SchoolIndex(ctx.db)
    return ctx.cache["schools"]


# -- schools ----------------------------------------------------------------------------------------

SCHOOL_FIELDS = (
    Field(
        "code",
        "学校代码",
        "text",
        required=True,
        synonyms=("学校标识码", "学校编码", "学校编号"),
        example="2141990101",
        width=14,
        help="10位学校标识码，或本地编码（字母、数字）",
    ),
    Field(
        "name",
        "学校名称",
        "text",
        required=True,
        synonyms=("学校", "校名", "学校全称"),
        example="城关第一小学",
        width=18,
    ),
    Field(
        "stage",
        "学段",
        "choice",
        required=True,
        choices=SCHOOL_STAGES,
        synonyms=("办学类型", "学校类型", "学段类型"),
        example="小学",
    ),
    Field(
        "community",
        "社区",
        "community",
        required=True,
        synonyms=("所在社区", "所属社区", "社区（村）", "村（居）", "村"),
        width=16,
    ),
    Field(
        "boarding",
        "寄宿制",
        "bool",
        synonyms=("是否寄宿制", "寄宿制学校", "是否寄宿制学校", "有无寄宿"),
        help="空着按「否」",
    ),
)


def _validate_school_row(row: dict[str, Any], ctx: RowContext) -> list[Problem]:
    record = {
        "code": str(row.get("code") or "").strip().upper(),
        "name": row.get("name"),
        "stage": row.get("stage"),
        "community_id": row.get("community"),
        "boarding": int(bool(row.get("boarding"))),
    }
    row["code"] = record["code"]
    row["_record"] = record
    return validate_school(record)


def _existing_schools(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> dict[tuple, str]:
    found: dict[tuple, str] = {}
    for chunk in distinct_chunks(r["code"] for r in rows):
        for code, name in db.execute(
            "SELECT code, name FROM schools WHERE deleted = 0"
            f" AND code IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            found[(code,)] = name
    return found


def _write_schools(
    door: WriteDoor,
    rows: list[dict[str, Any]],
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> int:
    return _insert(door, "schools", rows, progress, cancel)


SCHOOLS = register_kind(
    ImportKind(
        key="schools",
        label="学校",
        fields=SCHOOL_FIELDS,
        key_fields=("code",),
        write=_write_schools,
        validate_row=_validate_school_row,
        find_existing=_existing_schools,
        notes="学段为小学、初中或九年一贯制；寄宿制学校才能登记寄宿生。",
    )
)


# -- students ---------------------------------------------------------------------------------------

STUDENT_FIELDS = (
    STUDENT_NO_FIELD,
    Field(
        "name",
        "姓名",
        "text",
        required=True,
        synonyms=("学生姓名", "名字"),
        example="张梓涵",
        width=10,
    ),
    Field("sex", "性别", "choice", choices=SEX, help="G 开头的学籍号可不填（按身份证号）"),
    Field("birth_date", "出生日期", "date", synonyms=("出生年月日", "生日")),
    Field(
        "id_number",
        "身份证号",
        "id_number",
        synonyms=("身份证号码", "公民身份号码", "证件号码"),
        width=22,
        help="G 开头的学籍号可不填",
    ),
    SCHOOL_NAME_FIELD,
    SCHOOL_CODE_FIELD,
    Field(
        "grade",
        "年级",
        "text",
        required=True,
        synonyms=("就读年级", "年级名称"),
        example="三年级",
        help="1–9、三年级 或 初一（= 七年级）",
    ),
    Field("class_name", "班级", "text", synonyms=("班别", "班级名称", "班"), example="2班"),
    Field(
        "boarding",
        "是否寄宿",
        "bool",
        synonyms=("寄宿", "寄宿生", "是否寄宿生", "是否住校", "住校"),
        help="空着按「否」",
    ),
    Field(
        "hardship",
        "困难类型",
        "choice",
        choices=HARDSHIP,
        synonyms=("家庭经济困难类型", "家庭困难类型", "困难类别", "困难学生类型"),
    ),
    Field(
        "hardship_confirmed_on",
        "认定日期",
        "date",
        synonyms=("困难认定日期", "认定时间", "困难认定时间"),
        help="困难类型经认定的日期；未认定的不能享受生活补助",
    ),
    Field("enrolled_on", "入学日期", "date", synonyms=("入校日期", "转入日期")),
)


def _validate_student_row(row: dict[str, Any], ctx: RowContext) -> list[Problem]:
    problems: list[Problem] = []
    try:
        number = parse_student_no(row["student_no"])
    except ValidationError as exc:
        return exc.problems
    row["student_no"] = number.number
    school, found = _schools(ctx).find(row.get("school"), row.get("school_code"), ctx)
    if school is None:
        return found
    try:
        grade = parse_grade(row["grade"])
    except ValidationError as exc:
        return exc.problems
    sex, birth, id_number = row.get("sex"), row.get("birth_date"), row.get("id_number")
    if number.kind == "G":
        sex = sex or number.sex
        birth = birth or (number.birth_date.isoformat() if number.birth_date else None)
        id_number = id_number or number.id_number
    elif id_number and not sex:
        sex = "M" if ctx.id_info("id_number", id_number).sex == "男" else "F"
    if not sex:
        problems.append(Problem("性别", "J、L 开头的学籍号须填写性别"))
    record = {
        "school_id": school.id,
        "community_id": school.community_id,
        "student_no": number.number,
        "no_tail": number.tail,
        "name": row["name"],
        "pinyin": pinyin.initials(row["name"]),
        "sex": sex,
        "birth_date": birth,
        "id_number": id_number,
        "grade": grade,
        "class_name": row.get("class_name"),
        "boarding": int(bool(row.get("boarding"))),
        "hardship": row.get("hardship"),
        "hardship_confirmed_on": row.get("hardship_confirmed_on"),
        "enrolled_on": row.get("enrolled_on"),
        "left_on": None,
    }
    row["_record"] = record
    problems.extend(p for p in validate_student(record) if p.field != "性别" or sex)
    problems.extend(grade_problems(grade, school.stage, school.name))
    if record["boarding"] and not school.boarding:
        problems.append(Problem("是否寄宿", f"{school.name}不是寄宿制学校，不能登记为寄宿生"))
    return problems


def _existing_students(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> dict[tuple, str]:
    found: dict[tuple, str] = {}
    for chunk in distinct_chunks(r["student_no"] for r in rows):
        for number, name, school, grade in db.execute(
            "SELECT s.student_no, s.name, c.name, s.grade FROM students AS s"
            " JOIN schools AS c ON c.id = s.school_id WHERE s.deleted = 0"
            f" AND s.student_no IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            found[(number,)] = f"{name}，{school}{grade_label(grade)}"
    return found


def _write_students(
    door: WriteDoor,
    rows: list[dict[str, Any]],
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> int:
    return _insert(door, "students", rows, progress, cancel)


STUDENTS = register_kind(
    ImportKind(
        key="students",
        label="学生名册",
        fields=STUDENT_FIELDS,
        key_fields=("student_no",),
        write=_write_students,
        validate_row=_validate_student_row,
        find_existing=_existing_students,
        notes="学籍号19位：G + 身份证号，J + 18位（无身份证号，末位为校验位），L + 18位数字（临时）。\n"
        "学校须已导入；已登记的学籍号不会重复导入，学生转学请在学生信息中修改。",
    )
)


# -- exemptions ---------------------------------------------------------------------------------------

EXEMPTION_FIELDS = (
    STUDENT_NO_FIELD,
    Field("name", "姓名", "text", synonyms=("学生姓名", "名字"), example="张梓涵", width=10),
    Field(
        "semester",
        "学期",
        "text",
        required=True,
        synonyms=("资助学期", "学年学期", "享受学期"),
        example="2026春",
        help="2026春、2025秋 或 2026年春季学期",
    ),
    Field(
        "item",
        "资助项目",
        "choice",
        required=True,
        choices=EXEMPTION_ITEMS,
        synonyms=("项目", "资助类别", "补助项目", "资助类型"),
        example="免学杂费",
        width=18,
    ),
    Field(
        "amount",
        "金额",
        "money",
        synonyms=("金额（元）", "资助金额", "补助金额", "减免金额", "发放金额"),
        example="150.00",
        help="元，空着按资助标准计算；填写时须与标准一致",
    ),
    Field(
        "granted_on",
        "发放日期",
        "date",
        required=True,
        synonyms=("减免日期", "资助日期", "发放时间", "日期"),
        example="2026-03-05",
    ),
    Field(
        "method",
        "方式",
        "choice",
        choices=METHODS,
        synonyms=("发放方式", "资助方式", "减免方式"),
        help="空着：学杂费、教科书费为直接减免，生活补助为发放",
    ),
    SCHOOL_NAME_FIELD,
    SCHOOL_CODE_FIELD,
    Field("grade", "年级", "text", synonyms=("就读年级",), help="空着按学生名册"),
    Field(
        "boarding",
        "是否寄宿",
        "bool",
        synonyms=("寄宿", "寄宿生", "是否寄宿生"),
        help="空着按学生名册",
    ),
    Field("note", "备注", "text", width=20),
)


def _student_by_no(ctx: RowContext, number: str) -> tuple[Any, ...] | None:
    return ctx.db.execute(
        "SELECT id, name, school_id, grade, boarding, hardship, hardship_confirmed_on"
        " FROM students WHERE deleted = 0 AND student_no = ?",
        [number],
    ).fetchone()


def _validate_exemption_row(row: dict[str, Any], ctx: RowContext) -> list[Problem]:
    try:
        number = parse_student_no(row["student_no"]).number
        key = parse_semester(row["semester"])
    except ValidationError as exc:
        return exc.problems
    row["student_no"], row["semester"] = number, key
    student = _student_by_no(ctx, number)
    if student is None:
        return [Problem(STUDENT_NO, f"学生名册中没有学籍号 {number}，请先导入学生")]
    sid, name, current_school, grade, boarding, hardship, confirmed_on = student
    problems: list[Problem] = []
    if row.get("name") and _fold(row["name"]) != _fold(name):
        problems.append(Problem("姓名", f"学籍号 {number} 登记的姓名为「{name}」，请核对"))
    schools = _schools(ctx)
    if row.get("school") or row.get("school_code"):
        school, found = schools.find(row.get("school"), row.get("school_code"), ctx)
    else:
        school = schools.by_id.get(current_school)
        found = [] if school else [Problem("学校名称", "该学生登记的学校不存在，请填写学校")]
        if school and not ctx.user.scope.allows(school.office, school.community_id):
            found = [Problem("学校名称", f"{school.name}不在您的管辖范围内")]
            school = None
    if school is None:
        return [*problems, *found]
    if row.get("grade") is not None:
        try:
            grade = parse_grade(row["grade"])
        except ValidationError as exc:
            return [*problems, *exc.problems]
    if row.get("boarding") is not None:
        boarding = int(bool(row["boarding"]))
    item = row["item"]
    stage = stage_of_grade(grade)
    day = semester_period(key).start
    if "standards" not in ctx.cache:
        ctx.cache["standards"] = load_standards(ctx.db)
    standard = standard_in_force(ctx.cache["standards"], item, stage, boarding, day)
    if standard is None:
        return [*problems, Problem("资助项目", no_standard_message(item, stage, day))]
    amount = row.get("amount")
    if amount is not None:
        message = amount_problem(amount, standard, item, stage, key)
        if message:
            problems.append(Problem("金额", message))
    record = {
        "community_id": school.community_id,
        "school_id": school.id,
        "student_id": sid,
        "student_no": number,
        "grade": grade,
        "boarding": boarding,
        "school_year": school_year_of(key),
        "semester": key,
        "item": item,
        "standard_id": standard.id,
        "amount_fen": standard.semester_fen,
        "granted_on": row["granted_on"],
        "method": row.get("method") or DEFAULT_METHOD[item],
        "note": row.get("note"),
    }
    row["_record"] = record
    problems.extend(validate_exemption(record))
    problems.extend(grade_problems(grade, school.stage, school.name))
    if item in ("boarding", "nonboarding"):
        reason = hardship_problem(hardship, confirmed_on, row["granted_on"], name)
        if reason:
            problems.append(Problem("资助项目", reason))
    return problems


def _existing_exemptions(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> dict[tuple, str]:
    wanted = {(r["student_no"], r["semester"], r["item"]) for r in rows}
    found: dict[tuple, str] = {}
    for chunk in distinct_chunks(r["student_no"] for r in rows):
        for number, key, item, day, school, amount in db.execute(
            "SELECT e.student_no, e.semester, e.item, e.granted_on, c.name, e.amount_fen"
            " FROM exemptions AS e JOIN schools AS c ON c.id = e.school_id WHERE e.deleted = 0"
            f" AND e.student_no IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            if (number, key, item) in wanted:
                found[(number, key, item)] = f"{day} 在{school}享受，{format_yuan(amount)} 元"
    return found


def _write_exemptions(
    door: WriteDoor,
    rows: list[dict[str, Any]],
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> int:
    return _insert(door, "exemptions", rows, progress, cancel)


EXEMPTIONS = register_kind(
    ImportKind(
        key="exemptions",
        label="两免一补资助记录",
        fields=EXEMPTION_FIELDS,
        key_fields=("student_no", "semester", "item"),
        write=_write_exemptions,
        validate_row=_validate_exemption_row,
        find_existing=_existing_exemptions,
        notes="同一学生每学期每个项目只能享受一次（在别的学校已享受的也不能重复）。\n"
        "金额按学期开始时执行的资助标准计算（全年标准的一半）；生活补助只发给困难类型已认定的学生。",
    )
)

__all__ = ["EXEMPTIONS", "SCHOOLS", "STUDENTS"]
