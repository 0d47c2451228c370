"""The 两免一补 rules of desktop.domain.exemption: pure functions, no database."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.domain.errors import ValidationError
from desktop.domain.exemption import (
    Standard,
    eligible_items,
    grade_label,
    grade_problems,
    grant_window,
    hardship_problem,
    make_j_number,
    parse_grade,
    parse_student_no,
    school_year_of,
    semester_amount,
    stage_of_grade,
    standard_in_force,
    validate_exemption,
    validate_school,
    validate_standard,
    validate_student,
)
from desktop.domain.ids import make_id

CHILD = make_id("110105", date(2015, 3, 7), 12)  # a girl (even sequence)


def reason(text: str) -> str:
    with pytest.raises(ValidationError) as info:
        parse_student_no(text)
    (problem,) = info.value.problems
    assert problem.field == "学籍号"
    return problem.message


# -- 学籍号 ----------------------------------------------------------------------------------------


def test_g_number_is_g_and_a_valid_id_number() -> None:
    number = parse_student_no(f" g{CHILD[:-1]}{CHILD[-1].lower()} ")
    assert number.number == "G" + CHILD and number.kind == "G"
    assert (number.id_number, number.birth_date, number.sex) == (CHILD, date(2015, 3, 7), "F")
    assert number.tail == CHILD[-4:]
    assert parse_student_no("Ｇ" + CHILD).number == "G" + CHILD  # full-width letter


def test_g_number_with_a_wrong_check_digit_says_which() -> None:
    wrong = CHILD[:-1] + ("0" if CHILD[-1] != "0" else "1")
    message = reason("G" + wrong)
    assert message.startswith("G 后应为学生的18位身份证号") and f"应为 {CHILD[-1]}" in message
    assert "出生日期无效" in reason("G11010520151307" + "0128")  # month 13


def test_j_number_with_digits_carries_a_mod_11_2_check_character() -> None:
    good = make_j_number("99000020150307001")
    assert good == "J99000020150307001X" and parse_student_no(good).kind == "J"
    message = reason(good[:-1] + "3")
    assert "J 号校验位错误" in message and "应为 X" in message
    # a body with capital letters (from a passport) has no computable check: characters only
    assert parse_student_no("JAB1234567890123456").kind == "J"
    assert "只能是数字和大写字母" in reason("J99000020150307*01X")
    assert "校验位，应为数字或 X" in reason("J9900002015030700AB")


def test_l_number_is_18_digits_without_a_check() -> None:
    assert parse_student_no("L419920150000000001").kind == "L"
    assert parse_student_no("L419920150000000009").number == "L419920150000000009"
    assert "应为18位数字" in reason("L41992015000000000X")


def test_length_and_prefix_are_explained() -> None:
    assert "应为19位" in reason("G" + CHILD[:-1]) and "现为18位" in reason("G" + CHILD[:-1])
    assert "首字母应为 G（身份证号）、J" in reason("X" + CHILD)
    assert reason("  ") == "不能为空"


# -- grades, semesters, standards -------------------------------------------------------------------


def test_grades_and_stages() -> None:
    assert [
        parse_grade(x) for x in (3, "3", "三年级", "3年级", "初一", "七年级", "初中二年级")
    ] == [
        3,
        3,
        3,
        3,
        7,
        7,
        8,
    ]
    assert parse_grade("九年级（初三）") == 9
    with pytest.raises(ValidationError, match="无法识别"):
        parse_grade("初四")
    assert (stage_of_grade(6), stage_of_grade(7)) == ("primary", "junior")
    assert grade_label(8) == "八年级（初二）"
    (problem,) = grade_problems(8, "primary", "城关第一小学")
    assert "城关第一小学是小学学校" in problem.message and "六年级" in problem.message
    assert grade_problems(8, "nine_year") == [] and grade_problems(2, "junior")


def test_semesters_school_years_and_grant_windows() -> None:
    assert school_year_of("2026春") == school_year_of("2025秋") == "2025-2026"
    assert school_year_of("2026秋") == "2026-2027"
    assert grant_window("2026春") == (date(2026, 1, 29), date(2026, 8, 31))
    assert grant_window("2025秋") == (date(2025, 8, 1), date(2026, 2, 28))


def test_semester_amounts_are_half_the_yearly_standard_half_up() -> None:
    assert semester_amount(125_000) == 62_500  # 1250 元/年 → 625.00
    assert semester_amount(62_500) == 31_250  # 非寄宿生 625 元/年 → 312.50
    assert semester_amount(150_000) == 75_000
    assert semester_amount(10_501) == 5_251  # an odd 分 rounds half up


STANDARDS = [
    Standard("b-old", "boarding", "junior", 1, 125_000, "2011-09-01", "2023-12-31"),
    Standard("b-new", "boarding", "junior", 1, 150_000, "2024-01-01", None),
    Standard("n-old", "nonboarding", "primary", 0, 50_000, "2019-09-01", "2023-12-31"),
    Standard("n-new", "nonboarding", "primary", 0, 62_500, "2024-01-01", None),
    Standard("fees", "fees", "primary", None, 30_000, "2016-03-01", None),
]


def test_standards_are_looked_up_by_date() -> None:
    def found(item: str, stage: str, boarding: int, day: str) -> str | None:
        s = standard_in_force(STANDARDS, item, stage, boarding, day)
        return s.id if s else None

    assert found("boarding", "junior", 1, "2023-09-01") == "b-old"  # 2023秋
    assert found("boarding", "junior", 1, "2024-03-01") == "b-new"  # 2024春
    assert found("nonboarding", "primary", 0, "2019-03-01") is None  # before 2019秋
    assert found("nonboarding", "primary", 0, "2019-09-01") == "n-old"
    assert found("fees", "primary", 1, "2026-03-01") == "fees"  # fees do not ask about boarding
    assert found("fees", "junior", 0, "2026-03-01") is None
    assert (
        standard_in_force(STANDARDS, "nonboarding", "primary", 0, "2026-03-01").semester_fen
        == 31_250
    )  # type: ignore[union-attr]


def test_living_allowance_needs_a_confirmed_hardship() -> None:
    assert eligible_items(0, None, None, "2026-03-20") == ["fees", "textbooks"]
    assert eligible_items(1, "dibao", "2025-10-01", "2026-03-20") == [
        "fees",
        "textbooks",
        "boarding",
    ]
    assert eligible_items(0, "dibao", "2025-10-01", "2026-03-20")[-1] == "nonboarding"
    assert eligible_items(0, "dibao", None, "2026-03-20") == ["fees", "textbooks"]
    assert eligible_items(0, "dibao", "2026-04-01", "2026-03-20") == ["fees", "textbooks"]
    assert "没有登记家庭经济困难类型" in (hardship_problem(None, None, "2026-03-20", "张三") or "")
    assert "尚未认定" in (hardship_problem("dibao", None, "2026-03-20") or "")
    assert "晚于发放日期" in (hardship_problem("dibao", "2026-04-01", "2026-03-20") or "")
    assert hardship_problem("orphan", "2026-03-20", "2026-03-20") is None


# -- row validators ---------------------------------------------------------------------------------


def record(**changes: object) -> dict:
    values: dict = {
        "student_id": "s1",
        "school_id": "k1",
        "standard_id": "n-new",
        "student_no": "G" + CHILD,
        "grade": 3,
        "boarding": 0,
        "school_year": "2025-2026",
        "semester": "2026春",
        "item": "nonboarding",
        "amount_fen": 31_250,
        "granted_on": "2026-03-20",
        "method": "payment",
    }
    values.update(changes)
    return values


def fields(problems: list) -> set[str]:
    return {p.field for p in problems}


def test_exemption_record_rules() -> None:
    assert validate_exemption(record()) == []
    assert fields(validate_exemption(record(school_year="2026-2027"))) == {"学年"}
    (late,) = validate_exemption(record(granted_on="2026-09-01"))
    assert "不在 2026春 学期内" in late.message and "2026-08-31" in late.message
    assert fields(validate_exemption(record(granted_on="2026-02-30"))) == {"发放日期"}
    assert fields(validate_exemption(record(item="boarding"))) == {"资助项目"}  # a non-boarder
    assert fields(validate_exemption(record(boarding=1))) == {"资助项目"}
    assert fields(validate_exemption(record(semester="2026夏"))) == {"学期"}
    assert fields(validate_exemption(record(amount_fen=0, method="cash"))) == {"金额", "方式"}
    # a record missing a field, or with an empty one, takes the full check, which names it
    partial = record()
    del partial["standard_id"]
    assert fields(validate_exemption(partial)) == {"资助标准"}
    assert fields(validate_exemption(record(student_no=""))) == {"学籍号"}
    assert fields(validate_exemption(record(amount_fen=True))) == {"金额"}


def test_school_and_standard_rules() -> None:
    school = {"code": "2141990101", "name": "城关第一小学", "stage": "primary", "boarding": 0}
    assert validate_school(school) == []
    assert fields(validate_school({**school, "code": "城关一小", "stage": "high"})) == {
        "学校代码",
        "学段",
    }
    standard = {
        "item": "boarding",
        "stage": "junior",
        "boarding": 1,
        "amount_fen": 150_000,
        "effective_from": "2024-01-01",
        "effective_to": None,
    }
    assert validate_standard(standard) == []
    assert fields(validate_standard({**standard, "boarding": 0})) == {"寄宿"}
    assert fields(validate_standard({**standard, "effective_to": "2023-12-31"})) == {"截止日期"}
    assert fields(validate_standard({**standard, "item": "fees", "stage": "nine_year"})) == {
        "寄宿",
        "学段",
    }


def test_student_rules_compare_a_g_number_with_what_was_typed() -> None:
    student = {
        "student_no": "G" + CHILD,
        "no_tail": CHILD[-4:],
        "name": "张梓涵",
        "sex": "F",
        "birth_date": "2015-03-07",
        "id_number": CHILD,
        "grade": 5,
        "boarding": 0,
    }
    assert validate_student(student) == []
    problems = validate_student({**student, "sex": "M", "birth_date": "2015-03-08"})
    assert fields(problems) == {"性别", "出生日期"}
    other = make_id("110105", date(2014, 1, 2), 13)
    mismatch = validate_student({**student, "id_number": other})
    assert any(
        p.field == "身份证号" and "与学籍号中的身份证号不一致" in p.message for p in mismatch
    )
    assert fields(
        validate_student({**student, "hardship": None, "hardship_confirmed_on": "2025-09-01"})
    ) == {"认定日期"}
    assert fields(validate_student({**student, "student_no": "L41992015000000000X"})) == {"学籍号"}
