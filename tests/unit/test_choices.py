from __future__ import annotations

import pytest

from desktop.domain import choices
from desktop.domain.choices import (
    CONTRACEPTION,
    EXEMPTION_ITEMS,
    FOUR_PROCEDURE_GROUPS,
    FOUR_PROCEDURES,
    MARITAL,
    PROCEDURE_TYPES,
    ROLES,
    SEX,
    UNCHECKED_REASON,
    Choice,
    ChoiceList,
)
from desktop.domain.errors import ValidationError

ALL_LISTS = [v for v in vars(choices).values() if isinstance(v, ChoiceList)]


def test_all_lists_present() -> None:
    names = {k for k, v in vars(choices).items() if isinstance(v, ChoiceList)}
    assert names >= {
        "ROLES", "ORG_LEVELS", "PROGRAMMES", "SUBMISSION_STATUS", "CONTRACEPTION", "FLOATING",
        "MARITAL", "ROSTER_EXIT", "CHECK_PLACE", "UNCHECKED_REASON", "PROCEDURE_TYPES",
        "PAYMENT_STATUS", "ACCOUNT_TYPES", "QUALIFICATION_STATUS", "HARDSHIP", "EXEMPTION_ITEMS",
        "SCHOOL_STAGES", "SEMESTERS", "HUKOU", "BIRTH_POLICY", "SEX",
    }  # fmt: skip


@pytest.mark.parametrize("choice_list", ALL_LISTS, ids=lambda c: c.name)
def test_keys_are_ascii_and_labels_chinese_and_unique(choice_list: ChoiceList) -> None:
    keys, labels = choice_list.keys(), choice_list.labels()
    assert len(set(keys)) == len(keys) == len(choice_list)
    assert len(set(labels)) == len(labels)
    assert all(k.isascii() and k.replace("_", "").isalnum() for k in keys)
    assert all(not label.isascii() for label in labels)
    for c in choice_list:
        assert choice_list.key(c.label) == c.key
        assert choice_list.key(c.key) == c.key
        assert choice_list.label(c.key) == c.label
        for alias in c.aliases:
            assert choice_list.key(alias) == c.key


def test_roles() -> None:
    assert ROLES.keys() == ["clerk", "reviewer", "admin"]
    assert ROLES.labels() == ["录入员", "审核员", "区管理员"]
    assert ROLES.label("reviewer") == "审核员"
    assert "admin" in ROLES and "审核员" not in ROLES


def test_key_accepts_label_key_alias_and_loose_typing() -> None:
    assert SEX.key("男") == "M"
    assert SEX.key("f") == "F"
    assert SEX.key(" 女 ") == "F"
    assert MARITAL.key("再婚") == "married"
    assert EXEMPTION_ITEMS.key("课本费") == "textbooks"
    assert UNCHECKED_REASON.key("外地已检") == "checked_elsewhere"
    assert CONTRACEPTION.key("未避孕") == "none"


def test_unknown_value_lists_what_is_allowed() -> None:
    with pytest.raises(ValidationError) as info:
        UNCHECKED_REASON.key("出差")
    (problem,) = info.value.problems
    assert problem.field == "未检原因"
    assert "「出差」" in problem.message
    assert "外出务工、孕期产后、疾病住院、外地已检、拒检、其他" in problem.message
    with pytest.raises(ValidationError):
        ROLES.label("录入员")  # label() wants a key


def test_iteration_yields_choices_in_order() -> None:
    first = next(iter(PROCEDURE_TYPES))
    assert first == Choice("iud_insert", "放置宫内节育器", ("上环", "放环"))
    assert str(first) == "放置宫内节育器"
    assert len(PROCEDURE_TYPES) == 7


def test_four_procedures_roll_up() -> None:
    assert set(FOUR_PROCEDURES) <= set(PROCEDURE_TYPES.keys())
    assert set(FOUR_PROCEDURES.values()) == set(FOUR_PROCEDURE_GROUPS)
    assert FOUR_PROCEDURE_GROUPS == ("上环", "结扎", "人流", "引产")
    assert FOUR_PROCEDURES["iud_insert"] == "上环"
    assert (
        FOUR_PROCEDURES["female_sterilization"] == FOUR_PROCEDURES["male_sterilization"] == "结扎"
    )
    assert "iud_remove" not in FOUR_PROCEDURES and "implant" not in FOUR_PROCEDURES
    # Report Q1: 上环 100 + 结扎 (6 女 + 1 男) + 人流 23 + 引产 2 = 132
    records = ["iud_insert"] * 100 + ["female_sterilization"] * 6 + ["male_sterilization"]
    records += ["abortion"] * 23 + ["induced_labour"] * 2 + ["iud_remove"] * 9
    counts = {g: 0 for g in FOUR_PROCEDURE_GROUPS}
    for r in records:
        if r in FOUR_PROCEDURES:
            counts[FOUR_PROCEDURES[r]] += 1
    assert counts == {"上环": 100, "结扎": 7, "人流": 23, "引产": 2}
    assert sum(counts.values()) == 132


def test_duplicate_keys_are_a_programming_error() -> None:
    with pytest.raises(ValueError):
        ChoiceList("测试", [("a", "甲"), ("a", "乙")])
