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

import gc
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from engine.core.versions import versions
from engine.training.callbacks.base import Callback, CheckpointSaver, EarlyStopping, OverfitWatch, better, monitored
from engine.core.cancel import CancelToken, NeverCancelled
from engine.training.checkpoint import (
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    load_into,
    save_checkpoint,
    save_weights,
)
from engine.config import StopReason, TrainConfig
from engine.core.errors import OutputError, StudioError
from engine.run.events import EpochEnded, EpochTimeEstimate, Event, Notice, Progress, RunFinished, RunStarted
from engine.models.saved import export_model
from engine.training.callbacks.finetuning import finetune_callbacks
from engine.data.loaders import seed_epoch
from engine.training.loop import BATCH_EVENTS_PER_SECOND, Clock, EpochLoop, EpochResult, NonFiniteLoss, StopLoop
from engine.models.catalog import count_parameters
from engine.training.preparation import PreparedRun
from engine.training.outcomes import (
    CANCELLED_BEFORE_START,
    cancelled_sentence,
    finished_sentence,
    nonfinite_sentence,
    resume_failed_sentence,
)
from engine.training.resume import cut_history, load_resume_checkpoint, load_split, restore_session
from engine.run.location import check_run_location
from engine.run.folder import RunFolder, RunLog
from engine.run.lock import RunLock, RunLocked, acquire_run_lock
from engine.run.start import clear_unstarted, is_unstarted, remove_if_empty
from engine.training.session import Session, SessionCancelled, open_session
from engine.training.device import (
    estimate_message,
    gpu_memory_mb,
    prepare_process,
    reset_gpu_peak,
    should_offer_fast_path,
)

log = logging.getLogger(__name__)

EventSink = Callable[[Event], None]
#: Work done once a run has ended, before its end is announced, while the run folder is still owned: it may
#: emit events and return the end with more said (engine/jobs/training_job.py measures the saved model).
Finisher = Callable[["Trainer", RunFinished], RunFinished]
#: Validation of a batch costs about this share of a training step (forward only).
VALIDATION_COST = 0.35


