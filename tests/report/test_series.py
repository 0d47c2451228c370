"""Trend series (desktop.reports.series) on records written here with plain SQL: a district of
two offices, A (communities A1, A2) and B (B1)."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from desktop.domain.periods import quarter, quarter_of
from desktop.domain.uuid7 import uuid7
from desktop.reports import series
from desktop.reports.indicators import compute_indicators
from desktop.store.db import open_database, transaction
from desktop.store.exemption import period_totals
from desktop.store.kangjian import campaign_keys, campaign_progress, four_procedures
from desktop.store.orgs import Scope

Q = quarter


class District:
    def __init__(self, path: Path):
        self.db: sqlite_utils.Database = open_database(path)
        self.units: dict[str, str] = {}
        self.programmes: dict[str, str] = {}
        district = self._unit(None, "district", "测试区", None)
        for code, names in (("A", ("A1", "A2")), ("B", ("B1",))):
            office = self._unit(district, "office", f"{code}街道", code)
            for name in names:
                self.units[name] = self._unit(office, "community", f"{name}社区", None)
        # the programmes, unless the schema seeds them
        self.programmes = dict(
            self.db.execute("SELECT code, id FROM subsidy_programmes").fetchall()
        )
        for code, name in (("reward", "奖励扶助"), ("special", "特别扶助"), ("condolence", "慰问")):
            if code in self.programmes:
                continue
            self.programmes[code] = self.add(
                "subsidy_programmes", "DISTRICT", code=code, name=name, level="national",
                kind="household" if code == "condolence" else "person",
            )  # fmt: skip
        self.n = 0

    def _unit(self, parent: str | None, level: str, name: str, code: str | None) -> str:
        unit = uuid7()
        self.db.execute(
            "INSERT INTO org_units(id, parent_id, level, name, code) VALUES (?,?,?,?,?)",
            [unit, parent, level, name, code],
        )
        return unit

    def add(self, table: str, office: str, **values: Any) -> str:
        record = {"id": uuid7(), "office": office, "updated_at": "2026-01-01T00:00:00",
                  "updated_by": "test", **values}  # fmt: skip
        with transaction(self.db) as conn:
            conn.execute(
                f"INSERT INTO {table} ({','.join(record)}) VALUES ({','.join('?' * len(record))})",
                list(record.values()),
            )
        return record["id"]

    def person(self, community: str, born: str = "1990-01-01") -> str:
        self.n += 1
        return self.add(
            "persons", community[0], community_id=self.units[community], name=f"人{self.n}",
            birth_date=born, sex="F", created_on="2024-01-01",
        )  # fmt: skip

    def procedure(self, community: str, kind: str, day: str, sex: str = "F") -> None:
        self.add("procedures", community[0], community_id=self.units[community], name="某",
                 sex=sex, procedure_type=kind, procedure_date=day)  # fmt: skip

    def payment(self, community: str, programme: str, day: str, fen: int, *, person: str = "",
                status: str = "paid", goods: int = 0) -> str:  # fmt: skip
        person = person or self.person(community)
        self.add(
            "payments", community[0], community_id=self.units[community], person_id=person,
            programme_id=self.programmes[programme], covered_start=day, covered_end=day,
            amount_fen=fen, goods_fen=goods, pay_date=day, status=status,
        )  # fmt: skip
        return person

    def qualify(self, community: str, programme: str, year: int, status: str, start: str,
                confirmed: str | None = None) -> None:  # fmt: skip
        self.add(
            "qualifications", community[0], community_id=self.units[community],
            person_id=self.person(community), programme_id=self.programmes[programme], year=year,
            status=status, status_on=start, start_on=start, confirmed_on=confirmed,
        )  # fmt: skip


@pytest.fixture
def district(tmp_path: Path) -> District:
    d = District(tmp_path / "series.db")
    yield d
    d.db.conn.close()


def values(chart: series.Chart, key: str) -> dict[str, Decimal | None]:
    s = next(s for s in chart.series if s.key == key)
    return dict(zip(chart.periods, s.values, strict=True))


def last_year(chart: series.Chart, key: str) -> dict[str, Decimal | None]:
    s = next(s for s in chart.series if s.key == key)
    return dict(zip(chart.periods, s.last_year, strict=True))


def test_four_procedures_by_group_side_by_side_and_last_year(district: District) -> None:
    for community, kind, day in [
        ("A1", "iud_insert", "2026-01-10"), ("A2", "iud_insert", "2026-03-31"),
        ("A1", "female_sterilization", "2026-02-01"), ("B1", "abortion", "2026-02-02"),
        ("B1", "induced_labour", "2026-03-02"), ("A1", "iud_remove", "2026-01-11"),  # not 四术
        ("A1", "iud_insert", "2025-02-01"), ("B1", "iud_insert", "2026-04-01"),
    ]:  # fmt: skip
        district.procedure(community, kind, day)
    district.procedure("B1", "male_sterilization", "2026-01-20", sex="M")
    data = series.fetch(district.db, "procedures", Q(2026, 1), Q(2026, 2))
    whole = data.chart("procedures")
    assert whole.style == "stacked" and whole.periods == ("2026Q1", "2026Q2")
    assert values(whole, "上环") == {"2026Q1": 2, "2026Q2": 1}
    assert values(whole, "结扎") == {"2026Q1": 2, "2026Q2": None}
    assert whole.total(0) == 5 + 1 == four_procedures(district.db, Q(2026, 1)).total
    assert last_year(whole, "上环") == {"2026Q1": 1, "2026Q2": None}
    offices = data.chart("procedures", ["A", "B"])
    assert offices.style == "grouped"  # offices side by side, not stacked
    assert [s.label for s in offices.series] == ["A街道", "B街道"]
    assert values(offices, "A") == {"2026Q1": 3, "2026Q2": None}
    assert values(offices, "B") == {"2026Q1": 3, "2026Q2": 1}
    one = data.chart("procedures", ["B"])
    assert values(one, "人流")["2026Q1"] == 1 and one.title == "B街道 四术例数"
    # the user's scope: office A only
    only_a = series.fetch(district.db, "procedures", Q(2026, 1), Q(2026, 1), Scope(frozenset("A")))
    assert only_a.chart("procedures").total(0) == 3
    assert only_a.offices == (("A", "A街道"),)


def test_payments_leave_out_returned_and_count_people_once(district: District) -> None:
    someone = district.payment("A1", "reward", "2026-01-15", 48000)
    district.payment("A1", "special", "2026-02-15", 81000, person=someone)
    district.payment("A2", "reward", "2026-03-15", 48000, status="returned")
    district.payment("A2", "reward", "2026-03-16", 48000, status="repaid")
    district.payment("B1", "condolence", "2026-03-01", 50000, goods=20000)
    district.payment("B1", "reward", "2025-01-20", 30000)
    data = series.fetch(district.db, "payments", Q(2026, 1), Q(2026, 1))
    amount = data.chart("payments_amount")
    assert [s.key for s in amount.series] == ["reward", "special", "condolence"]
    assert amount.series[0].label == "奖励扶助"
    assert values(amount, "reward") == {"2026Q1": Decimal("0.0960")}  # 480 + 480 元 (repaid)
    assert values(amount, "condolence") == {"2026Q1": Decimal("0.0700")}  # cash + goods
    assert last_year(amount, "reward") == {"2026Q1": Decimal("0.0300")}
    people = data.chart("payments_people")
    assert values(people, "reward") == {"2026Q1": 2}
    assert values(people, "special") == {"2026Q1": 1}
    by_office = data.chart("payments_people", ["A", "B"])
    assert values(by_office, "A") == {"2026Q1": 2}  # someone paid twice counts once
    assert values(by_office, "B") == {"2026Q1": 1}
    assert amount.readout(0).startswith("2026Q1　奖励扶助 0.0960 万元（去年同期 0.0300 万元）")


def test_head_counts_of_qualified_people_by_quarter(district: District) -> None:
    for community, status, start, confirmed in [
        ("A1", "continued", "2020-01-01", "2026-02-01"), ("A1", "new", "2026-01-01", "2026-02-01"),
        ("A2", "new", "2026-05-10", "2026-05-10"), ("B1", "continued", "2019-07-01", None),
        ("B1", "exited", "2019-07-01", "2026-03-01"), ("B1", "suspended", "2018-01-01", None),
    ]:  # fmt: skip
        district.qualify(community, "reward", 2026, status, start, confirmed)
    district.qualify("B1", "special", 2026, "new", "2026-02-01")
    district.qualify("A1", "reward", 2025, "continued", "2020-01-01")
    data = series.fetch(district.db, "qualified", Q(2026, 1), Q(2026, 4))
    reward = data.chart("reward_people")
    assert reward.style == "line"
    assert [s.key for s in reward.series] == ["reward", "reward_confirmed"]
    # confirmed within the quarter, exited later or not (the report's 确认 … 名)
    assert values(reward, "reward_confirmed") == {"2026Q1": 3, "2026Q2": 1, "2026Q3": None,
                                                  "2026Q4": None}  # fmt: skip
    assert values(reward, "reward") == {"2026Q1": 3, "2026Q2": 4, "2026Q3": 4,
                                         "2026Q4": 4}  # fmt: skip
    assert last_year(reward, "reward")["2026Q1"] == 1
    assert values(data.chart("special_people"), "special")["2026Q1"] == 1
    sides = data.chart("reward_people", ["A", "B"])
    assert values(sides, "A")["2026Q2"] == 3 and values(sides, "B")["2026Q2"] == 1


def _kangjian(district: District) -> None:
    db = district.db
    for office in ("A", "B"):
        for name, start, end in (("2026年春季康检", "2026-03-01", "2026-03-31"),
                                 ("2025年春季康检", "2025-03-01", "2025-03-31")):  # fmt: skip
            district.add("campaigns", office, name=name, start_date=start, end_date=end)
    campaigns = {
        (o, n): i for i, o, n in db.execute("SELECT id, office, name FROM campaigns").fetchall()
    }
    checked = {"A1": 3, "A2": 1, "B1": 0}
    for community, eligible in (("A1", 4), ("A2", 1), ("B1", 2)):
        for k in range(eligible):
            person = district.person(community, born="1990-05-05")
            woman = district.add(
                "women", community[0], community_id=district.units[community],
                person_id=person, marriage_date="2015-01-01",
                entered_on="2025-06-01" if community == "B1" else "2024-01-01",
            )  # fmt: skip
            done = k < checked[community]
            district.add(
                "checks", community[0], community_id=district.units[community],
                campaign_id=campaigns[(community[0], "2026年春季康检")], woman_id=woman,
                checked=int(done), check_date="2026-03-05" if done else None,
                record_date="2026-03-05" if done else "2026-03-31",
            )  # fmt: skip
    # office B kept no roster in 2025 (its women were entered later): it keyed totals
    district.add(
        "campaign_totals", "B", community_id=district.units["B1"], record_date="2025-03-31",
        campaign_id=campaigns[("B", "2025年春季康检")], eligible=10, checked=9, reason_other=1,
    )  # fmt: skip


def test_kangjian_rate_per_office_with_target(district: District) -> None:
    _kangjian(district)
    data = series.fetch(district.db, "kangjian", Q(2025, 4), Q(2026, 2))
    rate = data.chart("kangjian_rate")
    assert values(rate, series.DISTRICT) == {"2025Q4": None, "2026Q1": Decimal("57.14"),
                                             "2026Q2": None}  # 4 of 7  # fmt: skip
    # last year: office A had no checks (0 of 5), B keyed 9 of 10
    assert last_year(rate, series.DISTRICT)["2026Q1"] == Decimal("60.00")
    sides = data.chart("kangjian_rate", ["A", "B"])
    assert values(sides, "A")["2026Q1"] == Decimal("80.00")
    assert values(sides, "B")["2026Q1"] == Decimal("0.00")
    assert rate.target is None  # no target set: none drawn (the report's table shows none either)
    district.db.execute("INSERT INTO indicator_targets VALUES ('check_rate', 2026, '98.50', '>=')")
    again = series.fetch(district.db, "kangjian", Q(2025, 4), Q(2026, 1)).chart("kangjian_rate")
    assert again.target == (None, Decimal("98.50")) and again.comparator == ">="
    assert "目标 ≥ 98.50%" in again.readout(1) and "目标" not in again.readout(0)


def _progress_by_quarter(
    db: sqlite_utils.Database, scope: Scope
) -> dict[tuple[str, str], tuple[int, int]]:
    """(office, quarter) → (实检, 应检) summed from campaign_progress, the store's rule."""
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for key in campaign_keys(db, scope):
        q = quarter_of(date.fromisoformat(key.end_date)).key
        for row in campaign_progress(db, key, scope):
            old = found.get((row.office, q), (0, 0))
            found[(row.office, q)] = (old[0] + row.reported.checked, old[1] + row.reported.eligible)
    return found


