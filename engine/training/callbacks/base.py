"""Small callbacks in the style of Lightning: they observe the loop and may *ask* it to stop.

The trainer always runs every callback's ``on_run_end``, whatever the reason the run ended. Callbacks
whose state matters for resuming have ``state_dict``/``load_state_dict`` (saved in the checkpoint).
"""

from __future__ import annotations

from engine.core.words import plural
import math
from typing import TYPE_CHECKING, Any, Protocol

from engine.config import EarlyStoppingConfig, Monitor, StopReason, TrainConfig
from engine.run.events import EpochEnded, Event, OverfitWarning, RunFinished
from engine.training.overfit import EpochFigures, detect_overfitting, overfit_message

if TYPE_CHECKING:
    from engine.training.session import Session


class Trainer(Protocol):
    """What a callback may see of the trainer and ask of it.

    A protocol rather than the ``Trainer`` class itself so that callbacks never import the module that runs
    them (that import cycle hid behind ``TYPE_CHECKING`` before; ``tests/test_architecture.py`` forbids it).
    """

    config: TrainConfig
    session: Session | None
    start_epoch: int

    def emit(self, event: Event) -> None: ...

    def request_stop(self, reason: StopReason, detail: str) -> None: ...

    def save_best(self, event: EpochEnded) -> None: ...

    def save_last(self, epoch: int) -> None: ...


class Callback:
    def on_run_start(self, trainer: Trainer) -> None:
        """Called once the model and data are ready, before the first epoch."""

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        """Called before each epoch's first batch (e.g. gradual unfreezing; then call
        ``trainer.session.unfrozen()`` so the optimizer and the no-grad prefix follow)."""

    def on_epoch_end(self, trainer: Trainer, event: EpochEnded) -> None:
        """Called after validation, with the epoch's figures."""

    def on_run_end(self, trainer: Trainer, finished: RunFinished) -> None:
        """Called exactly once, whatever the reason."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (resuming a run)."""


def monitored(monitor: Monitor, val_loss: float, val_accuracy: float) -> float:
    return val_loss if monitor is Monitor.VAL_LOSS else val_accuracy


def better(monitor: Monitor, value: float, best: float | None, min_delta: float = 0.0) -> bool:
    """Whether ``value`` improves on ``best`` by more than ``min_delta`` (lower loss / higher accuracy)."""
    if best is None or not math.isfinite(best):
        return math.isfinite(value)
    if monitor is Monitor.VAL_LOSS:
        return value < best - min_delta
    return value > best + min_delta


class EarlyStopping(Callback):
    """Asks to stop when the monitored figure has not improved by ``min_delta`` for ``patience`` epochs.

    :meth:`update` is called by the trainer before the epoch's event goes out (so the event can say how many
    epochs have passed without improvement); :meth:`on_epoch_end` then decides.
    """

    def __init__(self, config: EarlyStoppingConfig) -> None:
        self.config = config
        self.best: float | None = None
        self.best_epoch = 0
        self.wait = 0

    def update(self, epoch: int, val_loss: float, val_accuracy: float) -> int:
        value = monitored(self.config.monitor, val_loss, val_accuracy)
        if better(self.config.monitor, value, self.best, self.config.min_delta):
            self.best, self.best_epoch, self.wait = value, epoch, 0
        else:
            self.wait += 1
        return self.wait

    @property
    def stop_epoch(self) -> int:
        """The epoch at which training will stop if nothing improves from now on."""
        return self.best_epoch + self.config.patience

    def on_epoch_end(self, trainer: Trainer, event: EpochEnded) -> None:
        if self.config.enabled and self.wait >= self.config.patience:
            what = "validation loss" if self.config.monitor is Monitor.VAL_LOSS else "validation accuracy"
            trainer.request_stop(
                StopReason.EARLY_STOPPED,
                f"Stopped early at epoch {event.epoch} because the {what} had not improved for "
                f"{plural(self.wait, 'epoch')} (best at epoch {self.best_epoch}); "
                "more training would most likely only memorise the training images.",
            )

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch, self.wait = state.get("best"), int(state["best_epoch"]), int(state["wait"])


class CheckpointSaver(Callback):
    """Writes ``best.safetensors`` when the monitored figure improves, then the resumable ``last``."""

    def on_epoch_end(self, trainer: Trainer, event: EpochEnded) -> None:
        if event.is_best:
            trainer.save_best(event)
        trainer.save_last(event.epoch)


class OverfitWatch(Callback):
    """Emits an :class:`OverfitWarning` when validation worsens while training improves (once per episode)."""

    def __init__(self, early_stopping: EarlyStopping) -> None:
        self.history: list[EpochFigures] = []
        self.reported: tuple[int, int] | None = None
        self.early_stopping = early_stopping

    def on_epoch_end(self, trainer: Trainer, event: EpochEnded) -> None:
        self.history.append(EpochFigures(event.epoch, event.train_loss, event.val_loss))
        found = detect_overfitting(self.history)
        if found is None or found == self.reported:
            return
        if self.reported is not None and found[1] == self.reported[1]:
            return  # the same episode, seen again a little differently
        self.reported = found
        began, best = found
        stopping = self.early_stopping
        stop_at = stopping.stop_epoch if stopping.config.enabled else None
        trainer.emit(OverfitWarning(began_epoch=began, best_epoch=best,
                                    message=overfit_message(began, best, stop_at, trainer.config.optim.epochs)))

    def state_dict(self) -> dict[str, Any]:
        return {"history": [[f.epoch, f.train_loss, f.val_loss] for f in self.history],
                "reported": list(self.reported) if self.reported else None}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = [EpochFigures(int(e), float(t), float(v)) for e, t, v in state.get("history", [])]
        reported = state.get("reported")
        self.reported = (int(reported[0]), int(reported[1])) if reported else None
