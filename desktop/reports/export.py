"""Writing the quarterly summary to a file, the format taken from the extension:

=======  ===================================================================================
.xlsx    the official tables, one sheet each (``reports.official``), streamed
.pdf     the same tables, A4 landscape, Chinese font embedded, page numbers; chart images after
         them when the caller passes some (the window does; the command line does not)
.docx    the narrative draft (``reports.narrative``); .txt the same as plain text
.csv     UTF-8 with a BOM (so that Excel shows Chinese): one line per unit and figure —
         period, scope, unit, figure key, label, unit of measure, value, previous, last year
.json    ``Summary.as_json()``: stable keys for every figure, scope and period (see
         ``reports.summary``)
=======  ===================================================================================

``export_summary(db, period, path, unit=None, images=(), progress=None)`` is the one call the
command and the window make; it writes to a temporary file next to the target and moves it into
place at the end, so a failed export leaves no half-written file.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils

from desktop.domain.errors import ValidationError
from desktop.domain.periods import Period
from desktop.reports import narrative, official
from desktop.reports.pdf import PdfImage, write_pdf
from desktop.reports.summary import FIGURES, Summary, build_summary
from desktop.store.orgs import OrgTree, OrgUnit

FORMATS = {
    ".xlsx": "Excel 官方报表",
    ".pdf": "PDF 官方报表",
    ".docx": "Word 汇报稿",
    ".txt": "文本汇报稿",
    ".csv": "CSV 数据",
    ".json": "JSON 数据",
}
Progress = Callable[[int, int, str], None]


def format_of(path: str | Path) -> str:
    """The extension of ``path`` when it is a known format; ValidationError (field 输出文件)
    otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError.single(
            "输出文件",
            f"不支持的文件类型「{suffix or Path(path).name}」，请用 "
            + "、".join(FORMATS)
            + " 之一",
        )
    return suffix


def csv_rows(s: Summary) -> list[list[Any]]:
    head = [
        "期间",
        "期间名称",
        "范围",
        "单位",
        "单位代码",
        "指标键",
        "指标",
        "计量单位",
        "本期",
        "上期",
        "去年同期",
    ]
    rows: list[list[Any]] = [head]
    units = [(s.unit, None), *((u, u.id) for u in s.units)]
    for unit, unit_id in units:
        for f in FIGURES:
            prev, last = s.change(f.key, unit_id)
            now = s.total[f.key] if unit_id is None else s.row(unit_id)[f.key]
            rows.append(
                [
                    s.period.key,
                    s.period.label,
                    s.unit.name,
                    "合计" if unit_id is None else unit.name,
                    unit.code or "",
                    f.key,
                    f.label,
                    "分" if f.kind == "fen" else f.unit,
                    _plain(now),
                    _plain(prev.earlier if prev else None),
                    _plain(last.earlier if last else None),
                ]
            )
    for r in s.indicators:
        ind = r.indicator
        rows.append(
            [
                s.period.key,
                s.period.label,
                s.unit.name,
                "合计",
                s.unit.code or "",
                f"indicator.{ind.key}",
                ind.label,
                ind.unit,
                _plain(ind.value),
                _plain(r.previous),
                _plain(r.last_year),
            ]
        )
    return rows


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def write_csv(path: str | Path, s: Summary) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(csv_rows(s))


def write_json(path: str | Path, s: Summary) -> None:
    Path(path).write_text(
        json.dumps(s.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def district_name(db: sqlite_utils.Database) -> str:
    district = OrgTree.load(db).district()
    return district.name if district else ""


def write_summary(
    db: sqlite_utils.Database,
    s: Summary,
    path: str | Path,
    images: Sequence[PdfImage] = (),
    day: date | None = None,
) -> Path:
    """Write an already built summary to ``path`` (format by extension), atomically."""
    path = Path(path)
    suffix = format_of(path)
    district = district_name(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".minsheng-", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if suffix in (".xlsx", ".pdf"):
            tables = official.build_tables(s, official.signatures(db), district, day)
            if suffix == ".xlsx":
                official.write_xlsx(tmp, tables)
            else:
                write_pdf(
                    tmp,
                    official.pdf_tables(tables),
                    images,
                    title=f"{district}{s.period.label}汇总表",
                )
        elif suffix == ".docx":
            narrative.write_docx(tmp, s, district)
        elif suffix == ".txt":
            narrative.write_txt(tmp, s, district)
        elif suffix == ".csv":
            write_csv(tmp, s)
        else:
            write_json(tmp, s)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def export_summary(
    db: sqlite_utils.Database,
    period: Period,
    path: str | Path,
    unit: str | OrgUnit | None = None,
    images: Sequence[PdfImage] = (),
    progress: Progress | None = None,
) -> Path:
    """Build the summary of ``period`` for ``unit`` (None: the district) and write it to
    ``path``."""
    format_of(path)  # refuse a bad name before any work
    s = build_summary(db, period, unit, progress=progress)
    if progress:
        progress(0, 1, f"写入 {Path(path).name}")
    written = write_summary(db, s, path, images)
    if progress:
        progress(1, 1, "完成")
    return written
