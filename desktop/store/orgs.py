"""Org units (区 → 办事处/乡镇 → 社区/村) and the scopes they define."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class OrgUnit:
    id: str
    parent_id: str | None
    level: str  # district / office / community
    name: str
    code: str | None  # offices: the short code that marks the origin of their records
    stat_code: str | None
    sort: int


@dataclass(frozen=True)
class Scope:
    """What a user may see and change. ``None`` means unrestricted at that level."""

    offices: frozenset[str] | None
    communities: frozenset[str] | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None, None)

    def allows(self, office: str | None, community_id: str | None = None) -> bool:
        if self.offices is not None and office not in self.offices:
            return False
        if self.communities is not None and community_id is not None:
            return community_id in self.communities
        return self.communities is None or community_id is None

    def sql(self, office_col: str = "office", community_col: str | None = "community_id") -> tuple[str, list[str]]:
        """A WHERE fragment (``1`` when unrestricted) and its parameters."""
        parts: list[str] = []
        params: list[str] = []
        if self.offices is not None:
            parts.append(f"{office_col} IN ({','.join('?' * len(self.offices))})" if self.offices else "0")
            params.extend(sorted(self.offices))
        if self.communities is not None and community_col:
            parts.append(
                f"{community_col} IN ({','.join('?' * len(self.communities))})" if self.communities else "0"
            )
            params.extend(sorted(self.communities))
        return (" AND ".join(parts) or "1"), params


class OrgTree:
    """All org units in memory (a district has hundreds, not millions)."""

    def __init__(self, units: list[OrgUnit]):
        self.units = {u.id: u for u in units}
        self.children: dict[str | None, list[OrgUnit]] = {}
        for u in sorted(units, key=lambda u: (u.sort, u.name)):
            self.children.setdefault(u.parent_id, []).append(u)

    @classmethod
    def load(cls, db: sqlite_utils.Database) -> OrgTree:
        rows = db.execute(
            "SELECT id, parent_id, level, name, code, stat_code, sort FROM org_units"
        ).fetchall()
        return cls([OrgUnit(*r) for r in rows])

    def district(self) -> OrgUnit | None:
        return next((u for u in self.units.values() if u.level == "district"), None)

    def offices(self) -> list[OrgUnit]:
        return sorted((u for u in self.units.values() if u.level == "office"), key=lambda u: (u.sort, u.name))

    def office_by_code(self, code: str) -> OrgUnit | None:
        return next((u for u in self.offices() if u.code == code), None)

    def communities(self, office_code: str | None = None) -> list[OrgUnit]:
        out = [u for u in self.units.values() if u.level == "community"]
        if office_code is not None:
            out = [u for u in out if self.office_of(u.id) == office_code]
        return sorted(out, key=lambda u: (self.office_of(u.id) or "", u.sort, u.name))

    def office_of(self, unit_id: str | None) -> str | None:
        """The office code a unit belongs to (None for the district itself)."""
        unit = self.units.get(unit_id) if unit_id else None
        while unit is not None and unit.level != "office":
            unit = self.units.get(unit.parent_id) if unit.parent_id else None
        return unit.code if unit else None

    def scope_of(self, unit_id: str) -> Scope:
        unit = self.units[unit_id]
        if unit.level == "district":
            return Scope.everything()
        office = self.office_of(unit_id)
        offices = frozenset([office]) if office else frozenset()
        if unit.level == "office":
            return Scope(offices)
        return Scope(offices, frozenset([unit.id]))

    def label(self, unit_id: str | None) -> str:
        unit = self.units.get(unit_id) if unit_id else None
        return unit.name if unit else ""
