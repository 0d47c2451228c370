"""康检 import kinds: ``women`` (the roster), ``checks`` (check results of a campaign) and
``procedures`` (计划生育手术).

Each ``validate_row`` looks up what the row refers to (the person, the roster entry, the campaign)
and runs the domain rules of :mod:`desktop.domain.kangjian`, so that a file is judged row by row
before anything is written; the write door runs the same rules again (and those across records)
when the rows are written. Problems name the same fields as the columns, so the pipeline can point
at the file's own headers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from desktop.domain import pinyin
from desktop.domain.choices import (
    CHECK_PLACE,
    CONTRACEPTION,
    FLOATING,
    HUKOU,
    MARITAL,
    PROCEDURE_TYPES,
    ROSTER_EXIT,
    SEX,
    UNCHECKED_REASON,
)
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.kangjian import (
    PREGNANCY_RESULTS,
    RING_RESULTS,
    check_date_problems,
    parse_day,
    validate_check,
    validate_procedure,
    validate_woman,
)
from desktop.imports.helpers import distinct_chunks
from desktop.imports.spec import Field, ImportKind, RowContext, register_kind
from desktop.store.common import rows_in
from desktop.store.door import CancelCheck, Progress, WriteDoor
from desktop.store.kangjian import list_campaigns

ID_FIELD = Field(
    "id_number",
    "身份证号",
    "id_number",
    required=True,
    synonyms=("身份证号码", "公民身份号码", "证件号码", "身份证"),
    example="110105199003070025",
    width=22,
)
NAME_FIELD = Field(
    "name", "姓名", "text", required=True, synonyms=("名字", "妇女姓名"), example="张秀兰", width=10
)
COMMUNITY_FIELD = Field(
    "community",
    "社区",
    "community",
    required=True,
    synonyms=("所属社区", "社区（村）", "村（居）", "村居", "村", "居委会"),
    width=16,
)


def _in(column: str, values: list[Any]) -> tuple[str, list[Any]]:
    return f"{column} IN ({','.join('?' * len(values))})", values


def _remapped(exc: ValidationError, numbers: list[int]) -> ValidationError:
    """A door refusal of a subset of the rows, renumbered as rows of the whole list."""

    def where(row: int | None) -> int | None:
        if row is None:  # the door numbers no row when it writes a single record
            return numbers[0] if len(numbers) == 1 else None
        return numbers[row - 1]

    return ValidationError(Problem(p.field, p.message, where(p.row)) for p in exc.problems)


# -- women: the roster ----------------------------------------------------------------------------

WOMEN_FIELDS = (
    NAME_FIELD,
    ID_FIELD,
    COMMUNITY_FIELD,
    Field("phone", "联系电话", "phone", synonyms=("手机号", "手机", "电话", "手机号码"), width=14),
    Field("hukou", "户籍类型", "choice", choices=HUKOU, synonyms=("户籍", "户口性质")),
    Field(
        "marriage_date",
        "结婚日期",
        "date",
        synonyms=("初婚日期", "婚姻登记日期", "结婚时间"),
        example="2014-05-01",
    ),
    Field(
        "marital",
        "婚姻状况",
        "choice",
        choices=MARITAL,
        synonyms=("婚姻状态",),
        example="已婚",
        help="空着按「已婚」",
    ),
    Field("living_children", "现有子女数", "int", synonyms=("子女数", "现有子女", "孩子数")),
    Field(
        "contraception",
        "避孕措施",
        "choice",
        choices=CONTRACEPTION,
        synonyms=("节育措施", "避孕方式"),
        example="宫内节育器",
    ),
    Field(
        "floating",
        "流动情况",
        "choice",
        choices=FLOATING,
        synonyms=("流动状态", "是否流动"),
        help="空着按「无」",
    ),
    Field("floating_where", "流动去向", "text", synonyms=("流入地", "流出地", "流向", "流动地点")),
    Field("floating_since", "流动起始日期", "date", synonyms=("流动日期", "流出日期", "流入日期")),
    Field(
        "entered_on",
        "登记日期",
        "date",
        synonyms=("入册日期", "建档日期"),
        help="空着按结婚日期",
    ),
    Field("exit_date", "退出日期", "date", synonyms=("注销日期",)),
    Field("exit_reason", "退出原因", "choice", choices=ROSTER_EXIT, synonyms=("注销原因",)),
)


_PERSON_BY_NUMBER = (
    "SELECT id, community_id, name, phone, sex, id_number FROM persons"
    " WHERE deleted = 0 AND id_number IN ({marks})"
)


def _prefetch_persons(ctx: RowContext, rows: list[dict[str, Any]]) -> None:
    """The persons of a chunk of rows, by ID number, in one query (kept for that chunk only)."""
    numbers = [r.get("id_number") for r in rows if r.get("id_number")]
    found = {r[5]: r[:5] for r in rows_in(ctx.db.conn, _PERSON_BY_NUMBER, numbers)}
    ctx.cache["persons_by_number"] = (set(numbers), found)


def _persons_by_number(ctx: RowContext, number: str) -> tuple[Any, ...] | None:
    """The person registered with this ID number (id, community, name, phone, sex), if any: from
    the chunk's prefetch, else asked on its own."""
    asked, found = ctx.cache.get("persons_by_number", ((), {}))
    if number in asked:
        return found.get(number)
    row = ctx.db.conn.execute(_PERSON_BY_NUMBER.format(marks="?"), [number]).fetchone()
    return row[:5] if row else None


