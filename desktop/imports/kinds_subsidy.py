"""帮扶发放 import kinds: ``households`` (帮扶家庭: one row per person of a household, with an
optional qualification) and ``disbursements`` (发放记录: one row per payment).

Each ``validate_row`` looks up what the row refers to (the person by ID number, the programme by
name or code, the household) and runs the row rules of :mod:`desktop.domain.subsidy`; the write
door then runs those rules again and those across records — one household per head, a person in
one household, eligibility, and THE DOUBLE-PAYMENT GUARD, against the database and within the
file — and the pipeline reports any refusal on the file's own row. Nothing is written unless
every row passes (or the clerk chose to skip the invalid ones).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

import sqlite_utils

from desktop.domain import pinyin
from desktop.domain.choices import (
    ACCOUNT_TYPES,
    HUKOU,
    PAYMENT_STATUS,
    QUALIFICATION_STATUS,
    RELATIONS,
    SUBSIDY_CATEGORY,
)
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.subsidy import validate_member, validate_payment
from desktop.imports.helpers import distinct_chunks
from desktop.imports.spec import Field, ImportKind, RowContext, register_kind
from desktop.store.door import CancelCheck, Progress, WriteDoor
from desktop.store.subsidy import Programme, list_programmes, qualification_values

ID_FIELD = Field(
    "id_number",
    "身份证号",
    "id_number",
    required=True,
    synonyms=("身份证号码", "公民身份号码", "证件号码", "身份证"),
    example="419901195805120031",
    width=22,
)
NAME_FIELD = Field(
    "name", "姓名", "text", required=True, synonyms=("名字", "对象姓名"), example="王建国", width=10
)
PROGRAMME_FIELD = Field(
    "programme",
    "帮扶项目",
    "text",
    synonyms=("项目", "项目名称", "扶助项目"),
    example="奖励扶助",
    width=14,
    help="奖励扶助、特别扶助、贫困计生户慰问，或区里设立的其他项目名称",
)


def _in(column: str, values: list[Any]) -> tuple[str, list[Any]]:
    return f"{column} IN ({','.join('?' * len(values))})", values


def _person(ctx: RowContext, number: str) -> tuple[Any, ...] | None:
    """The live person with this ID number: id, community, office, name, hukou."""
    return ctx.db.execute(
        "SELECT id, community_id, office, name, hukou FROM persons"
        " WHERE deleted = 0 AND id_number = ?",
        [number],
    ).fetchone()


def _programme(ctx: RowContext, text: Any) -> Programme | None:
    if "programmes" not in ctx.cache:
        found: dict[str, Programme] = {}
        for p in list_programmes(ctx.db):
            found[p.name] = found[p.code] = p
        found.setdefault("奖扶", found.get("reward"))  # type: ignore[arg-type]
        found.setdefault("特扶", found.get("special"))  # type: ignore[arg-type]
        found.setdefault("慰问", found.get("condolence"))  # type: ignore[arg-type]
        ctx.cache["programmes"] = found
    return ctx.cache["programmes"].get(str(text or "").strip())


def _programme_problem(ctx: RowContext, text: Any) -> Problem:
    names = "、".join(p.name for p in list_programmes(ctx.db))
    return Problem(PROGRAMME_FIELD.label, f"「{text}」不是帮扶项目，应为：{names}")


def _remapped(exc: ValidationError, numbers: list[int], lines: list[Any]) -> ValidationError:
    """A door refusal of a subset of the rows, renumbered as positions in the whole list; a row
    named inside a message (``与第 2 行重复``) becomes the file's row (``lines``, when known)."""

    def where(row: int | None) -> int | None:
        if row is None:  # the door numbers no row when it writes a single record
            return numbers[0] if len(numbers) == 1 else None
        return numbers[row - 1]

    def text(message: str) -> str:
        def line(m: re.Match[str]) -> str:
            k = int(m[1])
            return f"第 {lines[k - 1]} 行" if 0 < k <= len(lines) and lines[k - 1] else m[0]

        return re.sub(r"第 (\d+) 行", line, message)

    return ValidationError(Problem(p.field, text(p.message), where(p.row)) for p in exc.problems)


