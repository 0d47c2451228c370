"""Org units (区 → 办事处/乡镇 → 社区/村) and the scopes they define."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from desktop.domain.errors import Problem, ValidationError
from desktop.domain.orgcodes import parse_stat_code
from desktop.domain.uuid7 import uuid7
from desktop.store import audit
from desktop.store.db import transaction


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

    def sql(
        self, office_col: str = "office", community_col: str | None = "community_id"
    ) -> tuple[str, list[str]]:
        """A WHERE fragment (``1`` when unrestricted) and its parameters."""
        parts: list[str] = []
        params: list[str] = []
        if self.offices is not None:
            parts.append(
                f"{office_col} IN ({','.join('?' * len(self.offices))})" if self.offices else "0"
            )
            params.extend(sorted(self.offices))
        if self.communities is not None and community_col:
            parts.append(
                f"{community_col} IN ({','.join('?' * len(self.communities))})"
                if self.communities
                else "0"
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
        return sorted(
            (u for u in self.units.values() if u.level == "office"), key=lambda u: (u.sort, u.name)
        )

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


def create_unit(
    db: sqlite_utils.Database,
    by_name: str,
    level: str,
    name: str,
    parent_id: str | None = None,
    code: str | None = None,
    stat_code: str | None = None,
    sort: int = 0,
    unit_id: str | None = None,
) -> OrgUnit:
    """Create one org unit (audited as ``org_create``) in the caller's or a new transaction.

    The rules: one district at the top; an office under the district with a unique short code;
    a community under an office. Statistical codes are validated but never used as keys.
    """
    problems: list[Problem] = []
    name = name.strip()
    if not name:
        problems.append(Problem("名称", "不能为空"))
    tree = OrgTree.load(db)
    parent = tree.units.get(parent_id) if parent_id else None
    expected_parent = {"district": None, "office": "district", "community": "office"}.get(
        level, "?"
    )
    if expected_parent == "?":
        problems.append(
            Problem("级别", f"「{level}」不是可选项，应为 district / office / community")
        )
    elif (parent.level if parent else None) != expected_parent:
        problems.append(Problem("上级单位", "上级单位的级别不对（区 → 办事处 → 社区）"))
    if level == "district" and tree.district() is not None:
        problems.append(Problem("级别", "已经有一个区，不能再建第二个"))
    if level == "office":
        code = (code or "").strip().upper()
        if not code or not code.isascii() or not code.isalnum() or len(code) > 8:
            problems.append(Problem("办事处代码", "应为 1–8 位字母或数字，如 CG"))
        elif tree.office_by_code(code) is not None:
            problems.append(Problem("办事处代码", f"「{code}」已被其他办事处使用"))
    else:
        code = None
    if stat_code:
        try:
            stat_code = parse_stat_code(stat_code).code
        except ValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationError(problems)
    unit = OrgUnit(unit_id or uuid7(), parent_id, level, name, code, stat_code or None, sort)
    record = {
        k: getattr(unit, k)
        for k in ("id", "parent_id", "level", "name", "code", "stat_code", "sort")
    }
    with transaction(db) as conn:
        conn.execute(
            "INSERT INTO org_units(id, parent_id, level, name, code, stat_code, sort)"
            " VALUES (:id, :parent_id, :level, :name, :code, :stat_code, :sort)",
            record,
        )
        audit.append(
            conn,
            [
                audit.Entry(
                    audit.now_iso(), by_name, "org_create", "org_units", unit.id, code, None, record
                )
            ],
        )
    return unit
