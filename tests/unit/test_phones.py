from __future__ import annotations

import pytest

from desktop.domain.errors import ValidationError
from desktop.domain.phones import mask_phone, normalize_phone, parse_mobile, parse_phone


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("13812341234", "13812341234"),
        ("138 1234 1234", "13812341234"),
        ("138-1234-1234", "13812341234"),
        ("+86 138 1234 1234", "13812341234"),
        ("+8613812341234", "13812341234"),
        ("008613812341234", "13812341234"),
        ("8613812341234", "13812341234"),
        ("１３８１２３４１２３４", "13812341234"),
        ("0371-12345678", "037112345678"),
        ("(010) 8765 4321", "01087654321"),
        ("+86 371 6543 2100", "037165432100"),
        ("", ""),
    ],
)
def test_normalize_phone(text: str, normal: str) -> None:
    assert normalize_phone(text) == normal


def test_bare_86_is_only_stripped_from_13_digits() -> None:
    assert normalize_phone("86123456") == "86123456"


@pytest.mark.parametrize("text", ["13812341234", "+86 199-0000-0000", "１５０００００００００"])
def test_parse_mobile_accepts(text: str) -> None:
    assert len(parse_mobile(text)) == 11


@pytest.mark.parametrize(
    "text", ["12812341234", "1381234123", "138123412345", "0371-12345678", "abc", "10086"]
)
def test_parse_mobile_rejects(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_mobile(text)
    (problem,) = info.value.problems
    assert problem.field == "手机号"
    assert "11位" in problem.message


def test_parse_mobile_empty() -> None:
    with pytest.raises(ValidationError, match="不能为空"):
        parse_mobile("  ")


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("13812341234", "13812341234"),
        ("0371-12345678", "0371-12345678"),
        ("037165432100", "0371-65432100"),
        ("010-87654321", "010-87654321"),
        ("(021)6543210", "021-6543210"),
        ("0898 6688 1234", "0898-66881234"),
    ],
)
def test_parse_phone_accepts_mobile_and_landline(text: str, result: str) -> None:
    assert parse_phone(text) == result


@pytest.mark.parametrize("text", ["65432100", "0371-1234", "0371-0234567", "12812341234", "x"])
def test_parse_phone_rejects(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_phone(text)
    assert info.value.problems[0].field == "联系电话"


def test_mask_phone() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("+86 138 1234 1234") == "138****1234"
    assert mask_phone("0371-65432100") == "0371-****2100"
    assert mask_phone("010-8765432") == "010-***5432"
    assert mask_phone("") == ""
    assert mask_phone(None) == ""
    assert mask_phone("12345") == "*****"
