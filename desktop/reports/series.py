"""Trend series of the 趋势图表 tab and of the summary's charts: plain data, no Qt.

A chart is fetched once for a range of periods as **per-office components** — small tuples of
integers that add up across offices (应检 and 实检, people and 分, numerator and denominator) —
by one SQL aggregate per chart (per office for 康检, whose 应检 rule is
:func:`desktop.store.kangjian.campaign_progress`'s, held to it by the tests), or by the function
that owns the rule (:func:`desktop.reports.indicators.compute_indicators` for the headline
indicators). Any scope is then combined from them without another query: the district (one
series 全区), one office, or several offices side by side (one series each). Switching scope
costs no SQL.

=======================  =========  ====================================================================
chart                    axis       what is counted
=======================  =========  ====================================================================
``kangjian_rate``        quarter    康检率 (%) of the campaigns ending in the quarter: 实检 / 应检 of
                                    ``campaign_progress`` (records, or keyed totals where an office keeps
                                    no roster); target ``indicator_targets`` 'check_rate' of the year
                                    (the same row the report's indicator table reads), if set
``procedures``           quarter    四术 by group (上环 / 结扎 / 人流 / 引产), procedure records by date
``payments_amount``      quarter    payments by programme: cash + goods value in 万元, by pay date;
``payments_people``                 people paid (distinct persons); a returned payment ('returned')
                                    does not count
``exemption_amount``     semester   两免一补 by item per semester (the ``semester`` column): 万元 and
``exemption_students``              students (学籍号; counted once across items, a second pass)
``reward_people``        quarter    奖励扶助 / 特别扶助 head-count: qualifications of the quarter's year
``special_people``                  with status 新增 or 续发 whose entitlement started by the quarter's end
``indicator_<key>``      quarter    each headline indicator (出生率 …) against the city's target
=======================  =========  ====================================================================

Every series carries the same period one year earlier (``last_year``), for the faint overlay.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlite_utils

from desktop.domain import periods
from desktop.domain.choices import EXEMPTION_ITEMS, FOUR_PROCEDURE_GROUPS, FOUR_PROCEDURES
from desktop.domain.kangjian import birth_window
from desktop.domain.money import FEN_PER_WAN
from desktop.domain.periods import Period
from desktop.domain.rates import PERCENT, rate
from desktop.domain.targets import CHECK_RATE
from desktop.reports.indicators import DEFINITIONS
from desktop.store.kangjian import ZERO, Campaign, ProgressRow, Totals, list_campaigns
from desktop.store.orgs import OrgTree, Scope

Db = sqlite_utils.Database | sqlite3.Connection
Value = Decimal | None
Components = tuple[int, ...]
# (office code, period key, category) → components
Table = dict[tuple[str, str, str], Components]

DISTRICT = "*"  # the unit "the whole scope" (全区) in a list of units
ALL = "*"  # the category "every category, people counted once"

STYLES = ("line", "stacked", "grouped")


# -- what a chart is ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    key: str  # office code, category key, or DISTRICT
    label: str
    values: tuple[Value, ...]  # one per period of the chart; None: no data
    last_year: tuple[Value, ...]  # the same period one year earlier


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    y_title: str  # with its unit: "康检率（%）"
    x_title: str  # 季度 / 学期
    unit: str  # shown after a value: "%", " 万元", " 人"
    digits: int
    style: str  # line / stacked / grouped
    periods: tuple[str, ...]  # axis labels: 2026Q1 … or 2026春 …
    series: tuple[Series, ...]
    target: tuple[Value, ...] | None = None  # per period, when the chart has a target
    comparator: str | None = None  # '>=' a floor, '<=' a ceiling
    target_label: str = ""

    def index(self, period_key: str) -> int:
        return self.periods.index(period_key)

    def value(self, series_key: str, period_key: str) -> Value:
        series = next(s for s in self.series if s.key == series_key)
        return series.values[self.index(period_key)]

    def total(self, index: int) -> Value:
        """The stack's height at a period (stacked charts): the sum of the series' values."""
        found = [v for s in self.series if (v := s.values[index]) is not None]
        return sum(found, Decimal(0)) if found else None

    def text(self, value: Value) -> str:
        """A value as the read-out shows it: '99.11%', '419.93 万元', '132 例'; '—' for none."""
        if value is None:
            return "—"
        return f"{value:.{self.digits}f}{self.unit}"

    def readout(self, index: int, hidden: Iterable[str] = ()) -> str:
        """'2026Q1　全区 99.11%（去年同期 98.61%）　目标 ≥ 95.00%' for the period at ``index``."""
        if not 0 <= index < len(self.periods):
            return ""
        skip = set(hidden)
        parts = [self.periods[index]]
        for s in self.series:
            if s.key in skip:
                continue
            part = f"{s.label} {self.text(s.values[index])}"
            if s.last_year[index] is not None:
                part += f"（去年同期 {self.text(s.last_year[index])}）"
            parts.append(part)
        if self.style == "stacked" and len(self.series) > 1:
            parts.append(f"合计 {self.text(self.total(index))}")
        if self.target is not None and self.target[index] is not None:
            sign = "≥" if self.comparator == ">=" else "≤"
            parts.append(f"{self.target_label} {sign} {self.text(self.target[index])}")
        return "　".join(parts)


# -- how each chart is fetched and combined --------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    """What one fetch returns: components per office, period and category, and the targets."""

    table: Table
    categories: tuple[tuple[str, str], ...] = ()  # (key, label) in order; () = no categories
    targets: Mapping[str, tuple[Decimal, str]] = field(default_factory=dict)  # period → target


Fetch = Callable[[sqlite3.Connection, Sequence[Period], Scope], Fetched]


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    y_title: str
    unit: str
    digits: int
    value: Callable[[Components], Value]
    source: str  # the fetch's name in FETCHES (charts sharing a source share one query)
    axis: str = "quarter"  # quarter / semester
    style: str = "line"  # with several categories in one unit: stacked or grouped
    categories: tuple[
        str, ...
    ] = ()  # only these categories of the source; several units: the first
    tables: tuple[str, ...] = ()  # tables whose changes make the chart stale
    target_label: str = "目标"


def _wan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_WAN).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _count(c: Components) -> Value:
    return Decimal(c[0])


def _ratio(factor: int) -> Callable[[Components], Value]:
    def value(c: Components) -> Value:
        return rate(c[0], c[1], factor)

    return value


def _money(c: Components) -> Value:
    return _wan(c[1])


# -- fetches: one SQL aggregate each ---------------------------------------------------------------


def _quarter_sql(column: str) -> str:
    """The quarter key (2026Q1) of an ISO date column."""
    return f"substr({column}, 1, 4) || 'Q' || ((CAST(substr({column}, 6, 2) AS INTEGER) + 2) / 3)"


def _span(ps: Sequence[Period]) -> tuple[str, str]:
    """First day and the day after the last day of the periods (dates may carry a time)."""
    return ps[0].start.isoformat(), (ps[-1].end + timedelta(days=1)).isoformat()


def _add(table: Table, key: tuple[str, str, str], values: Sequence[int]) -> None:
    old = table.get(key)
    table[key] = (
        tuple(values) if old is None else tuple(a + b for a, b in zip(old, values, strict=True))
    )


# Who is 应检 for a campaign ``k`` (its columns: id, community — NULL for every community of the
# office —, day = the campaign's first day, born_after, born_by = birth_window(day)): the rule of
# ``_eligible_source`` in desktop.store.kangjian, which binds one campaign's values as parameters
# and so cannot be shared with a query over several campaigns at once. The store has no fragment
# to reuse; tests/report/test_series.py holds this one to ``campaign_progress``.
_ELIGIBLE_ON_K = (
    "w.deleted = 0 AND w.office = ? AND w.entered_on <= k.day"
    " AND (w.exit_date IS NULL OR w.exit_date > k.day)"
    # married on the day: 已婚 now, or left the roster (divorce, widowhood …) only after it
    " AND (w.marital = 'married' OR w.exit_date IS NOT NULL)"
    " AND (w.marriage_date IS NULL OR w.marriage_date <= k.day)"
    " AND (k.community IS NULL OR k.community = w.community_id)"
    " AND t.deleted = 0 AND t.birth_date > k.born_after AND t.birth_date <= k.born_by"
)


def _records_of_office(
    conn: sqlite3.Connection, office: str, campaigns: Sequence[Campaign], scope: Scope
) -> dict[tuple[str, str], Totals]:
    """(campaign id, community) → 应检 and 实检 from the records, for an office's campaigns.

    One query per office, the roster outside: each woman and her birth date are read once
    (covering ``women_eligibility`` and ``persons_id_birth``), then set against the office's few
    campaigns, then her record of each probed in ``checks_woman``. A query per campaign reads
    every woman once per campaign; one query over all offices' campaigns scans them all per woman.
    """
    rows, params = [], []
    for c in campaigns:
        born_after, born_by = (d.isoformat() for d in birth_window(c.start_date))
        for community in c.communities if c.communities is not None else [None]:
            rows.append("(?, ?, ?, ?, ?)")
            params += [c.id, community, c.start_date.isoformat(), born_after, born_by]
    where, scope_params = scope.sql("w.office", "w.community_id")
    sql = (
        f"WITH k(id, community, day, born_after, born_by) AS (VALUES {', '.join(rows)})"
        " SELECT k.id, w.community_id, count(*), coalesce(sum(c.checked = 1), 0)"
        " FROM women AS w INDEXED BY women_eligibility"
        " CROSS JOIN persons AS t INDEXED BY persons_id_birth ON t.id = w.person_id"
        " CROSS JOIN k"
        " LEFT JOIN checks AS c INDEXED BY checks_woman"
        " ON c.woman_id = w.id AND c.campaign_id = k.id AND c.deleted = 0"
        f" WHERE {_ELIGIBLE_ON_K} AND {where} GROUP BY 1, 2"
    )
    return {
        (campaign, community): Totals(eligible, checked)
        for campaign, community, eligible, checked in conn.execute(
            sql, [*params, office, *scope_params]
        )
    }


def fetch_kangjian(conn: sqlite3.Connection, ps: Sequence[Period], scope: Scope) -> Fetched:
    """(实检, 应检) per office of the campaigns ending in each quarter: per community what
    :func:`desktop.store.kangjian.campaign_progress` reports (``ProgressRow.reported``: the
    records, or keyed totals where a community has no roster), by one query per office and one
    for the keyed totals."""
    first, last = ps[0], ps[-1]
    table: Table = {}
    tree = OrgTree.load(conn)  # type: ignore[arg-type]  # a raw connection has execute() too
    campaigns = [
        c
        for c in list_campaigns(conn, scope, periods.custom(first.start, last.end))
        if first.start <= c.end_date <= last.end
    ]
    by_office: dict[str, list[Campaign]] = {}
    for c in campaigns:
        by_office.setdefault(c.office, []).append(c)
    records: dict[tuple[str, str], Totals] = {}
    for office, theirs in by_office.items():
        records.update(_records_of_office(conn, office, theirs, scope))
    keyed: dict[tuple[str, str], Totals] = {}
    if campaigns:
        where, params = scope.sql("office", "community_id")
        marks = ",".join("?" * len(campaigns))
        for campaign, community, eligible, checked in conn.execute(
            "SELECT campaign_id, community_id, eligible, checked FROM campaign_totals"
            f" WHERE deleted = 0 AND campaign_id IN ({marks}) AND {where}",
            [*(c.id for c in campaigns), *params],
        ):
            keyed[(campaign, community)] = Totals(eligible, checked)
    for c in campaigns:
        quarter = periods.quarter_of(c.end_date).key
        office = tree.office_by_code(c.office)
        for unit in tree.children.get(office.id, []) if office else []:
            if unit.level != "community" or not scope.allows(c.office, unit.id):
                continue
            if c.communities is not None and unit.id not in c.communities:
                continue
            row = ProgressRow(
                c.office,
                office.name if office else c.office,
                unit.id,
                unit.name,
                c.id,
                records.get((c.id, unit.id), ZERO),
                keyed.get((c.id, unit.id)),
            )
            reported = row.reported
            _add(table, (c.office, quarter, ""), (reported.checked, reported.eligible))
    found = {
        int(year): (Decimal(target), comparator)
        for year, target, comparator in conn.execute(
            "SELECT year, target, comparator FROM indicator_targets WHERE indicator = ?",
            [CHECK_RATE],
        )
    }
    targets = {p.key: found[p.end.year] for p in ps if p.end.year in found}
    return Fetched(table, targets=targets)


def fetch_procedures(conn: sqlite3.Connection, ps: Sequence[Period], scope: Scope) -> Fetched:
    """Procedure records per office, quarter and 四术 group (取环 and 皮埋 are not 四术)."""
    start, after = _span(ps)
    where, params = scope.sql("office", "community_id")
    table: Table = {}
    for office, quarter, kind, n in conn.execute(
        f"SELECT office, {_quarter_sql('procedure_date')}, procedure_type, count(*)"
        " FROM procedures WHERE deleted = 0 AND procedure_date >= ? AND procedure_date < ?"
        f" AND {where} GROUP BY 1, 2, 3",
        [start, after, *params],
    ):
        group = FOUR_PROCEDURES.get(kind)
        if group is not None:
            _add(table, (office, quarter, group), (n,))
    return Fetched(table, tuple((g, g) for g in FOUR_PROCEDURE_GROUPS))


PROGRAMME_ORDER = ("reward", "special", "condolence")


def fetch_payments(conn: sqlite3.Connection, ps: Sequence[Period], scope: Scope) -> Fetched:
    """(people, 分 of cash + goods) per office, quarter and programme, and across programmes
    (category ALL, each person once); returned payments left out."""
    start, after = _span(ps)
    where, params = scope.sql("p.office", "p.community_id")
    quarter = _quarter_sql("p.pay_date")
    base = (
        "FROM payments AS p JOIN subsidy_programmes AS g ON g.id = p.programme_id"
        " WHERE p.deleted = 0 AND p.status != 'returned' AND p.pay_date >= ? AND p.pay_date < ?"
        f" AND {where}"
    )
    measures = "count(DISTINCT p.person_id), sum(p.amount_fen + p.goods_fen)"
    table: Table = {}
    sql = (
        f"SELECT p.office, {quarter}, g.code, {measures} {base} GROUP BY 1, 2, 3"
        f" UNION ALL SELECT p.office, {quarter}, '{ALL}', {measures} {base} GROUP BY 1, 2"
    )
    for office, q, code, people, fen in conn.execute(sql, [start, after, *params] * 2):
        table[(office, q, code)] = (people, fen)
    names = dict(conn.execute("SELECT code, name FROM subsidy_programmes WHERE deleted = 0"))
    used = {code for (_o, _q, code) in table if code != ALL}
    order = [c for c in PROGRAMME_ORDER if c in used] + sorted(used - set(PROGRAMME_ORDER))
    return Fetched(table, tuple((c, names.get(c, c)) for c in order))


def fetch_exemptions(
    conn: sqlite3.Connection, ps: Sequence[Period], scope: Scope, *, distinct: bool = False
) -> Fetched:
    """(students, 分) per office, semester and item; with ``distinct``, also across items
    (category ALL, each student once), which costs a second, slower pass.

    The scans follow the covering indexes ``exemptions_semester`` (semester, school, item, 学籍号,
    amount) and, for the distinct pass, ``exemptions_semester_students`` (semester, school,
    学籍号) in their order, per school; a record's office and community are its school's. A student
    is exempted once per item and semester (a unique index), so the records of an item count its
    students; across items they are counted once per school — a student granted at two schools
    of one office in the same semester, which the store flags, would count twice.
    """
    keys = [p.key for p in ps]
    marks = ",".join("?" * len(keys))
    schools = {
        sid: office
        for sid, office, community in conn.execute(
            "SELECT id, office, community_id FROM schools WHERE deleted = 0"
        )
        if scope.allows(office, community)
    }
    where = f"WHERE deleted = 0 AND semester IN ({marks})"
    table: Table = {}
    fen: dict[tuple[str, str], int] = {}  # (semester, school) → 分 over every item
    for semester, school, item, n, amount in conn.execute(
        "SELECT semester, school_id, item, count(*), sum(amount_fen)"
        f" FROM exemptions INDEXED BY exemptions_semester {where} GROUP BY 1, 2, 3",
        keys,
    ):
        if school in schools:
            _add(table, (schools[school], semester, item), (n, amount))
            fen[(semester, school)] = fen.get((semester, school), 0) + amount
    if distinct:
        # the students of a school and semester in the order of exemptions_semester_students
        # (migration 7): no temporary b-tree; the amount is the items' sum
        for semester, school, n in conn.execute(
            f"SELECT semester, school_id, count(DISTINCT student_no) FROM exemptions {where}"
            " GROUP BY 1, 2",
            keys,
        ):
            if school in schools:
                _add(table, (schools[school], semester, ALL), (n, fen[(semester, school)]))
    return Fetched(table, tuple((c.key, c.label) for c in EXEMPTION_ITEMS))


def fetch_exemption_students(
    conn: sqlite3.Connection, ps: Sequence[Period], scope: Scope
) -> Fetched:
    return fetch_exemptions(conn, ps, scope, distinct=True)


def fetch_qualified(conn: sqlite3.Connection, ps: Sequence[Period], scope: Scope) -> Fetched:
    """Per office, quarter and programme (``reward`` / ``special``): people qualified — the
    quarter's year's qualifications with status 新增 or 续发 whose entitlement started on or
    before the quarter's last day; and (``reward_confirmed`` …) people whose qualification for the
    year was confirmed within the quarter, whatever became of it later — the report's "确认奖励扶助
    对象 304 名" (as ``desktop.store.subsidy.confirmed_counts`` counts them)."""
    years = sorted({p.end.year for p in ps})
    where, params = scope.sql("q.office", "q.community_id")
    marks = ",".join("?" * len(years))
    source = (
        "FROM qualifications AS q JOIN subsidy_programmes AS g ON g.id = q.programme_id"
        f" WHERE q.deleted = 0 AND q.year IN ({marks}) AND {where}"
    )
    # the quarter of the year in which the entitlement started (0: in an earlier year)
    started = (
        "CASE WHEN q.start_on < (q.year || '-01-01') THEN 0"
        " ELSE (CAST(substr(q.start_on, 6, 2) AS INTEGER) + 2) / 3 END"
    )
    counts: dict[tuple[str, int, str, int], int] = {}
    for office, year, code, begun, n in conn.execute(
        f"SELECT q.office, q.year, g.code, {started}, count(*) {source}"
        " AND q.status IN ('new', 'continued') GROUP BY 1, 2, 3, 4",
        [*years, *params],
    ):
        counts[(office, int(year), code, int(begun))] = n
    table: Table = {}
    for p in ps:
        number = (p.end.month - 1) // 3 + 1
        for (office, year, code, begun), n in counts.items():
            if year == p.end.year and begun <= number:
                _add(table, (office, p.key, code), (n,))
    wanted = {p.key for p in ps}
    for office, quarter, code, n in conn.execute(
        f"SELECT q.office, {_quarter_sql('q.confirmed_on')}, g.code, count(DISTINCT q.person_id)"
        f" {source} AND q.confirmed_on IS NOT NULL"
        " AND substr(q.confirmed_on, 1, 4) = CAST(q.year AS TEXT) GROUP BY 1, 2, 3",
        [*years, *params],
    ):
        if quarter in wanted:
            table[(office, quarter, f"{code}_confirmed")] = (n,)
    labels = (("在册对象（新增、续发）", ""), ("本季度确认", "_confirmed"))
    return Fetched(
        table,
        tuple((f"{c}{suffix}", label) for c in PROGRAMME_ORDER[:2] for label, suffix in labels),
    )


