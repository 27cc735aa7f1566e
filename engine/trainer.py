"""The training loop: one run, from a config to a run folder.

``run_training`` is the single entry point used by the child process, the in-thread runner, the CLI and
the benchmarks. It never raises for things a user can cause: every outcome ends in one
:class:`~engine.events.RunFinished` with a plain sentence.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Callable

import torch
from torch import nn

import engine
from engine.callbacks import Callback, CheckpointSaver, EarlyStopping
from engine.cancel import CancelToken, NeverCancelled
from engine.config import StopReason, TrainConfig
from engine.errors import StudioError
from engine.events import BatchEnded, EpochEnded, Event, Notice, Progress, RunFinished, RunStarted
from engine.export import export_model
from engine.layers import keep_frozen_batchnorm_in_eval, parameter_groups
from engine.models import count_parameters
from engine.preparation import PreparedRun, prepare_run
from engine.runfolder import CHECKPOINTS, CONFIG, SPLIT, RunLog, save_tensors_atomic, write_json_atomic

log = logging.getLogger(__name__)

EventSink = Callable[[Event], None]
#: Per-batch events are coalesced to at most this many per second (the plots cannot show more).
BATCH_EVENTS_PER_SECOND = 10.0


class _StopRequested(Exception):
    pass


class Trainer:
    """Runs one training run. Callbacks may ask it to stop with :meth:`request_stop`."""

    def __init__(self, config: TrainConfig, run_dir: Path, sink: EventSink,
                 cancel: CancelToken | None = None) -> None:
        self.config = config
        self.run_dir = Path(run_dir)
        self._sink = sink
        self.cancel = cancel or NeverCancelled()
        self._log = RunLog(self.run_dir)
        self.callbacks: list[Callback] = [EarlyStopping(config.early_stopping), CheckpointSaver()]
        self.prepared: PreparedRun | None = None
        self.epoch = 0
        self.best_epoch = 0
        self.best_val_loss = math.inf
        self.best_val_accuracy: float | None = None
        self._best_state: dict[str, torch.Tensor] | None = None
        self._stop: tuple[StopReason, str] | None = None

    # -- public -----------------------------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        self._log.write(event)
        self._sink(event)

    def request_stop(self, reason: StopReason, detail: str) -> None:
        if self._stop is None:
            self._stop = (reason, detail)

    def save_checkpoint(self, name: str, epoch: int) -> None:
        assert self.prepared is not None
        save_tensors_atomic(self.run_dir / CHECKPOINTS / f"{name}.safetensors", self.prepared.model.state_dict(),
                            metadata={"epoch": str(epoch)})

    def run(self) -> RunFinished:
        finished: RunFinished
        try:
            self._write_config({})
            self.prepared = prepare_run(self.config, self._download_progress, self.cancel)
            self._write_config({"device": str(self.prepared.device), "num_workers": self.prepared.num_workers,
                                "weights_source": self.prepared.weights_source, "head_module": self.prepared.head,
                                "frozen_modules": self.prepared.frozen})
            write_json_atomic(self.run_dir / SPLIT, self.prepared.split.to_dict())
            finished = self._fit()
        except StudioError as exc:  # the user's input or settings: CLI exit code 2
            finished = self._finish(StopReason.FAILED, f"Training could not run: {exc}", input_error=True)
        except Exception as exc:  # noqa: BLE001 - the user gets a sentence, the log gets the traceback
            log.exception("training failed")
            finished = self._finish(StopReason.FAILED, f"Training failed because of an unexpected error ({exc}). "
                                                       "The details are in the log file.")
        for callback in self.callbacks:
            callback.on_run_end(self, finished)
        self.emit(finished)
        self._log.close()
        return finished

    # -- the loop ---------------------------------------------------------------------------------------

    def _fit(self) -> RunFinished:
        prepared = self.prepared
        assert prepared is not None
        model, optim_cfg = prepared.model, self.config.optim
        groups = parameter_groups(model, prepared.head, optim_cfg.lr, optim_cfg.pretrained_lr_ratio,
                                  optim_cfg.weight_decay, self.config.model.pretrained)
        optimizer = torch.optim.SGD(groups, lr=optim_cfg.lr, momentum=optim_cfg.momentum)
        loss_fn = nn.CrossEntropyLoss()
        self.emit(RunStarted(
            run_dir=str(self.run_dir), epochs=optim_cfg.epochs, steps_per_epoch=len(prepared.train_loader),
            train_images=len(prepared.split.train), val_images=len(prepared.split.val),
            classes=prepared.split.classes, device=str(prepared.device),
            trainable_params=count_parameters(model, trainable_only=True), total_params=count_parameters(model),
        ))
        for callback in self.callbacks:
            callback.on_run_start(self)
        try:
            for epoch in range(1, optim_cfg.epochs + 1):
                self.epoch = epoch
                started = time.perf_counter()
                train_loss, train_acc, images_per_s = self._train_epoch(optimizer, loss_fn)
                val_loss, val_acc = self._validate(loss_fn)
                event = self._epoch_event(epoch, train_loss, train_acc, val_loss, val_acc,
                                          optimizer.param_groups[0]["lr"], time.perf_counter() - started,
                                          images_per_s)
                self.emit(event)
                for callback in self.callbacks:
                    callback.on_epoch_end(self, event)
                if self._stop is not None:
                    break
        except _StopRequested:
            pass
        if self._stop is None:
            return self._finish(StopReason.FINISHED, self._finished_sentence())
        return self._finish(*self._stop)

    def _train_epoch(self, optimizer: torch.optim.Optimizer, loss_fn: nn.Module) -> tuple[float, float, float]:
        prepared = self.prepared
        assert prepared is not None
        model, device = prepared.model, prepared.device
        model.train()
        keep_frozen_batchnorm_in_eval(model)
        steps = len(prepared.train_loader)
        total_loss = torch.zeros((), device=device)
        total_correct = torch.zeros((), device=device, dtype=torch.long)
        seen = 0
        window_loss, window_correct, window_seen = total_loss.clone(), total_correct.clone(), 0
        last_emit = time.perf_counter()
        started = last_emit
        for step, batch in enumerate(prepared.train_loader, start=1):
            self._check_cancel()
            self._report_failed(batch.failed)
            if len(batch) == 0:
                continue
            images = batch.images.to(device, non_blocking=True)
            labels = batch.labels.to(device, non_blocking=True)
            logits = model(images)
            loss = loss_fn(logits, labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            n = len(batch)
            batch_loss = loss.detach() * n
            batch_correct = (logits.detach().argmax(1) == labels).sum()
            total_loss += batch_loss
            total_correct += batch_correct
            window_loss += batch_loss
            window_correct += batch_correct
            seen += n
            window_seen += n
            now = time.perf_counter()
            if now - last_emit >= 1.0 / BATCH_EVENTS_PER_SECOND or step == steps:
                # .item() synchronises with the GPU: only done when an event is actually sent.
                self._sink_batch(BatchEnded(
                    epoch=self.epoch, step=step, steps=steps, loss=window_loss.item() / window_seen,
                    accuracy=window_correct.item() / window_seen, lr=optimizer.param_groups[0]["lr"],
                    images_per_s=seen / max(now - started, 1e-9)))
                window_loss.zero_()
                window_correct.zero_()
                window_seen = 0
                last_emit = now
        elapsed = time.perf_counter() - started
        if seen == 0:
            raise StudioError("No training image could be read in this epoch.")
        loss_value = total_loss.item() / seen
        if not math.isfinite(loss_value):
            self.request_stop(StopReason.FAILED, "Training stopped because the loss became infinite or not a "
                              "number: the learning rate is probably too high; try one ten times smaller.")
            raise _StopRequested
        return loss_value, total_correct.item() / seen, seen / max(elapsed, 1e-9)

    @torch.no_grad()
    def _validate(self, loss_fn: nn.Module) -> tuple[float, float]:
        prepared = self.prepared
        assert prepared is not None
        model, device = prepared.model, prepared.device
        model.eval()
        total_loss = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.long)
        seen = 0
        for batch in prepared.val_loader:
            self._check_cancel()
            self._report_failed(batch.failed)
            if len(batch) == 0:
                continue
            images = batch.images.to(device, non_blocking=True)
            labels = batch.labels.to(device, non_blocking=True)
            logits = model(images)
            total_loss += loss_fn(logits, labels) * len(batch)
            correct += (logits.argmax(1) == labels).sum()
            seen += len(batch)
        if seen == 0:
            raise StudioError("No validation image could be read.")
        return total_loss.item() / seen, correct.item() / seen

    # -- helpers ----------------------------------------------------------------------------------------

    def _sink_batch(self, event: BatchEnded) -> None:
        # Batch events go to the live view only; events.jsonl keeps them too (the plots replay them).
        self.emit(event)

    def _epoch_event(self, epoch: int, train_loss: float, train_acc: float, val_loss: float, val_acc: float,
                     lr: float, seconds: float, images_per_s: float) -> EpochEnded:
        is_best = val_loss < self.best_val_loss
        if is_best:
            assert self.prepared is not None
            self.best_val_loss, self.best_val_accuracy, self.best_epoch = val_loss, val_acc, epoch
            self._best_state = {k: v.detach().to("cpu", copy=True) for k, v in self.prepared.model.state_dict().items()}
        return EpochEnded(epoch=epoch, train_loss=train_loss, train_accuracy=train_acc, val_loss=val_loss,
                          val_accuracy=val_acc, lr=lr, seconds=seconds, train_images_per_s=images_per_s,
                          is_best=is_best)

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            self.request_stop(StopReason.CANCELLED, self._cancelled_sentence())
            raise _StopRequested

    def _report_failed(self, failed: list[str]) -> None:
        for path in failed:
            self.emit(Notice("warning", f"The file {path} could not be read and was left out of this epoch."))

    def _download_progress(self, done: int, total: int) -> None:
        self.emit(Progress("download", float(done), float(total), "Downloading the pretrained weights"))

    def _write_config(self, resolved: dict[str, object]) -> None:
        data = self.config.to_dict()
        data["versions"] = engine.versions()
        data["resolved"] = resolved
        write_json_atomic(self.run_dir / CONFIG, data)

    def _finished_sentence(self) -> str:
        return (f"Training finished all {self.epoch} epochs; the best model (epoch {self.best_epoch}, "
                f"validation accuracy {100 * (self.best_val_accuracy or 0):.1f}%) was saved.")

    def _cancelled_sentence(self) -> str:
        if self.best_epoch:
            return (f"Training was stopped by you during epoch {self.epoch}; the best model so far "
                    f"(epoch {self.best_epoch}) was saved.")
        return "Training was stopped by you before the first epoch finished, so no model was saved."

    def _finish(self, reason: StopReason, detail: str, input_error: bool = False) -> RunFinished:
        """Restore the best weights, export the model when there is one, and describe the outcome."""
        prepared = self.prepared
        exported = False
        # A failed run (e.g. the loss became NaN) still keeps its last good weights.
        if prepared is not None and self._best_state is not None:
            if self.config.early_stopping.restore_best:
                prepared.model.load_state_dict(self._best_state)
            export_model(prepared.model, self.run_dir, arch=self.config.model.arch, head=prepared.head,
                         class_names=list(prepared.split.classes), preprocessing=prepared.preprocessing,
                         metrics={"best_epoch": self.best_epoch, "val_loss": self.best_val_loss,
                                  "val_accuracy": self.best_val_accuracy})
            exported = True
        return RunFinished(reason=reason, detail=detail, best_epoch=self.best_epoch,
                           best_val_loss=self.best_val_loss if self.best_epoch else None,
                           best_val_accuracy=self.best_val_accuracy, epochs_completed=self._epochs_completed(),
                           extra={"model_saved": exported, "input_error": input_error})

    def _epochs_completed(self) -> int:
        if self._stop is not None and self._stop[0] is StopReason.CANCELLED:
            return self.epoch - 1
        return self.epoch


def run_training(config: TrainConfig, run_dir: Path, sink: EventSink,
                 cancel: CancelToken | None = None) -> RunFinished:
    """Train ``config`` into ``run_dir``, sending every event to ``sink``. Never raises for user errors.

    Example:
        >>> cfg = TrainConfig(DataConfig("flowers"), ModelConfig("resnet18", "none"), strategy=Strategy.FULL)  # doctest: +SKIP
        >>> run_training(cfg, Path("runs/first"), print).reason  # doctest: +SKIP
        <StopReason.FINISHED: 'finished'>
    """
    return Trainer(config, run_dir, sink, cancel).run()
