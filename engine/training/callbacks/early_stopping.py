"""Early stopping: stop when the monitored figure has stopped improving (cf. Lightning's ``EarlyStopping``)."""

from __future__ import annotations

from typing import Any

from engine.config import EarlyStoppingConfig, Monitor, StopReason
from engine.core.i18n import trn
from engine.run.events import EpochEnded
from engine.training.callbacks.base import Callback, Improvement, Trainer


class EarlyStopping(Callback):
    """Asks to stop when the monitored figure has not improved by ``min_delta`` for ``patience`` epochs.

    :meth:`update` runs before the epoch's event goes out (so the event can say how many epochs have passed
    without improvement); :meth:`on_epoch_end` then decides.
    """

    def __init__(self, config: EarlyStoppingConfig) -> None:
        self.config = config
        self._best = Improvement(config.monitor, config.min_delta)

    @property
    def best(self) -> float | None:
        return self._best.value

    @property
    def best_epoch(self) -> int:
        return self._best.epoch

    @property
    def wait(self) -> int:
        return self._best.wait

    def update(self, epoch: int, val_loss: float, val_accuracy: float) -> int:
        """Count epoch ``epoch``; returns the epochs since the last improvement."""
        self._best.update(epoch, val_loss if self.config.monitor is Monitor.VAL_LOSS else val_accuracy)
        return self.wait

    def on_validation_end(self, trainer: Trainer, epoch: int, val_loss: float, val_accuracy: float) -> None:
        self.update(epoch, val_loss, val_accuracy)

    @property
    def stop_epoch(self) -> int:
        """The epoch at which training will stop if nothing improves from now on."""
        return self.best_epoch + self.config.patience

    def on_epoch_end(self, trainer: Trainer, event: EpochEnded) -> None:
        if self.config.enabled and self.wait >= self.config.patience:
            if self.config.monitor is Monitor.VAL_LOSS:
                reason = trn("Stopped early at epoch {epoch} because the validation loss had not improved for "
                             "{n:,} epoch (best at epoch {best}); more training would most likely only memorise "
                             "the training images.",
                             "Stopped early at epoch {epoch} because the validation loss had not improved for "
                             "{n:,} epochs (best at epoch {best}); more training would most likely only memorise "
                             "the training images.", self.wait, epoch=event.epoch, best=self.best_epoch)
            else:
                reason = trn("Stopped early at epoch {epoch} because the validation accuracy had not improved for "
                             "{n:,} epoch (best at epoch {best}); more training would most likely only memorise "
                             "the training images.",
                             "Stopped early at epoch {epoch} because the validation accuracy had not improved for "
                             "{n:,} epochs (best at epoch {best}); more training would most likely only memorise "
                             "the training images.", self.wait, epoch=event.epoch, best=self.best_epoch)
            trainer.request_stop(StopReason.EARLY_STOPPED, reason)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._best.value = state.get("best")
        self._best.epoch, self._best.wait = int(state["best_epoch"]), int(state["wait"])
