"""Opening a run: owning its folder, starting or continuing its history, and the session it trains in.

A part of :class:`engine.training.trainer.Trainer` (a mixin), kept apart so that trainer.py is the loop. In a
distributed run process 0 owns and writes the folder; the others wait for its split.json and only read.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, cast

from engine.config import TrainConfig
from engine.core.cancel import CancelToken
from engine.core.errors import StudioError
from engine.core.i18n import tr
from engine.core.versions import versions
from engine.data.report import Split
from engine.run.events import Event, Notice
from engine.run.folder import RunFolder, RunLog
from engine.run.location import check_run_location
from engine.run.lock import RunLock, acquire_run_lock
from engine.run.start import clear_unstarted, is_unstarted
from engine.training.callbacks.best_model import BestModel
from engine.training.callbacks.checkpoint import CheckpointSaver
from engine.training.checkpoint import Checkpoint, load_checkpoint
from engine.training.distributed import Collective, SetupAgreement, World, wrap_for_world
from engine.training.resume import cut_history, load_resume_checkpoint, load_split, restore_session
from engine.training.session import ProgressFn, Session, finish_features, open_session
from engine.training.sync_batchnorm import apply_sync_batchnorm

if TYPE_CHECKING:
    from engine.training.callbacks.base import Callback, Trainer

log = logging.getLogger(__name__)


class RunOpening:
    """The opening half of a trainer; :class:`~engine.training.trainer.Trainer` sets every attribute below."""

    config: TrainConfig
    run_dir: Path
    resume: bool
    from_prepared: bool
    _prepared_split: Split | None
    own_process: bool
    cancel: CancelToken
    world: World
    writes_run_folder: bool
    collective: Collective
    session: Session | None
    callbacks: list[Callback]
    best: BestModel
    checkpoints: CheckpointSaver
    start_epoch: int
    _setup: SetupAgreement
    _log: RunLog | None
    _lock: RunLock | None
    _fresh: bool
    _replay: list[Event]
    _progress: ProgressFn

    @property
    def folder(self) -> RunFolder:
        return RunFolder(self.run_dir)

    def emit(self, event: Event) -> None:
        raise NotImplementedError

    def _begin(self) -> Checkpoint | None:
        """Check what the folder holds; a fresh run starts its history here, a resume only reads (its history
        is cut back and reopened once the checkpoint has been restored, see :meth:`_continue_history`)."""
        # Before the lock: taking the lock creates the folder, and nothing may be written into the images.
        check_run_location(self.config.data.data_dir, self.run_dir)
        if not self.writes_run_folder:  # another process of a distributed run: it only reads the folder
            return load_checkpoint(self.folder.last_checkpoint) if self.resume else None
        self._own_folder()
        if self.resume:
            return load_resume_checkpoint(self.run_dir, self.config)
        reused = self.folder.config.exists() or self.folder.events.exists()
        if reused:
            if not is_unstarted(self.run_dir):
                # A second run appended to the first's history would plot two runs as one; never overwrite either.
                raise StudioError(tr("{folder} already holds a run. Choose a new folder for this one (or continue "
                                     "that run); nothing in it was changed.", folder=self.run_dir))
            if self.from_prepared and self.folder.split.exists():  # train --prepare-only: its split is the run's
                self._prepared_split = load_split(self.run_dir)
            clear_unstarted(self.run_dir)
        self._fresh = True
        self._log = RunLog(self.run_dir)  # creates the folder; OutputError when it cannot
        if reused and not self.from_prepared:
            self.emit(Notice("info", tr("This folder held a start that never saved a checkpoint; the run "
                                        "starts again in it.")))
        self._write_config({})
        return None

    def _own_folder(self) -> None:
        """Become the folder's one writer; :class:`RunLocked` when another process trains it."""
        self._lock = acquire_run_lock(self.run_dir)
        if self._lock.note:  # a stale lock of a process that ended abruptly was taken over
            self.emit(Notice("warning", self._lock.note))

    def _open(self, checkpoint: Checkpoint | None) -> None:
        if not self.writes_run_folder:
            self._setup.meet()  # process 0 has written split.json: every process trains on the same split
            self._open_session(load_split(self.run_dir))
            if checkpoint is not None:
                self._restore(checkpoint)
        else:
            self._open_main(checkpoint)
            self._setup.meet()
        self._setup.meet()  # every process is ready
        assert self.session is not None
        finish_features(self.session, self._progress, self.cancel)  # several processes: computed together now
        self.collective.device = self.session.device if self.session.device.type == "cuda" else self.collective.device
        note = apply_sync_batchnorm(self.session.module, self.config, self.world, self.session.device.type,
                                    self.session.batch_size)
        if note and self.writes_run_folder:
            self.emit(Notice("info", note))
        self.session.distribute(wrap_for_world(self.world, self.session.device))

    def _open_session(self, split: Split | None) -> Session:
        self.session = open_session(self.config, self.run_dir, self._progress, self.cancel, split=split,
                                    own_process=self.own_process, world=self.world)
        if self.world.active:
            self.session.notes.append(tr("{count} processes train together; each takes its share of every batch "
                                         "of {batch} images.", count=self.world.size,
                                         batch=self.session.batch_size))
        return self.session

    def _open_main(self, checkpoint: Checkpoint | None) -> None:
        s = self._open_session(load_split(self.run_dir) if checkpoint is not None else self._prepared_split)
        if checkpoint is None:
            self._write_config({**s.resolved(), "resumed_from_epoch": None})
            self.folder.write_split(s.prepared.split)
            # What an out-of-memory retry of epoch 1, or a resume after a crash, starts from.
            self.checkpoints.save_last(cast("Trainer", self), 0)
        else:
            self._restore(checkpoint)  # may fail: nothing in the folder has been changed yet
            self._continue_history(checkpoint.epoch)
            self._write_config({**s.resolved(), "resumed_from_epoch": checkpoint.epoch})

    def _continue_history(self, epoch: int) -> None:
        self._replay = cut_history(self.run_dir, epoch)
        self._log = RunLog(self.run_dir)

    def _restore(self, checkpoint: Checkpoint) -> None:
        assert self.session is not None
        self.best.restore(restore_session(self.session, self.callbacks, checkpoint, self.folder))
        self.start_epoch = checkpoint.epoch + 1
        log.info("resuming %s after epoch %d", self.run_dir, checkpoint.epoch)

    def _write_config(self, resolved: dict[str, object]) -> None:
        data = self.config.to_dict()
        data["versions"] = versions()
        data["resolved"] = resolved
        self.folder.write_config(data)
