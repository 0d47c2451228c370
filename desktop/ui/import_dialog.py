"""导入…: the one import dialog every programme tab opens (康检, 帮扶发放, 两免一补).

The clerk chooses what to import (an ``ImportKind``) and a file; the dialog previews the first
rows — which column matched which field, which headers are not recognised, and what is wrong with
each previewed row — then runs :func:`desktop.imports.run_import` in the background behind a
progress bar with 取消. A rejected file writes nothing and shows its problems; 导出错误行… writes
the rejected rows (with their row numbers and a 错误原因 column) to a workbook the clerk can fix
and import again; 仅导入有效行 imports the valid rows only. 下载模板… writes the kind's template.

Both the preview and the import read the file off the GUI thread, each with its own database
connection (a connection belongs to the thread that opened it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import Problem, ValidationError
from desktop.domain.ids import mask_id, normalize_id
from desktop.domain.phones import mask_phone
from desktop.imports import ImportRejected, ImportReport, get_kind, load_kinds, write_template
from desktop.imports.headers import HEADER_SEARCH_ROWS, find_header, normalize_header
from desktop.imports.normalize import CommunityIndex, RowNormaliser, text_of
from desktop.imports.reader import SUPPORTED, open_sheets
from desktop.imports.spec import RowContext
from desktop.store.db import open_database
from desktop.store.errors import StorageError
from desktop.store.orgs import OrgTree
from desktop.store.users import User
from desktop.ui.context import AppContext
from desktop.ui.forms import error_label
from desktop.ui.i18n import fill
from desktop.ui.workers import Job, ProgressDialog, run_in_background

PREVIEW_ROWS = 20
Index = QModelIndex | QPersistentModelIndex


# -- the preview (Qt-free) ------------------------------------------------------------------


@dataclass
class PreviewRow:
    number: int  # as Excel shows it
    cells: list[str]  # display text of every header's cell
    problems: list[Problem] = field(default_factory=list)
    sample: bool = False  # the template's sample row, unchanged: skipped on import


@dataclass
class Preview:
    """The first rows of a file as an import of ``kind`` would read them."""

    kind_label: str
    sheet: str | None = None
    header_row: int = 0
    headers: list[str] = field(default_factory=list)
    matched: dict[int, str] = field(default_factory=dict)  # column → field label
    sensitive: dict[int, Callable[[str], str]] = field(default_factory=dict)  # column → mask
    unknown: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)  # fields without a column
    rows: list[PreviewRow] = field(default_factory=list)
    more: bool = False  # more data rows follow the previewed ones
    error: str = ""  # why the file cannot be imported at all (no header, unreadable …)

    @property
    def problem_rows(self) -> int:
        return sum(1 for r in self.rows if r.problems)


def preview_file(db: Any, user: User, kind_key: str, path: str | Path,
                 limit: int = PREVIEW_ROWS) -> Preview:
    """Read the header and the first ``limit`` data rows of ``path`` and check them as the import
    would (normalising and the kind's row rules; duplicates are checked by the import itself).

    Problems of the file as a whole (unreadable, no header) come back in ``Preview.error``.
    """
    kind = get_kind(kind_key)
    preview = Preview(kind.label)
    try:
        sheets = open_sheets(Path(path))
        first_error: ValidationError | None = None
        for sheet in sheets:
            rows = sheet.rows()
            head = []
            for row in rows:
                head.append(row)
                if len(head) >= HEADER_SEARCH_ROWS:
                    break
            try:
                pos, match = find_header(kind, head)
            except ValidationError as exc:
                first_error = first_error or exc
                continue
            break
        else:
            if first_error is None:
                raise ValidationError.single("", QCoreApplication.translate(
                    "ImportDialog", "文件中没有工作表"))
            raise first_error
    except ValidationError as exc:
        preview.error = "\n".join(str(p) if p.field != "表头" else p.message
                                  for p in exc.problems)
        return preview
    except (OSError, StorageError) as exc:
        preview.error = str(exc)
        return preview

    tree = OrgTree.load(db)
    preview.sheet = sheet.name
    preview.header_row = match.header_row
    preview.headers = list(match.headers)
    preview.matched = {col: kind.field(key).label for key, col in match.columns.items()}
    maskers = {"id_number": _mask_id, "phone": mask_phone}
    preview.sensitive = {col: maskers[kind.field(key).kind] for key, col in match.columns.items()
                         if kind.field(key).kind in maskers}
    preview.unknown = list(match.unknown)
    preview.missing_optional = [f.label for f in kind.fields if f.key not in match.columns]
    normalise = RowNormaliser(kind, match, CommunityIndex(tree, user))
    context = RowContext(db, user, tree, 0)
    label_to_header = {}
    for key, col in match.columns.items():
        f = kind.field(key)
        label_to_header[f.label] = label_to_header[f.key] = match.headers[col]
    samples = [(col, normalize_header(kind.field(key).example))
               for key, col in match.columns.items() if kind.field(key).example]
    first = True
    width = len(match.headers)
    for number, cells in _after(head[pos + 1:], rows):
        if normalise.is_blank(cells):
            continue
        if len(preview.rows) >= limit:
            preview.more = True
            break
        shown = [text_of(cells[i]) if i < len(cells) else "" for i in range(width)]
        entry = PreviewRow(number, shown)
        if first and samples and all(
            c < len(cells) and _same(normalize_header(text_of(cells[c])), want)
            for c, want in samples
        ):
            entry.sample = True
        first = False
        if not entry.sample:
            values, problems = normalise(number, cells)
            if not problems and kind.validate_row is not None:
                context.row = number
                problems = [
                    Problem(label_to_header.get(p.field, p.field), p.message, number)
                    for p in kind.validate_row(values, context)
                ]
            entry.problems = problems
        preview.rows.append(entry)
    return preview


def _mask_id(text: str) -> str:
    return mask_id(text) if len(normalize_id(text)) >= 15 else text


def sender_is_path(dialog: ImportDialog) -> bool:
    """Whether the change came from the path box (Enter, focus out) rather than a new choice."""
    return dialog.sender() is dialog.path_edit


def _after(head: list[Any], rest: Any) -> Any:
    yield from head
    yield from rest


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


# -- models ---------------------------------------------------------------------------------


class PreviewModel(QAbstractTableModel):
    """行号 | 问题 | the file's columns (as the error workbook has them). Headers of matched
    columns name their field; ID numbers and phones are shown masked, as everywhere."""

    PROBLEM_TINT = QColor("#fdecea")
    SAMPLE_TINT = QColor("#f1f3f6")
    UNKNOWN_TEXT = QColor("#9aa3af")
    FIRST = 2  # the file's first column

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.preview: Preview | None = None

    def set_preview(self, preview: Preview | None) -> None:
        self.beginResetModel()
        self.preview = preview
        self.endResetModel()

    def _headers(self) -> list[str]:
        return self.preview.headers if self.preview else []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.preview is None else len(self.preview.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.preview is None or not self.preview.headers:
            return 0
        return len(self.preview.headers) + self.FIRST

    def problem_column(self) -> int:
        return 1

    def file_column(self, col: int) -> int | None:
        """The file's column shown in view column ``col`` (None for 行号 and 问题)."""
        return col - self.FIRST if col >= self.FIRST else None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or self.preview is None:
            return None
        column = self.file_column(section)
        if role == Qt.ItemDataRole.DisplayRole:
            if section == 0:
                return self.tr("行号")
            if section == 1:
                return self.tr("问题")
            return self._headers()[column] if column is not None else None
        if column is not None:
            label = self.preview.matched.get(column)
            if role == Qt.ItemDataRole.ToolTipRole:
                return (fill(self.tr("对应字段：%1"), label) if label
                        else self.tr("未识别的列，导入时忽略"))
            if role == Qt.ItemDataRole.ForegroundRole and label is None:
                return QBrush(self.UNKNOWN_TEXT)
        return None

    def _problems(self, row: PreviewRow) -> str:
        if row.sample:
            return self.tr("模板示例行，导入时跳过")
        if not row.problems:
            return self.tr("✓")
        return "；".join(f"「{p.field}」{p.message}" if p.field else p.message
                        for p in row.problems)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.preview is None:
            return None
        row = self.preview.rows[index.row()]
        col = index.column()
        column = self.file_column(col)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == 0:
                return str(row.number)
            if col == 1:
                return self._problems(row)
            if column is None or column >= len(row.cells):
                return ""
            text = row.cells[column]
            masker = self.preview.sensitive.get(column)
            return masker(text) if masker and text else text
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.problems:
                return QBrush(self.PROBLEM_TINT)
            if row.sample:
                return QBrush(self.SAMPLE_TINT)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 1 and row.problems:
                return QBrush(QColor("#b71c1c"))
            if col == 1 and not row.sample:
                return QBrush(QColor("#2e7d32"))
            if column is not None and self.preview.matched.get(column) is None:
                return QBrush(self.UNKNOWN_TEXT)
        return None


# -- the dialog -----------------------------------------------------------------------------


@dataclass
class Rejected:
    """What a background import returns when rows were refused and nothing was written."""

    report: ImportReport
    message: str


class ImportDialog(QDialog):
    """Choose a kind and a file, preview, import in the background, show the receipt.

    ``kinds`` maps each kind offered (``ImportKind.key``) to the tables its import changes; after a
    successful import each is announced on ``ctx.hub.data_changed`` so that views refresh. With
    ``kinds`` None every registered kind is offered and the kind's key itself is announced.
    """

    imported = Signal(object)  # the ImportReport of an import that wrote records

    def __init__(self, ctx: AppContext, kinds: Mapping[str, Sequence[str]] | None = None, *,
                 kind: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        registered = load_kinds()
        if kinds is None:
            kinds = {key: (key,) for key in registered}
        self.kind_tables = {k: tuple(v) for k, v in kinds.items() if k in registered}
        self.report: ImportReport | None = None  # of the last run (written or rejected)
        self.preview: Preview | None = None
        self.job: Job | None = None
        self.preview_job: Job | None = None
        self._preview_serial = 0
        self._last_request: tuple[str, str] = ("", "")
        self.setWindowTitle(self.tr("导入"))

        self.kind_combo = QComboBox()
        for key in self.kind_tables:
            self.kind_combo.addItem(registered[key].label, key)
        if kind is not None and self.kind_combo.findData(kind) >= 0:
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
        self.kind_combo.currentIndexChanged.connect(self._inputs_changed)
        self.template_button = QPushButton(self.tr("下载模板…"))
        self.template_button.setToolTip(self.tr("带表头、示例行和下拉列表的 Excel 模板"))
        self.template_button.clicked.connect(self.save_template)

        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(self.tr("选择或粘贴 .xlsx / .xls / .csv 文件的路径"))
        self.path_edit.setClearButtonEnabled(True)
        self.path_edit.editingFinished.connect(self._inputs_changed)
        self.path_edit.returnPressed.connect(self._inputs_changed)
        self.browse_button = QPushButton(self.tr("选择文件…"))
        self.browse_button.clicked.connect(self.browse)
        self.path_error = error_label()

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setColumnStretch(1, 1)
        grid.addWidget(QLabel(self.tr("导入内容")), 0, 0)
        grid.addWidget(self.kind_combo, 0, 1)
        grid.addWidget(self.template_button, 0, 2)
        grid.addWidget(QLabel(self.tr("文件")), 1, 0)
        grid.addWidget(self.path_edit, 1, 1)
        grid.addWidget(self.browse_button, 1, 2)
        grid.addWidget(self.path_error, 2, 1, 1, 2)

        self.preview_model = PreviewModel(self)
        self.preview_view = QTableView()
        self.preview_view.setModel(self.preview_model)
        self.preview_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.preview_view.setWordWrap(False)
        self.preview_view.verticalHeader().hide()
        self.preview_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        hh = self.preview_view.horizontalHeader()
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hh.setHighlightSections(False)
        self.preview_info = QLabel(self.tr("选择文件后，这里显示前几行以及识别出的列。"))
        self.preview_info.setObjectName("muted")
        self.preview_info.setWordWrap(True)
        self.preview_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        preview_box = QGroupBox(self.tr("预览"))
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(self.preview_info)
        preview_layout.addWidget(self.preview_view, 1)

        self.skip_invalid = QCheckBox(self.tr("仅导入有效行（有错误的行不导入，可导出错误行改正后再导入）"))

        self.result_box = QGroupBox(self.tr("导入结果"))
        self.result_text = QPlainTextEdit()
        self.result_text.setReadOnly(True)
        self.result_text.setMinimumHeight(110)
        result_layout = QVBoxLayout(self.result_box)
        result_layout.addWidget(self.result_text)
        self.result_box.hide()

        self.errors_button = QPushButton(self.tr("导出错误行…"))
        self.errors_button.setToolTip(self.tr("把有错误的行连同原行号和错误原因写入 Excel 文件，"
                                              "改正后可直接导入该文件"))
        self.errors_button.clicked.connect(self.export_errors)
        self.errors_button.setEnabled(False)
        self.import_button = QPushButton(self.tr("导入"))
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        self.close_button = QPushButton(self.tr("关闭"))
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.errors_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.close_button)

        if not self.kind_tables:
            self.preview_info.setText(self.tr("没有可导入的数据类型。"))
            for widget in (self.path_edit, self.browse_button, self.template_button):
                widget.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(grid)
        layout.addWidget(preview_box, 1)
        layout.addWidget(self.skip_invalid)
        layout.addWidget(self.result_box)
        layout.addLayout(buttons)
        self.resize(860, 600)

    # -- inputs -----------------------------------------------------------------------------

    def kind_key(self) -> str:
        return str(self.kind_combo.currentData() or "")

    def path(self) -> Path | None:
        text = self.path_edit.text().strip().strip('"')
        return Path(text).expanduser() if text else None

    def set_file(self, path: str | Path) -> None:
        self.path_edit.setText(str(path))
        self._inputs_changed()

    def browse(self) -> None:
        patterns = " ".join(f"*{s}" for s in SUPPORTED)
        current = self.path()
        start = str(current.parent) if current else str(Path.home())
        chosen, _filter = QFileDialog.getOpenFileName(
            self, self.tr("选择要导入的文件"), start,
            fill(self.tr("表格文件 (%1);;所有文件 (*)"), patterns))
        if chosen:
            self.set_file(chosen)

    def _inputs_changed(self, *_: object) -> None:
        path = self.path()
        request = (self.kind_key(), str(path) if path else "")
        if request == self._last_request and sender_is_path(self):
            return  # Enter and leaving the box both report the same path once
        self._last_request = request
        self.path_error.hide()
        self.report = None
        self.errors_button.setEnabled(False)
        self.result_box.hide()
        self.preview_model.set_preview(None)
        self.preview = None
        self.import_button.setEnabled(False)
        if path is None or not self.kind_key():
            self.preview_info.setText(self.tr("选择文件后，这里显示前几行以及识别出的列。"))
            return
        if not path.is_file():
            self._path_problem(fill(self.tr("找不到文件：%1"), path))
            return
        if path.suffix.lower() not in SUPPORTED:
            self._path_problem(fill(self.tr("不支持 %1 文件，请选择 .xlsx、.xls 或 .csv 文件"),
                                    path.suffix or self.tr("无扩展名的")))
            return
        self._start_preview(path)

    def _path_problem(self, text: str) -> None:
        self.path_error.setText(text)
        self.path_error.show()
        self.preview_info.setText("")

    # -- preview ----------------------------------------------------------------------------

    def _start_preview(self, path: Path) -> None:
        self._preview_serial += 1
        serial = self._preview_serial
        kind, user, db_path = self.kind_key(), self.ctx.user, self.ctx.db_path
        self.preview_info.setText(self.tr("正在读取文件…"))

        def work(progress: Callable[..., None], cancelled: Callable[[], bool]) -> Preview:
            db = open_database(db_path, migrate=False)
            try:
                return preview_file(db, user, kind, path)
            finally:
                db.conn.close()

        job = run_in_background(work, self)
        self.preview_job = job
        job.finished.connect(lambda result: self._show_preview(serial, result))
        job.failed.connect(lambda message: self._show_preview(
            serial, Preview(get_kind(kind).label, error=message)))

    def is_previewing(self) -> bool:
        return self.preview_job is not None and not self.preview_job.done

    def _show_preview(self, serial: int, preview: Preview) -> None:
        if serial != self._preview_serial:
            return  # the clerk chose another file meanwhile
        self.preview = preview
        self.preview_model.set_preview(preview)
        if preview.error:
            self.preview_info.setText(preview.error)
            self.preview_info.setStyleSheet("color: #c62828;")
            self.import_button.setEnabled(False)
            return
        self.preview_info.setStyleSheet("")
        where = fill(self.tr("工作表「%1」，"), preview.sheet) if preview.sheet else ""
        lines = [fill(self.tr("%1表头在第 %2 行；已识别 %3 列：%4。"), where, preview.header_row,
                      len(preview.matched), "、".join(preview.matched[c]
                                                     for c in sorted(preview.matched)))]
        if preview.unknown:
            lines.append(fill(self.tr("未识别的列（导入时忽略）：%1。"), "、".join(preview.unknown)))
        shown = len(preview.rows)
        if not shown:
            lines.append(self.tr("表头下没有数据行。"))
        else:
            note = (fill(self.tr("下表是前 %1 行"), shown) if preview.more
                    else fill(self.tr("共 %1 行"), shown))
            if preview.problem_rows:
                note += fill(self.tr("，其中 %1 行有错误（红色）"), preview.problem_rows)
            lines.append(note + self.tr("；导入时会检查全部行，包括重复。"))
        self.preview_info.setText("\n".join(lines))
        hh = self.preview_view.horizontalHeader()
        for col in range(self.preview_model.columnCount()):
            hh.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        hh.resizeSection(1, min(max(self.preview_view.sizeHintForColumn(1), 80), 360))
        hh.setStretchLastSection(True)
        self.import_button.setEnabled(shown > 0)

    # -- import -----------------------------------------------------------------------------

    def start_import(self) -> Job | None:
        path = self.path()
        if path is None or not self.import_button.isEnabled():
            return None
        kind, user, db_path = self.kind_key(), self.ctx.user, self.ctx.db_path
        skip = self.skip_invalid.isChecked()

        def work(progress: Callable[[int, int, str], None],
                 cancelled: Callable[[], bool]) -> ImportReport | Rejected:
            from desktop.imports import run_import

            db = open_database(db_path, migrate=False)
            try:
                return run_import(db, user, kind, path, skip_invalid=skip,
                                  progress=progress, cancel=cancelled)
            except ImportRejected as exc:
                return Rejected(exc.report, str(exc))
            finally:
                db.conn.close()

        self.import_button.setEnabled(False)
        self.errors_button.setEnabled(False)
        job = run_in_background(work, self)
        self.job = job
        self.progress_dialog = ProgressDialog(job, self.tr("导入"),
                                              fill(self.tr("正在导入 %1…"), path.name), self)
        job.finished.connect(self._import_finished)
        job.failed.connect(self._import_failed)
        job.cancelled.connect(self._import_cancelled)
        job.crashed.connect(lambda _exc: self.import_button.setEnabled(True))
        return job

    def is_running(self) -> bool:
        return self.job is not None and not self.job.done

    def _import_finished(self, result: ImportReport | Rejected) -> None:
        self.import_button.setEnabled(True)
        self.result_box.show()
        if isinstance(result, Rejected):
            self.report = result.report
            self._show_result(self._rejected_text(result.report), error=True)
            self.errors_button.setEnabled(bool(result.report.invalid))
            return
        self.report = result
        self._show_result(result.receipt(), error=False)
        self.errors_button.setEnabled(bool(result.invalid))
        if result.written:
            for table in self.kind_tables.get(result.kind, (result.kind,)):
                self.ctx.hub.data_changed.emit(table)
            self.imported.emit(result)

    def _rejected_text(self, report: ImportReport) -> str:
        lines = [fill(self.tr("未导入任何数据：共 %1 行，其中 %2 行有错误。"),
                      report.total_rows, report.rejected)]
        dups = []
        if report.duplicates_in_file:
            dups.append(fill(self.tr("文件内重复 %1 行"), len(report.duplicates_in_file)))
        if report.duplicates_in_db:
            dups.append(fill(self.tr("与已有记录重复 %1 行"), len(report.duplicates_in_db)))
        if dups:
            lines.append(fill(self.tr("（其中%1）"), "，".join(dups)))
        for error in report.invalid[:50]:
            lines.append(fill(self.tr("第 %1 行：%2"), error.row, error.reason))
        if len(report.invalid) > 50:
            lines.append(fill(self.tr("……另有 %1 行，请导出错误行查看。"), len(report.invalid) - 50))
        lines.append(self.tr("可点「导出错误行…」改正后再导入，或勾选「仅导入有效行」。"))
        return "\n".join(lines)

    def _import_failed(self, message: str) -> None:
        self.import_button.setEnabled(True)
        self.result_box.show()
        self._show_result(fill(self.tr("导入失败，未写入任何数据：%1"), message), error=True)

    def _import_cancelled(self) -> None:
        self.import_button.setEnabled(True)
        self.result_box.show()
        self._show_result(self.tr("已取消导入，数据库未作改动。"), error=False)

    def _show_result(self, text: str, error: bool) -> None:
        self.result_text.setPlainText(text)
        self.result_text.setStyleSheet("color: #b71c1c;" if error else "")

    def result_message(self) -> str:
        return self.result_text.toPlainText()

    # -- files written for the clerk --------------------------------------------------------

    def default_errors_path(self) -> Path:
        source = self.path() or Path.home() / "import.xlsx"
        return source.with_name(f"{source.stem}-{self.tr('错误行')}.xlsx")

    def export_errors(self, target: str | Path | None = None) -> Path | None:
        """Write the rejected rows of the last run (row numbers, 错误原因) to an .xlsx file."""
        if self.report is None or not self.report.invalid:
            return None
        if target is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self, self.tr("导出错误行"), str(self.default_errors_path()),
                self.tr("Excel 工作簿 (*.xlsx)"))
            if not chosen:
                return None
            target = chosen
        path = Path(target)
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        source = self.path()
        if source is not None and path.resolve() == source.resolve():
            self._show_result(self.tr("错误行不能写入正在导入的文件，请换一个文件名。"), error=True)
            return None
        from desktop.imports.errorbook import write_errors

        try:
            written = write_errors(self.report, path)
        except (OSError, StorageError, ValidationError) as exc:
            self._show_result(fill(self.tr("无法写入错误行文件：%1"), exc), error=True)
            return None
        self.ctx.door().log("export", detail={"what": "import_errors", "kind": self.report.kind,
                                              "file": Path(written).name,
                                              "rows": len(self.report.invalid)})
        self.result_text.appendPlainText(fill(self.tr("已导出 %1 行错误到 %2"),
                                              len(self.report.invalid), written))
        return Path(written)

    def save_template(self, target: str | Path | None = None) -> Path | None:
        kind = self.kind_key()
        if not kind:
            return None
        if target is None:
            name = f"{get_kind(kind).label}-{self.tr('导入模板')}.xlsx"
            chosen, _filter = QFileDialog.getSaveFileName(
                self, self.tr("保存导入模板"), str(Path.home() / name),
                self.tr("Excel 工作簿 (*.xlsx)"))
            if not chosen:
                return None
            target = chosen
        try:
            written = write_template(kind, target, self.ctx.db, self.ctx.user)
        except (OSError, StorageError, ValidationError) as exc:
            self.result_box.show()
            self._show_result(fill(self.tr("无法保存模板：%1"), exc), error=True)
            return None
        self.result_box.show()
        self._show_result(fill(self.tr("模板已保存到 %1"), written), error=False)
        return Path(written)

    def reject(self) -> None:
        if self.is_running() and self.job is not None:
            self.job.cancel()
            return  # the progress dialog closes when the work has stopped
        super().reject()
