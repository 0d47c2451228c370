"""康检 (health-check campaigns) and the records around them: the rules, as pure functions.

Every function here takes plain values (ISO date strings as stored, choice keys) and returns the
problems it finds as :class:`~desktop.domain.errors.Problem` (field label, Chinese message), so
that a form, an import and the command line get the same answers. ``desktop.store.kangjian``
hands the row-level validators to the write door and adds the rules that need other records.

The eligibility rule (应检): a woman counts for a campaign when, on the campaign's first day,

- she is aged 15–49 in completed years (:func:`birth_window` gives the birth dates that qualify),
- she is on the roster: entered on or before that day and not exited by it (an exit dated that day
  counts as exited),
- she is married: status 已婚, or she left the roster only later (divorce and widowhood end her
  time on the roster with an exit date, so the status she had before that date was 已婚), and her
  marriage date, when known, is not after that day,
- her community is in the campaign's scope (all communities of the office when none are listed).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from desktop.domain.choices import (
    CHECK_PLACE,
    CONTRACEPTION,
    FLOATING,
    FOUR_PROCEDURE_GROUPS,
    FOUR_PROCEDURES,
    MARITAL,
    PROCEDURE_TYPES,
    ROSTER_EXIT,
    UNCHECKED_REASON,
    Choice,
    ChoiceList,
)
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.ids import parse_id

ELIGIBLE_AGES = (15, 49)
"""育龄: 15 to 49 completed years, both included."""

CAMPAIGN_ITEMS = ("查环", "查孕", "查病")
"""The three checks (三查) a campaign may include."""

RING_RESULTS = ChoiceList(
    "查环结果",
    [
        Choice("normal", "环位正常", ("正常",)),
        Choice("displaced", "环位下移", ("下移",)),
        Choice("expelled", "脱环", ("环脱落",)),
        Choice("none", "无环", ("未放环",)),
    ],
)

PREGNANCY_RESULTS = ChoiceList(
    "查孕结果",
    [Choice("not_pregnant", "未孕", ("无",)), Choice("pregnant", "已孕", ("早孕", "怀孕"))],
)

FLOATING_SERVICES = ChoiceList(
    "服务项目",
    [
        Choice("contraceptives", "避孕药具", ("药具", "发放避孕药具")),
        Choice("checks", "康检", ("康检服务", "查环查孕")),
    ],
)
FLOATING_SERVICE_UNITS: Mapping[str, str] = {"contraceptives": "盒", "checks": "人次"}

REASON_COLUMNS: Mapping[str, str] = {key: f"reason_{key}" for key in UNCHECKED_REASON.keys()}
"""Unchecked reason key → its column in ``campaign_totals`` (keyed totals)."""

MIN_MARRIAGE_AGE = {"F": 20, "M": 22}
"""法定婚龄 (Civil Code art. 1047)."""


# -- small helpers ------------------------------------------------------------------------------


def parse_day(value: Any) -> date | None:
    """A stored ISO date ('2026-03-05') as a date; None for empty; ValueError when malformed."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


def _day(
    row: Mapping[str, Any], key: str, label: str, problems: list[Problem], required: bool = False
) -> date | None:
    value = row.get(key)
    try:
        day = parse_day(value)
    except ValueError:
        problems.append(Problem(label, f"「{value}」不是有效日期，应写成 2026-03-05"))
        return None
    if day is None and required:
        problems.append(Problem(label, "不能为空"))
    return day


def _text(row: Mapping[str, Any], key: str) -> str:
    return str(row.get(key) or "").strip()


def _choice(
    row: Mapping[str, Any],
    key: str,
    choices: ChoiceList,
    problems: list[Problem],
    required: bool = False,
) -> str | None:
    value = row.get(key)
    if value is None or value == "":
        if required:
            problems.append(Problem(choices.name, "不能为空"))
        return None
    if value not in choices:
        allowed = "、".join(choices.labels())
        problems.append(Problem(choices.name, f"「{value}」不是可选项，应为：{allowed}"))
        return None
    return str(value)


def _flag(row: Mapping[str, Any], key: str, label: str, problems: list[Problem]) -> int | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    if value in (0, 1) or isinstance(value, bool):
        return int(value)
    problems.append(Problem(label, f"「{value}」应为 是 或 否"))
    return None


