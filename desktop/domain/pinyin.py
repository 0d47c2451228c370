"""Pinyin of personal names, for search boxes (张秀兰 → 'zxl' / 'zhangxiulan').

pypinyin (0.55) has no surname mode: it reads 单 as 'dan' and 曾 as 'ceng'. So a name's
surname is first looked up in ``SURNAMES`` (compound surnames before single ones); the rest of
the name goes through pypinyin's default reading (its phrase table picks the usual reading of
a heteronym). pypinyin is imported inside the functions to keep start-up lean.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Surname readings where pypinyin's default reading is not the surname's.
SURNAMES: dict[str, tuple[str, ...]] = {
    # compound surnames (listed also when pypinyin is right, so a single-character entry
    # below never splits them: 单于 is chanyu, not shan yu)
    "长孙": ("chang", "sun"),
    "乐正": ("yue", "zheng"),
    "仲长": ("zhong", "chang"),
    "单于": ("chan", "yu"),
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "澹台": ("tan", "tai"),
    # single surnames
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "区": ("ou",),
    "仇": ("qiu",),
    "朴": ("piao",),
    "查": ("zha",),
    "乐": ("yue",),
    "盖": ("ge",),
    "种": ("chong",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "覃": ("qin",),
    "召": ("shao",),
    "繁": ("po",),
    "秘": ("bi",),
    "折": ("she",),
    "员": ("yun",),
    "隗": ("wei",),
    "句": ("gou",),
    "黑": ("he",),
    "能": ("nai",),
    "蕃": ("pi",),
    "藏": ("zang",),
    "重": ("chong",),
    "祭": ("zhai",),
    "都": ("du",),
    "薄": ("bo",),
    "阚": ("kan",),
    "粘": ("nian",),
    "长": ("chang",),
    "便": ("pian",),
    "卜": ("bu",),
    "洗": ("xian",),
    "蔚": ("yu",),
    "佴": ("nai",),
    "乜": ("nie",),
    "么": ("yao",),
    "铅": ("yan",),
    "沓": ("ta",),
    "颉": ("xie",),
}

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+")


def full(name: str) -> str:
    """Full pinyin without tones or separators: 张秀兰 → 'zhangxiulan', 单田芳 → 'shantianfang'."""
    return "".join(_syllables(name))


@functools.lru_cache(maxsize=1 << 17)
def initials(name: str) -> str:
    """Lower-case initial of each syllable: 张秀兰 → 'zxl', 曾小贤 → 'zxx'.

    Remembered per name (names repeat: a register of a million people has tens of thousands of
    distinct names), so imports, batches and the demo need no caches of their own.

    Latin letters and digits are kept, lower-cased ('Tom李' → 'toml'); other marks such as
    the '·' in 阿依古丽·买买提 are dropped.
    """
    return "".join(item[0] for item in _syllables(name))


def _syllables(name: str) -> list[str]:
    """One pinyin syllable per Chinese character; each Latin letter or digit as its own item."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    items: list[str] = []
    surname = text[:2] if text[:2] in SURNAMES else text[:1] if text[:1] in SURNAMES else ""
    if surname:
        items.extend(SURNAMES[surname])
        text = text[len(surname) :]
    position = 0
    for run in _HAN.finditer(text):
        items.extend(_latin(text[position : run.start()]))
        items.extend(_han_pinyin(run.group()))
        position = run.end()
    items.extend(_latin(text[position:]))
    return items


def _latin(text: str) -> list[str]:
    return [ch.lower() for ch in text if ch.isascii() and ch.isalnum()]


@functools.lru_cache(maxsize=1 << 16)
def _han_pinyin(text: str) -> tuple[str, ...]:
    """Remembered per run of Chinese characters: a given name after a listed surname, or the
    Chinese part of a name with digits or Latin letters, repeats where the whole name does not
    (pypinyin costs ~40 µs a call; a 200,000-row roster import made ~200,000 calls)."""
    from pypinyin import Style, lazy_pinyin

    return tuple(s.lower() for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore") if s)
