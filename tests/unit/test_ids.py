from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from desktop.domain.errors import Problem, ValidationError
from desktop.domain.ids import (
    check_consistency,
    id_tail,
    is_valid_id,
    make_id,
    mask_id,
    normalize_id,
    parse_id,
    upgrade_legacy,
)

PUBLIC_EXAMPLE = "11010519491231002X"


def reason(text: str) -> str:
    with pytest.raises(ValidationError) as info:
        parse_id(text, today=date(2026, 4, 1))
    (problem,) = info.value.problems
    assert problem.field == "身份证号"
    return problem.message


def test_public_example() -> None:
    info = parse_id(PUBLIC_EXAMPLE)
    assert info.number == PUBLIC_EXAMPLE
    assert info.birth_date == date(1949, 12, 31)
    assert info.sex == "女"  # sequence 002 is even
    assert info.region == "110105"
    assert info.legacy15 is False
    assert ric.is_valid(PUBLIC_EXAMPLE)


@pytest.mark.parametrize(
    "text",
    [
        "１１０１０５１９４９１２３１００２ｘ",
        "11010519491231002x",
        " 110105 19491231 002X ",
        "110105-19491231-002X",
        "110105\t19491231002X",
    ],
)
def test_normalisation(text: str) -> None:
    assert normalize_id(text) == PUBLIC_EXAMPLE
    assert parse_id(text).number == PUBLIC_EXAMPLE


def test_normalize_empty() -> None:
    assert normalize_id("") == ""
    assert normalize_id(None) == ""


@pytest.mark.parametrize(
    ("birth", "seq", "sex"),
    [
        (date(1990, 2, 3), 7, "男"),
        (date(1990, 2, 3), 8, "女"),
        (date(1976, 11, 30), 101, "男"),
        (date(2000, 2, 29), 998, "女"),
        (date(1933, 1, 1), 0, "女"),
    ],
)
def test_make_id_builds_valid_numbers(birth: date, seq: int, sex: str) -> None:
    number = make_id("410102", birth, seq)
    assert len(number) == 18
    assert ric.calc_check_digit(number) == number[-1]
    info = parse_id(number)
    assert (info.birth_date, info.sex, info.region) == (birth, sex, "410102")
    assert number[14:17] == f"{seq:03d}"


def test_make_id_covers_every_check_character() -> None:
    checks = {make_id("410102", date(1980, 1, 1), seq)[-1] for seq in range(200)}
    assert checks == set("0123456789X")
    assert all(is_valid_id(make_id("320582", date(1985, 6, 15), s)) for s in range(0, 999, 37))


def test_make_id_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        make_id("4101", date(1980, 1, 1), 1)
    with pytest.raises(ValueError):
        make_id("410102", date(1980, 1, 1), 1000)


def test_wrong_check_digit_names_the_right_one() -> None:
    assert reason("110105194912310021") == "校验位错误（应为 X）"
    good = make_id("410102", date(1988, 8, 8), 12)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert reason(wrong) == f"校验位错误（应为 {good[-1]}）"


@pytest.mark.parametrize("text", ["1101051949123100", "11010519491231002X1", "123"])
def test_wrong_length(text: str) -> None:
    message = reason(text)
    assert message.startswith("长度应为18位（或旧15位）")
    assert f"现为{len(text)}位" in message


@pytest.mark.parametrize("text", ["11010519491231002O", "11010519491231O02X", "张110105194912310"])
def test_illegal_characters(text: str) -> None:
    assert reason(text).startswith("含非法字符")


def test_x_only_as_last_character() -> None:
    assert reason("1101051949123100X2").startswith("含非法字符「X」")
    assert reason("11010549123100X").startswith("含非法字符「X」")


def test_invalid_birth_dates() -> None:
    body = "110105" + "19491331" + "002"
    assert reason(body + ric.calc_check_digit(body + "0")).startswith("出生日期无效")
    body = "110105" + "19490229" + "002"  # 1949 is not a leap year
    assert reason(body + ric.calc_check_digit(body + "0")).startswith("出生日期无效")
    future = make_id("110105", date(2026, 4, 2), 2)
    assert "晚于今天" in reason(future)
    assert parse_id(make_id("110105", date(2026, 4, 1), 2), today=date(2026, 4, 1))


def test_empty() -> None:
    assert reason("") == "不能为空"
    assert reason("  ") == "不能为空"


def test_legacy_15_digit_number() -> None:
    info = parse_id("110105491231002")
    assert info.legacy15 is True
    assert info.number == "110105491231002"
    assert info.birth_date == date(1949, 12, 31)
    assert info.sex == "女"
    assert parse_id("110105491231003").sex == "男"
    assert reason("110105491331002").startswith("出生日期无效")
    assert upgrade_legacy("110105491231002") == PUBLIC_EXAMPLE
    assert upgrade_legacy(PUBLIC_EXAMPLE) == PUBLIC_EXAMPLE


def test_sex_from_sequence_digit() -> None:
    for seq in range(10):
        expected = "男" if seq % 2 else "女"
        assert parse_id(make_id("110105", date(1970, 5, 5), seq)).sex == expected


def test_is_valid_id() -> None:
    assert is_valid_id(PUBLIC_EXAMPLE)
    assert is_valid_id("110105491231002")
    assert not is_valid_id("110105194912310021")
    assert not is_valid_id("")


def test_check_consistency() -> None:
    info = parse_id(PUBLIC_EXAMPLE)
    assert check_consistency(info) == []
    assert check_consistency(info, sex="女", birth_date=date(1949, 12, 31)) == []
    assert check_consistency(info, sex="F") == []
    problems = check_consistency(info, sex="男", birth_date=date(1949, 12, 30))
    assert [p.field for p in problems] == ["性别", "出生日期"]
    assert "身份证号显示为女" in problems[0].message
    assert "1949-12-31" in problems[1].message
    (bad,) = check_consistency(info, sex="未知")
    assert bad == Problem("性别", "「未知」不是可选项，应为：男、女")


def test_age_on() -> None:
    info = parse_id(PUBLIC_EXAMPLE)
    assert info.age_on(date(1999, 12, 30)) == 49
    assert info.age_on(date(1999, 12, 31)) == 50


def test_mask_id() -> None:
    assert mask_id("110105194912311234") == "110105********1234"
    assert mask_id("１１０１０５１９４９１２３１００２ｘ") == "110105********002X"
    assert mask_id("110105491231002") == "110105******002"
    assert mask_id("") == ""
    assert mask_id(None) == ""
    assert mask_id("12345") == "*****"
    assert parse_id(PUBLIC_EXAMPLE).masked == "110105********002X"


def test_id_tail() -> None:
    assert id_tail(PUBLIC_EXAMPLE) == "002X"
    assert id_tail("11010519491231002x", 6) == "31002X"
    assert id_tail("") == ""
