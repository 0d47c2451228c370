"""The window on the real demo district (desktop.demo), signed in through the log-in dialog."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from desktop.demo import build_demo
from desktop.store.db import open_database
from desktop.store.users import User
from desktop.ui.app import sign_in
from desktop.ui.context import AppContext
from desktop.ui.login import LoginDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.paged_model import RECORD_ID_ROLE
from desktop.ui.tabs.kangjian import COL_ID, KangjianTab


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(path, scale=0.05).conn.close()
    return path


def test_clerk_signs_in_and_sees_the_office_register(demo_template: Path, tmp_path: Path,
                                                     qtbot: QtBot) -> None:
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    db = open_database(path)

    def type_and_sign_in() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, LoginDialog) and w.isVisible())
        qtbot.keyClicks(dialog.name_edit, "cg_clerk")
        qtbot.keyClicks(dialog.password_edit, "demo")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, type_and_sign_in)
    user = sign_in(db, path, SimpleNamespace(user=None, password=None, demo_admin=False),
                   screenshot=False)
    assert isinstance(user, User) and user.name == "cg_clerk"

    ctx = AppContext.create(db, path, user)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    texts = [label.text() for label in window.statusBar().findChildren(QLabel)]
    assert any(user.display_name in t for t in texts)
    tab = window.select_tab("康检活动")
    assert isinstance(tab, KangjianTab)
    qtbot.waitUntil(tab.is_ready, timeout=5000)
    # the roster lists the office's women who are on it and have not left it
    expected = db.execute("SELECT count(*) FROM persons p JOIN women w ON w.person_id = p.id"
                          " AND w.deleted = 0 WHERE p.deleted = 0 AND p.office = ?"
                          " AND w.exit_date IS NULL",
                          [user.office]).fetchone()[0]
    assert tab.model.rowCount() == expected > 0
    record_id = tab.model.data(tab.model.index(0, COL_ID), RECORD_ID_ROLE)
    number = db.execute("SELECT id_number FROM persons WHERE id = ?", [record_id]).fetchone()[0]
    assert tab.model.data(tab.model.index(0, COL_ID)) == number[:6] + "********" + number[-4:]
    db.conn.close()
