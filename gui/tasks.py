"""The one place where the GUI runs core calls: off the GUI thread, cancellable, with progress.

Views never call the core directly. They hand a *work function* to :class:`TaskRunner`,
which runs it on a :class:`~PySide6.QtCore.QThreadPool` and answers on the GUI thread
through the signals of a :class:`TaskHandle`:

- ``progressed(label, done, total)``: from :meth:`TaskContext.progress`, or from a core
  progress callback made by :meth:`TaskContext.callback` (throttled, so a 1 GiB backup
  that reports every 64 KiB does not flood the event loop);
- ``succeeded(result)``, ``failed(ErrorText)`` or ``cancelled()``, then ``finished()``.

Cancellation is cooperative: :meth:`TaskHandle.cancel` sets a flag, and the next progress
report (or :meth:`TaskContext.check_cancelled`) raises :class:`TaskCancelled` inside the
work function, which unwinds the core call the way any other exception does.

Errors are turned into text in exactly one place, :func:`describe_error`: a
:class:`~keyvault.errors.KeyvaultError` shows its user-ready message and hint; an
``OSError`` no core call typed (a full or read-only disk, a folder gone) is typed here by
:func:`keyvault.errors.from_os_error`, as the CLI does; caller mistakes (``ValueError``)
show their message; anything else shows a generic sentence and
the exception's type, never a traceback (and the log gets the type only, since an
exception's text could one day carry data the GUI should not persist).

Tasks given the same ``queue`` name run one after another (as Vorta's per-repository
``SiteWorker``): the GUI puts every engine run on one queue and every call for one
destination on its own queue.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from keyvault.errors import KeyvaultError, from_os_error

__all__ = [
    "ErrorText",
    "TaskCancelled",
    "TaskContext",
    "TaskHandle",
    "TaskRunner",
    "WorkFunction",
    "describe_error",
    "show_error",
]

_log = logging.getLogger("keyvault_gui.tasks")

#: Minimum seconds between two progress signals of one task (the last one always goes).
_PROGRESS_INTERVAL = 0.05


class TaskCancelled(Exception):
    """Raised inside a work function when the user cancelled it."""


@dataclass(frozen=True)
class ErrorText:
    """What an error dialog shows: a one-line message, an optional hint, a title."""

    message: str
    hint: str | None = None
    title: str = "keyvault"


def describe_error(error: BaseException) -> ErrorText:
    """The user-facing text for ``error`` (the GUI's single exception-to-message mapping)."""
    if isinstance(error, KeyvaultError):
        return ErrorText(error.message, error.hint)
    if isinstance(error, (ValueError, TypeError)):
        # Caller mistakes that the views let through (a bad number of dice rolls, an
        # impossible SLIP-39 split): their messages are written for people and hold no secret.
        return ErrorText(str(error) or "the request is not valid")
    if isinstance(error, MemoryError):
        return ErrorText("not enough memory to finish")
    if isinstance(error, OSError):
        # The core's own typing of a refused write or read (full disk, read-only disk,
        # permission, a folder gone): the same message and hint the CLI prints.
        typed = from_os_error(error)
        return ErrorText(typed.message, typed.hint)
    return ErrorText(
        f"something went wrong inside keyvault ({type(error).__name__})",
        hint="please report this; nothing secret is in this message",
    )


def show_error(parent: QWidget | None, error: BaseException | ErrorText) -> QMessageBox:
    """Show ``error`` in a modal, non-blocking message box and return it."""
    text = error if isinstance(error, ErrorText) else describe_error(error)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(text.title)
    box.setText(text.message)
    if text.hint:
        box.setInformativeText(f"hint: {text.hint}")
    box.setObjectName("errorDialog")
    box.open()
    return box


class TaskHandle(QObject):
    """One submitted task, seen from the GUI thread. Keep it to cancel the task."""

    progressed = Signal(str, int, int)  # label, done, total (-1 when unknown)
    posted = Signal(object)  # a core progress event, as the core made it
    succeeded = Signal(object)
    failed = Signal(object)  # ErrorText
    cancelled = Signal()
    finished = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._cancel = threading.Event()
        self.done = False
        self.result: object = None
        self.error: ErrorText | None = None

    def cancel(self) -> None:
        """Ask the task to stop at its next progress report (no effect once finished)."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._cancel.is_set()


class TaskContext:
    """Handed to a work function on the worker thread: progress and cancellation."""

    def __init__(self, handle: TaskHandle) -> None:
        self._handle = handle
        self._last_emit: dict[str, float] = {}

    @property
    def cancelled(self) -> bool:
        """True once the user asked to cancel."""
        return self._handle.cancel_requested

    def check_cancelled(self) -> None:
        """Raise :class:`TaskCancelled` when the user asked to cancel."""
        if self._handle.cancel_requested:
            raise TaskCancelled()

    def progress(self, done: int, total: int | None = None, label: str = "") -> None:
        """Report progress (throttled) and stop here if the user cancelled."""
        self.check_cancelled()
        now = time.monotonic()
        final = total is not None and done >= total
        if not final and now - self._last_emit.get(label, 0.0) < _PROGRESS_INTERVAL:
            return
        self._last_emit[label] = now
        self._handle.progressed.emit(label, int(done), -1 if total is None else int(total))

    def post(self, event: object, key: object = None, *, final: bool = False) -> None:
        """Hand a core progress event to the GUI (throttled per ``key`` unless ``final``),
        and stop here if the user cancelled."""
        self.check_cancelled()
        now = time.monotonic()
        slot = f"post:{key!r}"
        if not final and now - self._last_emit.get(slot, 0.0) < _PROGRESS_INTERVAL:
            return
        self._last_emit[slot] = now
        self._handle.posted.emit(event)

    def callback(self, label: str = "") -> Callable[[int, int | None], None]:
        """A core ``ProgressCallback`` (bytes done, total or None) that reports as ``label``."""

        def report(done: int, total: int | None) -> None:
            self.progress(done, total, label)

        return report


WorkFunction = Callable[[TaskContext], Any]


class _Job(QRunnable):
    def __init__(self, runner: TaskRunner, handle: TaskHandle, work: WorkFunction) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._runner = runner
        self._handle = handle
        self._work = work

    def run(self) -> None:
        handle = self._handle
        outcome: tuple[str, object]
        try:
            if handle.cancel_requested:
                raise TaskCancelled()
            outcome = ("ok", self._work(TaskContext(handle)))
        except TaskCancelled:
            outcome = ("cancelled", None)
        except BaseException as exc:  # every failure becomes a dialog, never a crash
            _log.info("task %s failed: %s", handle.name, type(exc).__name__)
            outcome = ("failed", describe_error(exc))
        finally:
            self._work = _done_work  # drop references to secrets held by the closure
        self._runner._job_finished.emit(handle, outcome)


def _done_work(context: TaskContext) -> None:
    return None


class TaskRunner(QObject):
    """Runs work functions on a thread pool and reports back on the GUI thread."""

    _job_finished = Signal(object, object)
    #: Emitted when the number of running or queued tasks changes.
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._active: set[TaskHandle] = set()
        self._queues: dict[str, deque[tuple[TaskHandle, WorkFunction]]] = {}
        self._queue_of: dict[TaskHandle, str] = {}
        self._latest: dict[str, TaskHandle] = {}
        self._job_finished.connect(self._on_job_finished)

    @property
    def busy(self) -> bool:
        """True while any task runs or waits in a queue."""
        return bool(self._active)

    def active_names(self) -> list[str]:
        """The names of the running and queued tasks."""
        return sorted(handle.name for handle in self._active)

    def submit(
        self,
        name: str,
        work: WorkFunction,
        *,
        queue: str | None = None,
        on_success: Callable[[Any], None] | None = None,
        on_error: Callable[[ErrorText], object] | None = None,
        on_cancel: Callable[[], None] | None = None,
        on_progress: Callable[[str, int, int], None] | None = None,
        on_event: Callable[[Any], None] | None = None,
    ) -> TaskHandle:
        """Run ``work(context)`` off the GUI thread; the callbacks run on the GUI thread.

        With ``queue``, the task waits for earlier tasks of the same queue to finish.
        """
        # No Qt parent: the handle lives as long as the runner or the caller holds it.
        handle = TaskHandle(name)
        if on_success is not None:
            handle.succeeded.connect(on_success)
        if on_error is not None:
            handle.failed.connect(on_error)
        if on_cancel is not None:
            handle.cancelled.connect(on_cancel)
        if on_progress is not None:
            handle.progressed.connect(on_progress)
        if on_event is not None:
            handle.posted.connect(on_event)
        was_busy = self.busy
        self._active.add(handle)
        if queue is None:
            self._start(handle, work)
        else:
            self._queue_of[handle] = queue
            waiting = self._queues.setdefault(queue, deque())
            waiting.append((handle, work))
            if len(waiting) == 1:
                self._start(handle, work)
        if not was_busy:
            self.busy_changed.emit(True)
        return handle

    def submit_latest(
        self,
        key: str,
        work: WorkFunction,
        on_success: Callable[[Any], None],
        on_error: Callable[[ErrorText], None] | None = None,
    ) -> TaskHandle:
        """Like :meth:`submit`, but only the newest task for ``key`` reports back.

        For live validation while typing: an older, slower check never overwrites the
        answer about newer text.
        """
        previous = self._latest.get(key)
        if previous is not None:
            previous.cancel()
        handle = self.submit(key, work)
        self._latest[key] = handle

        def deliver_success(result: object) -> None:
            if self._latest.get(key) is handle:
                on_success(result)

        def deliver_error(error: ErrorText) -> None:
            if self._latest.get(key) is handle and on_error is not None:
                on_error(error)

        handle.succeeded.connect(deliver_success)
        handle.failed.connect(deliver_error)
        return handle

    def cancel_all(self) -> None:
        """Ask every running and queued task to stop."""
        for handle in list(self._active):
            handle.cancel()

    def wait_for_done(self, timeout_ms: int = 30_000) -> bool:
        """Block until the pool is idle (for shutdown and tests); True when it is."""
        return bool(self._pool.waitForDone(timeout_ms))

    def _start(self, handle: TaskHandle, work: WorkFunction) -> None:
        self._pool.start(_Job(self, handle, work))

    def _on_job_finished(self, handle: TaskHandle, outcome: tuple[str, object]) -> None:
        kind, value = outcome
        handle.done = True
        if kind == "ok":
            handle.result = value
            handle.succeeded.emit(value)
        elif kind == "cancelled":
            handle.cancelled.emit()
        else:
            assert isinstance(value, ErrorText)
            handle.error = value
            handle.failed.emit(value)
        handle.finished.emit()
        self._active.discard(handle)
        for key, latest in list(self._latest.items()):
            if latest is handle:
                del self._latest[key]
        queue = self._queue_of.pop(handle, None)
        if queue is not None:
            waiting = self._queues[queue]
            waiting.popleft()
            if waiting:
                self._start(*waiting[0])
            else:
                del self._queues[queue]
        if not self.busy:
            self.busy_changed.emit(False)
