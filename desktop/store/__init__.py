"""SQLite storage: schema and migrations, the one write door, audit, queries. No Qt here."""

import sys as _sys


def _import_sqlite_utils_lean() -> None:
    """Import sqlite-utils without letting it pull in numpy or pandas.

    sqlite-utils imports numpy and pandas when they are installed, only to convert their scalar
    types in its own insert helpers, which the store does not use (writes go through the door's
    ``executemany``). numpy is installed for pyqtgraph's charts, and loading it here added about
    50 ms to every start (pandas would add 0.5 s). Charts still import numpy when first shown.
    """
    if "sqlite_utils" in _sys.modules:
        return
    blocked = [m for m in ("numpy", "pandas") if m not in _sys.modules]
    for name in blocked:
        _sys.modules[name] = None  # type: ignore[assignment]  # makes ``import numpy`` fail
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in blocked:
            del _sys.modules[name]


_import_sqlite_utils_lean()
