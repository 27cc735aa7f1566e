"""Background tasks: a plain function (scan, prediction...) run in a QThread of its own, its answer and
progress turned into Qt signals. The function receives a :class:`TaskState` for progress and cancellation, in
the style of Orange's ``concurrent.py``.
"""

from __future__ import annotations

import logging
import threading
import traceback
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal

from engine.core.errors import StudioError
from engine.core.i18n import tr
from gui.jobs.threads import live_threads, track

log = logging.getLogger(__name__)


class TaskState:
    """Handed to a background function: report progress, check for cancellation."""

    def __init__(self, emit_progress: Callable[[int, int], None]) -> None:
        self._cancel = threading.Event()
        self._emit_progress = emit_progress

    def set_progress(self, done: int, total: int) -> None:
        self._emit_progress(done, total)

    def is_set(self) -> bool:
        """The :class:`~engine.core.cancel.CancelToken` protocol: true once the user cancelled."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()


class _TaskThread(QThread):
    """Runs ``fn(state)`` once, then lets go of it; deletes itself once its end has been handled.

    It has no parent, and :func:`gui.jobs.threads.track` holds it while it runs: deleting the :class:`BackgroundTask`
    (or the panel owning it) never destroys a running QThread, which would abort the whole app
    ("QThread: Destroyed while thread is still running").
    """

    progress = Signal(int, int)
    ended = Signal(bool, object)  # (succeeded, result or message), emitted once, at the end of run()

    def __init__(self, fn: Callable[[TaskState], Any]) -> None:
        super().__init__()
        self.fn: Callable[[TaskState], Any] | None = fn
        self.state = TaskState(self.progress.emit)
        # Connected before start, so the end is never missed. The thread object lives in the GUI thread,
        # so this runs there, queued, after the thread has emitted ``finished``.
        self.finished.connect(self._release)

    def run(self) -> None:
        fn, self.fn = self.fn, None  # what the closure holds (images, models) goes with the work
        assert fn is not None
        try:
            result = fn(self.state)
        except StudioError as exc:
            self.ended.emit(False, str(exc))
        except Exception as exc:  # noqa: BLE001 - the user sees a sentence, the log the traceback
            log.error("background task failed:\n%s", traceback.format_exc())
            self.ended.emit(False, tr("Something went wrong ({error}). The details are in the log file.", error=exc))
        else:
            self.ended.emit(True, result)

    def _release(self) -> None:
        self.wait()  # ``finished`` comes from the thread just before it ends: let it end (microseconds)
        self.deleteLater()  # later, not now: this is one of its own slots


class BackgroundTask(QObject):
    """Runs ``fn(state)`` in a QThread. Connect to ``done``/``failed``/``progress`` before :meth:`start`.

    Deleting a task (``deleteLater()``, or with its parent) is safe at any time, also from its own ``done``
    handler and while it still runs: its thread is not its child (see :class:`_TaskThread`); a task deleted
    while running is cancelled and its answer dropped.
    """

    done = Signal(object)
    failed = Signal(str)
    progress = Signal(int, int)

    def __init__(self, fn: Callable[[TaskState], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        # A weak reference: the owner usually keeps the task in an attribute, and a strong one back would make
        # a reference cycle through two Qt objects (collected who knows where and when, gui/gui_thread_gc.py).
        self._owner = weakref.ref(parent) if parent is not None else None
        self._discarded = False
        self._thread = _TaskThread(fn)
        self._state = self._thread.state
        self._thread.progress.connect(self.progress)
        self._thread.ended.connect(self._on_ended)
        # Deleted while running: stop the work early (its answer would go nowhere anyway).
        self.destroyed.connect(self._state.cancel)
        if parent is not None:  # an owner on its way out gets no answer (its widgets may be half gone)
            parent.destroyed.connect(self._discard)

    def start(self) -> None:
        live_threads()  # forget threads that have ended
        track(self._thread)
        self._thread.start()

    def cancel(self) -> None:
        self._state.cancel()

    def wait(self, timeout_ms: int = 10_000) -> bool:
        try:
            return bool(self._thread.wait(timeout_ms))
        except RuntimeError:  # the thread has ended and deleted itself
            return True

    @property
    def running(self) -> bool:
        try:
            return self._thread.isRunning()
        except RuntimeError:  # the thread has ended and deleted itself
            return False

    def deleteLater(self) -> None:
        """Delete the task once control returns to the event loop; a running task is cancelled first."""
        self.cancel()
        self._discarded = True  # its answer, if it still comes, goes nowhere
        # Python callables connected to this task (lambdas) may hold the last reference to its parent's Python
        # object. Released while Qt destroys the task, they delete that parent, which would delete the
        # half-destroyed task a second time if it were still its child (a segmentation fault, reproduced in
        # tests/gui/test_integration_tasks.py). So the task leaves its parent first, and the Python object is
        # kept until Qt has deleted the C++ one.
        _forget_deleted_tasks()
        _DELETING.add(self)
        self.setParent(None)
        super().deleteLater()

    def _discard(self) -> None:
        self._discarded = True
        self._state.cancel()

    def _nobody_to_tell(self) -> bool:
        """True once the task was deleted (:meth:`deleteLater`) or its owner is gone or going."""
        if self._discarded or not shiboken6.isValid(self):
            return True
        owner = self._owner() if self._owner is not None else None
        return self._owner is not None and (owner is None or not shiboken6.isValid(owner))

    def _on_ended(self, succeeded: bool, value: Any) -> None:
        if self._nobody_to_tell():
            log.info("a background task ended after its owner was deleted; its answer is dropped")
            return
        if succeeded:
            self.done.emit(value)
        else:
            self.failed.emit(str(value))


#: Tasks waiting for Qt to delete them (see :meth:`BackgroundTask.deleteLater`).
_DELETING: set[BackgroundTask] = set()


def _forget_deleted_tasks() -> None:
    for task in [t for t in _DELETING if not shiboken6.isValid(t)]:
        _DELETING.discard(task)