def _validate_woman_row(row: dict[str, Any], ctx: RowContext) -> list[Problem]:
    problems: list[Problem] = []
    info = ctx.id_info("id_number", row["id_number"])
    if info.sex != "女":
        problems.append(
            Problem("身份证号", f"{info.masked} 的顺序码为奇数，是男性的身份证号；名册只收录妇女")
        )
    row["birth_date"] = info.birth_date.isoformat()
    row["marital"] = row.get("marital") or "married"
    row["floating"] = row.get("floating") or "none"
    if not row.get("entered_on"):
        row["entered_on"] = row.get("marriage_date")
        if not row["entered_on"]:
            problems.append(Problem("登记日期", "登记日期与结婚日期至少填一项"))
    person = _persons_by_number(ctx, row["id_number"])
    row["_person"] = person
    if person is not None:
        person_id, community, name, _, _ = person
        if name != row["name"]:
            problems.append(Problem("姓名", f"该身份证号已登记为「{name}」，请核对"))
        if community != row["community"]:
            problems.append(
                Problem(
                    "社区", f"该妇女登记在{ctx.tree.label(community)}，与所填社区不一致，请核对"
                )
            )
    roster = {
        "person_id": person[0] if person else "new",
        **{k: row.get(k) for k in _ROSTER_KEYS},
    }
    problems.extend(validate_woman(roster))
    return problems


_ROSTER_KEYS = (
    "marriage_date",
    "marital",
    "living_children",
    "contraception",
    "floating",
    "floating_where",
    "floating_since",
    "entered_on",
    "exit_date",
    "exit_reason",
)


