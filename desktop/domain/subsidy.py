"""帮扶发放 rules: dated standards, pro-rata amounts, eligibility, and the row rules of the subsidy
tables. No SQL, no Qt: :mod:`desktop.store.subsidy` reads the records and calls these.

Amounts (documented choice: **by months**, as the offices pay them)
    A month of a covered period is paid when the entitlement (the qualification's ``start_on`` …
    ``end_on``) is in force on its first day — an entitlement that starts on 15 March is paid from
    April (次月起), one that ends on 10 June is paid for June. 元/人·月 × paid months;
    元/人·年 × paid months / 12 (rounded half up to the 分: 960 元 for a year, 480 元 for a
    half-year instalment, 240 元 for a quarter); a one-off (``once``) standard pays its amount once
    when the entitlement is in force on any day of the covered period. The standard is the one in
    force on each paid month's first day; when it changes inside a covered period the store splits
    the payment per standard.

Eligibility (DOMAIN.md) returns :class:`EligibilityProblem` — a :class:`Problem` with a
``severity``: ``"refuse"`` (the write door refuses the qualification) or ``"warn"`` (shown, not
blocking: facts the app cannot see completely, such as every child of the family).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from desktop.domain.choices import (
    ACCOUNT_TYPES,
    EXIT_REASONS,
    HUKOU,
    PAYMENT_STATUS,
    QUALIFICATION_STATUS,
    RELATIONS,
    STANDARD_UNITS,
    SUBSIDY_CATEGORY,
    SUBSIDY_KINDS,
    SUBSIDY_LEVELS,
)
from desktop.domain.errors import Problem
from desktop.domain.money import format_yuan

ACTIVE = ("new", "continued")
"""Qualification statuses that are paid and counted as the year's 对象 (active = 新增 + 续发)."""
PAID = ("paid", "repaid")
"""Payment statuses that count in totals: 已发 and 已补发 (a 失败退回 not re-paid does not)."""
REWARD_BORN_FROM = date(1933, 1, 1)
REWARD_AGE = 60
SPECIAL_MOTHER_AGE = 49
SPECIAL_CATEGORIES = ("disabled", "dead")
# The keys of EXIT_REASONS that give the reason of a 暂停 (the same exit_reason column): a
# suspension may carry one of them (or none: rows written before they existed keep their note);
# an exit carries one of the others.
SUSPEND_REASONS = ("unverified", "unreachable", "account", "other")
EXIT_ONLY = tuple(k for k in EXIT_REASONS.keys() if k not in SUSPEND_REASONS or k == "other")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# -- standards ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standard:
    """One dated standard of a programme, in 分 per ``unit`` (year / month / once)."""

    id: str
    programme_id: str
    category: str | None  # SUBSIDY_CATEGORY key; None = every category
    hukou: str | None  # HUKOU key; None = urban and rural alike
    unit: str  # STANDARD_UNITS key
    amount_fen: int
    effective_from: str
    effective_to: str | None = None
    note: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Standard:
        return cls(
            str(row["id"]),
            str(row["programme_id"]),
            row.get("category") or None,
            row.get("hukou") or None,
            str(row["unit"]),
            int(row["amount_fen"]),
            str(row["effective_from"]),
            row.get("effective_to") or None,
            row.get("note"),
        )

    def in_force(self, day: date | str) -> bool:
        iso = day if isinstance(day, str) else day.isoformat()
        return self.effective_from <= iso and (
            self.effective_to is None or iso <= self.effective_to
        )

    def fits(self, programme_id: str, category: str | None, hukou: str | None) -> bool:
        return (
            self.programme_id == programme_id
            and (self.category is None or self.category == category)
            and (self.hukou is None or self.hukou == hukou)
        )

    @property
    def specificity(self) -> int:
        return (self.category is not None) + (self.hukou is not None)

    @property
    def label(self) -> str:
        """'伤残 农村 270.00 元/人·月（2024-01-01 起）'."""
        parts = []
        if self.category:
            parts.append(SUBSIDY_CATEGORY.label(self.category))
        if self.hukou:
            parts.append(HUKOU.label(self.hukou))
        until = f"至 {self.effective_to}" if self.effective_to else "起"
        amount = f"{format_yuan(self.amount_fen, thousands=False)} {unit_label(self.unit)}"
        return " ".join([*parts, amount]) + f"（{self.effective_from} {until}）"


