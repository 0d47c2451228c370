"""两免一补 (student fee exemptions): the rules, as pure functions of plain values.

Items (``choices.EXEMPTION_ITEMS``): 免学杂费 ``fees`` and 免教科书费 ``textbooks`` for every enrolled
student; 寄宿生生活补助 ``boarding`` and, since autumn 2019, 非寄宿生生活补助 ``nonboarding`` (half the
boarders' rate) for students from poor families — the *living allowance*.

学籍号 (national student number), 19 characters, upper case:

- ``G`` + the student's 18-digit ID number (GB 11643), check character included;
- ``J`` + 18 characters for a student without a mainland ID number, built like one: when its first
  17 characters are digits the 18th must be their ISO 7064 MOD 11-2 check character (``X`` for 10,
  computed with python-stdnum as for ID numbers); the 学籍 system also issues J numbers whose body
  holds capital letters (from a passport or a Hong Kong / Macao / Taiwan document): such a body
  has no computable check character, so only its characters (digits and A–Z) are checked;
- ``L`` + 18 digits: a temporary number, no check character.

Standards are data, not code: ``aid_standards`` rows (item × stage × boarding, 元 per year, with
``effective_from`` / ``effective_to``) live in the database and are edited by the administrator.
This module only *chooses* among them (:func:`standard_in_force`) and halves the yearly amount for a
semester (:func:`semester_amount`, half up to the 分: 1250 元/年 → 625.00, 625 元/年 → 312.50).

Which standard applies: the one of the record's item, of the student's stage (小学 for grades 1–6,
初中 for 7–9, whatever the school's stage — a 九年一贯制 school has both), of the boarding status for
the living allowance, in force on the **first day of the semester** (2026春 → 2026-03-01), so that a
late grant of an earlier semester keeps that semester's standard.

The living allowance is for a student whose hardship type (``choices.HARDSHIP``) is *confirmed*:
a type and a confirmation date on or before the day of the grant.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import Any

from desktop.domain.choices import (
    EXEMPTION_ITEMS,
    HARDSHIP,
    SCHOOL_STAGES,
    SEX,
    Choice,
    ChoiceList,
)
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.ids import check_consistency, parse_id
from desktop.domain.money import format_yuan
from desktop.domain.periods import Period, semester

STUDENT_NO = "学籍号"
STUDENT_NO_LENGTH = 19
ALLOWANCE_ITEMS = ("boarding", "nonboarding")
"""The living-allowance items; the others (fees, textbooks) are for every enrolled student."""

STANDARD_STAGES = ChoiceList("学段", [("primary", "小学"), ("junior", "初中")])
"""The stages of a *standard* and of a *student* (by grade); a school may also be 九年一贯制."""

METHODS = ChoiceList(
    "方式",
    [
        Choice("waiver", "直接减免", ("减免", "免除", "免收")),
        Choice("payment", "发放", ("现金发放", "打卡发放", "转账发放", "转账", "打卡")),
    ],
)
DEFAULT_METHOD = {
    "fees": "waiver",
    "textbooks": "waiver",
    "boarding": "payment",
    "nonboarding": "payment",
}

GRADES = tuple(range(1, 10))
_GRADE_LABELS = ("一", "二", "三", "四", "五", "六", "七", "八", "九")
_JUNIOR_NAMES = ("初一", "初二", "初三")
SCHOOL_GRADES: Mapping[str, tuple[int, int]] = {
    "primary": (1, 6),
    "junior": (7, 9),
    "nine_year": (1, 9),
}
"""School stage → (lowest grade, highest grade). Junior grades are 七年级–九年级 (初一–初三)."""

GRANT_EARLY_DAYS = 31
"""A grant may be dated up to this many days before its semester's first day (registration for the
spring semester often falls in late February); never after the semester's last day."""

_SEMESTER_KEY = re.compile(r"^(\d{4})(春|秋)$")
_J_BODY = re.compile(r"^[0-9A-Z]{17}[0-9X]$")
_SCHOOL_CODE = re.compile(r"^[0-9A-Z][0-9A-Z-]{1,19}$")


