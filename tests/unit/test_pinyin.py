from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktop.domain.pinyin import full, initials


@pytest.mark.parametrize(
    ("name", "short", "long"),
    [
        ("张秀兰", "zxl", "zhangxiulan"),
        ("李娜", "ln", "lina"),
        ("吕秀才", "lxc", "lvxiucai"),
        ("王2", "w2", "wang2"),
        ("Tom李", "toml", "tomli"),
        ("阿依古丽·买买提", "ayglmmt", "ayigulimaimaiti"),
        ("", "", ""),
    ],
)
def test_common_names(name: str, short: str, long: str) -> None:
    assert initials(name) == short
    assert full(name) == long


@pytest.mark.parametrize(
    ("name", "short", "long"),
    [
        ("单田芳", "stf", "shantianfang"),  # pypinyin alone says dan
        ("曾小贤", "zxx", "zengxiaoxian"),  # pypinyin alone says ceng
        ("解缙", "xj", "xiejin"),
        ("区志坚", "ozj", "ouzhijian"),
        ("仇英", "qy", "qiuying"),
        ("查良镛", "zly", "zhaliangyong"),
        ("翟志刚", "zzg", "zhaizhigang"),
        ("长孙无忌", "cswj", "changsunwuji"),
        ("尉迟恭", "ycg", "yuchigong"),
        ("单于燕", "cyy", "chanyuyan"),
        ("欧阳修", "oyx", "ouyangxiu"),
    ],
)
def test_surname_readings(name: str, short: str, long: str) -> None:
    assert initials(name) == short
    assert full(name) == long


def test_surname_reading_only_applies_to_the_first_character() -> None:
    assert full("王单") == "wangdan"
    assert full("张曾") == "zhangceng"


def test_full_width_latin_is_normalised() -> None:
    assert initials("ＡＢ张") == "abz"


def test_pypinyin_is_imported_lazily() -> None:
    code = "import sys, desktop.domain.pinyin; print('pypinyin' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "False"
