"""The only module that touches QThread: it runs engine jobs off the GUI thread and turns their results
into Qt signals.

* :class:`TrainingController` supervises a training :class:`~engine.jobs.runner.Runner` (a child process by
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
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, QTimer, Signal

from engine.config import TrainConfig
from engine.core.errors import StudioError
from engine.core.paths import lr_finder_dir
from engine.jobs.runner import LR_FINDER, TRAIN, TRIALS, ProcessRunner, Runner, ThreadRunner
from engine.run.events import BatchEnded, Event, Progress
from engine.run.throttle import EVENT_INTERVAL_S, Throttle

log = logging.getLogger(__name__)

#: Live batch events are forwarded at most this often (seconds): the engine's one event rate.
COALESCE_SECONDS = EVENT_INTERVAL_S

#: How long a finished job's child process is given to exit before it is ended (its run is complete by then).
CLOSE_FINISHED_S = 5.0

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
        throttle = Throttle()
        while True:
            batch = self.runner.poll(COALESCE_SECONDS / 2)
            pending.extend(batch)
            # Batch and progress figures wait for the next ~10 Hz tick; anything else goes out at once.
            urgent = any(not isinstance(e, (BatchEnded, Progress)) for e in batch)
            if pending and throttle.ready(force=urgent):
                self.events.emit(pending)
                pending = []
            if self.runner.finished is not None:
                if pending:
                    self.events.emit(pending)
                return


class TrainingController(QObject):
    """Starts, watches, pauses and stops one job at a time: a training run or a learning-rate test.

    Signals:
        started(str, object): a job began: its kind (``"train"``, ``"trials"``, ``"lr_finder"``) and its folder.
        events(list): engine events, in order, several at a time (batch events at most ~10 per second).
        finished(object): a training run's :class:`RunFinished` (also when its child process died).
        lr_finder_finished(object): a learning-rate test's :class:`RunFinished`.
        paused_changed(bool): Pause/Resume was asked for.
    """

    started = Signal(str, object)
    events = Signal(list)
    finished = Signal(object)
    lr_finder_finished = Signal(object)
    trials_finished = Signal(object)
    paused_changed = Signal(bool)

    def __init__(self, runner_kind: str = "process", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner_kind = runner_kind
        self._warm: Runner | None = None
        self._runner: Runner | None = None
        self._thread: _PollThread | None = None
        self._job = TRAIN
        self._paused = False
        self._close_timer: QTimer | None = None
        self._closers: list[threading.Thread] = []
        self.run_dir: Path | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def job(self) -> str:
        """``"train"`` or ``"lr_finder"``: what is running (or ran last)."""
        return self._job

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def runner(self) -> Runner | None:
        return self._runner

    def prewarm(self) -> None:
        """Start the training child now (importing torch takes seconds) so that Train answers at once."""
        if self._warm is None:
            self._warm = _make_runner(self.runner_kind)
            self._warm.prewarm()

    def start(self, config: TrainConfig, run_dir: Path, *, resume: bool = False) -> None:
        """Train ``config`` into ``run_dir``; ``resume=True`` continues that run from its last checkpoint."""
        self._launch(config, run_dir, resume=resume, job=TRAIN)

    def find_lr(self, config: TrainConfig) -> None:
        """Run the learning-rate range test for ``config`` (a few dozen steps; nothing is saved)."""
        work = lr_finder_dir() / time.strftime("%Y%m%d-%H%M%S")
        self._launch(config, work, resume=False, job=LR_FINDER)

    def compare_strategies(self, config: TrainConfig, run_dir: Path) -> None:
        """Short trials of every strategy on ``config``'s budget into ``run_dir`` (engine/strategy/trials.py)."""
        self._launch(config, run_dir, resume=False, job=TRIALS)

    def _launch(self, config: TrainConfig, run_dir: Path, *, resume: bool, job: str) -> None:
        if self.running:
            raise RuntimeError("a job is already running")
        self.prewarm()
        runner, self._warm = self._warm, None
        assert runner is not None
        self._runner, self._job, self._paused = runner, job, False
        if job == TRAIN:
            self.run_dir = run_dir
        runner.start(config, run_dir, resume=resume, job=job)
        thread = _PollThread(runner, self)
        thread.events.connect(self._on_events)
        thread.finished.connect(self._on_thread_finished)
        self._thread = thread
        _LIVE_THREADS.add(thread)
        thread.start()
        self.started.emit(job, run_dir)

    def stop(self) -> None:
        """Ask the job to stop; it does so within one batch and still saves the best model so far."""
        if self._runner is not None:
            self._runner.set_paused(False)
            self._runner.cancel()

    def set_paused(self, paused: bool) -> None:
        """Pause after the current batch (the checkpoint and plots stay), or go on."""
        if self._runner is not None and self._paused != paused:
            self._paused = paused
            self._runner.set_paused(paused)
            self.paused_changed.emit(paused)

    def stop_then(self, done: Callable[[], None], timeout: float) -> None:
        """Stop the job without blocking the window; call ``done`` once it has ended, or after ``timeout``
        seconds, when the child is ended by force (its last checkpoint on disk is kept either way)."""
        if not self.running:
            done()
            return
        self.stop()
        if self._close_timer is None:  # one timer, restarted: a second request replaces the first
            self._close_timer = QTimer(self)
            self._close_timer.setSingleShot(True)
            # A bound method, not a lambda holding ``done``: the connection would keep its owner (the window)
            # alive for as long as this controller lives.
            self._close_timer.timeout.connect(self._force_end)
        self._after_end = done
        self._close_timer.start(int(timeout * 1000))

    def _force_end(self) -> None:
        log.warning("the training job did not stop in time; ending it")
        done = self._after_end
        self.shutdown(2.0)
        if done is not None:
            done()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop everything this controller started, waiting at most about ``timeout`` seconds."""
        self._after_end = None
        if self._close_timer is not None:
            self._close_timer.stop()
        if self._runner is not None:
            self._runner.close(timeout)
        if self._thread is not None:
            self._thread.wait(int(timeout * 1000))
            self._on_thread_finished()
        if self._warm is not None:
            self._warm.close(2.0)
            self._warm = None
        for closer in self._closers:
            closer.join(CLOSE_FINISHED_S + 7.0)  # close() itself is bounded: join, terminate, kill
        self._closers = []

    _after_end: Callable[[], None] | None = None

    def _close_in_background(self, runner: Runner) -> None:
        """Let the finished job's child exit in a thread of its own: it may take seconds (its data workers,
        torch's threads, at a lower priority), and joining it on the GUI thread froze the window for 1-5 s.
        The window hears the end at once; :meth:`shutdown` waits for these closers."""
        closer = threading.Thread(target=runner.close, args=(CLOSE_FINISHED_S,), name="finetune-studio-close",
                                  daemon=True)
        self._closers = [c for c in self._closers if c.is_alive()] + [closer]
        closer.start()

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
            self._close_in_background(runner)
        self._runner, self._paused = None, False
        thread.deleteLater()
        if finished is not None:
            {LR_FINDER: self.lr_finder_finished, TRIALS: self.trials_finished}.get(self._job, self.finished).emit(
                finished)
        after, self._after_end = self._after_end, None
        if self._close_timer is not None:
            self._close_timer.stop()
        if after is not None:
            after()


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

    It has no parent, and :data:`_LIVE_THREADS` holds it while it runs: deleting the :class:`BackgroundTask`
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
            self.ended.emit(False, f"Something went wrong ({exc}). The details are in the log file.")
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
        _LIVE_THREADS.add(self._thread)
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
