"""The training controller: it runs engine jobs (training, trials, the learning-rate test) off the GUI thread
and turns their events and results into Qt signals.

* :class:`TrainingController` supervises a training :class:`~engine.jobs.runner.Runner` (a child process by
  default) from a QThread that polls its events and emits them in coalesced lists (at most ~10 per second
  for batch events; epoch and end events go out at once).
* :class:`BackgroundTask` runs a plain function (scan, prediction...) in a QThread: it lives in
  :mod:`gui.jobs.background` and is re-exported here, as are :class:`TaskState` and :func:`live_threads`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from engine.config import TrainConfig
from engine.core.paths import lr_finder_dir
from engine.jobs.runner import LR_FINDER, TRAIN, TRIALS, ProcessRunner, Runner, ThreadRunner
from engine.run.events import BatchEnded, Event, Progress
from engine.run.throttle import EVENT_INTERVAL_S, Throttle
from gui.jobs.background import BackgroundTask, TaskState
from gui.jobs.threads import live_threads, track, untrack

__all__ = ["CLOSE_FINISHED_S", "COALESCE_SECONDS", "BackgroundTask", "TaskState", "TrainingController",
           "live_threads"]

log = logging.getLogger(__name__)

#: Live batch events are forwarded at most this often (seconds): the engine's one event rate.
COALESCE_SECONDS = EVENT_INTERVAL_S

#: How long a finished job's child process is given to exit before it is ended (its run is complete by then).
CLOSE_FINISHED_S = 5.0


def _make_runner(kind: str) -> Runner:
    if kind == "process":
        return ProcessRunner()
    if kind == "thread":
        return ThreadRunner()
    raise ValueError(f"unknown runner kind {kind!r}")  # not translated: a programming error


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

    def start(self, config: TrainConfig, run_dir: Path, *, resume: bool = False, gpus: tuple[int, ...] = ()
              ) -> None:
        """Train ``config`` into ``run_dir``; ``resume=True`` continues that run from its last checkpoint.
        ``gpus`` (two or more): one torchrun launch with a process per GPU (engine/jobs/torchrun_runner.py)."""
        self._launch(config, run_dir, resume=resume, job=TRAIN, gpus=gpus)

    def find_lr(self, config: TrainConfig) -> None:
        """Run the learning-rate range test for ``config`` (a few dozen steps; nothing is saved)."""
        work = lr_finder_dir() / time.strftime("%Y%m%d-%H%M%S")
        self._launch(config, work, resume=False, job=LR_FINDER)

    def compare_strategies(self, config: TrainConfig, run_dir: Path) -> None:
        """Short trials of every strategy on ``config``'s budget into ``run_dir`` (engine/strategy/trials.py)."""
        self._launch(config, run_dir, resume=False, job=TRIALS)

    def _launch(self, config: TrainConfig, run_dir: Path, *, resume: bool, job: str, gpus: tuple[int, ...] = ()
                ) -> None:
        if self.running:
            # not translated: a programming error (the window checks)
            raise RuntimeError("a job is already running")
        runner: Runner | None
        if len(gpus) >= 2 and job == TRAIN:
            from engine.jobs.torchrun_runner import TorchrunRunner

            runner = TorchrunRunner(gpus)  # the warm child stays ready for the next job on one process
        else:
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
        track(thread)
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
        untrack(thread)
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
