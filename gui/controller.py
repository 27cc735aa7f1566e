"""The only module that touches QThread: it runs engine jobs off the GUI thread and turns their results
into Qt signals.

* :class:`TrainingController` supervises a training :class:`~engine.runner.Runner` (a child process by
  default) from a QThread that polls its events and emits them in coalesced lists (at most ~10 per second
  for batch events; epoch and end events go out at once).
* :class:`BackgroundTask` runs a plain function (scan, prediction...) in a QThread. The function receives
  a :class:`TaskState` for progress and cancellation, in the style of Orange's ``concurrent.py``.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from engine.config import TrainConfig
from engine.errors import StudioError
from engine.events import BatchEnded, Event, RunFinished
from engine.runner import ProcessRunner, Runner, ThreadRunner

log = logging.getLogger(__name__)

#: Live batch events are forwarded at most this often (seconds); the plots cannot show more.
COALESCE_SECONDS = 0.1

#: Every QThread this module starts, so tests can prove none is left running.
_LIVE_THREADS: set[QThread] = set()


def live_threads() -> list[QThread]:
    alive = []
    for thread in list(_LIVE_THREADS):
        try:
            running = thread.isRunning()
        except RuntimeError:  # its C++ object was deleted with its parent, so it is not running
            running = False
        if running:
            alive.append(thread)
        else:
            _LIVE_THREADS.discard(thread)
    return alive


def _make_runner(kind: str) -> Runner:
    if kind == "process":
        return ProcessRunner()
    if kind == "thread":
        return ThreadRunner()
    raise ValueError(f"unknown runner kind {kind!r}")


class _PollThread(QThread):
    """Polls a runner until it reports its end; emits events in coalesced lists."""

    events = Signal(list)

    def __init__(self, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner

    def run(self) -> None:
        pending: list[Event] = []
        last_emit = 0.0
        while True:
            batch = self.runner.poll(COALESCE_SECONDS / 2)
            pending.extend(batch)
            now = time.monotonic()
            urgent = any(not isinstance(e, BatchEnded) for e in batch)
            if pending and (urgent or now - last_emit >= COALESCE_SECONDS):
                self.events.emit(pending)
                pending, last_emit = [], now
            if self.runner.finished is not None:
                if pending:
                    self.events.emit(pending)
                return


class TrainingController(QObject):
    """Starts, watches and stops one training run at a time.

    Signals:
        events(list): engine events, in order, several at a time.
        finished(object): the run's :class:`RunFinished`.
    """

    events = Signal(list)
    finished = Signal(object)

    def __init__(self, runner_kind: str = "process", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner_kind = runner_kind
        self._warm: Runner | None = None
        self._runner: Runner | None = None
        self._thread: _PollThread | None = None
        self.run_dir: Path | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def prewarm(self) -> None:
        """Start the training child now (importing torch takes seconds) so that Train answers at once."""
        if self._warm is None:
            self._warm = _make_runner(self.runner_kind)
            getattr(self._warm, "prewarm")()

    def start(self, config: TrainConfig, run_dir: Path) -> None:
        if self.running:
            raise RuntimeError("a training run is already in progress")
        self.prewarm()
        runner, self._warm = self._warm, None
        assert runner is not None
        self._runner, self.run_dir = runner, run_dir
        runner.start(config, run_dir)
        thread = _PollThread(runner, self)
        thread.events.connect(self._on_events)
        thread.finished.connect(self._on_thread_finished)
        self._thread = thread
        _LIVE_THREADS.add(thread)
        thread.start()

    def stop(self) -> None:
        """Ask the run to stop; it does so within one batch and still saves the best model so far."""
        if self._runner is not None:
            self._runner.cancel()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop everything this controller started, waiting at most about ``timeout`` seconds."""
        if self._runner is not None:
            self._runner.close(timeout)
        if self._thread is not None:
            self._thread.wait(int(timeout * 1000))
            self._on_thread_finished()
        if self._warm is not None:
            self._warm.close(2.0)
            self._warm = None

    def _on_events(self, events: list[Event]) -> None:
        self.events.emit(events)

    def _on_thread_finished(self) -> None:
        thread, runner = self._thread, self._runner
        if thread is None:
            return
        _LIVE_THREADS.discard(thread)
        self._thread = None
        finished = runner.finished if runner is not None else None
        if runner is not None:
            runner.close(5.0)
        self._runner = None
        thread.deleteLater()
        if finished is not None:
            self.finished.emit(finished)


class TaskState:
    """Handed to a background function: report progress, check for cancellation."""

    def __init__(self, emit_progress: Callable[[int, int], None]) -> None:
        self._cancel = threading.Event()
        self._emit_progress = emit_progress

    def set_progress(self, done: int, total: int) -> None:
        self._emit_progress(done, total)

    def is_set(self) -> bool:
        """The :class:`~engine.cancel.CancelToken` protocol: true once the user cancelled."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()


class _TaskThread(QThread):
    done = Signal(object)
    failed = Signal(str)
    progress = Signal(int, int)

    def __init__(self, fn: Callable[[TaskState], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fn = fn
        self.state = TaskState(self.progress.emit)

    def run(self) -> None:
        try:
            result = self.fn(self.state)
        except StudioError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - the user sees a sentence, the log the traceback
            log.error("background task failed:\n%s", traceback.format_exc())
            self.failed.emit(f"Something went wrong ({exc}). The details are in the log file.")
        else:
            self.done.emit(result)


class BackgroundTask(QObject):
    """Runs ``fn(state)`` in a QThread. Connect to ``done``/``failed``/``progress`` before :meth:`start`."""

    done = Signal(object)
    failed = Signal(str)
    progress = Signal(int, int)

    def __init__(self, fn: Callable[[TaskState], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = _TaskThread(fn, self)
        self._thread.done.connect(self.done)
        self._thread.failed.connect(self.failed)
        self._thread.progress.connect(self.progress)
        self._thread.finished.connect(self._cleanup)

    def start(self) -> None:
        _LIVE_THREADS.add(self._thread)
        self._thread.start()

    def cancel(self) -> None:
        self._thread.state.cancel()

    def wait(self, timeout_ms: int = 10_000) -> bool:
        return bool(self._thread.wait(timeout_ms))

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def _cleanup(self) -> None:
        _LIVE_THREADS.discard(self._thread)
