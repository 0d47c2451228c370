"""Column names and stored values as a clerk reads them (the district's conflicts screen)."""

from __future__ import annotations

from pathlib import Path

from desktop.domain.labels import choices_for, column_label, masked_text, value_text
from desktop.store.db import open_database
from desktop.store.packages import synced_tables


def test_every_column_of_every_synced_table_has_a_chinese_name(tmp_path: Path) -> None:
    db = open_database(tmp_path / "labels.db")
    unnamed = []
    for table in synced_tables(db):
        for row in db.execute(f"PRAGMA table_info({table})"):
            label = column_label(table, row[1])
            if label == row[1] or not any("\u4e00" <= ch <= "\u9fff" for ch in label):
                unnamed.append(f"{table}.{row[1]}")
    assert unnamed == []


def test_the_same_column_name_is_named_and_read_per_table() -> None:
    assert column_label("payments", "status") == "发放状态"
    assert column_label("qualifications", "status") == "资格状态"
    assert value_text("payments", "status", "returned") == "失败退回"
    assert value_text("qualifications", "status", "continued") == "续发"
    assert column_label("persons", "hukou") == "户籍类型"


def test_values_are_shown_by_label_in_yuan_and_as_yes_no() -> None:
    assert value_text("persons", "hukou", "rural") == "农村"
    assert value_text("persons", "sex", "F") == "女"
    assert value_text("payments", "amount_fen", 48000) == "480.00 元"
    assert value_text("checks", "checked", 1) == "是"
    assert value_text("households", "poor", 0) == "否"
    assert value_text("campaigns", "items", '["查环","查孕"]') == "查环、查孕"
    assert value_text("persons", "name", "张秀兰") == "张秀兰"
    assert value_text("persons", "phone", None) == ""
    assert value_text("persons", "hukou", "unknown-code") == "unknown-code"  # shown as stored


def test_listing_masks_ids_phones_and_accounts() -> None:
    assert masked_text("persons", "id_number", "110101199003071234") == "110101********1234"
    assert "1234" in masked_text("persons", "phone", "13900001234")
    assert masked_text("persons", "phone", "13900001234") != "13900001234"
    assert masked_text("payments", "account_no", "6217000011112222").endswith("2222")
    assert masked_text("payments", "account_no", "6217000011112222") != "6217000011112222"


def test_a_typed_label_finds_the_stored_key() -> None:
    choices = choices_for("persons", "hukou")
    assert choices is not None and choices.key("农村") == "rural"
    assert choices_for("persons", "name") is None
