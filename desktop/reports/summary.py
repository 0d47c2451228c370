"""季度汇总: every figure of the district report for a period and a scope, per unit with a 合计 row,
the change against the previous period and the same period last year, and the headline indicators
against the city's targets.

    from desktop.reports.summary import build_summary
    s = build_summary(db, parse_period("2026Q1"))            # the district, per office
    s.total["kangjian.eligible"]                              # 11362
    s.change("exemption.students").previous                   # the same figure a quarter earlier

Every figure comes from the programmes' store queries (SQL aggregates, never a loop over rows):
康检 ``store.kangjian``, 帮扶 ``store.subsidy`` (when present), 两免一补 ``store.exemption``, the
indicators ``reports.indicators``. The rows are the units one level below the scope: the offices
of the district, the communities of an office, or the community itself; 合计 is computed over the
whole scope (not summed from the rows), so counts of distinct people stay distinct.

Stable keys (JSON / CSV exports, ``FIGURES``) — counts are integers, money is integer 分 (keys end in
``_fen``), rates are Decimals with 2 decimals:

=============================  ====================================================  ======
key                            meaning                                               unit
=============================  ====================================================  ======
kangjian.eligible              应参加康检已婚育龄妇女 (campaigns starting in the period)  人
kangjian.checked               实际康检                                                人
kangjian.rate                  康检率 = checked / eligible × 100                        %
procedures.total               落实四术 = iud + sterilization + abortion + induced       例
procedures.iud                 上环                                                    例
procedures.sterilization       结扎 (女 + 男)                                          例
procedures.abortion            人流                                                    例
procedures.induced_labour      引产                                                    例
screening.screened             普查已婚育龄妇女 (distinct women)                         人
screening.advised              获指导性医学建议的妇科病患者                              人
newlyweds.couples              新婚夫妇                                                对
floating.contraceptives        流动人口避孕药具                                        盒
floating.checks                流动人口康检                                            人次
condolence.households          慰问贫困计生户 (distinct households paid)                 户
condolence.cash_fen            慰问金                                                  分
condolence.goods_fen           慰问品 (goods value)                                     分
condolence.total_fen           慰问金和慰问品合计 = cash + goods                        分
reward.confirmed               确认奖励扶助对象 (confirmed within the period)            名
special.confirmed              确认特别扶助对象                                        名
exemption.students             两免一补受助学生 (distinct 学籍号)                        名
exemption.amount_fen           两免一补金额                                            分
=============================  ====================================================  ======

A figure is ``None`` when its programme has nothing to say for the period (no 康检 campaign starts
in it; the subsidy store is not installed), and is shown as "—".
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlite_utils

from desktop.domain.choices import PROCEDURE_TYPES
from desktop.domain.errors import ValidationError
from desktop.domain.kangjian import roll_up
from desktop.domain.periods import Period
from desktop.domain.rates import PERCENT, margin, rate
from desktop.domain.targets import CHECK_RATE
from desktop.reports.indicators import Indicator, compute_indicators
from desktop.store import exemption, kangjian
from desktop.store.orgs import OrgTree, OrgUnit, Scope

Db = sqlite_utils.Database | sqlite3.Connection
Value = int | Decimal | None


@dataclass(frozen=True)
class FigureDef:
    key: str
    label: str  # as in the official table's column head
    unit: str  # 人 / 例 / 对 / 盒 / 人次 / 户 / 名 / 元 (money is stored in 分) / %
    group: str  # the programme: 康检 / 帮扶 / 两免一补
    kind: str = "count"  # count / fen / rate

    @property
    def shown_unit(self) -> str:
        return "元" if self.kind == "fen" else self.unit


FIGURES: tuple[FigureDef, ...] = (
    FigureDef("kangjian.eligible", "应参加康检人数", "人", "康检"),
    FigureDef("kangjian.checked", "实际康检人数", "人", "康检"),
    FigureDef("kangjian.rate", "康检率", "%", "康检", "rate"),
    FigureDef("procedures.total", "落实四术", "例", "康检"),
    FigureDef("procedures.iud", "上环", "例", "康检"),
    FigureDef("procedures.sterilization", "结扎", "例", "康检"),
    FigureDef("procedures.abortion", "人流", "例", "康检"),
    FigureDef("procedures.induced_labour", "引产", "例", "康检"),
    FigureDef("screening.screened", "普查已婚育龄妇女", "人", "康检"),
    FigureDef("screening.advised", "获指导性医学建议", "人", "康检"),
    FigureDef("newlyweds.couples", "新婚夫妇", "对", "康检"),
    FigureDef("floating.contraceptives", "流动人口避孕药具", "盒", "康检"),
    FigureDef("floating.checks", "流动人口康检", "人次", "康检"),
    FigureDef("condolence.households", "慰问贫困计生户", "户", "帮扶"),
    FigureDef("condolence.cash_fen", "慰问金", "元", "帮扶", "fen"),
    FigureDef("condolence.goods_fen", "慰问品折款", "元", "帮扶", "fen"),
    FigureDef("condolence.total_fen", "慰问金和慰问品合计", "元", "帮扶", "fen"),
    FigureDef("reward.confirmed", "确认奖励扶助对象", "名", "帮扶"),
    FigureDef("special.confirmed", "确认特别扶助对象", "名", "帮扶"),
    FigureDef("exemption.students", "两免一补受助学生", "名", "两免一补"),
    FigureDef("exemption.amount_fen", "两免一补金额", "元", "两免一补", "fen"),
)
FIGURE_BY_KEY: Mapping[str, FigureDef] = {f.key: f for f in FIGURES}
PROCEDURE_KEYS = {
    "procedures.iud": "上环",
    "procedures.sterilization": "结扎",
    "procedures.abortion": "人流",
    "procedures.induced_labour": "引产",
}
KANGJIAN_KEYS = ("kangjian.eligible", "kangjian.checked", "kangjian.rate")
SUBSIDY_KEYS = (
    "condolence.households",
    "condolence.cash_fen",
    "condolence.goods_fen",
    "condolence.total_fen",
    "reward.confirmed",
    "special.confirmed",
)
TOTAL_LABEL = "合计"


def _conn(db: Db) -> sqlite3.Connection:
    return db.conn if isinstance(db, sqlite_utils.Database) else db


def _database(db: Db) -> sqlite_utils.Database:
    return db if isinstance(db, sqlite_utils.Database) else sqlite_utils.Database(db)


# -- scope ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One row of the summary: an office, a community, or the whole scope (合计)."""

    id: str
    level: str  # district / office / community
    name: str
    code: str | None  # the office code (None for the district and communities)
    scope: Scope

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "level": self.level, "code": self.code, "name": self.name}


