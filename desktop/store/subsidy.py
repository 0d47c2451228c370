"""帮扶发放 in the store: programmes and dated standards, households, qualifications, payment
batches, payments, the double-payment guard and the summary queries. No Qt here; the UI calls
these functions (long ones on a worker thread with its own connection).

Tables (migration step 5, ``_v5_subsidy``)
------------------------------------------
``subsidy_programmes`` code (``reward`` 奖励扶助 / ``special`` 特别扶助 / ``condolence`` 贫困计生户慰问
                       / a local code), name, level (``SUBSIDY_LEVELS``), kind (person / household)
``subsidy_standards``  programme_id, category (``SUBSIDY_CATEGORY`` or NULL = all), hukou (NULL =
                       both), unit (year / month / once), amount_fen, effective_from / _to, note.
                       Both are district data (office ``DISTRICT``), seeded by the migration and
                       changed by the administrator through the audited functions below.
``households``         community_id, head_person_id, address, hukou, poor (0/1), poor_since
``household_members``  household_id, person_id, relation (``RELATIONS``), joined_on, left_on
``qualifications``     person_id, household_id, programme_id, category, year, status
                       (``QUALIFICATION_STATUS``), status_on (the record's date for period locks),
                       start_on / end_on of the entitlement, exit_reason (``EXIT_REASONS``:
                       the reason of a 退出 or of a 暂停 — ``domain.subsidy.SUSPEND_REASONS``),
                       confirmed_on / confirmed_by, posted_from / posted_to (公示)
``payment_batches``    programme_id, batch_no, covered period, pay_date, people, total_fen,
                       proposed_by, approved_by, approved_at; office = the office of every payment
                       of the batch, or ``DISTRICT`` for a batch over several offices
``payments``           person_id, household_id, programme_id, qualification_id, standard_id,
                       batch_id, covered period, amount_fen (cash), goods_fen (慰问品 value),
                       pay_date (the record's date), account_type, account_no, status
                       (``PAYMENT_STATUS``), return_reason, returned_on, repaid_on

Every write goes through :class:`~desktop.store.door.WriteDoor`; the TableSpecs registered at
the end of this module run the row rules of :mod:`desktop.domain.subsidy` and these rules across
records, for the form, the batch, the import and the command alike:

- **no double payment**: a second live payment of the same programme to the same person — by
  person record *and* by ID number, so two person rows of one human are caught, across offices —
  for an overlapping covered period is refused, naming the payment that already covers it (batch
  no., pay date, covered period, office) and the row; duplicates within one write too. A
  returned payment still covers its period: it is re-paid on the same row (:func:`repay`), so it is
  never counted twice;
- one qualification per person, programme and year; eligibility refusals
  (:func:`desktop.domain.subsidy.eligibility`) refuse a 新增 / 续发 qualification;
- one household per head; a person in one live household at a time.

Amounts are by paid months (see :mod:`desktop.domain.subsidy`). Totals count payments 已发 and
已补发 by their pay date (a 失败退回 not re-paid does not count; a re-paid one counts once, in the
quarter of its pay date).

API for the UI, the summary and the charts
------------------------------------------
Reading (``db`` is a sqlite-utils Database or a raw connection of the calling thread; lists take
the user's :class:`~desktop.store.orgs.Scope`):

- ``list_programmes(db) -> list[Programme]``; ``programme_by_code(db, code) -> Programme``
- ``load_standards(db, programme_id=None) -> list[Standard]``;
  ``standard_for(db, programme_id, category, hukou, day) -> Standard | None``
- paged queries for ``PagedResult`` (IDs, phones and accounts come back masked; the full value
  is :func:`reveal`, audited): ``households_query(db, scope, search="", poor_only=False)``,
  ``qualifications_query(db, scope, programme_id=None, year=None, status=None, search="")``,
  ``batches_query(db, scope, programme_id=None)``, ``payments_query(db, scope,
  programme_id=None, batch_id=None, status=None, period=None, search="")``; search = the start of
  a name, pinyin initials or the end of the ID number. Choice columns: ``KEY_COLUMNS``.
- ``headcount_identity(db, programme_id, year, scope=None) -> list[IdentityRow]``
- ``period_totals(db, period, scope=None) -> list[ProgrammeTotals]``; ``office_totals(db, period,
  scope=None) -> list[OfficeTotals]``; ``confirmed_counts(db, period, scope=None) -> dict``
  (the report's "确认奖励扶助对象 304 名, 特别扶助对象 23 名" is ``confirmed_counts(db,
  quarter(2026, 1))`` → ``{'reward': 304, 'special': 23, …}``; "为 187 户贫困计生户发放慰问金和
  慰问品共计 13余万元" is the ``condolence`` row of ``period_totals``).
- ``eligibility(db, person_id, programme_code, category, on_day) -> list[EligibilityProblem]``
  (each with ``severity`` 'refuse' or 'warn').

Writing (each raises ``ValidationError`` naming fields and rows, ``AccessDenied`` or
``PeriodLocked``; nothing is written then):

- ``household_values(db, **fields)`` → ``door.insert("households", …)``;
  ``member_values(db, household_id, person_id, relation, joined_on, left_on=None)`` →
  ``door.insert("household_members", …)``; ``qualification_values(db, person_id, programme_id,
  year, status, …)`` → ``door.insert("qualifications", …)``.
- ``confirm_year(door, programme_id, year, confirmed_on, person_ids=None, progress=None,
  cancel=None) -> int`` (reviewer / admin), after ``confirmation_count(db, scope, programme_id,
  year) -> int`` (what it would confirm: the figure the reviewer is asked about);
  ``exit_qualification(door, qualification_id, reason, on_day, note=None)``;
  ``suspend_qualification(door, qualification_id, on_day, reason=None, note=None)``;
  ``set_posting(door, ids, posted_from, posted_to)``.
- ``propose_batch(db, programme_id, covered_start, covered_end, user, pay_date=None, scope=None)
  -> Batch`` then ``commit_batch(door, batch, progress=None, cancel=None) -> str`` (reviewer /
  admin; one transaction; cancelled → nothing written); ``batch_review(db, batch) ->
  BatchReview`` (the names, ID numbers, communities and categories the review shows).
- ``household_record(db, scope, household_id)`` / ``household_members(db, scope, household_id)``
  — the household form's reads.
- ``payment_values(db, person_id, programme_id, covered_start, covered_end, amount_fen,
  pay_date, goods_fen=0, …)`` → ``door.insert("payments", …)``: one payment keyed by hand.
- ``mark_returned(door, payment_id, reason, returned_on)``; ``repay(door, payment_id, repaid_on,
  account_type=None, account_no=None)``.
- ``reveal(door, table, record_id, field) -> str`` (audited; ``AccessDenied`` without the
  permission); ``mask_account(no)``.
- Administrator only, audited: ``add_programme``, ``add_standard``, ``end_standard``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlite_utils

from desktop.domain.choices import (
    ACCOUNT_TYPES,
    EXIT_REASONS,
    HUKOU,
    PAYMENT_STATUS,
    QUALIFICATION_STATUS,
    RELATIONS,
    SUBSIDY_CATEGORY,
    SUBSIDY_KINDS,
    SUBSIDY_LEVELS,
    ChoiceList,
)
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.ids import mask_id
from desktop.domain.periods import Period
from desktop.domain.subsidy import (
    ACTIVE,
    PAID,
    EligibilityProblem,
    Facts,
    Share,
    Standard,
    mask_account,
    overlap,
    shares,
    standard_in_force,
    validate_batch,
    validate_household,
    validate_member,
    validate_payment,
    validate_programme,
    validate_qualification,
    validate_standard,
)
from desktop.domain.subsidy import eligibility as domain_eligibility
from desktop.domain.uuid7 import uuid7
from desktop.store import audit
from desktop.store.audit import now_iso
from desktop.store.common import (
    Db,
    conn_of,
    json_list,
    office_names,
    rows_in,
    short_id,
    unit_name_sql,
)
from desktop.store.db import transaction
from desktop.store.errors import AccessDenied, Cancelled
from desktop.store.orgs import OrgTree, Scope
from desktop.store.paged import Column, Query
from desktop.store.tables import NumberedRows, TableSpec, register

if TYPE_CHECKING:  # the door imports this module (through tables) to know its tables
    from desktop.store.door import CancelCheck, Progress, WriteDoor
    from desktop.store.users import User

__all__ = [
    "KEY_COLUMNS",
    "Batch",
    "BatchReview",
    "IdentityRow",
    "OfficeTotals",
    "Programme",
    "ProgrammeTotals",
    "ReviewPerson",
    "Skipped",
    "Standard",
    "add_programme",
    "add_standard",
    "batch_review",
    "batches_query",
    "commit_batch",
    "confirm_year",
    "confirmation_count",
    "confirmed_counts",
    "eligibility",
    "end_standard",
    "exit_qualification",
    "headcount_identity",
    "household_members",
    "household_record",
    "household_values",
    "households_query",
    "list_programmes",
    "load_standards",
    "mark_returned",
    "mask_account",
    "member_values",
    "payment_values",
    "office_totals",
    "payments_query",
    "period_totals",
    "programme_by_code",
    "propose_batch",
    "qualification_values",
    "qualifications_query",
    "repay",
    "reveal",
    "set_posting",
    "standard_for",
    "suspend_qualification",
]

DISTRICT = "DISTRICT"
WRITE_BATCH = 5000  # rows per executemany of the batch commit
TOP = "\U0010ffff"
BATCH_PREFIX = {"reward": "JL", "special": "TF", "condolence": "WW"}


def _iso(day: date | str) -> str:
    return day.isoformat() if isinstance(day, date) else str(day)[:10]


# -- programmes and standards ---------------------------------------------------------------------


@dataclass(frozen=True)
class Programme:
    id: str
    code: str
    name: str
    level: str  # SUBSIDY_LEVELS key
    kind: str  # 'person' / 'household'

    @property
    def level_label(self) -> str:
        return SUBSIDY_LEVELS.label(self.level)

    @property
    def per_household(self) -> bool:
        return self.kind == "household"


_LEVEL_ORDER = {k: i for i, k in enumerate(SUBSIDY_LEVELS.keys())}


def list_programmes(db: Db) -> list[Programme]:
    """Live programmes: national first, then province, city, county; by code within a level."""
    rows = conn_of(db).execute(
        "SELECT id, code, name, level, kind FROM subsidy_programmes WHERE deleted = 0"
    )
    found = [Programme(*r) for r in rows]
    fixed = {"reward": 0, "special": 1, "condolence": 2}
    return sorted(found, key=lambda p: (_LEVEL_ORDER.get(p.level, 9), fixed.get(p.code, 9), p.code))


def programme_by_code(db: Db, code: str) -> Programme:
    for p in list_programmes(db):
        if p.code == code:
            return p
    raise ValidationError.single("帮扶项目", f"没有代码为「{code}」的帮扶项目")


def _programme(db: Db, programme_id: str) -> Programme:
    for p in list_programmes(db):
        if p.id == programme_id:
            return p
    raise ValidationError.single("帮扶项目", "所选帮扶项目不存在或已删除")


_STANDARD_COLUMNS = (
    "id, programme_id, category, hukou, unit, amount_fen, effective_from, effective_to, note"
)


def load_standards(
    db: Db, programme_id: str | None = None, *, include_deleted: bool = False
) -> list[Standard]:
    """Live standards (of one programme), by programme, category, hukou and start date."""
    where = ["1" if include_deleted else "deleted = 0"]
    params: list[Any] = []
    if programme_id is not None:
        where.append("programme_id = ?")
        params.append(programme_id)
    cur = conn_of(db).execute(
        f"SELECT {_STANDARD_COLUMNS} FROM subsidy_standards WHERE {' AND '.join(where)}"
        " ORDER BY programme_id, coalesce(category, ''), coalesce(hukou, ''), effective_from",
        params,
    )
    keys = [d[0] for d in cur.description]
    return [Standard.from_row(dict(zip(keys, r, strict=True))) for r in cur]


def standard_for(
    db: Db, programme_id: str, category: str | None, hukou: str | None, day: date | str
) -> Standard | None:
    """The standard in force on ``day`` (see ``domain.subsidy.standard_in_force``)."""
    return standard_in_force(load_standards(db, programme_id), programme_id, category, hukou, day)


def _require_district_admin(door: WriteDoor) -> None:
    if not door.user.is_admin or door.user.office is not None:
        raise AccessDenied("帮扶项目和标准只能由区管理员修改。")


def _audited_insert(door: WriteDoor, table: str, record: dict[str, Any], action: str) -> str:
    stamp = now_iso()
    columns = ["id", "office", "rev", "updated_at", "updated_by", "deleted", *record]
    values = {**record, "office": DISTRICT, "rev": 1, "updated_at": stamp}
    values.update(updated_by=door.user.name, deleted=0)
    with transaction(door.db) as conn:
        conn.execute(
            f"INSERT INTO {table} ({', '.join(dict.fromkeys(columns))})"
            f" VALUES ({', '.join(':' + c for c in dict.fromkeys(columns))})",
            values,
        )
        audit.append(
            conn,
            [
                audit.Entry(
                    stamp, door.user.name, action, table, record["id"], DISTRICT, None, record
                )
            ],
        )
    return str(record["id"])


def add_programme(
    door: WriteDoor, code: str, name: str, level: str, kind: str, note: str | None = None
) -> str:
    """A new (local) programme; returns its id. Audited as ``programme_add``."""
    _require_district_admin(door)
    record = {
        "id": uuid7(),
        "code": code.strip(),
        "name": name.strip(),
        "level": level,
        "kind": kind,
        "note": note,
    }
    problems = validate_programme(record)
    if any(p.code == record["code"] for p in list_programmes(door.db)):
        problems.append(Problem("项目代码", f"「{code}」已被使用"))
    if problems:
        raise ValidationError(problems)
    return _audited_insert(door, "subsidy_programmes", record, "programme_add")


def check_standards(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """Two live standards of one programme, category and hukou never overlap in time."""
    problems: list[Problem] = []
    live = load_standards(conn)
    for row, rec in rows:
        key = (rec.get("programme_id"), rec.get("category") or None, rec.get("hukou") or None)
        for other in live:
            if (other.programme_id, other.category, other.hukou) != key or other.id == rec.get(
                "id"
            ):
                continue
            if overlap(
                str(rec.get("effective_from")),
                rec.get("effective_to"),
                other.effective_from,
                other.effective_to,
            ):
                problems.append(
                    Problem(
                        "起始日期", f"与已有标准{other.label}重叠；请先为旧标准填写截止日期", row
                    )
                )
    return problems


def add_standard(
    door: WriteDoor,
    programme_id: str,
    unit: str,
    amount_fen: int,
    effective_from: str,
    effective_to: str | None = None,
    *,
    category: str | None = None,
    hukou: str | None = None,
    note: str | None = None,
) -> str:
    """A new dated standard; returns its id. Refused when it overlaps a live standard of the same
    programme, category and hukou. Audited as ``standard_add``."""
    _require_district_admin(door)
    _programme(door.db, programme_id)
    record = {
        "id": uuid7(),
        "programme_id": programme_id,
        "category": category,
        "hukou": hukou,
        "unit": unit,
        "amount_fen": amount_fen,
        "effective_from": effective_from,
        "effective_to": effective_to,
        "note": note,
    }
    problems = validate_standard(record) or check_standards(conn_of(door.db), [(None, record)])
    if problems:
        raise ValidationError(problems)
    return _audited_insert(door, "subsidy_standards", record, "standard_add")


def end_standard(door: WriteDoor, standard_id: str, last_day: str) -> None:
    """Set the last day a standard is in force (before adding its successor). Refused when
    payments computed with it lie after that day. Audited as ``standard_update``."""
    _require_district_admin(door)
    stamp = now_iso()
    with transaction(door.db) as conn:
        row = conn.execute(
            "SELECT effective_from, effective_to, rev FROM subsidy_standards"
            " WHERE id = ? AND deleted = 0",
            [standard_id],
        ).fetchone()
        if row is None:
            raise ValidationError.single("帮扶标准", "该标准不存在或已删除")
        if last_day < row[0]:
            raise ValidationError.single("截止日期", f"不能早于起始日期 {row[0]}")
        used = conn.execute(
            "SELECT count(*) FROM payments WHERE deleted = 0 AND standard_id = ? AND covered_end > ?",
            [standard_id, last_day],
        ).fetchone()[0]
        if used:
            raise ValidationError.single(
                "截止日期", f"已有 {used} 笔发放按此标准计算且发放期间晚于 {last_day}"
            )
        conn.execute(
            "UPDATE subsidy_standards SET effective_to = ?, rev = rev + 1, updated_at = ?,"
            " updated_by = ? WHERE id = ?",
            [last_day, stamp, door.user.name, standard_id],
        )
        audit.append(
            conn,
            [
                audit.Entry(
                    stamp,
                    door.user.name,
                    "standard_update",
                    "subsidy_standards",
                    standard_id,
                    DISTRICT,
                    {"effective_to": row[1]},
                    {"effective_to": last_day, "rev": row[2] + 1},
                )
            ],
        )


# -- persons and their facts ----------------------------------------------------------------------


class _Persons:
    """Persons by id, in one query: name, ID number, sex, birth date, hukou, community, deleted."""

    def __init__(self, conn: sqlite3.Connection, ids: Iterable[Any]):
        self.rows = {
            r[0]: r
            for r in rows_in(
                conn,
                "SELECT id, name, id_number, sex, birth_date, hukou, community_id, deleted, office"
                " FROM persons WHERE id IN ({marks})",
                ids,
            )
        }

    def who(self, person_id: Any) -> str:
        row = self.rows.get(person_id)
        if row is None:
            return "该人员"
        return f"{row[1]}（{mask_id(row[2])}）" if row[2] else str(row[1])


def _facts(conn: sqlite3.Connection, person_ids: Iterable[Any]) -> dict[str, Facts]:
    """Eligibility facts of persons: their own, their spouse's and their registered children."""
    ids = list(dict.fromkeys(p for p in person_ids if p))
    persons = _Persons(conn, ids)
    memberships = rows_in(
        conn,
        "SELECT person_id, household_id FROM household_members"
        " WHERE deleted = 0 AND left_on IS NULL AND person_id IN ({marks})",
        ids,
    )
    household_of = {p: h for p, h in memberships}
    members: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows_in(
        conn,
        "SELECT m.household_id, m.person_id, m.relation, p.sex, p.birth_date, h.head_person_id,"
        " h.hukou FROM household_members AS m JOIN persons AS p ON p.id = m.person_id"
        " JOIN households AS h ON h.id = m.household_id"
        " WHERE m.deleted = 0 AND m.left_on IS NULL AND m.household_id IN ({marks})",
        set(household_of.values()),
    ):
        members.setdefault(row[0], []).append(row)
    found: dict[str, Facts] = {}
    for pid in ids:
        person = persons.rows.get(pid)
        if person is None:
            continue
        _, name, _, sex, birth, hukou, _, _, _ = person
        household = members.get(household_of.get(pid, ""), [])
        relation = next((m[2] for m in household if m[1] == pid), None)
        spouse: tuple[Any, ...] | None = None
        children: list[str] = []
        household_hukou = household[0][6] if household else None
        for m in household:
            if m[1] == pid:
                continue
            # the head's spouse and children, or (for the spouse) the head and the children
            if relation in ("head", "spouse") and m[2] in ("spouse", "head"):
                spouse = m
            if relation in ("head", "spouse") and m[2] == "child":
                children.append(str(m[3] or ""))
        found[pid] = Facts(
            name=str(name),
            birth_date=birth,
            sex=sex,
            hukou=hukou or household_hukou,
            spouse_birth_date=spouse[4] if spouse else None,
            spouse_sex=spouse[3] if spouse else None,
            children=tuple(children),
        )
    return found


