"""The paged reader behind every table: exact count, SQL order, lazy rowids, pages by rowid."""

from __future__ import annotations

from desktop.store import paged
from desktop.store.paged import Column, PagedResult, Query
from tests.store.conftest import World, person

COLUMNS = [
    Column("name", "姓名", "t.name"),
    Column(
        "community",
        "社区",
        "(SELECT name FROM org_units o WHERE o.id = t.community_id)",
        sortable=False,
    ),
]


def _fill(world: World, n: int) -> None:
    rows = [person(world, "A1" if i % 3 else "B1", name=f"人员{i:05d}") for i in range(n)]
    world.door(world.admin).insert_many("persons", rows)


def test_count_order_and_far_rows(world: World) -> None:
    _fill(world, 5000)
    q = Query("persons", COLUMNS, ["t.deleted = 0"], [], [("name", True)])
    result = PagedResult(world.db.conn, q)
    assert len(result) == 5000
    assert len(result.rowids) < 5000  # only the first chunk is read up front
    assert result.row(0)[0] == "人员04999"
    assert result.row(4999)[0] == "人员00000"
    assert result.row(2500)[0] == "人员02499"
    assert (
        result.row(0)[1] == "A1社区" and result.row(1)[1] == "B1社区"
    )  # 4999 % 3 = 1, 4998 % 3 = 0
    assert [result.row(i)[0] for i in range(3)] == ["人员04999", "人员04998", "人员04997"]


def test_filter_and_scope_fragment(world: World) -> None:
    _fill(world, 300)
    where, params = world.clerk_b.scope.sql("t.office", "t.community_id")
    q = Query("persons", COLUMNS, ["t.deleted = 0", where], params, [("name", False)])
    result = PagedResult(world.db.conn, q)
    assert len(result) == 100  # every third row is in B1
    assert all(result.row(i)[1] == "B1社区" for i in range(len(result)))


def test_page_cache_is_bounded(world: World) -> None:
    _fill(world, 5000)
    result = PagedResult(world.db.conn, Query("persons", COLUMNS, ["t.deleted = 0"], []))
    for i in range(0, 5000, paged.PAGE_SIZE):
        result.row(i)
    assert len(result._pages) <= paged.CACHED_PAGES


def test_joined_source_filters_on_the_joined_table(world: World) -> None:
    _fill(world, 30)
    # stand-in for a roster table joined to persons: only the persons of community B1 are listed
    q = Query(
        "persons",
        COLUMNS,
        ["t.deleted = 0", "o.name = ?"],
        ["B1社区"],
        [("name", False)],
        joins="JOIN org_units AS o ON o.id = t.community_id",
    )
    result = PagedResult(world.db.conn, q)
    assert len(result) == 10
    assert [result.row(i)[0] for i in range(2)] == ["人员00000", "人员00003"]
