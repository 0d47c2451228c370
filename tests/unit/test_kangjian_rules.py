"""The 康检 rules of desktop.domain.kangjian: pure functions, no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from desktop.domain.choices import PROCEDURE_TYPES, UNCHECKED_REASON
from desktop.domain.ids import make_id
from desktop.domain.kangjian import (
    REASON_COLUMNS,
    RosterFacts,
    age_on,
    birth_window,
    check_date_problems,
    four_procedure_problems,
    ineligibility,
    is_eligible,
    latest_birth,
    roll_up,
    totals_problems,
    validate_campaign,
    validate_check,
    validate_floating_service,
    validate_newlywed,
    validate_procedure,
    validate_screening,
    validate_totals,
    validate_woman,
    woman_id_problems,
)

DAY = date(2026, 3, 1)
WOMAN = make_id("110105", date(1990, 3, 7), 2)
MAN = make_id("110105", date(1990, 3, 7), 1)


def messages(problems: list) -> str:
    return "\n".join(f"{p.field}：{p.message}" for p in problems)


# -- ages and eligibility ------------------------------------------------------------------------


def test_age_window_on_the_campaign_day() -> None:
    after, until = birth_window(DAY)
    assert (after, until) == (date(1976, 3, 1), date(2011, 3, 1))
    assert age_on(date(1976, 3, 1), DAY) == 50  # 50 today: out
    assert age_on(date(1976, 3, 2), DAY) == 49  # 49 until tomorrow: in
    assert age_on(date(2011, 3, 1), DAY) == 15  # 15 today: in
    assert age_on(date(2011, 3, 2), DAY) == 14


def test_leap_day_campaign() -> None:
    leap = date(2028, 2, 29)
    assert latest_birth(leap, 15) == date(2013, 2, 28)
    assert age_on(date(2013, 2, 28), leap) == 15 and age_on(date(2013, 3, 1), leap) == 14


@pytest.mark.parametrize("day", [date(2028, 2, 29), date(2026, 3, 1), date(2025, 12, 31)])
def test_birth_window_agrees_with_age_on(day: date) -> None:
    after, until = birth_window(day)
    born = date(1970, 1, 1)
    while born < date(2016, 1, 1):
        inside = after < born <= until
        assert inside == (15 <= age_on(born, day) <= 49), born
        born += timedelta(days=1)


def facts(**changes: object) -> RosterFacts:
    values: dict = dict(birth_date=date(1990, 1, 1), entered_on=date(2015, 1, 1))
    values.update(changes)
    return RosterFacts(**values)


def test_eligibility_rule() -> None:
    assert is_eligible(facts(), DAY)
    assert "不在 15–49 岁之间" in ineligibility(facts(birth_date=date(1976, 3, 1)), DAY)[0]
    assert is_eligible(facts(birth_date=date(2011, 3, 1)), DAY)
    assert ineligibility(facts(entered_on=date(2026, 3, 2)), DAY) == ["2026-03-02 才登记入册"]
    assert is_eligible(facts(entered_on=DAY), DAY)
    # an exit on the day counts; an exit after it does not, whatever the status is now
    assert not is_eligible(facts(exit_date=DAY, marital="divorced"), DAY)
    assert is_eligible(facts(exit_date=date(2026, 3, 2), marital="divorced"), DAY)
    assert ineligibility(facts(marital="divorced"), DAY) == ["婚姻状况为离婚"]
    assert ineligibility(facts(marriage_date=date(2026, 3, 2)), DAY) == ["2026-03-02 才结婚"]
    assert is_eligible(facts(community_id="c1"), DAY, scope={"c1"})
    assert not is_eligible(facts(community_id="c2"), DAY, scope={"c1"})


def test_roster_facts_from_a_stored_row() -> None:
    row = {"entered_on": "2015-01-01", "marital": "married", "exit_date": "2026-05-01"}
    found = RosterFacts.from_row(row, "1990-01-01")
    assert found.exit_date == date(2026, 5, 1) and is_eligible(found, DAY)


# -- the roster ----------------------------------------------------------------------------------


def test_only_women_on_the_roster() -> None:
    assert woman_id_problems(WOMAN) == []
    (problem,) = woman_id_problems(MAN)
    assert "顺序码为奇数，是男性的身份证号" in problem.message
    assert "110105********" in problem.message  # masked in the message
    assert "校验位错误" in woman_id_problems(WOMAN[:-1] + "0")[0].message
    assert woman_id_problems(None)[0].message == "名册中的妇女必须有身份证号"


ROSTER = {"person_id": "p1", "marital": "married", "floating": "none", "entered_on": "2020-01-01"}


def test_roster_entry_rules() -> None:
    assert validate_woman(ROSTER) == []
    assert "请填写退出日期和原因" in messages(validate_woman({**ROSTER, "marital": "divorced"}))
    assert (
        validate_woman(
            {**ROSTER, "marital": "divorced", "exit_date": "2025-01-01", "exit_reason": "divorce"}
        )
        == []
    )
    assert "请同时选择退出原因" in messages(validate_woman({**ROSTER, "exit_date": "2025-01-01"}))
    assert "请同时填写退出日期" in messages(validate_woman({**ROSTER, "exit_reason": "moved"}))
    assert "早于登记日期" in messages(
        validate_woman({**ROSTER, "exit_date": "2019-01-01", "exit_reason": "moved"})
    )
    assert "不是可选项" in messages(validate_woman({**ROSTER, "contraception": "pill"}))
    assert "不应填写流动去向" in messages(validate_woman({**ROSTER, "floating_where": "深圳"}))
    assert "不是有效日期" in messages(validate_woman({**ROSTER, "entered_on": "2020/1/1"}))
    assert "不小于 0 的整数" in messages(validate_woman({**ROSTER, "living_children": -1}))


# -- campaigns and checks ------------------------------------------------------------------------

CAMPAIGN = {
    "name": "2026年春季康检",
    "start_date": "2026-03-01",
    "end_date": "2026-03-31",
    "items": '["查环","查孕","查病"]',
}


def test_campaign_rules() -> None:
    assert validate_campaign(CAMPAIGN) == []
    assert "早于开始日期" in messages(validate_campaign({**CAMPAIGN, "end_date": "2026-02-28"}))
    assert "「查血」不是可选项" in messages(validate_campaign({**CAMPAIGN, "items": '["查血"]'}))
    assert "至少选择一项" in messages(validate_campaign({**CAMPAIGN, "items": "[]"}))
    assert "至少选择一个社区" in messages(validate_campaign({**CAMPAIGN, "communities": "[]"}))


def test_check_date_within_the_campaign() -> None:
    start, end = date(2026, 3, 1), date(2026, 3, 31)
    assert check_date_problems(start, start, end) == [] == check_date_problems(end, start, end)
    (problem,) = check_date_problems(date(2026, 4, 1), start, end, "春季康检")
    assert problem.field == "检查日期" and "不在「春季康检」期间" in problem.message


CHECKED = {
    "campaign_id": "c",
    "woman_id": "w",
    "checked": 1,
    "check_date": "2026-03-05",
    "record_date": "2026-03-05",
    "place": "station",
    "ring_result": "normal",
    "pregnancy_result": "not_pregnant",
    "disease_found": 0,
    "advice_given": 0,
}
NOT_CHECKED = {
    "campaign_id": "c",
    "woman_id": "w",
    "checked": 0,
    "unchecked_reason": "migrant",
    "record_date": "2026-03-31",
}


def test_check_record_rules() -> None:
    assert validate_check(CHECKED) == [] == validate_check(NOT_CHECKED)
    assert validate_check({**CHECKED, "checked": True}) == []
    assert "已检记录必须填写检查日期" in messages(validate_check({**CHECKED, "check_date": None}))
    assert "已检记录不应填写未检原因" in messages(
        validate_check({**CHECKED, "unchecked_reason": "refused"})
    )
    assert "应等于检查日期" in messages(validate_check({**CHECKED, "record_date": "2026-03-06"}))
    assert "未检记录必须选择原因" in messages(
        validate_check({**NOT_CHECKED, "unchecked_reason": None})
    )
    assert "未检记录不应填写检查日期" in messages(
        validate_check({**NOT_CHECKED, "check_date": "2026-03-05"})
    )
    assert "未检记录不应填写检查地点、妇科病/医学建议" in messages(
        validate_check({**NOT_CHECKED, "place": "home", "disease_found": 1})
    )
    assert "是否已检：不能为空" in messages(validate_check({**CHECKED, "checked": None}))
    assert "应为 是 或 否" in messages(validate_check({**CHECKED, "checked": 2}))
    assert "「回家」不是可选项" in messages(validate_check({**CHECKED, "place": "回家"}))


# -- keyed totals --------------------------------------------------------------------------------


def test_totals_identity() -> None:
    assert totals_problems(100, 98, {"migrant": 1, "other": 1}) == []
    (problem,) = totals_problems(100, 98, {"migrant": 1})
    assert "未检人数（应检 100 − 实检 98 = 2）应等于各未检原因人数之和（1）" in problem.message
    assert "实检 101 人多于应检 100 人" in messages(totals_problems(100, 101, {}))
    assert "不能为负数" in messages(totals_problems(0, -1, {}))


def test_keyed_totals_row() -> None:
    row = {
        "campaign_id": "c",
        "record_date": "2026-03-31",
        "eligible": 10,
        "checked": 7,
        "reason_migrant": 2,
        "reason_refused": 1,
    }
    assert validate_totals(row) == []
    assert "应等于各未检原因人数之和（2）" in messages(
        validate_totals({**row, "reason_refused": None})
    )
    assert "不小于 0 的整数" in messages(validate_totals({**row, "reason_other": -1}))
    assert set(REASON_COLUMNS) == set(UNCHECKED_REASON.keys())


# -- procedures ----------------------------------------------------------------------------------


def test_four_procedures_roll_up_the_report() -> None:
    counts = {
        "iud_insert": 100,
        "female_sterilization": 6,
        "male_sterilization": 1,
        "abortion": 23,
        "induced_labour": 2,
        "iud_remove": 40,
        "implant": 5,
    }
    four = roll_up(counts)
    assert dict(four.groups) == {"上环": 100, "结扎": 7, "人流": 23, "引产": 2}
    assert four.total == 132 == sum(four.groups.values())
    assert four.text == "132例：上环100例、结扎7例、人流23例、引产2例"
    assert four.by_type["iud_remove"] == 40 and set(four.by_type) == set(PROCEDURE_TYPES.keys())
    assert roll_up({}).total == 0
    with pytest.raises(ValueError):
        roll_up({"tonsillectomy": 1})


def test_four_procedures_total_equals_its_parts() -> None:
    parts = {"上环": 100, "结扎": 7, "人流": 23, "引产": 2}
    assert four_procedure_problems(132, parts) == []
    (problem,) = four_procedure_problems(133, parts)
    assert (
        "合计 133 例不等于各项之和（上环 100 + 结扎 7 + 人流 23 + 引产 2 = 132）" in problem.message
    )
    assert "不是四术的组成部分" in messages(four_procedure_problems(1, {"取环": 1}))


def test_procedure_rules() -> None:
    row = {
        "name": "李梅",
        "sex": "F",
        "procedure_type": "iud_insert",
        "procedure_date": "2026-01-10",
        "id_number": WOMAN,
    }
    assert validate_procedure(row) == []
    assert "男性绝育的受术者应为男性" in messages(
        validate_procedure({**row, "procedure_type": "male_sterilization"})
    )
    assert (
        validate_procedure(
            {**row, "procedure_type": "male_sterilization", "sex": "M", "id_number": MAN}
        )
        == []
    )
    assert "身份证号显示为男" in messages(validate_procedure({**row, "id_number": MAN}))
    assert "不能为空" in messages(validate_procedure({**row, "name": " "}))


# -- screening, newly-weds, floating population --------------------------------------------------


def test_screening_rules() -> None:
    linked = {"woman_id": "w", "id_number": WOMAN, "screen_date": "2026-01-05", "disease_found": 1}
    assert validate_screening(linked) == []
    assert "身份证号：不能为空" in messages(validate_screening({**linked, "id_number": None}))
    found = messages(validate_screening({"screen_date": "2026-01-05"}))
    assert "未关联名册时必须填写姓名" in found and "身份证号：不能为空" in found
    assert "男性的身份证号" in messages(
        validate_screening({"name": "某", "id_number": MAN, "screen_date": "2026-01-05"})
    )


def test_newlywed_rules() -> None:
    row = {
        "wife_name": "甲",
        "husband_name": "乙",
        "marriage_date": "2026-02-14",
        "wife_id_number": WOMAN,
        "husband_id_number": make_id("110105", date(1988, 1, 1), 3),
    }
    assert validate_newlywed(row) == []
    assert "女方身份证号：显示为男性" in messages(validate_newlywed({**row, "wife_id_number": MAN}))
    young = make_id("110105", date(2005, 1, 1), 3)
    assert "结婚时 21 岁，未到法定婚龄（22 岁）" in messages(
        validate_newlywed({**row, "husband_id_number": young})
    )


def test_floating_service_rules() -> None:
    row = {"service_date": "2026-01-15", "kind": "contraceptives", "quantity": 120}
    assert validate_floating_service(row) == []
    assert "应为大于 0 的整数" in messages(validate_floating_service({**row, "quantity": 0}))
    assert "不是可选项" in messages(validate_floating_service({**row, "kind": "boxes"}))