def test_kangjian_source_counts_as_campaign_progress(district: District) -> None:
    """The grouped query of the chart gives what campaign_progress gives, campaign by campaign:
    women too young, too old, not yet entered, exited before, unmarried or married later are not
    应检; a campaign of one community counts only its women; scopes narrow both alike."""
    _kangjian(district)
    db = district.db
    district.add("campaigns", "A", name="2025年秋季康检", start_date="2025-09-01",
                 end_date="2025-10-10", communities=f'["{district.units["A2"]}"]')  # fmt: skip
    for community, born, extra in (
        ("A1", "2012-01-01", {}),  # 14 on either day
        ("A1", "1975-03-01", {}),  # 51
        ("A2", "1990-01-01", {"marital": "single", "marriage_date": None}),
        ("A2", "1990-01-01", {"marriage_date": "2025-09-02"}),  # married after the autumn day
        ("A2", "1990-01-01", {"exit_date": "2025-08-31", "exit_reason": "moved"}),
        ("A2", "1990-01-01", {"entered_on": "2025-09-02"}),
        ("A2", "1976-09-01", {}),  # 49 on 2025-09-01, 50 on 2026-03-01
    ):
        values = {"entered_on": "2024-01-01", "marriage_date": "2015-01-01", **extra}
        district.add("women", community[0], community_id=district.units[community],
                     person_id=district.person(community, born=born), **values)  # fmt: skip
    scopes = (
        Scope.everything(),
        Scope(frozenset({"A"})),
        Scope(frozenset({"A"}), frozenset({district.units["A2"]})),
    )
    for scope in scopes:
        data = series.fetch(db, "kangjian", Q(2025, 1), Q(2026, 2), scope)
        got = {(o, q): c for (o, q, _cat), c in data.fetched.table.items()}
        assert got == _progress_by_quarter(db, scope), scope
    everything = series.fetch(db, "kangjian", Q(2025, 1), Q(2026, 2)).fetched.table
    assert everything[("A", "2025Q4", "")] == (0, 2)  # autumn, A2 only: the spring one, the 49