def resolve_unit(tree: OrgTree, text: str | None) -> OrgUnit:
    """The org unit named by an office code ('CG'), an id, or a name; the district for None / ''.

    Raises ValidationError (field 办事处) naming the choices when nothing matches.
    """
    district = tree.district()
    if not text:
        if district is None:
            raise ValidationError.single("办事处", "数据库中还没有区级单位")
        return district
    wanted = text.strip()
    for unit in tree.units.values():
        if wanted in (unit.id, unit.name) or (unit.code and unit.code.upper() == wanted.upper()):
            return unit
    codes = "、".join(f"{o.code}（{o.name}）" for o in tree.offices())
    raise ValidationError.single("办事处", f"找不到「{text}」；可选的办事处代码：{codes}")


def scope_label(tree: OrgTree, unit: OrgUnit) -> str:
    """'全区' for the district; the office's name; 'office · community' for a community."""
    if unit.level == "district":
        return "全区"
    if unit.level == "community":
        parent = tree.units.get(unit.parent_id or "")
        return f"{parent.name} · {unit.name}" if parent else unit.name
    return unit.name


def row_units(tree: OrgTree, unit: OrgUnit) -> list[Unit]:
    """The rows of the summary of ``unit``: its children one level down (offices, communities),
    or the community itself."""
    children = (
        tree.offices()
        if unit.level == "district"
        else [c for c in tree.children.get(unit.id, []) if c.level == "community"]
        if unit.level == "office"
        else [unit]
    )
    return [Unit(c.id, c.level, c.name, c.code, tree.scope_of(c.id)) for c in children]