# -- 学籍号 ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentNo:
    number: str  # normalised, 19 characters
    kind: str  # 'G', 'J' or 'L'
    id_number: str | None  # the ID number inside a G number
    birth_date: date | None  # from a G number
    sex: str | None  # 'M' / 'F' from a G number

    @property
    def tail(self) -> str:
        """The last 4 characters, for the search box (as ``id_tail`` for ID numbers)."""
        return self.number[-4:]


def normalize_student_no(text: Any) -> str:
    """Full-width to half-width, spaces and separators removed, upper case."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"[\s\-_.·']+", "", s).upper()


def _check_character(body17: str) -> str:
    from stdnum.cn import ric

    return str(ric.calc_check_digit(body17 + "0"))


def parse_student_no(text: Any, today: date | None = None) -> StudentNo:
    """Check a 学籍号 and return it normalised; ValidationError on field 学籍号 naming the fault."""
    number = normalize_student_no(text)
    if not number:
        raise ValidationError.single(STUDENT_NO, "不能为空")
    if len(number) != STUDENT_NO_LENGTH:
        raise ValidationError.single(
            STUDENT_NO,
            f"「{number}」应为19位（1位字母 G、J 或 L，加18位），现为{len(number)}位",
        )
    kind, body = number[0], number[1:]
    if kind == "G":
        try:
            info = parse_id(body, today)
        except ValidationError as exc:
            reason = "；".join(p.message for p in exc.problems)
            raise ValidationError.single(
                STUDENT_NO, f"G 后应为学生的18位身份证号：{reason}"
            ) from None
        return StudentNo(
            number, "G", info.number, info.birth_date, "M" if info.sex == "男" else "F"
        )
    if kind == "J":
        bad = [ch for ch in body if not (ch.isascii() and ch.isalnum())]
        if bad:
            raise ValidationError.single(
                STUDENT_NO,
                f"J 后含非法字符「{''.join(dict.fromkeys(bad))}」，只能是数字和大写字母",
            )
        if not _J_BODY.match(body):
            raise ValidationError.single(STUDENT_NO, "J 号的第19位是校验位，应为数字或 X")
        if body[:17].isdigit():
            expected = _check_character(body[:17])
            if body[17] != expected:
                raise ValidationError.single(
                    STUDENT_NO, f"J 号校验位错误（按身份证号规则应为 {expected}）"
                )
        return StudentNo(number, "J", None, None, None)
    if kind == "L":
        bad = [ch for ch in body if not (ch.isascii() and ch.isdigit())]
        if bad:
            raise ValidationError.single(
                STUDENT_NO,
                f"L（临时学籍号）后应为18位数字，含非法字符「{''.join(dict.fromkeys(bad))}」",
            )
        return StudentNo(number, "L", None, None, None)
    raise ValidationError.single(
        STUDENT_NO,
        f"首字母应为 G（身份证号）、J（无身份证号，按身份证规则编制）或 L（临时学籍号），"
        f"而不是「{kind}」",
    )


def make_j_number(body17: str) -> str:
    """A J 学籍号 from 17 digits, with its MOD 11-2 check character (for forms and demo data)."""
    if not (len(body17) == 17 and body17.isdigit()):
        raise ValueError(f"a J number body is 17 digits, got {body17!r}")
    return "J" + body17 + _check_character(body17)


# -- grades and stages -----------------------------------------------------------------------------


def grade_label(grade: int) -> str:
    """1 → '一年级', 7 → '七年级（初一）'."""
    if grade not in GRADES:
        return str(grade)
    label = f"{_GRADE_LABELS[grade - 1]}年级"
    return f"{label}（{_JUNIOR_NAMES[grade - 7]}）" if grade >= 7 else label


def parse_grade(value: Any) -> int:
    """Read a grade: 3, '3', '三年级', '3年级', '初一' (= 7), '七年级', '初中一年级' (= 7)."""
    if isinstance(value, bool):
        raise ValidationError.single("年级", f"「{value}」不是年级")
    if isinstance(value, int | float) and float(value).is_integer() and int(value) in GRADES:
        return int(value)
    text = "".join(unicodedata.normalize("NFKC", str(value)).split())
    text = text.replace("（", "(").replace("）", ")")
    text = re.sub(r"\(.*\)$", "", text)
    junior = text.startswith("初中") or text.startswith("初")
    core = text.removeprefix("初中").removeprefix("初").removeprefix("小学").removesuffix("年级")
    number = None
    if core.isdigit():
        number = int(core)
    elif len(core) == 1 and core in _GRADE_LABELS:
        number = _GRADE_LABELS.index(core) + 1
    if number is not None and junior:
        number = number + 6 if 1 <= number <= 3 else None
    if number is None or number not in GRADES:
        raise ValidationError.single(
            "年级", f"「{value}」无法识别，请写成 1–9、三年级 或 初一（= 七年级）"
        )
    return number


def stage_of_grade(grade: int) -> str:
    """The student's stage: 'primary' for grades 1–6, 'junior' for 7–9."""
    return "primary" if grade <= 6 else "junior"