INDICATOR_KEYS = frozenset(d.key for d in DEFINITIONS)


def _by_period(
    conn: sqlite3.Connection, ps: Sequence[Period], select: str, source: str, params: list[str]
) -> dict[tuple[str, str], tuple[int, ...]]:
    """(office, period key) → the aggregates ``select`` of ``source`` (aliases: ``ps`` the
    periods with ``key``, ``first`` and ``after`` (the day after the last), ``x`` the table),
    one grouped query for every period at once."""
    values = ", ".join("(?, ?, ?, ?)" for _ in ps)
    bounds = [
        v
        for p in ps
        for v in (p.key, p.start.isoformat(), p.end.isoformat(), (p.end + timedelta(1)).isoformat())
    ]
    return {
        (office, key): tuple(int(v or 0) for v in rest)
        for key, office, *rest in conn.execute(
            f"WITH ps(key, first, last, after) AS (VALUES {values})"
            f" SELECT ps.key, x.office, {select} {source} GROUP BY 1, 2",
            [*bounds, *params],
        )
    }


def fetch_indicators(conn: sqlite3.Connection, ps: Sequence[Period], scope: Scope) -> Fetched:
    """Numerator and denominator of every headline indicator per office and quarter (category:
    the indicator key); per-population rates carry 2 × both, so that half people stay whole.

    The inputs of :func:`desktop.reports.indicators.compute_indicators` (its rule, which the
    tests hold this to), read by one grouped query per table for every office and period."""
    tree = OrgTree.load(conn)  # type: ignore[arg-type]  # a raw connection has execute() too
    table: Table = {}
    targets: dict[str, tuple[Decimal, str]] = {}
    offices = [o.code for o in tree.offices() if o.code and scope.allows(o.code)]
    if not ps:
        return Fetched(table, tuple((d.key, d.label) for d in DEFINITIONS), targets)
    where, params = scope.sql("x.office", "x.community_id")
    dated = "JOIN {t} AS x ON x.{c} >= ps.first AND x.{c} < ps.after WHERE x.deleted = 0"
    births = _by_period(
        conn,
        ps,
        "count(*), sum(x.policy = 'in_policy'), sum(x.sex = 'M'), sum(x.sex = 'F')",
        f"FROM ps {dated.format(t='births', c='birth_date')} AND {where}",
        params,
    )
    deaths = _by_period(
        conn,
        ps,
        "count(*)",
        f"FROM ps {dated.format(t='deaths', c='death_date')} AND {where}",
        params,
    )
    funds_where, funds_params = scope.sql("x.office", None)  # funds belong to an office
    funds = _by_period(
        conn,
        ps,
        "sum(x.budget_fen), sum(x.in_place_fen)",
        "FROM ps JOIN funds AS x ON x.period_start >= ps.first AND x.period_end <= ps.last"
        f" WHERE x.deleted = 0 AND {funds_where}",
        funds_params,
    )
    # population, married women and contraception users on a day: per community its latest
    # count on or before the day (the day before a period starts, and its last day); a few
    # rows per community, so read once and picked here rather than by a subquery per day
    days = sorted({d.isoformat() for p in ps for d in (p.start - timedelta(1), p.end)})
    counts: dict[str, list[tuple[str, str, tuple[int, int, int]]]] = {}  # community → by as_of
    for community, as_of, office, *people in conn.execute(
        "SELECT x.community_id, x.as_of, x.office, x.population, x.married_women,"
        " x.contraception_users FROM population_counts AS x"
        f" WHERE x.deleted = 0 AND {where} ORDER BY 1, 2",
        params,
    ):
        counts.setdefault(community, []).append((as_of, office, tuple(people)))
    population: dict[tuple[str, str], tuple[int, int, int]] = {}
    for rows in counts.values():
        dates = [as_of for as_of, _office, _people in rows]
        for day in days:
            at = bisect_right(dates, day)  # the latest count on or before the day
            if at:
                _as_of, office, people = rows[at - 1]
                old = population.get((office, day), (0, 0, 0))
                population[(office, day)] = (
                    old[0] + people[0],
                    old[1] + people[1],
                    old[2] + people[2],
                )
    found: dict[int, dict[str, tuple[Decimal, str | None]]] = {}
    for year, key, target, comparator in conn.execute(
        "SELECT year, indicator, target, comparator FROM indicator_targets"
    ):
        found.setdefault(int(year), {})[key] = (Decimal(target), comparator)
    for p in ps:
        before, last = (p.start - timedelta(1)).isoformat(), p.end.isoformat()
        for office in offices:
            born, in_policy, males, females = births.get((office, p.key), (0, 0, 0, 0))
            died = deaths.get((office, p.key), (0,))[0]
            budget, in_place = funds.get((office, p.key), (0, 0))
            start = population.get((office, before), (0, 0, 0))[0]
            end, married, users = population.get((office, last), (0, 0, 0))
            twice = start + end if start and end else 2 * (start or end)  # 2 × the average
            parts = {
                "birth_rate": (2 * born, twice),
                "natural_growth": (2 * (born - died), twice),
                "policy_birth_rate": (in_policy, born),
                "contraception_rate": (users, married),
                "funds_rate": (in_place, budget),
                "sex_ratio": (males, females),
            }
            for d in DEFINITIONS:
                table[(office, p.key, d.key)] = parts[d.key]
        for key, (target, comparator) in found.get(p.end.year, {}).items():
            if comparator is not None and key in INDICATOR_KEYS and offices:
                targets[f"{key}/{p.key}"] = (target, comparator)
    return Fetched(table, tuple((d.key, d.label) for d in DEFINITIONS), targets)


