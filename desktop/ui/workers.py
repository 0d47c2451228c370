"""Running long work off the GUI thread.

Long work is a plain, Qt-free function ``fn(progress, cancelled)``: it reports with
``progress(done, total, message)`` and checks ``cancelled()`` between batches (raising
``desktop.store.errors.Cancelled`` to stop). The same function serves the command line with a
text progress bar. Here :func:`run_in_background` runs it on the global ``QThreadPool`` and turns
the callback into signals of a :class:`Job`; :class:`ProgressDialog` shows them.

**SQLite:** a connection belongs to the thread that opened it. A worker that reads or writes the
database must open its own with ``desktop.store.db.open_database(ctx.db_path)`` (or
``desktop.store.db.connect``) inside ``fn`` and close it before returning; never use ``ctx.db``
from the worker.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from desktop.domain.errors import ValidationError
from desktop.store.errors import AccessDenied, AuthError, Cancelled, PeriodLocked, StorageError

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]
Work = Callable[[Progress, CancelCheck], Any]

# Problems of the user's world: their message is shown as is. Anything else is a bug.
USER_ERRORS: tuple[type[BaseException], ...] = (
    StorageError, ValidationError, AccessDenied, PeriodLocked, AuthError,
)

_running: set[_Runner] = set()  # keeps runners alive until their job ends


class Job(QObject):
    """Signals of one piece of background work. Lives in the GUI thread."""

    progress = Signal(int, int, str)  # done, total, message
    finished = Signal(object)  # fn's return value
    failed = Signal(str)  # a user-world error: the message to show
    cancelled = Signal()  # fn stopped because cancel() was called
    crashed = Signal(object)  # a bug: the exception (handed to sys.excepthook by default)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._cancel = threading.Event()
        self.done = False
        self.crashed.connect(self._report_crash)

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    @Slot(object)
    def _report_crash(self, exc: BaseException) -> None:
        sys.excepthook(type(exc), exc, exc.__traceback__)


class _Runner(QRunnable):
    def __init__(self, fn: Work, job: Job):
        super().__init__()
        self.fn = fn
        self.job = job
        self.setAutoDelete(False)

    def run(self) -> None:
        job = self.job
        try:
            result = self.fn(job.progress.emit, job.is_cancelled)
        except Cancelled:
            self._emit("cancelled")
        except USER_ERRORS as exc:
            self._emit("failed", str(exc))
        except Exception as exc:  # a bug: goes to the crash dialog on the GUI thread
            self._emit("crashed", exc)
        else:
            if job.is_cancelled():
                self._emit("cancelled")
            else:
                self._emit("finished", result)
        finally:
            _running.discard(self)

    def _emit(self, name: str, *args: object) -> None:
        self.job.done = True
        try:
            getattr(self.job, name).emit(*args)
        except RuntimeError:  # the job's owner was closed meanwhile: nobody is listening
            pass


def run_in_background(fn: Work, parent: QObject | None = None,
                      pool: QThreadPool | None = None) -> Job:
    """Start ``fn(progress, cancelled)`` on a pool thread; connect to the returned job's signals.

    Connect to the job's signals right after this call: the work starts only when control returns
    to the event loop, and its signals reach the GUI thread through queued connections.
    """
    job = Job(parent)
    runner = _Runner(fn, job)
    _running.add(runner)
    target = pool or QThreadPool.globalInstance()
    # Start only once control is back in the event loop, so that every signal the caller
    # connects right after this call is connected before the work can emit anything.
    QTimer.singleShot(0, job, lambda: target.start(runner))
    return job


class ProgressDialog(QProgressDialog):
    """A modal progress bar for a :class:`Job`; 取消 asks the work to stop."""

    def __init__(self, job: Job, title: str, label: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.job = job
        self.setWindowTitle(title)
        self.setLabelText(label or self.tr("正在处理，请稍候…"))
        self.setCancelButtonText(self.tr("取消"))
        self.setMinimumWidth(420)
        self.setMinimumDuration(300)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setRange(0, 0)
        self.setValue(0)
        self.canceled.connect(self._on_cancel)
        job.progress.connect(self._on_progress)
        job.finished.connect(self._close)
        job.failed.connect(self._close)
        job.cancelled.connect(self._close)
        job.crashed.connect(self._close)

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.setRange(0, total)
            self.setValue(min(done, total))
        if message:
            self.setLabelText(message)

    @Slot()
    def _on_cancel(self) -> None:
        self.job.cancel()
        self.setLabelText(self.tr("正在取消…"))

    def _close(self, *_: object) -> None:
        # close() of a QProgressDialog emits canceled; the work is over, so do not relay it.
        self.blockSignals(True)
        self.close()
        self.blockSignals(False)