def grade_problems(grade: Any, school_stage: str | None, school_name: str = "") -> list[Problem]:
    """The grade is 1–9 and taught at a school of ``school_stage``."""
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in GRADES:
        return [Problem("年级", f"「{grade}」应为 1–9（七年级即初一）")]
    if school_stage is not None and school_stage in SCHOOL_GRADES:
        low, high = SCHOOL_GRADES[school_stage]
        if not low <= grade <= high:
            where = school_name or SCHOOL_STAGES.label(school_stage)
            return [
                Problem(
                    "年级",
                    f"{where}是{SCHOOL_STAGES.label(school_stage)}学校，年级应为"
                    f"{grade_label(low)}至{grade_label(high)}，而不是{grade_label(grade)}",
                )
            ]
    return []


# -- semesters -------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def semester_period(key: str) -> Period:
    """The semester '2026春' / '2026秋' as a Period (periods.semester: 春 1 Mar–31 Aug)."""
    m = _SEMESTER_KEY.match(str(key or ""))
    if m is None:
        raise ValidationError.single("学期", f"「{key}」应写成 2026春 或 2025秋")
    return semester(int(m[1]), m[2])


def school_year_of(key: str) -> str:
    """The school year a semester belongs to: 2026春 and 2025秋 → '2025-2026'."""
    period = semester_period(key)
    first = period.start.year - 1 if key.endswith("春") else period.start.year
    return f"{first}-{first + 1}"


def grant_window(key: str) -> tuple[date, date]:
    """The days a grant of semester ``key`` may be dated: a month before its start to its end."""
    period = semester_period(key)
    return period.start - timedelta(days=GRANT_EARLY_DAYS), period.end


def semester_start_sql(column: str = "semester") -> str:
    """SQL for the first day of a stored semester key (as the lookup date of its standard)."""
    return (
        f"(substr({column}, 1, 4) || CASE substr({column}, 5) WHEN '春' THEN '-03-01'"
        " ELSE '-09-01' END)"
    )


# -- standards -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standard:
    """One dated standard: 元 per student and year (in 分) for an item, a stage and boarding."""

    id: str
    item: str
    stage: str
    boarding: int | None  # None: boarders and non-boarders alike
    amount_fen: int  # per year
    effective_from: str  # ISO date
    effective_to: str | None  # ISO date, inclusive; None: still in force
    note: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Standard:
        return cls(
            str(row["id"]),
            str(row["item"]),
            str(row["stage"]),
            None if row.get("boarding") is None else int(row["boarding"]),
            int(row["amount_fen"]),
            str(row["effective_from"]),
            row.get("effective_to") or None,
            row.get("note"),
        )

    @property
    def semester_fen(self) -> int:
        return semester_amount(self.amount_fen)

    def in_force(self, day: date | str) -> bool:
        iso = day if isinstance(day, str) else day.isoformat()
        return self.effective_from <= iso and (
            self.effective_to is None or iso <= self.effective_to
        )

    def fits(self, item: str, stage: str, boarding: int | None) -> bool:
        return (
            self.item == item
            and self.stage == stage
            and (self.boarding is None or boarding is None or self.boarding == int(boarding))
        )

    @property
    def label(self) -> str:
        """'初中寄宿生生活补助 1500.00 元/年（2024-01-01 起）'."""
        until = f"至 {self.effective_to}" if self.effective_to else "起"
        return (
            f"{STANDARD_STAGES.label(self.stage)}{EXEMPTION_ITEMS.label(self.item)}"
            f" {format_yuan(self.amount_fen, thousands=False)} 元/年（{self.effective_from} {until}）"
        )


