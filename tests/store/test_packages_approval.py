"""The approval loop by packages: submit (locks), return with comments (unlocks at the office),
approve (locked for good), reopen with a reason; the entry deadline with per-office exceptions."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.domain.errors import ValidationError
from desktop.domain.periods import parse_period
from desktop.store import package_approval as approval
from desktop.store.errors import AccessDenied, PeriodLocked
from desktop.store.locks import status_of
from desktop.store.package_deadline import cutoff, deadline_locks, set_deadline, set_exception
from tests.store import test_packages_world as world
from tests.store.test_packages_world import Loop

loop_template, loop = world.loop_template, world.loop  # the fixtures

Q1 = parse_period("2026Q1")


def _birth(loop: Loop, code: str, day: str = "2026-03-05") -> str:
    return loop.door(code).insert(
        "births",
        {
            "community_id": loop.community(code),
            "birth_date": day,
            "sex": "M",
            "policy": "in_policy",
        },
    )


def test_a_quarter_goes_round_the_loop_by_packages(loop: Loop) -> None:
    record = loop.births("A")[0]["id"]
    approval.submit(loop.door("A", "reviewer"), "A", "population", Q1)
    with pytest.raises(PeriodLocked):
        loop.door("A").update("births", record, {"child_name": "锁定后改"})

    receipt = loop.to_district(loop.export("A"))
    assert "已提交" in receipt.text()
    assert status_of(loop.district, "A", "population", Q1) == "submitted"

    with pytest.raises(ValidationError, match="必须写明意见"):
        approval.return_with_comments(loop.door("district"), "A", "population", Q1, " ")
    approval.return_with_comments(
        loop.door("district"), "A", "population", Q1, "3月出生登记缺性别核对"
    )
    back = loop.into_office("A", loop.back("A"))
    assert "退回（意见：3月出生登记缺性别核对）" in back.text()
    [sub] = approval.submissions(loop.offices["A"], "A", "2026Q1")
    assert (sub.status, sub.comment) == ("returned", "3月出生登记缺性别核对")

    # unlocked at the office: the correction goes in, then the quarter is submitted again
    loop.door("A").update("births", record, {"child_name": "更正"})
    approval.submit(loop.door("A", "reviewer"), "A", "population", Q1)
    again = loop.to_district(loop.export("A"))
    assert again.total("conflicts") == 0
    assert status_of(loop.district, "A", "population", Q1) == "submitted"
    child = loop.district.execute("SELECT child_name FROM births WHERE id = ?", [record])
    assert child.fetchone()[0] == "更正"

    approval.approve(loop.door("district"), "A", "population", Q1)
    loop.into_office("A", loop.back("A"))
    assert status_of(loop.offices["A"], "A", "population", Q1) == "approved"
    with pytest.raises(PeriodLocked):
        loop.door("A").update("births", record, {"child_name": "审核后改"})
    with pytest.raises(ValidationError):  # approved: the office cannot submit or move it
        approval.submit(loop.door("A", "reviewer"), "A", "population", Q1)


def test_only_the_administrator_reopens_and_only_with_a_reason(loop: Loop) -> None:
    approval.submit(loop.door("A", "reviewer"), "A", "population", Q1)
    loop.to_district(loop.export("A"))
    approval.approve(loop.door("district"), "A", "population", Q1)
    with pytest.raises(ValidationError):
        approval.reopen(loop.door("district"), "A", "population", Q1, "")
    with pytest.raises(AccessDenied):
        approval.reopen(loop.door("A", "reviewer"), "A", "population", Q1, "理由")
    approval.reopen(loop.door("district"), "A", "population", Q1, "审计发现漏报")
    assert status_of(loop.district, "A", "population", Q1) == "returned"
    logged = loop.district.execute("SELECT count(*) FROM audit WHERE action = 'reopen'")
    assert logged.fetchone()[0] == 1
    loop.into_office("A", loop.back("A"))
    [sub] = approval.submissions(loop.offices["A"], "A", "2026Q1")
    assert sub.comment == "重新打开：审计发现漏报"
    _birth(loop, "A")  # open again at the office


def test_an_office_cannot_approve_its_own_quarter(loop: Loop) -> None:
    approval.submit(loop.door("A", "reviewer"), "A", "population", Q1)
    with pytest.raises(AccessDenied):
        approval.approve(loop.door("A", "reviewer"), "A", "population", Q1)


def test_cutoff_is_the_last_quarter_past_its_deadline() -> None:
    assert cutoff(15, date(2026, 4, 15)).key == "2025Q4"
    assert cutoff(15, date(2026, 4, 16)).key == "2026Q1"
    assert cutoff(0, date(2026, 4, 1)).key == "2026Q1"


def test_the_district_sets_the_entry_deadline_and_the_packages_carry_it(loop: Loop) -> None:
    set_deadline(loop.district, loop.admin, 10)
    set_exception(loop.district, loop.admin, "A", None, None, "补录2025年数据")
    for code in ("A", "B"):
        loop.into_office(code, loop.back(code))
    assert deadline_locks(loop.offices["B"], date.today())
    with pytest.raises(PeriodLocked, match="录入期限"):
        _birth(loop, "B", "2025-01-10")
    _birth(loop, "B", date.today().isoformat())  # the current quarter stays open
    _birth(loop, "A", "2025-01-10")  # A's exception: no automatic lock
    # the district itself is not bound by the deadline
    loop.door("district").insert(
        "births",
        {
            "community_id": _district_community(loop, "B"),
            "birth_date": "2025-01-10",
            "sex": "F",
            "policy": "in_policy",
        },
    )
    # lifting the exception reaches A with the next package
    set_exception(loop.district, loop.admin, "A", None, None, remove=True)
    loop.into_office("A", loop.back("A"))
    with pytest.raises(PeriodLocked):
        _birth(loop, "A", "2025-01-10")


def _district_community(loop: Loop, code: str) -> str:
    return loop.district.execute(
        "SELECT c.id FROM org_units c JOIN org_units o ON o.id = c.parent_id WHERE o.code = ?"
        " LIMIT 1",
        [code],
    ).fetchone()[0]


def test_only_an_administrator_sets_the_deadline(loop: Loop) -> None:
    with pytest.raises(AccessDenied):
        set_deadline(loop.offices["A"], loop.user("A", "reviewer"), 10)