def _as_unit(tree: OrgTree, unit: OrgUnit) -> Unit:
    return Unit(unit.id, unit.level, scope_label(tree, unit), unit.code, tree.scope_of(unit.id))


# -- figures of one period ------------------------------------------------------------------------


def _campaign_ids(db: Db, period: Period, scope: Scope) -> list[str]:
    """The campaigns (each office's row) that start within ``period``: a campaign is counted in
    the period it starts in, so two consecutive quarters never count one campaign twice."""
    return [
        c.id
        for c in kangjian.list_campaigns(db, scope, period)
        if period.start <= c.start_date <= period.end
    ]


def campaign_names(db: Db, period: Period, scope: Scope | None = None) -> list[str]:
    """The names of the campaigns counted in ``period`` (oldest first), for titles and notes."""
    scope = scope or Scope.everything()
    found = [
        c
        for c in kangjian.list_campaigns(db, scope, period)
        if period.start <= c.start_date <= period.end
    ]
    return list(dict.fromkeys(c.name for c in sorted(found, key=lambda c: c.start_date)))


def _kangjian_by_unit(
    db: Db, period: Period, units: list[Unit], total: Unit
) -> tuple[dict[str, dict[str, Value]], list[kangjian.ProgressRow]]:
    """应检 / 实检 / 康检率 per unit and for the total, from one pass of campaign_progress over the
    whole scope (per community), added up per unit: where a community keys totals instead of
    keeping a roster, its keyed totals count (``ProgressRow.reported``)."""
    ids = _campaign_ids(db, period, total.scope)
    empty: dict[str, Value] = dict.fromkeys(KANGJIAN_KEYS)
    if not ids:
        return {u.id: dict(empty) for u in [*units, total]}, []
    rows = kangjian.campaign_progress(db, ids, total.scope)

    def figures(selected: Iterable[kangjian.ProgressRow]) -> dict[str, Value]:
        summed = kangjian.progress_summary(selected).reported
        return {
            "kangjian.eligible": summed.eligible,
            "kangjian.checked": summed.checked,
            "kangjian.rate": summed.rate,
        }

    found = {total.id: figures(rows)}
    for unit in units:
        if unit.level == "office":
            found[unit.id] = figures(r for r in rows if r.office == unit.code)
        else:
            found[unit.id] = figures(r for r in rows if r.community_id == unit.id)
    return found, rows


def subsidy_module() -> Any | None:
    """``desktop.store.subsidy`` when it is installed (it arrives with the 帮扶发放 issue)."""
    try:
        return importlib.import_module("desktop.store.subsidy")
    except ImportError:
        return None


def _subsidy_zero(module: Any | None) -> dict[str, Value]:
    if module is None:
        return dict.fromkeys(SUBSIDY_KEYS)
    return {key: 0 for key in SUBSIDY_KEYS}


def _condolence(totals: Any) -> dict[str, Value]:
    return {
        "condolence.households": int(totals.households),
        "condolence.cash_fen": int(totals.cash_fen),
        "condolence.goods_fen": int(totals.goods_fen),
        "condolence.total_fen": int(totals.total_fen),
    }


def _confirmed(module: Any, db: Db, period: Period, scope: Scope) -> dict[str, Value]:
    confirmed = module.confirmed_counts(db, period, scope)
    return {
        "reward.confirmed": int(confirmed.get("reward", 0)),
        "special.confirmed": int(confirmed.get("special", 0)),
    }