def _existing_women(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> dict[tuple, str]:
    found: dict[tuple, str] = {}
    for chunk in distinct_chunks([r["id_number"] for r in rows]):
        where, params = _in("t.id_number", chunk)
        for number, name, community, entered in db.execute(
            "SELECT t.id_number, t.name, o.name, w.entered_on FROM women AS w"
            " JOIN persons AS t ON t.id = w.person_id JOIN org_units AS o ON o.id = w.community_id"
            f" WHERE w.deleted = 0 AND t.deleted = 0 AND {where}",
            params,
        ):
            found[(number,)] = f"{name}，{community}，{entered} 登记入册"
    return found


def _write_women(
    door: WriteDoor,
    rows: list[dict[str, Any]],
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> int:
    today = date.today().isoformat()
    new = [(n, r) for n, r in enumerate(rows, start=1) if r.get("_person") is None]
    records = (
        {
            "community_id": r["community"],
            "name": r["name"],
            "pinyin": pinyin.initials(r["name"]),
            "id_number": r["id_number"],
            "id_tail": r["id_number"][-4:],
            "sex": "F",
            "birth_date": r["birth_date"],
            "phone": r.get("phone"),
            "hukou": r.get("hukou"),
            "entered_on": r.get("entered_on"),
            "created_on": today,
        }
        for _, r in new
    )
    try:
        person_ids = door.insert_many("persons", records, total=len(new), cancel=cancel)
    except ValidationError as exc:
        raise _remapped(exc, [n for n, _ in new]) from exc
    created = {n: pid for (n, _), pid in zip(new, person_ids, strict=True)}
    for r in rows:
        person = r.get("_person")
        if person is not None and r.get("phone") and not person[3]:
            door.update("persons", person[0], {"phone": r["phone"]})  # fill a missing phone only
    women = (
        {
            "community_id": r["community"],
            "person_id": created.get(n) or r["_person"][0],
            **{k: r.get(k) for k in _ROSTER_KEYS},
        }
        for n, r in enumerate(rows, start=1)
    )
    return len(door.insert_many("women", women, total=len(rows), progress=progress, cancel=cancel))


WOMEN = register_kind(
    ImportKind(
        key="women",
        label="已婚育龄妇女名册",
        fields=WOMEN_FIELDS,
        key_fields=("id_number",),
        write=_write_women,
        validate_row=_validate_woman_row,
        find_existing=_existing_women,
        prefetch=_prefetch_persons,
        notes="身份证号须为妇女的号码（第17位为偶数）；已在人员名册中的，姓名和社区须与登记一致。\n"
        "离婚、丧偶等已退出名册的，请填写退出日期和退出原因。",
    )
)


# -- checks: results of a campaign ----------------------------------------------------------------

CHECK_FIELDS = (
    Field("name", "姓名", "text", synonyms=("名字", "妇女姓名"), example="张秀兰", width=10),
    ID_FIELD,
    Field(
        "campaign",
        "活动名称",
        "text",
        synonyms=("康检活动", "检查活动", "活动"),
        example="2026年春季康检",
        width=18,
        help="空着时按检查日期找本办事处的活动",
    ),
    Field(
        "checked",
        "是否已检",
        "bool",
        synonyms=("已检", "是否参检"),
        example="是",
        help="空着时有检查日期即为已检",
    ),
    Field(
        "check_date", "检查日期", "date", synonyms=("康检日期", "受检日期"), example="2026-03-05"
    ),
    Field("place", "检查地点", "choice", choices=CHECK_PLACE, synonyms=("地点",), example="本站"),
    Field(
        "ring_result",
        "查环结果",
        "choice",
        choices=RING_RESULTS,
        synonyms=("查环",),
        example="环位正常",
    ),
    Field(
        "pregnancy_result",
        "查孕结果",
        "choice",
        choices=PREGNANCY_RESULTS,
        synonyms=("查孕",),
        example="未孕",
    ),
    Field("disease_found", "发现妇科病", "bool", synonyms=("妇科病", "查病结果", "是否患妇科病")),
    Field("advice_given", "给予医学建议", "bool", synonyms=("医学建议", "是否给予建议")),
    Field(
        "unchecked_reason", "未检原因", "choice", choices=UNCHECKED_REASON, synonyms=("未参检原因",)
    ),
    Field("note", "备注", "text", width=20),
)


def _roster_by_number(ctx: RowContext, number: str) -> tuple[Any, ...] | None:
    """(women.id, office, community, person name) of the woman on the roster with this ID."""
    return ctx.db.execute(
        "SELECT w.id, w.office, w.community_id, t.name FROM persons AS t"
        " JOIN women AS w ON w.person_id = t.id AND w.deleted = 0"
        " WHERE t.deleted = 0 AND t.id_number = ?",
        [number],
    ).fetchone()


def _campaigns(ctx: RowContext) -> dict[str, list[Any]]:
    """The campaigns the user may see, by office (read once per import)."""
    if "campaigns" not in ctx.cache:
        by_office: dict[str, list[Any]] = {}
        for c in list_campaigns(ctx.db, ctx.user.scope):
            by_office.setdefault(c.office, []).append(c)
        ctx.cache["campaigns"] = by_office
    return ctx.cache["campaigns"]


def _validate_check_row(row: dict[str, Any], ctx: RowContext) -> list[Problem]:
    woman = _roster_by_number(ctx, row["id_number"])
    if woman is None:
        return [Problem("身份证号", "名册中没有该妇女，请先导入或登记名册")]
    woman_id, office, community, name = woman
    problems: list[Problem] = []
    if row.get("name") and row["name"] != name:
        problems.append(Problem("姓名", f"名册中该身份证号的姓名为「{name}」，请核对"))
    if not ctx.user.scope.allows(office, community):
        return [Problem("身份证号", f"{name}不在您的管辖范围内")]
    offered = _campaigns(ctx).get(office, [])
    check_day = row.get("check_date")
    if row.get("campaign"):
        found = [c for c in offered if c.name == row["campaign"]]
        if not found:
            names = "、".join(dict.fromkeys(c.name for c in offered)) or "（无）"
            return [
                *problems,
                Problem("活动名称", f"本办事处没有「{row['campaign']}」，现有活动：{names}"),
            ]
    elif check_day:
        day = parse_day(check_day)
        found = [c for c in offered if day is not None and c.start_date <= day <= c.end_date]
        if not found:
            return [
                *problems,
                Problem("活动名称", f"{check_day} 不在本办事处任何活动期间，请填写活动名称"),
            ]
    else:
        return [*problems, Problem("活动名称", "活动名称与检查日期至少填一项")]
    campaign = found[0]
    row["campaign"] = campaign.name
    checked = row.get("checked")
    if checked is None:
        checked = check_day is not None
    record = {
        "community_id": community,
        "campaign_id": campaign.id,
        "woman_id": woman_id,
        "checked": int(checked),
        "check_date": check_day,
        "record_date": check_day if checked else campaign.end_date.isoformat(),
        "place": row.get("place"),
        "ring_result": row.get("ring_result"),
        "pregnancy_result": row.get("pregnancy_result"),
        "disease_found": None if row.get("disease_found") is None else int(row["disease_found"]),
        "advice_given": None if row.get("advice_given") is None else int(row["advice_given"]),
        "unchecked_reason": row.get("unchecked_reason"),
        "note": row.get("note"),
    }
    row["_record"] = record
    problems.extend(p for p in validate_check(record) if p.field != "记录日期")
    if checked and check_day:
        day = parse_day(check_day)
        assert day is not None
        problems.extend(
            check_date_problems(day, campaign.start_date, campaign.end_date, campaign.name)
        )
    return problems


def _existing_checks(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> dict[tuple, str]:
    wanted = {(r["campaign"], r["id_number"]) for r in rows}
    found: dict[tuple, str] = {}
    for chunk in distinct_chunks([r["id_number"] for r in rows]):
        where, params = _in("t.id_number", chunk)
        for campaign, number, record, checked, day, reason in db.execute(
            "SELECT g.name, t.id_number, c.id, c.checked, c.check_date, c.unchecked_reason"
            " FROM checks AS c JOIN women AS w ON w.id = c.woman_id"
            " JOIN persons AS t ON t.id = w.person_id JOIN campaigns AS g ON g.id = c.campaign_id"
            f" WHERE c.deleted = 0 AND {where}",
            params,
        ):
            if (campaign, number) in wanted:
                what = f"{day} 已检" if checked else f"未检：{UNCHECKED_REASON.label(reason)}"
                found[(campaign, number)] = f"{what}，记录号 {record[:8]}…"
    return found


def _write_checks(
    door: WriteDoor,
    rows: list[dict[str, Any]],
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> int:
    return len(
        door.insert_many(
            "checks",
            (r["_record"] for r in rows),
            total=len(rows),
            progress=progress,
            cancel=cancel,
        )
    )


CHECKS = register_kind(
    ImportKind(
        key="checks",
        label="康检记录",
        fields=CHECK_FIELDS,
        key_fields=("campaign", "id_number"),
        write=_write_checks,
        validate_row=_validate_check_row,
        find_existing=_existing_checks,
        notes="每位妇女在每次活动中只有一条记录：已检的填检查日期和结果，未检的填未检原因。\n"
        "妇女须已在名册中；检查日期须在活动期间内。",
    )
)


# -- procedures -----------------------------------------------------------------------------------

PROCEDURE_FIELDS = (
    NAME_FIELD,
    Field(
        "id_number",
        "身份证号",
        "id_number",
        synonyms=("身份证号码", "公民身份号码", "证件号码", "身份证"),
        example="110105199003070025",
        width=22,
    ),
    COMMUNITY_FIELD,
    Field("sex", "性别", "choice", choices=SEX, help="空着时按身份证号"),
    Field(
        "procedure_type",
        "手术类型",
        "choice",
        choices=PROCEDURE_TYPES,
        required=True,
        synonyms=("手术名称", "术式", "节育手术"),
        example="放置宫内节育器",
        width=16,
    ),
    Field(
        "procedure_date",
        "手术日期",
        "date",
        required=True,
        synonyms=("施术日期", "手术时间"),
        example="2026-01-10",
    ),
    Field(
        "hospital",
        "手术医院",
        "text",
        synonyms=("手术单位", "施术单位", "医院"),
        example="区妇幼保健院",
        width=16,
    ),
)


def _validate_procedure_row(row: dict[str, Any], ctx: RowContext) -> list[Problem]:
    number = row.get("id_number")
    if number:
        info = ctx.id_info("id_number", number)
        derived = "M" if info.sex == "男" else "F"
        row["sex"] = row.get("sex") or derived
        person = _persons_by_number(ctx, number)
        row["_person_id"] = person[0] if person else None
    elif not row.get("sex"):
        return [Problem("性别", "没有身份证号时须填写性别")]
    record = {
        "community_id": row["community"],
        "person_id": row.get("_person_id"),
        "name": row["name"],
        "id_number": number,
        "sex": row["sex"],
        "procedure_type": row["procedure_type"],
        "procedure_date": row["procedure_date"],
        "hospital": row.get("hospital"),
    }
    row["_record"] = record
    return validate_procedure(record)


def _existing_procedures(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> dict[tuple, str]:
    wanted = {(r["id_number"], r["procedure_type"], r["procedure_date"]) for r in rows}
    found: dict[tuple, str] = {}
    for chunk in distinct_chunks([r["id_number"] for r in rows]):
        where, params = _in("id_number", chunk)
        for number, kind, day, name, hospital in db.execute(
            "SELECT id_number, procedure_type, procedure_date, name, hospital FROM procedures"
            f" WHERE deleted = 0 AND {where}",
            params,
        ):
            if (number, kind, day) in wanted:
                where_done = f"，{hospital}" if hospital else ""
                found[(number, kind, day)] = (
                    f"{name}，{day} {PROCEDURE_TYPES.label(kind)}{where_done}"
                )
    return found


def _write_procedures(
    door: WriteDoor,
    rows: list[dict[str, Any]],
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> int:
    return len(
        door.insert_many(
            "procedures",
            (r["_record"] for r in rows),
            total=len(rows),
            progress=progress,
            cancel=cancel,
        )
    )


PROCEDURES = register_kind(
    ImportKind(
        key="procedures",
        label="计划生育手术",
        fields=PROCEDURE_FIELDS,
        key_fields=("id_number", "procedure_type", "procedure_date"),
        write=_write_procedures,
        validate_row=_validate_procedure_row,
        find_existing=_existing_procedures,
        notes="手术类型按国家报表的细类填写；四术 = 上环 + 结扎（男、女）+ 人流 + 引产。\n"
        "男性绝育的受术者为男性，其余为女性。",
    )
)

__all__ = ["CHECKS", "PROCEDURES", "WOMEN"]
