"""Small callbacks in the style of Lightning: they observe the loop and may *ask* it to stop.

The trainer always runs every callback's ``on_run_end``, whatever the reason the run ended.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from engine.config import EarlyStoppingConfig, StopReason
from engine.events import EpochEnded, RunFinished

if TYPE_CHECKING:
    from engine.trainer import Trainer


class Callback:
    def on_run_start(self, trainer: Trainer) -> None:
        """Called once the model and data are ready, before the first epoch."""

    def on_epoch_end(self, trainer: Trainer, event: EpochEnded) -> None:
        """Called after validation, with the epoch's figures."""

    def on_run_end(self, trainer: Trainer, finished: RunFinished) -> None:
        """Called exactly once, whatever the reason."""


class EarlyStopping(Callback):
    """Asks to stop when validation loss has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(self, config: EarlyStoppingConfig) -> None:
        self.config = config
        self.best = math.inf
        self.best_epoch = 0
        self.wait = 0

    def on_epoch_end(self, trainer: Trainer, event: EpochEnded) -> None:
        if event.val_loss < self.best - self.config.min_delta:
            self.best = event.val_loss
            self.best_epoch = event.epoch
            self.wait = 0
            return
        self.wait += 1
        if self.config.enabled and self.wait >= self.config.patience:
            trainer.request_stop(
                StopReason.EARLY_STOPPED,
                f"Stopped early at epoch {event.epoch} because the validation loss had not improved for "
                f"{self.wait} epoch{'s' if self.wait != 1 else ''} (best at epoch {self.best_epoch}); "
                "more training would most likely only memorise the training images.",
            )


class CheckpointSaver(Callback):
    """Writes ``checkpoints/last.safetensors`` every epoch and ``best.safetensors`` when validation improves."""

    def on_epoch_end(self, trainer: Trainer, event: EpochEnded) -> None:
        trainer.save_checkpoint("last", event.epoch)
        if event.is_best:
            trainer.save_checkpoint("best", event.epoch)
