"""The main window: tabs, menus, status bar, about box, backup."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QLabel
from pytestqt.qtbot import QtBot

from desktop import __version__
from desktop.domain import periods
from desktop.store.db import schema_version
from desktop.ui.context import AppContext
from desktop.ui.main_window import MainWindow

LABELS = ["康检活动", "帮扶发放", "两免一补", "季度汇总", "趋势图表", "设置"]
KEYS = ["kangjian", "subsidy", "exemption", "summary", "charts", "settings"]


@pytest.fixture
def window(admin_ctx: AppContext, qtbot: QtBot) -> MainWindow:
    w = MainWindow(admin_ctx)
    qtbot.addWidget(w)
    w.show()
    return w


def test_title_and_tabs_in_order(window: MainWindow) -> None:
    assert window.windowTitle() == "民生台账 — 示范区"
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == LABELS
    assert window.tab_keys() == KEYS


def test_only_the_shown_tab_is_built_and_others_on_first_click(window: MainWindow) -> None:
    assert list(window.tab_pages) == ["kangjian"]
    window.tabs.setCurrentIndex(KEYS.index("settings"))  # as a click on the tab bar does
    assert list(window.tab_pages) == ["kangjian", "settings"]
    assert window.tabs.currentWidget() is window.tab_pages["settings"]
    assert window.tabs.tabText(KEYS.index("settings")) == "设置"


@pytest.mark.parametrize(("label", "key"), list(zip(LABELS, KEYS, strict=True)))
def test_each_tab_can_be_selected_by_label_and_key(window: MainWindow, label: str,
                                                   key: str) -> None:
    other = "settings" if key != "settings" else "kangjian"
    window.select_tab(other)
    page = window.select_tab(label)
    assert window.tabs.currentWidget() is page is window.tab_pages[key]
    window.select_tab(other)
    assert window.select_tab(key) is page
    assert window.tabs.tabText(window.tabs.currentIndex()) == label


def test_unknown_tab_lists_the_valid_ones(window: MainWindow) -> None:
    with pytest.raises(ValueError) as info:
        window.select_tab("报表")
    message = str(info.value)
    assert "报表" in message
    assert all(label in message and key in message for label, key in zip(LABELS, KEYS, strict=True))


def test_every_tab_becomes_ready(window: MainWindow, qtbot: QtBot) -> None:
    for key in KEYS:
        page = window.select_tab(key)
        qtbot.waitUntil(page.is_ready, timeout=5000)


def status_texts(window: MainWindow) -> list[str]:
    return [label.text() for label in window.statusBar().findChildren(QLabel)]


def test_status_bar_shows_user_scope_and_period(window: MainWindow) -> None:
    texts = status_texts(window)
    assert "王建华（区管理员）" in texts
    assert "管辖：示范区" in texts
    assert window.period_label() == periods.quarter_of(date.today()).label
    combo = window.period_combo
    assert combo.itemData(combo.count() - 1) == "2024Q1"  # newest first, back to 2024Q1


def test_status_bar_of_a_clerk(clerk_ctx: AppContext, qtbot: QtBot) -> None:
    w = MainWindow(clerk_ctx)
    qtbot.addWidget(w)
    assert "李秀英（录入员）" in status_texts(w)
    assert "管辖：城关街道办事处" in status_texts(w)


def test_choosing_a_period_tells_the_hub(window: MainWindow, admin_ctx: AppContext,
                                         qtbot: QtBot) -> None:
    combo = window.period_combo
    index = combo.findData("2025Q2")
    with qtbot.waitSignal(admin_ctx.hub.period_changed) as signal:
        combo.setCurrentIndex(index)
    assert signal.args == ["2025Q2"]
    assert admin_ctx.period.key == "2025Q2"
    assert window.period_label() == "2025年第二季度"
    admin_ctx.set_period(periods.quarter(2024, 3))  # set elsewhere: the combo follows
    assert combo.currentData() == "2024Q3"


def test_about_box_facts(window: MainWindow, admin_ctx: AppContext, qtbot: QtBot) -> None:
    about = window.about_dialog()
    qtbot.addWidget(about)
    text = about.text()
    assert __version__ in text
    assert str(admin_ctx.db_path) in text
    assert f"数据库版本: {schema_version(admin_ctx.db)}" in text
    assert "字体" in text


def test_backup_menu_writes_a_copy(window: MainWindow, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "copy.db"
    offered: list[str] = []

    def fake_dialog(_parent: object, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        offered.append(suggested)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    window.backup_action.trigger()
    assert "备份" in Path(offered[0]).name
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT count(*) FROM persons").fetchone()[0] == 60
    conn.close()
    assert "已备份到" in window.statusBar().currentMessage()


def test_quit_shortcut(window: MainWindow) -> None:
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    window.quit_action.trigger()
    assert not window.isVisible()