def test_indicators_of_offices_add_up_to_the_district(district: District) -> None:
    for community, people in (("A1", 30000), ("A2", 20000), ("B1", 41000)):
        for day in ("2025-12-31", "2026-03-31"):
            district.add("population_counts", community[0], community_id=district.units[community],
                         as_of=day, population=people, married_women=100,
                         contraception_users=97)  # fmt: skip
    for community, n in (("A1", 40), ("B1", 31)):
        for k in range(n):
            district.add("births", community[0], community_id=district.units[community],
                         birth_date="2026-02-01", sex="MF"[k % 2],
                         policy="in_policy" if k % 10 else "out_policy")  # fmt: skip
    district.db.execute("INSERT INTO indicator_targets VALUES ('birth_rate', 2026, '12.29', '<=')")
    data = series.fetch(district.db, "indicators", Q(2026, 1), Q(2026, 1))
    expected = {i.key: i for i in compute_indicators(district.db, Q(2026, 1))}
    for key in ("birth_rate", "policy_birth_rate", "contraception_rate", "sex_ratio"):
        chart = data.chart(f"indicator_{key}")
        assert values(chart, series.DISTRICT)["2026Q1"] == expected[key].value, key
    birth = data.chart("indicator_birth_rate")
    assert values(birth, series.DISTRICT)["2026Q1"] == Decimal("0.78")  # 71 / 91000 × 1000
    assert birth.target == (Decimal("12.29"),) and birth.comparator == "<="
    assert values(data.chart("indicator_birth_rate", ["A"]), "A")["2026Q1"] == Decimal("0.80")