def _subsidy_figures(db: Db, period: Period, scope: Scope) -> dict[str, Value]:
    module = subsidy_module()
    found = _subsidy_zero(module)
    if module is None:
        return found
    for totals in module.period_totals(db, period, scope):
        if totals.code == "condolence":
            found.update(_condolence(totals))
    found.update(_confirmed(module, db, period, scope))
    return found


def unit_figures(db: Db, period: Period, scope: Scope) -> dict[str, Value]:
    """Every figure but 康检's 应检 / 实检 (see :func:`_kangjian_by_unit`) for one scope."""
    four = kangjian.four_procedures(db, period, scope)
    screening = kangjian.screening_counts(db, period, scope)
    floating = kangjian.floating_service_totals(db, period, scope)
    students = exemption.period_totals(db, period, scope)
    values: dict[str, Value] = {
        "procedures.total": four.total,
        **{key: four[group] for key, group in PROCEDURE_KEYS.items()},
        "screening.screened": screening.screened,
        "screening.advised": screening.advised,
        "newlyweds.couples": kangjian.newlywed_count(db, period, scope),
        "floating.contraceptives": floating.contraceptives,
        "floating.checks": floating.checks,
        "exemption.students": students.students,
        "exemption.amount_fen": students.amount_fen,
    }
    values.update(_subsidy_figures(db, period, scope))
    return values


_GROUPED: tuple[tuple[str, str, str], ...] = (
    # (what, table and date column, the aggregates): one query per table, grouped by unit
    ("procedures", "procedures.procedure_date", "procedure_type, count(*)"),
    (
        "screening",
        "screenings.screen_date",
        "count(DISTINCT id_number),"
        " count(DISTINCT CASE WHEN disease_found = 1 AND advice_given = 1 THEN id_number END)",
    ),
    ("newlyweds", "newlyweds.marriage_date", "count(*)"),
    ("floating", "floating_services.service_date", "kind, sum(quantity)"),
    ("exemption", "exemptions.granted_on", "count(DISTINCT student_no), sum(amount_fen)"),
)


def grouped_figures(
    db: Db, period: Period, units: list[Unit], scope: Scope
) -> dict[str, dict[str, Value]]:
    """:func:`unit_figures` of every unit at once — one grouped aggregate per table (GROUP BY
    office, or community for the communities of an office) instead of one query per unit; the
    same conditions as the store's queries (a test holds them equal). The subsidy figures come
    from ``store.subsidy.office_totals`` for offices, per unit otherwise."""
    by_office = units[0].level == "office"
    column = "office" if by_office else "community_id"
    key_of = {(u.code if by_office else u.id): u.id for u in units}
    scope_sql, scope_params = scope.sql("office", "community_id")
    conn = _conn(db)
    found: dict[str, dict[str, Any]] = {u.id: {} for u in units}
    types: dict[str, dict[str, int]] = {u.id: {} for u in units}
    for what, source, aggregates in _GROUPED:
        table, date_column = source.split(".")
        group = f"{column}, procedure_type" if what == "procedures" else column
        group = f"{column}, kind" if what == "floating" else group
        for key, *values in conn.execute(
            f"SELECT {column}, {aggregates} FROM {table} WHERE deleted = 0"
            f" AND {date_column} >= ? AND {date_column} <= ? AND {scope_sql} GROUP BY {group}",
            [period.start.isoformat(), period.end.isoformat(), *scope_params],
        ):
            unit_id = key_of.get(key)
            if unit_id is None:
                continue
            row = found[unit_id]
            if what == "procedures":
                types[unit_id][values[0]] = values[1]
            elif what == "screening":
                row["screening.screened"], row["screening.advised"] = values
            elif what == "newlyweds":
                row["newlyweds.couples"] = values[0]
            elif what == "floating":
                row[f"floating.{values[0]}"] = int(values[1] or 0)
            else:
                row["exemption.students"], row["exemption.amount_fen"] = values[0], values[1] or 0
    defaults = {
        "screening.screened": 0,
        "screening.advised": 0,
        "newlyweds.couples": 0,
        "floating.contraceptives": 0,
        "floating.checks": 0,
        "exemption.students": 0,
        "exemption.amount_fen": 0,
    }
    subsidy = _grouped_subsidy(db, period, units, scope) if by_office else None
    for unit in units:
        four = roll_up({k: n for k, n in types[unit.id].items() if k in PROCEDURE_TYPES})
        row = found[unit.id]
        row.update({k: v for k, v in defaults.items() if k not in row})
        row["procedures.total"] = four.total
        row.update({key: four[group] for key, group in PROCEDURE_KEYS.items()})
        row.update(
            subsidy[unit.id] if subsidy is not None else _subsidy_figures(db, period, unit.scope)
        )
    return found


