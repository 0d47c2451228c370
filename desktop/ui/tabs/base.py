"""What every tab of the main window offers: a key, a title, and a readiness signal.

``ready`` fires once the tab's data has been read and painted; ``is_ready()`` says whether that
has happened. The screenshot mode of the application waits for it before grabbing the window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.context import AppContext


def swap_in(tabs: QTabWidget, index: int, page: QWidget, *, select: bool) -> None:
    """Put ``page`` at ``index`` in place of its empty stand-in (pages built on first show),
    keeping the label and emitting no signals; ``select`` makes it current, else the current
    tab stays."""
    label = tabs.tabText(index)
    current = tabs.currentIndex()
    blocked = tabs.blockSignals(True)
    stand_in = tabs.widget(index)
    tabs.removeTab(index)
    tabs.insertTab(index, page, label)
    tabs.setCurrentIndex(index if select else current)
    tabs.blockSignals(blocked)
    if stand_in is not None:
        stand_in.deleteLater()


class Tab(QWidget):
    key: str = ""
    ready = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._ready = False

    def is_ready(self) -> bool:
        return self._ready

    def mark_ready(self) -> None:
        if not self._ready:
            self._ready = True
            self.ready.emit()


class ProgrammeTab(Tab):
    """A programme tab whose sub-pages (``self.pages``) are built when first shown, with one
    导入… button: a subclass sets ``PAGE_CLASSES`` (index → page class built on first show),
    ``IMPORT_KINDS`` (kind → tables an import changes), ``PAGE_IMPORT`` (index → kind offered
    first) and ``DEFAULT_IMPORT``."""

    PAGE_CLASSES: dict[int, type[QWidget]] = {}
    IMPORT_KINDS: dict[str, tuple[str, ...]] = {}
    PAGE_IMPORT: dict[int, str] = {}
    DEFAULT_IMPORT = ""
    pages: QTabWidget

    def lay_out(
        self,
        title: str,
        first: QWidget,
        labels: list[str],
        import_tip: str,
        above_pages: QWidget | None = None,
    ) -> None:
        """The tab's frame: the heading with 导入… beside it, ``above_pages`` (a totals strip),
        and ``self.pages`` — ``first`` built now under ``labels[0]``, stand-ins for the rest
        (built on first show). The tab is ready once ``first`` has painted."""
        self.import_button = QPushButton(self.tr("导入…"))
        self.import_button.setToolTip(import_tip)
        self.import_button.clicked.connect(lambda: self.open_import())
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(first, labels[0])
        for label in labels[1:]:
            self.pages.addTab(QWidget(), label)
        self.pages.currentChanged.connect(self._build)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(heading(title))
        top.addStretch(1)
        top.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(6)
        layout.addLayout(top)
        if above_pages is not None:
            layout.addWidget(above_pages)
        layout.addWidget(self.pages, 1)
        view = getattr(first, "view", None)
        PaintWatcher(view.viewport() if view is not None else first, self.mark_ready)

    def show_page(self, index: int) -> QWidget:
        page = self._build(index)
        self.pages.setCurrentIndex(index)
        return page

    def _build(self, index: int) -> QWidget:
        existing = self.pages.widget(index)
        assert existing is not None
        cls = self.PAGE_CLASSES.get(index)
        if cls is None or isinstance(existing, cls):
            return existing
        page = cls(self.ctx)  # type: ignore[call-arg]
        swap_in(self.pages, index, page, select=True)
        return page

    def open_import(self, kind: str | None = None) -> QWidget:
        """The import dialog, opened on the kind that fits the current page."""
        # imported on first use: the import machinery costs start-up time the tab need not pay
        from desktop.ui.import_dialog import ImportDialog

        kind = kind or self.PAGE_IMPORT.get(self.pages.currentIndex(), self.DEFAULT_IMPORT)
        dialog = ImportDialog(self.ctx, self.IMPORT_KINDS, kind=kind, parent=self)
        dialog.open()
        return dialog


class PaintWatcher(QObject):
    """Calls ``callback`` once, after the first paint of ``widget``."""

    def __init__(self, widget: QWidget, callback: Callable[[], None]):
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)
        return False


def heading(text: str, note: str = "") -> QWidget:
    """A page heading with an optional muted note beside it."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    title = QLabel(text)
    title.setObjectName("pageTitle")
    font = title.font()
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    title.setFont(font)
    layout.addWidget(title)
    if note:
        muted = QLabel(note)
        muted.setObjectName("muted")
        muted.setWordWrap(True)
        layout.addWidget(muted)
    return box


class PlaceholderTab(Tab):
    """A page that says plainly what this tab will hold."""

    def content(self) -> tuple[str, str, list[str]]:
        """(heading, one-line summary, planned features); subclasses translate with self.tr."""
        raise NotImplementedError

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        heading_text, summary, items = self.content()
        self.items = items

        card = QFrame()
        card.setObjectName("card")
        card.setMinimumWidth(560)
        card.setMaximumWidth(760)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 22, 28, 22)
        inner.setSpacing(10)
        inner.addWidget(heading(heading_text, summary))
        badge = QLabel(self.tr("即将提供"))
        badge.setObjectName("badge")
        inner.addWidget(badge, 0, Qt.AlignmentFlag.AlignLeft)
        for item in items:
            line = QLabel("•  " + item)
            line.setWordWrap(True)
            inner.addWidget(line)
        note = QLabel(self.tr("此页面的功能正在开发中，将在后续版本中提供。"))
        note.setObjectName("muted")
        inner.addSpacing(6)
        inner.addWidget(note)

        row = QHBoxLayout()
        row.addWidget(card, 3)
        row.addStretch(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.addLayout(row)
        layout.addStretch(1)
        self._ready = True  # nothing to load