def _exemptions(district: District) -> None:
    db = district.db
    fees = db.execute(
        "SELECT id FROM aid_standards WHERE item = 'fees' AND stage = 'primary'"
    ).fetchone()[0]
    schools = {
        community: district.add("schools", community[0], community_id=district.units[community],
                                code=f"21{community}", name=f"{community}小学", stage="primary")
        for community in ("A1", "B1")
    }  # fmt: skip
    n = 0
    for community, semester, items in (
        ("A1", "2026春", ("fees", "textbooks")), ("A1", "2026春", ("fees",)),
        ("B1", "2026春", ("fees", "boarding")), ("B1", "2025春", ("fees",)),
    ):  # fmt: skip
        n += 1
        number = f"L{n:018d}"
        student = district.add(
            "students", community[0], community_id=district.units[community],
            school_id=schools[community], student_no=number, no_tail=number[-4:], name="学生",
            grade=3, boarding=0,
        )  # fmt: skip
        for item in items:
            district.add(
                "exemptions", community[0], community_id=district.units[community],
                school_id=schools[community], student_id=student, student_no=number, grade=3,
                boarding=0, school_year="2025-2026", semester=semester, item=item,
                standard_id=fees, amount_fen=15000, granted_on=f"{semester[:4]}-03-05",
                method="直接减免",
            )  # fmt: skip


