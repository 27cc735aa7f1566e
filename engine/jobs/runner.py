"""Runners: where a training run executes, behind one small interface.

* :class:`ProcessRunner` — a spawned child process (the default for the GUI): a crash, a CUDA fault or an
  out-of-memory kill ends the child, not the window; the window and the loop do not share one interpreter
  lock. The child is started ("warmed", ~4 s to import torch) before the user presses Train.
* :class:`ThreadRunner` — the same job in a Python thread, for tests and tools that cannot spawn.

The child never outlives this process (engine/jobs/child_guard.py): it watches a pipe from here and its parent's
pid, and ends by itself (stopping a running job as Stop does) once this process is gone, however it ended.

Both deliver events (as :mod:`engine.run.events` objects) through :meth:`poll`; cancel and pause are shared
events the loop checks every batch. A job is a training run (fresh or resumed) or a learning-rate test.
Qt is not involved here: the GUI's controller polls a runner from a QThread.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Protocol

from engine.config import StopReason, TrainConfig
from engine.core.i18n import LANGUAGE_VARIABLE, current_language, set_language, tr
from engine.core.run_layout import RunLayout
from engine.run.events import Event, RunFinished, event_from_dict, event_to_dict

log = logging.getLogger(__name__)

TRAIN, LR_FINDER, TRIALS = "train", "lr_finder", "trials"


class Runner(Protocol):
    def start(self, config: TrainConfig, run_dir: Path, *, resume: bool = False, job: str = TRAIN) -> None: ...

    def poll(self, timeout: float) -> list[Event]: ...

    def cancel(self) -> None: ...

    def set_paused(self, paused: bool) -> None: ...

    def close(self, timeout: float = 10.0) -> None: ...

    def prewarm(self) -> None:
        """Get ready for :meth:`start` now (the child process imports torch), so that it answers at once."""

    @property
    def finished(self) -> RunFinished | None: ...


def run_job(job: dict[str, Any], sink: Callable[[Event], None], cancel: Any, pause: Any, own_process: bool) -> None:
    """Run one job (``{"kind", "config", "run_dir", "resume"}``) to its end; the end is sent to ``sink``.

    Kinds: a training run (fresh or resumed), the learning-rate range test, or the strategy trials.
    """
    config = TrainConfig.from_dict(job["config"])
    run_dir = Path(job["run_dir"])
    if job.get("kind", TRAIN) == LR_FINDER:
        from engine.training.lr_finder import run_lr_finder

        run_lr_finder(config, run_dir, sink, cancel, own_process=own_process)
        return
    if job.get("kind") == TRIALS:
        from engine.strategy.trials import run_trials_for

        run_trials_for(config, run_dir, sink, cancel)
        return
    from engine.jobs.training_job import run_training_job

    run_training_job(config, run_dir, sink, cancel, pause=pause, resume=bool(job.get("resume")),
                     own_process=own_process)


def speak(language: str) -> None:
    """Speak ``language`` in this process and in every process it starts (the training child speaks its
    parent's language: its stop reasons, notices and the data loaders' workers)."""
    os.environ[LANGUAGE_VARIABLE] = language
    set_language(language)


def _child_main(jobs: Any, events: Any, cancel: Any, pause: Any, ready: Any = None, link: Any = None,
                parent_pid: int | None = None, language: str | None = None) -> None:
    """Body of the training child: speak the parent's language, guard it (engine/jobs/child_guard.py), import
    torch now (the slow part), then wait for one job."""
    if language:
        speak(language)
    from engine.jobs.child_guard import ChildGuard
    from engine.jobs.priority import lower_priority

    guard = ChildGuard(link, parent_pid, cancel, (jobs, events))
    guard.start()  # before the import: a parent killed during those seconds must not leave an orphan
    lower_priority()  # the window wins the CPU over training (engine/jobs/priority.py), also during the import
    import engine.training.trainer  # noqa: F401  - warms up torch while the user is still choosing settings

    if ready is not None:
        ready.set()
    job = jobs.get()
    if job is None or not guard.begin_job():
        return
    if job.get("language"):
        speak(job["language"])  # the language when Train was pressed (the child may be older)
    run_dir = Path(job["run_dir"])
    run_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(RunLayout(run_dir).training_log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))  # not translated: log
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    run_job(job, lambda e: events.put(event_to_dict(e)), cancel, pause, own_process=True)


def _job(config: TrainConfig, run_dir: Path, resume: bool, kind: str) -> dict[str, Any]:
    if kind not in (TRAIN, LR_FINDER, TRIALS):
        raise ValueError(f"unknown job kind {kind!r}")  # not translated: a programming error
    return {"kind": kind, "config": config.to_dict(), "run_dir": str(run_dir), "resume": resume,
            "language": current_language()}


class ProcessRunner:
    """Runs one job in a spawned child process. Call :meth:`prewarm` early to hide torch's import."""

    def __init__(self) -> None:
        self._ctx = mp.get_context("spawn")
        self._process: BaseProcess | None = None
        self._jobs: Any = None
        self._events: Any = None
        self._cancel: Any = None
        self._pause: Any = None
        self._ready: Any = None
        self._link: Any = None  # the parent's end of a pipe: when this process ends, the child sees it
        self._finished: RunFinished | None = None
        self._started = False
        self._job: dict[str, Any] = {}
        self._close_lock = threading.Lock()
        self._closed = False

    @property
    def finished(self) -> RunFinished | None:
        return self._finished

    @property
    def warm(self) -> bool:
        return self._process is not None and self._process.is_alive() and not self._started

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def prewarm(self) -> None:
        """Start the child now so that Train answers at once later."""
        if self._process is not None:
            return
        self._jobs = self._ctx.Queue()
        self._events = self._ctx.Queue()
        self._cancel = self._ctx.Event()
        self._pause = self._ctx.Event()
        self._ready = self._ctx.Event()
        child_end, self._link = self._ctx.Pipe(duplex=False)
        args = (self._jobs, self._events, self._cancel, self._pause, self._ready, child_end, os.getpid(),
                current_language())
        self._process = self._ctx.Process(target=_child_main, args=args, name="finetune-studio-training",
                                          daemon=True)
        self._process.start()
        child_end.close()  # only the child may hold it, or the child could not tell when this process is gone

    def wait_warm(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the child to be ready (torch imported); False if it is not."""
        deadline = time.monotonic() + timeout
        while self._ready is not None and self._process is not None and self._process.is_alive():
            if self._ready.wait(min(0.5, max(deadline - time.monotonic(), 0))):
                return True
            if time.monotonic() >= deadline:
                return False
        return False

    def start(self, config: TrainConfig, run_dir: Path, *, resume: bool = False, job: str = TRAIN) -> None:
        if self._started:
            raise RuntimeError("a ProcessRunner runs one job; make a new one for the next run")  # not translated: bug
        self.prewarm()
        self._started = True
        self._job = _job(config, run_dir, resume, job)
        self._jobs.put(self._job)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def set_paused(self, paused: bool) -> None:
        if self._pause is not None:
            (self._pause.set if paused else self._pause.clear)()

    def poll(self, timeout: float) -> list[Event]:
        """Events that arrived, waiting up to ``timeout`` seconds for the first one.

        When the child has died without saying why, a :class:`RunFinished` with reason FAILED is made up
        here, so the caller always sees exactly one end.
        """
        if self._events is None or self._finished is not None:
            return []
        out = self._drain(timeout)
        process = self._process
        if self._finished is None and process is not None and not process.is_alive():
            out.extend(self._drain(0.2))  # the feeder thread may still have been flushing
            if self._finished is None:
                self._finished = self._death(process.exitcode)
                out.append(self._finished)
        return out

    def _death(self, exitcode: int | None) -> RunFinished:
        run_dir = Path(self._job.get("run_dir", "."))
        resumable = self._job.get("kind") == TRAIN and RunLayout(run_dir).can_resume()
        return RunFinished(StopReason.FAILED, _death_sentence(exitcode, resumable),
                           job=str(self._job.get("kind", TRAIN)), resumable=resumable, child_died=True)

    def _drain(self, timeout: float) -> list[Event]:
        out: list[Event] = []
        try:
            item = self._events.get(timeout=timeout) if timeout > 0 else self._events.get_nowait()
        except (queue.Empty, EOFError, OSError):
            return out
        while True:
            event = event_from_dict(item)
            out.append(event)
            if isinstance(event, RunFinished):
                self._finished = event
                return out
            try:
                item = self._events.get_nowait()
            except (queue.Empty, EOFError, OSError):
                return out

    def kill(self) -> None:
        """End the child at once (tests; a child that no longer answers)."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()

    def close(self, timeout: float = 10.0) -> None:
        """Cancel, give the child ``timeout`` seconds to write its last checkpoint, then end it.

        Safe from several threads (the GUI's poll thread closes a finished run, the window closes on quit):
        the first call does the work, the others wait for it."""
        with self._close_lock:
            if not self._closed:
                self._close(timeout)
                self._closed = self._process is not None

    def _close(self, timeout: float) -> None:
        process = self._process
        if process is None:
            return
        if process.is_alive():
            if not self._started:
                self._jobs.put(None)
            self.set_paused(False)
            self.cancel()
            process.join(timeout)
        if process.is_alive():
            log.warning("training child did not stop within %.1f s; terminating it", timeout)
            process.terminate()
            process.join(3)
        if process.is_alive():
            process.kill()
            process.join(3)
        for q in (self._jobs, self._events):
            q.cancel_join_thread()
            q.close()
        self._link.close()


def _death_sentence(exitcode: int | None, resumable: bool) -> str:
    if exitcode is not None and exitcode < 0:
        what = tr("Training failed because the training process was killed, for example because the computer ran "
                  "out of memory. The plots and the last checkpoint are kept; details are in training.log in the "
                  "run folder.")
    else:
        what = tr("Training failed because the training process ended unexpectedly (code {code}), for example "
                  "because the computer ran out of memory. The plots and the last checkpoint are kept; details are "
                  "in training.log in the run folder.", code=exitcode)
    if not resumable:
        return what
    then = tr("Press Resume to continue from the last checkpoint.")
    return f"{what} {then}"


class ThreadRunner:
    """Runs the job in a Python thread of this process (tests; tools without process spawning)."""

    def __init__(self) -> None:
        self._events: queue.Queue[Event] = queue.Queue()
        self._cancel = threading.Event()
        self._pause = threading.Event()
        self._thread: threading.Thread | None = None
        self._finished: RunFinished | None = None

    @property
    def finished(self) -> RunFinished | None:
        return self._finished

    def prewarm(self) -> None:
        """Nothing to warm: torch is imported in this process already."""

    def start(self, config: TrainConfig, run_dir: Path, *, resume: bool = False, job: str = TRAIN) -> None:
        args = (_job(config, run_dir, resume, job), self._events.put, self._cancel, self._pause, False)
        self._thread = threading.Thread(target=run_job, args=args, name="finetune-studio-training", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def set_paused(self, paused: bool) -> None:
        (self._pause.set if paused else self._pause.clear)()

    def poll(self, timeout: float) -> list[Event]:
        if self._finished is not None:
            return []
        out: list[Event] = []
        try:
            out.append(self._events.get(timeout=timeout))
            while True:
                out.append(self._events.get_nowait())
        except queue.Empty:
            pass
        for event in out:
            if isinstance(event, RunFinished):
                self._finished = event
        return out

    def close(self, timeout: float = 10.0) -> None:
        self._pause.clear()
        self.cancel()
        if self._thread is not None:
            self._thread.join(timeout)
