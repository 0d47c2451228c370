"""两免一补 in the demo district: schools, their students over the years, and the exemption records
of every semester from ``[exemption] semesters`` (2024春 … 2026秋).

Students are cohorts: a cohort enters grade 1 in the autumn of its year, goes through 小学 (grades
1–6) and 初中 (7–9) — at a 九年一贯制 school throughout, otherwise moving to a junior school, mostly
in its own office (one student, one 学籍号, two schools) — and leaves after grade 9. The students
table holds each student as of the last semester (graduates with ``left_on``, the newest cohort
with its ``enrolled_on``); the exemption records keep the school, grade and boarding of their
semester. Every grant of a semester is dated in its first month: fees and textbooks in the first
fortnight, the living allowance in the second.

The report semester (``[exemption.report]``, 2026春) is *solved*: its enrolment is exactly the
report's number of students (its grants, dated in March, are the only ones of 2026Q1), and the
generator picks which students have a hardship type confirmed by its allowance date — in random
order, likelier in towns and villages — until the semester's total, computed with the standards
in the database, lies within half a unit of the report's last digit (419.9 万元 at scale 1). The
figures are then read back from the records by :func:`desktop.store.exemption.period_totals`.

The step has its own random source (seeded from ``seed``), so its records are the same whether or
not the other steps run; ID numbers come from the build's shared allocator, on birth dates no
other step uses.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from desktop.demo.context import DemoContext, DemoStep, distribute
from desktop.demo.names import NameMaker
from desktop.demo.people import allocator
from desktop.domain.exemption import (
    DEFAULT_METHOD,
    Standard,
    make_j_number,
    school_year_of,
    semester_period,
    stage_of_grade,
    standard_in_force,
)
from desktop.domain.money import FEN_PER_WAN
from desktop.store import audit
from desktop.store.db import set_setting, transaction
from desktop.store.door import now_iso
from desktop.store.exemption import load_standards
from desktop.store.users import SYSTEM


class School:
    __slots__ = (
        "id",
        "code",
        "name",
        "stage",
        "boarding",
        "community_id",
        "office",
        "kind",
        "weight",
    )

    def __init__(self, spec: dict[str, Any], community: Any) -> None:
        self.code = spec["code"]
        self.name = spec["name"]
        self.stage = spec["stage"]
        self.boarding = int(spec.get("boarding", False))
        self.weight = float(spec.get("weight", 1.0))
        self.community_id = community.id
        self.office = community.office
        self.kind = community.kind
        self.id = ""

    def teaches(self, grade: int) -> bool:
        return self.stage == "nine_year" or (self.stage == "primary") == (grade <= 6)


class Student:
    __slots__ = (
        "cohort",
        "primary",
        "junior",
        "boards",
        "sex",
        "birth",
        "number",
        "id_number",
        "name",
        "hardship",
        "confirmed",
        "last",
        "id",
    )

    def __init__(self, cohort: int, primary: School, junior: School) -> None:
        self.cohort = cohort  # the autumn it entered grade 1
        self.primary = primary
        self.junior = junior
        self.boards = [0, 0]  # boarding at its primary / junior school
        self.sex = "F"
        self.birth = date(cohort - 6, 1, 1)
        self.number = ""
        self.id_number: str | None = None
        self.name = ""
        self.hardship: str | None = None
        self.confirmed: str | None = None
        self.last: str | None = None  # the autumn semester after which a leaver moved away
        self.id = ""

    def grade_in(self, school_year: int) -> int:
        return school_year - self.cohort + 1

    def enrolled(self, key: str) -> bool:
        """Enrolled in the semester: in grades 1–9 then, and not moved away before it."""
        if not 1 <= self.grade_in(_school_year(key)) <= 9:
            return False
        return self.last is None or _order(key) <= _order(self.last)

    def school_at(self, grade: int) -> School:
        return self.primary if grade <= 6 else self.junior

    def boarding_at(self, grade: int) -> int:
        return self.boards[0 if grade <= 6 else 1]


def _cfg(ctx: DemoContext) -> dict[str, Any]:
    return ctx.params["exemption"]


def _school_year(key: str) -> int:
    return int(key[:4]) - 1 if key.endswith("春") else int(key[:4])


def _order(key: str) -> int:
    return int(key[:4]) * 2 + key.endswith("秋")


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def _weighted(rng: random.Random, items: list[Any], weights: list[float]) -> Any:
    return rng.choices(items, weights)[0]


# -- schools and cohorts ----------------------------------------------------------------------------


def _schools(ctx: DemoContext) -> list[School]:
    by_name = {c.name: c for c in ctx.communities}
    return [School(spec, by_name[spec["community"]]) for spec in _cfg(ctx)["schools"]]


def _cohort_sizes(ctx: DemoContext, semesters: list[str]) -> tuple[dict[int, int], int]:
    """Students per cohort: the report semester's nine cohorts hold exactly its students (scaled);
    the others follow the same trend. Returns the sizes and the report's school year."""
    cfg = _cfg(ctx)
    report_year = _school_year(cfg["report"]["semester"])
    years = [_school_year(k) for k in semesters]
    cohorts = list(range(min(years) - 8, max(years) + 1))
    trend = cfg["cohort_trend"]
    weight = {e: trend ** (e - cohorts[0]) for e in cohorts}
    inside = [e for e in cohorts if 1 <= report_year - e + 1 <= 9]
    total = round(cfg["report"]["students"] * ctx.scale)
    sizes = dict(zip(inside, distribute(total, [weight[e] for e in inside]), strict=True))
    unit = total / sum(weight[e] for e in inside)
    for e in cohorts:
        sizes.setdefault(e, round(unit * weight[e]))
    return sizes, report_year


