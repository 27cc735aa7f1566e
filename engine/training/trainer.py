"""The training run: from a config to a run folder, surviving what can be survived.

``run_training`` is the single entry point used by the child process, the in-thread runner, the CLI and
the benchmarks. It never raises for things a user can cause: every outcome ends in one
:class:`~engine.run.events.RunFinished` with a plain sentence.

Faults: running out of memory halves the batch and retries the epoch from the last checkpoint; a loss that
becomes NaN/infinite stops the run keeping the last good weights; Stop ends it within one batch; a full
disk stops it with a clear sentence and the previous checkpoint intact. ``resume=True`` continues a run
folder from ``checkpoints/last.safetensors`` (engine/training/checkpoint.py, engine/training/resume.py).

A run folder has one writer at a time (engine/run/lock.py). A start that ends before its first checkpoint
leaves nothing behind, and a resume that fails changes nothing (engine/run/start.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from engine.config import StopReason, TrainConfig
from engine.core.cancel import CancelToken, NeverCancelled
from engine.core.errors import OutputError, StudioError
from engine.core.i18n import tr
from engine.data.loaders import seed_epoch
from engine.data.report import Split
from engine.models.catalog import count_parameters
from engine.run.events import EpochEnded, Event, Notice, Progress, RunFinished, RunStarted
from engine.run.folder import RunFolder, RunLog
from engine.run.lock import RunLock, RunLocked
from engine.run.start import clear_unstarted, remove_if_empty
from engine.run.throttle import Throttle
from engine.training.callbacks.base import Callback
from engine.training.callbacks.best_model import BestModel
from engine.training.callbacks.checkpoint import CheckpointSaver
from engine.training.callbacks.early_stopping import EarlyStopping
from engine.training.callbacks.finetuning import finetune_callbacks
from engine.training.callbacks.out_of_memory import OutOfMemoryRecovery
from engine.training.callbacks.overfit_watch import OverfitWatch
from engine.training.callbacks.timing import TimeEstimate
from engine.training.checkpoint import CheckpointError
from engine.training.device import gpu_memory_mb, prepare_process, reset_gpu_peak
from engine.training.distributed import (
    Collective,
    PeerLost,
    SetupAgreement,
    World,
    is_peer_failure,
    lost_sentence,
)
from engine.training.loop import Clock, EpochLoop, EpochResult, NonFiniteLoss, StopLoop
from engine.training.opening import RunOpening
from engine.training.outcomes import (
    CANCELLED_BEFORE_START,
    cancelled_sentence,
    finished_sentence,
    nonfinite_sentence,
    resume_failed_sentence,
)
from engine.training.preparation import PreparedRun
from engine.training.session import Session, SessionCancelled

log = logging.getLogger(__name__)

EventSink = Callable[[Event], None]
#: Work done once a run has ended, before its end is announced, while the run folder is still owned: it may
#: emit events and return the end with more said (engine/jobs/training_job.py measures the saved model).
Finisher = Callable[["Trainer", RunFinished], RunFinished]


class Trainer(RunOpening):
    """Drives one training run's loop; everything around it is a callback (engine/training/callbacks/).

    Callbacks see it through :class:`engine.training.callbacks.base.Trainer` and may ask it to stop with
    :meth:`request_stop`. Extra callbacks run before the built-in ones, so that e.g. unfreezing happens
    before checkpoints.
    """

    def __init__(self, config: TrainConfig, run_dir: Path, sink: EventSink, cancel: CancelToken | None = None,
                 pause: CancelToken | None = None, *, resume: bool = False, own_process: bool = False,
                 callbacks: list[Callback] | None = None, finishers: Sequence[Finisher] = (),
                 world: World | None = None, prepared: bool = False) -> None:
        self.config = config
        self.world = world or World()  # several processes (torchrun): engine/training/distributed.py
        self.writes_run_folder = self.world.is_main
        self.collective = Collective(self.world)
        self._setup = SetupAgreement(self.collective)
        self.finishers = tuple(finishers)
        self.run_dir = Path(run_dir)
        self._sink = sink
        self.cancel = cancel or NeverCancelled()
        self.pause = pause or NeverCancelled()
        self.resume = resume
        self.from_prepared = prepared  # the folder holds a prepared start (train --prepare-only): train on its split
        self._prepared_split: Split | None = None
        self.own_process = own_process
        self._log: RunLog | None = None
        self.early_stopping = EarlyStopping(config.early_stopping)
        self.best = BestModel(config.early_stopping.monitor)
        self.checkpoints = CheckpointSaver(self.best)
        self.callbacks: list[Callback] = [*finetune_callbacks(config), *(callbacks or []), self.best,
                                          self.early_stopping, OverfitWatch(self.early_stopping), self.checkpoints,
                                          OutOfMemoryRecovery(), TimeEstimate()]
        self.session: Session | None = None
        self.epoch = 0
        self.start_epoch = 1
        self.clock = Clock(config.optim.epochs, 0)
        self._stop: tuple[StopReason, str] | None = None
        self._replay: list[Event] = []
        self._progress_throttle = Throttle()
        self._lock: RunLock | None = None
        self._fresh = False  # this run started the folder's history (so it may remove it again)
        self._unresumable = False  # Resume would not help (the folder is another's, or its checkpoint damaged)

    @property
    def prepared(self) -> PreparedRun | None:
        return self.session.prepared if self.session is not None else None

    @property
    def folder(self) -> RunFolder:
        return RunFolder(self.run_dir)

    # -- public -----------------------------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        if self._log is not None:
            self._log.write(event)
        self._sink(event)

    @property
    def stop_requested(self) -> bool:
        return self._stop is not None

    def request_stop(self, reason: StopReason, detail: str) -> None:
        if self._stop is None:
            self._stop = (reason, detail)

    @property
    def best_epoch(self) -> int:
        return self.best.epoch

    def run(self) -> RunFinished:
        """Train, owning the run folder meanwhile (engine/run/lock.py), and end with one :class:`RunFinished`."""
        existed = self.run_dir.exists()
        try:
            finished = self._end(self._attempt())
            if self._fresh and not self.folder.can_resume() and not finished.model_saved and self.writes_run_folder:
                clear_unstarted(self.run_dir)  # nothing to continue: leave nothing that blocks the name
            return finished
        finally:
            if self._lock is not None:
                self._lock.release()
            if not existed and self.writes_run_folder:
                remove_if_empty(self.run_dir)

    def _attempt(self) -> RunFinished:
        try:
            if self.own_process:
                prepare_process(self.config.deterministic)
            checkpoint = self._begin()
            self._open(checkpoint)
            return self._fit()
        except PeerLost as exc:  # another process of a distributed run failed or died
            return self._finish(*self._lost(str(exc)))
        except SessionCancelled:
            return self._finish(StopReason.CANCELLED, tr(CANCELLED_BEFORE_START))
        except RunLocked as exc:  # another process trains this folder: nothing was touched (CLI exit code 2)
            self._unresumable = True
            return self._finish(StopReason.FAILED, tr("Training could not run: {error}", error=exc),
                                input_error=True)
        except OutputError as exc:  # a full or read-only disk: the sentence says whether there is anything to continue
            # An unwritable place is the user's to fix (CLI exit code 2); the checkpoint so far is kept.
            said = (tr("Training stopped: {error}", error=exc) if self.folder.can_resume() else
                    tr("Training could not start: {error}", error=exc))
            return self._finish(StopReason.FAILED, said, input_error=True)
        except CheckpointError as exc:  # a damaged or missing checkpoint
            if self.resume and self._log is None:  # nothing was written: say what to do instead
                self._unresumable = True  # Resume would only fail again
                return self._finish(StopReason.FAILED, resume_failed_sentence(str(exc), self.run_dir))
            return self._finish(StopReason.FAILED, tr("Training stopped: {error}", error=exc))
        except StudioError as exc:  # the user's input or settings: CLI exit code 2
            return self._finish(StopReason.FAILED, tr("Training could not run: {error}", error=exc),
                                input_error=True)
        except Exception as exc:
            if self.world.active and is_peer_failure(exc):
                return self._finish(*self._lost(lost_sentence(self.world)))
            log.exception("training failed")
            return self._finish(StopReason.FAILED, tr("Training failed because of an unexpected error ({error}). "
                                                      "The details are in the log file.", error=exc))

    def _end(self, finished: RunFinished) -> RunFinished:
        for finisher in self.finishers if self.writes_run_folder else ():  # e.g. measuring the saved model
            finished = finisher(self, finished)
        for callback in self.callbacks:
            callback.on_run_end(self, finished)
        self.emit(finished)
        if self.session is not None:
            self.session.close()
        if self._log is not None:
            self._log.close()
        return finished

    # -- the loop ---------------------------------------------------------------------------------------

    def _fit(self) -> RunFinished:
        s = self.session
        assert s is not None
        epochs = self.config.optim.epochs
        self.clock = Clock(epochs, self.start_epoch - 1)
        loop = EpochLoop(s, self.cancel, self.pause, self.emit, self.clock, self._timed, self.collective)
        self._emit_start()
        for callback in self.callbacks:
            callback.on_run_start(self)
        try:
            for epoch in range(self.start_epoch, epochs + 1):
                self.epoch = epoch
                for callback in self.callbacks:
                    callback.on_epoch_start(self, epoch)
                started = time.perf_counter()
                train, (val_loss, val_acc) = self._run_epoch(loop, epoch)
                event = self._epoch_event(epoch, train, val_loss, val_acc, time.perf_counter() - started)
                self.emit(event)
                for callback in self.callbacks:
                    callback.on_epoch_end(self, event)
                if self.world.active:  # decided once, by process 0: every process ends at the same batch
                    self._stop = self.collective.broadcast(self._stop)
                if self._stop is not None:
                    break
        except StopLoop:
            self.request_stop(StopReason.CANCELLED, cancelled_sentence(self.epoch, self.best_epoch))
        except NonFiniteLoss:
            self.request_stop(StopReason.FAILED, nonfinite_sentence(self.config.optim.lr, self.best_epoch))
        if self._stop is None:
            return self._finish(StopReason.FINISHED, finished_sentence(self.epoch, self.best_epoch,
                                                                    self.best.val_accuracy))
        return self._finish(*self._stop)

    def _emit_start(self) -> None:
        s = self.session
        assert s is not None
        p = s.prepared
        self.emit(RunStarted(
            run_dir=str(self.run_dir), epochs=self.config.optim.epochs, steps_per_epoch=len(s.train_source),
            train_images=len(p.split.train), val_images=len(p.split.val), classes=p.split.classes,
            device=str(p.device), trainable_params=count_parameters(p.model, trainable_only=True),
            total_params=count_parameters(p.model), batch_size=s.batch_size,
            resumed_from_epoch=self.start_epoch - 1, notes=tuple(s.notes)))
        for event in self._replay:  # the live view gets the kept history back (events.jsonl has it already)
            self._sink(event)
        if self.start_epoch > 1:
            self.emit(Notice("info", tr("Continuing this run after epoch {epoch}, where it was last saved.",
                                        epoch=self.start_epoch - 1)))

    def _run_epoch(self, loop: EpochLoop, epoch: int) -> tuple[EpochResult, tuple[float, float]]:
        s = self.session
        assert s is not None
        while True:
            s.set_epoch(epoch)
            seed_epoch(self.config.seed, epoch)
            reset_gpu_peak(s.device)
            try:
                return loop.train_epoch(epoch), loop.validate(epoch)
            except torch.OutOfMemoryError:
                log.warning("out of memory with batch size %d in epoch %d", s.batch_size, epoch)
            # Handled outside the except block, so the error's frames (and the tensors they hold) are freed.
            for callback in self.callbacks:
                callback.on_out_of_memory(self, epoch)  # OutOfMemoryRecovery halves the batch, or gives up

    def _timed(self, seconds_per_batch: float) -> None:
        for callback in self.callbacks:
            callback.on_batches_timed(self, seconds_per_batch)

    def _epoch_event(self, epoch: int, train: EpochResult, val_loss: float, val_acc: float,
                     seconds: float) -> EpochEnded:
        s = self.session
        assert s is not None
        for callback in self.callbacks:  # the best model and early stopping count this epoch
            callback.on_validation_end(self, epoch, val_loss, val_acc)
        is_best, stale = self.best.is_best, self.early_stopping.wait
        return EpochEnded(epoch=epoch, train_loss=train.loss, train_accuracy=train.accuracy, val_loss=val_loss,
                          val_accuracy=val_acc, lr=s.schedule.lrs()[0], seconds=seconds,
                          train_images_per_s=train.images_per_s, is_best=is_best, stale_epochs=stale,
                          batch_size=s.batch_size, gpu_memory_mb=gpu_memory_mb(s.device))

    # -- helpers ----------------------------------------------------------------------------------------

    def progress(self, task: str, done: float, total: float, message: str) -> None:
        """A :class:`Progress` event, at most ~10 a second (finishers report their progress through it)."""
        self._progress(task, done, total, message)

    def _progress(self, task: str, done: float, total: float, message: str) -> None:
        # One event per image would flood the queue, the log and the window: at most ~10 a second.
        if not self._progress_throttle.ready(force=done >= total):
            return
        self.emit(Progress(task, float(done), float(total), message))

    def _finish(self, reason: StopReason, detail: str, input_error: bool = False) -> RunFinished:
        """Restore the best weights, export the model when there is one, and describe the outcome."""
        self._setup.fail(detail)  # a distributed start: the others are not left waiting for this process
        exported, detail = self.best.save_model(self, reason, detail, input_error)
        resumable = (reason in (StopReason.CANCELLED, StopReason.FAILED) and self.folder.can_resume()
                     and not self._unresumable)
        return RunFinished(reason=reason, detail=detail, best_epoch=self.best_epoch,
                           best_val_loss=self.best.val_loss if self.best_epoch else None,
                           best_val_accuracy=self.best.val_accuracy, epochs_completed=self._epochs_completed(),
                           model_saved=exported, input_error=input_error, resumable=resumable)

    def _lost(self, what: str) -> tuple[StopReason, str]:
        """The end of a run another process left: the epoch under way is lost, its checkpoint is not."""
        if self.epoch and self.folder.can_resume():
            if self.epoch > 1:
                kept = tr("Its checkpoint of epoch {epoch} is kept: continue it with python -m engine train --resume "
                          "{folder} (on any number of processes).", epoch=self.epoch - 1, folder=self.run_dir)
            else:
                kept = tr("Its checkpoint from before the first epoch is kept: continue it with python -m engine "
                          "train --resume {folder} (on any number of processes).", folder=self.run_dir)
            what += " " + kept
        self.request_stop(StopReason.FAILED, what)
        return StopReason.FAILED, what

    def _epochs_completed(self) -> int:
        if self._stop is not None and self._stop[0] is not StopReason.EARLY_STOPPED:
            return max(self.epoch - 1, 0)
        return self.epoch


def run_training(config: TrainConfig, run_dir: Path, sink: EventSink, cancel: CancelToken | None = None, *,
                 pause: CancelToken | None = None, resume: bool = False, own_process: bool = False,
                 callbacks: list[Callback] | None = None, finishers: Sequence[Finisher] = (),
                 world: World | None = None, prepared: bool = False) -> RunFinished:
    """Train ``config`` into ``run_dir``, sending every event to ``sink``. Never raises for user errors.

    ``resume=True`` continues ``run_dir`` from its last checkpoint (``config`` is then the run's own, see
    :func:`engine.training.resume.load_run_config`). ``own_process``: this process does nothing else (the training
    child, the CLI), so the CPU threads may be set for it. ``callbacks``: extra callbacks (e.g. gradual
    unfreezing, which uses :meth:`Callback.on_epoch_start` and :meth:`Session.unfrozen`). ``finishers``: see
    :data:`Finisher`. ``world``: this process's place in a distributed run (engine/training/distributed.py; its
    process group already started). ``prepared``: ``run_dir`` holds a run prepared without training
    (:mod:`engine.training.prepared`): it is trained on the split saved there. Training alone never measures
    the saved model: the job that wants it does (:func:`engine.jobs.training_job.run_training_job`, as the
    window and ``python -m engine train`` do).

    Example:
        >>> cfg = TrainConfig(DataConfig("flowers"), ModelConfig("resnet18", "none"),  # doctest: +SKIP
        ...                   strategy=Strategy.FULL)
        >>> run_training(cfg, Path("runs/first"), print).reason  # doctest: +SKIP
        <StopReason.FINISHED: 'finished'>
    """
    return Trainer(config, run_dir, sink, cancel, pause, resume=resume, own_process=own_process,
                   callbacks=callbacks, finishers=finishers, world=world, prepared=prepared).run()
