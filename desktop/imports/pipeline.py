"""``run_import``: read a file, normalise and validate every row, then write the valid rows
through the one write door in one transaction — or nothing at all.

The rules, in the order they apply:

1. Every row is read, normalised (:mod:`desktop.imports.normalize`) and checked by the kind's
   ``validate_row`` before anything is written. Rows whose matched columns are all empty are
   skipped; so is the template's sample row when it is left unchanged.
2. A row whose key (``ImportKind.key_fields``) repeats an earlier valid row of the file, or a
   record already in the database (``find_existing``), is rejected with a reason naming the other
   row or the existing record: duplicates are reported, never doubled.
3. With any rejected row and not ``skip_invalid``: nothing is written and ``ImportRejected`` is
   raised (a ValidationError: the command exits 2). With ``skip_invalid`` the valid rows are
   written. Either way ``errors_out`` receives the rejected rows (see :mod:`errorbook`).
4. The write runs inside one transaction with an ``import`` audit entry; the door's own checks
   (scope, period locks, table rules) still apply, and a row the door refuses is treated like an
   invalid row. Cancelling (``cancel()`` returning True) raises ``Cancelled`` and leaves the
   database as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import Any

import sqlite_utils

from desktop.domain.errors import Problem, ValidationError
from desktop.imports.headers import HEADER_SEARCH_ROWS, HeaderMatch, find_header, normalize_header
from desktop.imports.normalize import CommunityIndex, RowNormaliser, is_blank, text_of
from desktop.imports.reader import Row, SheetSource, open_sheets
from desktop.imports.spec import ImportKind, RowContext, get_kind
from desktop.store.door import CancelCheck, Progress, WriteDoor
from desktop.store.errors import AccessDenied, Cancelled, PeriodLocked
from desktop.store.orgs import OrgTree
from desktop.store.users import User

EXISTING_CHUNK = 5000  # rows handed to find_existing at a time (their raw cells are kept till then)
CHECK_EVERY = 1000  # rows between progress reports and cancel checks while reading
PREFETCH_CHUNK = 2000  # rows a kind's ``prefetch`` looks up at once
# Progress is reported as done / PROGRESS_UNITS: reading is the first half, writing the second.
PROGRESS_UNITS = 1000
MAX_DOOR_RETRIES = 100
CANCELLED = "已取消导入，数据库未作改动。"


@dataclass
class RowError:
    """A rejected row: its number in the file, its cells by header as read, and what is wrong."""

    row: int
    values: dict[str, Any]
    problems: list[Problem]

    @property
    def reason(self) -> str:
        """The problems as one line for the 错误原因 column (the row number is in its own column)."""
        parts = []
        for p in self.problems:
            parts.append(f"「{p.field}」：{p.message}" if p.field else p.message)
        return "；".join(parts)


@dataclass
class ImportReport:
    kind: str
    path: Path
    total_rows: int = 0  # data rows read (blank rows and an unchanged sample row not counted)
    written: int = 0
    invalid: list[RowError] = field(default_factory=list)  # every rejected row, duplicates included
    duplicates_in_file: list[RowError] = field(default_factory=list)  # the subset of ``invalid``
    duplicates_in_db: list[RowError] = field(default_factory=list)  # the subset of ``invalid``
    header_row: int = 0
    matched_columns: dict[str, str] = field(default_factory=dict)  # field label -> file header
    unknown_columns: list[str] = field(default_factory=list)
    sheet: str | None = None
    headers: list[str] = field(default_factory=list)  # every header of the file, in file order
    sample_skipped: bool = False
    errors_out: Path | None = None
    kind_label: str = ""
    id_columns: list[str] = field(default_factory=list)  # headers best kept as text (ID, phone)

    @property
    def rejected(self) -> int:
        return len(self.invalid)

    def first_problem(self) -> Problem | None:
        for e in sorted(self.invalid, key=lambda e: e.row):
            if e.problems:
                return e.problems[0]
        return None

    def summary(self) -> str:
        """One sentence for a rejected import (the message of ImportRejected)."""
        text = f"共 {self.total_rows} 行，其中 {self.rejected} 行有错误，未导入任何数据"
        first = self.first_problem()
        if first is not None:
            text += f"；首个错误：{first}"
        if self.errors_out is not None:
            text += f"；错误明细已写入 {self.errors_out}"
        return text

    def receipt(self) -> str:
        """The lines printed after an import (and shown by the window)."""
        where = f"工作表「{self.sheet}」，" if self.sheet else ""
        lines = [
            f"导入{self.kind_label or self.kind}：{self.path.name}（{where}表头在第 {self.header_row} 行）",
            f"  读取 {self.total_rows} 行",
            f"  写入 {self.written} 行",
        ]
        rejected = f"  拒绝 {self.rejected} 行"
        dups = []
        if self.duplicates_in_file:
            dups.append(f"文件内重复 {len(self.duplicates_in_file)} 行")
        if self.duplicates_in_db:
            dups.append(f"与数据库已有记录重复 {len(self.duplicates_in_db)} 行")
        if dups:
            rejected += f"（其中{'，'.join(dups)}）"
        lines.append(rejected)
        if self.sample_skipped:
            lines.append("  模板示例行未修改，已跳过")
        if self.unknown_columns:
            lines.append(f"  未识别的列（已忽略）：{'、'.join(self.unknown_columns)}")
        if self.errors_out is not None and self.invalid:
            lines.append(f"  错误明细：{self.errors_out}（改正后可直接导入该文件）")
        return "\n".join(lines)


class ImportRejected(ValidationError):
    """Some rows are invalid and ``skip_invalid`` was not chosen: nothing was written."""

    report: ImportReport

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.problems = [p for e in sorted(report.invalid, key=lambda e: e.row) for p in e.problems]
        ValueError.__init__(self, report.summary())

    def __reduce__(self) -> tuple[Any, ...]:  # type: ignore[override]
        return (self.__class__, (self.report,))


# -- the pipeline -------------------------------------------------------------------------------


def run_import(
    db: sqlite_utils.Database,
    user: User,
    kind_key: str,
    path: str | Path,
    *,
    skip_invalid: bool = False,
    errors_out: str | Path | None = None,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> ImportReport:
    """Import ``path`` as ``kind_key`` for ``user``; see the module's docstring for the rules."""
    kind = get_kind(kind_key)
    path = Path(path)
    out = Path(errors_out) if errors_out is not None else None
    if out is not None and out.resolve() == path.resolve():
        raise ValidationError.single("错误明细文件", "不能与导入的文件相同，请换一个文件名")
    run = _Run(db, user, kind, path, out, progress, cancel)
    run.read()
    if run.report.invalid:
        run.finish_errors()
        if not skip_invalid:
            raise ImportRejected(run.report)
    run.write(skip_invalid)
    return run.report


