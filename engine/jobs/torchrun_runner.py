"""A training run on several GPUs from the window: the supervised child becomes a ``torchrun`` launch
(issue 16, docs/cluster.md), behind the same :class:`~engine.jobs.runner.Runner` interface.

The run folder is the contract here too: its ``config.json`` is written first (as ``train --prepare-only``
writes it; process 0 then splits the images), then ``python -m torch.distributed.run --standalone
--nproc_per_node=N -m engine train --config RUN`` trains it. Process 0 writes ``events.jsonl``; this runner
follows that file, so the window's live plots see the same events as from one process. Control goes through
the signals ``python -m engine train`` understands on every process: SIGTERM stops within one batch (the
processes agree on the batch), SIGUSR1 pauses and SIGUSR2 continues. Crash safety: the launcher gets SIGTERM
when this process dies (Linux's parent-death signal; several-GPU training is Linux-only, NCCL), and a launch
that ends without a last event is reported in one sentence, resumable when a checkpoint was written.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from engine.config import StopReason, TrainConfig
from engine.core.i18n import tr
from engine.core.run_layout import RunLayout
from engine.run.events import BatchEnded, EpochEnded, Event, RunFinished, RunStarted, event_from_dict

log = logging.getLogger(__name__)

TRAIN = "train"
LAUNCH_LOG = "torchrun.log"  # not translated: a file name


def launch_command(run_dir: Path, processes: int, *, resume: bool) -> list[str]:
    """The command that trains the prepared ``run_dir`` (or continues it) on ``processes`` processes.

    Example:
        >>> launch_command(Path("runs/a"), 2, resume=False)[3:]
        ['--standalone', '--nproc_per_node=2', '-m', 'engine', 'train', '--config', 'runs/a']
    """
    what = ["--resume", str(run_dir)] if resume else ["--config", str(run_dir)]
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
            "-m", "engine", "train", *what]


def write_launch_config(config: TrainConfig, run_dir: Path) -> None:
    """The run folder's ``config.json`` as ``train --prepare-only`` writes it, without its split: process 0
    splits the images in the launch, so a folder of a hundred thousand images costs the window nothing."""
    import dataclasses

    from engine.core.versions import versions
    from engine.run.folder import RunFolder
    from engine.run.location import check_run_location

    check_run_location(config.data.data_dir, run_dir)  # nothing is written among the user's images
    data = dataclasses.replace(config.data, data_dir=str(Path(config.data.data_dir).expanduser().resolve()))
    run_dir.mkdir(parents=True, exist_ok=True)
    RunFolder(run_dir).write_config({**dataclasses.replace(config, data=data).to_dict(), "versions": versions(),
                                     "resolved": {"prepared": True}})


def _parse(line: str) -> Event | None:
    if not line.strip():
        return None
    try:
        return event_from_dict(json.loads(line))
    except (ValueError, KeyError, TypeError):
        log.warning("unreadable event line skipped: %.200s", line)
        return None


def _die_with_parent() -> None:
    """In the launcher, before it runs: SIGTERM when the window's process ends, however it ends."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the window's close still stops the launch
        pass


