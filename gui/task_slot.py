"""One "current" background job per view, on top of :class:`gui.controller.BackgroundTask`.

Views that restart work as the user clicks (thumbnails for another cell, Grad-CAM for another image) need:
start the new job, cancel the old one, drop the old one's late result, and keep the old QThread object alive
until it has really finished (destroying a running QThread aborts the app). :class:`TaskSlot` does exactly
that; views only say what to run and what to do with the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from gui.controller import BackgroundTask, TaskState

log = logging.getLogger(__name__)


def _once(fn: Callable[[TaskState], Any]) -> Callable[[TaskState], Any]:
    """``fn`` that lets go of itself (and what its closure holds) as soon as it has run."""
    holder = [fn]

    def run(state: TaskState) -> Any:
        return holder.pop()(state)

    return run


class TaskSlot(QObject):
    """Runs at most one current :class:`BackgroundTask`; starting another cancels the previous one.

    Signals:
        busy_changed(bool): a current task started (True) or ended (False).
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current: BackgroundTask | None = None
        self._tasks: list[BackgroundTask] = []

    @property
    def running(self) -> bool:
        """True while the current task runs (a cancelled task finishing in the background does not count)."""
        return self._current is not None

    def start(self, fn: Callable[[TaskState], Any], on_done: Callable[[Any], None],
              on_failed: Callable[[str], None] | None = None,
              on_progress: Callable[[int, int], None] | None = None) -> BackgroundTask:
        """Run ``fn(state)`` off the GUI thread; ``on_done(result)`` or ``on_failed(message)`` run on it."""
        self.cancel()
        self._forget_finished()
        task = BackgroundTask(_once(fn), self)
        task.done.connect(lambda result, t=task: self._finish(t, on_done, result))
        task.failed.connect(lambda message, t=task: self._finish(t, on_failed, message))
        if on_progress is not None:
            task.progress.connect(lambda done, total, t=task: self._progress(t, on_progress, done, total))
        self._tasks.append(task)
        self._current = task
        task.start()
        self.busy_changed.emit(True)
        return task

    def cancel(self) -> None:
        """Ask the current task to stop; its result, if it still comes, is ignored."""
        task, self._current = self._current, None
        if task is not None:
            task.cancel()
            self.busy_changed.emit(False)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel and wait for every task this slot started (window closing, test teardown)."""
        self.cancel()
        for task in self._tasks:
            task.cancel()
            if not task.wait(timeout_ms):
                log.warning("a background task did not stop within %d ms", timeout_ms)
        self._forget_finished()

    def _finish(self, task: BackgroundTask, callback: Callable[[Any], None] | None, value: Any) -> None:
        if task is not self._current:
            return  # a cancelled or replaced task: its answer is stale
        self._current = None
        self.busy_changed.emit(False)
        if callback is not None:
            callback(value)

    def _progress(self, task: BackgroundTask, callback: Callable[[int, int], None], done: int,
                  total: int) -> None:
        if task is self._current:
            callback(done, total)

    def _forget_finished(self) -> None:
        # Finished tasks are not deleteLater()'d: deleting a BackgroundTask whose thread's queued clean-up is
        # still pending crashed the interpreter (reproduced in tests/gui/test_gallery.py). They stay children
        # of this slot, and hold no work any more (see ``_once``), so each costs two small QObjects.
        self._tasks = [t for t in self._tasks if t.running or t is self._current]