def _students(
    ctx: DemoContext, rng: random.Random, schools: list[School], sizes: dict[int, int]
) -> list[Student]:
    """The cohorts spread over the primary schools by weight, each pupil with the junior school it
    goes on to and whether it boards there; then, for each autumn semester followed by a spring
    one, a few pupils who move away in the winter holiday (``moved_away`` of the enrolment)."""
    cfg = _cfg(ctx)
    primaries = [s for s in schools if s.teaches(1)]
    juniors = [s for s in schools if s.teaches(7)]
    same_office = cfg["junior_same_office"]
    boarders = cfg["boarders"]

    def make(cohort: int, school: School) -> Student:
        if school.stage == "nine_year":
            junior = school
        else:
            nearby = [j for j in juniors if j.office == school.office]
            pool = nearby if nearby and rng.random() < same_office else juniors
            junior = _weighted(rng, pool, [j.weight for j in pool])
        student = Student(cohort, school, junior)
        for phase, (place, stage) in enumerate(((school, "primary"), (junior, "junior"))):
            student.boards[phase] = int(place.boarding and rng.random() < boarders[stage])
        if school.stage == "nine_year":
            student.boards[1] = student.boards[0] or student.boards[1]
        return student

    students: list[Student] = []
    for cohort, size in sorted(sizes.items()):
        counts = distribute(size, [s.weight for s in primaries])
        for school, n in zip(primaries, counts, strict=True):
            students.extend(make(cohort, school) for _ in range(n))
    keys = cfg["semesters"]
    for key in keys:
        if not key.endswith("秋") or not any(_order(k) > _order(key) for k in keys):
            continue
        year = _school_year(key)
        active = [e for e in sizes if 1 <= year - e + 1 <= 9]
        for _ in range(round(sum(sizes[e] for e in active) * cfg["moved_away"])):
            cohort = rng.choices(active, [sizes[e] for e in active])[0]
            student = make(cohort, _weighted(rng, primaries, [p.weight for p in primaries]))
            student.last = key
            students.append(student)
    return students