def semester_amount(annual_fen: int) -> int:
    """Half a yearly amount, in 分, rounded half up: 125000 → 62500, 62500 → 31250, 1 → 1."""
    return (annual_fen + 1) // 2


def standard_in_force(
    standards: Iterable[Standard], item: str, stage: str, boarding: int | None, day: date | str
) -> Standard | None:
    """The standard for ``item``, ``stage`` and ``boarding`` in force on ``day`` (None if none).

    Live standards of one item, stage and boarding never overlap (the write door refuses it); should
    several still match, the latest ``effective_from`` wins.
    """
    found = [s for s in standards if s.fits(item, stage, boarding) and s.in_force(day)]
    return max(found, key=lambda s: s.effective_from) if found else None


def no_standard_message(item: str, stage: str, day: date | str) -> str:
    return (
        f"没有 {day} 执行的{STANDARD_STAGES.label(stage)}{EXEMPTION_ITEMS.label(item)}标准，"
        "请区管理员在「资助标准」中补充"
    )


# -- eligibility -----------------------------------------------------------------------------------


def allowance_item(boarding: Any) -> str:
    """Which living allowance a student gets: 'boarding' for a boarder, else 'nonboarding'."""
    return "boarding" if boarding else "nonboarding"


def hardship_confirmed(hardship: Any, confirmed_on: Any, day: date | str) -> bool:
    """A hardship type is recorded and was confirmed on or before ``day``."""
    if not hardship or not confirmed_on:
        return False
    iso = day if isinstance(day, str) else day.isoformat()
    return str(confirmed_on)[:10] <= iso


def enrolment_problem(name: Any, enrolled_on: Any, left_on: Any, semester: str) -> str | None:
    """Why a student was not at school in ``semester`` (None when they were): aid goes only to
    students at school, whether by batch, by hand or by import.

    Only leaving is judged: ``left_on`` ends schooling (graduation, moving away), while
    ``enrolled_on`` is the date the student entered their *current* school, so a student now at a
    junior school was still at school, at their primary school, in the semesters before it.
    ``enrolled_on`` is kept in the signature so callers pass the record as it is."""
    del enrolled_on  # see above
    if not left_on:  # the usual case, asked once per record of a semester batch
        return None
    if str(left_on) <= semester_period(semester).start.isoformat():
        return f"{name or '该学生'}已于 {left_on} 离校，{semester}不在校，不能享受资助"
    return None


def hardship_problem(
    hardship: Any, confirmed_on: Any, day: date | str, name: str = ""
) -> str | None:
    """Why a student may not have the living allowance on ``day`` (None when they may)."""
    who = name or "该学生"
    if not hardship:
        return f"{who}没有登记家庭经济困难类型，不能享受生活补助；请先在学生信息中填写困难类型和认定日期"
    label = HARDSHIP.label(hardship) if hardship in HARDSHIP else str(hardship)
    if not confirmed_on:
        return f"{who}的困难类型（{label}）尚未认定，不能享受生活补助；请填写认定日期"
    if not hardship_confirmed(hardship, confirmed_on, day):
        return f"{who}的困难类型（{label}）于 {confirmed_on} 认定，晚于发放日期 {day}"
    return None