def _count(
    row: Mapping[str, Any], key: str, label: str, problems: list[Problem], required: bool = True
) -> int | None:
    value = row.get(key)
    if value is None or value == "":
        if required:
            problems.append(Problem(label, "不能为空"))
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.append(Problem(label, f"「{value}」应为不小于 0 的整数"))
        return None
    return value


# -- ages and eligibility -----------------------------------------------------------------------


def age_on(birth: date, day: date) -> int:
    """Age in completed years on ``day`` (the same rule as ``IdInfo.age_on``)."""
    return day.year - birth.year - int((day.month, day.day) < (birth.month, birth.day))


def latest_birth(day: date, age: int) -> date:
    """The latest birth date of someone at least ``age`` years old on ``day``.

    ``age`` years before ``day``; a 29 February that does not exist then becomes 28 February.
    """
    try:
        return day.replace(year=day.year - age)
    except ValueError:
        return date(day.year - age, 2, 28)


def birth_window(day: date, ages: tuple[int, int] = ELIGIBLE_AGES) -> tuple[date, date]:
    """(born_after, born_on_or_before): births with ``after < birth <= on_or_before`` are aged
    ``ages[0]``–``ages[1]`` on ``day``. The SQL queries use the same two bounds."""
    youngest, oldest = ages
    return latest_birth(day, oldest + 1), latest_birth(day, youngest)


@dataclass(frozen=True)
class RosterFacts:
    """What eligibility depends on: the roster entry and the person's birth date."""

    birth_date: date
    entered_on: date
    marital: str = "married"
    marriage_date: date | None = None
    exit_date: date | None = None
    community_id: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any], birth_date: Any) -> RosterFacts:
        birth = parse_day(birth_date)
        entered = parse_day(row.get("entered_on"))
        if birth is None or entered is None:
            raise ValueError("birth date and entered_on are required")
        return cls(
            birth,
            entered,
            str(row.get("marital") or "married"),
            parse_day(row.get("marriage_date")),
            parse_day(row.get("exit_date")),
            row.get("community_id"),
        )


def ineligibility(facts: RosterFacts, day: date, scope: Collection[str] | None = None) -> list[str]:
    """Why a woman does not count as eligible on ``day`` (empty: she counts)."""
    reasons: list[str] = []
    after, until = birth_window(day)
    if not after < facts.birth_date <= until:
        reasons.append(
            f"{day.isoformat()} 时 {age_on(facts.birth_date, day)} 岁，不在 15–49 岁之间"
        )
    if facts.entered_on > day:
        reasons.append(f"{facts.entered_on.isoformat()} 才登记入册")
    if facts.exit_date is not None and facts.exit_date <= day:
        reasons.append(f"已于 {facts.exit_date.isoformat()} 退出名册")
    married = facts.marital == "married" or (facts.exit_date is not None and facts.exit_date > day)
    if not married:
        reasons.append(f"婚姻状况为{MARITAL.label(facts.marital)}")
    elif facts.marriage_date is not None and facts.marriage_date > day:
        reasons.append(f"{facts.marriage_date.isoformat()} 才结婚")
    if scope is not None and facts.community_id not in scope:
        reasons.append("所在社区不在本次活动范围内")
    return reasons


def is_eligible(facts: RosterFacts, day: date, scope: Collection[str] | None = None) -> bool:
    """Whether the woman counts as eligible (应检) for a campaign starting on ``day``."""
    return not ineligibility(facts, day, scope)


# -- the roster ---------------------------------------------------------------------------------


def woman_id_problems(id_number: str | None, field_label: str = "身份证号") -> list[Problem]:
    """The ID number must be valid and a woman's (the 17th character, the sequence, even)."""
    if not id_number:
        return [Problem(field_label, "名册中的妇女必须有身份证号")]
    try:
        info = parse_id(id_number)
    except ValidationError as exc:
        return [Problem(field_label, p.message) for p in exc.problems]
    if info.sex != "女":
        return [
            Problem(
                field_label,
                f"{info.masked} 的顺序码为奇数，是男性的身份证号；已婚育龄妇女名册只收录妇女",
            )
        ]
    return []