class TorchrunRunner:
    """Runs one training job as ``torchrun`` with one process per chosen GPU (or per CPU share, in tests)."""

    def __init__(self, gpus: tuple[int, ...], *, processes: int | None = None) -> None:
        self.gpus = gpus
        self.processes = processes or len(gpus)
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._events_file: IO[str] | None = None
        self._events_path: Path | None = None
        self._partial = ""
        self._offset = 0
        self._old_inode: int | None = None  # a resumed run's file before the resume rewrote it
        self._history: set[str] = set()
        self._replay: list[Event] = []
        self._run_dir = Path(".")
        self._resumed = False
        self._finished: RunFinished | None = None
        self._stopping = False

    @property
    def finished(self) -> RunFinished | None:
        return self._finished

    def prewarm(self) -> None:
        """Nothing to warm: every launch starts its own processes."""

    def start(self, config: TrainConfig, run_dir: Path, *, resume: bool = False, job: str = TRAIN) -> None:
        if job != TRAIN:
            # not translated: a programming error (the window offers several GPUs only for training)
            raise ValueError(f"{job} runs on one process; only training uses several GPUs")
        if self._process is not None:
            # not translated: a programming error
            raise RuntimeError("a TorchrunRunner runs one job; make a new one for the next run")
        self._run_dir = Path(run_dir)
        self._resumed = resume
        layout = RunLayout(self._run_dir)
        if not resume:
            write_launch_config(config, self._run_dir)
        self._events_path = layout.events
        # Events written before this launch are not news: a fresh run follows the file from its end; a resumed
        # one waits for the file the resume rewrites to end at its checkpoint (engine/training/resume.py), where
        # the lines it kept are the history (sent after the new start, as the trainer's replay is).
        self._offset = layout.events.stat().st_size if layout.events.exists() else 0
        if resume and layout.events.exists():
            self._old_inode = layout.events.stat().st_ino
            self._history = set(layout.events.read_text(encoding="utf-8").splitlines())
        env = dict(os.environ)
        if self.gpus:
            env["CUDA_VISIBLE_DEVICES"] = ",".join(str(g) for g in self.gpus)
        self._log = open(self._run_dir / LAUNCH_LOG, "ab")  # noqa: SIM115 - open for the launch's lifetime
        self._process = subprocess.Popen(launch_command(self._run_dir, self.processes, resume=resume),
                                         stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True, preexec_fn=_die_with_parent)

    def cancel(self) -> None:
        """Stop within one batch on every process (each hears SIGTERM; they agree on the batch)."""
        if not self._stopping:
            self._stopping = True
            self._signal_workers(signal.SIGTERM)

    def set_paused(self, paused: bool) -> None:
        self._signal_workers(signal.SIGUSR1 if paused else signal.SIGUSR2)

    def poll(self, timeout: float) -> list[Event]:
        """Events process 0 wrote since the last poll, waiting up to ``timeout`` seconds for the first; a
        launch that ended without its last event gets one made up here, so the caller always sees one end."""
        if self._process is None or self._finished is not None:
            return []
        deadline = time.monotonic() + timeout
        while True:
            out = self._read_new()
            ended = self._process.poll() is not None
            if ended and self._finished is None:
                out += self._read_new(ended=True)
                if self._finished is None:
                    self._finished = self._death(self._process.returncode)
                    out.append(self._finished)
            if out or ended or time.monotonic() >= deadline:
                return out
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))

    def close(self, timeout: float = 10.0) -> None:
        """Stop, give the processes ``timeout`` seconds to save, then end the whole launch."""
        process = self._process
        if process is not None and process.poll() is None:
            self.cancel()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("torchrun did not stop within %.1f s; ending it", timeout)
                self._signal_group(signal.SIGKILL)
                process.wait(5)
        for handle in (self._events_file, self._log):
            if handle is not None:
                handle.close()
        self._events_file = self._log = None

    # -- the events process 0 writes -----------------------------------------------------------------

    def _read_new(self, *, ended: bool = False) -> list[Event]:
        if self._events_file is None and not self._open_events(ended):
            return []
        assert self._events_file is not None
        out: list[Event] = []
        text = self._partial + self._events_file.read()
        lines = text.split("\n")
        self._partial = lines.pop()  # a line still being written
        for line in lines:
            event = _parse(line)
            if event is None:
                continue
            if line in self._history:  # kept from before the resume
                if isinstance(event, BatchEnded | EpochEnded):
                    self._replay.append(event)
                continue
            out.append(event)
            if isinstance(event, RunStarted):
                out += self._replay
                self._replay = []
            if isinstance(event, RunFinished):
                self._finished = event
                break
        return out

    def _open_events(self, ended: bool) -> bool:
        path = self._events_path
        if path is None or not path.exists():
            return False
        offset = self._offset
        if self._old_inode is not None:
            if path.stat().st_ino != self._old_inode:
                offset = 0  # rewritten by the resume: its kept lines are recognised as history
            elif not ended:
                return False  # not rewritten yet
        self._events_file = open(path, encoding="utf-8")  # noqa: SIM115 - open while the run is followed
        self._events_file.seek(offset)
        return True

    def _death(self, exitcode: int | None) -> RunFinished:
        resumable = RunLayout(self._run_dir).can_resume()
        detail = tr("Training on several GPUs ended unexpectedly (torchrun exit code {code}) before the run "
                    "could report its end. The plots and the last checkpoint are kept; the details are in "
                    "{log} in the run folder.", code=exitcode, log=LAUNCH_LOG)
        if resumable:
            detail = f"{detail} {tr('Press Resume to continue from the last checkpoint.')}"
        return RunFinished(StopReason.FAILED, detail, job=TRAIN, resumable=resumable, child_died=True)

    # -- signals -----------------------------------------------------------------------------------

    def _workers(self) -> list[int]:
        """The training processes torchrun started (its children), read from /proc."""
        if self._process is None:
            return []
        pid = self._process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()  # not translated: a path
        except OSError:
            return []
        return [int(c) for c in children]

    def _signal_workers(self, number: signal.Signals) -> None:
        for pid in self._workers():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, number)

    def _signal_group(self, number: signal.Signals) -> None:
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, number)
