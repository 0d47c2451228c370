"""Fixtures of the GUI tests: a fresh copy of a small district database for every test.

The district is built once per session by ``ui_fixtures.build_fixture_db``: two offices, users
``admin`` / ``demo`` (administrator, may reveal) and ``cg_clerk`` / ``demo`` (clerk of 城关街道, may
not), and 60 persons.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_fixtures import Opened, build_fixture_db

from desktop.store.db import open_database
from desktop.ui.context import AppContext


@pytest.fixture(scope="session")
def fixture_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "district.db"
    build_fixture_db(path)
    return path


@pytest.fixture
def db_path(fixture_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the fixture district for this test."""
    path = tmp_path / "district.db"
    shutil.copyfile(fixture_template, path)
    return path


@pytest.fixture
def opened(db_path: Path) -> Iterator[Opened]:
    db = open_database(db_path)
    yield Opened(db, db_path)
    db.conn.close()


@pytest.fixture
def admin_ctx(opened: Opened) -> AppContext:
    return opened.ctx("admin")


@pytest.fixture
def clerk_ctx(opened: Opened) -> AppContext:
    return opened.ctx("cg_clerk")
