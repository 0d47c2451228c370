"""What every form dialog shares: fields in a grid, each with an inline error label under it.

The house pattern: a dialog gathers ``values()`` (a dict), ``validate()`` writes its messages into
the error labels next to the fields (never a message box) and returns whether all is well, and on
success the dialog emits a typed signal.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import ValidationError
from desktop.resources import resource_path


def app_icon() -> QIcon:
    return QIcon(str(resource_path("icons", "app.svg")))


def error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.setStyleSheet("color: #c62828;")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def header(title: str, subtitle: str = "") -> QWidget:
    """The icon + title strip at the top of the log-in and first-run dialogs."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 8)
    icon = QLabel()
    icon.setPixmap(app_icon().pixmap(48, 48))
    icon.setFixedSize(48, 48)
    layout.addWidget(icon)
    text = QVBoxLayout()
    text.setSpacing(2)
    big = QLabel(title)
    big.setObjectName("dialogTitle")
    font = big.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)
    font.setBold(True)
    big.setFont(font)
    text.addWidget(big)
    if subtitle:
        small = QLabel(subtitle)
        small.setObjectName("muted")
        small.setStyleSheet("color: #666;")
        small.setWordWrap(True)
        text.addWidget(small)
    layout.addLayout(text, 1)
    return box


class FormGrid(QGridLayout):
    """Label | field rows; under each field a hidden error label that ``set_error`` fills."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setColumnStretch(1, 1)
        self.setHorizontalSpacing(12)
        self.setVerticalSpacing(4)
        self.errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        self._row = 0

    def add(self, key: str, label: str, field: QWidget) -> QWidget:
        caption = QLabel(label)
        caption.setBuddy(field)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        self.addWidget(caption, self._row, 0, right)
        self.addWidget(field, self._row, 1)
        err = error_label()
        self.addWidget(err, self._row + 1, 1)
        self.errors[key] = err
        self.fields[key] = field
        self._row += 2
        return field

    def add_widget(self, widget: QWidget) -> None:
        """A full-width row (a note, a check box)."""
        self.addWidget(widget, self._row, 0, 1, 2)
        self._row += 1

    def set_error(self, key: str, text: str) -> None:
        label = self.errors[key]
        label.setText(text)
        label.setVisible(bool(text))

    def clear_errors(self) -> None:
        for key in self.errors:
            self.set_error(key, "")

    def error_text(self, key: str) -> str:
        return self.errors[key].text()

    def has_errors(self) -> bool:
        return any(label.text() for label in self.errors.values())

    def show_problems(self, exc: ValidationError, by_field: dict[str, str], fallback: str) -> None:
        """Put each problem of a store/domain ValidationError under the field it names."""
        for problem in exc.problems:
            key = by_field.get(problem.field, fallback)
            previous = self.error_text(key)
            text = problem.message if key != fallback or not problem.field else str(problem)
            self.set_error(key, f"{previous}\n{text}" if previous else text)


def fit_dialog(dialog: QDialog, width: int = 420) -> None:
    dialog.setMinimumWidth(width)
    dialog.adjustSize()
