"""The demo district's org units (区 → 6 办事处/乡镇 → 社区/村) and its users."""

from __future__ import annotations

from desktop.demo.context import Community, DemoContext, DemoStep, Office
from desktop.domain.orgcodes import parse_stat_code
from desktop.domain.uuid7 import uuid7
from desktop.store import audit
from desktop.store.db import set_setting, transaction
from desktop.store.door import now_iso
from desktop.store.users import SYSTEM, create_user

DEMO_PASSWORD = "demo"

_ORG_COLUMNS = ("id", "parent_id", "level", "name", "code", "stat_code", "stat_valid_from", "sort")


def office_short_name(name: str) -> str:
    """城关街道办事处 → 城关街道, 河口镇人民政府 → 河口镇."""
    for suffix in ("办事处", "人民政府"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def build_org_units(ctx: DemoContext) -> None:
    """All org units in one transaction, one ``org_create`` audit row each; settings mark the demo."""
    district = ctx.params["district"]
    prefix = parse_stat_code(district["stat_code"]).code[:6]
    valid_from = district["stat_valid_from"]
    district_id = uuid7()
    rows: list[dict[str, object]] = [
        dict(
            id=district_id,
            parent_id=None,
            level="district",
            name=district["name"],
            code=None,
            stat_code=parse_stat_code(district["stat_code"]).code,
            stat_valid_from=valid_from,
            sort=0,
        )
    ]
    offices: list[Office] = []
    communities: list[Community] = []
    for i, office in enumerate(ctx.params["offices"], start=1):
        office_code = parse_stat_code(prefix + office["stat"]).code
        if parse_stat_code(office_code).township_kind != office["kind"]:
            raise ValueError(f"{office['name']}: 区划代码 {office_code} 不是{office['kind']}的代码")
        oid = uuid7()
        rows.append(
            dict(
                id=oid,
                parent_id=district_id,
                level="office",
                name=office["name"],
                code=office["code"],
                stat_code=office_code,
                stat_valid_from=valid_from,
                sort=i,
            )
        )
        offices.append(Office(oid, office["code"], office["name"], office["kind"], office_code))
        for j, community in enumerate(office["communities"], start=1):
            code = parse_stat_code(office_code[:9] + community["stat"]).code
            expected = "村委会" if community["name"].endswith("村") else "居委会"
            if parse_stat_code(code).village_kind != expected:
                raise ValueError(f"{community['name']}: 区划代码 {code} 不是{expected}的代码")
            cid = uuid7()
            rows.append(
                dict(
                    id=cid,
                    parent_id=oid,
                    level="community",
                    name=community["name"],
                    code=None,
                    stat_code=code,
                    stat_valid_from=valid_from,
                    sort=j,
                )
            )
            communities.append(
                Community(
                    cid,
                    community["name"],
                    office["code"],
                    office["kind"],
                    float(community["weight"]),
                    code,
                )
            )
    stamp = now_iso()
    with transaction(ctx.db) as conn:
        conn.executemany(
            f"INSERT INTO org_units({', '.join(_ORG_COLUMNS)})"
            f" VALUES ({', '.join(':' + c for c in _ORG_COLUMNS)})",
            rows,
        )
        office_of = {o.id: o.code for o in offices}
        audit.append(
            conn,
            [
                audit.Entry(
                    stamp,
                    SYSTEM.name,
                    "org_create",
                    "org_units",
                    str(r["id"]),
                    str(r["code"])
                    if r["level"] == "office"
                    else office_of.get(str(r["parent_id"])),
                    None,
                    {k: v for k, v in r.items() if k != "id"},
                )
                for r in rows
            ],
        )
        settings = {
            "demo": True,
            "district_name": district["name"],
            "demo_seed": ctx.params["seed"],
            "demo_scale": ctx.scale,
        }
        for key, value in settings.items():
            set_setting(conn, key, value)
        audit.append(
            conn,
            [
                audit.Entry(
                    stamp, SYSTEM.name, "setting_set", "settings", key, None, None, {"value": value}
                )
                for key, value in settings.items()
            ],
        )
    ctx.data.update(district_id=district_id, offices=offices, communities=communities)
    ctx.refresh()
    ctx.report(1, 1, f"已建立 {len(rows)} 个单位")


def build_users(ctx: DemoContext) -> None:
    """admin (区管理员), a clerk and a reviewer per office, and one community clerk; password demo."""
    specs: list[tuple[str, str, str, str, bool]] = [
        ("admin", "admin", ctx.data["district_id"], "区管理员", True)
    ]
    for office in ctx.offices:
        short = office_short_name(office.name)
        low = office.code.lower()
        specs.append((f"{low}_clerk", "clerk", office.id, f"{short}录入员", False))
        specs.append((f"{low}_reviewer", "reviewer", office.id, f"{short}审核员", False))
    first_office = ctx.offices[0]
    first_community = next(c for c in ctx.communities if c.office == first_office.code)
    specs.append(
        (
            f"{first_office.code.lower()}1_clerk",
            "clerk",
            first_community.id,
            f"{first_community.name}录入员",
            False,
        )
    )
    for n, (name, role, unit, display, reveal) in enumerate(specs, start=1):
        ctx.check_cancel()
        create_user(
            ctx.db, SYSTEM, name, DEMO_PASSWORD, role, unit, display_name=display, can_reveal=reveal
        )
        ctx.report(n, len(specs), f"已建立用户 {name}")


def _user_count(ctx: DemoContext) -> int:
    return 2 + 2 * len(ctx.params["offices"])


ORG_UNITS = DemoStep("org_units", "建立区、办事处和社区", build_org_units, lambda ctx: 200)
USERS = DemoStep("users", "建立用户", build_users, lambda ctx: 600 * _user_count(ctx))