def validate_woman(row: Mapping[str, Any]) -> list[Problem]:
    """Row-level rules of a roster entry (``women``)."""
    problems: list[Problem] = []
    if not _text(row, "person_id"):
        problems.append(Problem("人员", "未指明名册对应的人员"))
    marital = _choice(row, "marital", MARITAL, problems, required=True)
    _choice(row, "contraception", CONTRACEPTION, problems)
    floating = _choice(row, "floating", FLOATING, problems, required=True)
    children = row.get("living_children")
    if children is not None and children != "":
        _count(row, "living_children", "现有子女数", problems)
    entered = _day(row, "entered_on", "登记日期", problems, required=True)
    married_on = _day(row, "marriage_date", "结婚日期", problems)
    since = _day(row, "floating_since", "流动起始日期", problems)
    exit_day = _day(row, "exit_date", "退出日期", problems)
    reason = _choice(row, "exit_reason", ROSTER_EXIT, problems)
    if exit_day is not None and reason is None and not row.get("exit_reason"):
        problems.append(Problem("退出原因", "填了退出日期，请同时选择退出原因"))
    if row.get("exit_reason") and exit_day is None and not row.get("exit_date"):
        problems.append(Problem("退出日期", "选择了退出原因，请同时填写退出日期"))
    if entered and exit_day and exit_day < entered:
        problems.append(Problem("退出日期", f"早于登记日期 {entered.isoformat()}"))
    if married_on and exit_day and married_on > exit_day:
        problems.append(Problem("结婚日期", f"晚于退出日期 {exit_day.isoformat()}"))
    if marital and marital != "married" and not row.get("exit_date"):
        problems.append(
            Problem(
                "婚姻状况",
                f"{MARITAL.label(marital)}的妇女不在已婚育龄妇女名册中，"
                "请填写退出日期和原因（如离婚、丧偶）",
            )
        )
    if floating == "none" and (_text(row, "floating_where") or since):
        problems.append(Problem("流动情况", "流动情况为「无」时不应填写流动去向或起始日期"))
    return problems


# -- campaigns ----------------------------------------------------------------------------------


def _json_list(value: Any) -> list[Any] | None:
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple):
        return list(value)
    parsed = json.loads(value)
    if not isinstance(parsed, list):
        raise ValueError("not a list")
    return parsed


def campaign_scope(value: Any) -> list[str] | None:
    """The stored ``communities`` of a campaign as a list (None: every community of the office)."""
    found = _json_list(value)
    return None if found is None else [str(x) for x in found]


