"""Start-up of the desktop application: ``run(options) -> exit status``.

``options`` is any object with these attributes (the command line builds it)::

    db          Path        the database file (created and migrated if needed)
    user        str | None  user name to sign in as
    password    str | None  that user's password (the caller reads MINSHENG_PASSWORD)
    tab         str | None  tab to open on, by key (kangjian, …) or label (康检活动, …)
    screenshot  Path | None save a PNG of the window once the tab has painted its data, then exit
    demo_admin  bool        sign in as the administrator with no dialog (``minsheng --demo``)

Exit status: 0 normal (also when the user closes the log-in dialog), 1 a failure (a database that
cannot be opened, a screenshot that could not be written), 2 bad input (unknown tab; in screenshot
mode missing or wrong credentials, since no dialog may block).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QLibraryInfo,
    QLocale,
    QMessageLogContext,
    QTimer,
    QtMsgType,
    QTranslator,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from desktop import __version__
from desktop.resources import resource_path
from desktop.store import users
from desktop.store.db import open_database
from desktop.store.door import WriteDoor
from desktop.store.errors import AuthError, StorageError
from desktop.ui.context import AppContext
from desktop.ui.crash import install_excepthook
from desktop.ui.fonts import install_fonts
from desktop.ui.forms import app_icon
from desktop.ui.i18n import fill
from desktop.ui.login import FirstRunDialog, LoginDialog
from desktop.ui.main_window import MainWindow

APP_NAME = "民生台账"
ORG_NAME = "民生台账"
SCREENSHOT_TIMEOUT_MS = 10_000


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip() + "\n")
    sys.stderr.flush()


# Messages of Qt platform plugins that say nothing about the application (offscreen screenshots).
QT_NOISE = ("This plugin does not support propagateSizeHints()",)


def _quiet_qt_messages(previous: Any) -> Any:
    def handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if message in QT_NOISE:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            sys.stderr.write(message + "\n")

    return handler


def make_application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0] if sys.argv else "minsheng"])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("minsheng")  # links the window to minsheng.desktop on Wayland
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")
    qss = resource_path("style.qss")
    if qss.is_file():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    return app


def install_translators(app: QApplication, language: str | None = None) -> list[QTranslator]:
    """Source strings are Chinese. Another language needs ``resources/i18n/minsheng_<lang>.qm``;
    without one the app stays Chinese and Qt's own dialogs are made Chinese to match.

    The language is ``MINSHENG_LANG`` if set, else the system locale.
    """
    language = language or os.environ.get("MINSHENG_LANG") or QLocale.system().name()
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    installed: list[QTranslator] = []
    own = QTranslator(app)
    found = False
    if not language.startswith("zh"):
        for name in (f"minsheng_{language}", f"minsheng_{language.split('_')[0]}"):
            qm = resource_path("i18n", f"{name}.qm")
            if qm.is_file() and own.load(str(qm)):
                found = True
                break
    if found:
        app.installTranslator(own)
        installed.append(own)
    qt = QTranslator(app)
    if qt.load(QLocale(language if found else "zh_CN"), "qtbase", "_", qt_dir):
        app.installTranslator(qt)
        installed.append(qt)
    return installed


def _demo_admin(db: Any) -> users.User:
    try:
        return users.load_user(db, "admin")
    except AuthError:
        admins = [u for u in users.list_users(db) if u["role"] == "admin" and not u["disabled"]]
        admin = admins[0] if admins else None
        if admin is None:
            raise
        return users.load_user(db, str(admin["name"]))


def sign_in(db: Any, db_path: Path, options: Any, screenshot: bool) -> users.User | int:
    """The signed-in user, or an exit status when nobody signed in."""
    user_name = getattr(options, "user", None) or ""
    password = getattr(options, "password", None)
    if not users.has_users(db):
        if screenshot:
            _err(QCoreApplication.translate(
                "app", "数据库中还没有任何用户，无法在截图模式下登录。"
                "请先正常启动程序，创建区管理员账户。"))
            return 2
        first = FirstRunDialog(db, db_path)
        if first.exec() != QDialog.DialogCode.Accepted or first.user is None:
            return 0
        return first.user
    if getattr(options, "demo_admin", False):
        user = _demo_admin(db)
        WriteDoor(db, user).log("login", detail={"mode": "demo"})
        return user
    error = ""
    if user_name and password:
        try:
            return users.authenticate(db, user_name, password,
                                      getattr(options, "precheck", None))
        except AuthError as exc:
            if screenshot:
                _err(fill(QCoreApplication.translate("app", "登录失败：%1（用户 %2）"),
                          exc, user_name))
                return 2
            error = str(exc)
    if screenshot:
        if not user_name:
            _err(QCoreApplication.translate(
                "app", "截图模式需要登录：请用 --user 指定用户名，"
                "并在环境变量 MINSHENG_PASSWORD 中提供密码。"))
        else:
            _err(fill(QCoreApplication.translate(
                "app", "截图模式需要用户 %1 的密码：请在环境变量 MINSHENG_PASSWORD 中提供。"),
                user_name))
        return 2
    dialog = LoginDialog(db, db_path, user_name=user_name, error=error)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.user is None:
        return 0
    return dialog.user


def wait_until_ready(tab: Any, timeout_ms: int = SCREENSHOT_TIMEOUT_MS) -> bool:
    if tab.is_ready():
        return True
    loop = QEventLoop()
    tab.ready.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    return bool(tab.is_ready())


def run(options: Any) -> int:
    db_path = Path(options.db).expanduser()
    screenshot = getattr(options, "screenshot", None)
    interactive = screenshot is None
    app = make_application()
    font_family = install_fonts(app)
    translators = install_translators(app)  # noqa: F841  (kept alive until run returns)
    previous_hook = sys.excepthook
    previous_qt_handler = qInstallMessageHandler(None)
    qInstallMessageHandler(_quiet_qt_messages(previous_qt_handler))
    handler = install_excepthook(lambda: db_path, interactive=interactive)
    db = None
    try:
        try:
            db = open_database(db_path)
        except StorageError as exc:
            if interactive:
                QMessageBox.critical(None, QCoreApplication.translate("app", "无法打开数据库"),
                                     str(exc))
            else:
                _err(str(exc))
            return 1

        signed = sign_in(db, db_path, options, screenshot=not interactive)
        if isinstance(signed, int):
            return signed
        ctx = AppContext.create(db, db_path, signed, font_family=font_family)
        window = MainWindow(ctx)
        tab = getattr(options, "tab", None)
        if tab:
            try:
                window.select_tab(tab)
            except ValueError as exc:
                _err(str(exc))
                return 2
        if screenshot is None and _small_screen(app):
            window.showMaximized()
        else:
            window.show()
        if screenshot is not None:
            return _screenshot(app, window, Path(screenshot))
        return int(app.exec())
    except Exception:
        handler(*sys.exc_info())  # type: ignore[arg-type]
        return 1
    finally:
        sys.excepthook = previous_hook
        qInstallMessageHandler(previous_qt_handler)
        if db is not None:
            db.conn.close()


def _small_screen(app: QApplication) -> bool:
    screen = app.primaryScreen()
    if screen is None:
        return False
    available = screen.availableGeometry()
    return available.width() < 1300 or available.height() < 820


def _screenshot(app: QApplication, window: Any, path: Path) -> int:
    ready = wait_until_ready(window.current_tab())
    app.processEvents()
    path = path.expanduser()
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    # quality 80 is zlib level 2 for PNG: the same size here, a third faster than the default
    if not window.grab().save(str(path), "PNG", 80):
        _err(fill(QCoreApplication.translate("app", "无法保存截图：%1"), path))
        window.close()
        return 1
    window.close()
    if not ready:
        _err(fill(QCoreApplication.translate(
            "app", "页面在 %1 秒内没有显示完数据；截图已保存，但可能不完整：%2"),
            SCREENSHOT_TIMEOUT_MS // 1000, path))
        return 1
    return 0