def _identities(ctx: DemoContext, rng: random.Random, students: list[Student]) -> None:
    """Sex, birth date, 学籍号 (mostly G + ID number; a few J and L), name."""
    cfg = _cfg(ctx)
    ids = allocator(ctx)
    maker = NameMaker(rng)
    j_share, l_share = cfg["student_no"]["J"], cfg["student_no"]["L"]
    serial = 0
    taken: set[str] = set()
    for s in students:
        start = date(s.cohort - 7, 9, 1).toordinal()
        born = date.fromordinal(start + int(rng.random() * 365))
        s.sex = "M" if rng.random() < 0.52 else "F"
        roll = rng.random()
        if roll < j_share + l_share:
            serial += 1
            if roll < j_share:  # no mainland ID number: 99 + school + birth date + serial
                s.number = make_j_number(f"99{s.primary.code[-4:]}{born:%Y%m%d}{serial % 1000:03d}")
                while s.number in taken:
                    serial += 1
                    s.number = make_j_number(
                        f"99{s.primary.code[-4:]}{born:%Y%m%d}{serial % 1000:03d}"
                    )
                taken.add(s.number)
            else:  # temporary: region, year of birth, serial
                s.number = f"L4199{born.year:04d}{serial:010d}"
        else:
            while not ids.free(born, s.sex):
                born += timedelta(days=1)
            s.id_number = ids.allocate(born, s.sex)
            s.number = "G" + s.id_number
        s.birth = born
        s.name = maker.child(s.sex)
    ctx.data["exemption_names"] = maker


# -- standards, grant days and the report semester ------------------------------------------------


class Grants:
    """The standards in force per semester, and the grant days of every school and semester."""

    def __init__(
        self, ctx: DemoContext, rng: random.Random, schools: list[School], semesters: list[str]
    ):
        days = _cfg(ctx)["grant_days"]
        self.standards: list[Standard] = load_standards(ctx.db)
        self.days: dict[tuple[str, str], tuple[str, str]] = {}
        for key in semesters:
            first = semester_period(key).start
            for school in schools:
                fees = first + timedelta(days=rng.randint(*days["fees"]) - 1)
                allowance = first + timedelta(days=rng.randint(*days["allowance"]) - 1)
                self.days[(school.code, key)] = (fees.isoformat(), allowance.isoformat())
        self._found: dict[tuple[str, str, int, str], Standard] = {}

    def standard(self, item: str, stage: str, boarding: int, key: str) -> Standard:
        found = self._found.get((item, stage, boarding, key))
        if found is None:
            found = standard_in_force(
                self.standards, item, stage, boarding, semester_period(key).start
            )
            if found is None:
                raise ValueError(f"no standard for {item} {stage} {key} in the database")
            self._found[(item, stage, boarding, key)] = found
        return found

    def day(self, school: School, key: str, item: str) -> str:
        fees, allowance = self.days[(school.code, key)]
        return fees if item in ("fees", "textbooks") else allowance


def _target(ctx: DemoContext) -> tuple[int, int]:
    """The report semester's total must lie in [low, high): the amount rounds (1 decimal of 万元,
    half up) to the report's figure, times the scale."""
    wan = Decimal(_cfg(ctx)["report"]["amount_wan"])
    target = int((wan * FEN_PER_WAN * Decimal(str(ctx.scale))).to_integral_value())
    half = FEN_PER_WAN // 20  # half a unit of 0.1 万元
    return target - half, target + half


def _solve(
    ctx: DemoContext, rng: random.Random, students: list[Student], grants: Grants, year: int
) -> tuple[list[Student], bool]:
    """Which students of the report semester get the living allowance (a hardship type confirmed
    by its grant date): in random order, likelier in towns and villages, until the semester's total
    is in the target window. Returns them and whether the window was reached."""
    cfg = _cfg(ctx)
    key = cfg["report"]["semester"]
    low, high = _target(ctx)
    enrolled = [s for s in students if s.enrolled(key)]
    total = 0
    for s in enrolled:
        stage = stage_of_grade(s.grade_in(year))
        total += sum(grants.standard(i, stage, 0, key).semester_fen for i in ("fees", "textbooks"))
    weights = cfg["hardship_weight"]
    order = sorted(
        enrolled,
        key=lambda s: -(rng.random() ** (1.0 / weights[s.school_at(s.grade_in(year)).kind])),
    )
    chosen: list[Student] = []
    for s in order:
        if total >= low:
            break
        grade = s.grade_in(year)
        boarding = s.boarding_at(grade)
        item = "boarding" if boarding else "nonboarding"
        step = grants.standard(item, stage_of_grade(grade), boarding, key).semester_fen
        if total + step < high:
            total += step
            chosen.append(s)
    return chosen, low <= total < high


