"""帮扶发放 in the store (desktop.store.subsidy): seeded programmes and standards, eligibility at
the door, the double-payment guard on every path, batches (reviewer only, all or nothing),
returns and re-payments counted once, the head-count identity, masking and reveal."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

import pytest

from desktop.domain.errors import ValidationError
from desktop.domain.ids import make_id
from desktop.domain.periods import quarter
from desktop.store import subsidy as S
from desktop.store.errors import AccessDenied, Cancelled
from desktop.store.paged import PagedResult
from tests.store.conftest import World

_seq = count(3, 2)
Q1 = quarter(2026, 1)


def add_person(
    world: World,
    name: str,
    born: str,
    sex: str = "M",
    community: str = "A1",
    hukou: str | None = "rural",
    number: str | None = None,
) -> str:
    seq = next(_seq) % 997
    number = number or make_id("419901", date.fromisoformat(born), seq + (sex == "F"))
    return world.door(world.admin).insert(
        "persons",
        {
            "community_id": world.communities[community],
            "name": name,
            "pinyin": "".join(c for c in name if c.isascii()) or "x",
            "id_number": number,
            "id_tail": number[-4:],
            "sex": sex,
            "birth_date": born,
            "hukou": hukou,
            "created_on": "2024-01-01",
        },
    )


def add_family(
    world: World,
    head: str,
    wife: str | None = None,
    poor: bool = False,
    children: tuple[str, ...] = (),
) -> str:
    """A household of ``head`` (and the wife and children given as person ids)."""
    door = world.door(world.admin)
    household = door.insert(
        "households",
        S.household_values(
            world.db,
            head_person_id=head,
            poor=poor,
            poor_since="2020-01-01" if poor else None,
            created_on="2024-01-01",
        ),
    )
    members = [(head, "head")] + ([(wife, "spouse")] if wife else [])
    members += [(c, "child") for c in children]
    for person_id, relation in members:
        door.insert(
            "household_members",
            S.member_values(world.db, household, person_id, relation, "2024-01-01"),
        )
    return household


def qualify(
    world: World,
    person_id: str,
    code: str = "reward",
    year: int = 2026,
    status: str = "new",
    confirmed: str | None = "2026-02-10",
    **extra: Any,
) -> str:
    programme = S.programme_by_code(world.db, code)
    extra.setdefault("start_on", f"{year}-01-01")
    values = S.qualification_values(
        world.db,
        person_id,
        programme.id,
        year,
        status,
        status_on=f"{year}-01-10",
        confirmed_on=confirmed,
        confirmed_by="reviewer_a" if confirmed else None,
        **extra,
    )
    return world.door(world.admin).insert("qualifications", values)


@pytest.fixture
def elder(world: World) -> str:
    head = add_person(world, "王建国", "1960-05-01")
    add_family(world, head)
    return head


def _payment(
    world: World, person_id: str, start: str = "2026-01-01", end: str = "2026-06-30", **extra: Any
) -> dict:
    programme = S.programme_by_code(world.db, extra.pop("code", "reward"))
    return {
        "community_id": world.communities["A1"],
        "person_id": person_id,
        "programme_id": programme.id,
        "covered_start": start,
        "covered_end": end,
        "amount_fen": 48000,
        "goods_fen": 0,
        "pay_date": "2026-03-25",
        "status": "paid",
        **extra,
    }


def _count(world: World, table: str) -> int:
    return int(world.db.execute(f"SELECT count(*) FROM {table} WHERE deleted = 0").fetchone()[0])


# -- seeds and standards --------------------------------------------------------------------------


def test_seeded_programmes_and_standards(world: World) -> None:
    codes = [(p.code, p.level, p.kind) for p in S.list_programmes(world.db)]
    assert codes == [
        ("reward", "national", "person"),
        ("special", "national", "person"),
        ("condolence", "county", "household"),
    ]
    reward = S.programme_by_code(world.db, "reward")
    assert S.standard_for(world.db, reward.id, None, "rural", "2023-12-31").amount_fen == 60000
    assert S.standard_for(world.db, reward.id, None, "rural", "2024-01-01").amount_fen == 96000
    special = S.programme_by_code(world.db, "special")
    by = {
        (c, h, d): S.standard_for(world.db, special.id, c, h, d).amount_fen // 100
        for c in ("disabled", "dead")
        for h in ("urban", "rural")
        for d in ("2008-06-01", "2012-06-01", "2020-06-01", "2024-06-01")
    }
    assert [
        by[("disabled", "rural", d)]
        for d in ("2008-06-01", "2012-06-01", "2020-06-01", "2024-06-01")
    ] == [80, 110, 150, 270]
    assert [
        by[("dead", "urban", d)] for d in ("2008-06-01", "2012-06-01", "2020-06-01", "2024-06-01")
    ] == [100, 135, 340, 340]
    ids = {s.id for s in S.load_standards(world.db)}
    assert len(ids) == 13  # deterministic uuid5 ids: the same in every installation
    with pytest.raises(ValidationError, match="重叠"):
        S.add_standard(world.door(world.admin), reward.id, "year", 100000, "2026-01-01")
    with pytest.raises(AccessDenied):
        S.add_standard(world.door(world.clerk_a), reward.id, "year", 100000, "2030-01-01")


# -- eligibility at the door ----------------------------------------------------------------------


def test_eligibility_refusals_stop_the_door_and_warnings_do_not(world: World) -> None:
    urban = add_person(world, "城镇", "1960-01-01", hukou="urban")
    young = add_person(world, "年轻", "1970-01-01")
    unknown = add_person(world, "未知", "1960-01-01", hukou=None)
    with pytest.raises(ValidationError, match="农村户籍"):
        qualify(world, urban)
    with pytest.raises(ValidationError, match="未满60周岁"):
        qualify(world, young)
    assert [p.severity for p in S.eligibility(world.db, unknown, "reward", None, "2026-01-01")] == [
        "warn"
    ]
    qualify(world, unknown)  # a warning does not refuse
    mother = add_person(world, "母亲", "1980-01-01", "F")
    father = add_person(world, "父亲", "1978-01-01")
    add_family(world, father, mother)
    with pytest.raises(ValidationError, match="未满49周岁"):
        qualify(world, father, "special", category="dead")
    with pytest.raises(ValidationError, match="每人每项目每年一条"):
        qualify(world, unknown)
    assert _count(world, "qualifications") == 1


# -- the double-payment guard ---------------------------------------------------------------------


def test_guard_refuses_a_second_payment_from_a_form(world: World, elder: str) -> None:
    door = world.door(world.clerk_a)
    first = door.insert("payments", _payment(world, elder))
    with pytest.raises(ValidationError) as caught:
        door.insert("payments", _payment(world, elder, "2026-04-01", "2026-09-30"))
    message = str(caught.value)
    assert "已经发放过" in message and "2026-03-25 发放" in message
    assert "2026-01-01 至 2026-06-30" in message and "A街道办事处" in message
    assert first[:8] in message
    door.insert("payments", _payment(world, elder, "2026-07-01", "2026-12-31"))  # no overlap
    special = _payment(world, elder, code="special")  # another programme is another matter
    assert door.insert("payments", special)
    assert _count(world, "payments") == 3


def test_guard_on_update_of_covered_dates(world: World, elder: str) -> None:
    door = world.door(world.clerk_a)
    door.insert("payments", _payment(world, elder))
    second = door.insert("payments", _payment(world, elder, "2026-07-01", "2026-12-31"))
    with pytest.raises(ValidationError, match="已经发放过"):
        door.update("payments", second, {"covered_start": "2026-06-01"})
    row = world.db.execute("SELECT covered_start FROM payments WHERE id = ?", [second]).fetchone()
    assert row[0] == "2026-07-01"


def test_guard_within_one_write_names_the_row(world: World, elder: str) -> None:
    door = world.door(world.clerk_a)
    rows = [_payment(world, elder), _payment(world, elder, "2026-03-01", "2026-03-31")]
    with pytest.raises(ValidationError) as caught:
        door.insert_many("payments", rows)
    assert caught.value.problems[0].row == 2 and "第 1 行" in caught.value.problems[0].message
    assert _count(world, "payments") == 0


def test_guard_by_id_number_catches_two_person_rows_of_one_human(world: World, elder: str) -> None:
    door = world.door(world.admin)
    number = world.db.execute("SELECT id_number FROM persons WHERE id = ?", [elder]).fetchone()[0]
    door.insert("payments", _payment(world, elder))
    door.delete("persons", elder)  # registered again (moved to office B) under a new record
    again = add_person(world, "王建国", "1960-05-01", community="B1", number=number)
    with pytest.raises(ValidationError, match="已经发放过"):
        door.insert("payments", {**_payment(world, again), "community_id": world.communities["B1"]})


def test_guard_reads_a_large_write_with_a_fixed_number_of_queries(world: World) -> None:
    """check_payments is set-based: against the database it runs the same queries for 3 rows as
    for 1,499 (the rows go into a temporary table, one insert each), and finds, at row
    1,500, a human paid under an earlier, deleted person row, and a twin inside the write (a
    deleted row and the live row of one human)."""
    door = world.door(world.admin)
    people = door.insert_many(
        "persons",
        [
            {
                "community_id": world.communities["A1"],
                "name": f"老人{n}",
                "pinyin": "lr",
                "id_number": (
                    number := make_id("419901", date(1950, 1, 1 + n // 500), 2 * (n % 500) + 1)
                ),
                "id_tail": number[-4:],
                "sex": "M",
                "birth_date": f"1950-01-{1 + n // 500:02d}",
                "hukou": "rural",
                "created_on": "2024-01-01",
            }
            for n in range(1500)
        ],
    )
    number = world.db.execute("SELECT id_number FROM persons WHERE id = ?", [people[-1]]).fetchone()
    door.insert("payments", _payment(world, people[-1]))
    door.delete("persons", people[-1])
    again = add_person(world, "老人再登记", "1950-01-03", number=number[0])
    rows = [_payment(world, pid) for pid in [*people[:-1], again]]

    def statements(part: list[dict]) -> tuple[list[str], list]:
        seen: list[str] = []
        world.db.conn.set_trace_callback(seen.append)
        try:
            with world.db.conn:  # the door runs it inside its transaction
                world.db.conn.execute("BEGIN")
                problems = S.check_payments(world.db.conn, list(enumerate(part, start=1)))
        finally:
            world.db.conn.set_trace_callback(None)
        return [q for q in seen if "temp.payment_guard VALUES" not in q], problems

    few, none = statements(rows[:3])
    many, still_none = statements(rows[:-1])
    assert none == still_none == [] and len(many) == len(few)
    _, problems = statements(rows)
    (problem,) = problems
    assert problem.row == 1500 and "已经发放过" in problem.message
    assert "老人再登记" in problem.message and "2026-03-25 发放" in problem.message

    twins = [
        _payment(world, again, "2026-07-01", "2026-12-31"),
        _payment(world, people[-1], "2026-09-01", "2026-09-30"),
    ]
    with pytest.raises(ValidationError) as caught:
        door.insert_many("payments", twins)
    (problem,) = caught.value.problems
    assert problem.row == 2 and "与第 1 行" in problem.message
    assert _count(world, "payments") == 1


def test_batch_skips_the_paid_and_a_stale_batch_is_refused_whole(world: World, elder: str) -> None:
    other = add_person(world, "李四", "1958-03-01")
    add_family(world, other)
    for person in (elder, other):
        qualify(world, person)
    reward = S.programme_by_code(world.db, "reward")
    stale = S.propose_batch(
        world.db, reward.id, "2026-01-01", "2026-06-30", world.reviewer_a, "2026-03-25"
    )
    assert stale.people == 2 and stale.total_fen == 2 * 48000
    world.door(world.clerk_a).insert("payments", _payment(world, other, "2026-06-01", "2026-06-30"))
    fresh = S.propose_batch(
        world.db, reward.id, "2026-01-01", "2026-06-30", world.reviewer_a, "2026-03-25"
    )
    assert [s.kind for s in fresh.skipped] == [
        "paid"
    ] and "2026-06-01 至 2026-06-30" in fresh.skipped[0].reason
    with pytest.raises(ValidationError, match="已经发放过"):
        S.commit_batch(world.door(world.reviewer_a), stale)
    assert _count(world, "payment_batches") == 0 and _count(world, "payments") == 1
    batch_id = S.commit_batch(world.door(world.reviewer_a), fresh)
    row = world.db.execute(
        "SELECT batch_no, people, total_fen, proposed_by, approved_by, office FROM payment_batches WHERE id = ?",
        [batch_id],
    ).fetchone()
    assert row == ("JL202601-A-01", 1, 48000, "reviewer_a", "reviewer_a", "A")


# -- batches --------------------------------------------------------------------------------------


def test_commit_needs_a_reviewer_and_cancel_leaves_nothing(world: World, elder: str) -> None:
    qualify(world, elder)
    reward = S.programme_by_code(world.db, "reward")
    batch = S.propose_batch(
        world.db, reward.id, "2026-01-01", "2026-06-30", world.clerk_a, "2026-03-25"
    )
    assert batch.proposed_by == "clerk_a" and len(batch) == 1
    with pytest.raises(AccessDenied, match="审核员"):
        S.commit_batch(world.door(world.clerk_a), batch)
    with pytest.raises(Cancelled):
        S.commit_batch(world.door(world.reviewer_a), batch, cancel=lambda: True)
    assert _count(world, "payments") == 0 and _count(world, "payment_batches") == 0
    seen: list[tuple[int, int]] = []
    S.commit_batch(
        world.door(world.reviewer_a), batch, progress=lambda d, t, m: seen.append((d, t))
    )
    assert seen[-1] == (1, 1)
    approved = world.db.execute("SELECT proposed_by, approved_by FROM payment_batches").fetchone()
    assert approved == ("clerk_a", "reviewer_a")


def test_pro_rata_and_who_is_left_out(world: World, elder: str) -> None:
    late = add_person(world, "晚入", "1966-02-10")  # 60 in February 2026: paid from March … no:
    add_family(world, late)
    qualify(world, late, start_on="2026-03-15")  # from the month after: April
    unconfirmed = add_person(world, "未确认", "1950-01-01")
    add_family(world, unconfirmed)
    qualify(world, unconfirmed, confirmed=None)
    qualify(world, elder)
    reward = S.programme_by_code(world.db, "reward")
    batch = S.propose_batch(
        world.db, reward.id, "2026-01-01", "2026-06-30", world.reviewer_a, "2026-03-25"
    )
    amounts = {p["person_id"]: (p["amount_fen"], p["covered_start"]) for p in batch.payments}
    assert amounts == {elder: (48000, "2026-01-01"), late: (24000, "2026-04-01")}
    assert [(s.person_id, s.kind) for s in batch.skipped] == [(unconfirmed, "status")]
    outside = S.propose_batch(  # a scope wider than the user's is narrowed to the user's
        world.db, reward.id, "2026-01-01", "2026-06-30", world.clerk_b, scope=world.admin.scope
    )
    assert len(outside) == 0 and outside.skipped == []
    with pytest.raises(ValidationError, match="同一年度"):
        S.propose_batch(world.db, reward.id, "2025-10-01", "2026-03-31", world.reviewer_a)


def test_special_monthly_split_at_a_new_standard(world: World) -> None:
    mother = add_person(world, "母亲", "1970-01-01", "F", hukou="urban")
    father = add_person(world, "父亲", "1968-01-01", hukou="urban")
    add_family(world, father, mother)
    for person in (father, mother):
        qualify(world, person, "special", category="dead")
    special = S.programme_by_code(world.db, "special")
    admin = world.door(world.admin)
    current = S.standard_for(world.db, special.id, "dead", "urban", "2026-01-01")
    S.end_standard(admin, current.id, "2026-01-31")
    S.add_standard(admin, special.id, "month", 40000, "2026-02-01", category="dead", hukou="urban")
    batch = S.propose_batch(
        world.db, special.id, "2026-01-01", "2026-03-31", world.reviewer_a, "2026-03-20"
    )
    mine = sorted(
        (p["covered_start"], p["amount_fen"]) for p in batch.payments if p["person_id"] == mother
    )
    assert mine == [("2026-01-01", 34000), ("2026-02-01", 80000)]
    S.commit_batch(world.door(world.reviewer_a), batch)
    totals = {t.code: t for t in S.period_totals(world.db, Q1)}
    assert (totals["special"].people, totals["special"].payments) == (2, 4)
    assert totals["special"].cash_fen == 2 * (34000 + 80000)


def test_condolence_batch_for_poor_households(world: World) -> None:
    poor = add_person(world, "困难户", "1970-01-01")
    add_family(world, poor, poor=True)
    add_family(world, add_person(world, "一般户", "1970-02-01"))
    condolence = S.programme_by_code(world.db, "condolence")
    batch = S.propose_batch(
        world.db,
        condolence.id,
        "2026-01-01",
        "2026-03-31",
        world.reviewer_a,
        "2026-01-20",
        goods_fen=20000,
        goods_desc="米面油",
    )
    assert [(p["person_id"], p["amount_fen"], p["goods_fen"]) for p in batch.payments] == [
        (poor, 50000, 20000)
    ]
    S.commit_batch(world.door(world.reviewer_a), batch)
    totals = {t.code: t for t in S.period_totals(world.db, Q1)}["condolence"]
    assert (totals.households, totals.cash_fen, totals.goods_fen, totals.total_fen) == (
        1,
        50000,
        20000,
        70000,
    )


# -- returns and re-payments ----------------------------------------------------------------------


def test_returned_and_repaid_is_counted_once(world: World, elder: str) -> None:
    door = world.door(world.clerk_a)
    payment = door.insert(
        "payments", _payment(world, elder, account_type="passbook", account_no="600100123")
    )

    def reward_totals() -> tuple[int, int, int]:
        t = {t.code: t for t in S.period_totals(world.db, Q1)}["reward"]
        return t.people, t.payments, t.cash_fen

    assert reward_totals() == (1, 1, 48000)
    S.mark_returned(door, payment, "账户已注销", "2026-03-30")
    assert reward_totals() == (0, 0, 0)  # returned and not re-paid: not counted
    with pytest.raises(ValidationError, match="原记录上补发"):
        door.insert("payments", _payment(world, elder))  # not a second row
    S.repay(door, payment, "2026-04-10", "社保卡", "6217 0000 1111 2222")
    assert reward_totals() == (1, 1, 48000)
    row = world.db.execute(
        "SELECT status, account_type, account_no, repaid_on FROM payments"
    ).fetchone()
    assert row == ("repaid", "social_card", "6217000011112222", "2026-04-10")
    assert _count(world, "payments") == 1
    with pytest.raises(ValidationError, match="失败退回"):
        S.repay(door, payment, "2026-04-11")


# -- qualifications over the years -----------------------------------------------------------------


def test_a_suspension_keeps_its_reason_in_exit_reason(world: World, elder: str) -> None:
    paused = qualify(world, elder)
    S.suspend_qualification(world.door(world.clerk_a), paused, "2026-03-01", "联系不上", "停机")
    assert world.db.execute(
        "SELECT status, exit_reason, note FROM qualifications WHERE id = ?", [paused]
    ).fetchone() == ("suspended", "unreachable", "停机")
    with pytest.raises(ValidationError, match="暂停原因"):
        S.suspend_qualification(world.door(world.clerk_a), paused, "2026-03-02", "died")
    assert world.db.execute(
        "SELECT status_on, exit_reason FROM qualifications WHERE id = ?", [paused]
    ).fetchone() == ("2026-03-01", "unreachable")  # the refused change wrote nothing
    reward = S.programme_by_code(world.db, "reward")
    batch = S.propose_batch(
        world.db, reward.id, "2026-01-01", "2026-06-30", world.reviewer_a, "2026-03-25"
    )
    assert [s.reason for s in batch.skipped] == ["资格状态为暂停（外出联系不上）"]
    review = S.batch_review(world.db, batch)
    assert (
        review.person(elder).name
        == world.db.execute("SELECT name FROM persons WHERE id = ?", [elder]).fetchone()[0]
    )


def test_confirm_year_exit_and_the_identity(world: World, elder: str) -> None:
    others = [add_person(world, f"老人{i}", "1950-01-0" + str(i + 1)) for i in range(3)]
    for person in others:
        add_family(world, person)
    for person in (elder, *others):
        qualify(world, person, year=2025, confirmed="2025-02-10")
    reward = S.programme_by_code(world.db, "reward")
    gone = world.db.execute(
        "SELECT id FROM qualifications WHERE person_id = ?", [others[0]]
    ).fetchone()[0]
    S.exit_qualification(world.door(world.clerk_a), gone, "死亡", "2025-08-01")
    newcomer = add_person(world, "新人", "1966-01-05")
    add_family(world, newcomer)
    qualify(world, newcomer, year=2026, confirmed=None, start_on="2026-02-01")
    with pytest.raises(AccessDenied):
        S.confirm_year(world.door(world.clerk_a), reward.id, 2026, "2026-02-20")
    assert S.confirm_year(world.door(world.reviewer_a), reward.id, 2026, "2026-02-20") == 4
    assert S.confirmed_counts(world.db, Q1) == {"reward": 4, "special": 0}
    (row,) = S.headcount_identity(world.db, reward.id, 2026)
    assert (row.last_year, row.exits, row.additions, row.this_year, row.holds) == (3, 0, 1, 4, True)
    (last,) = S.headcount_identity(world.db, reward.id, 2025)
    assert (last.this_year, last.holds) == (3, True)  # entered and left in 2025: in neither count
    dropped = world.db.execute(
        "SELECT id FROM qualifications WHERE person_id = ? AND year = 2026", [others[1]]
    ).fetchone()[0]
    world.door(world.admin).delete("qualifications", dropped)  # dropped without an exit record
    (row,) = S.headcount_identity(world.db, reward.id, 2026)
    assert (row.this_year, row.holds) == (3, False)
    S.set_posting(world.door(world.clerk_a), [gone], "2025-08-05", "2025-08-12")
    assert world.db.execute(
        "SELECT posted_to FROM qualifications WHERE id = ?", [gone]
    ).fetchone() == ("2025-08-12",)


# -- lists, masking and reveal ----------------------------------------------------------------------


def test_queries_mask_and_reveal_is_audited(world: World, elder: str) -> None:
    door = world.door(world.clerk_a)
    payment = door.insert(
        "payments", _payment(world, elder, account_type="passbook", account_no="6001001234567890")
    )
    number = world.db.execute("SELECT id_number FROM persons WHERE id = ?", [elder]).fetchone()[0]
    result = PagedResult(world.db.conn, S.payments_query(world.db, world.clerk_a.scope, period=Q1))
    keys = [c.key for c in result.query.columns]
    row = dict(zip(keys, result.row(0), strict=True))
    assert (
        row["account_no"] == "****7890"
        and row["id_number"] == number[:6] + "********" + number[-4:]
    )
    assert (
        row["payment_status"] == "paid" and S.KEY_COLUMNS["payment_status"].label("paid") == "已发"
    )
    with pytest.raises(AccessDenied):
        S.reveal(door, "payments", payment, "account_no")
    assert (
        S.reveal(world.door(world.admin), "payments", payment, "account_no") == "6001001234567890"
    )
    assert (
        S.reveal(
            world.door(world.admin),
            "households",
            world.db.execute("SELECT id FROM households").fetchone()[0],
            "id_number",
        )
        == number
    )
    actions = [
        r[0]
        for r in world.db.execute(
            "SELECT action FROM audit WHERE action LIKE 'reveal%' ORDER BY seq"
        )
    ]
    assert actions == ["reveal_refused", "reveal", "reveal"]
    assert len(PagedResult(world.db.conn, S.payments_query(world.db, world.clerk_b.scope))) == 0


def test_search_by_name_pinyin_and_id_tail(world: World, elder: str) -> None:
    number = world.db.execute("SELECT id_number FROM persons WHERE id = ?", [elder]).fetchone()[0]
    world.db.execute("UPDATE persons SET pinyin = 'wjg' WHERE id = ?", [elder])
    add_family(world, add_person(world, "赵六", "1955-01-01"), poor=True)
    scope = world.clerk_a.scope
    for text in ("王建", "wj", number[-4:], number[-6:]):
        found = PagedResult(world.db.conn, S.households_query(world.db, scope, text))
        assert len(found) == 1 and found.row(0)[0] == "王建国", text
    assert len(PagedResult(world.db.conn, S.households_query(world.db, scope, poor_only=True))) == 1
    qualify(world, elder)
    reward = S.programme_by_code(world.db, "reward")
    q = S.qualifications_query(world.db, scope, reward.id, 2026, "new", "wjg")
    assert len(PagedResult(world.db.conn, q)) == 1


def test_summaries_use_the_covering_indexes(world: World) -> None:
    plans = []
    for sql in (
        "SELECT programme_id, count(DISTINCT person_id) FROM payments WHERE deleted = 0"
        " AND pay_date >= '2026-01-01' AND pay_date <= '2026-03-31' AND status IN ('paid','repaid')"
        " GROUP BY programme_id",
        "SELECT count(DISTINCT person_id) FROM qualifications WHERE deleted = 0 AND programme_id = 'x'"
        " AND year = 2026 AND confirmed_on >= '2026-01-01' AND confirmed_on <= '2026-03-31'",
    ):
        plans.append(" ".join(r[-1] for r in world.db.execute(f"EXPLAIN QUERY PLAN {sql}")))
    assert "COVERING INDEX payments_date" in plans[0]
    assert "COVERING INDEX qualifications_year" in plans[1]
