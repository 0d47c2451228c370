"""Who has reported and whether the figures can be trusted: the completeness grid (office ×
quarter) and the data-quality list of the summary tab.

**Completeness** (``completeness(db, last, quarters=8, scope=None) -> Grid``): per office and
quarter, the submission status of each programme (草稿 when none was made), the record counts per
programme of the records dated in the quarter, and the last change (the latest ``updated_at`` among
them). Per table, office and quarter one range of a covering index (migration 7's
``<table>_changed``), read in order: no table row and no sort, about 0.3 s for a million records.

**Quality** (``quality_issues(db, summary, history=8) -> list[Issue]``): every problem the summary
can see, each with a :class:`Link` to the records behind it (the tab, office, community, period):

- rules: a community whose keyed 康检 totals differ from its records (合计 ≠ 明细); unchecked
  women with no reason recorded (未检 ≠ Σ reasons); a student granted aid at two schools in one
  semester;
- identities that do not hold: 实检 ≤ 应检, 四术 = 上环 + 结扎 + 人流 + 引产, 慰问合计 = 现金 + 物品,
  per unit; the subsidy head-count identity (this year = last year − exits + additions) per
  programme and office, when the subsidy store is present;
- values outside the range (min–max) of the same office's own previous ``history`` quarters
  (only quarters where the figure exists count, and at least four of them are needed).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import sqlite_utils

from desktop.domain.choices import PROGRAMMES, SUBMISSION_STATUS
from desktop.domain.periods import Period, quarter_of, quarters_between
from desktop.reports.summary import (
    FIGURE_BY_KEY,
    FIGURES,
    PeriodFigures,
    Summary,
    Unit,
    format_value,
    period_figures,
    subsidy_module,
)
from desktop.store.orgs import OrgTree, Scope

Db = sqlite_utils.Database | sqlite3.Connection

# programme → (table, date column) of the records that count for completeness
RECORD_TABLES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "kangjian": (
        ("checks", "record_date"),
        ("procedures", "procedure_date"),
        ("screenings", "screen_date"),
        ("newlyweds", "marriage_date"),
        ("floating_services", "service_date"),
    ),
    "subsidy": (("payments", "pay_date"), ("qualifications", "status_on")),
    "exemption": (("exemptions", "granted_on"),),
    "population": (("births", "birth_date"), ("deaths", "death_date")),
}
STATUS_ORDER = ("returned", "draft", "submitted", "approved")  # worst first


def _conn(db: Db) -> sqlite3.Connection:
    return db.conn if isinstance(db, sqlite_utils.Database) else db


# -- completeness ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    office: str
    period: str  # quarter key
    statuses: Mapping[str, str]  # programme → SUBMISSION_STATUS key ('draft' when none)
    counts: Mapping[str, int]  # programme → records dated in the quarter
    last_change: str | None  # latest updated_at of those records

    @property
    def status(self) -> str:
        """The office's status for the quarter: the least advanced of its programmes with
        records (returned < draft < submitted < approved)."""
        relevant = [self.statuses[p] for p, n in self.counts.items() if n] or list(
            self.statuses.values()
        )
        return min(relevant, key=STATUS_ORDER.index) if relevant else "draft"

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    @property
    def status_label(self) -> str:
        if self.status == "draft" and not self.records:
            return "无记录"
        return "未报送" if self.status == "draft" else SUBMISSION_STATUS.label(self.status)

    @property
    def detail(self) -> str:
        parts = [
            f"{PROGRAMMES.label(p)}：{SUBMISSION_STATUS.label(self.statuses[p])}，{self.counts[p]} 条"
            for p in self.counts
        ]
        parts.append(f"最后修改：{(self.last_change or '—').replace('T', ' ')[:19]}")
        return "\n".join(parts)


@dataclass
class Grid:
    offices: list[tuple[str, str]]  # (code, name)
    periods: list[Period]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)

    def cell(self, office: str, period_key: str) -> Cell:
        return self.cells[(office, period_key)]

    def missing(self, period_key: str) -> list[str]:
        """Offices (codes) that have not submitted the quarter."""
        return [
            code
            for code, _ in self.offices
            if self.cell(code, period_key).status in ("draft", "returned")
        ]


def counts_sql(table: str, column: str, scope_sql: str = "1") -> str:
    """An office's records of ``table`` dated (``column``) from a day to before another, and their
    latest change: one range of the covering index ``<table>_changed`` (office, date, …;
    migration 7), read in order — no table row and no sort."""
    return (
        f"SELECT count(*), max(updated_at) FROM {table} WHERE deleted = 0 AND office = ?"
        f" AND {column} >= ? AND {column} < ? AND {scope_sql}"
    )


def completeness(db: Db, last: Period, quarters: int = 8, scope: Scope | None = None) -> Grid:
    """The grid of the ``quarters`` quarters ending with the one holding ``last.end``."""
    scope = scope or Scope.everything()
    tree = OrgTree.load(db)  # type: ignore[arg-type]
    offices = [(o.code or "", o.name) for o in tree.offices() if scope.allows(o.code)]
    end = quarter_of(last.end)
    first = end
    for _ in range(quarters - 1):
        first = first.previous()
    periods = quarters_between(first, end)
    keys = [p.key for p in periods]
    conn = _conn(db)
    scope_sql, scope_params = scope.sql("office", None)
    statuses: dict[tuple[str, str, str], str] = {}
    for office, programme, key, status in conn.execute(
        "SELECT office, programme, period_key, status FROM submissions WHERE deleted = 0"
        f" AND period_key IN ({','.join('?' * len(keys))}) AND {scope_sql}",
        [*keys, *scope_params],
    ):
        statuses[(office, programme, key)] = status
    counts: dict[tuple[str, str, str], int] = {}
    changed: dict[tuple[str, str], str] = {}
    community_sql, community_params = scope.sql("office", "community_id")
    # one small query per table, office and quarter: a GROUP BY over the eight quarters would
    # sort every record of them (a million exemptions at scale 10); dates may carry a time, so
    # each quarter runs up to the day after its last
    bounds = [(p.key, p.start.isoformat(), (p.end + timedelta(1)).isoformat()) for p in periods]
    for programme, tables in RECORD_TABLES.items():
        for table, column in tables:
            sql = counts_sql(table, column, community_sql)
            for office, _name in offices:
                for key, start, stop in bounds:
                    n, latest = conn.execute(
                        sql, [office, start, stop, *community_params]
                    ).fetchone()
                    if n:
                        counts[(office, programme, key)] = (
                            counts.get((office, programme, key), 0) + n
                        )
                    if latest and latest > changed.get((office, key), ""):
                        changed[(office, key)] = latest
    grid = Grid(offices, periods)
    for code, _ in offices:
        for key in keys:
            grid.cells[(code, key)] = Cell(
                code,
                key,
                {p: statuses.get((code, p, key), "draft") for p in RECORD_TABLES},
                {p: counts.get((code, p, key), 0) for p in RECORD_TABLES},
                changed.get((code, key)),
            )
    return grid


# -- quality ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """Where the records behind an issue are: a tab of the window, and what to show there."""

    tab: str  # 'kangjian' / 'subsidy' / 'exemption' / 'summary'
    office: str | None = None
    community_id: str | None = None
    period: str | None = None
    table: str | None = None
    record_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Issue:
    kind: str  # 'rule' / 'identity' / 'range'
    unit: str  # the unit's name (office, community, or the scope)
    figure: str  # the figure's label
    message: str
    link: Link

    @property
    def kind_label(self) -> str:
        return {"rule": "规则", "identity": "平衡关系", "range": "超出历史范围"}[self.kind]


GROUP_TABS = {"康检": "kangjian", "帮扶": "subsidy", "两免一补": "exemption"}


def _unit_link(unit: Unit, key: str, period: Period) -> Link:
    tab = GROUP_TABS.get(FIGURE_BY_KEY[key].group, "summary")
    if unit.level == "community":
        return Link(tab, None, unit.id, period.key)
    return Link(tab, unit.code, None, period.key)


def _rule_issues(s: Summary) -> list[Issue]:
    out: list[Issue] = []
    for row in s.current.progress:
        link = Link("kangjian", row.office, row.community_id, s.period.key, "campaign_totals")
        where = f"{row.office_name} {row.community}"
        if row.difference and row.keyed is not None:
            out.append(
                Issue(
                    "rule",
                    where,
                    "康检",
                    f"录入的合计（应检 {row.keyed.eligible}、实检 {row.keyed.checked}）与明细记录"
                    f"（应检 {row.eligible}、实检 {row.checked}）不一致",
                    link,
                )
            )
        if row.has_records and row.records.no_reason > 0:
            out.append(
                Issue(
                    "rule",
                    where,
                    "康检",
                    f"{row.records.no_reason} 名应检未检妇女没有登记未检原因"
                    "（未检人数应等于各原因人数之和）",
                    Link("kangjian", row.office, row.community_id, s.period.key, "checks"),
                )
            )
    return out


def _two_schools(db: Db, s: Summary) -> list[Issue]:
    """A student (by 学籍号) granted aid at two schools in one semester, among the grants dated
    in the period — possible when two offices' records are merged; DOMAIN.md asks to flag it."""
    scope_sql, params = s.unit.scope.sql("office", "community_id")
    source = (
        f"FROM exemptions WHERE deleted = 0 AND granted_on >= ? AND granted_on <= ? AND {scope_sql}"
    )
    bounds = [s.period.start.isoformat(), s.period.end.isoformat(), *params]
    conn = _conn(db)
    out: list[Issue] = []
    # the semesters of the period's grants, then their students in the order of the covering
    # index exemptions_two_schools (semester, student, school …; migration 7): no sort, and
    # min ≠ max finds more than one school; the few found are then read in full
    semesters = [r[0] for r in conn.execute(f"SELECT DISTINCT semester {source}", bounds)]
    if not semesters:
        return out
    marks = ",".join("?" * len(semesters))
    flagged = conn.execute(
        f"SELECT student_no, semester {source} AND semester IN ({marks})"
        " GROUP BY semester, student_no HAVING min(school_id) <> max(school_id)",
        [*bounds, *semesters],
    ).fetchall()
    for student_no, semester in sorted(flagged):
        schools, ids, office = conn.execute(
            f"SELECT count(DISTINCT school_id), group_concat(id), min(office) {source}"
            " AND student_no = ? AND semester = ?",
            [*bounds, student_no, semester],
        ).fetchone()
        out.append(
            Issue(
                "rule",
                s.unit.name,
                "两免一补",
                f"学籍号尾号 {str(student_no)[-4:]} 的学生在{semester}学期于 {schools} 所学校"
                "获得资助（同一学生一个学期只应在一所学校受助）",
                Link(
                    "exemption",
                    office,
                    None,
                    s.period.key,
                    "exemptions",
                    tuple(str(ids).split(",")),
                ),
            )
        )
    return out


