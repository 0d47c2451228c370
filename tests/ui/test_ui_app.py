"""The application as a whole, in fresh processes: the real command line, screenshots, start-up
errors, lazy pyqtgraph, and the PySide6 reference-count crash of 6.12.0 on Python 3.11."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def env(**extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "MINSHENG_PASSWORD"}
    out.update(QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), **extra)
    return out


def minsheng(*args: str, timeout: int = 60, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop", *args], cwd=ROOT, env=env(**extra),
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def python(code: str, timeout: int = 60, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                          env=env(**extra), capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def check_png(path: Path) -> QImage:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(path))
    assert not image.isNull()
    assert image.width() >= 1000 and image.height() >= 600
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert len(colours) > 20  # text and table drawn, not a blank window
    return image


@pytest.mark.parametrize(("user", "tab"), [("admin", None), ("cg_clerk", "设置"),
                                           ("admin", "charts")])
def test_screenshot_through_the_command_line(db_path: Path, tmp_path: Path, user: str,
                                             tab: str | None) -> None:
    shot = tmp_path / "shots" / "window.png"
    args = ["--db", str(db_path), "--user", user, "--screenshot", str(shot)]
    if tab:
        args += ["--tab", tab]
    result = minsheng(*args, MINSHENG_PASSWORD="demo")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == ""
    check_png(shot)


def test_screenshot_without_password_is_refused(db_path: Path, tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    result = minsheng("--db", str(db_path), "--user", "admin", "--screenshot", str(shot))
    assert result.returncode == 2
    assert "MINSHENG_PASSWORD" in result.stderr and "Traceback" not in result.stderr
    assert not shot.exists()


def test_unknown_tab_is_bad_input(db_path: Path, tmp_path: Path) -> None:
    result = minsheng("--db", str(db_path), "--user", "admin", "--tab", "报表",
                      "--screenshot", str(tmp_path / "x.png"), MINSHENG_PASSWORD="demo")
    assert result.returncode == 2
    assert "康检活动（kangjian）" in result.stderr


def test_a_file_that_is_not_a_database_gives_a_message(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("这不是数据库" * 200, encoding="utf-8")
    result = minsheng("--db", str(bad), "--user", "admin", "--screenshot",
                      str(tmp_path / "x.png"), MINSHENG_PASSWORD="demo")
    assert result.returncode == 1
    assert "不是民生台账数据库" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_with_options_object(db_path: Path, tmp_path: Path) -> None:
    shot = tmp_path / "run.png"
    result = python(f"""
        from pathlib import Path
        from types import SimpleNamespace
        from desktop.ui.app import run
        options = SimpleNamespace(db=Path({str(db_path)!r}), user=None, password=None,
                                  tab="kangjian", screenshot=Path({str(shot)!r}), demo_admin=True)
        raise SystemExit(run(options))
    """)
    assert result.returncode == 0, result.stderr
    check_png(shot)


def test_pyqtgraph_is_not_imported_at_start_up(db_path: Path) -> None:
    result = python(f"""
        import json, sys
        from pathlib import Path
        from desktop.store.db import open_database
        from desktop.store.users import authenticate
        from desktop.ui.app import make_application
        from desktop.ui.context import AppContext
        from desktop.ui.main_window import MainWindow
        app = make_application()
        db = open_database(Path({str(db_path)!r}))
        window = MainWindow(AppContext.create(db, Path({str(db_path)!r}),
                                              authenticate(db, "admin", "demo")))
        window.show()
        for key in window.tab_keys():
            window.select_tab(key)
            app.processEvents()
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "pyqtgraph")))
    """)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


REFCOUNT_SCRIPT = """
    import json, sys
    from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
    from desktop.ui.context import SignalHub

    app = QCoreApplication([])

    class Emitter(QObject):
        flag = Signal(bool)
        ping = Signal()

    class Receiver(QObject):
        def __init__(self):
            super().__init__()
            self.calls = 0

        @Slot(bool)
        def on_flag(self, value):
            self.calls += 1

        @Slot()
        def on_ping(self):
            self.calls += 1

    emitter, receiver, hub, plain = Emitter(), Receiver(), SignalHub(), QObject()
    emitter.flag.connect(receiver.on_flag)
    emitter.ping.connect(receiver.on_ping)
    hub.data_changed.connect(lambda table: None)
    for _ in range(50):  # warm up caches before measuring
        emitter.flag.emit(True)
        emitter.ping.emit()
        plain.setObjectName("warm")
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(5000):
        emitter.flag.emit(True)  # a bool through a signal
    for _ in range(5000):
        emitter.ping.emit()  # a void slot
    for _ in range(5000):
        plain.setObjectName("x")  # a void C++ method
    for _ in range(5000):
        hub.data_changed.emit("persons")
    print(json.dumps({
        "calls": receiver.calls,
        "true": sys.getrefcount(True) - true_before,
        "none": sys.getrefcount(None) - none_before,
    }))
"""


def test_signal_emits_do_not_leak_references_to_true_or_none() -> None:
    """PySide6 6.12.0 on Python 3.11 drops a reference to True on every bool emit and to None on
    every void call, and aborts with 'Fatal Python error: bool_dealloc' after a few hundred.
    pyproject.toml keeps 6.12 off 3.11; this catches the bug if it comes back in any version."""
    result = python(REFCOUNT_SCRIPT)
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-2000:]}"
    drift = json.loads(result.stdout.strip().splitlines()[-1])
    assert drift["calls"] == 10100
    assert abs(drift["true"]) < 100, drift
    assert abs(drift["none"]) < 100, drift
