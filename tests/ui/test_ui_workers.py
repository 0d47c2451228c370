"""Background work: progress, result, cancel, user errors, bugs, and a worker's own connection."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop.store.db import open_database
from desktop.store.errors import Cancelled, DiskFull
from desktop.ui.workers import ProgressDialog, run_in_background


def test_progress_and_result(qtbot: QtBot) -> None:
    threads: list[int] = []

    def work(progress, cancelled):  # type: ignore[no-untyped-def]
        threads.append(threading.get_ident())
        for i in range(1, 4):
            progress(i, 3, f"第 {i} 步")
        return "完成"

    seen: list[tuple[int, int, str]] = []
    job = run_in_background(work)
    job.progress.connect(lambda d, t, m: seen.append((d, t, m)))
    with qtbot.waitSignal(job.finished, timeout=5000) as signal:
        pass
    assert signal.args == ["完成"]
    qtbot.waitUntil(lambda: len(seen) == 3)
    assert seen == [(1, 3, "第 1 步"), (2, 3, "第 2 步"), (3, 3, "第 3 步")]
    assert threads and threads[0] != threading.get_ident()


def test_cancel(qtbot: QtBot) -> None:
    started = threading.Event()

    def work(progress, cancelled):  # type: ignore[no-untyped-def]
        started.set()
        for _ in range(500):
            if cancelled():
                raise Cancelled("已取消")
            time.sleep(0.01)
        return "too late"

    job = run_in_background(work)
    qtbot.waitUntil(started.is_set, timeout=5000)  # the work starts from the event loop
    with qtbot.waitSignal(job.cancelled, timeout=5000), qtbot.assertNotEmitted(job.finished):
        job.cancel()


def test_user_error_is_a_message(qtbot: QtBot) -> None:
    def work(progress, cancelled):  # type: ignore[no-untyped-def]
        raise DiskFull("磁盘空间不足，本次操作未保存任何内容。")

    job = run_in_background(work)
    with qtbot.waitSignal(job.failed, timeout=5000) as signal:
        pass
    assert signal.args == ["磁盘空间不足，本次操作未保存任何内容。"]


def test_bug_goes_to_the_crash_handler(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda t, e, tb: reported.append(e))

    def work(progress, cancelled):  # type: ignore[no-untyped-def]
        raise KeyError("a bug")

    job = run_in_background(work)
    with qtbot.waitSignal(job.crashed, timeout=5000):
        pass
    qtbot.waitUntil(lambda: len(reported) == 1)
    assert isinstance(reported[0], KeyError)


def test_a_worker_opens_its_own_connection(db_path: Path, qtbot: QtBot) -> None:
    def count_persons(progress, cancelled):  # type: ignore[no-untyped-def]
        db = open_database(db_path)  # this thread's own connection
        try:
            return db.execute("SELECT count(*) FROM persons").fetchone()[0]
        finally:
            db.conn.close()

    job = run_in_background(count_persons)
    with qtbot.waitSignal(job.finished, timeout=5000) as signal:
        pass
    assert signal.args == [60]


def test_progress_dialog_follows_and_cancels(qtbot: QtBot) -> None:
    release = threading.Event()

    def work(progress, cancelled):  # type: ignore[no-untyped-def]
        progress(40, 100, "已写入 40 条")
        while not cancelled():
            if release.wait(0.01):
                break
        if cancelled():
            raise Cancelled("已取消")
        return None

    job = run_in_background(work)
    dialog = ProgressDialog(job, "导入", "正在导入…")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.value() == 40, timeout=5000)
    assert dialog.maximum() == 100 and dialog.labelText() == "已写入 40 条"
    button = dialog.findChild(QPushButton)
    assert button.text() == "取消"
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert job.is_cancelled()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    release.set()