FETCHES: dict[str, Fetch] = {
    "kangjian": fetch_kangjian,
    "procedures": fetch_procedures,
    "payments": fetch_payments,
    "exemptions": fetch_exemptions,
    "exemption_students": fetch_exemption_students,
    "qualified": fetch_qualified,
    "indicators": fetch_indicators,
}

_KANGJIAN_TABLES = ("campaigns", "checks", "campaign_totals", "women", "persons")
_INDICATOR_TABLES = ("births", "deaths", "population_counts", "funds", "indicator_targets")
_SUBSIDY_TABLES = ("payments", "payment_batches", "subsidy_programmes")

SPECS: tuple[ChartSpec, ...] = (
    ChartSpec(
        "kangjian_rate",
        "康检率",
        "康检率（%）",
        "%",
        2,
        _ratio(PERCENT),
        "kangjian",
        tables=(*_KANGJIAN_TABLES, "indicator_targets"),  # its target
        target_label="目标",
    ),
    ChartSpec(
        "procedures",
        "四术例数",
        "四术（例）",
        " 例",
        0,
        _count,
        "procedures",
        style="stacked",
        tables=("procedures",),
    ),
    ChartSpec(
        "payments_amount",
        "帮扶发放金额",
        "发放金额（万元）",
        " 万元",
        4,
        _money,
        "payments",
        style="stacked",
        tables=_SUBSIDY_TABLES,
    ),
    ChartSpec(
        "payments_people",
        "帮扶发放人数",
        "发放人数（人）",
        " 人",
        0,
        _count,
        "payments",
        style="grouped",
        tables=_SUBSIDY_TABLES,
    ),
    ChartSpec(
        "exemption_amount",
        "两免一补资助金额",
        "资助金额（万元）",
        " 万元",
        4,
        _money,
        "exemptions",
        axis="semester",
        style="stacked",
        tables=("exemptions",),
    ),
    ChartSpec(
        "exemption_students",
        "两免一补受助学生",
        "受助学生（人）",
        " 人",
        0,
        _count,
        "exemption_students",
        axis="semester",
        style="grouped",
        tables=("exemptions",),
    ),
    ChartSpec(
        "reward_people",
        "奖励扶助对象",
        "奖励扶助对象（人）",
        " 人",
        0,
        _count,
        "qualified",
        categories=("reward", "reward_confirmed"),
        tables=("qualifications",),
    ),
    ChartSpec(
        "special_people",
        "特别扶助对象",
        "特别扶助对象（人）",
        " 人",
        0,
        _count,
        "qualified",
        categories=("special", "special_confirmed"),
        tables=("qualifications",),
    ),
    *(
        ChartSpec(
            f"indicator_{d.key}",
            d.label,
            f"{d.label}（{d.unit or '女=100'}）",
            d.unit,
            2,
            _ratio(d.factor),
            "indicators",
            categories=(d.key,),
            tables=_INDICATOR_TABLES,
            target_label="市定目标",
        )
        for d in DEFINITIONS
    ),
)
CHARTS: dict[str, ChartSpec] = {s.key: s for s in SPECS}
STANDARD = (
    "kangjian_rate",
    "procedures",
    "payments_amount",
    "exemption_amount",
    "reward_people",
    "special_people",
)
"""The charts the quarterly summary's PDF embeds (``desktop.ui.charts.render.chart_pngs``)."""