def validate_campaign(row: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if not _text(row, "name"):
        problems.append(Problem("活动名称", "不能为空"))
    start = _day(row, "start_date", "开始日期", problems, required=True)
    end = _day(row, "end_date", "结束日期", problems, required=True)
    if start and end and end < start:
        problems.append(Problem("结束日期", f"早于开始日期 {start.isoformat()}"))
    try:
        items = _json_list(row.get("items"))
    except ValueError:
        problems.append(Problem("检查项目", "格式不对，应为项目列表，如 查环、查孕、查病"))
    else:
        if not items:
            problems.append(Problem("检查项目", "至少选择一项：查环、查孕、查病"))
        else:
            unknown = [str(i) for i in items if i not in CAMPAIGN_ITEMS]
            if unknown:
                problems.append(
                    Problem(
                        "检查项目", f"「{'、'.join(unknown)}」不是可选项，应为：查环、查孕、查病"
                    )
                )
            if len(set(items)) != len(items):
                problems.append(Problem("检查项目", "有重复的项目"))
    try:
        scope = campaign_scope(row.get("communities"))
    except ValueError:
        problems.append(Problem("活动范围", "格式不对，应为社区列表"))
    else:
        if scope is not None and not scope:
            problems.append(Problem("活动范围", "至少选择一个社区（不选表示全部社区）"))
    return problems


def check_date_problems(check_date: date, start: date, end: date, name: str = "") -> list[Problem]:
    """A check must be dated within its campaign."""
    if start <= check_date <= end:
        return []
    what = f"「{name}」" if name else "本次活动"
    return [
        Problem(
            "检查日期",
            f"{check_date.isoformat()} 不在{what}期间（{start.isoformat()} 至 {end.isoformat()}）内",
        )
    ]


# -- check records ------------------------------------------------------------------------------


def validate_check(row: Mapping[str, Any]) -> list[Problem]:
    """Row-level rules of a check record; the campaign's dates are checked by the store."""
    problems: list[Problem] = []
    if not _text(row, "campaign_id"):
        problems.append(Problem("检查活动", "不能为空"))
    if not _text(row, "woman_id"):
        problems.append(Problem("妇女", "未指明受检妇女"))
    checked = _flag(row, "checked", "是否已检", problems)
    if checked is None and "是否已检" not in {p.field for p in problems}:
        problems.append(Problem("是否已检", "不能为空"))
    check_day = _day(row, "check_date", "检查日期", problems)
    record_day = _day(row, "record_date", "记录日期", problems, required=True)
    _choice(row, "place", CHECK_PLACE, problems)
    _choice(row, "ring_result", RING_RESULTS, problems)
    _choice(row, "pregnancy_result", PREGNANCY_RESULTS, problems)
    disease = _flag(row, "disease_found", "发现妇科病", problems)
    advice = _flag(row, "advice_given", "给予医学建议", problems)
    reason = _choice(row, "unchecked_reason", UNCHECKED_REASON, problems)
    if checked == 1:
        if check_day is None and "检查日期" not in {p.field for p in problems}:
            problems.append(Problem("检查日期", "已检记录必须填写检查日期"))
        if reason or row.get("unchecked_reason"):
            problems.append(Problem("未检原因", "已检记录不应填写未检原因"))
        if check_day and record_day and record_day != check_day:
            problems.append(Problem("记录日期", "已检记录的记录日期应等于检查日期"))
    elif checked == 0:
        if reason is None and not row.get("unchecked_reason"):
            problems.append(
                Problem("未检原因", f"未检记录必须选择原因：{'、'.join(UNCHECKED_REASON.labels())}")
            )
        if check_day is not None:
            problems.append(Problem("检查日期", "未检记录不应填写检查日期"))
        filled = [
            label
            for key, label in (
                ("place", "检查地点"),
                ("ring_result", "查环结果"),
                ("pregnancy_result", "查孕结果"),
            )
            if row.get(key)
        ]
        if disease or advice:
            filled.append("妇科病/医学建议")
        if filled:
            problems.append(Problem("是否已检", f"未检记录不应填写{'、'.join(filled)}"))
    return problems


# -- keyed campaign totals ----------------------------------------------------------------------


def totals_problems(eligible: int, checked: int, reasons: Mapping[str, int]) -> list[Problem]:
    """应检 ≥ 实检 ≥ 0 and 未检 = 应检 − 实检 = the sum over reasons."""
    problems: list[Problem] = []
    if checked < 0:
        problems.append(Problem("实检人数", "不能为负数"))
    if eligible < checked:
        problems.append(Problem("实检人数", f"实检 {checked} 人多于应检 {eligible} 人"))
    unchecked = eligible - checked
    listed = sum(reasons.values())
    if eligible >= checked >= 0 and listed != unchecked:
        problems.append(
            Problem(
                "未检原因",
                f"未检人数（应检 {eligible} − 实检 {checked} = {unchecked}）"
                f"应等于各未检原因人数之和（{listed}）",
            )
        )
    return problems


def validate_totals(row: Mapping[str, Any]) -> list[Problem]:
    """Row-level rules of keyed campaign totals (``campaign_totals``)."""
    problems: list[Problem] = []
    if not _text(row, "campaign_id"):
        problems.append(Problem("检查活动", "不能为空"))
    _day(row, "record_date", "记录日期", problems, required=True)
    eligible = _count(row, "eligible", "应检人数", problems)
    checked = _count(row, "checked", "实检人数", problems)
    reasons: dict[str, int] = {}
    for key, column in REASON_COLUMNS.items():
        label = f"未检原因「{UNCHECKED_REASON.label(key)}」"
        value = _count(row, column, label, problems, required=False)
        reasons[key] = value or 0
    if eligible is not None and checked is not None and not problems:
        problems.extend(totals_problems(eligible, checked, reasons))
    return problems


# -- procedures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FourProcedures:
    """四术 = 上环 + 结扎 (女 + 男) + 人流 + 引产, rolled up from fine-grained counts."""

    groups: Mapping[str, int]  # 上环 / 结扎 / 人流 / 引产, in the order of the report
    by_type: Mapping[str, int] = field(default_factory=dict)  # every procedure type, incl. 取环

    @property
    def total(self) -> int:
        return sum(self.groups.values())

    def __getitem__(self, group: str) -> int:
        return self.groups[group]

    @property
    def text(self) -> str:
        """'132例：上环100例、结扎7例、人流23例、引产2例'."""
        parts = "、".join(f"{g}{n}例" for g, n in self.groups.items())
        return f"{self.total}例：{parts}"


def roll_up(counts: Mapping[str, int]) -> FourProcedures:
    """Procedure type key → count, rolled up into the four groups (types outside 四术 are kept
    in ``by_type`` only)."""
    groups = dict.fromkeys(FOUR_PROCEDURE_GROUPS, 0)
    for key, n in counts.items():
        if key not in PROCEDURE_TYPES:
            raise ValueError(f"unknown procedure type {key!r}")
        group = FOUR_PROCEDURES.get(key)
        if group is not None:
            groups[group] += n
    by_type = {key: int(counts.get(key, 0)) for key in PROCEDURE_TYPES.keys()}
    return FourProcedures(groups, by_type)


def four_procedure_problems(total: int, parts: Mapping[str, int]) -> list[Problem]:
    """A keyed 四术 total must equal the sum of its four parts."""
    unknown = [g for g in parts if g not in FOUR_PROCEDURE_GROUPS]
    if unknown:
        return [Problem("四术", f"「{'、'.join(unknown)}」不是四术的组成部分")]
    listed = sum(parts.values())
    if total != listed:
        detail = " + ".join(f"{g} {parts.get(g, 0)}" for g in FOUR_PROCEDURE_GROUPS)
        return [Problem("四术合计", f"合计 {total} 例不等于各项之和（{detail} = {listed}）")]
    return []


def validate_procedure(row: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if not _text(row, "name"):
        problems.append(Problem("姓名", "不能为空"))
    kind = _choice(row, "procedure_type", PROCEDURE_TYPES, problems, required=True)
    _day(row, "procedure_date", "手术日期", problems, required=True)
    sex = row.get("sex")
    if sex not in ("M", "F"):
        problems.append(Problem("性别", "应为 男 或 女"))
        sex = None
    if kind and sex:
        wanted = "M" if kind == "male_sterilization" else "F"
        if sex != wanted:
            label = PROCEDURE_TYPES.label(kind)
            problems.append(
                Problem("性别", f"{label}的受术者应为{'男' if wanted == 'M' else '女'}性")
            )
    number = _text(row, "id_number")
    if number:
        try:
            info = parse_id(number)
        except ValidationError as exc:
            problems.extend(exc.problems)
        else:
            if sex and info.sex != ("男" if sex == "M" else "女"):
                problems.append(
                    Problem(
                        "性别", f"填的是{'男' if sex == 'M' else '女'}，身份证号显示为{info.sex}"
                    )
                )
    return problems


# -- screening, newly-weds, floating population -------------------------------------------------


def validate_screening(row: Mapping[str, Any]) -> list[Problem]:
    """A screened woman is named by her ID number (how she is counted), and linked to the roster
    when she is on it (the store checks that the number is hers)."""
    problems: list[Problem] = []
    _day(row, "screen_date", "普查日期", problems, required=True)
    number = _text(row, "id_number")
    if not number:
        problems.append(Problem("身份证号", "不能为空"))
    if not _text(row, "woman_id"):
        if not _text(row, "name"):
            problems.append(Problem("姓名", "未关联名册时必须填写姓名"))
        if number:
            problems.extend(woman_id_problems(number))
    _flag(row, "disease_found", "发现妇科病", problems)
    _flag(row, "advice_given", "给予医学建议", problems)
    return problems


def validate_newlywed(row: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    married_on = _day(row, "marriage_date", "结婚登记日期", problems, required=True)
    for who, sex, label in (("wife", "F", "女方"), ("husband", "M", "男方")):
        if not _text(row, f"{who}_name"):
            problems.append(Problem(f"{label}姓名", "不能为空"))
        number = _text(row, f"{who}_id_number")
        if not number:
            continue
        try:
            info = parse_id(number)
        except ValidationError as exc:
            problems.extend(Problem(f"{label}身份证号", p.message) for p in exc.problems)
            continue
        if info.sex != ("女" if sex == "F" else "男"):
            problems.append(Problem(f"{label}身份证号", f"显示为{info.sex}性，请核对"))
        elif married_on and info.age_on(married_on) < MIN_MARRIAGE_AGE[sex]:
            problems.append(
                Problem(
                    f"{label}身份证号",
                    f"结婚时 {info.age_on(married_on)} 岁，未到法定婚龄（{MIN_MARRIAGE_AGE[sex]} 岁）",
                )
            )
    return problems


def validate_floating_service(row: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    _day(row, "service_date", "服务日期", problems, required=True)
    _choice(row, "kind", FLOATING_SERVICES, problems, required=True)
    quantity = row.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        problems.append(
            Problem("数量", f"「{quantity}」应为大于 0 的整数（药具以盒计，康检以人次计）")
        )
    return problems