def eligible_items(boarding: Any, hardship: Any, confirmed_on: Any, day: date | str) -> list[str]:
    """The items a student enrolled in a semester gets: fees and textbooks, and the living
    allowance at the boarding or non-boarding rate when the hardship is confirmed by ``day``."""
    items = ["fees", "textbooks"]
    if hardship_confirmed(hardship, confirmed_on, day):
        items.append(allowance_item(boarding))
    return items


# -- row validators (run by the write door for every path) ---------------------------------------------


def _day(row: Mapping[str, Any], key: str, label: str, problems: list[Problem]) -> date | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    try:
        text = str(value)
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        problems.append(Problem(label, f"「{value}」不是有效日期，应写成 2026-03-05"))
        return None


def _required_text(row: Mapping[str, Any], key: str, label: str, problems: list[Problem]) -> str:
    text = str(row.get(key) or "").strip()
    if not text:
        problems.append(Problem(label, "不能为空"))
    return text


def _flag(row: Mapping[str, Any], key: str, label: str, problems: list[Problem]) -> int:
    value = row.get(key)
    if value in (0, 1) or isinstance(value, bool):
        return int(value)
    problems.append(Problem(label, f"「{value}」应为 是 或 否"))
    return 0


def _choice(
    row: Mapping[str, Any], key: str, choices: ChoiceList, problems: list[Problem], required: bool
) -> str | None:
    value = row.get(key)
    if value is None or value == "":
        if required:
            problems.append(Problem(choices.name, "不能为空"))
        return None
    if value not in choices:
        allowed = "、".join(choices.labels())
        problems.append(Problem(choices.name, f"「{value}」不是可选项，应为：{allowed}"))
        return None
    return str(value)


def school_code_problems(code: Any) -> list[Problem]:
    text = str(code or "").strip()
    if not text:
        return [Problem("学校代码", "不能为空")]
    if not _SCHOOL_CODE.match(text):
        return [
            Problem(
                "学校代码",
                f"「{text}」应为学校标识码（10位数字）或本地代码（2–20位大写字母、数字或 -）",
            )
        ]
    return []


def validate_school(row: Mapping[str, Any]) -> list[Problem]:
    problems = school_code_problems(row.get("code"))
    _required_text(row, "name", "学校名称", problems)
    _choice(row, "stage", SCHOOL_STAGES, problems, required=True)
    _flag(row, "boarding", "寄宿制", problems)
    return problems