def _hardship(
    ctx: DemoContext,
    rng: random.Random,
    students: list[Student],
    chosen: list[Student],
    grants: Grants,
    year: int,
) -> None:
    """Hardship types and confirmation dates: the solved students confirmed before their report
    allowance; a few typed but not confirmed, a few confirmed after it; the cohorts outside the
    report semester at the same rate, confirmed before their first allowance."""
    cfg = _cfg(ctx)
    key = cfg["report"]["semester"]
    types = cfg["hardship_types"]
    earliest = date.fromisoformat(cfg["hardship_from"]).toordinal()
    report_end = semester_period(key).end.toordinal()

    def confirm(s: Student, lo: int, hi: int) -> None:
        s.hardship = _pick(rng, types)  # most confirmations are old: the squared draw leans early
        s.confirmed = date.fromordinal(lo + int(rng.random() ** 2 * max(1, hi - lo))).isoformat()

    picked = {id(s) for s in chosen}
    for s in chosen:
        grade = s.grade_in(year)
        granted = date.fromisoformat(grants.day(s.school_at(grade), key, "boarding")).toordinal()
        entered = date(s.cohort if grade <= 6 else s.cohort + 6, 8, 20).toordinal()
        confirm(s, max(earliest, entered), granted)
    others = [s for s in students if id(s) not in picked and s.enrolled(key)]
    pending = rng.sample(others, min(len(others), round(len(others) * cfg["hardship_pending"])))
    for s in pending:
        s.hardship = _pick(rng, types)
    rest = [s for s in others if s.hardship is None]
    after = semester_period(key).start.toordinal() + 35  # every allowance is paid by then
    for s in rng.sample(rest, min(len(rest), round(len(rest) * cfg["hardship_later"]))):
        confirm(s, after, report_end)
    enrolled = sum(1 for s in students if s.enrolled(key))
    share = len(chosen) / max(1, enrolled)
    first_key, last_key = cfg["semesters"][0], cfg["semesters"][-1]
    for s in students:
        if s.enrolled(key) or rng.random() >= share:
            continue
        if s.cohort < year - 8 or s.last is not None:  # left before the report semester
            lo, hi = earliest, semester_period(first_key).start.toordinal() + 10
        else:  # entered after it: confirmed in its first weeks
            start = semester_period(last_key).start
            lo, hi = (
                (start - timedelta(days=12)).toordinal(),
                (start + timedelta(days=12)).toordinal(),
            )
        confirm(s, lo, hi)


# -- rows -------------------------------------------------------------------------------------------


def _school_rows(schools: list[School]) -> Iterator[dict[str, Any]]:
    for s in schools:
        yield {
            "community_id": s.community_id,
            "office": s.office,
            "code": s.code,
            "name": s.name,
            "stage": s.stage,
            "boarding": s.boarding,
        }


def _student_rows(
    ctx: DemoContext, students: list[Student], last_year: int
) -> Iterator[dict[str, Any]]:
    """Each student as of the last semester: graduates at their junior school with ``left_on``."""
    size = _cfg(ctx)["class_size"]
    maker: NameMaker = ctx.data["exemption_names"]
    seats: dict[tuple[str, int], int] = {}
    for s in students:
        grade = s.grade_in(last_year)
        left = None
        if s.last is not None:  # moved away in the winter holiday after its last semester
            grade = s.grade_in(_school_year(s.last))
            left = f"{int(s.last[:4]) + 1}-01-20"
        elif grade > 9:
            left = f"{s.cohort + 9}-07-10"
            grade = 9
        school = s.school_at(grade)
        seat = seats.get((school.code, grade), 0)
        seats[(school.code, grade)] = seat + 1
        started = s.cohort if grade <= 6 or school is s.primary else s.cohort + 6
        yield {
            "community_id": school.community_id,
            "office": school.office,
            "school_id": school.id,
            "student_no": s.number,
            "no_tail": s.number[-4:],
            "name": s.name,
            "pinyin": maker.initials(s.name),
            "sex": s.sex,
            "birth_date": s.birth.isoformat(),
            "id_number": s.id_number,
            "grade": grade,
            "class_name": f"{seat // size + 1}班",
            "boarding": s.boarding_at(grade),
            "hardship": s.hardship,
            "hardship_confirmed_on": s.confirmed,
            "enrolled_on": f"{started}-09-01",
            "left_on": left,
        }