def _grouped_subsidy(
    db: Db, period: Period, units: list[Unit], scope: Scope
) -> dict[str, dict[str, Value]]:
    module = subsidy_module()
    found = {u.id: _subsidy_zero(module) for u in units}
    if module is None:
        return found
    by_code = {u.code: u.id for u in units}
    for totals in module.office_totals(db, period, scope):
        unit_id = by_code.get(totals.office)
        if totals.code == "condolence" and unit_id is not None:
            found[unit_id].update(_condolence(totals))
    for unit in units:
        found[unit.id].update(_confirmed(module, db, period, unit.scope))
    return found


@dataclass
class PeriodFigures:
    """One period's figures: per unit (by unit id) and for the whole scope (empty when only the
    rows were asked for)."""

    period: Period
    rows: dict[str, dict[str, Value]]
    total: dict[str, Value]
    progress: list[kangjian.ProgressRow] = field(default_factory=list)


def period_figures(
    db: Db, period: Period, units: list[Unit], total: Unit, *, with_total: bool = True
) -> PeriodFigures:
    """The figures of ``period`` per unit (grouped aggregates) and, with ``with_total``, for the
    whole scope (the store's queries over the scope, so distinct counts stay distinct)."""
    by_unit, progress = _kangjian_by_unit(db, period, units, total)
    if len(units) == 1 and units[0].id == total.id:
        grouped = {total.id: unit_figures(db, period, total.scope)}
    else:
        grouped = grouped_figures(db, period, units, total.scope)
    rows = {u.id: _ordered({**grouped[u.id], **by_unit[u.id]}) for u in units}
    if not with_total:
        grand: dict[str, Value] = {}
    elif len(units) == 1 and units[0].id == total.id:
        grand = dict(rows[total.id])
    else:
        grand = _ordered({**unit_figures(db, period, total.scope), **by_unit[total.id]})
    return PeriodFigures(period, rows, grand, progress)


def _ordered(values: Mapping[str, Value]) -> dict[str, Value]:
    return {f.key: values.get(f.key) for f in FIGURES}


