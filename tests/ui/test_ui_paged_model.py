"""PagedTableModel without any widget: counts, rows, sorting, filters, masking, reveal, refresh."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.ids import mask_id
from desktop.domain.phones import mask_phone
from desktop.ui.context import AppContext
from desktop.ui.paged_model import RAW_ROLE, RECORD_ID_ROLE, PagedTableModel
from desktop.ui.tabs.kangjian import COL_BIRTH, COL_ID, COL_NAME, COL_PHONE, PERSON_COLUMNS

DISPLAY = Qt.ItemDataRole.DisplayRole


def persons_model(ctx: AppContext) -> PagedTableModel:
    return PagedTableModel(ctx, "persons", PERSON_COLUMNS, order=[("birth_date", False)])


def sql(ctx: AppContext, query: str, params: list | tuple = ()) -> list[tuple]:
    return [tuple(r) for r in ctx.db.execute(query, list(params)).fetchall()]


def test_row_count_and_first_and_last_rows(admin_ctx: AppContext) -> None:
    model = persons_model(admin_ctx)
    rows = sql(
        admin_ctx,
        "SELECT name, birth_date FROM persons WHERE deleted = 0 ORDER BY birth_date, rowid",
    )
    assert model.rowCount() == len(rows) == 60
    assert model.columnCount() == len(PERSON_COLUMNS)
    assert model.headerData(COL_NAME, Qt.Orientation.Horizontal, DISPLAY) == "姓名"
    for row in (0, len(rows) - 1):
        assert model.data(model.index(row, COL_NAME), DISPLAY) == rows[row][0]
        assert model.data(model.index(row, COL_BIRTH), RAW_ROLE) == rows[row][1]
    assert model.data(model.index(len(rows), COL_NAME), DISPLAY) is None


def test_sort_both_ways_in_sql(admin_ctx: AppContext) -> None:
    model = persons_model(admin_ctx)
    births = [r[0] for r in sql(admin_ctx, "SELECT birth_date FROM persons WHERE deleted = 0")]
    model.sort(COL_BIRTH, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, COL_BIRTH), RAW_ROLE) == max(births)
    assert model.data(model.index(59, COL_BIRTH), RAW_ROLE) == min(births)
    model.sort(COL_BIRTH, Qt.SortOrder.AscendingOrder)
    assert model.data(model.index(0, COL_BIRTH), RAW_ROLE) == min(births)
    got = [model.data(model.index(i, COL_BIRTH), RAW_ROLE) for i in range(model.rowCount())]
    assert got == sorted(births)


def test_filter(admin_ctx: AppContext, qtbot: QtBot) -> None:
    model = persons_model(admin_ctx)
    expected = sql(admin_ctx, "SELECT count(*) FROM persons WHERE hukou = 'rural' AND deleted = 0")
    with qtbot.waitSignal(model.count_changed) as blocker:
        model.set_filter(["t.hukou = ?"], ["rural"])
    assert blocker.args == [expected[0][0]]
    assert 0 < model.rowCount() == expected[0][0] < 60
    assert all(
        model.data(model.index(i, len(PERSON_COLUMNS) - 1), RAW_ROLE) == "rural"
        for i in range(model.rowCount())
    )
    model.set_filter([], [])
    assert model.rowCount() == 60


def test_sensitive_columns_are_masked(admin_ctx: AppContext) -> None:
    model = persons_model(admin_ctx)
    record_id = model.data(model.index(0, COL_NAME), RECORD_ID_ROLE)
    number, phone = sql(
        admin_ctx, "SELECT id_number, phone FROM persons WHERE id = ?", [record_id]
    )[0]
    shown = model.data(model.index(0, COL_ID), DISPLAY)
    assert shown == mask_id(number) and "********" in shown and shown != number
    assert model.data(model.index(0, COL_ID), RAW_ROLE) == shown  # raw role does not leak it
    assert model.data(model.index(0, COL_PHONE), DISPLAY) == mask_phone(phone) != phone


def audit_rows(ctx: AppContext, action: str) -> list[tuple]:
    return sql(
        ctx, "SELECT user, table_name, record_id, after FROM audit WHERE action = ?", [action]
    )


def test_reveal_is_audited(admin_ctx: AppContext, qtbot: QtBot) -> None:
    model = persons_model(admin_ctx)
    index = model.index(3, COL_ID)
    record_id = model.record_id(3)
    number = sql(admin_ctx, "SELECT id_number FROM persons WHERE id = ?", [record_id])[0][0]
    assert audit_rows(admin_ctx, "reveal") == []
    with qtbot.waitSignal(model.dataChanged):
        assert model.reveal(index) is True
    assert model.data(index, DISPLAY) == number
    assert not model.is_masked(index)
    assert model.is_masked(model.index(4, COL_ID))  # only that one value
    assert model.is_masked(model.index(3, COL_PHONE))  # and only that field
    rows = audit_rows(admin_ctx, "reveal")
    assert len(rows) == 1
    user, table, rid, detail = rows[0]
    assert (user, table, rid) == ("admin", "persons", record_id)
    assert json.loads(detail) == {"field": "id_number"}
    assert model.reveal(index) is True  # already revealed: not logged again
    assert len(audit_rows(admin_ctx, "reveal")) == 1
    model.refresh()  # stays revealed after a re-read
    assert model.data(model.index(model.row_of(record_id), COL_ID), DISPLAY) == number


def test_reveal_refused_without_permission(clerk_ctx: AppContext) -> None:
    assert not clerk_ctx.user.can_reveal
    model = persons_model(clerk_ctx)
    index = model.index(0, COL_ID)
    assert model.reveal(index) is False
    assert model.is_masked(index)
    assert "****" in model.data(index, DISPLAY)
    assert audit_rows(clerk_ctx, "reveal") == []
    refused = audit_rows(clerk_ctx, "reveal_refused")
    assert [(r[0], r[2]) for r in refused] == [("cg_clerk", model.record_id(0))]


def test_reveal_of_a_plain_column_does_nothing(admin_ctx: AppContext) -> None:
    model = persons_model(admin_ctx)
    assert model.reveal(model.index(0, COL_NAME)) is False
    assert audit_rows(admin_ctx, "reveal") == []


def test_scope_limits_rows(clerk_ctx: AppContext) -> None:
    model = persons_model(clerk_ctx)
    expected = sql(clerk_ctx, "SELECT count(*) FROM persons WHERE office = 'CG' AND deleted = 0")
    assert 0 < model.rowCount() == expected[0][0] < 60


def test_refresh_on_data_changed_for_its_table(admin_ctx: AppContext, qtbot: QtBot) -> None:
    model = persons_model(admin_ctx)
    door = admin_ctx.door()
    community = admin_ctx.tree.communities()[0].id
    door.insert(
        "persons",
        {"community_id": community, "name": "新人", "pinyin": "xr", "created_on": "2026-01-01"},
    )
    assert model.rowCount() == 60  # nobody told it yet
    with qtbot.assertNotEmitted(model.modelReset):
        admin_ctx.hub.data_changed.emit("births")
    with qtbot.waitSignal(model.modelReset):
        admin_ctx.hub.data_changed.emit("persons")
    assert model.rowCount() == 61
    door.delete("persons", model.record_id(0))
    admin_ctx.hub.data_changed.emit("persons")
    assert model.rowCount() == 60  # tombstoned rows are not shown


@pytest.mark.parametrize("column", [COL_NAME, COL_ID])
def test_header_labels(admin_ctx: AppContext, column: int) -> None:
    model = persons_model(admin_ctx)
    label = model.headerData(column, Qt.Orientation.Horizontal, DISPLAY)
    assert label == PERSON_COLUMNS[column].label
    assert model.headerData(column, Qt.Orientation.Vertical, DISPLAY) == column + 1


def test_a_far_jump_reads_the_order_on_a_worker_and_shows_pending_rows(
    admin_ctx: AppContext, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dragging the scroll bar far past the rows read so far does not walk the order on the GUI
    thread (seconds on a million rows): the rows show as pending (…) until a worker has read the
    rest of the order, then they are painted with their values — the same as a plain read."""
    from desktop.store import paged

    monkeypatch.setattr(paged, "FIRST_CHUNK", 10)
    monkeypatch.setattr(paged, "PAGE_SIZE", 5)
    monkeypatch.setattr(paged, "JUMP", 20)
    model = persons_model(admin_ctx)
    rows = sql(admin_ctx, "SELECT name FROM persons WHERE deleted = 0 ORDER BY birth_date, rowid")
    known = len(model.result.rowids)
    assert model.rowCount() == 60 and known < 50
    assert model.data(model.index(2, COL_NAME), DISPLAY) == rows[2][0]  # near: read at once
    with (
        qtbot.waitSignal(model.rest_loaded, timeout=10000),
        qtbot.waitSignal(model.dataChanged),
        qtbot.waitSignal(model.rest_started, timeout=0),
    ):
        assert model.data(model.index(50, COL_NAME), DISPLAY) == PagedTableModel.PENDING
        assert model.data(model.index(50, COL_NAME), RAW_ROLE) is None
        assert model.record_id(50) is None
        assert model.reading_rest
        model.data(model.index(55, COL_NAME), DISPLAY)  # asking again starts no second worker
        assert len(model.result.rowids) == known  # nothing walked on this thread
    assert not model.reading_rest and len(model.result.rowids) == 60
    got = [model.data(model.index(i, COL_NAME), DISPLAY) for i in range(60)]
    assert got == [r[0] for r in rows]


