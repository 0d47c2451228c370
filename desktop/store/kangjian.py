"""康检 in the store: the tables the write door knows, the rules that read other records, and the
summary queries (SQL aggregates, never a Python loop over the rows).

Tables (migration step 3): ``women`` (the roster, joined to ``persons`` for name, ID and birth
date), ``campaigns`` (one row per office; the district's campaign is the same name and dates in
every office), ``checks`` (one per woman and campaign), ``campaign_totals`` (keyed totals per
community, for offices without a roster), ``screenings``, ``newlyweds``, ``procedures`` and
``floating_services``.

The row rules live in :mod:`desktop.domain.kangjian`; the door runs them for every path (form,
import, command) through ``TableSpec.validate``, and the rules below through ``TableSpec.check_db``
inside the write transaction.

Every query takes a :class:`~desktop.store.orgs.Scope` and keeps to it. A campaign is named by its
id, a list of ids, or a :class:`CampaignKey` (name, start, end) that takes every office's campaign
of that name and dates — the district's view.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from desktop.domain.choices import PROCEDURE_TYPES, UNCHECKED_REASON
from desktop.domain.errors import Problem
from desktop.domain.kangjian import (
    FLOATING_SERVICES,
    REASON_COLUMNS,
    FourProcedures,
    birth_window,
    campaign_scope,
    check_date_problems,
    parse_day,
    roll_up,
    validate_campaign,
    validate_check,
    validate_floating_service,
    validate_newlywed,
    validate_procedure,
    validate_screening,
    validate_totals,
    validate_woman,
    woman_id_problems,
)
from desktop.domain.periods import Period
from desktop.domain.rates import rate
from desktop.store.common import Db, conn_of, rows_in, short_id
from desktop.store.orgs import OrgTree, Scope
from desktop.store.tables import NumberedRows, TableSpec, register


def _unit_names(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT id, name FROM org_units"))


def _at(problems: Iterable[Problem], row: int | None) -> list[Problem]:
    return [replace(p, row=row) for p in problems]


# -- rules across records (TableSpec.check_db) ---------------------------------------------------


def check_women(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """A roster entry is a person of the same community with a woman's ID, once."""
    persons = {
        r[0]: r
        for r in rows_in(
            conn,
            "SELECT id, community_id, sex, id_number, deleted, name FROM persons"
            " WHERE id IN ({marks})",
            (rec.get("person_id") for _, rec in rows),
        )
    }
    existing: dict[str, list[tuple[Any, ...]]] = {}
    for r in rows_in(
        conn,
        "SELECT person_id, id, community_id, entered_on FROM women"
        " WHERE deleted = 0 AND person_id IN ({marks})",
        (rec.get("person_id") for _, rec in rows),
    ):
        existing.setdefault(r[0], []).append(r)
    names = _unit_names(conn)
    problems: list[Problem] = []
    first_row: dict[str, int | None] = {}
    for row, rec in rows:
        person_id = str(rec.get("person_id") or "")
        person = persons.get(person_id) if person_id else None
        if person is None or person[4]:
            problems.append(Problem("人员", "名册对应的人员不存在或已删除", row))
            continue
        _, community, sex, number, _, name = person
        if community != rec.get("community_id"):
            problems.append(
                Problem("社区", f"应与{name}的人员登记一致（{names.get(community, '')}）", row)
            )
        id_problems = woman_id_problems(number)
        problems.extend(_at(id_problems, row))
        if not id_problems and sex == "M":
            problems.append(Problem("性别", f"{name}的人员登记性别为男，请先更正", row))
        others = [e for e in existing.get(person_id, []) if e[1] != rec.get("id")]
        if others:
            other = others[0]
            problems.append(
                Problem(
                    "身份证号",
                    f"{name}已在名册中（{names.get(other[2], '')}，{other[3]} 登记，"
                    f"记录号 {short_id(other[1])}），不能重复登记；请修改原记录",
                    row,
                )
            )
        elif person_id in first_row:
            where = f"第 {first_row[person_id]} 行" if first_row[person_id] else "本批"
            problems.append(Problem("身份证号", f"{name}与{where}重复，名册中每人只登记一次", row))
        first_row.setdefault(person_id, row)
    return problems


@dataclass(frozen=True)
class _CampaignFacts:
    id: str
    office: str
    name: str
    start: str  # ISO dates compare as strings
    end: str
    scope: frozenset[str] | None
    deleted: bool