# -- changes and indicators -----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A figure against an earlier period: the earlier value, the difference, and the difference
    as a percentage of the earlier value (2 decimals; None when the earlier value is 0 or
    missing)."""

    current: Value
    earlier: Value

    @property
    def delta(self) -> Value:
        if self.current is None or self.earlier is None:
            return None
        return self.current - self.earlier

    @property
    def percent(self) -> Decimal | None:
        if self.current is None or not self.earlier:
            return None
        if isinstance(self.current, Decimal) or isinstance(self.earlier, Decimal):
            return None  # a rate's change is given in points (delta), not as a percentage
        return rate(int(self.current) - int(self.earlier), int(self.earlier), PERCENT)


@dataclass(frozen=True)
class IndicatorRow:
    """An indicator of the period with its inputs and target, and its values in the earlier
    periods."""

    indicator: Indicator
    previous: Decimal | None
    last_year: Decimal | None

    @property
    def key(self) -> str:
        return self.indicator.key

    def as_json(self) -> dict[str, Any]:
        ind = self.indicator
        return {
            "key": ind.key,
            "label": ind.label,
            "unit": ind.unit,
            "numerator": ind.numerator,
            "denominator": _json_number(ind.denominator),
            "factor": ind.factor,
            "value": _json_number(ind.value),
            "target": _json_number(ind.target),
            "comparator": ind.comparator,
            "met": ind.met,
            "margin": _json_number(ind.margin),
            "previous": _json_number(self.previous),
            "last_year": _json_number(self.last_year),
        }


def check_rate_indicator(db: Db, figures: Mapping[str, Value], year: int) -> Indicator:
    """康检率 as an indicator: checked / eligible × 100, with the city's target for the year when
    ``indicator_targets`` holds one (key ``check_rate``)."""
    eligible = figures.get("kangjian.eligible")
    checked = figures.get("kangjian.checked")
    value = rate(int(checked or 0), int(eligible or 0)) if eligible is not None else None
    row = (
        _conn(db)
        .execute(
            "SELECT target, comparator FROM indicator_targets WHERE indicator = ? AND year = ?",
            [CHECK_RATE, year],
        )
        .fetchone()
    )
    target, comparator = (Decimal(row[0]), row[1]) if row else (None, None)
    met = gap = None
    if value is not None and target is not None:
        met = value <= target if comparator == "<=" else value >= target
        gap = margin(value, target)
    return Indicator(
        CHECK_RATE,
        "康检率",
        int(checked or 0),
        int(eligible or 0),
        PERCENT,
        value,
        "%",
        target,
        comparator,
        met,
        gap,
    )


def _indicators(
    db: Db, period: Period, scope: Scope, figures: Mapping[str, Value]
) -> list[Indicator]:
    found = compute_indicators(_database(db), period, scope)
    return [*found, check_rate_indicator(db, figures, period.end.year)]


# -- the summary ------------------------------------------------------------------------------------


@dataclass
class Summary:
    period: Period
    unit: Unit  # the scope (its name is the 合计 row's scope: 全区, an office …)
    units: list[Unit]  # the rows
    current: PeriodFigures
    previous: PeriodFigures | None
    last_year: PeriodFigures | None
    indicators: list[IndicatorRow]
    campaigns: list[str]
    subsidy_available: bool
    generated_at: str

    @property
    def total(self) -> dict[str, Value]:
        return self.current.total

    @property
    def scope_name(self) -> str:
        return self.unit.name

    def row(self, unit_id: str) -> dict[str, Value]:
        return self.current.rows[unit_id]

    def change(self, key: str, unit_id: str | None = None) -> tuple[Change | None, Change | None]:
        """(against the previous period, against the same period last year) for ``key``, of the
        total or of one row."""

        def pick(figs: PeriodFigures | None) -> Change | None:
            if figs is None:
                return None
            earlier = figs.total if unit_id is None else figs.rows.get(unit_id, {})
            now = self.total if unit_id is None else self.row(unit_id)
            return Change(now.get(key), earlier.get(key))

        return pick(self.previous), pick(self.last_year)

    def indicator(self, key: str) -> Indicator:
        return next(r.indicator for r in self.indicators if r.key == key)

    def as_json(self) -> dict[str, Any]:
        """The summary as plain JSON values, with the stable keys of :data:`FIGURES`."""

        def period_json(p: Period | None) -> dict[str, Any] | None:
            if p is None:
                return None
            return {
                "key": p.key,
                "label": p.label,
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
            }

        def values(figs: Mapping[str, Value]) -> dict[str, Any]:
            return {k: _json_number(v) for k, v in figs.items()}

        return {
            "format": "minsheng-summary",
            "version": 1,
            "generated_at": self.generated_at,
            "period": period_json(self.period),
            "previous_period": period_json(self.previous.period if self.previous else None),
            "same_period_last_year": period_json(self.last_year.period if self.last_year else None),
            "scope": self.unit.as_json(),
            "campaigns": self.campaigns,
            "figures": [
                {
                    "key": f.key,
                    "label": f.label,
                    "unit": f.shown_unit if f.kind != "fen" else "分",
                    "programme": f.group,
                }
                for f in FIGURES
            ],
            "total": values(self.total),
            "previous_total": values(self.previous.total) if self.previous else None,
            "last_year_total": values(self.last_year.total) if self.last_year else None,
            "rows": [{"unit": u.as_json(), "values": values(self.row(u.id))} for u in self.units],
            "indicators": [r.as_json() for r in self.indicators],
        }


def _json_number(value: Any) -> Any:
    """Decimals as strings ('99.11'): exact, as the report prints them; ints stay ints."""
    if isinstance(value, Decimal):
        return str(value)
    return value


def _earlier(period: Period, how: Callable[[Period], Period]) -> Period | None:
    try:
        return how(period)
    except ValidationError:  # a custom range has no previous period
        return None


Progress = Callable[[int, int, str], None]


def build_summary(
    db: Db,
    period: Period,
    unit: str | OrgUnit | None = None,
    *,
    compare: bool = True,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Summary:
    """The summary of ``period`` for ``unit`` (an OrgUnit, an office code, a unit id or name;
    None: the district), with the previous period and the same period last year when
    ``compare`` (and when the period has them)."""
    tree = OrgTree.load(_database(db))
    org = unit if isinstance(unit, OrgUnit) else resolve_unit(tree, unit)
    total_unit = _as_unit(tree, org)
    units = row_units(tree, org)
    periods: list[Period | None] = [period]
    if compare:
        periods += [_earlier(period, Period.previous), _earlier(period, Period.same_last_year)]
    else:
        periods += [None, None]
    steps = 1 + sum(p is not None for p in periods[1:]) * 2
    done = 0

    def step(message: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, steps, message)

    figures: list[PeriodFigures | None] = []
    for p in periods:
        if p is None:
            figures.append(None)
            continue
        figures.append(period_figures(db, p, units, total_unit))
        step(f"汇总 {p.label}")
    current, previous, last_year = figures
    assert current is not None
    indicator_sets: list[list[Indicator] | None] = []
    for p, figs in zip(periods, figures, strict=True):
        if p is None or figs is None:
            indicator_sets.append(None)
            continue
        indicator_sets.append(_indicators(db, p, total_unit.scope, figs.total))
        if p is not period:
            step(f"指标 {p.label}")
    now_list, prev_list, last_list = indicator_sets
    assert now_list is not None

    def value_of(found: list[Indicator] | None, key: str) -> Decimal | None:
        if found is None:
            return None
        return next((i.value for i in found if i.key == key), None)

    rows = [
        IndicatorRow(ind, value_of(prev_list, ind.key), value_of(last_list, ind.key))
        for ind in now_list
    ]
    return Summary(
        period=period,
        unit=total_unit,
        units=units,
        current=current,
        previous=previous,
        last_year=last_year,
        indicators=rows,
        campaigns=campaign_names(db, period, total_unit.scope),
        subsidy_available=subsidy_module() is not None,
        generated_at=(now or datetime.now()).isoformat(timespec="seconds"),
    )


# -- showing figures ------------------------------------------------------------------------------


def format_value(key: str, value: Value, *, money: str = "yuan") -> str:
    """A figure as the tables show it: counts with no separators ('11362'), money in 元 with 2
    decimals ('131,234.00', or 万元 with ``money='wan'``), rates with 2 decimals; '—' for None."""
    from desktop.domain.money import format_wan, format_yuan
    from desktop.domain.rates import format_rate

    if value is None:
        return "—"
    kind = FIGURE_BY_KEY[key].kind if key in FIGURE_BY_KEY else "count"
    if kind == "fen":
        return format_wan(int(value), 2) if money == "wan" else format_yuan(int(value))
    if kind == "rate":
        return format_rate(value, "")
    return str(value)