# -- periods of a chart --------------------------------------------------------------------------


def axis_periods(axis: str, first: Period, last: Period) -> list[Period]:
    """The chart's periods for a range of quarters: the quarters, or the semesters that start in
    the range."""
    if axis == "quarter":
        return periods.quarters_between(first, last)
    found = []
    for y in range(first.start.year - 1, last.end.year + 1):
        for term in periods.TERMS:
            s = periods.semester(y, term)
            if first.start <= s.start <= last.end:
                found.append(s)
    return found


# -- a fetched range and the charts made from it ---------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """One source fetched for a range (and the year before it): every chart of that source, in
    any scope, is made from it without another query."""

    source: str
    axis: str
    periods: tuple[Period, ...]  # shown
    earlier: tuple[Period, ...]  # the same period one year before, aligned with ``periods``
    fetched: Fetched
    offices: tuple[tuple[str, str], ...]  # (code, name) within the user's scope, in tree order
    district: str  # the district's name, the label of the unit DISTRICT

    def office_name(self, code: str) -> str:
        return next((name for c, name in self.offices if c == code), code)

    def sum(self, offices: Sequence[str], period: str, category: str) -> Components | None:
        found: Components | None = None
        for office in offices:
            c = self.fetched.table.get((office, period, category))
            if c is not None:
                found = c if found is None else tuple(a + b for a, b in zip(found, c, strict=True))
        return found

    def chart(self, key: str, units: Sequence[str] | None = None) -> Chart:
        """Chart ``key`` for the units: None or [DISTRICT] = the whole scope as one series;
        office codes = one series each (several offices side by side). With one unit a chart
        with categories shows a series per category (stacked or grouped); with several, one
        series per unit over every category (people counted once where the source can)."""
        spec = CHARTS[key]
        if spec.source != self.source:
            raise ValueError(f"chart {key} is made from {spec.source}, not {self.source}")
        units = list(units) if units else [DISTRICT]
        every = [code for code, _name in self.offices]
        groups = {u: every if u == DISTRICT else [u] for u in units}
        labels = {u: self.district if u == DISTRICT else self.office_name(u) for u in units}
        categories = [c for c, _l in self.fetched.categories]
        names = dict(self.fetched.categories)
        if spec.categories:
            categories = list(spec.categories)
        series: list[Series] = []

        def values(
            offices: Sequence[str], cats: Sequence[str], ps: Sequence[Period]
        ) -> tuple[Value, ...]:
            out: list[Value] = []
            for p in ps:
                parts = [c for cat in cats if (c := self.sum(offices, p.key, cat)) is not None]
                if not parts:
                    out.append(None)
                    continue
                total = tuple(sum(col) for col in zip(*parts, strict=True))
                out.append(spec.value(total))
            return tuple(out)

        def one(key_: str, label: str, offices: Sequence[str], cats: Sequence[str]) -> Series:
            return Series(
                key_,
                label,
                values(offices, cats, self.periods),
                values(offices, cats, self.earlier),
            )

        style = spec.style
        if len(units) == 1 and len(categories) > 1:
            for cat in categories:
                series.append(one(cat, names.get(cat, cat), groups[units[0]], [cat]))
        else:
            has_all = any(k[2] == ALL for k in self.fetched.table)
            if spec.categories:
                cats = [spec.categories[0]]
            else:
                cats = [ALL] if has_all else categories or [""]
            for u in units:
                series.append(one(u, labels[u], groups[u], cats))
            if style == "stacked":
                style = "grouped"  # units side by side, not on top of each other
        target = comparator = None
        if spec.source == "indicators":
            found = [self.fetched.targets.get(f"{categories[0]}/{p.key}") for p in self.periods]
        else:
            found = [self.fetched.targets.get(p.key) for p in self.periods]
        if any(found):
            target = tuple(t[0] if t else None for t in found)
            comparator = next(t[1] for t in found if t)
        title = spec.title
        if len(units) == 1:
            title = f"{labels[units[0]]} {spec.title}"
        return Chart(
            key,
            title,
            spec.y_title,
            "季度" if self.axis == "quarter" else "学期",
            spec.unit,
            spec.digits,
            style,
            tuple(p.key for p in self.periods),
            tuple(series),
            target,
            comparator,
            spec.target_label,
        )


def fetch(
    db: Db,
    source: str,
    first: Period,
    last: Period,
    scope: Scope | None = None,
    tree: OrgTree | None = None,
) -> Dataset:
    """Fetch ``source`` (a key of :data:`FETCHES`) for the quarters ``first`` … ``last`` and the
    year before them, within ``scope`` (the user's; None = everything)."""
    scope = scope or Scope.everything()
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    tree = tree or OrgTree.load(conn)  # type: ignore[arg-type]
    axis = next(s.axis for s in SPECS if s.source == source)
    shown = axis_periods(axis, first, last)
    earlier = [p.same_last_year() for p in shown]
    wanted = sorted(set(shown) | set(earlier))
    fetched = FETCHES[source](conn, wanted, scope) if wanted else Fetched({})
    offices = tuple((o.code, o.name) for o in tree.offices() if o.code and scope.allows(o.code))
    district = tree.district()
    return Dataset(
        source,
        axis,
        tuple(shown),
        tuple(earlier),
        fetched,
        offices,
        district.name if district else "全区",
    )


def chart(
    db: Db,
    key: str,
    first: Period,
    last: Period,
    units: Sequence[str] | None = None,
    scope: Scope | None = None,
) -> Chart:
    """One chart: fetch its source and combine it for ``units`` (see :meth:`Dataset.chart`)."""
    return fetch(db, CHARTS[key].source, first, last, scope).chart(key, units)


__all__ = [
    "ALL",
    "CHARTS",
    "Chart",
    "ChartSpec",
    "DISTRICT",
    "Dataset",
    "FETCHES",
    "Fetched",
    "SPECS",
    "STANDARD",
    "Series",
    "axis_periods",
    "chart",
    "fetch",
]