def _campaigns_by_id(conn: sqlite3.Connection, ids: Iterable[Any]) -> dict[str, _CampaignFacts]:
    found: dict[str, _CampaignFacts] = {}
    for cid, office, name, start, end, communities, deleted in rows_in(
        conn,
        "SELECT id, office, name, start_date, end_date, communities, deleted FROM campaigns"
        " WHERE id IN ({marks})",
        ids,
    ):
        scope = campaign_scope(communities)
        found[cid] = _CampaignFacts(
            cid, office, name, start, end, None if scope is None else frozenset(scope), deleted
        )
    return found


class _Names:
    """Names for messages, read only when a message needs one."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._units: dict[str, str] | None = None

    def unit(self, unit_id: Any) -> str:
        if self._units is None:
            self._units = _unit_names(self.conn)
        return self._units.get(str(unit_id), "")

    def woman(self, woman_id: Any) -> str:
        row = self.conn.execute(
            "SELECT t.name FROM women AS w JOIN persons AS t ON t.id = w.person_id WHERE w.id = ?",
            [woman_id],
        ).fetchone()
        return str(row[0]) if row else "该妇女"


def _campaign_problems(
    campaign: _CampaignFacts | None, rec: Mapping[str, Any], names: _Names
) -> list[Problem]:
    """The campaign exists, belongs to the record's office and covers its community."""
    if campaign is None or campaign.deleted:
        return [Problem("检查活动", "所选检查活动不存在或已删除")]
    if campaign.office != rec.get("office"):
        return [
            Problem(
                "检查活动",
                f"「{campaign.name}」是 {campaign.office} 的活动，"
                f"不能登记 {rec.get('office')} 的记录",
            )
        ]
    if campaign.scope is not None and rec.get("community_id") not in campaign.scope:
        community = names.unit(rec.get("community_id"))
        return [Problem("社区", f"{community}不在「{campaign.name}」的活动范围内")]
    return []


def _check_text(checked: Any, check_date: Any, reason: Any) -> str:
    if checked:
        return f"{check_date} 已检"
    label = UNCHECKED_REASON.label(reason) if reason in UNCHECKED_REASON else "原因未填"
    return f"未检：{label}"