def eligibility(
    db: Db, person_id: str, programme_code: str, category: str | None, on_day: date | str
) -> list[EligibilityProblem]:
    """DOMAIN.md's eligibility facts for one person (see ``domain.subsidy.eligibility``): each
    problem has ``severity`` 'refuse' (the qualification is refused by the door) or 'warn'."""
    facts = _facts(conn_of(db), [person_id]).get(person_id)
    if facts is None:
        return [EligibilityProblem("人员", "人员不存在", None, "refuse")]
    return domain_eligibility(programme_code, category, facts, on_day)


# -- households and members -----------------------------------------------------------------------


def household_values(
    db: Db,
    *,
    head_person_id: str,
    address: str | None = None,
    hukou: str | None = None,
    poor: bool | int = False,
    poor_since: str | None = None,
    note: str | None = None,
    created_on: str | None = None,
    community_id: str | None = None,
) -> dict[str, Any]:
    """The values of a new household for ``door.insert('households', …)``: the community and
    office are the head's (unless given), the hukou the head's when not given."""
    head = (
        conn_of(db)
        .execute("SELECT community_id, office, hukou FROM persons WHERE id = ?", [head_person_id])
        .fetchone()
    )
    return {
        "community_id": community_id or (head[0] if head else None),
        "office": head[1] if head and not community_id else None,
        "head_person_id": head_person_id,
        "address": address or None,
        "hukou": hukou or (head[2] if head else None),
        "poor": int(bool(poor)),
        "poor_since": poor_since if poor else None,
        "note": note,
        "created_on": created_on or date.today().isoformat(),
    }


