from __future__ import annotations

import pytest

from desktop.domain.errors import ValidationError
from desktop.domain.orgcodes import StatCode, parse_stat_code


def test_parts() -> None:
    code = parse_stat_code("410102001002")
    assert code == StatCode("410102001002", "41", "01", "02", "001", "002")
    assert str(code) == "410102001002"
    assert code.county_code == "410102"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("410102001000", "街道"),
        ("410102099000", "街道"),
        ("410122100000", "镇"),
        ("410122199000", "镇"),
        ("410122200000", "乡"),
        ("410122399000", "乡"),
        ("410122400000", "其他"),
        ("410102000000", None),
    ],
)
def test_township_kind(text: str, kind: str | None) -> None:
    assert parse_stat_code(text).township_kind == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("410102001001", "居委会"),
        ("410102001199", "居委会"),
        ("410122101200", "村委会"),
        ("410122101399", "村委会"),
        ("410122101400", "其他"),
        ("410122101000", None),
    ],
)
def test_village_kind(text: str, kind: str | None) -> None:
    assert parse_stat_code(text).village_kind == kind


def test_level() -> None:
    assert parse_stat_code("410102000000").level == "区"
    assert parse_stat_code("410102001000").level == "办事处"
    assert parse_stat_code("410102001002").level == "社区"
    # 东莞 has no districts: townships sit directly under the city (county part 00).
    assert parse_stat_code("441900003201").level == "社区"


def test_short_codes_are_padded_and_input_normalised() -> None:
    assert parse_stat_code("410102").code == "410102000000"
    assert parse_stat_code("410102001").code == "410102001000"
    assert parse_stat_code("４１０１０２ ００１ ００２").code == "410102001002"
    assert parse_stat_code("410102-001-002").code == "410102001002"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "不能为空"),
        ("41010200100A", "只能包含数字"),
        ("4101020010", "长度应为12位"),
        ("991020001000", "省级代码「99」"),
        ("410000000000", "省级代码"),
        ("410102000002", "乡级部分为 000"),
    ],
)
def test_rejects(text: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_stat_code(text)
    (problem,) = info.value.problems
    assert problem.field == "区划代码"
    assert fragment in problem.message