def unit_label(unit: str) -> str:
    return "元/次" if unit == "once" else STANDARD_UNITS.label(unit)


def standard_in_force(
    standards: Iterable[Standard],
    programme_id: str,
    category: str | None,
    hukou: str | None,
    day: date | str,
) -> Standard | None:
    """The standard of ``programme_id`` for ``category`` and ``hukou`` in force on ``day``: the
    most specific one (a category and hukou of its own before a shared one), then the latest."""
    found = [s for s in standards if s.fits(programme_id, category, hukou) and s.in_force(day)]
    if not found:
        return None
    return max(found, key=lambda s: (s.specificity, s.effective_from))


def overlap(a_start: str, a_end: Any, b_start: str, b_end: Any) -> bool:
    """Two date ranges (ISO strings, an end None = open) share at least one day."""
    return (b_end is None or a_start <= str(b_end)) and (
        a_end is None or str(b_start) <= str(a_end)
    )


# -- months and amounts ---------------------------------------------------------------------------


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def month_end(first: date) -> date:
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def paid_months(
    covered_start: date | str,
    covered_end: date | str,
    start_on: date | str,
    end_on: date | str | None,
) -> list[date]:
    """First days of the months of the covered period that are paid: those whose first day lies
    in the covered period and in the entitlement (``start_on`` … ``end_on``)."""
    lo, hi = _as_date(covered_start), _as_date(covered_end)
    start = _as_date(start_on)
    end = _as_date(end_on) if end_on else None
    day = date(lo.year, lo.month, 1)
    if day < lo:
        day = date(lo.year + lo.month // 12, lo.month % 12 + 1, 1)
    months: list[date] = []
    while day <= hi:
        if start <= day and (end is None or day <= end):
            months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def amount_fen(standard: Standard, months: int) -> int:
    """What ``months`` paid months are worth at ``standard`` (year: × months / 12, half up;
    month: × months; once: the amount, for any months > 0)."""
    if months <= 0:
        return 0
    if standard.unit == "month":
        return standard.amount_fen * months
    if standard.unit == "year":
        return (standard.amount_fen * months * 2 + 12) // 24
    return standard.amount_fen


@dataclass(frozen=True)
class Share:
    """A part of a covered period paid at one standard: its months, dates and amount."""

    standard: Standard
    months: int
    covered_start: str
    covered_end: str
    amount_fen: int


def shares(
    standards: Sequence[Standard],
    programme_id: str,
    category: str | None,
    hukou: str | None,
    covered_start: date | str,
    covered_end: date | str,
    start_on: date | str,
    end_on: date | str | None,
) -> tuple[list[Share], list[date]]:
    """The paid months of a person grouped by the standard in force on each month's first day,
    and the paid months that have no standard. A ``once`` standard yields one share for the whole
    covered period when the entitlement overlaps it."""
    lo, hi = _as_date(covered_start), _as_date(covered_end)
    first = standard_in_force(standards, programme_id, category, hukou, lo)
    if first is not None and first.unit == "once":
        if overlap(lo.isoformat(), hi.isoformat(), str(start_on)[:10], end_on):
            return [Share(first, 1, lo.isoformat(), hi.isoformat(), first.amount_fen)], []
        return [], []
    found: list[Share] = []
    missing: list[date] = []
    groups: list[tuple[Standard, list[date]]] = []
    for month in paid_months(lo, hi, start_on, end_on):
        standard = standard_in_force(standards, programme_id, category, hukou, month)
        if standard is None or standard.unit == "once":
            missing.append(month)
        elif groups and groups[-1][0].id == standard.id:
            groups[-1][1].append(month)
        else:
            groups.append((standard, [month]))
    for standard, months in groups:
        start = max(months[0], lo)
        end = min(month_end(months[-1]), hi)
        found.append(
            Share(
                standard,
                len(months),
                start.isoformat(),
                end.isoformat(),
                amount_fen(standard, len(months)),
            )
        )
    return found, missing


# -- eligibility ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EligibilityProblem(Problem):
    """A :class:`Problem` that is either a refusal (``severity == 'refuse'``) or a warning."""

    severity: str = "refuse"

    @property
    def refusal(self) -> bool:
        return self.severity == "refuse"


def _refuse(field_name: str, message: str) -> EligibilityProblem:
    return EligibilityProblem(field_name, message, None, "refuse")


def _warn(field_name: str, message: str) -> EligibilityProblem:
    return EligibilityProblem(field_name, message, None, "warn")


@dataclass(frozen=True)
class Facts:
    """What the app knows of a person for eligibility: their own facts and their household's."""

    name: str = ""
    birth_date: str | None = None
    sex: str | None = None  # 'M' / 'F'
    hukou: str | None = None  # HUKOU key (the person's, else the household's)
    alive: bool = True
    spouse_birth_date: str | None = None
    spouse_sex: str | None = None
    children: tuple[str, ...] = field(default_factory=tuple)  # sexes of registered children


def age_on(birth: str | date, day: date) -> int:
    born = _as_date(birth)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def eligibility(
    programme_code: str, category: str | None, facts: Facts, on_day: date | str
) -> list[EligibilityProblem]:
    """DOMAIN.md's eligibility facts for ``programme_code`` on ``on_day``.

    奖励扶助 (``reward``): rural hukou (urban refused, unknown warned); born on or after
    1933-01-01 and aged 60 or more within the year of ``on_day`` (refused otherwise); one child,
    two daughters or none surviving — the app may not hold every child, so registered children
    that break it are a warning. 特别扶助 (``special``): category 伤残 or 死亡 (refused otherwise);
    the mother aged 49 or more on ``on_day`` — the person when a woman, else the spouse (refused
    when younger; a warning when unknown); more than one registered child is a warning. Other
    programmes have no person rules here. A person who has died is refused a new entitlement."""
    day = _as_date(on_day)
    who = facts.name or "该对象"
    found: list[EligibilityProblem] = []
    if not facts.alive:
        found.append(_refuse("人员", f"{who}已死亡，不能认定资格"))
    if programme_code == "reward":
        if facts.hukou == "urban":
            found.append(_refuse("户籍类型", f"{who}为城镇户籍，奖励扶助只适用于农村户籍"))
        elif facts.hukou is None:
            found.append(_warn("户籍类型", f"{who}未登记户籍类型，请核实是否为农村户籍"))
        if facts.birth_date is None:
            found.append(_warn("出生日期", f"{who}未登记出生日期，无法核对年龄"))
        else:
            born = _as_date(facts.birth_date)
            if born < REWARD_BORN_FROM:
                found.append(
                    _refuse("出生日期", f"{who}出生于 {born}，奖励扶助对象须为1933年1月1日以后出生")
                )
            elif day.year - born.year < REWARD_AGE:
                found.append(
                    _refuse(
                        "出生日期",
                        f"{who}出生于 {born}，{day.year}年未满60周岁，不符合奖励扶助年龄条件",
                    )
                )
        sons = facts.children.count("M")
        if len(facts.children) > 2 or (len(facts.children) == 2 and sons):
            found.append(
                _warn(
                    "子女",
                    f"户内登记子女 {len(facts.children)} 人（其中儿子 {sons} 人），"
                    "奖励扶助须为只有一个子女或两个女孩，请核实",
                )
            )
    elif programme_code == "special":
        if category not in SPECIAL_CATEGORIES:
            found.append(_refuse("扶助类别", "特别扶助须注明独生子女「伤残」或「死亡」"))
        mother_birth = facts.birth_date if facts.sex == "F" else None
        if facts.sex != "F" and facts.spouse_sex == "F":
            mother_birth = facts.spouse_birth_date
        if mother_birth is None:
            found.append(
                _warn("出生日期", f"无法确认{who}家庭中母亲的年龄，特别扶助须母亲年满49周岁")
            )
        elif age_on(mother_birth, day) < SPECIAL_MOTHER_AGE:
            found.append(
                _refuse(
                    "出生日期",
                    f"母亲出生于 {mother_birth}，{day} 未满49周岁，不符合特别扶助条件",
                )
            )
        if len(facts.children) > 1:
            found.append(
                _warn(
                    "子女", f"户内登记子女 {len(facts.children)} 人，特别扶助对象须为独生子女家庭"
                )
            )
    return found


# -- masking --------------------------------------------------------------------------------------


def mask_account(number: str | None) -> str:
    """Only the last 4 characters of an account number: '************1234' → '****1234'."""
    text = "".join(str(number or "").split())
    if not text:
        return ""
    if len(text) <= 4:
        return "*" * len(text)
    return "****" + text[-4:]


# -- row rules (run by the write door for every path) --------------------------------------------


def _iso(value: Any) -> bool:
    return isinstance(value, str) and _iso_text(value)


@lru_cache(maxsize=4096)
def _iso_text(value: str) -> bool:
    """An ISO date that exists (remembered: a batch repeats the same few dates)."""
    if not _ISO.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _date_problems(
    rec: Mapping[str, Any], fields: Mapping[str, str], required: Sequence[str]
) -> list[Problem]:
    found: list[Problem] = []
    for key, label in fields.items():
        value = rec.get(key)
        if value is None or value == "":
            if key in required:
                found.append(Problem(label, "不能为空"))
        elif not _iso(value):
            found.append(Problem(label, f"「{value}」不是有效日期"))
    return found


def _choice_problem(value: Any, choices: Any, label: str, required: bool = False) -> list[Problem]:
    if value is None or value == "":
        return [Problem(label, "不能为空")] if required else []
    if value not in choices:
        return [Problem(label, f"「{value}」不是可选项，应为：{'、'.join(choices.labels())}")]
    return []


def validate_programme(rec: Mapping[str, Any]) -> list[Problem]:
    found: list[Problem] = []
    if not str(rec.get("code") or "").strip():
        found.append(Problem("项目代码", "不能为空"))
    if not str(rec.get("name") or "").strip():
        found.append(Problem("项目名称", "不能为空"))
    found += _choice_problem(rec.get("level"), SUBSIDY_LEVELS, "项目级别", True)
    found += _choice_problem(rec.get("kind"), SUBSIDY_KINDS, "发放对象", True)
    return found


def validate_standard(rec: Mapping[str, Any]) -> list[Problem]:
    found = _date_problems(
        rec, {"effective_from": "起始日期", "effective_to": "截止日期"}, ("effective_from",)
    )
    found += _choice_problem(rec.get("unit"), STANDARD_UNITS, "标准单位", True)
    found += _choice_problem(rec.get("category"), SUBSIDY_CATEGORY, "扶助类别")
    found += _choice_problem(rec.get("hukou"), HUKOU, "户籍类型")
    amount = rec.get("amount_fen")
    if not isinstance(amount, int) or amount <= 0:
        found.append(Problem("金额", "标准金额须大于0"))
    end = rec.get("effective_to")
    if not found and end and end < rec["effective_from"]:
        found.append(Problem("截止日期", "不能早于起始日期"))
    return found


def validate_household(rec: Mapping[str, Any]) -> list[Problem]:
    found = _date_problems(
        rec, {"poor_since": "认定日期", "created_on": "建档日期"}, ("created_on",)
    )
    if not rec.get("head_person_id"):
        found.append(Problem("户主", "不能为空"))
    found += _choice_problem(rec.get("hukou"), HUKOU, "户籍类型")
    if rec.get("poor") not in (0, 1, True, False):
        found.append(Problem("贫困计生户", "应为「是」或「否」"))
    elif not rec.get("poor") and rec.get("poor_since"):
        found.append(Problem("认定日期", "不是贫困计生户时不应填写认定日期"))
    return found


def validate_member(rec: Mapping[str, Any]) -> list[Problem]:
    found = _date_problems(rec, {"joined_on": "入户日期", "left_on": "离户日期"}, ("joined_on",))
    found += _choice_problem(rec.get("relation"), RELATIONS, "与户主关系", True)
    if not rec.get("person_id"):
        found.append(Problem("人员", "不能为空"))
    left, joined = rec.get("left_on"), rec.get("joined_on")
    if not found and left and left < joined:
        found.append(Problem("离户日期", "不能早于入户日期"))
    return found


def validate_qualification(rec: Mapping[str, Any]) -> list[Problem]:
    found = _date_problems(
        rec,
        {
            "status_on": "状态日期",
            "start_on": "享受起始日期",
            "end_on": "享受截止日期",
            "confirmed_on": "确认日期",
            "posted_from": "公示开始日期",
            "posted_to": "公示结束日期",
        },
        ("status_on", "start_on"),
    )
    status = rec.get("status")
    found += _choice_problem(status, QUALIFICATION_STATUS, "资格状态", True)
    found += _choice_problem(rec.get("category"), SUBSIDY_CATEGORY, "扶助类别")
    year = rec.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        found.append(Problem("年度", f"「{year}」不是有效年度"))
    reason = rec.get("exit_reason")
    if status == "exited":
        if not reason:
            found.append(Problem("退出原因", "退出时须填写退出原因"))
        if not rec.get("end_on"):
            found.append(Problem("享受截止日期", "退出时须填写享受截止日期"))
    elif reason and status != "suspended":
        found.append(Problem("退出原因", "只有「退出」或「暂停」的资格填写原因"))
    wrong_choice = _choice_problem(reason, EXIT_REASONS, "退出原因")
    found += wrong_choice
    if reason and not wrong_choice and status in ("exited", "suspended"):
        allowed = SUSPEND_REASONS if status == "suspended" else EXIT_ONLY
        if reason not in allowed:
            labels = "、".join(EXIT_REASONS.label(k) for k in allowed)
            what = "暂停原因" if status == "suspended" else "退出原因"
            found.append(
                Problem(what, f"「{EXIT_REASONS.label(reason)}」不是{what}，应为：{labels}")
            )
    if found:
        return found
    if rec.get("end_on") and rec["end_on"] < rec["start_on"]:
        found.append(Problem("享受截止日期", "不能早于享受起始日期"))
    if rec.get("posted_from") and rec.get("posted_to") and rec["posted_to"] < rec["posted_from"]:
        found.append(Problem("公示结束日期", "不能早于公示开始日期"))
    if rec.get("confirmed_on") and not rec.get("confirmed_by"):
        found.append(Problem("确认人", "已确认的资格须注明确认人"))
    if isinstance(year, int) and rec["start_on"] > f"{year}-12-31":
        found.append(Problem("享受起始日期", f"{rec['start_on']} 晚于{year}年度"))
    return found


def validate_batch(rec: Mapping[str, Any]) -> list[Problem]:
    found = _date_problems(
        rec,
        {"covered_start": "发放期间起", "covered_end": "发放期间止", "pay_date": "发放日期"},
        ("covered_start", "covered_end", "pay_date"),
    )
    if not str(rec.get("batch_no") or "").strip():
        found.append(Problem("批次号", "不能为空"))
    if not rec.get("approved_by"):
        found.append(Problem("审批人", "发放批次须经审核员审批"))
    if not found and rec["covered_end"] < rec["covered_start"]:
        found.append(Problem("发放期间止", "不能早于发放期间起"))
    return found


def validate_payment(rec: Mapping[str, Any]) -> list[Problem]:
    found = _date_problems(
        rec,
        {
            "covered_start": "发放期间起",
            "covered_end": "发放期间止",
            "pay_date": "发放日期",
            "returned_on": "退回日期",
            "repaid_on": "补发日期",
        },
        ("covered_start", "covered_end", "pay_date"),
    )
    status = rec.get("status")
    found += _choice_problem(status, PAYMENT_STATUS, "发放状态", True)
    found += _choice_problem(rec.get("account_type"), ACCOUNT_TYPES, "账户类型")
    amount, goods = rec.get("amount_fen"), rec.get("goods_fen")
    if goods is None:
        found.append(Problem("慰问品价值", "不能为空（没有慰问品时填 0）"))
    elif not isinstance(amount, int) or amount < 0:
        found.append(Problem("金额", "发放金额不能为负数"))
    elif not isinstance(goods, int) or goods < 0:
        found.append(Problem("慰问品价值", "不能为负数"))
    elif amount + goods <= 0:
        found.append(Problem("金额", "现金和慰问品价值不能都为0"))
    if not rec.get("person_id"):
        found.append(Problem("人员", "不能为空"))
    if status in ("returned", "repaid"):
        if not rec.get("return_reason"):
            found.append(Problem("退回原因", "失败退回须填写原因"))
        if not rec.get("returned_on"):
            found.append(Problem("退回日期", "失败退回须填写日期"))
    if status == "repaid" and not rec.get("repaid_on"):
        found.append(Problem("补发日期", "已补发须填写补发日期"))
    if found:
        return found
    if rec["covered_end"] < rec["covered_start"]:
        found.append(Problem("发放期间止", "不能早于发放期间起"))
    if rec.get("returned_on") and rec["returned_on"] < rec["pay_date"]:
        found.append(Problem("退回日期", "不能早于发放日期"))
    if rec.get("repaid_on") and rec.get("returned_on") and rec["repaid_on"] < rec["returned_on"]:
        found.append(Problem("补发日期", "不能早于退回日期"))
    return found
