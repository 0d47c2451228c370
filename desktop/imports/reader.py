"""Reading the rows of a clerk's file: .xlsx/.xlsm/.xlsb/.xls/.ods through python-calamine, .csv
in UTF-8 (with or without BOM) or GB18030.

Rows come out one at a time as ``(row number, cells)`` with the row number as Excel shows it, so
that every message and the error workbook can point at the clerk's own row. Excel cells arrive
typed (str, float, bool, date/datetime for date-formatted cells, "" when empty); CSV cells are
str. calamine keeps the sheet's cells in compact Rust memory; Python objects are made per row
only, so a 200,000-row file costs one row of Python objects at a time.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.domain.errors import ValidationError

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
SUPPORTED = EXCEL_SUFFIXES + CSV_SUFFIXES

Row = tuple[int, list[Any]]


@dataclass
class SheetSource:
    """One sheet (or the one table of a CSV file) whose rows can be read, more than once."""

    path: Path
    name: str | None  # the sheet's name; None for CSV
    estimated_rows: int  # rows in the sheet, blank and header rows included

    def rows(self) -> Iterator[Row]:
        raise NotImplementedError


class _ExcelSheet(SheetSource):
    """A worksheet; calamine parses it on first use (once: parsing is most of the reading)."""

    def __init__(self, path: Path, workbook: Any, index: int, name: str):
        super().__init__(path, name, 0)
        self._workbook = workbook
        self._index = index
        self._sheet: Any = None

    def _loaded(self) -> Any:
        if self._sheet is None:
            self._sheet = self._workbook.get_sheet_by_index(self._index)
            end = self._sheet.end
            self.estimated_rows = (end[0] + 1) if end else 0
        return self._sheet

    def rows(self) -> Iterator[Row]:
        # iter_rows starts at the sheet's first row (row 1), whatever the first used row is.
        return enumerate(self._loaded().iter_rows(), start=1)


class _CsvSheet(SheetSource):
    def __init__(self, path: Path):
        self.encoding, self.delimiter, lines = _sniff(path)
        super().__init__(path, None, lines)

    def rows(self) -> Iterator[Row]:
        with open(self.path, encoding=self.encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            number = 0
            try:
                for number, cells in enumerate(reader, start=1):  # noqa: B007
                    yield number, cells
            except csv.Error as exc:
                raise ValidationError.single(
                    "文件", f"{self.path.name} 第 {number + 1} 行无法解析（{exc}）", number + 1
                ) from None


def open_sheets(path: str | Path) -> list[SheetSource]:
    """The sheets of a file that may hold the data, in workbook order (visible worksheets only).

    Raises ValidationError (field 文件) with a message a clerk can act on when the file is
    missing, of an unsupported type, protected or damaged.
    """
    path = Path(path)
    if not path.is_file():
        raise ValidationError.single("文件", f"找不到文件：{path}")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return [_CsvSheet(path)]
    if suffix not in EXCEL_SUFFIXES:
        raise ValidationError.single(
            "文件",
            f"不支持的文件类型「{path.suffix or '无扩展名'}」：请使用 .xlsx、.xls 或 .csv 文件",
        )
    return _excel_sheets(path)


def _excel_sheets(path: Path) -> list[SheetSource]:
    import python_calamine as pc

    try:
        workbook = pc.CalamineWorkbook.from_path(str(path))
        sheets: list[SheetSource] = []
        for index, meta in enumerate(workbook.sheets_metadata):
            if (
                meta.typ != pc.SheetTypeEnum.WorkSheet
                or meta.visible != pc.SheetVisibleEnum.Visible
            ):
                continue
            sheets.append(_ExcelSheet(path, workbook, index, meta.name))
    except pc.PasswordError:
        raise ValidationError.single(
            "文件", f"{path.name} 有密码保护，请在 Excel 中取消密码后另存，再导入"
        ) from None
    except (pc.CalamineError, OSError, ValueError) as exc:
        raise ValidationError.single(
            "文件",
            f"无法读取 {path.name}：文件已损坏，或不是真正的 Excel 文件（{exc}）。"
            "如果它是从网页系统导出的，请用 Excel 打开后「另存为」.xlsx 再导入",
        ) from None
    if not sheets:
        raise ValidationError.single("文件", f"{path.name} 中没有可见的工作表")
    return sheets


# -- CSV ----------------------------------------------------------------------------------------

_CHUNK = 1 << 20


def _sniff(path: Path) -> tuple[str, str, int]:
    """(encoding, delimiter, number of lines) of a CSV file, reading it once in chunks.

    UTF-8 with a BOM, UTF-16 with a BOM (Excel's "Unicode text"), else UTF-8 if every byte decodes
    as UTF-8, else GB18030 (which is what Excel on Chinese Windows writes as "CSV").
    """
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    lines = 0
    decoder = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            lines += chunk.count(b"\n")
            if encoding == "utf-8":
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    encoding = "gb18030"
        if encoding == "utf-8":
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                encoding = "gb18030"
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        sample = [fh.readline() for _ in range(20)]
    return encoding, _delimiter(sample), lines + 1


def _delimiter(sample: list[str]) -> str:
    best, best_count = ",", 0
    for candidate in (",", "\t", ";", "|"):
        count = sum(line.count(candidate) for line in sample)
        if count > best_count:
            best, best_count = candidate, count
    return best