def validate_student(row: Mapping[str, Any], today: date | None = None) -> list[Problem]:
    """学籍号, name, sex, birth date, ID number (and their agreement with a G number), grade,
    boarding, hardship type and its confirmation date, enrolment and leaving dates."""
    problems: list[Problem] = []
    today = today or date.today()
    number: StudentNo | None = None
    try:
        number = parse_student_no(row.get("student_no"), today)
        if number.number != row.get("student_no"):
            problems.append(Problem(STUDENT_NO, f"应写成规范形式 {number.number}"))
        if row.get("no_tail") not in (None, number.tail):
            problems.append(Problem(STUDENT_NO, "学籍号尾号与学籍号不一致"))
    except ValidationError as exc:
        problems.extend(exc.problems)
    _required_text(row, "name", "姓名", problems)
    sex = _choice(row, "sex", SEX, problems, required=True)
    birth = _day(row, "birth_date", "出生日期", problems)
    if birth is not None and birth > today:
        problems.append(Problem("出生日期", f"{birth} 晚于今天"))
    id_number = row.get("id_number")
    if id_number and number is not None and number.kind == "G" and id_number == number.id_number:
        if sex and number.sex != sex:  # the number was parsed with the 学籍号: compare directly
            problems.append(
                Problem(
                    "性别", f"填的是{SEX.label(sex)}，身份证号显示为{SEX.label(number.sex or '')}"
                )
            )
        if birth is not None and birth != number.birth_date:
            problems.append(
                Problem("出生日期", f"填的是 {birth}，身份证号显示为 {number.birth_date}")
            )
    elif id_number:
        try:
            info = parse_id(str(id_number), today)
            if info.number != id_number:
                problems.append(Problem("身份证号", f"应写成规范形式 {info.number}"))
            problems.extend(check_consistency(info, SEX.label(sex) if sex else None, birth))
        except ValidationError as exc:
            problems.extend(exc.problems)
    if number is not None and number.kind == "G":
        if id_number and id_number != number.id_number:
            problems.append(
                Problem("身份证号", "与学籍号中的身份证号不一致（G 开头的学籍号即 G + 身份证号）")
            )
        if not id_number:
            if sex and number.sex != sex:
                problems.append(
                    Problem(
                        "性别", f"填的是{SEX.label(sex)}，学籍号显示为{SEX.label(number.sex or '')}"
                    )
                )
            if birth is not None and birth != number.birth_date:
                problems.append(
                    Problem("出生日期", f"填的是 {birth}，学籍号显示为 {number.birth_date}")
                )
    grade = row.get("grade")
    problems.extend(grade_problems(grade, None))
    _flag(row, "boarding", "寄宿", problems)
    hardship = _choice(row, "hardship", HARDSHIP, problems, required=False)
    confirmed = _day(row, "hardship_confirmed_on", "认定日期", problems)
    if confirmed is not None and not hardship:
        problems.append(Problem("认定日期", "填写了认定日期，但没有填写困难类型"))
    if confirmed is not None and birth is not None and confirmed < birth:
        problems.append(Problem("认定日期", f"{confirmed} 早于出生日期"))
    enrolled = _day(row, "enrolled_on", "入学日期", problems)
    left = _day(row, "left_on", "离校日期", problems)
    if enrolled is not None and left is not None and left < enrolled:
        problems.append(Problem("离校日期", f"{left} 早于入学日期 {enrolled}"))
    return problems