def locate(kind: ImportKind, path: str | Path) -> tuple[SheetSource, HeaderMatch, Iterator[Row]]:
    """The first sheet of ``path`` with a header of ``kind``, the header match, and an iterator
    over the rows after the header. Raises ValidationError (no such file, unreadable, no header)."""
    first_error: ValidationError | None = None
    for sheet in open_sheets(path):
        rows = sheet.rows()
        head: list[Row] = []
        for row in rows:
            head.append(row)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        try:
            pos, match = find_header(kind, head)
        except ValidationError as exc:
            first_error = first_error or exc
            continue
        return sheet, match, chain(head[pos + 1 :], rows)
    assert first_error is not None  # open_sheets returns at least one sheet
    raise first_error


class _Run:
    def __init__(
        self,
        db: sqlite_utils.Database,
        user: User,
        kind: ImportKind,
        path: Path,
        errors_out: Path | None,
        progress: Progress | None,
        cancel: CancelCheck | None,
    ):
        self.db = db
        self.user = user
        self.kind = kind
        self.path = path
        self.errors_out = errors_out
        self.progress = progress
        self.cancel = cancel
        self.tree = OrgTree.load(db)
        self.report = ImportReport(kind.key, path, kind_label=kind.label)
        self.valid: list[dict[str, Any]] = []
        self.valid_rows: list[int] = []
        self.sheet: SheetSource | None = None
        self.match: HeaderMatch | None = None
        self.label_to_header: dict[str, str] = {}

    # -- reading and validating -----------------------------------------------------------------

    def read(self) -> None:
        kind, report = self.kind, self.report
        sheet, match, rows = locate(self.kind, self.path)
        self.sheet, self.match = sheet, match
        report.sheet = sheet.name
        report.header_row = match.header_row
        report.headers = list(match.headers)
        report.unknown_columns = list(match.unknown)
        report.matched_columns = {
            kind.field(k).label: match.headers[c] for k, c in match.columns.items()
        }
        report.id_columns = [
            match.headers[c]
            for k, c in match.columns.items()
            if kind.field(k).kind in ("id_number", "phone")
        ]
        label_to_header = self.label_to_header
        for field_key, column in match.columns.items():
            f = kind.field(field_key)
            for name in (f.label, f.key):
                label_to_header[name] = match.headers[column]
        communities = CommunityIndex(self.tree, self.user)
        normalise = RowNormaliser(kind, match, communities)
        ctx = RowContext(self.db, self.user, self.tree, 0, ids=normalise.ids)
        key_fields = kind.key_fields
        key_label = "、".join(kind.field(k).label for k in key_fields)
        key_header = label_to_header.get(kind.field(key_fields[0]).label, "") if key_fields else ""
        seen: dict[tuple[Any, ...], int] = {}
        pending: list[tuple[int, dict[str, Any], list[Any]]] = []
        estimate = max(1, sheet.estimated_rows - match.header_row)
        sample = _sample_texts(kind, match)
        first = True
        count = 0
        waiting: list[tuple[int, list[Any], dict[str, Any], list[Problem], dict[str, Any]]] = []

        def judge(
            number: int,
            cells: list[Any],
            values: dict[str, Any],
            problems: list[Problem],
            ids: dict[str, Any],
        ) -> None:
            if not problems and kind.validate_row is not None:
                ctx.row = number
                ctx.ids = ids
                problems = [self._place(p, number) for p in kind.validate_row(values, ctx)]
            if problems:
                self._reject(number, cells, problems)
                return
            if key_fields:
                key = tuple(values[k] for k in key_fields)
                if all(v is not None and v != "" for v in key):
                    other = seen.get(key)
                    if other is not None:
                        problem = Problem(
                            key_header,
                            f"与第 {other} 行重复（{key_label}相同），未重复导入",
                            number,
                        )
                        report.duplicates_in_file.append(self._reject(number, cells, [problem]))
                        return
                    seen[key] = number
                    if kind.find_existing is not None:
                        pending.append((number, values, cells))
                        if len(pending) >= EXISTING_CHUNK:
                            self._against_db(pending, key_header)
                        return
            self.valid.append(values)
            self.valid_rows.append(number)

        def flush() -> None:
            if not waiting:
                return
            assert kind.prefetch is not None
            kind.prefetch(ctx, [values for _, _, values, problems, _ in waiting if not problems])
            for item in waiting:
                judge(*item)
            waiting.clear()

        for number, cells in rows:
            if normalise.is_blank(cells):
                continue
            if first:
                first = False
                if sample and _is_sample(cells, sample):
                    report.sample_skipped = True
                    continue
            count += 1
            if count % CHECK_EVERY == 0:
                self._tick(count, estimate)
            values, problems = normalise(number, cells)
            if kind.prefetch is None:
                judge(number, cells, values, problems, ctx.ids)
                continue
            # the kind looks up a chunk of rows at once: its rows wait with their parsed IDs
            waiting.append((number, cells, values, problems, dict(normalise.ids)))
            if len(waiting) >= PREFETCH_CHUNK:
                flush()
        flush()
        self._against_db(pending, key_header)
        report.total_rows = count
        report.invalid.sort(key=lambda e: e.row)
        self._tick(estimate, estimate)

    def _tick(self, done: int, total: int) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled(CANCELLED)
        if self.progress is not None:
            units = min(PROGRESS_UNITS // 2, PROGRESS_UNITS // 2 * done // max(total, 1))
            self.progress(units, PROGRESS_UNITS, f"已检查 {done} 行")

    def _against_db(
        self, pending: list[tuple[int, dict[str, Any], list[Any]]], header: str
    ) -> None:
        if not pending:
            return
        assert self.kind.find_existing is not None
        keys = self.kind.key_fields
        existing = self.kind.find_existing(self.db, [values for _, values, _ in pending])
        label = "、".join(self.kind.field(k).label for k in keys)
        for number, values, cells in pending:
            found = existing.get(tuple(values[k] for k in keys)) if existing else None
            if found is not None:
                problem = Problem(
                    header, f"数据库中已有{label}相同的记录（{found}），未重复导入", number
                )
                self.report.duplicates_in_db.append(self._reject(number, cells, [problem]))
            else:
                self.valid.append(values)
                self.valid_rows.append(number)
        pending.clear()

    def _place(self, problem: Problem, row: int) -> Problem:
        """A problem from a kind or the door, on the file's row and named by the file's header."""
        header = self.label_to_header.get(problem.field, problem.field)
        return replace(problem, field=header, row=row)

    def _reject(self, number: int, cells: list[Any], problems: list[Problem]) -> RowError:
        headers = self.report.headers
        width = min(len(headers), len(cells))
        values = {headers[i]: cells[i] for i in range(width) if not is_blank(cells[i])}
        error = RowError(number, values, problems)
        self.report.invalid.append(error)
        return error

    # -- errors workbook --------------------------------------------------------------------

    def finish_errors(self) -> None:
        if self.errors_out is None:
            return
        from desktop.imports.errorbook import write_errors

        write_errors(self.report, self.errors_out)
        self.report.errors_out = self.errors_out

    # -- writing ----------------------------------------------------------------------------

    def write(self, skip_invalid: bool) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled(CANCELLED)
        for _ in range(MAX_DOOR_RETRIES):
            if not self.valid:
                return
            try:
                self.report.written = self._write_once()
                return
            except (ValidationError, AccessDenied, PeriodLocked) as exc:
                refused = self._door_refusals(exc)
                if not refused:
                    raise
            self._move_to_invalid(refused)
            self.finish_errors()
            if not skip_invalid:
                raise ImportRejected(self.report)
        raise ImportRejected(self.report)

    def _write_once(self) -> int:
        door = WriteDoor(self.db, self.user)
        total = len(self.valid)
        outer = self.progress

        def progress(done: int, _total: int, message: str) -> None:
            if outer is not None:
                half = PROGRESS_UNITS // 2
                outer(half + half * min(done, total) // max(total, 1), PROGRESS_UNITS, message)

        with door.transaction():
            written = self.kind.write(door, self.valid, progress, self.cancel)
            if self.cancel is not None and self.cancel():
                raise Cancelled(CANCELLED)
            door.log(
                "import",
                detail={
                    "kind": self.kind.key,
                    "file": self.path.name,
                    "sheet": self.report.sheet,
                    "rows": self.report.total_rows,
                    "written": written,
                    "rejected": len(self.report.invalid),
                },
            )
        if outer is not None:
            outer(PROGRESS_UNITS, PROGRESS_UNITS, f"已写入 {written} 条")
        return written

    def _door_refusals(self, exc: Exception) -> dict[int, list[Problem]]:
        """The door's refusal as problems per index into ``self.valid``; {} if not row-specific."""
        total = len(self.valid)
        out: dict[int, list[Problem]] = {}
        if isinstance(exc, ValidationError):
            for p in exc.problems:
                index = (p.row - 1) if p.row is not None else (0 if total == 1 else None)
                if index is None or not 0 <= index < total:
                    return {}
                out.setdefault(index, []).append(self._place(p, self.valid_rows[index]))
            return out
        m = re.match(r"^第 (\d+) 行：(.*)$", str(exc), re.S)
        if m:
            index = int(m[1]) - 1
        elif total == 1:
            index = 0
        else:
            return {}
        if not 0 <= index < total:
            return {}
        message = m[2] if m else str(exc)
        return {index: [Problem("", message, self.valid_rows[index])]}

    def _move_to_invalid(self, refused: dict[int, list[Problem]]) -> None:
        raw = self._raw_cells(set(self.valid_rows[i] for i in refused))
        for index, problems in refused.items():
            number = self.valid_rows[index]
            self._reject(number, raw.get(number, []), problems)
        keep = [i for i in range(len(self.valid)) if i not in refused]
        self.valid = [self.valid[i] for i in keep]
        self.valid_rows = [self.valid_rows[i] for i in keep]
        self.report.invalid.sort(key=lambda e: e.row)

    def _raw_cells(self, numbers: set[int]) -> dict[int, list[Any]]:
        """Read the file again for the cells of a few rows (only when the door refuses rows)."""
        assert self.sheet is not None
        found: dict[int, list[Any]] = {}
        last = max(numbers, default=0)
        for number, cells in self.sheet.rows():
            if number in numbers:
                found[number] = list(cells)
            if number >= last:
                break
        return found


def _sample_texts(kind: ImportKind, match: HeaderMatch) -> list[tuple[int, str]]:
    """(column, folded example) of the matched fields that have an example."""
    out = []
    for key, column in match.columns.items():
        example = kind.field(key).example
        if example:
            out.append((column, normalize_header(example)))
    return out


def _is_sample(cells: list[Any], sample: list[tuple[int, str]]) -> bool:
    """True when the row is the template's sample row, unchanged."""
    width = len(cells)
    for column, folded in sample:
        if column >= width:
            return False
        cell = normalize_header(text_of(cells[column]))
        if cell != folded and not _same_number(cell, folded):
            return False
    return True


def _same_number(a: str, b: str) -> bool:
    try:
        return float(a) == float(b)
    except ValueError:
        return False
