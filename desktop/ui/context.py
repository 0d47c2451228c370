"""The one application context, built at start-up and passed explicitly to every window."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlite_utils
from PySide6.QtCore import QCoreApplication, QObject, Signal

from desktop.domain import periods
from desktop.store import tables
from desktop.store.door import WriteDoor
from desktop.store.orgs import OrgTree
from desktop.store.users import User


class SignalHub(QObject):
    """Application-wide notifications; views listen here instead of to each other."""

    data_changed = Signal(str)  # name of the table whose records changed
    period_changed = Signal(str)  # key of the newly selected period, e.g. "2026Q1"


@dataclass
class AppContext:
    db: sqlite_utils.Database
    db_path: Path
    user: User
    tree: OrgTree
    hub: SignalHub = field(default_factory=SignalHub)
    period: periods.Period = field(default_factory=lambda: periods.quarter_of(date.today()))
    font_family: str = ""

    @classmethod
    def create(cls, db: sqlite_utils.Database, db_path: Path, user: User,
               font_family: str = "") -> AppContext:
        return cls(db=db, db_path=Path(db_path), user=user, tree=OrgTree.load(db),
                   font_family=font_family)

    def door(self) -> WriteDoor:
        """The write door acting as the signed-in user (every write goes through it)."""
        return WriteDoor(self.db, self.user)

    def set_period(self, period: periods.Period) -> None:
        if period == self.period:
            return
        self.period = period
        self.hub.period_changed.emit(period.key)

    def reload_tree(self) -> None:
        self.tree = OrgTree.load(self.db)

    def district_name(self) -> str:
        district = self.tree.district()
        return district.name if district else ""

    def scope_label(self) -> str:
        """'全区' for district users, else the office (and community) name."""
        unit = self.tree.units.get(self.user.scope_unit_id)
        if unit is None or unit.level == "district":
            return self.district_name() or QCoreApplication.translate("AppContext", "全区")
        if unit.level == "community":
            office = self.tree.units.get(unit.parent_id or "")
            return f"{office.name} · {unit.name}" if office else unit.name
        return unit.name

    def reveal(self, table: str, record_id: str, field_name: str) -> bool:
        """Ask to see one masked value in full.

        Every request is written to the audit log: ``reveal`` when granted, ``reveal_refused``
        when the user lacks the permission. Returns True only when the user may see it.
        """
        allowed = bool(self.user.can_reveal)
        office = None
        if table in tables.REGISTRY:  # a known table name, so safe to put into the statement
            sql = f"SELECT office FROM {table} WHERE id = ?"
            row = self.db.execute(sql, [record_id]).fetchone()
            office = row[0] if row else None
        self.door().log(
            "reveal" if allowed else "reveal_refused",
            table=table,
            record_id=record_id,
            office=office,
            detail={"field": field_name},
        )
        return allowed