def validate_standard(row: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    item = _choice(row, "item", EXEMPTION_ITEMS, problems, required=True)
    _choice(row, "stage", STANDARD_STAGES, problems, required=True)
    boarding = row.get("boarding")
    if boarding not in (None, 0, 1) and not isinstance(boarding, bool):
        problems.append(Problem("寄宿", f"「{boarding}」应为 是、否 或 空（不分寄宿）"))
    elif item == "boarding" and boarding not in (1, True):
        problems.append(Problem("寄宿", "寄宿生生活补助标准只适用于寄宿生"))
    elif item == "nonboarding" and boarding not in (0, False):
        problems.append(Problem("寄宿", "非寄宿生生活补助标准只适用于非寄宿生"))
    elif item in ("fees", "textbooks") and boarding is not None:
        problems.append(Problem("寄宿", "免学杂费、免教科书费标准不分寄宿，请留空"))
    amount = row.get("amount_fen")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        problems.append(Problem("金额", f"「{amount}」应为大于 0 的金额（元/年）"))
    start = _day(row, "effective_from", "起始日期", problems)
    if start is None and not problems:
        problems.append(Problem("起始日期", "不能为空"))
    end = _day(row, "effective_to", "截止日期", problems)
    if start is not None and end is not None and end < start:
        problems.append(Problem("截止日期", f"{end} 早于起始日期 {start}"))
    return problems


@lru_cache(maxsize=256)
def _semester_facts(key: str) -> tuple[str, str, str] | None:
    """(school year, first and last grant day) of a semester key; None when it is not one."""
    try:
        first, last = grant_window(key)
    except ValidationError:
        return None
    return school_year_of(key), first.isoformat(), last.isoformat()


_METHOD_KEYS = frozenset(METHODS.keys())
_ITEM_BOARDING = frozenset(
    (item, boarding)
    for item in EXEMPTION_ITEMS.keys()
    for boarding in (0, 1)
    if (item, boarding) not in (("boarding", 0), ("nonboarding", 1))
)  # the items a boarder (1) or a non-boarder (0) may have
_PLAIN_FIELDS = itemgetter(
    "semester",
    "school_year",
    "granted_on",
    "item",
    "boarding",
    "grade",
    "amount_fen",
    "method",
    "student_id",
    "school_id",
    "standard_id",
    "student_no",
)


@lru_cache(maxsize=1024)
def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _plainly_valid(row: Mapping[str, Any]) -> bool:
    """The usual case, checked quickly (a semester batch writes hundreds of thousands of rows):
    every field read in one call, the semester's facts and the grant day's validity cached."""
    try:
        semester, year, granted, item, boarding, grade, amount, method, *keys = _PLAIN_FIELDS(row)
    except KeyError:  # a partial record: the full check says what is missing
        return False
    facts = _semester_facts(semester) if type(semester) is str else None
    return (
        facts is not None
        and year == facts[0]
        and type(granted) is str
        and len(granted) == 10
        and facts[1] <= granted <= facts[2]
        and type(item) is str
        and type(boarding) is int
        and (item, boarding) in _ITEM_BOARDING
        and type(grade) is int
        and 1 <= grade <= 9
        and type(amount) is int
        and amount > 0
        and type(method) is str
        and method in _METHOD_KEYS
        and all(keys)
        and _is_day(granted)
    )


def validate_exemption(row: Mapping[str, Any]) -> list[Problem]:
    """The fields of one exemption record; what needs other records (the student, the school,
    the standard, an earlier exemption) is checked by ``desktop.store.exemption``."""
    if _plainly_valid(row):
        return []
    problems: list[Problem] = []
    for key, label in (("student_id", "学生"), ("school_id", "学校"), ("standard_id", "资助标准")):
        if not row.get(key):
            problems.append(Problem(label, "不能为空"))
    if not row.get("student_no"):
        problems.append(Problem(STUDENT_NO, "不能为空"))
    grade = row.get("grade")
    problems.extend(grade_problems(grade, None))
    boarding = _flag(row, "boarding", "寄宿", problems)
    item = _choice(row, "item", EXEMPTION_ITEMS, problems, required=True)
    _choice(row, "method", METHODS, problems, required=True)
    key = str(row.get("semester") or "")
    try:
        semester_period(key)
    except ValidationError as exc:
        problems.extend(exc.problems)
        key = ""
    if key and row.get("school_year") != school_year_of(key):
        problems.append(
            Problem(
                "学年", f"{key} 属于 {school_year_of(key)} 学年，而不是「{row.get('school_year')}」"
            )
        )
    amount = row.get("amount_fen")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        problems.append(Problem("金额", f"「{amount}」应为大于 0 的金额"))
    granted = _day(row, "granted_on", "发放日期", problems)
    if granted is None and not row.get("granted_on"):
        problems.append(Problem("发放日期", "不能为空"))
    if granted is not None and key:
        first, last = grant_window(key)
        if not first <= granted <= last:
            problems.append(
                Problem(
                    "发放日期",
                    f"{granted} 不在 {key} 学期内（可填 {first} 至 {last}）",
                )
            )
    if item == "boarding" and boarding == 0:
        problems.append(Problem("资助项目", "非寄宿生不能享受寄宿生生活补助，应为非寄宿生生活补助"))
    elif item == "nonboarding" and boarding == 1:
        problems.append(Problem("资助项目", "寄宿生应享受寄宿生生活补助，而不是非寄宿生生活补助"))
    return problems


def amount_problem(
    amount_fen: Any, standard: Standard | None, item: str, stage: str, key: str
) -> str | None:
    """Why ``amount_fen`` is not what the standard in force for semester ``key`` says (or None)."""
    if standard is None:
        return no_standard_message(item, stage, semester_period(key).start)
    expected = standard.semester_fen
    if amount_fen != expected:
        got = (
            format_yuan(int(amount_fen), thousands=False)
            if isinstance(amount_fen, int)
            else amount_fen
        )
        return (
            f"应为 {format_yuan(expected, thousands=False)} 元，而不是 {got} 元："
            f"{key}执行{standard.label}，每学期为全年的一半"
        )
    return None