def check_checks(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """One check per woman and campaign; dated within the campaign; the woman's community."""
    campaigns = _campaigns_by_id(conn, (rec.get("campaign_id") for _, rec in rows))
    women = {
        r[0]: r
        for r in rows_in(
            conn,
            "SELECT id, community_id, deleted FROM women WHERE id IN ({marks})",
            (rec.get("woman_id") for _, rec in rows),
        )
    }
    moved = [  # records not in their woman's community: allowed only if stored so already
        rec.get("id")
        for _, rec in rows
        if (w := women.get(str(rec.get("woman_id")))) is not None
        and w[1] != rec.get("community_id")
    ]
    stored = {
        r[0]: r
        for r in rows_in(
            conn, "SELECT id, woman_id, community_id FROM checks WHERE id IN ({marks})", moved
        )
    }
    by_campaign: dict[str, list[Any]] = {}
    for _, rec in rows:
        by_campaign.setdefault(str(rec.get("campaign_id")), []).append(rec.get("woman_id"))
    existing: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for campaign_id, woman_ids in by_campaign.items():
        for r in rows_in(
            conn,
            "SELECT campaign_id, woman_id, id, checked, check_date, unchecked_reason FROM checks"
            " WHERE deleted = 0 AND campaign_id = ? AND woman_id IN ({marks})",
            woman_ids,
            [campaign_id],
        ):
            existing.setdefault((r[0], r[1]), []).append(r)
    names = _Names(conn)
    problems: list[Problem] = []
    first_row: dict[tuple[str, str], int | None] = {}
    for row, rec in rows:
        campaign = campaigns.get(str(rec.get("campaign_id")))
        found = _campaign_problems(campaign, rec, names)
        if found:
            problems.extend(_at(found, row))
        woman = women.get(str(rec.get("woman_id")))
        if woman is None or woman[2]:
            problems.append(Problem("妇女", "名册中没有该妇女或已删除", row))
            continue
        if woman[1] != rec.get("community_id"):
            before = stored.get(str(rec.get("id")))
            if before is None or (before[1], before[2]) != (rec["woman_id"], rec["community_id"]):
                problems.append(
                    Problem(
                        "社区",
                        f"应为{names.woman(woman[0])}所在的社区（{names.unit(woman[1])}）",
                        row,
                    )
                )
        if campaign is None or (found and found[0].field == "检查活动"):
            continue
        if rec.get("checked"):
            day = str(rec.get("check_date") or "")
            if day and not campaign.start <= day <= campaign.end:
                start, end, when = (parse_day(x) for x in (campaign.start, campaign.end, day))
                assert start is not None and end is not None and when is not None
                problems.extend(_at(check_date_problems(when, start, end, campaign.name), row))
        elif rec.get("record_date") != campaign.end:
            problems.append(
                Problem("记录日期", f"未检记录的记录日期应为活动结束日期 {campaign.end}", row)
            )
        key = (campaign.id, str(rec["woman_id"]))
        others = [e for e in existing.get(key, ()) if e[2] != rec.get("id")]
        if others:
            other = others[0]
            problems.append(
                Problem(
                    "身份证号",
                    f"{names.woman(key[1])}在「{campaign.name}」已有检查记录"
                    f"（{_check_text(*other[3:6])}，记录号 {short_id(other[2])}），"
                    "每人每次活动只能有一条；请修改原记录",
                    row,
                )
            )
        elif key in first_row:
            where = f"第 {first_row[key]} 行" if first_row[key] else "本批"
            problems.append(
                Problem(
                    "身份证号",
                    f"{names.woman(key[1])}在「{campaign.name}」的检查记录与{where}重复",
                    row,
                )
            )
        first_row.setdefault(key, row)
    return problems


def check_campaigns(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """Unique name per office; the same name has the same dates in every office; communities of
    the office; changed dates keep the existing check records inside the campaign."""
    problems: list[Problem] = []
    first_row: dict[tuple[str, str], int | None] = {}
    for row, rec in rows:
        office, name = str(rec.get("office")), str(rec.get("name") or "").strip()
        scope = campaign_scope(rec.get("communities"))
        if scope:
            found = dict(
                rows_in(
                    conn,
                    "SELECT c.id, o.code FROM org_units AS c JOIN org_units AS o"
                    " ON o.id = c.parent_id WHERE c.level = 'community' AND c.id IN ({marks})",
                    scope,
                )
            )
            if any(found.get(c) != office for c in scope):
                problems.append(Problem("活动范围", f"所选社区应都属于 {office}", row))
        same = conn.execute(
            "SELECT id, start_date, end_date FROM campaigns"
            " WHERE deleted = 0 AND office = ? AND name = ? AND id != ?",
            [office, name, rec.get("id")],
        ).fetchone()
        if same:
            problems.append(
                Problem(
                    "活动名称",
                    f"本办事处已有活动「{name}」（{same[1]} 至 {same[2]}，"
                    f"记录号 {short_id(same[0])}），请改名或修改原活动",
                    row,
                )
            )
        elif (office, name) in first_row:
            problems.append(
                Problem("活动名称", f"「{name}」与第 {first_row[(office, name)]} 行重复", row)
            )
        first_row.setdefault((office, name), row)
        other = conn.execute(
            "SELECT office, start_date, end_date FROM campaigns WHERE deleted = 0 AND name = ?"
            " AND office != ? AND (start_date != ? OR end_date != ?) LIMIT 1",
            [name, office, rec.get("start_date"), rec.get("end_date")],
        ).fetchone()
        if other:
            problems.append(
                Problem(
                    "开始日期",
                    f"{other[0]} 的「{name}」为 {other[1]} 至 {other[2]}；"
                    "同名活动在各办事处的日期应一致，区里按名称和日期汇总",
                    row,
                )
            )
        outside = conn.execute(
            "SELECT count(*) FROM checks WHERE deleted = 0 AND campaign_id = ? AND"
            " ((checked = 1 AND (check_date < ? OR check_date > ?))"
            " OR (checked = 0 AND record_date != ?))",
            [rec.get("id"), rec.get("start_date"), rec.get("end_date"), rec.get("end_date")],
        ).fetchone()[0]
        if outside:
            problems.append(
                Problem(
                    "结束日期",
                    f"改后的日期与已有的 {outside} 条检查记录不符（检查日期不在活动期间，"
                    "或未检记录按原结束日期登记），请先修改这些记录",
                    row,
                )
            )
    return problems


def check_totals(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """Keyed totals: one row per campaign and community, dated on the campaign's last day."""
    campaigns = _campaigns_by_id(conn, (rec.get("campaign_id") for _, rec in rows))
    names = _Names(conn)
    problems: list[Problem] = []
    first_row: dict[tuple[str, str], int | None] = {}
    for row, rec in rows:
        campaign = campaigns.get(str(rec.get("campaign_id")))
        found = _campaign_problems(campaign, rec, names)
        problems.extend(_at(found, row))
        if campaign is None or found:
            continue
        if rec.get("record_date") != campaign.end:
            problems.append(Problem("记录日期", f"应为活动结束日期 {campaign.end}", row))
        key = (str(rec["campaign_id"]), str(rec["community_id"]))
        same = conn.execute(
            "SELECT id, eligible, checked FROM campaign_totals WHERE deleted = 0"
            " AND campaign_id = ? AND community_id = ? AND id != ?",
            [*key, rec.get("id")],
        ).fetchone()
        community = names.unit(key[1])
        if same:
            problems.append(
                Problem(
                    "社区",
                    f"{community}在「{campaign.name}」已有汇总数（应检 {same[1]}，实检 {same[2]}，"
                    f"记录号 {short_id(same[0])}），请修改原记录",
                    row,
                )
            )
        elif key in first_row:
            problems.append(Problem("社区", f"{community}与第 {first_row[key]} 行重复", row))
        first_row.setdefault(key, row)
    return problems


def check_screenings(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """A screening linked to the roster names a woman of its own community, and the ID number
    written beside the link is hers."""
    women = {
        r[0]: r[1:]
        for r in rows_in(
            conn,
            "SELECT w.id, w.community_id, t.id_number FROM women AS w"
            " JOIN persons AS t ON t.id = w.person_id WHERE w.deleted = 0 AND w.id IN ({marks})",
            (rec.get("woman_id") for _, rec in rows),
        )
    }
    problems: list[Problem] = []
    for row, rec in rows:
        woman = rec.get("woman_id")
        if not woman:
            continue
        found = women.get(woman)
        if found is None or found[0] != rec.get("community_id"):
            problems.append(Problem("妇女", "名册中没有该妇女，或她不属于所填社区", row))
        elif rec.get("id_number") != found[1]:
            problems.append(Problem("身份证号", "与名册中该妇女的身份证号不一致", row))
    return problems


def check_procedures(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    persons = dict(
        rows_in(
            conn,
            "SELECT id, deleted FROM persons WHERE id IN ({marks})",
            (rec.get("person_id") for _, rec in rows),
        )
    )
    return [
        Problem("姓名", "关联的人员不存在或已删除", row)
        for row, rec in rows
        if rec.get("person_id") and persons.get(rec["person_id"], 1)
    ]


WOMEN = register(
    TableSpec(
        "women",
        "已婚育龄妇女名册",
        "kangjian",
        None,  # master data like persons: not locked with a period
        validate=validate_woman,
        check_db=check_women,
        immutable=("id", "office", "person_id"),
    )
)
CAMPAIGNS = register(
    TableSpec(
        "campaigns",
        "康检活动",
        "kangjian",
        "start_date",
        community_column=None,
        validate=validate_campaign,
        check_db=check_campaigns,
    )
)
CHECKS = register(
    TableSpec(
        "checks",
        "康检记录",
        "kangjian",
        "record_date",
        validate=validate_check,
        check_db=check_checks,
        immutable=("id", "office", "campaign_id", "woman_id"),
    )
)
CAMPAIGN_TOTALS = register(
    TableSpec(
        "campaign_totals",
        "康检汇总数",
        "kangjian",
        "record_date",
        validate=validate_totals,
        check_db=check_totals,
        immutable=("id", "office", "campaign_id"),
    )
)
SCREENINGS = register(
    TableSpec(
        "screenings",
        "妇科病普查",
        "kangjian",
        "screen_date",
        validate=validate_screening,
        check_db=check_screenings,
    )
)
NEWLYWEDS = register(
    TableSpec("newlyweds", "新婚夫妇", "kangjian", "marriage_date", validate=validate_newlywed)
)
PROCEDURES = register(
    TableSpec(
        "procedures",
        "计划生育手术",
        "kangjian",
        "procedure_date",
        validate=validate_procedure,
        check_db=check_procedures,
    )
)
FLOATING_SERVICES_TABLE = register(
    TableSpec(
        "floating_services",
        "流动人口服务",
        "kangjian",
        "service_date",
        validate=validate_floating_service,
    )
)


# -- campaigns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignKey:
    """The district's campaign: every office's campaign of this name and these dates."""

    name: str
    start_date: str
    end_date: str


@dataclass(frozen=True)
class Campaign:
    id: str
    office: str
    name: str
    start_date: date
    end_date: date
    communities: tuple[str, ...] | None  # None: every community of the office

    @property
    def key(self) -> CampaignKey:
        return CampaignKey(self.name, self.start_date.isoformat(), self.end_date.isoformat())

    @property
    def label(self) -> str:
        return f"{self.name}（{self.start_date.isoformat()} 至 {self.end_date.isoformat()}）"


CampaignRef = str | CampaignKey | tuple[str, str, str] | Sequence[str]

_CAMPAIGN_COLUMNS = "id, office, name, start_date, end_date, communities"


def _campaign(row: Sequence[Any]) -> Campaign:
    scope = campaign_scope(row[5])
    start, end = parse_day(row[3]), parse_day(row[4])
    assert start is not None and end is not None
    return Campaign(row[0], row[1], row[2], start, end, None if scope is None else tuple(scope))


def list_campaigns(
    db: Db, scope: Scope | None = None, period: Period | None = None
) -> list[Campaign]:
    """Campaigns in the scope (newest first), those overlapping ``period`` when given."""
    where, params = (scope or Scope.everything()).sql("office", None)
    sql = f"SELECT {_CAMPAIGN_COLUMNS} FROM campaigns WHERE deleted = 0 AND {where}"
    if period is not None:
        sql += " AND start_date <= ? AND end_date >= ?"
        params = [*params, period.end.isoformat(), period.start.isoformat()]
    sql += " ORDER BY start_date DESC, name, office"
    return [_campaign(r) for r in conn_of(db).execute(sql, params)]


def campaign_keys(
    db: Db, scope: Scope | None = None, period: Period | None = None
) -> list[CampaignKey]:
    """The district's campaigns (distinct name and dates), newest first."""
    return list(dict.fromkeys(c.key for c in list_campaigns(db, scope, period)))


def resolve_campaigns(db: Db, ref: CampaignRef, scope: Scope | None = None) -> list[Campaign]:
    """The campaigns ``ref`` names, within ``scope``: an id, a list of ids or a CampaignKey (or a
    (name, start, end) tuple)."""
    where, params = (scope or Scope.everything()).sql("office", None)
    base = f"SELECT {_CAMPAIGN_COLUMNS} FROM campaigns WHERE deleted = 0 AND {where}"
    if isinstance(ref, tuple) and len(ref) == 3 and _is_iso_day(ref[1]) and _is_iso_day(ref[2]):
        ref = CampaignKey(*ref)
    if isinstance(ref, CampaignKey):
        sql = base + " AND name = ? AND start_date = ? AND end_date = ?"
        params = [*params, ref.name, ref.start_date, ref.end_date]
    else:
        ids = [ref] if isinstance(ref, str) else list(ref)
        if not ids:
            return []
        sql = base + f" AND id IN ({','.join('?' * len(ids))})"
        params = [*params, *ids]
    found = [_campaign(r) for r in conn_of(db).execute(sql, params)]
    return sorted(found, key=lambda c: (c.start_date, c.name, c.office))


def _is_iso_day(text: Any) -> bool:
    try:
        return parse_day(text) is not None
    except (ValueError, TypeError):
        return False


def check_record(
    db: Db,
    campaign_id: str,
    woman_id: str,
    *,
    checked: bool,
    check_date: str | None = None,
    unchecked_reason: str | None = None,
    **results: Any,
) -> dict[str, Any]:
    """The values of a new check record for the door, with ``community_id`` (the woman's) and
    ``record_date`` (the check date, or the campaign's last day when not checked) filled in."""
    conn = conn_of(db)
    end = conn.execute("SELECT end_date FROM campaigns WHERE id = ?", [campaign_id]).fetchone()
    woman = conn.execute("SELECT community_id FROM women WHERE id = ?", [woman_id]).fetchone()
    return {
        "campaign_id": campaign_id,
        "woman_id": woman_id,
        "community_id": woman[0] if woman else None,
        "checked": int(checked),
        "check_date": check_date if checked else None,
        "unchecked_reason": None if checked else unchecked_reason,
        "record_date": check_date if checked else (end[0] if end else None),
        **results,
    }


# -- campaign progress --------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """应检, 实检 and the recorded reasons of the unchecked."""

    eligible: int
    checked: int
    reasons: Mapping[str, int] = field(default_factory=dict)  # UNCHECKED_REASON key → women

    @property
    def unchecked(self) -> int:
        return self.eligible - self.checked

    @property
    def no_reason(self) -> int:
        """Unchecked women for whom no reason is recorded."""
        return self.unchecked - sum(self.reasons.values())

    @property
    def rate(self) -> Decimal | None:
        """康检率 (%), 2 decimals, half up; None without eligible women."""
        return rate(self.checked, self.eligible)

    def __add__(self, other: Totals) -> Totals:
        reasons = {k: self.reasons.get(k, 0) + other.reasons.get(k, 0) for k in REASON_COLUMNS}
        return Totals(self.eligible + other.eligible, self.checked + other.checked, reasons)


ZERO = Totals(0, 0, dict.fromkeys(REASON_COLUMNS, 0))


@dataclass(frozen=True)
class ProgressRow:
    """One community's progress in a campaign: from the records, and keyed totals if any."""

    office: str
    office_name: str
    community_id: str
    community: str
    campaign_id: str
    records: Totals  # computed from the roster and the check records
    keyed: Totals | None  # typed-in totals (campaign_totals), when the office keys them

    @property
    def eligible(self) -> int:
        return self.records.eligible

    @property
    def checked(self) -> int:
        return self.records.checked

    @property
    def unchecked(self) -> int:
        return self.records.unchecked

    @property
    def rate(self) -> Decimal | None:
        return self.records.rate

    @property
    def reasons(self) -> Mapping[str, int]:
        return self.records.reasons

    @property
    def has_records(self) -> bool:
        return self.records.eligible > 0

    @property
    def difference(self) -> bool:
        """Records and keyed totals both exist and disagree on 应检 or 实检 ("合计 ≠ 明细")."""
        return (
            self.keyed is not None
            and self.has_records
            and (self.keyed.eligible, self.keyed.checked) != (self.eligible, self.checked)
        )

    @property
    def reported(self) -> Totals:
        """The records where the community has a roster, else its keyed totals (else zeros).
        Where both exist and disagree, :attr:`difference` says so; nothing is chosen silently."""
        if self.has_records or self.keyed is None:
            return self.records
        return self.keyed


@dataclass(frozen=True)
class ProgressSummary:
    records: Totals  # sum of the records
    keyed: Totals | None  # sum of the keyed totals, where keyed
    reported: Totals  # sum of ProgressRow.reported
    differences: tuple[ProgressRow, ...]  # communities where records and keyed totals disagree


def progress_summary(rows: Iterable[ProgressRow]) -> ProgressSummary:
    rows = list(rows)
    records = sum((r.records for r in rows), ZERO)
    keyed_rows = [r.keyed for r in rows if r.keyed is not None]
    keyed = sum(keyed_rows, ZERO) if keyed_rows else None
    reported = sum((r.reported for r in rows), ZERO)
    return ProgressSummary(records, keyed, reported, tuple(r for r in rows if r.difference))


def _eligible_source(campaign: Campaign, scope: Scope) -> tuple[str, list[Any]]:
    """FROM … WHERE … of the women eligible for ``campaign`` in ``scope`` (aliases: ``w`` roster,
    ``t`` person, ``c`` the woman's check record of this campaign, if any).

    The same rule as :func:`desktop.domain.kangjian.ineligibility`, on the campaign's first day.
    """
    day = campaign.start_date.isoformat()
    born_after, born_by = (d.isoformat() for d in birth_window(campaign.start_date))
    scope_sql, scope_params = scope.sql("w.office", "w.community_id")
    where = [
        "w.deleted = 0",
        "w.office = ?",
        scope_sql,
        "w.entered_on <= ?",
        "(w.exit_date IS NULL OR w.exit_date > ?)",
        # married on the day: 已婚 now, or left the roster (divorce, widowhood …) only after it
        "(w.marital = 'married' OR w.exit_date IS NOT NULL)",
        "(w.marriage_date IS NULL OR w.marriage_date <= ?)",
        "t.deleted = 0",
        "t.birth_date > ?",
        "t.birth_date <= ?",
    ]
    params: list[Any] = [campaign.id, campaign.office, *scope_params, day, day, day]
    params += [born_after, born_by]
    if campaign.communities is not None:
        where.append(f"w.community_id IN ({','.join('?' * len(campaign.communities))})")
        params.extend(campaign.communities)
    sql = (
        "FROM women AS w JOIN persons AS t ON t.id = w.person_id"
        # checks_woman answers the probe from the index alone; without statistics the planner
        # would take the unique checks_key and read every check row for checked / reason
        " LEFT JOIN checks AS c INDEXED BY checks_woman"
        " ON c.woman_id = w.id AND c.campaign_id = ? AND c.deleted = 0"
        f" WHERE {' AND '.join(where)}"
    )
    return sql, params


def _tree(db: Db) -> OrgTree:
    return OrgTree.load(db)  # type: ignore[arg-type]  # a raw connection has the same execute()


def _office_order(tree: OrgTree) -> dict[str, int]:
    return {o.code or "": i for i, o in enumerate(tree.offices())}


def _community_order(tree: OrgTree) -> dict[str, int]:
    """Community id → position in the tree (offices in their order, then communities in theirs)."""
    ids = [c.id for o in tree.offices() for c in tree.children.get(o.id, [])]
    return {cid: i for i, cid in enumerate(ids)}


def _communities(tree: OrgTree, campaign: Campaign, scope: Scope) -> list[str]:
    office = tree.office_by_code(campaign.office)
    return [
        c.id
        for c in (tree.children.get(office.id, []) if office else [])
        if c.level == "community"
        and (campaign.communities is None or c.id in campaign.communities)
        and scope.allows(campaign.office, c.id)
    ]


def campaign_progress(
    db: Db, campaign: CampaignRef, scope: Scope | None = None
) -> list[ProgressRow]:
    """Per community of the campaign(s) in ``scope``: 应检 from the roster on the campaign's first
    day, 实检 = eligible women with a record marked checked, the recorded reasons of the others,
    and the keyed totals beside them. One SQL aggregate per office's campaign."""
    scope = scope or Scope.everything()
    conn = conn_of(db)
    tree = _tree(db)
    order = _office_order(tree)
    rows: list[ProgressRow] = []
    campaigns = sorted(resolve_campaigns(db, campaign, scope), key=lambda c: order.get(c.office, 0))
    for camp in campaigns:
        source, params = _eligible_source(camp, scope)
        counts: dict[str, dict[tuple[Any, Any], int]] = {}
        for community, checked, reason, n in conn.execute(
            f"SELECT w.community_id, c.checked, c.unchecked_reason, count(*) {source}"
            " GROUP BY w.community_id, c.checked, c.unchecked_reason",
            params,
        ):
            counts.setdefault(community, {})[(checked, reason)] = n
        keyed = _keyed_totals(conn, camp, scope)
        office = tree.office_by_code(camp.office)
        for community in _communities(tree, camp, scope):
            rows.append(
                ProgressRow(
                    camp.office,
                    office.name if office else camp.office,
                    community,
                    tree.label(community),
                    camp.id,
                    _totals(counts.get(community, {})),
                    keyed.get(community),
                )
            )
    return rows


def _totals(counts: Mapping[tuple[Any, Any], int]) -> Totals:
    eligible = sum(counts.values())
    checked = sum(n for (flag, _), n in counts.items() if flag == 1)
    reasons = dict.fromkeys(REASON_COLUMNS, 0)
    for (flag, reason), n in counts.items():
        if flag == 0 and reason in reasons:
            reasons[reason] += n
    return Totals(eligible, checked, reasons)


def _keyed_totals(conn: sqlite3.Connection, campaign: Campaign, scope: Scope) -> dict[str, Totals]:
    scope_sql, scope_params = scope.sql("office", "community_id")
    columns = ", ".join(f"coalesce({c}, 0)" for c in REASON_COLUMNS.values())
    found: dict[str, Totals] = {}
    for community, eligible, checked, *reasons in conn.execute(
        f"SELECT community_id, eligible, checked, {columns} FROM campaign_totals"
        f" WHERE deleted = 0 AND campaign_id = ? AND {scope_sql}",
        [campaign.id, *scope_params],
    ):
        found[community] = Totals(
            eligible, checked, dict(zip(REASON_COLUMNS, reasons, strict=True))
        )
    return found


@dataclass(frozen=True)
class UncheckedWoman:
    """A woman eligible for the campaign without a record marked checked (应检未检)."""

    woman_id: str
    person_id: str
    name: str
    id_number: str | None
    phone: str | None
    community_id: str
    community: str
    floating: str
    floating_where: str | None
    campaign_id: str
    check_id: str | None  # her not-checked record, when one was entered
    reason: str | None  # UNCHECKED_REASON key, when recorded
    note: str | None


def unchecked_list(
    db: Db, campaign: CampaignRef, scope: Scope | None = None, community: str | None = None
) -> list[UncheckedWoman]:
    """应检未检名单: eligible women without a checked record, with their reason if recorded,
    ordered by community and pinyin."""
    scope = scope or Scope.everything()
    conn = conn_of(db)
    names = _unit_names(conn)
    order = _community_order(_tree(db))
    found: list[UncheckedWoman] = []
    for camp in resolve_campaigns(db, campaign, scope):
        source, params = _eligible_source(camp, scope)
        extra = ""
        if community is not None:
            extra = " AND w.community_id = ?"
            params = [*params, community]
        for r in conn.execute(
            "SELECT w.id, t.id, t.name, t.id_number, t.phone, w.community_id, w.floating,"
            f" w.floating_where, c.id, c.unchecked_reason, c.note {source}"
            f" AND (c.checked IS NULL OR c.checked = 0){extra}"  # no record, or not checked
            " ORDER BY w.community_id, t.pinyin, t.name",
            params,
        ):
            found.append(
                UncheckedWoman(
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    names.get(r[5], ""),
                    r[6],
                    r[7],
                    camp.id,
                    r[8],
                    r[9],
                    r[10],
                )
            )
    found.sort(key=lambda u: order.get(u.community_id, 0))  # stable: pinyin order kept
    return found


# -- procedures, screening, newly-weds, floating population --------------------------------------


def _period_where(column: str, period: Period, scope: Scope) -> tuple[str, list[Any]]:
    scope_sql, scope_params = scope.sql("office", "community_id")
    return (
        f"deleted = 0 AND {column} >= ? AND {column} <= ? AND {scope_sql}",
        [period.start.isoformat(), period.end.isoformat(), *scope_params],
    )


def four_procedures(db: Db, period: Period, scope: Scope | None = None) -> FourProcedures:
    """四术 in the period: procedure records by type, rolled up (上环 + 结扎 + 人流 + 引产)."""
    where, params = _period_where("procedure_date", period, scope or Scope.everything())
    counts = {
        kind: n
        for kind, n in conn_of(db).execute(
            f"SELECT procedure_type, count(*) FROM procedures WHERE {where}"
            " GROUP BY procedure_type",
            params,
        )
        if kind in PROCEDURE_TYPES
    }
    return roll_up(counts)


@dataclass(frozen=True)
class ScreeningCounts:
    screened: int  # women screened (普查已婚育龄妇女 … 人)
    disease_found: int  # of whom a gynaecological disease was found
    advised: int  # patients given medical advice (… 名妇科病患者获指导性医学建议)


def screening_counts(db: Db, period: Period, scope: Scope | None = None) -> ScreeningCounts:
    """Distinct women screened in the period (by ID number, which every screening carries), those
    with a disease found, and patients given medical advice."""
    where, params = _period_where("screen_date", period, scope or Scope.everything())
    who = "id_number"
    row = (
        conn_of(db)
        .execute(
            f"SELECT count(DISTINCT {who}),"
            f" count(DISTINCT CASE WHEN disease_found = 1 THEN {who} END),"
            f" count(DISTINCT CASE WHEN disease_found = 1 AND advice_given = 1 THEN {who} END)"
            f" FROM screenings WHERE {where}",
            params,
        )
        .fetchone()
    )
    return ScreeningCounts(*row)


def newlywed_count(db: Db, period: Period, scope: Scope | None = None) -> int:
    """新婚夫妇 (couples) registered as married in the period."""
    where, params = _period_where("marriage_date", period, scope or Scope.everything())
    return int(
        conn_of(db).execute(f"SELECT count(*) FROM newlyweds WHERE {where}", params).fetchone()[0]
    )


@dataclass(frozen=True)
class FloatingTotals:
    by_kind: Mapping[str, int]  # FLOATING_SERVICES key → quantity

    @property
    def contraceptives(self) -> int:
        """避孕药具, in boxes (盒)."""
        return self.by_kind.get("contraceptives", 0)

    @property
    def checks(self) -> int:
        """康检, in person-times (人次)."""
        return self.by_kind.get("checks", 0)


def floating_service_totals(db: Db, period: Period, scope: Scope | None = None) -> FloatingTotals:
    """Services to the floating population in the period, summed per kind."""
    where, params = _period_where("service_date", period, scope or Scope.everything())
    found = dict.fromkeys(FLOATING_SERVICES.keys(), 0)
    for kind, total in conn_of(db).execute(
        f"SELECT kind, sum(quantity) FROM floating_services WHERE {where} GROUP BY kind", params
    ):
        found[kind] = int(total)
    return FloatingTotals(found)
