"""Storage errors.

Two kinds, as the house style asks: the user's world (disk full, file locked or read-only, a database
from a newer version, not a database at all) is a ``StorageError`` whose message says what happened
and what to do; everything else (constraint violations, SQL mistakes) is a bug and is left to the
crash dialog.
"""

from __future__ import annotations

import sqlite3


class StorageError(Exception):
    """A problem of the user's world; ``str(exc)`` is a Chinese message fit to show as is."""


class DatabaseTooNew(StorageError):
    pass


class NotADatabase(StorageError):
    pass


class DiskFull(StorageError):
    pass


class ReadOnly(StorageError):
    pass


class DatabaseLocked(StorageError):
    pass


class AccessDenied(PermissionError):
    """The user's role or org-unit scope does not allow this read or write."""


class PeriodLocked(PermissionError):
    """The record falls in a submitted or approved period of its office and programme."""


class AuthError(Exception):
    """Wrong user name or password (deliberately not saying which)."""


class Cancelled(Exception):
    """Long work stopped at the user's request; the transaction was rolled back."""


def translate(exc: BaseException, path: object = None) -> BaseException:
    """Turn a sqlite3 error that belongs to the user's world into a StorageError; others unchanged."""
    if not isinstance(exc, sqlite3.Error):
        return exc
    text = str(exc).lower()
    where = f"（{path}）" if path else ""
    if "disk is full" in text or "disk i/o error" in text:
        return DiskFull(
            f"磁盘空间不足或无法写入{where}，本次操作未保存任何内容。请清理磁盘后重试。"
        )
    if "readonly" in text or "read-only" in text:
        return ReadOnly(f"数据库文件是只读的{where}，无法保存。请检查文件权限或另存到可写的位置。")
    if "locked" in text or "busy" in text:
        return DatabaseLocked(
            f"数据库正被其他程序使用{where}。请关闭其他打开此数据库的窗口后重试。"
        )
    if "not a database" in text or "malformed" in text or "encrypted" in text:
        return NotADatabase(f"此文件不是民生台账数据库，或已损坏{where}。请从备份恢复。")
    if "unable to open" in text:
        return StorageError(f"无法打开数据库文件{where}。请检查路径是否存在、是否有访问权限。")
    return exc