def test_rows_read_here_while_the_worker_ran_are_kept(admin_ctx: AppContext) -> None:
    from desktop.store.paged import PagedResult

    model = persons_model(admin_ctx)
    result: PagedResult = model.result
    all_rowids = list(result.rowids)
    del result.rowids[20:]
    sql_text, params, start = result.rest_sql()
    assert start == 20
    rest = [r[0] for r in admin_ctx.db.execute(sql_text, params)]
    assert rest == all_rowids[20:]
    result.load_all()  # the GUI read them meanwhile
    assert result.adopt(start, rest) and list(result.rowids) == all_rowids
    del result.rowids[10:]
    assert not result.adopt(20, rest)  # no longer follows what is known: nothing taken
    assert len(result.rowids) == 10
    assert result.adopt(10, all_rowids[10:40]) and result.count == 40  # fewer: rows vanished


def test_a_new_filter_cancels_the_read_of_the_old_order(
    admin_ctx: AppContext, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.store import paged

    monkeypatch.setattr(paged, "FIRST_CHUNK", 10)
    monkeypatch.setattr(paged, "PAGE_SIZE", 5)
    monkeypatch.setattr(paged, "JUMP", 20)
    model = persons_model(admin_ctx)
    model.data(model.index(50, COL_NAME), DISPLAY)
    job = model._rest_job
    assert job is not None and model.reading_rest
    model.set_filter(["t.hukou = ?"], ["rural"])
    assert job.is_cancelled() and not model.reading_rest
    qtbot.waitUntil(lambda: job.done, timeout=10000)
    qtbot.wait(50)  # its late answer, if any, is for a result no longer shown
    assert model.rowCount() == len(model.result.rowids) < 60