def test_exemptions_per_semester_by_item(district: District) -> None:
    _exemptions(district)
    data = series.fetch(district.db, "exemptions", Q(2025, 4), Q(2026, 2))
    amount = data.chart("exemption_amount")
    assert amount.periods == ("2026春",) and amount.x_title == "学期"
    assert values(amount, "fees") == {"2026春": Decimal("0.0450")}  # 3 × 150 元
    assert amount.total(0) == Decimal("0.0750")
    students = series.fetch(district.db, "exemption_students", Q(2025, 4), Q(2026, 2)).chart(
        "exemption_students"
    )
    assert values(students, "fees") == {"2026春": 3}
    assert values(students, "textbooks") == {"2026春": 1}
    assert last_year(students, "fees") == {"2026春": 1}
    with pytest.raises(ValueError):
        data.chart("exemption_students")  # counting each student once needs its own source
    sides = series.chart(district.db, "exemption_students", Q(2026, 1), Q(2026, 2), ["A", "B"])
    assert values(sides, "A") == {"2026春": 2} and values(sides, "B") == {"2026春": 1}
    whole = sum(v for s in sides.series for v in s.values if v is not None)
    assert whole == period_totals(district.db, Q(2026, 1)).students
    # across items: each student once, and every item's amount (3 grants at A, 2 at B)
    table = series.fetch(district.db, "exemption_students", Q(2026, 1), Q(2026, 2)).fetched.table
    assert table[("A", "2026春", series.ALL)] == (2, 3 * 15000)
    assert table[("B", "2026春", series.ALL)] == (1, 2 * 15000)