IDENTITIES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    # (figure checked, how, parts, text)
    ("kangjian.checked", "<=", ("kangjian.eligible",), "实检人数不能多于应检人数"),
    (
        "procedures.total",
        "=",
        (
            "procedures.iud",
            "procedures.sterilization",
            "procedures.abortion",
            "procedures.induced_labour",
        ),
        "四术合计应等于上环、结扎、人流、引产之和",
    ),
    (
        "condolence.total_fen",
        "=",
        ("condolence.cash_fen", "condolence.goods_fen"),
        "慰问合计应等于慰问金与慰问品之和",
    ),
)


def _identity_issues(db: Db, s: Summary) -> list[Issue]:
    out: list[Issue] = []
    for unit in [s.unit, *s.units]:
        values = s.total if unit is s.unit else s.row(unit.id)
        for key, how, parts, text in IDENTITIES:
            value = values.get(key)
            if value is None or any(values.get(p) is None for p in parts):
                continue
            other = sum(int(values[p] or 0) for p in parts)
            holds = value <= other if how == "<=" else value == other
            if not holds:
                out.append(
                    Issue(
                        "identity",
                        unit.name,
                        FIGURE_BY_KEY[key].label,
                        f"{text}（{format_value(key, value)} 对 {format_value(key, other)}）",
                        _unit_link(unit, key, s.period),
                    )
                )
    module = subsidy_module()
    if module is None:
        return out
    for programme in module.list_programmes(db):
        if getattr(programme, "kind", "person") != "person":
            continue
        for unit in s.units if s.units and s.units[0].level == "office" else [s.unit]:
            for row in module.headcount_identity(db, programme.id, s.period.end.year, unit.scope):
                if not row.holds:
                    out.append(
                        Issue(
                            "identity",
                            unit.name,
                            programme.name,
                            f"{s.period.end.year}年{row.label}人数 {row.this_year} ≠ 上年 "
                            f"{row.last_year} − 退出 {row.exits} + 新增 {row.additions}",
                            Link("subsidy", unit.code, None, s.period.key, "qualifications"),
                        )
                    )
    return out


