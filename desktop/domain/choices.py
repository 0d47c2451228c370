"""Every fixed list of choices, with the ASCII key stored in the database and the Chinese label
shown to people. Amounts and standards are not here: they live in the database with dates.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from desktop.domain.errors import ValidationError


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    aliases: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.label


class ChoiceList:
    """An ordered list of choices; ``name`` is the field label used in error messages."""

    def __init__(self, name: str, choices: Iterable[Choice | tuple[str, str]]) -> None:
        self.name = name
        self._choices = tuple(c if isinstance(c, Choice) else Choice(*c) for c in choices)
        self._by_key = {c.key: c for c in self._choices}
        self._lookup: dict[str, Choice] = {}
        for c in self._choices:
            for text in (c.key, c.label, *c.aliases):
                self._lookup.setdefault(_fold(text), c)
        if len(self._by_key) != len(self._choices):
            raise ValueError(f"duplicate key in choice list {name}")

    def __iter__(self) -> Iterator[Choice]:
        return iter(self._choices)

    def __len__(self) -> int:
        return len(self._choices)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __repr__(self) -> str:
        return f"ChoiceList({self.name!r}, {[c.key for c in self._choices]!r})"

    def keys(self) -> list[str]:
        return [c.key for c in self._choices]

    def labels(self) -> list[str]:
        return [c.label for c in self._choices]

    def label(self, key: str) -> str:
        """The Chinese label of a stored key."""
        try:
            return self._by_key[key].label
        except KeyError:
            raise self._error(key) from None

    def key(self, label_or_key: str) -> str:
        """The key for what a person typed: a label, an accepted alias or the key itself."""
        found = self._lookup.get(_fold(label_or_key))
        if found is None:
            raise self._error(label_or_key)
        return found.key

    def _error(self, text: str) -> ValidationError:
        allowed = "、".join(self.labels())
        return ValidationError.single(self.name, f"「{text}」不是可选项，应为：{allowed}")


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()


ROLES = ChoiceList("角色", [("clerk", "录入员"), ("reviewer", "审核员"), ("admin", "区管理员")])

ORG_LEVELS = ChoiceList(
    "单位级别",
    [
        Choice("district", "区", ("区县",)),
        Choice("office", "办事处", ("街道办事处", "街道", "乡镇", "镇", "乡")),
        Choice("community", "社区", ("村", "居委会", "村委会")),
    ],
)

PROGRAMMES = ChoiceList(
    "业务",
    [("kangjian", "康检"), ("subsidy", "帮扶"), ("exemption", "两免一补"), ("population", "人口")],
)

SUBMISSION_STATUS = ChoiceList(
    "上报状态",
    [("draft", "草稿"), ("submitted", "已提交"), ("approved", "已审核"), ("returned", "退回")],
)

CONTRACEPTION = ChoiceList(
    "避孕措施",
    [
        Choice("supplies", "药具", ("避孕药具",)),
        Choice("iud", "宫内节育器", ("上环", "节育环")),
        Choice("tubal_ligation", "结扎", ("女扎",)),
        Choice("vasectomy", "男扎"),
        Choice("implant", "皮埋", ("皮下埋植",)),
        Choice("other", "其他"),
        Choice("none", "未避孕", ("无",)),
    ],
)

FLOATING = ChoiceList("流动情况", [("none", "无"), ("out", "流出"), ("in", "流入")])

MARITAL = ChoiceList(
    "婚姻状况",
    [
        Choice("married", "已婚", ("初婚", "再婚", "复婚")),
        Choice("divorced", "离婚"),
        Choice("widowed", "丧偶"),
        Choice("unmarried", "未婚"),
    ],
)

ROSTER_EXIT = ChoiceList(
    "退出原因",
    [
        Choice("age50", "年满50周岁", ("满50周岁", "年满50岁", "超龄")),
        Choice("divorce", "离婚"),
        Choice("widowed", "丧偶"),
        Choice("death", "死亡"),
        Choice("moved", "迁出"),
    ],
)

CHECK_PLACE = ChoiceList(
    "检查地点",
    [
        Choice("station", "本站"),
        Choice("home", "上门"),
        Choice("mailed", "外地寄回证明", ("外地寄回", "寄回证明")),
    ],
)

UNCHECKED_REASON = ChoiceList(
    "未检原因",
    [
        ("migrant", "外出务工"),
        ("pregnant", "孕期产后"),
        ("hospital", "疾病住院"),
        ("checked_elsewhere", "外地已检"),
        ("refused", "拒检"),
        ("other", "其他"),
    ],
)

PROCEDURE_TYPES = ChoiceList(
    "手术类型",
    [
        Choice("iud_insert", "放置宫内节育器", ("上环", "放环")),
        Choice("iud_remove", "取出宫内节育器", ("取环",)),
        Choice("female_sterilization", "女性绝育", ("女扎", "输卵管结扎")),
        Choice("male_sterilization", "男性绝育", ("男扎", "输精管结扎")),
        Choice("abortion", "人工流产", ("人流",)),
        Choice("induced_labour", "中期引产", ("引产",)),
        Choice("implant", "皮下埋植", ("皮埋",)),
    ],
)

FOUR_PROCEDURE_GROUPS: tuple[str, ...] = ("上环", "结扎", "人流", "引产")
"""The columns of 四术, in the order of the report: 四术 = 上环 + 结扎 + 人流 + 引产."""

FOUR_PROCEDURES: Mapping[str, str] = MappingProxyType(
    {
        "iud_insert": "上环",
        "female_sterilization": "结扎",
        "male_sterilization": "结扎",
        "abortion": "人流",
        "induced_labour": "引产",
    }
)
"""Procedure key → 四术 group. Types not listed (取环, 皮埋) do not count towards 四术."""

PAYMENT_STATUS = ChoiceList(
    "发放状态",
    [
        ("pending", "待发"),
        ("paid", "已发"),
        Choice("returned", "失败退回", ("退回", "失败")),
        ("repaid", "已补发"),
    ],
)

ACCOUNT_TYPES = ChoiceList(
    "账户类型",
    [
        Choice("social_card", "社保卡", ("社会保障卡",)),
        ("one_card", "一卡通"),
        ("passbook", "存折"),
    ],
)

QUALIFICATION_STATUS = ChoiceList(
    "资格状态",
    [("new", "新增"), ("continued", "续发"), ("suspended", "暂停"), ("exited", "退出")],
)

HARDSHIP = ChoiceList(
    "困难类型",
    [
        Choice("lifted", "脱贫", ("脱贫户", "建档立卡", "防返贫监测")),
        Choice("dibao", "低保", ("低保户", "最低生活保障")),
        Choice("tekun", "特困", ("特困供养", "特困人员")),
        ("orphan", "孤儿"),
        Choice("disabled", "残疾", ("残疾学生", "残疾人")),
        ("other", "其他"),
    ],
)

EXEMPTION_ITEMS = ChoiceList(
    "资助项目",
    [
        Choice("fees", "免学杂费", ("学杂费",)),
        Choice("textbooks", "免教科书费", ("教科书费", "课本费", "免课本费")),
        Choice("boarding", "寄宿生生活补助", ("家庭经济困难寄宿生生活补助", "生活补助")),
        Choice("nonboarding", "非寄宿生生活补助", ("家庭经济困难非寄宿生生活补助",)),
    ],
)

SCHOOL_STAGES = ChoiceList(
    "学段",
    [("primary", "小学"), ("junior", "初中"), ("nine_year", "九年一贯制")],
)

SEMESTERS = ChoiceList(
    "学期",
    [Choice("spring", "春", ("春季", "春季学期")), Choice("autumn", "秋", ("秋季", "秋季学期"))],
)

HUKOU = ChoiceList(
    "户籍类型",
    [Choice("rural", "农村", ("农业",)), Choice("urban", "城镇", ("非农业", "城市"))],
)

BIRTH_POLICY = ChoiceList(
    "生育政策",
    [Choice("in_policy", "政策内", ("符合政策",)), Choice("out_policy", "政策外", ("不符合政策",))],
)

SEX = ChoiceList("性别", [Choice("M", "男", ("男性",)), Choice("F", "女", ("女性",))])

# -- 帮扶发放 (desktop/domain/subsidy.py) -----------------------------------------------------------

SUBSIDY_LEVELS = ChoiceList(
    "项目级别",
    [
        Choice("national", "国家", ("国家级", "中央")),
        Choice("province", "省", ("省级",)),
        Choice("city", "市", ("市级",)),
        Choice("county", "县", ("县级", "区", "区级")),
    ],
)

SUBSIDY_KINDS = ChoiceList(
    "发放对象", [Choice("person", "按人", ("个人",)), Choice("household", "按户", ("家庭",))]
)

STANDARD_UNITS = ChoiceList(
    "标准单位",
    [
        Choice("year", "元/人·年", ("元/年", "每年", "年")),
        Choice("month", "元/人·月", ("元/月", "每月", "月")),
        Choice("once", "一次性", ("元/次", "每次", "次")),
    ],
)

SUBSIDY_CATEGORY = ChoiceList(
    "扶助类别",
    [
        Choice("disabled", "伤残", ("独生子女伤残", "子女伤残")),
        Choice("dead", "死亡", ("独生子女死亡", "子女死亡")),
        Choice("age55", "55–59周岁", ("55-59周岁", "55至59周岁")),
    ],
)

RELATIONS = ChoiceList(
    "与户主关系",
    [
        Choice("head", "户主", ("本人",)),
        Choice("spouse", "配偶", ("妻", "夫", "妻子", "丈夫")),
        Choice("child", "子女", ("子", "女", "儿子", "女儿", "长子", "长女", "次子", "次女")),
        Choice("parent", "父母", ("父亲", "母亲", "父", "母")),
        ("other", "其他"),
    ],
)

EXIT_REASONS = ChoiceList(
    "退出原因",
    [
        Choice("died", "死亡", ("去世", "病故")),
        Choice("moved_out", "户籍迁出", ("迁出",)),
        Choice("ineligible", "不再符合条件", ("不符合条件", "条件变化")),
        Choice("birth", "再生育", ("再生育子女", "收养")),
        Choice("declined", "本人放弃", ("放弃",)),
        ("other", "其他"),
        # 暂停 reasons (the same exit_reason column; desktop.domain.subsidy.SUSPEND_REASONS)
        Choice("unverified", "待核实", ("待核查", "核实中")),
        Choice("unreachable", "外出联系不上", ("联系不上", "失联")),
        Choice("account", "账户异常", ("账号异常", "账户有误")),
    ],
)
