"""The demo district: deterministic, complete, valid, cancellable."""

from __future__ import annotations

import hashlib
import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlite_utils

from desktop.demo import build_demo, load_params
from desktop.demo.context import DemoContext, distribute
from desktop.demo.district import build_org_units
from desktop.demo.indicators import solve_births, solve_share
from desktop.demo.people import build_persons
from desktop.domain.ids import parse_id
from desktop.domain.orgcodes import parse_stat_code
from desktop.domain.rates import PERMILLE, rate
from desktop.store import audit
from desktop.store.db import get_setting, open_database
from desktop.store.errors import Cancelled, StorageError
from desktop.store.orgs import OrgTree
from desktop.store.tables import REGISTRY
from desktop.store.users import authenticate

OFFICES = ["CG", "DC", "XC", "NG", "HK", "BJ"]
REGISTER = "persons WHERE id NOT IN (SELECT person_id FROM household_members)"
"""The married women's register: the persons step's; 帮扶发放 adds families of its own."""
TABLES = [
    "org_units",
    "users",
    "persons",
    "population_counts",
    "births",
    "deaths",
    "funds",
    "indicator_targets",
]


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> sqlite_utils.Database:
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.db")


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def checksum(db: sqlite_utils.Database, sql: str) -> str:
    digest = hashlib.sha256()
    for row in db.execute(sql):
        digest.update(repr(row).encode())
    return digest.hexdigest()


CHECKSUMS = {
    "persons": "SELECT p.name, p.pinyin, p.id_number, p.birth_date, p.phone, p.hukou, p.entered_on,"
    " p.created_on, o.name FROM persons p JOIN org_units o ON o.id = p.community_id"
    " ORDER BY p.id_number",
    "births": "SELECT b.birth_date, b.sex, b.policy, b.child_name, b.mother_name, o.name FROM births b"
    " JOIN org_units o ON o.id = b.community_id ORDER BY 1, 2, 3, 4, 5, 6",
    "population": "SELECT o.name, c.as_of, c.population, c.married_women, c.contraception_users"
    " FROM population_counts c JOIN org_units o ON o.id = c.community_id ORDER BY 1, 2",
    "funds": "SELECT office, period_start, budget_fen, in_place_fen FROM funds ORDER BY 1, 2",
}


def test_two_builds_are_the_same(demo: sqlite_utils.Database, tmp_path: Path) -> None:
    again = build_demo(tmp_path / "again.db")
    assert counts(again) == counts(demo)
    for name, sql in CHECKSUMS.items():
        assert checksum(again, sql) == checksum(demo, sql), name


def test_counts_follow_the_parameters(demo: sqlite_utils.Database) -> None:
    got = counts(demo)
    assert demo.execute(f"SELECT count(*) FROM {REGISTER}").fetchone()[0] == 11_600
    assert got["org_units"] == 1 + 6 + sum(len(o["communities"]) for o in load_params()["offices"])
    assert got["population_counts"] == 12 * (got["org_units"] - 7)  # 2023-12-31 + 11 quarter ends
    assert got["funds"] == 6 * 11
    assert got["indicator_targets"] == 7 * 3  # six headline indicators and 康检率, 2024–2026
    keys = {r[0] for r in demo.execute("SELECT DISTINCT indicator FROM indicator_targets")}
    assert "check_rate" in keys  # the key the report's table and the 康检率 chart both read
    assert 1_200 < got["births"] < 2_400 and 400 < got["deaths"] < 1_200
    assert get_setting(demo, "demo") is True
    assert get_setting(demo, "district_name") == "示范区"
    assert get_setting(demo, "demo_report_exact") is True


def test_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "taken.db"
    path.write_bytes(b"not yours")
    with pytest.raises(StorageError, match="文件已存在"):
        build_demo(path)
    assert path.read_bytes() == b"not yours"


def test_id_numbers_are_valid_unique_and_female(demo: sqlite_utils.Database) -> None:
    rows = demo.execute(f"SELECT id_number, id_tail, sex, birth_date FROM {REGISTER}").fetchall()
    reference = date(2026, 3, 1)
    for number, tail, sex, born in rows:
        info = parse_id(number)
        assert info.sex == "女" and sex == "F"
        assert info.birth_date.isoformat() == born and tail == number[-4:]
        assert 18 <= info.age_on(reference) <= 52
        assert info.region == "419901"
    numbers = [r[0] for r in rows]
    deaths = [r[0] for r in demo.execute("SELECT id_number FROM deaths")]
    assert len(set(numbers + deaths)) == len(numbers) + len(deaths)
    for number, sex in demo.execute("SELECT id_number, sex FROM deaths"):
        assert parse_id(number).sex == ("男" if sex == "M" else "女")


def test_persons_look_real(demo: sqlite_utils.Database) -> None:
    names = dict(demo.execute("SELECT name, pinyin FROM persons").fetchall())
    assert len(names) > 2_000  # names repeat, but not too much
    assert all(2 <= len(n) <= 4 for n in names)
    wang = [n for n in names if n.startswith("王")]
    assert wang and all(names[n].startswith("w") for n in wang)
    phones = [p for (p,) in demo.execute("SELECT phone FROM persons WHERE phone IS NOT NULL")]
    assert 0.85 < len(phones) / 11_600 < 0.97
    assert all(len(p) == 11 and p[0] == "1" and p[1] in "3456789" for p in phones)
    rural = dict(
        demo.execute("SELECT office, avg(hukou = 'rural') FROM persons GROUP BY office").fetchall()
    )
    assert rural["BJ"] > 0.8 and rural["CG"] < 0.25  # 乡 mostly rural, 街道 mostly urban