def test_axis_periods_and_empty_sources(district: District) -> None:
    assert [p.key for p in series.axis_periods("semester", Q(2025, 1), Q(2026, 1))] == [
        "2025春", "2025秋", "2026春"] or [
        "2025春", "2025秋",
    ]  # fmt: skip
    assert [p.key for p in series.axis_periods("quarter", Q(2025, 4), Q(2026, 1))] == [
        "2025Q4", "2026Q1",
    ]  # fmt: skip
    for spec in series.SPECS:
        chart = series.chart(district.db, spec.key, Q(2026, 1), Q(2026, 2))
        assert all(v is None for s in chart.series for v in s.values), spec.key
        assert chart.readout(0).startswith("2026Q1") or chart.readout(0).startswith("2026春")


def test_a_raw_connection_works_like_the_database(district: District, tmp_path: Path) -> None:
    district.procedure("A1", "abortion", "2026-01-10")
    conn = sqlite3.connect(district.db.conn.execute("PRAGMA database_list").fetchone()[2])
    try:
        chart = series.chart(conn, "procedures", Q(2026, 1), Q(2026, 1))
    finally:
        conn.close()
    assert values(chart, "人流") == {"2026Q1": 1}


def test_indicators_per_office_and_quarter_are_compute_indicators(district: District) -> None:
    """The grouped fetch gives, for every office, quarter and indicator, the value of
    compute_indicators run for that office alone — also with a community scope, a community
    whose count is missing on a day, deaths and funds."""
    counts = (("A1", "2025-09-30", 30000), ("A1", "2025-12-31", 30400), ("A1", "2026-03-31", 30100),
              ("A2", "2025-12-31", 20000), ("B1", "2025-09-30", 41000), ("B1", "2026-02-15", 41200))  # fmt: skip
    for community, day, people in counts:
        district.add("population_counts", community[0], community_id=district.units[community],
                     as_of=day, population=people, married_women=people // 300,
                     contraception_users=people // 310)  # fmt: skip
    for community, day, n in (("A1", "2025-11-03", 7), ("A1", "2026-02-01", 40), ("B1", "2026-01-09", 31),
                              ("A2", "2026-03-31T10:00:00", 3)):  # fmt: skip
        for k in range(n):
            district.add("births", community[0], community_id=district.units[community],
                         birth_date=day, sex="MF"[k % 2],
                         policy="in_policy" if k % 10 else "out_policy")  # fmt: skip
    for community, day, n in (("A2", "2026-01-20", 5), ("B1", "2025-10-02", 2)):
        for _ in range(n):
            district.add("deaths", community[0], community_id=district.units[community],
                         death_date=day)  # fmt: skip
    for office, start, end, budget, in_place in (("A", "2026-01-01", "2026-03-31", 50000, 42000),
                                                 ("B", "2025-10-01", "2025-12-31", 30000, 30000)):  # fmt: skip
        district.add("funds", office, period_start=start, period_end=end, budget_fen=budget,
                     in_place_fen=in_place)  # fmt: skip
    district.db.execute("INSERT INTO indicator_targets VALUES ('sex_ratio', 2026, '107.00', '<=')")
    district.db.execute("INSERT INTO indicator_targets VALUES ('funds_rate', 2025, '95.00', '>=')")
    some = Scope(None, frozenset([district.units["A1"], district.units["B1"]]))
    for scope in (None, some):  # the last: communities A1 and B1 only
        data = series.fetch(district.db, "indicators", Q(2025, 4), Q(2026, 1), scope)
        for p in (Q(2025, 4), Q(2026, 1)):
            for office in ("A", "B"):
                limited = Scope(frozenset([office]), scope.communities if scope else None)
                for ind in compute_indicators(district.db, p, limited):
                    chart = data.chart(f"indicator_{ind.key}", [office])
                    assert values(chart, office)[p.key] == ind.value, (office, p.key, ind.key)
                    index = chart.index(p.key)
                    assert (chart.target or (None,) * 2)[index] == ind.target, ind.key
    assert data.fetched.table[("A", "2026Q1", "birth_rate")] == (2 * 40, 30400 + 30100)