class Trainer:
    """Runs one training run. Callbacks may ask it to stop with :meth:`request_stop`."""

    def __init__(self, config: TrainConfig, run_dir: Path, sink: EventSink, cancel: CancelToken | None = None,
                 pause: CancelToken | None = None, *, resume: bool = False, own_process: bool = False,
                 callbacks: list[Callback] | None = None, finishers: Sequence[Finisher] = ()) -> None:
        self.config = config
        self.finishers = tuple(finishers)
        self.run_dir = Path(run_dir)
        self._sink = sink
        self.cancel = cancel or NeverCancelled()
        self.pause = pause or NeverCancelled()
        self.resume = resume
        self.own_process = own_process
        self._log: RunLog | None = None
        self.early_stopping = EarlyStopping(config.early_stopping)
        self.overfit = OverfitWatch(self.early_stopping)
        # Extra callbacks run before the built-in ones, so that e.g. unfreezing happens before checkpoints.
        self.callbacks: list[Callback] = [*finetune_callbacks(config), *(callbacks or []), self.early_stopping,
                                          self.overfit, CheckpointSaver()]
        self.session: Session | None = None
        self.epoch = 0
        self.start_epoch = 1
        self.best_epoch = 0
        self.best_score: float | None = None
        self.best_val_loss = math.inf
        self.best_val_accuracy: float | None = None
        self._best_state: dict[str, torch.Tensor] | None = None
        self._stop: tuple[StopReason, str] | None = None
        self._replay: list[Event] = []
        self._last_progress = 0.0
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

    def request_stop(self, reason: StopReason, detail: str) -> None:
        if self._stop is None:
            self._stop = (reason, detail)

    def save_last(self, epoch: int) -> None:
        """The resumable checkpoint for the end of ``epoch`` (0: before the first)."""
        s = self.session
        assert s is not None
        state: dict[str, Any] = {
            "epoch": epoch, "batch_size": s.batch_size, "schedule": s.schedule.state_dict(),
            "scaler": s.scaler.state_dict() if s.scaler.is_enabled() else None,
            "best": {"epoch": self.best_epoch, "score": self.best_score, "val_loss": self.best_val_loss,
                     "val_accuracy": self.best_val_accuracy},
            "callbacks": {type(cb).__name__: cb.state_dict() for cb in self.callbacks},
        }
        save_checkpoint(self.folder.last_checkpoint, s.prepared.model, s.optimizer, state)

    def save_best(self, event: EpochEnded) -> None:
        assert self.session is not None
        save_weights(self.folder.best_checkpoint, self.session.prepared.model,
                     {"epoch": str(event.epoch), "val_loss": repr(event.val_loss),
                      "val_accuracy": repr(event.val_accuracy), "score": repr(self.best_score)})

    def run(self) -> RunFinished:
        """Train, owning the run folder meanwhile (engine/run/lock.py), and end with one :class:`RunFinished`."""
        existed = self.run_dir.exists()
        try:
            finished = self._end(self._attempt())
            if self._fresh and not self.folder.can_resume() and not finished.extra.get("model_saved"):
                clear_unstarted(self.run_dir)  # nothing to continue: leave nothing that blocks the name
            return finished
        finally:
            if self._lock is not None:
                self._lock.release()
            if not existed:
                remove_if_empty(self.run_dir)

    def _attempt(self) -> RunFinished:
        try:
            if self.own_process:
                prepare_process(self.config.deterministic)
            checkpoint = self._begin()
            self._open(checkpoint)
            return self._fit()
        except SessionCancelled:
            return self._finish(StopReason.CANCELLED, CANCELLED_BEFORE_START)
        except RunLocked as exc:  # another process trains this folder: nothing was touched (CLI exit code 2)
            self._unresumable = True
            return self._finish(StopReason.FAILED, f"Training could not run: {exc}", input_error=True)
        except OutputError as exc:  # a full or read-only disk: the sentence says whether there is anything to continue
            # An unwritable place is the user's to fix (CLI exit code 2); the checkpoint so far is kept.
            started = "Training stopped" if self.folder.can_resume() else "Training could not start"
            return self._finish(StopReason.FAILED, f"{started}: {exc}", input_error=True)
        except CheckpointError as exc:  # a damaged or missing checkpoint
            if self.resume and self._log is None:  # nothing was written: say what to do instead
                self._unresumable = True  # Resume would only fail again
                return self._finish(StopReason.FAILED, resume_failed_sentence(str(exc), self.run_dir))
            return self._finish(StopReason.FAILED, f"Training stopped: {exc}")
        except StudioError as exc:  # the user's input or settings: CLI exit code 2
            return self._finish(StopReason.FAILED, f"Training could not run: {exc}", input_error=True)
        except Exception as exc:
            log.exception("training failed")
            return self._finish(StopReason.FAILED, f"Training failed because of an unexpected error ({exc}). "
                                                   "The details are in the log file.")

    def _end(self, finished: RunFinished) -> RunFinished:
        for finisher in self.finishers:  # e.g. measuring the saved model (engine/jobs/training_job.py)
            finished = finisher(self, finished)
        for callback in self.callbacks:
            callback.on_run_end(self, finished)
        self.emit(finished)
        if self.session is not None:
            self.session.close()
        if self._log is not None:
            self._log.close()
        return finished

    # -- setting up -------------------------------------------------------------------------------------

    def _begin(self) -> Checkpoint | None:
        """Check what the folder holds; a fresh run starts its history here, a resume only reads (its history
        is cut back and reopened once the checkpoint has been restored, see :meth:`_continue_history`)."""
        # Before the lock: taking the lock creates the folder, and nothing may be written into the images.
        check_run_location(self.config.data.data_dir, self.run_dir)
        self._own_folder()
        if self.resume:
            return load_resume_checkpoint(self.run_dir, self.config)
        reused = self.folder.config.exists() or self.folder.events.exists()
        if reused:
            if not is_unstarted(self.run_dir):
                # A second run appended to the first's history would plot two runs as one; never overwrite either.
                raise StudioError(f"{self.run_dir} already holds a run. Choose a new folder for this one (or "
                                  "continue that run); nothing in it was changed.")
            clear_unstarted(self.run_dir)
        self._fresh = True
        self._log = RunLog(self.run_dir)  # creates the folder; OutputError when it cannot
        if reused:
            self.emit(Notice("info", "This folder held a start that never saved a checkpoint; the run starts "
                                     "again in it."))
        self._write_config({})
        return None

    def _own_folder(self) -> None:
        """Become the folder's one writer; :class:`RunLocked` when another process trains it."""
        self._lock = acquire_run_lock(self.run_dir)
        if self._lock.note:  # a stale lock of a process that ended abruptly was taken over
            self.emit(Notice("warning", self._lock.note))

    def _open(self, checkpoint: Checkpoint | None) -> None:
        split = load_split(self.run_dir) if checkpoint is not None else None
        self.session = s = open_session(self.config, self.run_dir, self._progress, self.cancel, split=split,
                                        own_process=self.own_process)
        if checkpoint is None:
            self._write_config({**s.resolved(), "resumed_from_epoch": None})
            self.folder.write_split(s.prepared.split)
            self.save_last(0)  # what an out-of-memory retry of epoch 1, or a resume after a crash, starts from
        else:
            self._restore(checkpoint)  # may fail: nothing in the folder has been changed yet
            self._continue_history(checkpoint.epoch)
            self._write_config({**s.resolved(), "resumed_from_epoch": checkpoint.epoch})

    def _continue_history(self, epoch: int) -> None:
        self._replay = cut_history(self.run_dir, epoch)
        self._log = RunLog(self.run_dir)

    def _restore(self, checkpoint: Checkpoint) -> None:
        assert self.session is not None
        best = restore_session(self.session, self.callbacks, checkpoint, self.folder)
        self.best_epoch, self.best_score, self._best_state = best.epoch, best.score, best.state
        self.best_val_loss, self.best_val_accuracy = best.val_loss, best.val_accuracy
        self.start_epoch = checkpoint.epoch + 1
        log.info("resuming %s after epoch %d", self.run_dir, checkpoint.epoch)

    # -- the loop ---------------------------------------------------------------------------------------

    def _fit(self) -> RunFinished:
        s = self.session
        assert s is not None
        epochs = self.config.optim.epochs
        loop = EpochLoop(s, self.cancel, self.pause, self.emit, Clock(epochs, self.start_epoch - 1), self._on_timing)
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
                if self._stop is not None:
                    break
        except StopLoop:
            self.request_stop(StopReason.CANCELLED, cancelled_sentence(self.epoch, self.best_epoch))
        except NonFiniteLoss:
            self.request_stop(StopReason.FAILED, nonfinite_sentence(self.config.optim.lr, self.best_epoch))
        if self._stop is None:
            return self._finish(StopReason.FINISHED, finished_sentence(self.epoch, self.best_epoch,
                                                                    self.best_val_accuracy))
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
            self.emit(Notice("info", f"Continuing this run after epoch {self.start_epoch - 1}, where it was "
                                     "last saved."))

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
            self._recover_from_oom(epoch)

    def _recover_from_oom(self, epoch: int) -> None:
        s = self.session
        assert s is not None
        old = s.batch_size
        where = "GPU" if s.device.type == "cuda" else "computer"
        if old <= 1:
            raise StudioError(f"The {where} ran out of memory even with one image per batch. Choose a smaller "
                              "image size or a smaller model.")
        s.optimizer.zero_grad(set_to_none=True)
        # Only on the main thread (the training child, the CLI): in the window's process a collection on a worker
        # thread could destroy Qt objects off the GUI thread, which deadlocks (gui/gui_thread_gc.py).
        if threading.current_thread() is threading.main_thread():
            gc.collect()
        if s.device.type == "cuda":
            torch.cuda.empty_cache()
        checkpoint = load_checkpoint(self.folder.last_checkpoint)
        load_into(s.prepared.model, s.optimizer, checkpoint)
        if checkpoint.state.get("scaler") and s.scaler.is_enabled():
            s.scaler.load_state_dict(checkpoint.state["scaler"])
        s.rebuild_sources(old // 2)
        self.emit(Notice("warning", f"The {where} ran out of memory with batches of {old} images, so the batch "
                                    f"size is now {old // 2} and epoch {epoch} starts again."))

    def _on_timing(self, per_batch: float) -> None:
        s = self.session
        assert s is not None
        remaining = self.config.optim.epochs - self.epoch + 1
        epoch_s = per_batch * (len(s.train_source) + VALIDATION_COST * len(s.val_source))
        total_s = epoch_s * remaining
        fast: float | None = None
        if should_offer_fast_path(s.device, total_s, s.using_features, self.config.model.pretrained):
            images = len(s.prepared.split.train) + len(s.prepared.split.val)
            forward_share = 1.0 if s.prefix is not None and s.prefix.names else VALIDATION_COST
            fast = per_batch / s.batch_size * images * forward_share
        self.emit(EpochTimeEstimate(epoch_seconds=epoch_s, total_seconds=total_s, device=str(s.device),
                                    message=estimate_message(epoch_s, total_s, remaining, str(s.device), fast),
                                    fast_path_seconds=fast))

    def _epoch_event(self, epoch: int, train: EpochResult, val_loss: float, val_acc: float,
                     seconds: float) -> EpochEnded:
        s = self.session
        assert s is not None
        stale = self.early_stopping.update(epoch, val_loss, val_acc)
        score = monitored(self.config.early_stopping.monitor, val_loss, val_acc)
        is_best = better(self.config.early_stopping.monitor, score, self.best_score)
        if is_best:
            self.best_score, self.best_epoch = score, epoch
            self.best_val_loss, self.best_val_accuracy = val_loss, val_acc
            self._best_state = {k: v.detach().to("cpu", copy=True) for k, v in s.prepared.model.state_dict().items()}
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
        now = time.monotonic()
        if done < total and now - self._last_progress < 1.0 / BATCH_EVENTS_PER_SECOND:
            return
        self._last_progress = now
        self.emit(Progress(task, float(done), float(total), message))

    def _write_config(self, resolved: dict[str, object]) -> None:
        data = self.config.to_dict()
        data["versions"] = versions()
        data["resolved"] = resolved
        self.folder.write_config(data)

    def _finish(self, reason: StopReason, detail: str, input_error: bool = False) -> RunFinished:
        """Restore the best weights, export the model when there is one, and describe the outcome."""
        exported = False
        s = self.session
        if s is not None and self._best_state is not None:
            if self.config.early_stopping.restore_best or reason is StopReason.FAILED:
                s.prepared.model.load_state_dict(self._best_state)  # a failed run keeps its last good weights
            try:
                export_model(s.prepared.model, self.run_dir, arch=self.config.model.arch, head=s.prepared.head,
                             weights=self.config.model.weights,
                             class_names=list(s.prepared.split.classes), preprocessing=s.prepared.preprocessing,
                             metrics={"best_epoch": self.best_epoch, "val_loss": self.best_val_loss,
                                      "val_accuracy": self.best_val_accuracy})
                exported = True
            except OutputError as exc:  # the same full or read-only disk, usually: say it once
                detail += " The best model could not be saved either." if input_error else f" {exc}"
            except Exception as exc:
                log.exception("export failed")
                detail += f" The model could not be saved ({exc})."
        resumable = (reason in (StopReason.CANCELLED, StopReason.FAILED) and self.folder.can_resume()
                     and not self._unresumable)
        return RunFinished(reason=reason, detail=detail, best_epoch=self.best_epoch,
                           best_val_loss=self.best_val_loss if self.best_epoch else None,
                           best_val_accuracy=self.best_val_accuracy, epochs_completed=self._epochs_completed(),
                           extra={"model_saved": exported, "input_error": input_error, "resumable": resumable})

    def _epochs_completed(self) -> int:
        if self._stop is not None and self._stop[0] is not StopReason.EARLY_STOPPED:
            return max(self.epoch - 1, 0)
        return self.epoch


def run_training(config: TrainConfig, run_dir: Path, sink: EventSink, cancel: CancelToken | None = None, *,
                 pause: CancelToken | None = None, resume: bool = False, own_process: bool = False,
                 callbacks: list[Callback] | None = None, finishers: Sequence[Finisher] = ()) -> RunFinished:
    """Train ``config`` into ``run_dir``, sending every event to ``sink``. Never raises for user errors.

    ``resume=True`` continues ``run_dir`` from its last checkpoint (``config`` is then the run's own, see
    :func:`engine.training.resume.load_run_config`). ``own_process``: this process does nothing else (the training
    child, the CLI), so the CPU threads may be set for it. ``callbacks``: extra callbacks (e.g. gradual
    unfreezing, which uses :meth:`Callback.on_epoch_start` and :meth:`Session.unfrozen`). ``finishers``: see
    :data:`Finisher`. Training alone never measures the saved model: the job that wants it does
    (:func:`engine.jobs.training_job.run_training_job`, as the window and ``python -m engine train`` do).

    Example:
        >>> cfg = TrainConfig(DataConfig("flowers"), ModelConfig("resnet18", "none"),  # doctest: +SKIP
        ...                   strategy=Strategy.FULL)
        >>> run_training(cfg, Path("runs/first"), print).reason  # doctest: +SKIP
        <StopReason.FINISHED: 'finished'>
    """
    return Trainer(config, run_dir, sink, cancel, pause, resume=resume, own_process=own_process,
                   callbacks=callbacks, finishers=finishers).run()
