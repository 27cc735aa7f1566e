"""The overfitting watch: say so when validation worsens while training keeps improving."""

from __future__ import annotations

from typing import Any

from engine.run.events import EpochEnded, OverfitWarning
from engine.training.callbacks.base import Callback, Trainer
from engine.training.callbacks.early_stopping import EarlyStopping
from engine.training.overfit import EpochFigures, detect_overfitting, overfit_message


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
