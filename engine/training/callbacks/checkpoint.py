"""Checkpoints as a callback: ``best.safetensors`` when the monitored figure improves, then the resumable
``last.safetensors`` after every epoch (the file formats are engine/training/checkpoint.py's)."""

from __future__ import annotations

from typing import Any

from engine.run.events import EpochEnded
from engine.training.callbacks.base import Callback, Trainer
from engine.training.callbacks.best_model import BestModel
from engine.training.checkpoint import save_checkpoint, save_weights


class CheckpointSaver(Callback):
    """Writes the best weights and the resumable state; :meth:`save_last` also before the first epoch (what an
    out-of-memory retry of epoch 1, or a resume after a crash, starts from)."""

    def __init__(self, best: BestModel) -> None:
        self.best = best

    def on_epoch_end(self, trainer: Trainer, event: EpochEnded) -> None:
        if not trainer.writes_run_folder:
            return
        if event.is_best:
            self.save_best(trainer, event)
        self.save_last(trainer, event.epoch)

    def save_last(self, trainer: Trainer, epoch: int) -> None:
        """The resumable checkpoint for the end of ``epoch`` (0: before the first)."""
        s = trainer.session
        assert s is not None
        state: dict[str, Any] = {
            "epoch": epoch, "batch_size": s.batch_size, "schedule": s.schedule.state_dict(),
            "scaler": s.scaler.state_dict() if s.scaler.is_enabled() else None,
            "best": self.best.figures(),
            "callbacks": {type(cb).__name__: cb.state_dict() for cb in trainer.callbacks},
        }
        save_checkpoint(trainer.folder.last_checkpoint, s.prepared.model, s.optimizer, state)

    def save_best(self, trainer: Trainer, event: EpochEnded) -> None:
        assert trainer.session is not None
        save_weights(trainer.folder.best_checkpoint, trainer.session.prepared.model,
                     {"epoch": str(event.epoch), "val_loss": repr(event.val_loss),
                      "val_accuracy": repr(event.val_accuracy), "score": repr(self.best.score)})