def _insert(
    door: WriteDoor,
    table: str,
    numbered: list[tuple[int, dict[str, Any]]],
    rows: list[dict[str, Any]],
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> list[str]:
    """Insert records numbered by their position in the import's ``rows``, refusals renumbered."""
    try:
        return door.insert_many(
            table,
            (r for _, r in numbered),
            total=len(numbered),
            progress=progress,
            cancel=cancel,
            batch=5000,
        )
    except ValidationError as exc:
        numbers = [n for n, _ in numbered]
        raise _remapped(exc, numbers, [rows[n - 1].get("_line") for n in numbers]) from exc


# -- households: one row per person ---------------------------------------------------------------

HOUSEHOLD_FIELDS = (
    Field(
        "head_id_number",
        "户主身份证号",
        "id_number",
        required=True,
        synonyms=("户主身份证", "户主身份证号码", "户主证件号码"),
        example="419901195805120031",
        width=22,
        help="本人是户主时与身份证号相同",
    ),
    NAME_FIELD,
    ID_FIELD,
    Field(
        "relation",
        "与户主关系",
        "choice",
        choices=RELATIONS,
        required=True,
        synonyms=("家庭关系", "关系"),
        example="户主",
    ),
    Field(
        "community",
        "社区",
        "community",
        required=True,
        synonyms=("所属社区", "社区（村）", "村（居）", "村居", "村", "居委会"),
        width=16,
    ),
    Field("hukou", "户籍类型", "choice", choices=HUKOU, synonyms=("户籍", "户口性质")),
    Field("phone", "联系电话", "phone", synonyms=("手机号", "手机", "电话", "手机号码")),
    Field("address", "住址", "text", synonyms=("家庭住址", "地址", "现住址"), width=24),
    Field(
        "poor",
        "贫困计生户",
        "bool",
        synonyms=("是否贫困计生户", "贫困户"),
        help="户主一行填写；是 / 否",
    ),
    Field("poor_since", "认定日期", "date", synonyms=("贫困认定日期", "认定时间")),
    Field("joined_on", "入户日期", "date", synonyms=("登记日期",), help="空着按导入当天"),
    PROGRAMME_FIELD,
    Field("year", "年度", "int", synonyms=("资格年度", "确认年度"), example="2026"),
    Field(
        "status",
        "资格状态",
        "choice",
        choices=QUALIFICATION_STATUS,
        synonyms=("状态",),
        help="填写帮扶项目时必填：新增 / 续发 / 暂停 / 退出",
    ),
    Field("category", "扶助类别", "choice", choices=SUBSIDY_CATEGORY, synonyms=("类别",)),
    Field("start_on", "享受起始日期", "date", synonyms=("起始日期", "享受日期")),
    Field("confirmed_on", "确认日期", "date", synonyms=("审核日期", "年审日期")),
)


def _validate_household_row(row: dict[str, Any], ctx: RowContext) -> list[Problem]:
    row["_line"] = ctx.row
    problems: list[Problem] = []
    info = ctx.id_info("id_number", row["id_number"])
    row["birth_date"] = info.birth_date.isoformat()
    row["sex"] = "M" if info.sex == "男" else "F"
    is_head = row["relation"] == "head"
    if is_head != (row["id_number"] == row["head_id_number"]):
        problems.append(
            Problem("与户主关系", "户主一行的身份证号须与户主身份证号相同，其他成员不能填「户主」")
        )
    person = _person(ctx, row["id_number"])
    row["_person"] = person
    if person is not None:
        if person[3] != row["name"]:
            problems.append(Problem("姓名", f"该身份证号已登记为「{person[3]}」，请核对"))
        if person[1] != row["community"]:
            problems.append(
                Problem("社区", f"该人员登记在{ctx.tree.label(person[1])}，与所填社区不一致")
            )
    if not is_head and (row.get("poor") or row.get("poor_since")):
        problems.append(Problem("贫困计生户", "贫困计生户只在户主一行填写"))
    if row.get("poor_since") and not row.get("poor"):
        problems.append(Problem("认定日期", "不是贫困计生户时不应填写认定日期"))
    member = {
        "person_id": "new",
        "relation": row["relation"],
        "joined_on": row.get("joined_on") or "2000-01-01",
    }
    problems.extend(validate_member(member))
    if row.get("programme"):
        programme = _programme(ctx, row["programme"])
        if programme is None:
            problems.append(_programme_problem(ctx, row["programme"]))
        elif programme.per_household:
            problems.append(Problem("帮扶项目", f"{programme.name}按户发放，不在此登记资格"))
        else:
            row["_programme"] = programme
        for key, label in (("year", "年度"), ("status", "资格状态")):
            if not row.get(key):
                problems.append(Problem(label, "填写帮扶项目时不能为空"))
    return problems


def _existing_members(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> dict[tuple, str]:
    found: dict[tuple, str] = {}
    for chunk in distinct_chunks([r["id_number"] for r in rows]):
        where, params = _in("p.id_number", chunk)
        for number, head, community in db.execute(
            "SELECT p.id_number, hp.name, o.name FROM household_members AS m"
            " JOIN persons AS p ON p.id = m.person_id JOIN households AS h ON h.id = m.household_id"
            " JOIN persons AS hp ON hp.id = h.head_person_id JOIN org_units AS o"
            " ON o.id = m.community_id"
            f" WHERE m.deleted = 0 AND m.left_on IS NULL AND p.deleted = 0 AND {where}",
            params,
        ):
            found[(number,)] = f"已是{community}{head}户的成员"
    return found


def _write_households(
    door: WriteDoor,
    rows: list[dict[str, Any]],
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> int:
    today = date.today().isoformat()
    numbered = list(enumerate(rows, start=1))
    new = [(n, r) for n, r in numbered if r.get("_person") is None]
    ids = _insert(
        door,
        "persons",
        [
            (
                n,
                {
                    "community_id": r["community"],
                    "name": r["name"],
                    "pinyin": pinyin.initials(r["name"]),
                    "id_number": r["id_number"],
                    "id_tail": r["id_number"][-4:],
                    "sex": r["sex"],
                    "birth_date": r["birth_date"],
                    "phone": r.get("phone"),
                    "hukou": r.get("hukou"),
                    "created_on": today,
                },
            )
            for n, r in new
        ],
        rows,
        cancel=cancel,
    )
    person_of = {r["id_number"]: r["_person"][0] for _, r in numbered if r.get("_person")}
    person_of.update({r["id_number"]: pid for (_, r), pid in zip(new, ids, strict=True)})
    number_of = {pid: number for number, pid in person_of.items()}
    heads: dict[str, str] = {}
    for chunk in distinct_chunks(person_of.get(r["head_id_number"]) for _, r in numbered):
        where, params = _in("head_person_id", chunk)
        for hid, head in door.db.execute(
            f"SELECT id, head_person_id FROM households WHERE deleted = 0 AND {where}", params
        ):
            heads[number_of[head]] = hid
    head_rows = [
        (n, r) for n, r in numbered if r["relation"] == "head" and r["id_number"] not in heads
    ]
    ids = _insert(
        door,
        "households",
        [
            (
                n,
                {
                    "community_id": r["community"],
                    "head_person_id": person_of[r["id_number"]],
                    "address": r.get("address"),
                    "hukou": r.get("hukou"),
                    "poor": int(bool(r.get("poor"))),
                    "poor_since": r.get("poor_since") if r.get("poor") else None,
                    "note": None,
                    "created_on": r.get("joined_on") or today,
                },
            )
            for n, r in head_rows
        ],
        rows,
        cancel=cancel,
    )
    heads.update({r["id_number"]: hid for (_, r), hid in zip(head_rows, ids, strict=True)})
    orphans = [
        Problem("户主身份证号", "该户主既不在本文件的户主行中，也未登记为户主，请先登记户主", n)
        for n, r in numbered
        if r["head_id_number"] not in heads
    ]
    if orphans:
        raise ValidationError(orphans)
    written = len(
        _insert(
            door,
            "household_members",
            [
                (
                    n,
                    {
                        "community_id": r["community"],
                        "household_id": heads[r["head_id_number"]],
                        "person_id": person_of[r["id_number"]],
                        "relation": r["relation"],
                        "joined_on": r.get("joined_on") or today,
                        "left_on": None,
                    },
                )
                for n, r in numbered
            ],
            rows,
            progress,
            cancel,
        )
    )
    qualified = [
        (
            n,
            qualification_values(
                door.db,
                person_of[r["id_number"]],
                r["_programme"].id,
                int(r["year"]),
                r["status"],
                household_id=heads[r["head_id_number"]],
                category=r.get("category"),
                start_on=r.get("start_on"),
                status_on=r.get("confirmed_on") or r.get("start_on") or today,
                confirmed_on=r.get("confirmed_on"),
                confirmed_by=door.user.name if r.get("confirmed_on") else None,
            ),
        )
        for n, r in numbered
        if r.get("_programme") is not None
    ]
    _insert(door, "qualifications", qualified, rows, cancel=cancel)
    return written


HOUSEHOLDS = register_kind(
    ImportKind(
        key="households",
        label="帮扶家庭",
        fields=HOUSEHOLD_FIELDS,
        key_fields=("id_number",),
        write=_write_households,
        validate_row=_validate_household_row,
        find_existing=_existing_members,
        notes="每人一行：户主一行（与户主关系填「户主」）和其他家庭成员各一行，"
        "同一户的各行填写同一个户主身份证号。\n"
        "贫困计生户和认定日期只在户主一行填写。\n"
        "填写帮扶项目、年度和资格状态时，同时登记该人员当年的帮扶资格（须符合认定条件）。",
    )
)


# -- disbursements: one row per payment -----------------------------------------------------------

DISBURSEMENT_FIELDS = (
    NAME_FIELD,
    ID_FIELD,
    replace(PROGRAMME_FIELD, required=True),
    Field(
        "covered_start",
        "发放期间起",
        "date",
        required=True,
        synonyms=("期间起", "起始月份", "发放期间开始"),
        example="2026-01-01",
    ),
    Field(
        "covered_end",
        "发放期间止",
        "date",
        required=True,
        synonyms=("期间止", "截止月份", "发放期间结束"),
        example="2026-06-30",
    ),
    Field(
        "amount",
        "现金金额",
        "money",
        synonyms=("金额", "发放金额", "慰问金", "现金"),
        example="480.00",
        help="元；慰问只有慰问品时填 0",
    ),
    Field("goods", "慰问品价值", "money", synonyms=("物品价值", "慰问品金额"), example="0"),
    Field("goods_desc", "慰问品", "text", synonyms=("慰问品名称", "物品")),
    Field(
        "pay_date",
        "发放日期",
        "date",
        required=True,
        synonyms=("发放时间", "打卡日期"),
        example="2026-03-25",
    ),
    Field("account_type", "账户类型", "choice", choices=ACCOUNT_TYPES, synonyms=("发放方式",)),
    Field("account_no", "账号", "text", synonyms=("银行账号", "卡号", "账户号码"), width=24),
    Field(
        "status",
        "发放状态",
        "choice",
        choices=PAYMENT_STATUS,
        synonyms=("状态",),
        help="空着按「已发」",
    ),
    Field("return_reason", "退回原因", "text", synonyms=("失败原因",)),
    Field("returned_on", "退回日期", "date"),
    Field("repaid_on", "补发日期", "date"),
    Field("note", "备注", "text", width=20),
)


def _validate_disbursement_row(row: dict[str, Any], ctx: RowContext) -> list[Problem]:
    row["_line"] = ctx.row
    person = _person(ctx, row["id_number"])
    if person is None:
        return [Problem("身份证号", "人员名册中没有该身份证号，请先导入帮扶家庭")]
    person_id, community, office, name, _ = person
    problems: list[Problem] = []
    if row["name"] != name:
        problems.append(Problem("姓名", f"该身份证号登记的姓名为「{name}」，请核对"))
    if not ctx.user.scope.allows(office, community):
        return [Problem("身份证号", f"{name}不在您的管辖范围内")]
    programme = _programme(ctx, row["programme"])
    if programme is None:
        return [*problems, _programme_problem(ctx, row["programme"])]
    household = ctx.db.execute(
        "SELECT household_id FROM household_members WHERE deleted = 0 AND left_on IS NULL"
        " AND person_id = ?",
        [person_id],
    ).fetchone()
    if programme.per_household and household is None:
        problems.append(Problem("身份证号", f"{name}未登记在任何帮扶家庭中，不能按户发放"))
    record = {
        "community_id": community,
        "office": office,
        "person_id": person_id,
        "household_id": household[0] if household else None,
        "programme_id": programme.id,
        "qualification_id": None,
        "standard_id": None,
        "batch_id": None,
        "covered_start": row["covered_start"],
        "covered_end": row["covered_end"],
        "amount_fen": row.get("amount") or 0,
        "goods_fen": row.get("goods") or 0,
        "goods_desc": row.get("goods_desc"),
        "pay_date": row["pay_date"],
        "account_type": row.get("account_type"),
        "account_no": "".join(str(row["account_no"]).split()) if row.get("account_no") else None,
        "status": row.get("status") or "paid",
        "return_reason": row.get("return_reason"),
        "returned_on": row.get("returned_on"),
        "repaid_on": row.get("repaid_on"),
        "note": row.get("note"),
    }
    row["_record"] = record
    row["programme"] = programme.name
    fields = {"金额": "现金金额"}
    problems.extend(
        Problem(fields.get(p.field, p.field), p.message) for p in validate_payment(record)
    )
    return problems


def _existing_payments(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> dict[tuple, str]:
    found: dict[tuple, str] = {}
    for chunk in distinct_chunks([r["id_number"] for r in rows]):
        where, params = _in("p.id_number", chunk)
        for number, programme, start, day in db.execute(
            "SELECT p.id_number, g.name, t.covered_start, t.pay_date FROM payments AS t"
            " JOIN persons AS p ON p.id = t.person_id"
            " JOIN subsidy_programmes AS g ON g.id = t.programme_id"
            f" WHERE t.deleted = 0 AND {where}",
            params,
        ):
            found[(number, programme, start)] = f"已于 {day} 发放"
    return found


def _write_disbursements(
    door: WriteDoor,
    rows: list[dict[str, Any]],
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> int:
    numbered = [(n, r["_record"]) for n, r in enumerate(rows, start=1)]
    return len(_insert(door, "payments", numbered, rows, progress, cancel))


DISBURSEMENTS = register_kind(
    ImportKind(
        key="disbursements",
        label="帮扶发放记录",
        fields=DISBURSEMENT_FIELDS,
        key_fields=("id_number", "programme", "covered_start"),
        write=_write_disbursements,
        validate_row=_validate_disbursement_row,
        find_existing=_existing_payments,
        notes="每笔发放一行；人员须已在帮扶家庭或人员名册中登记。\n"
        "同一人同一项目的发放期间不能与已有发放重叠（含其他办事处的发放），"
        "退回后补发请在原记录上登记，不要新增一行。",
    )
)
