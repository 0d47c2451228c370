"""The ordered migration ladder.

Each step takes the schema from ``version - 1`` to ``version`` inside one transaction. Steps are
never edited once released: a change to the schema is a new step at the end. ``tests/store`` migrates
a fixture database of every previous version.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

# Columns every synced record carries (DESIGN.md "Records shared by every programme").
SYNC_COLUMNS = """
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL,
    rev INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
"""


def _v1_core(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        f"""
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE org_units (
            id TEXT PRIMARY KEY,
            parent_id TEXT REFERENCES org_units(id),
            level TEXT NOT NULL CHECK (level IN ('district', 'office', 'community')),
            name TEXT NOT NULL,
            code TEXT,
            stat_code TEXT,
            stat_valid_from TEXT,
            stat_valid_to TEXT,
            sort INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX org_units_office_code ON org_units(code) WHERE level = 'office';
        CREATE INDEX org_units_parent ON org_units(parent_id);
        CREATE TABLE users (
            name TEXT PRIMARY KEY,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('clerk', 'reviewer', 'admin')),
            scope_unit_id TEXT NOT NULL REFERENCES org_units(id),
            password_hash TEXT NOT NULL,
            can_reveal INTEGER NOT NULL DEFAULT 0,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            action TEXT NOT NULL,
            table_name TEXT,
            record_id TEXT,
            office TEXT,
            before TEXT,
            after TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_record ON audit(table_name, record_id);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TABLE submissions (
            {SYNC_COLUMNS},
            programme TEXT NOT NULL,
            period_key TEXT NOT NULL,
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
            comment TEXT
        );
        CREATE UNIQUE INDEX submissions_key ON submissions(office, programme, period_key);
        """,
    )


def _v2_people_and_indicators(conn: sqlite3.Connection) -> None:
    """Person register and the inputs of the headline indicators."""
    run_script(
        conn,
        f"""
        CREATE TABLE persons (
            {SYNC_COLUMNS},
            community_id TEXT NOT NULL REFERENCES org_units(id),
            name TEXT NOT NULL,
            pinyin TEXT NOT NULL DEFAULT '',
            id_number TEXT,
            id_tail TEXT,
            sex TEXT CHECK (sex IN ('M', 'F')),
            birth_date TEXT,
            phone TEXT,
            hukou TEXT,
            entered_on TEXT,
            created_on TEXT NOT NULL
        );
        CREATE UNIQUE INDEX persons_id_number ON persons(id_number)
            WHERE id_number IS NOT NULL AND deleted = 0;
        CREATE INDEX persons_name ON persons(name) WHERE deleted = 0;
        CREATE INDEX persons_office_name ON persons(office, name) WHERE deleted = 0;
        CREATE INDEX persons_pinyin ON persons(pinyin, name) WHERE deleted = 0;
        CREATE INDEX persons_birth_date ON persons(birth_date) WHERE deleted = 0;
        CREATE INDEX persons_id_tail ON persons(id_tail) WHERE deleted = 0;
        CREATE INDEX persons_community ON persons(community_id, name) WHERE deleted = 0;

        -- Resident population of a community on a date (normally each quarter end).
        CREATE TABLE population_counts (
            {SYNC_COLUMNS},
            community_id TEXT NOT NULL REFERENCES org_units(id),
            as_of TEXT NOT NULL,
            population INTEGER NOT NULL CHECK (population >= 0),
            married_women INTEGER NOT NULL DEFAULT 0 CHECK (married_women >= 0),
            contraception_users INTEGER NOT NULL DEFAULT 0
                CHECK (contraception_users >= 0 AND contraception_users <= married_women)
        );
        CREATE UNIQUE INDEX population_counts_key ON population_counts(community_id, as_of)
            WHERE deleted = 0;

        CREATE TABLE births (
            {SYNC_COLUMNS},
            community_id TEXT NOT NULL REFERENCES org_units(id),
            birth_date TEXT NOT NULL,
            sex TEXT NOT NULL CHECK (sex IN ('M', 'F')),
            policy TEXT NOT NULL CHECK (policy IN ('in_policy', 'out_policy')),
            child_name TEXT,
            mother_name TEXT,
            mother_id_number TEXT
        );
        CREATE INDEX births_date ON births(birth_date, office);

        CREATE TABLE deaths (
            {SYNC_COLUMNS},
            community_id TEXT NOT NULL REFERENCES org_units(id),
            death_date TEXT NOT NULL,
            sex TEXT CHECK (sex IN ('M', 'F')),
            name TEXT,
            id_number TEXT
        );
        CREATE INDEX deaths_date ON deaths(death_date, office);

        -- 事业费: budgeted and in-place funds of an office for a period, in 分.
        CREATE TABLE funds (
            {SYNC_COLUMNS},
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            budget_fen INTEGER NOT NULL CHECK (budget_fen >= 0),
            in_place_fen INTEGER NOT NULL CHECK (in_place_fen >= 0)
        );
        CREATE UNIQUE INDEX funds_key ON funds(office, period_start, period_end) WHERE deleted = 0;

        -- The city's targets per indicator and year.
        CREATE TABLE indicator_targets (
            indicator TEXT NOT NULL,
            year INTEGER NOT NULL,
            target TEXT NOT NULL,
            comparator TEXT NOT NULL CHECK (comparator IN ('<=', '>=')),
            PRIMARY KEY (indicator, year)
        );
        """,
    )


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run a multi-statement script inside the caller's transaction.

    ``executescript`` would COMMIT first and so break the one-transaction-per-step rule.
    """
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            conn.execute(pending)
            pending = ""
    leftover = [ln for ln in pending.splitlines() if ln.strip() and not ln.strip().startswith("--")]
    if leftover:
        raise ValueError(f"incomplete SQL statement: {pending!r}")


@dataclass(frozen=True)
class Step:
    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


LADDER: tuple[Step, ...] = (
    Step(1, "core: settings, org units, users, audit, submissions", _v1_core),
    Step(2, "persons and the inputs of the headline indicators", _v2_people_and_indicators),
)

LATEST = LADDER[-1].version
