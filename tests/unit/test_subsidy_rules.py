"""帮扶发放 rules (desktop.domain.subsidy): standards by date, paid months and pro-rata amounts,
eligibility refusals and warnings, masking and the row rules."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.domain.subsidy import (
    Facts,
    Standard,
    amount_fen,
    eligibility,
    mask_account,
    paid_months,
    shares,
    standard_in_force,
    validate_payment,
    validate_qualification,
)

REWARD = [
    Standard("r600", "reward", None, None, "year", 60000, "2004-01-01", "2023-12-31"),
    Standard("r960", "reward", None, None, "year", 96000, "2024-01-01", None),
]
SPECIAL = [
    Standard("d-all", "special", "disabled", None, "month", 11000, "2012-01-01", "2013-12-31"),
    Standard("d-urban", "special", "disabled", "urban", "month", 27000, "2014-01-01", None),
    Standard("d-rural", "special", "disabled", "rural", "month", 15000, "2014-01-01", "2023-12-31"),
    Standard("d-rural2", "special", "disabled", "rural", "month", 27000, "2024-01-01", None),
    Standard("dead-urban", "special", "dead", "urban", "month", 34000, "2014-01-01", None),
]


def test_standard_by_date_category_and_hukou() -> None:
    assert standard_in_force(REWARD, "reward", None, "rural", "2023-12-31").id == "r600"
    assert standard_in_force(REWARD, "reward", None, "rural", date(2024, 1, 1)).id == "r960"
    assert standard_in_force(REWARD, "reward", None, None, "2003-12-31") is None
    assert standard_in_force(SPECIAL, "special", "disabled", "rural", "2013-06-01").id == "d-all"
    assert standard_in_force(SPECIAL, "special", "disabled", "rural", "2020-06-01").id == "d-rural"
    assert standard_in_force(SPECIAL, "special", "disabled", "rural", "2024-06-01").id == "d-rural2"
    assert standard_in_force(SPECIAL, "special", "disabled", "urban", "2024-06-01").id == "d-urban"
    assert standard_in_force(SPECIAL, "special", "dead", "rural", "2024-06-01") is None
    assert standard_in_force(SPECIAL, "reward", "disabled", "urban", "2024-06-01") is None


def test_a_month_is_paid_when_the_entitlement_holds_on_its_first_day() -> None:
    months = paid_months("2026-01-01", "2026-06-30", "2026-03-15", None)
    assert months == [date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    assert paid_months("2026-01-01", "2026-03-31", "2025-01-01", "2026-02-10") == [
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert paid_months("2026-01-15", "2026-03-31", "2020-01-01", None) == [
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    assert paid_months("2026-01-01", "2026-12-31", "2027-01-01", None) == []


def test_amounts_by_unit() -> None:
    year, month = REWARD[1], SPECIAL[1]
    assert amount_fen(year, 12) == 96000
    assert amount_fen(year, 6) == 48000
    assert amount_fen(year, 3) == 24000
    assert amount_fen(Standard("x", "p", None, None, "year", 100, "2020-01-01"), 1) == 8  # 8.33 → 8
    assert amount_fen(month, 3) == 81000
    assert amount_fen(month, 0) == 0
    once = Standard("o", "condolence", None, None, "once", 50000, "2020-01-01")
    assert amount_fen(once, 1) == 50000


def test_shares_split_where_the_standard_changes() -> None:
    standards = [
        Standard("a", "special", "dead", None, "month", 10000, "2020-01-01", "2026-02-28"),
        Standard("b", "special", "dead", None, "month", 20000, "2026-03-01", None),
    ]
    found, missing = shares(
        standards, "special", "dead", "rural", "2026-01-01", "2026-06-30", "2020-01-01", None
    )
    assert missing == []
    assert [
        (s.standard.id, s.months, s.covered_start, s.covered_end, s.amount_fen) for s in found
    ] == [
        ("a", 2, "2026-01-01", "2026-02-28", 20000),
        ("b", 4, "2026-03-01", "2026-06-30", 80000),
    ]
    none, missing = shares(
        standards[1:], "special", "dead", None, "2026-01-01", "2026-03-31", "2020-01-01", None
    )
    assert [s.months for s in none] == [1] and missing == [date(2026, 1, 1), date(2026, 2, 1)]


def test_reward_eligibility() -> None:
    ok = Facts("王建国", "1960-05-01", "M", "rural", children=("M",))
    assert eligibility("reward", None, ok, "2026-01-01") == []
    urban = eligibility("reward", None, Facts("甲", "1960-05-01", "M", "urban"), "2026-01-01")
    assert [p.refusal for p in urban] == [True] and "农村户籍" in urban[0].message
    young = eligibility("reward", None, Facts("乙", "1967-01-01", "M", "rural"), "2026-06-01")
    assert young[0].refusal and "未满60周岁" in young[0].message
    old = eligibility("reward", None, Facts("丙", "1932-12-31", "F", "rural"), "2026-06-01")
    assert old[0].refusal and "1933" in old[0].message
    unknown = eligibility("reward", None, Facts("丁", None, "M", None), "2026-06-01")
    assert [p.severity for p in unknown] == ["warn", "warn"]
    sons = eligibility(
        "reward", None, Facts("戊", "1960-01-01", "M", "rural", children=("M", "F")), "2026-06-01"
    )
    assert [p.severity for p in sons] == ["warn"] and "两个女孩" in sons[0].message
    daughters = Facts("己", "1960-01-01", "M", "rural", children=("F", "F"))
    assert eligibility("reward", None, daughters, "2026-06-01") == []


def test_special_eligibility() -> None:
    mother = Facts("李秀英", "1976-06-01", "F", "urban")
    assert eligibility("special", "dead", mother, "2025-06-01") == []
    too_young = eligibility("special", "dead", mother, "2025-05-31")
    assert too_young[0].refusal and "未满49周岁" in too_young[0].message
    father = Facts("王", "1970-01-01", "M", "urban", spouse_birth_date="1980-01-01", spouse_sex="F")
    assert eligibility("special", "disabled", father, "2026-01-01")[0].refusal
    alone = eligibility(
        "special", "disabled", Facts("王", "1960-01-01", "M", "urban"), "2026-01-01"
    )
    assert [p.severity for p in alone] == ["warn"]
    wrong = eligibility("special", None, mother, "2026-01-01")
    assert wrong[0].refusal and "伤残" in wrong[0].message
    assert eligibility("condolence", None, Facts("x"), "2026-01-01") == []


def test_mask_account() -> None:
    assert mask_account("6217 0000 1234 5678") == "****5678"
    assert mask_account("123") == "***"
    assert mask_account(None) == ""


def _payment(**extra: object) -> dict:
    return {
        "person_id": "p",
        "covered_start": "2026-01-01",
        "covered_end": "2026-03-31",
        "pay_date": "2026-03-20",
        "status": "paid",
        "amount_fen": 100,
        "goods_fen": 0,
        **extra,
    }


@pytest.mark.parametrize(
    ("extra", "field", "text"),
    [
        ({"covered_end": "2025-12-31"}, "发放期间止", "不能早于"),
        ({"amount_fen": 0}, "金额", "不能都为0"),
        ({"status": "returned"}, "退回原因", "须填写原因"),
        ({"status": "lost"}, "发放状态", "不是可选项"),
        ({"account_type": "现金"}, "账户类型", "不是可选项"),
        ({"pay_date": "2026-02-30"}, "发放日期", "不是有效日期"),
    ],
)
def test_payment_row_rules(extra: dict, field: str, text: str) -> None:
    assert validate_payment(_payment()) == []
    problems = validate_payment(_payment(**extra))
    assert any(p.field == field and text in p.message for p in problems), problems


def test_qualification_row_rules() -> None:
    good = {"status": "new", "status_on": "2026-01-05", "start_on": "2026-01-01", "year": 2026}
    assert validate_qualification(good) == []
    exited = validate_qualification({**good, "status": "exited"})
    assert {p.field for p in exited} == {"退出原因", "享受截止日期"}
    late = validate_qualification({**good, "start_on": "2027-01-01"})
    assert late and "晚于2026年度" in late[0].message


def test_suspension_and_exit_reasons_share_the_column() -> None:
    good = {
        "status": "suspended",
        "status_on": "2026-03-01",
        "start_on": "2026-01-01",
        "year": 2026,
    }
    assert validate_qualification(good) == []  # rows from before the reason was kept
    assert validate_qualification({**good, "exit_reason": "unreachable"}) == []
    died = validate_qualification({**good, "exit_reason": "died"})
    assert [p.field for p in died] == ["暂停原因"] and "外出联系不上" in died[0].message
    exited = {**good, "status": "exited", "end_on": "2026-03-01"}
    assert validate_qualification({**exited, "exit_reason": "died"}) == []
    wrong = validate_qualification({**exited, "exit_reason": "account"})
    assert [p.field for p in wrong] == ["退出原因"] and "账户异常" in wrong[0].message
    live = validate_qualification({**good, "status": "continued", "exit_reason": "other"})
    assert [p.field for p in live] == ["退出原因"]
