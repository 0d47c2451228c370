"""Importing clerks' spreadsheets: reading .xlsx/.xls/.csv, matching headers, normalising what
clerks type, validating every row before anything is written, writing through the one write
door in one transaction, templates and error workbooks.

The API other modules code against lives in :mod:`desktop.imports.spec` (kinds and fields) and
:mod:`desktop.imports.pipeline` (``run_import``); the template writer in
:mod:`desktop.imports.template`.
"""

from desktop.imports.pipeline import ImportRejected, ImportReport, RowError, run_import
from desktop.imports.spec import (
    KINDS,
    Field,
    ImportKind,
    RowContext,
    get_kind,
    load_kinds,
    register_kind,
)
from desktop.imports.template import write_template

__all__ = [
    "KINDS",
    "Field",
    "ImportKind",
    "ImportRejected",
    "ImportReport",
    "RowContext",
    "RowError",
    "get_kind",
    "load_kinds",
    "register_kind",
    "run_import",
    "write_template",
]
