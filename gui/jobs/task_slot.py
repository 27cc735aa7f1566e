"""One "current" background job per view, on top of :class:`gui.jobs.background.BackgroundTask`.

Views that restart work as the user clicks (thumbnails for another cell, Grad-CAM for another image) need:
start the new job, cancel the old one, drop the old one's late result, and delete each task once it has ended.
:class:`TaskSlot` does exactly that; views only say what to run and what to do with the answer. (A task may be
deleted at any time: its QThread is not its child and outlives it while running, see gui/jobs/background.py.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from gui.jobs.controller import BackgroundTask, TaskState

log = logging.getLogger(__name__)


class TaskSlot(QObject):
    """Runs at most one current :class:`BackgroundTask`; starting another cancels the previous one.

    Signals:
        busy_changed(bool): a current task started (True) or ended (False).
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current: BackgroundTask | None = None
        self._tasks: list[BackgroundTask] = []  # started and not ended yet (the current one, cancelled ones)

    @property
    def running(self) -> bool:
        """True while the current task runs (a cancelled task finishing in the background does not count)."""
        return self._current is not None

    def start(self, fn: Callable[[TaskState], Any], on_done: Callable[[Any], None],
              on_failed: Callable[[str], None] | None = None,
              on_progress: Callable[[int, int], None] | None = None) -> BackgroundTask:
        """Run ``fn(state)`` off the GUI thread; ``on_done(result)`` or ``on_failed(message)`` run on it."""
        self.cancel()
        task = BackgroundTask(fn, self)
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

    def _finish(self, task: BackgroundTask, callback: Callable[[Any], None] | None, value: Any) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
        task.deleteLater()  # safe from its own handler (gui/jobs/background.py)
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
