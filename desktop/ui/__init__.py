"""The PySide6 desktop shell: main window, tabs, table models, dialogs, workers.

This package is the only one that imports PySide6 (and, lazily, pyqtgraph). Everything it shows
comes from ``desktop.store`` and ``desktop.domain``; it never writes SQL of its own. Windows and
dialogs take an :class:`~desktop.ui.context.AppContext` in their constructor, so each one can be
built in a test without the rest of the application.
"""
