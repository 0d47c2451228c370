"""两免一补 in the store: the door enforces the rules for every path, the semester batch and the
summary queries match hand SQL, scope and locks apply, and a version-3 database migrates."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from itertools import count
from pathlib import Path

import pytest

from desktop.domain.errors import ValidationError
from desktop.domain.ids import make_id
from desktop.domain.periods import quarter
from desktop.store import audit, locks, migrations
from desktop.store.db import APPLICATION_ID, open_database, schema_version
from desktop.store.door import WriteDoor
from desktop.store.errors import AccessDenied, Cancelled, PeriodLocked
from desktop.store.exemption import (
    add_standard,
    commit_batch,
    end_standard,
    exemption_values,
    find_student,
    load_standards,
    mask_student_no,
    period_totals,
    propose_batch,
    school_summary,
    semester_keys,
    student_values,
    students_query,
    transfer_student,
    update_standard,
)
from desktop.store.orgs import Scope
from desktop.store.paged import PagedResult
from desktop.store.tables import REGISTRY
from desktop.store.users import authenticate, create_user
from tests.store.conftest import World, add_units, make_world

_seq = count(2, 2)
SPRING = "2026春"


def child_no(born: date = date(2016, 5, 1)) -> str:
    return "G" + make_id("110105", born, next(_seq))


@dataclass
class Ex:
    world: World
    schools: dict[str, str]  # label → schools.id
    students: dict[str, str]  # label → students.id

    def door(self, user: object = None) -> WriteDoor:
        return self.world.door(user or self.world.admin)  # type: ignore[arg-type]


def add_school(
    world: World, code: str, name: str, community: str, stage: str, boarding: int
) -> str:
    return world.door(world.admin).insert(
        "schools",
        {
            "community_id": world.communities[community],
            "code": code,
            "name": name,
            "stage": stage,
            "boarding": boarding,
        },
    )


def add_student(ex: Ex, label: str, school: str, grade: int = 3, **extra: object) -> str:
    values = student_values(
        ex.world.db,
        school_id=ex.schools[school],
        student_no=str(extra.pop("student_no", child_no())),
        name=label,
        grade=grade,
        **extra,  # type: ignore[arg-type]
    )
    ex.students[label] = ex.door().insert("students", values)
    return ex.students[label]


@pytest.fixture
def ex(world: World) -> Ex:
    schools = {
        "甲小学": add_school(world, "2141000001", "甲小学", "A1", "primary", 1),
        "甲中学": add_school(world, "2141000002", "甲中学", "A2", "junior", 0),
        "乙小学": add_school(world, "2141000003", "乙小学", "B1", "primary", 0),
    }
    return Ex(world, schools, {})


def grant(ex: Ex, label: str, item: str = "fees", day: str = "2026-03-05", **kw: object) -> str:
    values = exemption_values(ex.world.db, ex.students[label], SPRING, item, day, **kw)  # type: ignore[arg-type]
    return ex.door().insert("exemptions", values)


def exemptions(ex: Ex) -> int:
    return ex.world.db.execute("SELECT count(*) FROM exemptions WHERE deleted = 0").fetchone()[0]


# -- tables and standards ---------------------------------------------------------------------------


def test_tables_are_registered_and_standards_seeded(world: World) -> None:
    for table in ("schools", "students", "exemptions"):
        assert REGISTRY[table].programme == "exemption"
    assert REGISTRY["exemptions"].date_column == "granted_on"
    standards = {(s.item, s.stage, s.effective_from): s for s in load_standards(world.db)}
    assert len(standards) == 12
    assert standards[("boarding", "primary", "2011-09-01")].amount_fen == 100_000
    assert standards[("boarding", "junior", "2024-01-01")].amount_fen == 150_000
    assert standards[("nonboarding", "primary", "2024-01-01")].semester_fen == 31_250
    assert standards[("nonboarding", "junior", "2019-09-01")].effective_to == "2023-12-31"
    assert audit.verify(world.db) == []


def test_standards_are_edited_by_the_district_administrator_only(ex: Ex) -> None:
    world = ex.world
    with pytest.raises(AccessDenied, match="区管理员"):
        add_standard(world.door(world.clerk_a), "fees", "primary", 32_000, "2027-03-01")
    door = ex.door()
    fees = next(s for s in load_standards(world.db) if s.item == "fees" and s.stage == "primary")
    with pytest.raises(ValidationError, match="与已有标准重叠"):
        add_standard(door, "fees", "primary", 32_000, "2027-03-01")
    add_student(ex, "张三", "甲小学")
    grant(ex, "张三")  # 2026春 at 150.00
    with pytest.raises(ValidationError, match="1 条资助记录"):
        update_standard(door, fees.id, {"amount_fen": 32_000})
    with pytest.raises(ValidationError, match="1 条资助记录"):
        end_standard(door, fees.id, "2025-12-31")  # 2026春 would fall outside
    end_standard(door, fees.id, "2027-02-28")
    new = add_standard(door, "fees", "primary", 32_000, "2027-03-01", note="提高")
    assert next(s for s in load_standards(world.db) if s.id == new).semester_fen == 16_000
    actions = world.db.execute(
        "SELECT action, before, after FROM audit WHERE table_name = 'aid_standards' ORDER BY seq"
    ).fetchall()
    assert [a[0] for a in actions] == ["standard_update", "standard_add"]
    assert '"effective_to":"2027-02-28"' in actions[0][2] and '"effective_to":null' in actions[0][1]
    assert audit.verify(world.db) == []


# -- students and schools ------------------------------------------------------------------------------


def test_a_student_is_registered_once_with_a_valid_number(ex: Ex) -> None:
    number = child_no()
    add_student(ex, "张三", "甲小学", student_no=number.lower())
    stored = find_student(ex.world.db, number)
    assert stored is not None and stored["student_no"] == number
    assert (stored["sex"], stored["birth_date"], stored["id_number"]) == (
        "F",
        "2016-05-01",
        number[1:],
    )
    assert stored["community_id"] == ex.world.communities["A1"] and stored["pinyin"] == "zs"
    with pytest.raises(ValidationError, match=r"已登记为张三（甲小学，三年级）"):
        add_student(ex, "张三三", "甲中学", grade=7, student_no=number)
    with pytest.raises(ValidationError, match="校验位错误"):
        add_student(
            ex, "李四", "甲小学", student_no=number[:-1] + ("1" if number[-1] != "1" else "2")
        )
    with pytest.raises(ValidationError, match="六年级"):
        add_student(ex, "王五", "甲小学", grade=8)
    with pytest.raises(ValidationError, match="不是寄宿制学校"):
        add_student(ex, "赵六", "乙小学", boarding=True)
    with pytest.raises(ValidationError, match="不能为空"):
        add_student(ex, "钱七", "甲小学", student_no="L419920150000000001")  # J/L: sex not derived
    add_student(ex, "钱七", "甲小学", student_no="L419920150000000001", sex="M")


# -- the door: once per item and semester ---------------------------------------------------------------


def test_a_second_exemption_is_refused_also_at_another_school(ex: Ex) -> None:
    add_student(ex, "张三", "甲小学")
    add_student(ex, "李四", "甲小学")
    grant(ex, "张三", day="2026-03-05")
    with pytest.raises(ValidationError) as same:
        grant(ex, "张三", day="2026-03-09")
    (problem,) = same.value.problems
    assert (
        "张三" in problem.message
        and "2026春的免学杂费已于 2026-03-05 在甲小学享受" in problem.message
    )
    # the student moves to a school of another office: one identity, a new record there
    moved = transfer_student(
        ex.door(), ex.students["张三"], ex.schools["乙小学"], moved_on="2026-03-10"
    )
    assert moved != ex.students["张三"]
    number = ex.world.db.execute(
        "SELECT student_no FROM students WHERE id = ?", [moved]
    ).fetchone()[0]
    assert find_student(ex.world.db, number)["id"] == moved  # type: ignore[index]
    # the message names the student with the ID inside a G 学籍号 masked
    assert number not in problem.message and mask_student_no(number) in problem.message
    ex.students["张三"] = moved
    values = exemption_values(ex.world.db, moved, SPRING, "fees", "2026-03-12")
    assert values["school_id"] == ex.schools["乙小学"] and values["office"] == "B"
    with pytest.raises(ValidationError, match="已于 2026-03-05 在甲小学享受"):
        ex.door().insert("exemptions", values)
    # through insert_many the refusal names the row; nothing of the batch is written
    other = exemption_values(ex.world.db, ex.students["李四"], SPRING, "fees", "2026-03-12")
    before = exemptions(ex)
    with pytest.raises(ValidationError) as bulk:
        ex.door().insert_many("exemptions", [other, values])
    (problem,) = bulk.value.problems
    assert problem.row == 2 and "甲小学" in problem.message and "2026-03-05" in problem.message
    assert exemptions(ex) == before
    # the same student twice in one write: the second row names the first
    textbooks = exemption_values(ex.world.db, moved, SPRING, "textbooks", "2026-03-12")
    with pytest.raises(ValidationError) as twice:
        ex.door().insert_many("exemptions", [textbooks, dict(textbooks)])
    (problem,) = twice.value.problems
    assert problem.row == 2 and "与第 1 行重复" in problem.message
    # another semester is another grant
    ex.door().insert(
        "exemptions", exemption_values(ex.world.db, moved, "2025秋", "fees", "2025-09-05")
    )


def test_amount_standard_and_hardship_rules(ex: Ex) -> None:
    add_student(ex, "张三", "甲小学", hardship="dibao", hardship_confirmed_on="2025-09-01")
    add_student(ex, "李四", "甲小学", hardship="dibao")
    add_student(
        ex, "王五", "甲小学", boarding=True, hardship="orphan", hardship_confirmed_on="2026-03-15"
    )
    values = exemption_values(ex.world.db, ex.students["张三"], SPRING, "nonboarding", "2026-03-20")
    assert values["amount_fen"] == 31_250  # 625 元/年 → 312.50 a semester
    with pytest.raises(ValidationError, match=r"应为 312\.50 元，而不是 313\.00 元"):
        ex.door().insert("exemptions", {**values, "amount_fen": 31_300})
    old = next(
        s
        for s in load_standards(ex.world.db)
        if s.item == "nonboarding" and s.stage == "primary" and s.effective_to
    )
    with pytest.raises(ValidationError, match="应按小学非寄宿生生活补助 625.00 元/年"):
        ex.door().insert("exemptions", {**values, "standard_id": old.id, "amount_fen": 25_000})
    ex.door().insert("exemptions", values)
    with pytest.raises(ValidationError, match="尚未认定"):
        grant(ex, "李四", "nonboarding", "2026-03-20")
    with pytest.raises(ValidationError, match="晚于发放日期"):
        grant(ex, "王五", "boarding", "2026-03-10")
    assert grant(ex, "王五", "boarding", "2026-03-20")
    with pytest.raises(ValidationError, match="非寄宿生不能享受寄宿生生活补助"):
        ex.door().insert("exemptions", {**values, "item": "boarding"})


# -- scope and locks ------------------------------------------------------------------------------------


def test_scope_and_period_locks(ex: Ex) -> None:
    world = ex.world
    add_student(ex, "张三", "甲小学")
    add_student(ex, "赵六", "甲中学", grade=8)
    values = exemption_values(world.db, ex.students["张三"], SPRING, "fees", "2026-03-05")
    with pytest.raises(AccessDenied, match="不在您的管辖范围内"):
        world.door(world.clerk_b).insert("exemptions", values)
    with pytest.raises(AccessDenied):
        propose_batch(world.db, ex.schools["甲小学"], SPRING, world.clerk_b)
    with pytest.raises(AccessDenied):
        propose_batch(world.db, ex.schools["甲中学"], SPRING, world.clerk_a1)  # A2, not A1
    assert len(propose_batch(world.db, ex.schools["甲小学"], SPRING, world.clerk_a1).rows) == 2
    everything = propose_batch(world.db, None, SPRING, world.clerk_a1, granted_on="2026-03-05")
    assert set(everything.schools) == {ex.schools["甲小学"]}  # the batch of "all" keeps to scope
    locks.set_status(world.door(world.reviewer_a), "A", "exemption", quarter(2026, 1), "submitted")
    with pytest.raises(PeriodLocked, match="2026Q1 已报送锁定"):
        world.door(world.clerk_a).insert("exemptions", values)
    later = {**values, "granted_on": "2026-04-02"}
    world.door(world.clerk_a).insert("exemptions", later)  # Q2 is open


# -- the semester batch -----------------------------------------------------------------------------------


def test_batch_proposes_and_commits_what_hand_sql_counts(ex: Ex) -> None:
    world = ex.world
    add_student(ex, "甲1", "甲小学", grade=1)
    add_student(
        ex,
        "甲2",
        "甲小学",
        grade=2,
        boarding=True,
        hardship="lifted",
        hardship_confirmed_on="2025-10-01",
    )
    add_student(ex, "甲3", "甲小学", grade=6, hardship="dibao", hardship_confirmed_on="2024-01-05")
    add_student(ex, "甲4", "甲小学", grade=4, hardship="tekun")  # typed, not confirmed
    add_student(ex, "甲5", "甲小学", grade=5, left_on="2026-01-20")  # moved away in the winter
    add_student(ex, "甲6", "甲小学", grade=1, enrolled_on="2026-09-01")  # enrols next autumn
    add_student(ex, "甲7", "甲小学", grade=3)
    grant(ex, "甲7", "textbooks", "2026-03-02")  # already exempted from textbooks
    batch = propose_batch(
        world.db, ex.schools["甲小学"], SPRING, world.clerk_a, granted_on="2026-03-16"
    )
    assert batch.enrolled == 5 and batch.school_year == "2025-2026"
    totals = {t.item: (t.students, t.amount_fen) for t in batch.totals}
    assert totals == {
        "fees": (5, 5 * 15_000),
        "textbooks": (4, 4 * 5_250),
        "boarding": (1, 62_500),
        "nonboarding": (1, 31_250),
    }
    assert batch.students == 5 and batch.amount_fen == sum(a for _, a in totals.values())
    reasons = {(s.name, s.item): s.reason for s in batch.skipped}
    assert reasons[("甲7", "textbooks")] == "已于 2026-03-02 在甲小学享受"
    assert "尚未认定" in reasons[("甲4", "nonboarding")]
    ids = commit_batch(world.door(world.admin), batch)
    assert len(ids) == len(batch.rows) == 11
    by_sql = {
        item: (n, fen)
        for item, n, fen in world.db.execute(
            "SELECT item, count(DISTINCT student_no), sum(amount_fen) FROM exemptions"
            " WHERE deleted = 0 AND semester = ? AND granted_on = ? GROUP BY item",
            [SPRING, "2026-03-16"],
        )
    }
    assert by_sql == totals
    summary = {
        r.item: (r.students, r.amount_fen) for r in school_summary(world.db, semester=SPRING)
    }
    assert summary["textbooks"] == (5, 5 * 5_250) and summary["fees"] == totals["fees"]
    total = period_totals(world.db, quarter(2026, 1))
    assert (total.students, total.amount_fen) == world.db.execute(
        "SELECT count(DISTINCT student_no), sum(amount_fen) FROM exemptions"
        " WHERE deleted = 0 AND granted_on BETWEEN '2026-01-01' AND '2026-03-31'"
    ).fetchone()
    assert period_totals(world.db, quarter(2026, 1), world.clerk_b.scope).students == 0
    assert semester_keys(world.db) == [SPRING]
    # the batch again proposes nothing and says why
    again = propose_batch(world.db, ex.schools["甲小学"], SPRING, world.clerk_a)
    assert again.rows == [] and len(again.already) == 12
    assert commit_batch(world.door(world.admin), again) == []


def test_cancelled_or_refused_batch_leaves_nothing(ex: Ex) -> None:
    world = ex.world
    for n in range(3):
        add_student(ex, f"学生{n}", "甲小学")
    batch = propose_batch(world.db, ex.schools["甲小学"], SPRING, world.admin)
    seq = world.db.execute("SELECT max(seq) FROM audit").fetchone()[0]
    with pytest.raises(Cancelled):
        commit_batch(ex.door(), batch, cancel=lambda: True)
    assert exemptions(ex) == 0
    assert world.db.execute("SELECT max(seq) FROM audit").fetchone()[0] == seq
    # someone grants one of them meanwhile: the stale batch is refused whole, naming the student
    grant(ex, "学生1", "fees", "2026-03-03")
    with pytest.raises(ValidationError, match="学生1.*已于 2026-03-03 在甲小学享受"):
        commit_batch(ex.door(), batch)
    assert exemptions(ex) == 1
    seen: list[tuple[int, int]] = []
    commit_batch(
        ex.door(),
        propose_batch(world.db, None, SPRING, world.admin),
        lambda d, t, m: seen.append((d, t)),
    )
    assert exemptions(ex) == 6 and seen[-1] == (5, 5)
    assert audit.verify(world.db) == []


# -- lists --------------------------------------------------------------------------------------------------


def test_student_list_searches_name_pinyin_and_number_tail(ex: Ex) -> None:
    world = ex.world
    number = child_no()
    add_student(ex, "张秀兰", "甲小学", student_no=number)
    add_student(ex, "王芳", "甲中学", grade=7)
    add_student(ex, "李雷", "乙小学")

    def names(search: str, scope: Scope | None = None) -> list[str]:
        query = students_query(world.db, scope or Scope.everything(), search)
        result = PagedResult(world.db.conn, query)
        return sorted(result.row(i)[0] for i in range(len(result)))

    assert names("") == ["张秀兰", "李雷", "王芳"]
    assert names("zxl") == names("张") == names(number[-4:]) == names(number) == ["张秀兰"]
    assert names(number[-6:]) == ["张秀兰"]
    assert names("", world.clerk_a.scope) == ["张秀兰", "王芳"]
    assert names("", world.clerk_a1.scope) == ["张秀兰"]


# -- migration from version 3 ------------------------------------------------------------------------------


def test_a_version_3_database_migrates(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for step in migrations.LADDER[:3]:
        step.apply(conn)
    previous = 3
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {previous}")
    district, offices, communities = add_units(conn)
    conn.execute("COMMIT")
    conn.close()
    assert "schools" not in {
        r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")
    }
    db = open_database(path)
    assert schema_version(db) == migrations.LATEST
    assert {"schools", "students", "aid_standards", "exemptions"} <= set(db.table_names())
    assert len(load_standards(db)) == 12 and audit.verify(db) == []
    assert len(list(tmp_path.glob(f"old.v{previous}.*.bak.db"))) == 1
    from desktop.store.users import SYSTEM

    admin = create_user(db, SYSTEM, "admin", "secret", "admin", district, can_reveal=True)
    door = WriteDoor(db, authenticate(db, admin.name, "secret"))
    school = door.insert(
        "schools",
        {
            "community_id": communities["A1"],
            "code": "2141000009",
            "name": "旧区小学",
            "stage": "primary",
            "boarding": 0,
        },
    )
    student = door.insert(
        "students",
        student_values(db, school_id=school, student_no=child_no(), name="孙八", grade=2),
    )
    door.insert("exemptions", exemption_values(db, student, SPRING, "fees", "2026-03-05"))
    assert period_totals(db, quarter(2026, 1)).text == "1 名学生，共计 0.0 万元"


def test_fresh_world_has_the_latest_schema(tmp_path: Path) -> None:
    world = make_world(tmp_path / "w.db")
    assert schema_version(world.db) == migrations.LATEST


def test_a_clerk_cannot_commit_a_batch_and_messages_mask_the_id_in_a_g_number() -> None:
    from desktop.store.errors import AccessDenied
    from desktop.store.exemption import Batch, commit_batch
    from desktop.store.users import SYSTEM, User

    clerk = User("c", "录入员", "clerk", "", SYSTEM.scope, "CG")

    class FakeDoor:
        user = clerk

    with pytest.raises(AccessDenied, match="审核员或区管理员"):
        commit_batch(FakeDoor(), Batch.__new__(Batch))  # type: ignore[arg-type]
    assert mask_student_no("G11010519491231002X") == "G110105********002X"
    assert mask_student_no("L123456789012345678") == "L123456789012345678"


def test_a_student_not_at_school_in_the_semester_is_refused_by_the_door(ex: Ex) -> None:
    add_student(ex, "王五", "甲小学")
    ex.door().update("students", ex.students["王五"], {"left_on": "2026-02-01"})
    with pytest.raises(ValidationError, match="已于 2026-02-01 离校"):
        grant(ex, "王五", day="2026-03-05")


def test_the_check_reads_a_large_write_with_a_fixed_number_of_queries(ex: Ex) -> None:
    """check_exemptions is set-based: the same statements for 3 rows as for 1,500 (no chunked IN
    lists), and a repeat at the end of a large write — by 学籍号 at another school — is still
    found, naming the first grant."""
    from desktop.store.exemption import check_exemptions

    world = ex.world
    students = [
        student_values(
            world.db,
            school_id=ex.schools["甲小学"],
            student_no="G" + make_id("110106", date(2016, 1, 1 + n // 500), 2 * (n % 500)),
            name=f"学生{n}",
            grade=3,
        )
        for n in range(1500)
    ]
    ids = ex.door().insert_many("students", students)
    ex.students["末位"] = ids[-1]
    grant(ex, "末位", "fees", "2026-03-02")
    moved = transfer_student(ex.door(), ids[-1], ex.schools["乙小学"], moved_on="2026-03-10")
    rows = [
        exemption_values(world.db, sid, SPRING, "fees", "2026-03-16") for sid in [*ids[:-1], moved]
    ]

    def statements(part: list[dict]) -> tuple[int, list]:
        seen: list[str] = []
        world.db.conn.set_trace_callback(seen.append)
        try:
            problems = check_exemptions(world.db.conn, list(enumerate(part, start=1)))
        finally:
            world.db.conn.set_trace_callback(None)
        return len(seen), problems

    few, none = statements(rows[:3])
    many, problems = statements(rows)
    assert none == [] and many == few
    (problem,) = problems
    assert problem.row == 1500 and "已于 2026-03-02 在甲小学享受" in problem.message