def test_org_tree_shape(demo: sqlite_utils.Database) -> None:
    tree = OrgTree.load(demo)
    district = tree.district()
    assert district is not None and district.name == "示范区"
    offices = tree.children[district.id]
    assert [o.code for o in offices] == OFFICES
    kinds = [parse_stat_code(str(o.stat_code)).township_kind for o in offices]
    assert kinds == ["街道", "街道", "街道", "街道", "镇", "乡"]
    for office in offices:
        assert office.stat_code and district.stat_code
        assert office.stat_code.startswith(district.stat_code[:6])
        communities = tree.children[office.id]
        assert 4 <= len(communities) <= 8
        for c in communities:
            assert c.stat_code and c.level == "community"
            assert c.stat_code[:9] == office.stat_code[:9]
            kind = parse_stat_code(c.stat_code).village_kind
            assert kind == ("村委会" if c.name.endswith("村") else "居委会")
    assert audit_count(demo, "org_create") == len(tree.units)


def audit_count(db: sqlite_utils.Database, action: str) -> int:
    return db.execute("SELECT count(*) FROM audit WHERE action = ?", [action]).fetchone()[0]


def test_users_log_in_with_their_scopes(demo: sqlite_utils.Database) -> None:
    tree = OrgTree.load(demo)
    admin = authenticate(demo, "admin", "demo")
    assert admin.role == "admin" and admin.can_reveal and admin.display_name == "区管理员"
    assert admin.scope.offices is None and admin.office is None
    for code in OFFICES:
        clerk = authenticate(demo, f"{code.lower()}_clerk", "demo")
        reviewer = authenticate(demo, f"{code.lower()}_reviewer", "demo")
        assert (clerk.role, reviewer.role) == ("clerk", "reviewer")
        assert clerk.scope.offices == reviewer.scope.offices == frozenset([code])
        assert clerk.office == code and not clerk.can_reveal
    community = authenticate(demo, "cg1_clerk", "demo")
    first = tree.communities("CG")[0]
    assert community.scope.communities == frozenset([first.id]) and community.office == "CG"
    assert demo.execute("SELECT count(*) FROM users").fetchone()[0] == 14


def test_audit_chain_verifies(demo: sqlite_utils.Database) -> None:
    assert audit.verify(demo) == []
    assert audit_count(demo, "insert") == sum(  # every synced table, whichever step wrote it
        demo.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in REGISTRY
    )


def test_progress_runs_to_the_total(tmp_path: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    build_demo(tmp_path / "p.db", scale=0.05, progress=lambda d, t, m: calls.append((d, t, m)))
    done = [d for d, _, _ in calls]
    assert (
        done == sorted(done) and calls[-1][0] == calls[-1][1] and len({t for _, t, _ in calls}) == 1
    )
    assert any("人员名册" in m for _, _, m in calls)


def test_cancel_stops_and_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "cancelled.db"
    seen: list[int] = []
    with pytest.raises(Cancelled):
        build_demo(path, progress=lambda d, t, m: seen.append(d), cancel=lambda: bool(seen))
    assert seen and not path.exists()
    assert not path.with_name(path.name + "-wal").exists()


def test_cancelled_register_leaves_no_persons(tmp_path: Path) -> None:
    db = open_database(tmp_path / "register.db")
    calls: list[str] = []
    ctx = DemoContext(
        db=db,
        rng=random.Random(1),
        scale=1.0,
        params=load_params(),
        progress=lambda d, t, m: calls.append(m),
        cancel=lambda: any("人员名册" in m for m in calls),
    )
    build_org_units(ctx)
    with pytest.raises(Cancelled):
        build_persons(ctx)
    assert any("人员名册：5000" in m for m in calls)  # a first batch was written, then undone
    assert db.execute("SELECT count(*) FROM persons").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM audit WHERE table_name = 'persons'").fetchone()[0] == 0
    assert audit.verify(db) == []


def test_tiny_scale_still_builds(tmp_path: Path) -> None:
    db = build_demo(tmp_path / "tiny.db", scale=0.05)
    assert db.execute(f"SELECT count(*) FROM {REGISTER}").fetchone()[0] == 580
    assert get_setting(db, "demo_report_exact") is False  # 145 births need scale ≥ 1


@pytest.mark.parametrize("scale", [1, 1.3, 2, 7.7, 100])
def test_solver_hits_the_report_figures(scale: float) -> None:
    expected = 2 * round(89_000 * scale)
    found = solve_births(expected, Decimal("1.63"), Decimal("0.87"), Decimal("97.93"))
    assert found is not None
    assert rate(2 * found.births, found.population_sum, PERMILLE) == Decimal("1.63")
    assert rate(2 * found.growth, found.population_sum, PERMILLE) == Decimal("0.87")
    assert rate(found.in_policy, found.births) == Decimal("97.93")
    assert found.deaths >= 0
    assert abs(found.population_sum - expected) <= 0.05 * expected
    share = solve_share(round(11_570 * scale), Decimal("98.00"))
    assert share is not None
    married, users = share
    assert rate(users, married) == Decimal("98.00")


def test_solver_at_scale_one_is_the_report() -> None:
    found = solve_births(178_000, Decimal("1.63"), Decimal("0.87"), Decimal("97.93"))
    assert found is not None
    assert (found.births, found.deaths, found.in_policy) == (145, 68, 142)


def test_distribute_is_exact_and_respects_caps() -> None:
    assert distribute(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(distribute(1_000_003, [0.3, 1.7, 2.2, 0.01])) == 1_000_003
    assert distribute(10, [5, 1, 1], caps=[4, 10, 10]) == [4, 3, 3]
    with pytest.raises(ValueError):
        distribute(10, [1, 1], caps=[3, 3])
