"""Finding the header row of a clerk's sheet and matching its columns to a kind's fields.

Headers are compared after normalising: NFKC (full-width → half-width), spaces and line breaks
removed, the required-marks ``*`` and （必填）/（选填） removed, case folded. A header matches a field
by its label, its key or one of its synonyms; failing that, with any bracketed note dropped on
both sides ('金额（元）' matches '金额').
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.domain.errors import Problem, ValidationError
from desktop.imports.spec import ImportKind

HEADER_SEARCH_ROWS = 20
ROW_NUMBER_HEADER = "原行号"
REASON_HEADER = "错误原因"
IGNORED_HEADERS = frozenset({ROW_NUMBER_HEADER, REASON_HEADER, "序号", "行号"})
"""Columns never reported as unknown: those the error workbook adds, and running numbers."""

_MARKS = re.compile(r"[*]|[(\[](必填|选填|可选|必选|可不填)[)\]]")
_BRACKETS = re.compile(r"[(\[][^()\[\]]*[)\]]")


def normalize_header(text: Any) -> str:
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    s = unicodedata.normalize("NFKC", str(text))
    s = "".join(s.split()).replace("【", "[").replace("】", "]")
    s = _MARKS.sub("", s)
    return s.strip(":：").casefold()


_IGNORED = frozenset(normalize_header(h) for h in IGNORED_HEADERS)


def _without_brackets(text: str) -> str:
    return _BRACKETS.sub("", text)


@dataclass
class HeaderMatch:
    """Where the header is and which column holds which field."""

    header_row: int  # 1-based, as Excel shows it
    headers: list[str]  # every header of the file, as written (stripped), in file order
    columns: dict[str, int]  # field key -> 0-based column index
    unknown: list[str] = field(default_factory=list)  # headers that match no field

    def header_of(self, key: str) -> str:
        return self.headers[self.columns[key]]


class HeaderIndex:
    """The accepted spellings of a kind's headers."""

    def __init__(self, kind: ImportKind):
        self.kind = kind
        self.exact: dict[str, str] = {}
        self.loose: dict[str, str] = {}
        for f in kind.fields:
            for name in (f.label, f.key, *f.synonyms):
                norm = normalize_header(name)
                self.exact.setdefault(norm, f.key)
                self.loose.setdefault(_without_brackets(norm), f.key)
        self.required = [f.key for f in kind.fields if f.required] or [f.key for f in kind.fields]

    def field_of(self, header: Any) -> str | None:
        norm = normalize_header(header)
        if not norm:
            return None
        found = self.exact.get(norm)
        if found is None:
            found = self.loose.get(_without_brackets(norm))
        return found

    def score(self, row: Sequence[Any]) -> int:
        """How many required fields a row names (a header row names at least half of them)."""
        keys = {self.field_of(cell) for cell in row if isinstance(cell, str) and cell.strip()}
        return sum(1 for k in self.required if k in keys)

    def threshold(self) -> int:
        return max(1, math.ceil(len(self.required) / 2))


def header_text(cell: Any, index: int) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = " ".join(str(cell).split()) if cell is not None else ""
    return text or f"第{index + 1}列"


def find_header(
    kind: ImportKind, first_rows: Sequence[tuple[int, Sequence[Any]]]
) -> tuple[int, HeaderMatch]:
    """Among the first rows (row number, cells), the header; returns its position in
    ``first_rows`` and the match. Raises ValidationError with a message a clerk can act on."""
    index = HeaderIndex(kind)
    need = index.threshold()
    for pos, (row_number, cells) in enumerate(first_rows[:HEADER_SEARCH_ROWS]):
        if index.score(cells) >= need:
            return pos, _match(kind, index, row_number, cells)
    wanted = "、".join(f"「{kind.field(k).label}」" for k in index.required)
    raise ValidationError.single(
        "表头",
        f"前 {HEADER_SEARCH_ROWS} 行中没有找到{kind.label}的表头（应含 {wanted} 等列）。"
        f"请确认文件选对了，并且表头在前 {HEADER_SEARCH_ROWS} 行内；"
        f"可用「minsheng template {kind.key}」生成模板对照。",
    )


def _match(
    kind: ImportKind, index: HeaderIndex, row_number: int, cells: Sequence[Any]
) -> HeaderMatch:
    # Trailing empty header cells (calamine pads rows to the sheet's width) are dropped.
    width = len(cells)
    while width and (cells[width - 1] is None or str(cells[width - 1]).strip() == ""):
        width -= 1
    headers = [header_text(cells[i], i) for i in range(width)]
    headers = _unique(headers)
    columns: dict[str, int] = {}
    unknown: list[str] = []
    problems: list[Problem] = []
    for i in range(width):
        key = index.field_of(cells[i])
        if key is None:
            norm = normalize_header(cells[i])
            if norm and norm not in _IGNORED:
                unknown.append(headers[i])
            continue
        if key in columns:
            problems.append(
                Problem(
                    "表头",
                    f"「{headers[columns[key]]}」和「{headers[i]}」两列都是"
                    f"「{kind.field(key).label}」，请删去或改名其中一列",
                    row_number,
                )
            )
            continue
        columns[key] = i
    for f in kind.fields:
        if f.required and f.key not in columns:
            also = f"（也可写作 {'、'.join(f.synonyms)}）" if f.synonyms else ""
            problems.append(Problem("表头", f"缺少必填列「{f.label}」{also}", row_number))
    if problems:
        raise ValidationError(problems)
    return HeaderMatch(row_number, headers, columns, unknown)


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        n = seen.get(h, 0) + 1
        seen[h] = n
        out.append(h if n == 1 else f"{h}({n})")
    return out
