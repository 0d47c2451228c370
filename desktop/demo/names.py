"""Realistic personal names, mobile numbers and ID numbers for the demo district.

Surnames follow their frequency in China (王李张刘陈 first); women's given names depend on the
decade of birth (秀英 and 桂兰 for older women, 欣怡 and 梓涵 for the young). ID numbers come from
``desktop.domain.ids.make_id`` and never repeat within one :class:`IdAllocator`.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from datetime import date
from itertools import accumulate

from desktop.domain.ids import make_id
from desktop.domain.pinyin import initials

# (surname, relative frequency in ‰ of the population)
# fmt: off
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 46), ("杨", 31), ("黄", 22), ("赵", 20),
    ("吴", 20), ("周", 19), ("徐", 15), ("孙", 15), ("马", 14), ("朱", 13), ("胡", 13), ("郭", 12),
    ("何", 12), ("高", 11), ("林", 11), ("罗", 10), ("郑", 9), ("梁", 9), ("谢", 8), ("宋", 8),
    ("唐", 7), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 7), ("曹", 6), ("彭", 6), ("曾", 6),
    ("肖", 6), ("田", 6), ("董", 5), ("袁", 5), ("潘", 5), ("于", 5), ("蒋", 5), ("蔡", 5),
    ("余", 5), ("杜", 5), ("叶", 4), ("程", 4), ("苏", 4), ("魏", 4), ("吕", 4), ("丁", 4),
    ("任", 4), ("沈", 4), ("姚", 4), ("卢", 4), ("姜", 3), ("崔", 3), ("钟", 3), ("谭", 3),
    ("陆", 3), ("汪", 3), ("范", 3), ("金", 3), ("石", 3), ("廖", 3), ("贾", 3), ("夏", 3),
    ("韦", 3), ("付", 3), ("方", 3), ("白", 2), ("邹", 2), ("孟", 2), ("熊", 2), ("秦", 2),
    ("邱", 2), ("江", 2), ("尹", 2), ("薛", 2), ("闫", 2), ("段", 2), ("雷", 2), ("侯", 2),
    ("龙", 2), ("史", 2), ("陶", 2), ("黎", 2), ("贺", 2), ("顾", 2), ("毛", 2), ("郝", 2),
    ("龚", 2), ("邵", 2), ("万", 2), ("钱", 2), ("严", 2), ("武", 2), ("戴", 2), ("覃", 1),
    ("莫", 1), ("孔", 1), ("向", 1), ("汤", 1), ("单", 0.5), ("翟", 0.5), ("欧阳", 0.5),
    ("司马", 0.2), ("诸葛", 0.2),
)
# fmt: on

# Women's given names: single characters, common double names by generation, and the two halves
# of further combinations (晓 + 燕, 丽 + 娟 …).
F_SINGLE = "丽静敏燕艳娟霞芳红梅玲萍丹雪琳婷颖洁娜慧莉晶倩英华兰凤琴云平秀莹佳欣悦怡璐瑶蕾"
F_OLDER = (
    "秀英 桂英 秀兰 玉兰 桂兰 秀珍 凤英 玉珍 玉英 兰英 丽娟 丽华 丽萍 晓燕 海燕 春梅 艳红 玉梅 "
    "秀云 红梅 春燕 秀芳 美玲 雪梅 海霞 彩霞 翠萍 小红 淑芬 淑华 金凤 爱华 建华 丽君 晓梅 月华 "
    "春霞 美华 瑞芳 素梅 雪莲 红霞 秀梅 桂芳 小燕 小丽 丽丽 晓红 晓丽 艳玲"
).split()
F_YOUNGER = (
    "婷婷 静静 亚楠 晓静 文静 欣怡 梓涵 雨萱 佳怡 思雨 梦瑶 诗涵 可馨 子涵 雅琪 紫萱 欣妍 慧敏 "
    "雅静 晓婷 佳琪 梦琪 雨婷 思佳 静怡 佳欣 欣然 雨欣 梦洁 晓雪 丹丹 倩倩 璐璐 佳佳 雪莹 思琪"
).split()
F_FIRST = "晓丽春秀玉海雪美佳雅思梦欣婉慧文彩翠金月淑凤桂红小"
F_SECOND = "燕红丽梅霞娟芳萍婷琳英兰静华敏云琴洁莉颖倩玲雯琪蕾"

M_SINGLE = "伟强军勇杰涛明斌刚磊超鹏辉华平林峰健波浩宇洋凯亮"
M_OLDER = (
    "建国 建军 国强 志强 志刚 建华 卫东 海军 宏伟 德明 振华 永强 长江 红军 国庆 德福 长贵 有财 "
    "玉山 守义 文华 树林 广福 金山 万福 德胜 福林 保国 秀山 新民"
).split()
F_ELDER = "秀英 桂兰 玉兰 秀珍 桂英 凤兰 淑珍 素珍 翠兰 玉芬 桂芝 秀云 凤英 玉珍 兰英 桂芳".split()
BOYS = (
    "浩宇 子轩 宇轩 梓豪 一鸣 沐辰 宇泽 俊熙 浩然 奕辰 皓轩 锦程 睿泽 梓睿 承泽 博文 子墨 "
    "铭轩 嘉懿 宇航"
).split()
GIRLS = (
    "欣怡 梓涵 雨萱 一诺 依诺 可馨 沐晴 若汐 语桐 梓萱 诗琪 思彤 芷若 安琪 雨桐 欣妍 梓琪 "
    "诗涵 语嫣 佳怡"
).split()

MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 "
    "173 175 176 177 178 180 181 182 183 185 186 187 188 189 191 198 199"
).split()


class NameMaker:
    """Names drawn from one seeded random source, with their pinyin initials cached."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._random = rng.random  # draws go through random() only: fast and reproducible
        self._surnames = [s for s, _ in SURNAMES]
        self._cum = list(accumulate(w for _, w in SURNAMES))

    def _pick(self, items: Sequence[str]) -> str:
        return items[int(self._random() * len(items))]

    def surname(self) -> str:
        return self._surnames[bisect(self._cum, self._random() * self._cum[-1])]

    def woman(self, birth_year: int) -> str:
        """A woman's full name; the given name fits her decade of birth."""
        random, pick = self._random, self._pick
        roll = random()
        if roll < 0.22:
            given = pick(F_SINGLE)
        elif roll < 0.62:
            young = birth_year >= 1990 if random() < 0.85 else birth_year < 1990
            given = pick(F_YOUNGER if young else F_OLDER)
        else:
            given = pick(F_FIRST) + pick(F_SECOND)
            if given[0] == given[1]:
                given = given[0]
        return self.surname() + given

    def elder(self, sex: str) -> str:
        random, pick = self._random, self._pick
        if sex == "M":
            given = pick(M_OLDER) if random() < 0.7 else pick(M_SINGLE)
        else:
            given = pick(F_ELDER) if random() < 0.8 else pick(F_SINGLE)
        return self.surname() + given

    def child(self, sex: str) -> str:
        return self.surname() + self._pick(BOYS if sex == "M" else GIRLS)

    def initials(self, name: str) -> str:
        """Pinyin initials for the search box (domain.pinyin remembers them per name)."""
        return initials(name)

    def mobile(self) -> str:
        return self._pick(MOBILE_PREFIXES) + f"{int(self._random() * 100_000_000):08d}"


class IdAllocator:
    """Valid 18-digit ID numbers of one address code that never repeat.

    The 3-digit sequence is odd for men and even for women (GB 11643); per birth date and sex the
    n-th number takes a slot of a fixed permutation of the 499 (women) or 500 (men) sequences.
    """

    def __init__(self, region: str):
        self.region = region
        self._used: dict[tuple[int, str], int] = {}

    def allocate(self, birth: date, sex: str) -> str:
        ordinal = birth.toordinal()
        key = (ordinal, sex)
        n = self._used.get(key, 0)
        slots = 500 if sex == "M" else 499
        if n >= slots:
            raise ValueError(f"no sequence numbers left for {birth} ({sex})")
        self._used[key] = n + 1
        slot = (ordinal * 7919 + n * 37) % slots  # 37 is prime to 499 and 500
        seq = 2 * slot + 1 if sex == "M" else 2 * (slot + 1)
        return make_id(self.region, birth, seq)

    def free(self, birth: date, sex: str) -> bool:
        return self._used.get((birth.toordinal(), sex), 0) < (500 if sex == "M" else 499)