def member_values(
    db: Db,
    household_id: str,
    person_id: str,
    relation: str,
    joined_on: str,
    left_on: str | None = None,
) -> dict[str, Any]:
    """The values of a household member for ``door.insert('household_members', …)``."""
    row = (
        conn_of(db)
        .execute("SELECT community_id, office FROM households WHERE id = ?", [household_id])
        .fetchone()
    )
    return {
        "community_id": row[0] if row else None,
        "office": row[1] if row else None,
        "household_id": household_id,
        "person_id": person_id,
        "relation": relation,
        "joined_on": joined_on,
        "left_on": left_on,
    }


def check_households(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """The head is a live person of the household's community and heads one live household."""
    persons = _Persons(conn, (rec.get("head_person_id") for _, rec in rows))
    heads = {
        r[0]: r
        for r in rows_in(
            conn,
            "SELECT head_person_id, id, address FROM households"
            " WHERE deleted = 0 AND head_person_id IN ({marks})",
            (rec.get("head_person_id") for _, rec in rows),
        )
    }
    problems: list[Problem] = []
    first: dict[Any, int | None] = {}
    for row, rec in rows:
        head_id = rec.get("head_person_id")
        person = persons.rows.get(head_id)
        if person is None or person[7]:
            problems.append(Problem("户主", "户主不在人员名册中或已删除", row))
            continue
        if person[6] != rec.get("community_id"):
            problems.append(Problem("社区", f"户主{person[1]}登记在另一个社区，请核对", row))
        other = heads.get(head_id)
        if other is not None and other[1] != rec.get("id"):
            problems.append(
                Problem(
                    "户主",
                    f"{persons.who(head_id)}已是另一户的户主（记录号 {short_id(other[1])}）",
                    row,
                )
            )
        elif head_id in first:
            problems.append(Problem("户主", f"与第 {first[head_id]} 行是同一户主", row))
        first.setdefault(head_id, row)
    return problems


def check_members(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """The household and the person exist; a person belongs to one live household at a time; the
    member 户主 is the household's head."""
    households = {
        r[0]: r
        for r in rows_in(
            conn,
            "SELECT id, head_person_id, community_id, deleted FROM households WHERE id IN ({marks})",
            (rec.get("household_id") for _, rec in rows),
        )
    }
    persons = _Persons(conn, (rec.get("person_id") for _, rec in rows))
    current = {
        r[0]: r
        for r in rows_in(
            conn,
            "SELECT person_id, household_id, id FROM household_members"
            " WHERE deleted = 0 AND left_on IS NULL AND person_id IN ({marks})",
            (rec.get("person_id") for _, rec in rows),
        )
    }
    problems: list[Problem] = []
    first: dict[Any, int | None] = {}
    for row, rec in rows:
        household = households.get(rec.get("household_id"))
        if household is None or household[3]:
            problems.append(Problem("户", "该户不存在或已删除", row))
            continue
        person_id = rec.get("person_id")
        person = persons.rows.get(person_id)
        if person is None or person[7]:
            problems.append(Problem("人员", "人员不在名册中或已删除", row))
            continue
        if household[2] != rec.get("community_id"):
            problems.append(Problem("社区", "家庭成员的社区应与该户一致", row))
        if (rec.get("relation") == "head") != (household[1] == person_id):
            problems.append(Problem("与户主关系", "「户主」须是该户登记的户主本人", row))
        if rec.get("left_on"):
            continue
        other = current.get(person_id)
        if other is not None and other[2] != rec.get("id"):
            if other[1] == rec.get("household_id"):
                problems.append(Problem("人员", f"{persons.who(person_id)}已是该户成员", row))
            else:
                problems.append(
                    Problem("人员", f"{persons.who(person_id)}已是另一户的成员，请先办理离户", row)
                )
        elif person_id in first:
            problems.append(Problem("人员", f"与第 {first[person_id]} 行是同一人", row))
        first.setdefault(person_id, row)
    return problems


# -- qualifications -------------------------------------------------------------------------------


def qualification_values(
    db: Db,
    person_id: str,
    programme_id: str,
    year: int,
    status: str,
    *,
    start_on: str | None = None,
    end_on: str | None = None,
    status_on: str | None = None,
    category: str | None = None,
    household_id: str | None = None,
    exit_reason: str | None = None,
    confirmed_on: str | None = None,
    confirmed_by: str | None = None,
    posted_from: str | None = None,
    posted_to: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The values of a qualification for ``door.insert('qualifications', …)``: community and
    office from the person, the household the person lives in, ``start_on`` 1 January of the year
    (or ``status_on``) and ``status_on`` today when not given."""
    conn = conn_of(db)
    person = conn.execute(
        "SELECT community_id, office FROM persons WHERE id = ?", [person_id]
    ).fetchone()
    if household_id is None:
        found = conn.execute(
            "SELECT household_id FROM household_members WHERE deleted = 0 AND left_on IS NULL"
            " AND person_id = ?",
            [person_id],
        ).fetchone()
        household_id = found[0] if found else None
    status_on = status_on or date.today().isoformat()
    if start_on is None:
        start_on = status_on if status == "new" and status_on[:4] == str(year) else f"{year}-01-01"
    return {
        "community_id": person[0] if person else None,
        "office": person[1] if person else None,
        "person_id": person_id,
        "household_id": household_id,
        "programme_id": programme_id,
        "category": category,
        "year": year,
        "status": status,
        "status_on": status_on,
        "start_on": start_on,
        "end_on": end_on,
        "exit_reason": exit_reason,
        "confirmed_on": confirmed_on,
        "confirmed_by": confirmed_by if confirmed_on else None,
        "posted_from": posted_from,
        "posted_to": posted_to,
        "note": note,
    }


def _programmes_by_id(conn: sqlite3.Connection) -> dict[str, Programme]:
    return {p.id: p for p in list_programmes(conn)}


def check_qualifications(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """One per person, programme and year; the programme is a per-person one; the person is live
    and in the record's community; a 新增 / 续发 qualification passes the eligibility refusals."""
    programmes = _programmes_by_id(conn)
    persons = _Persons(conn, (rec.get("person_id") for _, rec in rows))
    existing: dict[tuple[Any, Any, Any], Any] = {}
    for pid, prog, year, qid in rows_in(
        conn,
        "SELECT person_id, programme_id, year, id FROM qualifications"
        " WHERE deleted = 0 AND person_id IN ({marks})",
        (rec.get("person_id") for _, rec in rows),
    ):
        existing[(pid, prog, year)] = qid
    active = [rec.get("person_id") for _, rec in rows if rec.get("status") in ACTIVE]
    facts = _facts(conn, active) if active else {}
    problems: list[Problem] = []
    first: dict[tuple[Any, Any, Any], int | None] = {}
    for row, rec in rows:
        programme = programmes.get(str(rec.get("programme_id")))
        if programme is None:
            problems.append(Problem("帮扶项目", "所选帮扶项目不存在或已删除", row))
            continue
        if programme.per_household:
            problems.append(Problem("帮扶项目", f"{programme.name}按户发放，不认定个人资格", row))
            continue
        person_id = rec.get("person_id")
        person = persons.rows.get(person_id)
        if person is None or person[7]:
            problems.append(Problem("人员", "人员不在名册中或已删除", row))
            continue
        if person[6] != rec.get("community_id"):
            problems.append(Problem("社区", f"{person[1]}登记在另一个社区", row))
        key = (person_id, rec.get("programme_id"), rec.get("year"))
        other = existing.get(key)
        if other is not None and other != rec.get("id"):
            problems.append(
                Problem(
                    "年度",
                    f"{persons.who(person_id)}{rec.get('year')}年度的{programme.name}资格已登记"
                    f"（记录号 {short_id(other)}），每人每项目每年一条",
                    row,
                )
            )
        elif key in first:
            problems.append(Problem("年度", f"与第 {first[key]} 行是同一人同一年度", row))
        first.setdefault(key, row)
        if rec.get("status") in ACTIVE and person_id in facts:
            year = rec.get("year")
            day = max(str(rec.get("start_on")), f"{year}-01-01")
            for p in domain_eligibility(programme.code, rec.get("category"), facts[person_id], day):
                if p.refusal:
                    problems.append(Problem(p.field, p.message, row))
    return problems


def _require_reviewer(door: WriteDoor, what: str) -> None:
    if door.user.role not in ("reviewer", "admin"):
        raise AccessDenied(f"{what}须由审核员或区管理员办理（当前用户是{door.user.role_label}）。")


def _to_confirm(
    db: Db, scope: Scope, programme_id: str, year: int, person_ids: Sequence[str] | None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """What :func:`confirm_year` would do: the ids of ``year``'s unconfirmed 新增 / 续发 rows, and
    the rows of ``year - 1`` still in force with no row for ``year`` (each becomes a 续发)."""
    conn = conn_of(db)
    scope_sql, scope_params = scope.sql("q.office", "q.community_id")
    wanted = set(person_ids) if person_ids is not None else None
    this_year = {
        r[0]: r
        for r in conn.execute(
            "SELECT q.person_id, q.id, q.status, q.confirmed_on FROM qualifications AS q"
            f" WHERE q.deleted = 0 AND q.programme_id = ? AND q.year = ? AND {scope_sql}",
            [programme_id, year, *scope_params],
        )
        if wanted is None or r[0] in wanted
    }
    last_year = [
        r
        for r in conn.execute(
            "SELECT q.person_id, q.household_id, q.category, q.community_id, q.office, q.start_on"
            " FROM qualifications AS q WHERE q.deleted = 0 AND q.programme_id = ? AND q.year = ?"
            f" AND q.status IN ('new', 'continued') AND (q.end_on IS NULL OR q.end_on >= ?)"
            f" AND {scope_sql}",
            [programme_id, year - 1, f"{year}-01-01", *scope_params],
        )
        if (wanted is None or r[0] in wanted) and r[0] not in this_year
    ]
    return [r[1] for r in this_year.values() if r[2] in ACTIVE and r[3] is None], last_year


def confirmation_count(
    db: Db, scope: Scope, programme_id: str, year: int, person_ids: Sequence[str] | None = None
) -> int:
    """How many qualifications :func:`confirm_year` would confirm now (nothing is written): the
    figure the reviewer is asked to confirm before it runs."""
    to_confirm, last_year = _to_confirm(db, scope, programme_id, year, person_ids)
    return len(to_confirm) + len(last_year)


def confirm_year(
    door: WriteDoor,
    programme_id: str,
    year: int,
    confirmed_on: str,
    person_ids: Sequence[str] | None = None,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> int:
    """The yearly confirmation (reviewer / admin): every qualification of ``year`` that is 新增 or
    续发 and not yet confirmed gets ``confirmed_on`` / ``confirmed_by``; every person active in
    ``year - 1`` (entitlement not ended before 1 January) without a row for ``year`` gets a 续发
    row, confirmed. ``person_ids`` limits it to those people; the user's scope applies. One
    transaction; returns how many qualifications were confirmed (``cancel`` → nothing)."""
    _require_reviewer(door, "年度资格确认")
    to_confirm, last_year = _to_confirm(door.db, door.user.scope, programme_id, year, person_ids)
    total = len(to_confirm) + len(last_year)
    stamp = {"confirmed_on": confirmed_on, "confirmed_by": door.user.name}
    with door.transaction():
        for n, qid in enumerate(to_confirm, start=1):
            door.update("qualifications", qid, stamp)
            if progress and n % 200 == 0:
                progress(n, total, f"已确认 {n} 人")
            if cancel and n % 200 == 0 and cancel():
                raise Cancelled("已取消，数据库未作改动。")
        door.insert_many(
            "qualifications",
            (
                {
                    "office": office,
                    "community_id": community,
                    "person_id": pid,
                    "household_id": household,
                    "programme_id": programme_id,
                    "category": category,
                    "year": year,
                    "status": "continued",
                    "status_on": confirmed_on,
                    "start_on": max(start, f"{year}-01-01"),
                    **stamp,
                }
                for pid, household, category, community, office, start in last_year
            ),
            total=len(last_year),
            progress=(lambda d, t, m: progress(len(to_confirm) + d, total, m))
            if progress
            else None,
            cancel=cancel,
        )
        if cancel is not None and cancel():
            raise Cancelled("已取消，数据库未作改动。")
    return total


def exit_qualification(
    door: WriteDoor, qualification_id: str, reason: str, on_day: str, note: str | None = None
) -> dict[str, Any]:
    """退出: status 退出 with the reason (``EXIT_REASONS`` key or label) on ``on_day``, which is
    also the entitlement's last day."""
    key = EXIT_REASONS.key(reason) if reason not in EXIT_REASONS else reason
    changes: dict[str, Any] = {
        "status": "exited",
        "exit_reason": key,
        "end_on": on_day,
        "status_on": on_day,
    }
    if note is not None:
        changes["note"] = note
    return door.update("qualifications", qualification_id, changes)


def suspend_qualification(
    door: WriteDoor,
    qualification_id: str,
    on_day: str,
    reason: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """暂停 on ``on_day`` (not paid while suspended; resumed by a new year's row or an update),
    with the reason (a ``SUSPEND_REASONS`` key or its label) in ``exit_reason``."""
    changes: dict[str, Any] = {"status": "suspended", "status_on": on_day}
    if reason:
        changes["exit_reason"] = EXIT_REASONS.key(reason) if reason not in EXIT_REASONS else reason
    if note is not None:
        changes["note"] = note
    return door.update("qualifications", qualification_id, changes)


def set_posting(door: WriteDoor, ids: Iterable[str], posted_from: str, posted_to: str) -> int:
    """Record the public posting (公示) dates of qualifications, in one transaction."""
    count = 0
    with door.transaction():
        for qid in ids:
            door.update("qualifications", qid, {"posted_from": posted_from, "posted_to": posted_to})
            count += 1
    return count


# -- payments and the double-payment guard --------------------------------------------------------


@dataclass(frozen=True)
class _Paid:
    id: str
    person_id: str
    programme_id: str
    covered_start: str
    covered_end: str
    pay_date: str
    office: str
    batch_id: str | None
    status: str
    account_type: str | None
    account_no: str | None


def _paid_to(conn: sqlite3.Connection, person_ids: Iterable[Any]) -> list[_Paid]:
    return [
        _Paid(*r)
        for r in rows_in(
            conn,
            "SELECT id, person_id, programme_id, covered_start, covered_end, pay_date, office,"
            " batch_id, status, account_type, account_no FROM payments"
            " WHERE deleted = 0 AND person_id IN ({marks})",
            person_ids,
        )
    ]


def _batch_numbers(conn: sqlite3.Connection, ids: Iterable[Any]) -> dict[str, str]:
    return dict(
        rows_in(conn, "SELECT id, batch_no FROM payment_batches WHERE id IN ({marks})", ids)
    )


def _describe(paid: _Paid, numbers: Mapping[str, str], offices: Mapping[str, str]) -> str:
    batch_no = numbers.get(paid.batch_id) if paid.batch_id else None
    batch = f"批次 {batch_no}" if batch_no else "单笔录入"
    office = offices.get(paid.office, paid.office)
    status = "，已失败退回，请在原记录上补发" if paid.status == "returned" else ""
    return (
        f"{batch}，{paid.pay_date} 发放，发放期间 {paid.covered_start} 至 {paid.covered_end}，"
        f"{office}，记录号 {short_id(paid.id)}{status}"
    )


class _Identity:
    """Who a payment is to: the person's ID number when known, else the person record — so two
    person rows of one human are one. Live persons never share an ID number (a unique index), so
    the other rows of a human are deleted ones, read through their small partial index."""

    def __init__(self, conn: sqlite3.Connection, numbers: Mapping[Any, Any]):
        self.number_of: dict[Any, Any] = dict(numbers)  # person id → ID number (or None)
        wanted = {n for n in self.number_of.values() if n}
        if wanted:
            for pid, number in conn.execute(
                "SELECT id, id_number FROM persons WHERE deleted = 1 AND id_number IS NOT NULL"
            ):
                if number in wanted:
                    self.number_of.setdefault(pid, number)

    def key(self, person_id: Any) -> str:
        number = self.number_of.get(person_id)
        return f"id:{number}" if number else f"p:{person_id}"

    def all_ids(self) -> set[Any]:
        return set(self.number_of)


# The guard: the new rows wait in a temporary table (n = their place in the write), joined with
# the live payments of the same programme to the same person whose covered period overlaps. A
# person's other rows with the same ID number (live ones are unique by number, so the others are
# deleted, or the live one of a deleted person) are added to the table under the same n.
_GUARD_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS payment_guard"
    "(n INTEGER, person_id TEXT, programme_id TEXT, s TEXT, e TEXT, id TEXT)"
)
_GUARD_ROW = "INSERT INTO temp.payment_guard VALUES (?,?,?,?,?,?)"
_GUARD = (
    "SELECT g.n, pay.id, pay.person_id, pay.programme_id, pay.covered_start, pay.covered_end,"
    " pay.pay_date, pay.office, pay.batch_id, pay.status, pay.account_type, pay.account_no"
    " FROM temp.payment_guard AS g JOIN payments AS pay ON pay.person_id = g.person_id"
    " AND pay.programme_id = g.programme_id AND pay.deleted = 0"
    " AND pay.covered_start <= g.e AND pay.covered_end >= g.s WHERE pay.id IS NOT g.id"
)
_NUMBERS = (
    "SELECT g.n, p.id_number, p.deleted FROM temp.payment_guard AS g"
    " JOIN persons AS p ON p.id = g.person_id"
)
_TWINS = (
    "SELECT id, id_number FROM persons WHERE id_number IS NOT NULL AND deleted = ?"
    " AND id_number IN (SELECT value FROM json_each(?))"
)


def _guard(
    conn: sqlite3.Connection, payload: list[tuple[Any, ...]]
) -> tuple[dict[int, Any], dict[int, _Paid]]:
    """The ID number of each new row's person (rows whose person is missing are left out) and
    the live payment that already covers each row that has one, by place in the write."""
    conn.execute(_GUARD_TABLE)
    conn.executemany(_GUARD_ROW, payload)
    try:
        number_of: dict[int, Any] = {}
        deleted_numbers: set[Any] = set()
        for n, number, deleted in conn.execute(_NUMBERS):
            number_of[n] = number
            if deleted and number:
                deleted_numbers.add(number)
        live_numbers = {v for v in number_of.values() if v}
        twins: dict[Any, list[Any]] = {}
        for state, wanted in ((1, live_numbers), (0, deleted_numbers)):
            if wanted:
                for pid, number in conn.execute(_TWINS, [state, json_list(sorted(wanted))]):
                    twins.setdefault(number, []).append(pid)
        extra = [
            (n, pid, *payload[n][2:])
            for n, number in number_of.items()
            for pid in twins.get(number, ())
            if pid != payload[n][1]
        ]
        if extra:
            conn.executemany(_GUARD_ROW, extra)
        clashes: dict[int, _Paid] = {}
        for found in conn.execute(_GUARD):
            clashes.setdefault(found[0], _Paid(*found[1:]))
    finally:
        conn.execute("DELETE FROM temp.payment_guard")
    return number_of, clashes


def check_payments(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """THE DOUBLE-PAYMENT GUARD, and the references of a payment.

    A live payment of the same programme to the same person (by record or by ID number) whose
    covered period overlaps is refused, naming the payment that covers it; so is a second such
    row within the same write. The programme exists; a per-household programme names the
    household. Set-based (:func:`_guard`): a handful of queries per write, whatever its size."""
    programmes = _programmes_by_id(conn)
    payload = [
        (
            n,
            rec.get("person_id"),
            rec.get("programme_id"),
            str(rec.get("covered_start")),
            str(rec.get("covered_end")),
            rec.get("id"),
        )
        for n, (_, rec) in enumerate(rows)
    ]
    number_of, clashes = _guard(conn, payload)
    named: _Persons | None = None
    numbers: Mapping[str, str] = {}
    offices: Mapping[str, str] = {}
    if clashes:
        numbers = _batch_numbers(conn, (p.batch_id for p in clashes.values()))
        offices = office_names(conn)
    problems: list[Problem] = []
    seen: dict[tuple[Any, Any], list[tuple[int | None, str, str]]] = {}
    for n, (row, rec) in enumerate(rows):
        programme = programmes.get(str(rec.get("programme_id")))
        if programme is None:
            problems.append(Problem("帮扶项目", "所选帮扶项目不存在或已删除", row))
            continue
        if n not in number_of:
            problems.append(Problem("人员", "人员不在名册中", row))
            continue
        person_id = rec.get("person_id")
        if programme.per_household and not rec.get("household_id"):
            problems.append(Problem("户", f"{programme.name}按户发放，须注明户", row))
        start, end = payload[n][3], payload[n][4]
        clash = clashes.get(n)
        twin = None
        number = number_of[n]
        key = (f"id:{number}" if number else f"p:{person_id}", programme.id)
        if clash is None:
            twin = next((t for t in seen.get(key, ()) if overlap(start, end, t[1], t[2])), None)
            if twin is None:
                seen.setdefault(key, []).append((row, start, end))
                continue
        if named is None:  # names only for the messages: rare
            named = _Persons(conn, (rec.get("person_id") for _, rec in rows))
        if clash is not None:
            problems.append(
                Problem(
                    "发放期间",
                    f"{named.who(person_id)}的{programme.name} {start} 至 {end} 已经发放过"
                    f"（{_describe(clash, numbers, offices)}）；同一人同一项目同一期间不能重复发放",
                    row,
                )
            )
        elif twin is not None:
            where = f"第 {twin[0]} 行" if twin[0] else "本批另一条记录"
            problems.append(
                Problem(
                    "发放期间",
                    f"{named.who(person_id)}的{programme.name} {start} 至 {end} 与{where}"
                    f"（{twin[1]} 至 {twin[2]}）重复；同一人同一项目同一期间不能重复发放",
                    row,
                )
            )
    return problems


def check_batches(conn: sqlite3.Connection, rows: NumberedRows) -> list[Problem]:
    """A batch number once among live batches; the programme exists."""
    programmes = _programmes_by_id(conn)
    taken = dict(
        rows_in(
            conn,
            "SELECT batch_no, id FROM payment_batches WHERE deleted = 0 AND batch_no IN ({marks})",
            (rec.get("batch_no") for _, rec in rows),
        )
    )
    problems: list[Problem] = []
    for row, rec in rows:
        if rec.get("programme_id") not in programmes:
            problems.append(Problem("帮扶项目", "所选帮扶项目不存在或已删除", row))
        other = taken.get(rec.get("batch_no"))
        if other is not None and other != rec.get("id"):
            problems.append(Problem("批次号", f"批次号 {rec.get('batch_no')} 已被使用", row))
    return problems


def payment_values(
    db: Db,
    person_id: str,
    programme_id: str,
    covered_start: str,
    covered_end: str,
    amount_fen: int,
    pay_date: str,
    *,
    goods_fen: int = 0,
    goods_desc: str | None = None,
    household_id: str | None = None,
    qualification_id: str | None = None,
    standard_id: str | None = None,
    account_type: str | None = None,
    account_no: str | None = None,
    status: str = "paid",
    note: str | None = None,
) -> dict[str, Any]:
    """The values of one payment keyed by hand for ``door.insert('payments', …)``: community and
    office from the person, the household the person lives in, the account without spaces."""
    conn = conn_of(db)
    person = conn.execute(
        "SELECT community_id, office FROM persons WHERE id = ?", [person_id]
    ).fetchone()
    if household_id is None:
        found = conn.execute(
            "SELECT household_id FROM household_members WHERE deleted = 0 AND left_on IS NULL"
            " AND person_id = ?",
            [person_id],
        ).fetchone()
        household_id = found[0] if found else None
    return {
        "community_id": person[0] if person else None,
        "office": person[1] if person else None,
        "person_id": person_id,
        "household_id": household_id,
        "programme_id": programme_id,
        "qualification_id": qualification_id,
        "standard_id": standard_id,
        "batch_id": None,
        "covered_start": covered_start,
        "covered_end": covered_end,
        "amount_fen": amount_fen,
        "goods_fen": goods_fen,
        "goods_desc": goods_desc,
        "pay_date": pay_date,
        "account_type": account_type,
        "account_no": "".join(str(account_no).split()) if account_no else None,
        "status": status,
        "return_reason": None,
        "returned_on": None,
        "repaid_on": None,
        "note": note,
    }


def mark_returned(
    door: WriteDoor, payment_id: str, reason: str, returned_on: str
) -> dict[str, Any]:
    """失败退回: a paid payment came back (closed account, wrong number …)."""
    current = _payment(door, payment_id)
    if current["status"] not in ("paid", "repaid"):
        raise ValidationError.single(
            "发放状态",
            f"只有已发放的记录才能登记退回（当前为{PAYMENT_STATUS.label(current['status'])}）",
        )
    return door.update(
        "payments",
        payment_id,
        {
            "status": "returned",
            "return_reason": reason,
            "returned_on": returned_on,
            "repaid_on": None,
        },
    )


def repay(
    door: WriteDoor,
    payment_id: str,
    repaid_on: str,
    account_type: str | None = None,
    account_no: str | None = None,
) -> dict[str, Any]:
    """已补发: a returned payment paid again — the same row (status 已补发, the new account), so it
    is never counted twice."""
    current = _payment(door, payment_id)
    if current["status"] != "returned":
        raise ValidationError.single("发放状态", "只有失败退回的记录才能补发")
    changes: dict[str, Any] = {"status": "repaid", "repaid_on": repaid_on}
    if account_type is not None:
        changes["account_type"] = (
            account_type if account_type in ACCOUNT_TYPES else ACCOUNT_TYPES.key(account_type)
        )
    if account_no is not None:
        changes["account_no"] = "".join(account_no.split()) or None
    return door.update("payments", payment_id, changes)


def _payment(door: WriteDoor, payment_id: str) -> dict[str, Any]:
    cur = door.db.execute("SELECT * FROM payments WHERE id = ? AND deleted = 0", [payment_id])
    row = cur.fetchone()
    if row is None:
        raise ValidationError.single("发放记录", "该发放记录不存在或已删除")
    return dict(zip([d[0] for d in cur.description], row, strict=True))


# -- batches --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    """Someone a batch leaves out, and why. ``kind``: 'paid' (already paid for an overlapping
    period — the reason names the payment), 'status' (suspended / exited / not confirmed),
    'months' (no paid month in the covered period), 'standard' (no standard in force)."""

    person_id: str
    name: str
    reason: str
    kind: str


@dataclass
class Batch:
    """What a batch would write: ``payments`` (values for the door), who is left out and why."""

    programme: Programme
    covered_start: str
    covered_end: str
    pay_date: str
    proposed_by: str
    payments: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    note: str | None = None

    @property
    def people(self) -> int:
        return len({p["person_id"] for p in self.payments})

    @property
    def total_fen(self) -> int:
        return sum(p["amount_fen"] + p["goods_fen"] for p in self.payments)

    @property
    def cash_fen(self) -> int:
        return sum(p["amount_fen"] for p in self.payments)

    @property
    def goods_fen(self) -> int:
        return sum(p["goods_fen"] for p in self.payments)

    @property
    def office(self) -> str:
        """The office of every payment, or DISTRICT for a batch over several offices."""
        offices = {p["office"] for p in self.payments}
        return offices.pop() if len(offices) == 1 else DISTRICT

    def __len__(self) -> int:
        return len(self.payments)


def _covered(covered_start: date | str, covered_end: date | str) -> tuple[str, str]:
    start, end = _iso(covered_start), _iso(covered_end)
    if end < start:
        raise ValidationError.single("发放期间止", "不能早于发放期间起")
    return start, end


def _already(
    conn: sqlite3.Connection, programme_id: str, start: str, end: str, numbers: Mapping[Any, Any]
) -> tuple[_Identity, dict[str, _Paid], dict[Any, tuple[Any, Any]]]:
    """Overlapping live payments of the programme, by identity (ID number or person), and the
    account of each person's latest payment that names one (one pass over their payments)."""
    who = _Identity(conn, numbers)
    found: dict[str, _Paid] = {}
    latest: dict[Any, _Paid] = {}
    for p in _paid_to(conn, who.all_ids()):
        if p.programme_id == programme_id and overlap(start, end, p.covered_start, p.covered_end):
            found.setdefault(who.key(p.person_id), p)
        if p.account_no and (
            p.person_id not in latest or p.pay_date > latest[p.person_id].pay_date
        ):
            latest[p.person_id] = p
    return who, found, {pid: (p.account_type, p.account_no) for pid, p in latest.items()}


def propose_batch(
    db: Db,
    programme_id: str,
    covered_start: date | str,
    covered_end: date | str,
    user: User,
    pay_date: date | str | None = None,
    scope: Scope | None = None,
    *,
    goods_fen: int = 0,
    goods_desc: str | None = None,
    status: str = "paid",
    person_ids: Sequence[str] | None = None,
) -> Batch:
    """The payments of a programme for a covered period, in the user's scope (narrowed by
    ``scope``); nothing is written — :func:`commit_batch` does that.

    Per person (奖励扶助, 特别扶助): everyone with a qualification of the covered period's year
    that is 新增 / 续发 and confirmed, paid for the months of the period in which the entitlement
    is in force, at the standard in force on each month's first day (one payment per standard).
    Per household (慰问): every poor household (贫困计生户 since the period's end at the latest),
    paid to its head: the one-off cash standard plus ``goods_fen`` of goods. Left out, with the
    reason (``batch.skipped``): anyone already paid for an overlapping period (naming the
    payment), not confirmed, suspended or exited, with no paid month, or with no standard.
    A covered period lies within one calendar year."""
    conn = conn_of(db)
    start, end = _covered(covered_start, covered_end)
    if start[:4] != end[:4]:
        raise ValidationError.single("发放期间", "一个批次的发放期间须在同一年度内")
    programme = _programme(db, programme_id)
    pay = _iso(pay_date) if pay_date else date.today().isoformat()
    batch = Batch(programme, start, end, pay, user.name)
    own_sql, own_params = user.scope.sql("q.office", "q.community_id")
    narrow_sql, narrow_params = (scope or user.scope).sql("q.office", "q.community_id")
    scope_sql, scope_params = f"{own_sql} AND {narrow_sql}", own_params + narrow_params
    standards = load_standards(conn, programme_id)
    wanted = set(person_ids) if person_ids is not None else None
    if programme.per_household:
        candidates = conn.execute(
            "SELECT q.head_person_id, q.id, NULL, 'new', q.poor_since, NULL, 1, q.office,"
            " q.community_id, q.hukou, p.name, NULL, p.id_number, NULL FROM households AS q"
            " JOIN persons AS p ON p.id = q.head_person_id"
            " WHERE q.deleted = 0 AND q.poor = 1 AND (q.poor_since IS NULL OR q.poor_since <= ?)"
            f" AND {scope_sql} ORDER BY q.office, q.community_id, p.pinyin",
            [end, *scope_params],
        ).fetchall()
    else:
        candidates = conn.execute(
            "SELECT q.person_id, q.household_id, q.id, q.status, q.start_on, q.end_on,"
            " q.confirmed_on, q.office, q.community_id, coalesce(p.hukou, h.hukou), p.name,"
            " q.category, p.id_number, q.exit_reason FROM qualifications AS q"
            " JOIN persons AS p ON p.id = q.person_id"
            " LEFT JOIN households AS h ON h.id = q.household_id"
            f" WHERE q.deleted = 0 AND q.programme_id = ? AND q.year = ? AND {scope_sql}"
            " ORDER BY q.office, q.community_id, p.pinyin",
            [programme_id, int(start[:4]), *scope_params],
        ).fetchall()
    if wanted is not None:
        candidates = [c for c in candidates if c[0] in wanted]
    id_numbers = {c[0]: c[12] for c in candidates}
    who, already, accounts = _already(conn, programme_id, start, end, id_numbers)
    numbers = _batch_numbers(conn, (p.batch_id for p in already.values()))
    offices = office_names(conn)
    judged: dict[tuple[Any, ...], tuple[list[Share], list[date]]] = {}
    for c in candidates:
        person_id, household_id, qual_id, q_status, start_on, end_on, confirmed = c[:7]
        office, community, hukou, name = c[7:11]
        category = c[11]
        if programme.per_household:
            start_on = start_on or "1900-01-01"
        if q_status not in ACTIVE:
            why = f"（{EXIT_REASONS.label(c[13])}）" if c[13] in EXIT_REASONS else ""
            status_text = f"资格状态为{QUALIFICATION_STATUS.label(q_status)}{why}"
            batch.skipped.append(Skipped(person_id, name, status_text, "status"))
            continue
        if not confirmed:
            batch.skipped.append(Skipped(person_id, name, "本年度资格尚未确认", "status"))
            continue
        clash = already.get(who.key(person_id))
        if clash is not None:
            batch.skipped.append(
                Skipped(person_id, name, f"已发放：{_describe(clash, numbers, offices)}", "paid")
            )
            continue
        key = (category, hukou, start_on, end_on)  # most people share these: judge once
        if key not in judged:
            judged[key] = shares(
                standards, programme_id, category, hukou, start, end, start_on, end_on
            )
        parts, missing = judged[key]
        if missing and not parts:
            batch.skipped.append(
                Skipped(
                    person_id,
                    name,
                    f"没有 {missing[0]} 执行的{programme.name}标准"
                    f"（{SUBSIDY_CATEGORY.label(category) if category else ''}"
                    f"{HUKOU.label(hukou) if hukou else ''}），请区管理员补充",
                    "standard",
                )
            )
            continue
        if not parts:
            batch.skipped.append(Skipped(person_id, name, "发放期间内不在享受期", "months"))
            continue
        account = accounts.get(person_id, (None, None))
        for part in parts:
            batch.payments.append(
                {
                    "office": office,
                    "community_id": community,
                    "person_id": person_id,
                    "household_id": household_id,
                    "programme_id": programme_id,
                    "qualification_id": qual_id,
                    "standard_id": part.standard.id,
                    "batch_id": None,
                    "covered_start": part.covered_start,
                    "covered_end": part.covered_end,
                    "amount_fen": part.amount_fen,
                    "goods_fen": goods_fen if programme.per_household else 0,
                    "goods_desc": goods_desc if programme.per_household else None,
                    "pay_date": pay,
                    "account_type": account[0],
                    "account_no": account[1],
                    "status": status,
                    "return_reason": None,
                    "returned_on": None,
                    "repaid_on": None,
                    "note": None,
                }
            )
    return batch


def _next_batch_no(conn: sqlite3.Connection, batch: Batch) -> str:
    prefix = BATCH_PREFIX.get(batch.programme.code, batch.programme.code.upper()[:4])
    stem = f"{prefix}{batch.covered_start[:7].replace('-', '')}-{batch.office}-"
    taken = {
        r[0]
        for r in conn.execute(
            "SELECT batch_no FROM payment_batches WHERE batch_no >= ? AND batch_no < ?",
            [stem, stem + TOP],
        )
    }
    n = 1
    while f"{stem}{n:02d}" in taken:
        n += 1
    return f"{stem}{n:02d}"


def commit_batch(
    door: WriteDoor,
    batch: Batch,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> str:
    """Write a proposed batch in one transaction — the ``payment_batches`` row (approved by the
    door's user, who must be a reviewer or the administrator) and every payment — and return
    the batch id. The door checks every rule again (the double-payment guard included): any
    refusal, or ``cancel()`` returning True, leaves nothing written."""
    _require_reviewer(door, "发放批次")
    if not batch.payments:
        raise ValidationError.single("发放名单", "没有可发放的对象")
    with door.transaction() as conn:
        batch_id = door.insert(
            "payment_batches",
            {
                "office": batch.office,
                "programme_id": batch.programme.id,
                "batch_no": _next_batch_no(conn, batch),
                "covered_start": batch.covered_start,
                "covered_end": batch.covered_end,
                "pay_date": batch.pay_date,
                "people": batch.people,
                "total_fen": batch.total_fen,
                "proposed_by": batch.proposed_by,
                "approved_by": door.user.name,
                "approved_at": now_iso(),
                "note": batch.note,
            },
        )
        door.insert_many(
            "payments",
            ({**p, "batch_id": batch_id} for p in batch.payments),
            total=len(batch.payments),
            progress=progress,
            cancel=cancel,
            batch=WRITE_BATCH,
        )
        if cancel is not None and cancel():  # also for a batch smaller than one chunk
            raise Cancelled("已取消，数据库未作改动。")
    return batch_id


@dataclass(frozen=True)
class ReviewPerson:
    """Who a proposed payment (or a skipped person) is, as the batch review shows them."""

    name: str
    id_number: str
    community: str


@dataclass(frozen=True)
class BatchReview:
    """What the batch review shows besides the payments' own values: each person's name, ID
    number and community, and the category of each qualification paid (``Batch`` carries ids)."""

    people: dict[str, ReviewPerson] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)

    def person(self, person_id: Any) -> ReviewPerson:
        return self.people.get(str(person_id), ReviewPerson("", "", ""))


def batch_review(db: Db, batch: Batch) -> BatchReview:
    """The people and categories of a proposed ``batch``, one query each (run it on the worker that
    proposed the batch)."""
    conn = conn_of(db)
    people = [str(p["person_id"]) for p in batch.payments] + [s.person_id for s in batch.skipped]
    found = {
        str(pid): ReviewPerson(name or "", number or "", community or "")
        for pid, name, number, community in rows_in(
            conn,
            "SELECT p.id, p.name, p.id_number, (SELECT name FROM org_units WHERE id ="
            " p.community_id) FROM persons AS p WHERE p.id IN ({marks})",
            sorted(set(people)),
        )
    }
    categories = {
        str(qid): category or ""
        for qid, category in rows_in(
            conn,
            "SELECT id, category FROM qualifications WHERE id IN ({marks})",
            sorted({str(p["qualification_id"]) for p in batch.payments if p["qualification_id"]}),
        )
    }
    return BatchReview(found, categories)


# -- summaries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityRow:
    """Head-count identity of one category: this year = last year − exits + additions.

    ``last_year`` / ``this_year``: active (新增 + 续发) qualifications of the two years;
    ``additions``: 新增 rows of this year; ``exits``: this year's 退出 / 暂停 rows of people who
    were active last year. Someone who enters and leaves within the year is neither (nor active).
    ``holds`` is False when the records disagree — a person dropped without an exit record, or a
    续发 row for someone not active last year."""

    category: str | None
    last_year: int
    exits: int
    additions: int
    this_year: int

    @property
    def holds(self) -> bool:
        return self.this_year == self.last_year - self.exits + self.additions

    @property
    def label(self) -> str:
        return SUBSIDY_CATEGORY.label(self.category) if self.category else "全部"


def headcount_identity(
    db: Db, programme_id: str, year: int, scope: Scope | None = None
) -> list[IdentityRow]:
    """Per category (None = a programme without categories): the identity's four counts."""
    conn = conn_of(db)
    scope_sql, params = (scope or Scope.everything()).sql("q.office", "q.community_id")
    counts: dict[tuple[Any, Any, Any], int] = {}
    for y, status, category, count in conn.execute(
        "SELECT q.year, q.status, q.category, count(*) FROM qualifications AS q"
        f" WHERE q.deleted = 0 AND q.programme_id = ? AND q.year IN (?, ?) AND {scope_sql}"
        " GROUP BY q.year, q.status, q.category",
        [programme_id, year - 1, year, *params],
    ):
        counts[(y, status, category)] = count
    exits = dict(
        conn.execute(
            "SELECT q.category, count(*) FROM qualifications AS q WHERE q.deleted = 0"
            " AND q.programme_id = ? AND q.year = ? AND q.status IN ('exited', 'suspended')"
            f" AND {scope_sql} AND EXISTS (SELECT 1 FROM qualifications AS l"
            " WHERE l.person_id = q.person_id AND l.programme_id = q.programme_id"
            " AND l.year = q.year - 1 AND l.deleted = 0 AND l.status IN ('new', 'continued'))"
            " GROUP BY q.category",
            [programme_id, year, *params],
        ).fetchall()
    )
    categories = sorted({k[2] for k in counts}, key=lambda c: (c is not None, str(c)))

    def n(y: int, statuses: Sequence[str], category: Any) -> int:
        return sum(counts.get((y, s, category), 0) for s in statuses)

    return [
        IdentityRow(
            c, n(year - 1, ACTIVE, c), exits.get(c, 0), n(year, ("new",), c), n(year, ACTIVE, c)
        )
        for c in categories
    ]


@dataclass(frozen=True)
class ProgrammeTotals:
    """A programme's payments dated in a period (已发 and 已补发)."""

    code: str
    name: str
    people: int
    households: int
    payments: int
    cash_fen: int
    goods_fen: int

    @property
    def total_fen(self) -> int:
        return self.cash_fen + self.goods_fen


@dataclass(frozen=True)
class OfficeTotals(ProgrammeTotals):
    office: str = ""


def _totals_sql(period: Period, scope: Scope | None, by_office: bool) -> tuple[str, list[Any]]:
    scope_sql, scope_params = (scope or Scope.everything()).sql("office", "community_id")
    group = "office, programme_id" if by_office else "programme_id"
    return (
        f"SELECT {group}, count(DISTINCT person_id), count(DISTINCT household_id), count(*),"
        " coalesce(sum(amount_fen), 0), coalesce(sum(goods_fen), 0) FROM payments"
        " WHERE deleted = 0 AND pay_date >= ? AND pay_date <= ?"
        f" AND status IN ({','.join('?' * len(PAID))}) AND {scope_sql} GROUP BY {group}",
        [period.start.isoformat(), period.end.isoformat(), *PAID, *scope_params],
    )


def period_totals(db: Db, period: Period, scope: Scope | None = None) -> list[ProgrammeTotals]:
    """Per programme (every live programme, zeros included): distinct people and households
    paid, payments, cash, goods, total — of the payments dated in ``period``."""
    sql, params = _totals_sql(period, scope, False)
    found = {r[0]: r[1:] for r in conn_of(db).execute(sql, params)}
    return [
        ProgrammeTotals(p.code, p.name, *found.get(p.id, (0, 0, 0, 0, 0)))
        for p in list_programmes(db)
    ]


def office_totals(db: Db, period: Period, scope: Scope | None = None) -> list[OfficeTotals]:
    """Per office × programme with payments dated in ``period``, by office then programme."""
    sql, params = _totals_sql(period, scope, True)
    programmes = list_programmes(db)
    order = {p.id: i for i, p in enumerate(programmes)}
    by_id = {p.id: p for p in programmes}
    rows = sorted(conn_of(db).execute(sql, params), key=lambda r: (r[0], order.get(r[1], 99)))
    return [
        OfficeTotals(by_id[r[1]].code, by_id[r[1]].name, r[2], r[3], r[4], r[5], r[6], office=r[0])
        for r in rows
        if r[1] in by_id
    ]


def confirmed_counts(db: Db, period: Period, scope: Scope | None = None) -> dict[str, int]:
    """Programme code → people whose qualification for the period's year was confirmed within the
    period (every per-person programme, zeros included). A qualification confirmed in the period
    and exited or suspended later still counts: it was confirmed then."""
    scope_sql, scope_params = (scope or Scope.everything()).sql("office", "community_id")
    found: dict[str, int] = {}
    for p in list_programmes(db):
        if p.per_household:
            continue
        found[p.code] = int(
            conn_of(db)
            .execute(
                "SELECT count(DISTINCT person_id) FROM qualifications WHERE deleted = 0"
                " AND programme_id = ? AND year = ?"
                f" AND confirmed_on >= ? AND confirmed_on <= ? AND {scope_sql}",
                [p.id, period.start.year, period.start.isoformat(), period.end.isoformat()]
                + scope_params,
            )
            .fetchone()[0]
        )
    return found


# -- reveal ---------------------------------------------------------------------------------------

_REVEAL = {
    ("persons", "id_number"): "SELECT t.office, t.community_id, t.id_number FROM persons AS t",
    ("persons", "phone"): "SELECT t.office, t.community_id, t.phone FROM persons AS t",
    ("payments", "account_no"): "SELECT t.office, t.community_id, t.account_no FROM payments AS t",
}
for _table, _column in (
    ("households", "head_person_id"),
    ("household_members", "person_id"),
    ("qualifications", "person_id"),
    ("payments", "person_id"),
):
    for _field in ("id_number", "phone"):
        _REVEAL[(_table, _field)] = (
            f"SELECT t.office, t.community_id, p.{_field} FROM {_table} AS t"
            f" JOIN persons AS p ON p.id = t.{_column}"
        )


def reveal(door: WriteDoor, table: str, record_id: str, field_name: str) -> str:
    """The full value of a masked field (ID number, phone — of the record's person — or account
    number), for a user with the permission and the record in scope. Audited: ``reveal``, or
    ``reveal_refused`` (then ``AccessDenied``)."""
    sql = _REVEAL.get((table, field_name))
    if sql is None:
        raise ValueError(f"{table}.{field_name} is not a revealable field")
    row = door.db.execute(f"{sql} WHERE t.id = ?", [record_id]).fetchone()
    if row is None:
        raise ValidationError.single("记录", "该记录不存在")
    office, community, value = row
    allowed = door.user.can_reveal and door.user.scope.allows(office, community)
    door.log(
        "reveal" if allowed else "reveal_refused",
        table=table,
        record_id=record_id,
        office=office,
        detail={"field": field_name},
    )
    if not allowed:
        raise AccessDenied("您没有查看完整敏感信息的权限（已记入审计日志）。")
    return str(value or "")


# -- lists for the window (store.paged) -----------------------------------------------------------

KEY_COLUMNS: Mapping[str, ChoiceList] = {
    "hukou": HUKOU,
    "relation": RELATIONS,
    "status": QUALIFICATION_STATUS,
    "payment_status": PAYMENT_STATUS,
    "category": SUBSIDY_CATEGORY,
    "exit_reason": EXIT_REASONS,
    "account_type": ACCOUNT_TYPES,
    "level": SUBSIDY_LEVELS,
    "kind": SUBSIDY_KINDS,
}
"""Result columns that hold choice keys, with the list that labels them. ``poor`` is 0/1; amounts
in 分; ``id_number``, ``phone`` and ``account_no`` come back masked (full value: :func:`reveal`)."""


def _mask_id_sql(c: str) -> str:
    return (
        f"CASE WHEN {c} IS NULL OR {c} = '' THEN NULL"
        f" WHEN length({c}) = 18 THEN substr({c}, 1, 6) || '********' || substr({c}, 15)"
        f" WHEN length({c}) = 15 THEN substr({c}, 1, 6) || '******' || substr({c}, 13)"
        f" ELSE '****' END"
    )


def _mask_phone_sql(c: str) -> str:
    return (
        f"CASE WHEN {c} IS NULL OR {c} = '' THEN NULL"
        f" WHEN instr({c}, '-') > 0 THEN substr({c}, 1, instr({c}, '-')) || '****' || substr({c}, -4)"
        f" WHEN length({c}) < 8 THEN '****'"
        f" ELSE substr({c}, 1, 3) || '****' || substr({c}, -4) END"
    )


def _mask_account_sql(c: str) -> str:
    return (
        f"CASE WHEN {c} IS NULL OR {c} = '' THEN NULL WHEN length({c}) <= 4 THEN '****'"
        f" ELSE '****' || substr({c}, -4) END"
    )


def _person(column: str, expr: str) -> str:
    return f"(SELECT {expr} FROM persons AS p WHERE p.id = {column})"


def _person_columns(column: str) -> tuple[Column, ...]:
    return (
        Column("name", "姓名", _person(column, "p.name"), sortable=False),
        Column(
            "id_number", "身份证号", _person(column, _mask_id_sql("p.id_number")), sortable=False
        ),
        Column("sex", "性别", _person(column, "p.sex"), sortable=False),
        Column("birth_date", "出生日期", _person(column, "p.birth_date"), sortable=False),
    )


def person_search(db: Db, scope: Scope, text: str, alias: str = "p") -> tuple[list[str], list[Any]]:
    """Conditions on persons (alias ``alias``) for a search box: digits (optionally ending in X)
    = the end of the ID number (4 through the indexed tail); ASCII letters = pinyin initials;
    anything else = the start of a name (through the office + name index)."""
    text = text.strip()
    if not text:
        return [], []
    a = alias
    tail = text.upper()
    if tail[:-1].isdigit() and (tail[-1].isdigit() or tail[-1] == "X") or tail.isdigit():
        if len(tail) == 4:
            return [f"{a}.id_tail = ?"], [tail]
        if len(tail) > 4:
            return [f"{a}.id_tail = ?", f"{a}.id_number LIKE ?"], [tail[-4:], "%" + tail]
        return [f"{a}.id_tail LIKE ?"], ["%" + tail]
    if text.isascii() and text.isalpha():
        prefix = text.lower()
        return [f"{a}.pinyin >= ? AND {a}.pinyin < ?"], [prefix, prefix + TOP]
    if scope.offices is not None:
        offices = sorted(scope.offices)
    else:
        offices = [o.code for o in OrgTree.load(db).offices() if o.code]  # type: ignore[arg-type]
    return (
        [f"{a}.office IN ({','.join('?' * len(offices))})", f"{a}.name >= ? AND {a}.name < ?"],
        [*offices, text, text + TOP],
    )


def _search(db: Db, scope: Scope, text: str, column: str) -> tuple[list[str], list[Any]]:
    found, values = person_search(db, scope, text)
    if not found:
        return [], []
    return [f"{column} IN (SELECT p.id FROM persons AS p WHERE {' AND '.join(found)})"], values


HOUSEHOLD_LIST = (
    *_person_columns("t.head_person_id"),
    Column(
        "phone", "联系电话", _person("t.head_person_id", _mask_phone_sql("p.phone")), sortable=False
    ),
    Column("community", "社区", unit_name_sql("t.community_id"), sortable=False),
    Column("address", "住址", "t.address", sortable=False),
    Column("hukou", "户籍类型", "t.hukou", sortable=False),
    Column("poor", "贫困计生户", "t.poor", sortable=False),
    Column("poor_since", "认定日期", "t.poor_since", sortable=False),
    Column(
        "members",
        "人口",
        "(SELECT count(*) FROM household_members AS m WHERE m.household_id = t.id"
        " AND m.deleted = 0 AND m.left_on IS NULL)",
        sortable=False,
    ),
    Column("office", "办事处", "t.office", sort_expr="t.office, t.community_id"),
    Column("id", "", "t.id", sortable=False),
    Column("head_person_id", "", "t.head_person_id", sortable=False),
)


def households_query(db: Db, scope: Scope, search: str = "", poor_only: bool = False) -> Query:
    """Live households in ``scope`` (search: the head), by office and community."""
    scope_sql, params = scope.sql("t.office", "t.community_id")
    where = ["t.deleted = 0", scope_sql]
    if poor_only:
        where.append("t.poor = 1")
    found, values = _search(db, scope, search, "t.head_person_id")
    return Query("households", HOUSEHOLD_LIST, where + found, params + values, [("office", False)])


_HOUSEHOLD_FIELDS = (
    *((f, f"t.{f}") for f in ("id", "head_person_id", "community_id", "address", "hukou")),
    *((f, f"t.{f}") for f in ("poor", "poor_since", "note", "created_on")),
    ("head_name", "(SELECT name FROM persons WHERE id = t.head_person_id)"),
    ("head_id_number", "(SELECT id_number FROM persons WHERE id = t.head_person_id)"),
)
_MEMBER_FIELDS = (
    ("member_id", "t.id"),
    ("person_id", "t.person_id"),
    ("name", "(SELECT name FROM persons WHERE id = t.person_id)"),
    ("id_number", "(SELECT id_number FROM persons WHERE id = t.person_id)"),
    ("relation", "t.relation"),
    ("joined_on", "t.joined_on"),
)


def household_record(
    db: sqlite_utils.Database, scope: Scope, household_id: str
) -> dict[str, Any] | None:
    """One live household in ``scope`` for the form, with its head's name and ID number."""
    # imported here: store.kangjian_lookup → store.kangjian → store.tables → this module
    from desktop.store.kangjian_lookup import read as lookup_read

    rows, _ = lookup_read(
        db, scope, "households", _HOUSEHOLD_FIELDS, ["t.id = ?"], [household_id], limit=1
    )
    return rows[0] if rows else None


def household_members(
    db: sqlite_utils.Database, scope: Scope, household_id: str
) -> list[dict[str, Any]]:
    """The present members of a household (the head first), with name and ID number."""
    from desktop.store.kangjian_lookup import read as lookup_read

    rows, _ = lookup_read(
        db,
        scope,
        "household_members",
        _MEMBER_FIELDS,
        ["t.household_id = ?", "t.left_on IS NULL"],
        [household_id],
        order="(t.relation <> 'head'), t.joined_on",
        limit=200,
    )
    return rows


QUALIFICATION_LIST = (
    *_person_columns("t.person_id"),
    Column(
        "programme",
        "项目",
        "(SELECT name FROM subsidy_programmes WHERE id = t.programme_id)",
        sortable=False,
    ),
    Column("category", "类别", "t.category", sortable=False),
    Column("year", "年度", "t.year", sort_expr="t.year, t.office, t.community_id"),
    Column("status", "状态", "t.status", sortable=False),
    Column("status_on", "状态日期", "t.status_on", sortable=False),
    Column("start_on", "享受起始", "t.start_on", sortable=False),
    Column("end_on", "享受截止", "t.end_on", sortable=False),
    Column("exit_reason", "退出/暂停原因", "t.exit_reason", sortable=False),
    Column("confirmed_on", "确认日期", "t.confirmed_on", sortable=False),
    Column("posted_from", "公示开始", "t.posted_from", sortable=False),
    Column("posted_to", "公示结束", "t.posted_to", sortable=False),
    Column("community", "社区", unit_name_sql("t.community_id"), sortable=False),
    Column("office", "办事处", "t.office", sortable=False),
    Column("id", "", "t.id", sortable=False),
    Column("person_id", "", "t.person_id", sortable=False),
    Column("programme_id", "", "t.programme_id", sortable=False),
)


def qualifications_query(
    db: Db,
    scope: Scope,
    programme_id: str | None = None,
    year: int | None = None,
    status: str | None = None,
    search: str = "",
) -> Query:
    """Live qualifications in ``scope``, filtered; newest year first."""
    scope_sql, scope_params = scope.sql("t.office", "t.community_id")
    params: list[Any] = list(scope_params)
    where = ["t.deleted = 0", scope_sql]
    for column, value in (("programme_id", programme_id), ("year", year), ("status", status)):
        if value is not None:
            where.append(f"t.{column} = ?")
            params.append(value)
    found, values = _search(db, scope, search, "t.person_id")
    return Query(
        "qualifications", QUALIFICATION_LIST, where + found, params + values, [("year", True)]
    )


BATCH_LIST = (
    Column("batch_no", "批次号", "t.batch_no"),
    Column(
        "programme",
        "项目",
        "(SELECT name FROM subsidy_programmes WHERE id = t.programme_id)",
        sortable=False,
    ),
    Column("covered_start", "发放期间起", "t.covered_start", sortable=False),
    Column("covered_end", "发放期间止", "t.covered_end", sortable=False),
    Column("pay_date", "发放日期", "t.pay_date"),
    Column("people", "人数", "t.people", sortable=False),
    Column("total_fen", "金额", "t.total_fen", sortable=False),
    Column("proposed_by", "经办人", "t.proposed_by", sortable=False),
    Column("approved_by", "审批人", "t.approved_by", sortable=False),
    Column("approved_at", "审批时间", "t.approved_at", sortable=False),
    Column("office", "办事处", "t.office", sortable=False),
    Column("id", "", "t.id", sortable=False),
    Column("programme_id", "", "t.programme_id", sortable=False),
)


def batches_query(db: Db, scope: Scope, programme_id: str | None = None) -> Query:
    """Live batches in ``scope`` (an office user sees its office's; the district every one),
    newest pay date first."""
    scope_sql, params = scope.sql("t.office", None)
    where = ["t.deleted = 0", scope_sql]
    if programme_id is not None:
        where.append("t.programme_id = ?")
        params.append(programme_id)
    return Query("payment_batches", BATCH_LIST, where, params, [("pay_date", True)])


PAYMENT_LIST = (
    *_person_columns("t.person_id"),
    Column(
        "programme",
        "项目",
        "(SELECT name FROM subsidy_programmes WHERE id = t.programme_id)",
        sortable=False,
    ),
    Column(
        "batch_no",
        "批次号",
        "(SELECT batch_no FROM payment_batches WHERE id = t.batch_id)",
        sortable=False,
    ),
    Column("covered_start", "发放期间起", "t.covered_start", sortable=False),
    Column("covered_end", "发放期间止", "t.covered_end", sortable=False),
    Column("amount_fen", "现金", "t.amount_fen", sortable=False),
    Column("goods_fen", "慰问品价值", "t.goods_fen", sortable=False),
    Column("goods_desc", "慰问品", "t.goods_desc", sortable=False),
    Column("pay_date", "发放日期", "t.pay_date"),
    Column("account_type", "账户类型", "t.account_type", sortable=False),
    Column("account_no", "账号", _mask_account_sql("t.account_no"), sortable=False),
    Column("payment_status", "状态", "t.status", sortable=False),
    Column("return_reason", "退回原因", "t.return_reason", sortable=False),
    Column("returned_on", "退回日期", "t.returned_on", sortable=False),
    Column("repaid_on", "补发日期", "t.repaid_on", sortable=False),
    Column("community", "社区", unit_name_sql("t.community_id"), sortable=False),
    Column("office", "办事处", "t.office", sortable=False),
    Column("id", "", "t.id", sortable=False),
    Column("person_id", "", "t.person_id", sortable=False),
    Column("household_id", "", "t.household_id", sortable=False),
    Column("batch_id", "", "t.batch_id", sortable=False),
)


def payments_query(
    db: Db,
    scope: Scope,
    programme_id: str | None = None,
    batch_id: str | None = None,
    status: str | None = None,
    period: Period | None = None,
    search: str = "",
) -> Query:
    """Live payments in ``scope``, filtered by programme, batch, status, a period of pay dates and
    a person; newest pay date first."""
    scope_sql, params = scope.sql("t.office", "t.community_id")
    where = ["t.deleted = 0", scope_sql]
    for column, value in (
        ("programme_id", programme_id),
        ("batch_id", batch_id),
        ("status", status),
    ):
        if value is not None:
            where.append(f"t.{column} = ?")
            params.append(value)
    if period is not None:
        where.append("t.pay_date >= ? AND t.pay_date <= ?")
        params += [period.start.isoformat(), period.end.isoformat()]
    found, values = _search(db, scope, search, "t.person_id")
    return Query("payments", PAYMENT_LIST, where + found, params + values, [("pay_date", True)])


# -- registration ---------------------------------------------------------------------------------

HOUSEHOLDS = register(
    TableSpec(
        "households",
        "帮扶家庭",
        "subsidy",
        None,  # master data: not locked with a period
        validate=validate_household,
        check_db=check_households,
        immutable=("id", "office", "head_person_id"),
    )
)
HOUSEHOLD_MEMBERS = register(
    TableSpec(
        "household_members",
        "家庭成员",
        "subsidy",
        None,
        validate=validate_member,
        check_db=check_members,
        immutable=("id", "office", "household_id", "person_id"),
    )
)
QUALIFICATIONS = register(
    TableSpec(
        "qualifications",
        "帮扶资格",
        "subsidy",
        "status_on",
        validate=validate_qualification,
        check_db=check_qualifications,
        immutable=("id", "office", "person_id", "programme_id", "year"),
    )
)
PAYMENT_BATCHES = register(
    TableSpec(
        "payment_batches",
        "发放批次",
        "subsidy",
        "pay_date",
        community_column=None,
        validate=validate_batch,
        check_db=check_batches,
        immutable=("id", "office", "programme_id", "batch_no"),
    )
)
PAYMENTS = register(
    TableSpec(
        "payments",
        "帮扶发放",
        "subsidy",
        "pay_date",
        validate=validate_payment,
        check_db=check_payments,
        immutable=("id", "office", "person_id", "programme_id"),
    )
)