def _exemption_rows(students: list[Student], grants: Grants, key: str) -> Iterator[dict[str, Any]]:
    year = _school_year(key)
    school_year = school_year_of(key)
    for s in students:
        if not s.enrolled(key):
            continue
        grade = s.grade_in(year)
        school = s.school_at(grade)
        boarding = s.boarding_at(grade)
        stage = stage_of_grade(grade)
        items = ["fees", "textbooks"]
        allowance = "boarding" if boarding else "nonboarding"
        if s.confirmed is not None and s.confirmed <= grants.day(school, key, allowance):
            items.append(allowance)
        for item in items:
            standard = grants.standard(item, stage, boarding, key)
            yield {
                "community_id": school.community_id,
                "office": school.office,
                "school_id": school.id,
                "student_id": s.id,
                "student_no": s.number,
                "grade": grade,
                "boarding": boarding,
                "school_year": school_year,
                "semester": key,
                "item": item,
                "standard_id": standard.id,
                "amount_fen": standard.semester_fen,
                "granted_on": grants.day(school, key, item),
                "method": DEFAULT_METHOD[item],
                "note": None,
            }


# -- the step -----------------------------------------------------------------------------------


def build_exemption(ctx: DemoContext) -> None:
    cfg = _cfg(ctx)
    rng = random.Random(f"{ctx.params['seed']}/exemption")
    door = ctx.write_door()
    semesters = list(cfg["semesters"])
    schools = _schools(ctx)
    sizes, report_year = _cohort_sizes(ctx, semesters)
    students = _students(ctx, rng, schools, sizes)
    _identities(ctx, rng, students)
    grants = Grants(ctx, rng, schools, semesters)
    chosen, exact = _solve(ctx, rng, students, grants, report_year)
    _hardship(ctx, rng, students, chosen, grants, report_year)
    ctx.report(30, 1000, "两免一补：学生与困难认定已确定")

    ids = door.insert_many("schools", _school_rows(schools), cancel=ctx.cancel)
    for school, record_id in zip(schools, ids, strict=True):
        school.id = record_id
    last_year = _school_year(semesters[-1])
    ids = door.insert_many(
        "students",
        _student_rows(ctx, students, last_year),
        total=len(students),
        progress=ctx.phase(0.03, 0.15, "学生名册"),
        cancel=ctx.cancel,
        batch=5000,
    )
    for student, record_id in zip(students, ids, strict=True):
        student.id = record_id
    for n, key in enumerate(semesters):  # one transaction per semester
        ctx.check_cancel()
        start = 0.15 + 0.85 * n / len(semesters)
        door.insert_many(
            "exemptions",
            _exemption_rows(students, grants, key),
            progress=ctx.phase(start, start + 0.85 / len(semesters), f"{key}资助记录"),
            cancel=ctx.cancel,
            batch=5000,
        )
    _mark_exact(ctx, exact)
    ctx.report(1, 1, f"两免一补：学校 {len(schools)} 所，学生 {len(students)} 人")


def _mark_exact(ctx: DemoContext, exact: bool) -> None:
    with transaction(ctx.db) as conn:
        set_setting(conn, "demo_exemption_exact", exact)
        audit.append(
            conn,
            [
                audit.Entry(
                    now_iso(),
                    SYSTEM.name,
                    "setting_set",
                    "settings",
                    "demo_exemption_exact",
                    None,
                    None,
                    {"value": exact},
                )
            ],
        )


def _weight(ctx: DemoContext) -> int:
    """About one unit per row: students (4/3 of the report's) and ~2.2 records each semester."""
    students = _cfg(ctx)["report"]["students"] * ctx.scale
    return round(students * (4 / 3 + 2.2 * len(_cfg(ctx)["semesters"])))


EXEMPTION = DemoStep("exemption", "生成两免一补学校、学生与资助记录", build_exemption, _weight)