def history_figures(db: Db, s: Summary, history: int = 8) -> list[PeriodFigures]:
    """The figures of the ``history`` quarters before the summary's quarter (oldest first)."""
    if s.period.kind != "quarter":
        return []
    quarters: list[Period] = []
    q = s.period
    for _ in range(history):
        q = q.previous()
        quarters.append(q)
    # the summary's previous quarter and same quarter last year are two of them, already
    # computed for the same units
    known = {f.period: f for f in (s.previous, s.last_year) if f is not None}
    return [
        known.get(q) or period_figures(db, q, s.units, s.unit, with_total=False)
        for q in reversed(quarters)
    ]


MIN_HISTORY = 4


def _range_issues(s: Summary, past: Iterable[PeriodFigures]) -> list[Issue]:
    past = list(past)
    out: list[Issue] = []
    if not past:
        return out
    for unit in s.units:
        now = s.row(unit.id)
        for f in FIGURES:
            value = now.get(f.key)
            earlier = [p.rows[unit.id][f.key] for p in past if p.rows[unit.id][f.key] is not None]
            if value is None or len(earlier) < MIN_HISTORY:
                continue
            low, high = min(earlier), max(earlier)  # type: ignore[type-var]
            if low <= value <= high:  # type: ignore[operator]
                continue
            side = "高于" if value > high else "低于"  # type: ignore[operator]
            out.append(
                Issue(
                    "range",
                    unit.name,
                    f.label,
                    f"本期 {format_value(f.key, value)}{f.shown_unit}，{side}本单位前 {len(past)} "
                    f"个季度的范围（{format_value(f.key, low)}–{format_value(f.key, high)}）",
                    _unit_link(unit, f.key, s.period),
                )
            )
    return out


def quality_issues(db: Db, s: Summary, history: int = 8) -> list[Issue]:
    """Every issue of the summary ``s`` (see the module's docstring), rules first."""
    return [
        *_rule_issues(s),
        *_two_schools(db, s),
        *_identity_issues(db, s),
        *_range_issues(s, history_figures(db, s, history)),
    ]
