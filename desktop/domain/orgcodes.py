"""统计用区划代码: 12 digits = 省 2 + 市 2 + 县 2 + 乡级 3 + 村级 3.

乡级 001–099 街道, 100–199 镇, 200–399 乡; 村级 001–199 居委会, 200–399 村委会. Codes are
revised every year, so they are attributes of an org unit, never its primary key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from desktop.domain.errors import ValidationError

FIELD = "区划代码"
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


@dataclass(frozen=True)
class StatCode:
    code: str
    province: str
    city: str
    county: str
    township: str
    village: str

    def __str__(self) -> str:
        return self.code

    @property
    def county_code(self) -> str:
        """The 6-digit county-level code (the same as the address code of an ID number)."""
        return self.code[:6]

    @property
    def township_kind(self) -> str | None:
        """'街道', '镇', '乡', '其他' (400 and up), or None for a county-level code."""
        return _kind(int(self.township), ((99, "街道"), (199, "镇"), (399, "乡")))

    @property
    def village_kind(self) -> str | None:
        """'居委会', '村委会', '其他' (400 and up), or None when the village part is 000."""
        return _kind(int(self.village), ((199, "居委会"), (399, "村委会")))

    @property
    def level(self) -> str:
        """'区' (township and village 000), '办事处' (village 000) or '社区'.

        Cities without districts (东莞 4419, 中山 4420 …) have county part 00 and their
        townships directly below; a city-level code counts as '区', the top of the app's tree.
        """
        if self.township == "000":
            return "区"
        return "办事处" if self.village == "000" else "社区"


def _kind(number: int, ranges: tuple[tuple[int, str], ...]) -> str | None:
    if number == 0:
        return None
    for upper, name in ranges:
        if number <= upper:
            return name
    return "其他"


def parse_stat_code(text: str) -> StatCode:
    """Read a 12-digit code; 6- and 9-digit codes are accepted and padded with zeros."""
    code = re.sub(r"[\s\-]+", "", unicodedata.normalize("NFKC", str(text or "")))
    if not code:
        raise ValidationError.single(FIELD, "不能为空")
    if not (code.isascii() and code.isdigit()):
        raise ValidationError.single(FIELD, f"「{text}」只能包含数字")
    if len(code) not in (6, 9, 12):
        raise ValidationError.single(
            FIELD, f"长度应为12位（或6位县级、9位乡级），现为{len(code)}位"
        )
    code = code.ljust(12, "0")
    parts = StatCode(code, code[:2], code[2:4], code[4:6], code[6:9], code[9:12])
    if parts.province not in PROVINCES:
        raise ValidationError.single(FIELD, f"省级代码「{parts.province}」不存在")
    if code[2:] == "0" * 10:
        raise ValidationError.single(FIELD, f"「{code}」是省级代码，请填写区县及以下的代码")
    if parts.township == "000" and parts.village != "000":
        raise ValidationError.single(FIELD, f"「{code}」乡级部分为 000，村级部分却不是 000")
    return parts
