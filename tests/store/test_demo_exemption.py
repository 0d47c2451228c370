"""The demo district's 两免一补: the report's 2026Q1 figures (13383 名学生, 419.9 万元) computed
back from the records, and plausible semesters around them.

The fixture builds the org units and the 两免一补 step only (the full build takes three times as
long): the step has its own random source, so its records do not depend on the other steps (see
desktop/demo/exemption.py).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import sqlite_utils

from desktop.demo import build_demo, district, exemption, load_params
from desktop.domain.exemption import parse_student_no, semester_period
from desktop.domain.money import format_wan
from desktop.domain.periods import parse_period, quarter
from desktop.store.db import get_setting
from desktop.store.exemption import item_totals, period_totals, propose_batch, school_summary
from desktop.store.orgs import OrgTree, Scope
from desktop.store.users import SYSTEM

Q1 = quarter(2026, 1)
PARAMS = load_params()["exemption"]


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> sqlite_utils.Database:
    path: Path = tmp_path_factory.mktemp("exemption-demo") / "demo.db"
    return build_demo(path, steps=[district.ORG_UNITS, exemption.EXEMPTION])


def test_report_quarter_is_the_report(demo: sqlite_utils.Database) -> None:
    totals = period_totals(demo, Q1)
    assert totals.students == 13383 == PARAMS["report"]["students"]
    assert format_wan(totals.amount_fen, 1) == "419.9" == PARAMS["report"]["amount_wan"]
    assert totals.text == "13383 名学生，共计 419.9 万元"
    assert get_setting(demo, "demo_exemption_exact") is True
    # the quarter holds exactly the report semester's grants, every item and every school
    q1 = demo.execute(
        "SELECT semester, count(*) FROM exemptions WHERE granted_on BETWEEN ? AND ? GROUP BY 1",
        [Q1.start.isoformat(), Q1.end.isoformat()],
    ).fetchall()
    assert [k for k, _ in q1] == ["2026春"]
    items = {t.item: t for t in item_totals(demo, Q1)}
    assert items["fees"].students == items["textbooks"].students == 13383
    assert 0.05 < (items["boarding"].students + items["nonboarding"].students) / 13383 < 0.35
    assert items["boarding"].students > 0 and items["nonboarding"].students > 0
    schools = {r.school_id for r in school_summary(demo, semester="2026春")}
    assert len(schools) == len(PARAMS["schools"])


def test_offices_add_up_to_the_district(demo: sqlite_utils.Database) -> None:
    offices = [
        period_totals(demo, Q1, Scope(frozenset([o.code]))) for o in OrgTree.load(demo).offices()
    ]
    assert sum(o.students for o in offices) == 13383  # a student is at one school in a semester
    assert sum(o.amount_fen for o in offices) == period_totals(demo, Q1).amount_fen
    assert all(o.students > 0 for o in offices)


def test_semesters_are_plausible_history(demo: sqlite_utils.Database) -> None:
    by_key = dict(
        demo.execute("SELECT semester, count(DISTINCT student_no) FROM exemptions GROUP BY 1")
    )
    assert sorted(by_key, key=lambda k: semester_period(k).start) == PARAMS["semesters"]
    assert all(0.9 * 13383 < n < 1.1 * 13383 for n in by_key.values())
    for key in PARAMS["semesters"]:  # every grant in the semester's first month
        first = semester_period(key).start
        days = demo.execute(
            "SELECT min(granted_on), max(granted_on) FROM exemptions WHERE semester = ?", [key]
        ).fetchone()
        assert days[0] >= first.isoformat() and days[1][:7] == first.isoformat()[:7]
    amounts = [
        period_totals(demo, parse_period(q)).amount_fen for q in ("2024Q1", "2025Q1", "2026Q1")
    ]
    assert amounts[0] < amounts[2] and all(a > 3_000_000_00 for a in amounts)
    # nothing is granted outside the semesters' first months
    assert period_totals(demo, quarter(2025, 2)).students == 0


def test_students_and_schools_look_real(demo: sqlite_utils.Database) -> None:
    kinds = Counter()
    for number, id_number, sex, born in demo.execute(
        "SELECT student_no, id_number, sex, birth_date FROM students"
    ):
        parsed = parse_student_no(number)
        kinds[parsed.kind] += 1
        if parsed.kind == "G":
            assert (parsed.id_number, parsed.sex, str(parsed.birth_date)) == (id_number, sex, born)
        else:
            assert id_number is None
    assert kinds["J"] > 0 and kinds["L"] > 0 and kinds["G"] > 0.95 * sum(kinds.values())
    # boarders only at boarding schools; the allowance only with a hardship confirmed in time
    assert not demo.execute(
        "SELECT count(*) FROM exemptions e JOIN schools s ON s.id = e.school_id"
        " WHERE e.item = 'boarding' AND s.boarding = 0"
    ).fetchone()[0]
    assert not demo.execute(
        "SELECT count(*) FROM exemptions e JOIN students t ON t.id = e.student_id"
        " WHERE e.item IN ('boarding', 'nonboarding')"
        " AND (t.hardship_confirmed_on IS NULL OR t.hardship_confirmed_on > e.granted_on)"
    ).fetchone()[0]
    pending = demo.execute(
        "SELECT count(*) FROM students WHERE hardship IS NOT NULL AND hardship_confirmed_on IS NULL"
    ).fetchone()[0]
    assert pending > 0
    # one identity across schools: pupils who went on from a primary to a junior school
    moved = demo.execute(
        "SELECT count(*) FROM (SELECT student_id FROM exemptions GROUP BY student_id"
        " HAVING count(DISTINCT school_id) > 1)"
    ).fetchone()[0]
    assert moved > 1000
    stages = dict(demo.execute("SELECT stage, count(*) FROM schools GROUP BY stage"))
    assert set(stages) == {"primary", "junior", "nine_year"}


def test_a_batch_on_the_last_semester_finds_everything_granted(demo: sqlite_utils.Database) -> None:
    # students are stored as they are now (the last semester): a batch for it finds it done
    (school,) = demo.execute(
        "SELECT id FROM schools WHERE name = '北郊乡九年一贯制学校'"
    ).fetchone()
    batch = propose_batch(demo, school, "2026秋", SYSTEM, granted_on="2026-09-30")
    recorded = demo.execute(
        "SELECT count(*) FROM exemptions WHERE school_id = ? AND semester = '2026秋'", [school]
    ).fetchone()[0]
    assert batch.enrolled > 0 and batch.rows == [] and len(batch.already) == recorded
