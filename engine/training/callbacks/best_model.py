"""The best model: which epoch was best by the monitored figure, its weights, and the saved model at the end.

Lightning's ``ModelCheckpoint(monitor=...)`` keeps the best weights on disk; here they are kept in memory as
well (restoring them at the end must not depend on a disk that may have filled), and ``best.safetensors`` is
written by :class:`~engine.training.callbacks.checkpoint.CheckpointSaver`.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import torch

from engine.config import Monitor, StopReason
from engine.core.errors import OutputError
from engine.core.i18n import tr
from engine.models.saved import export_model
from engine.models.sources import weights_origin
from engine.training.callbacks.base import Callback, Improvement, Trainer, monitored

if TYPE_CHECKING:
    from engine.training.resume import BestSoFar

log = logging.getLogger(__name__)


class BestModel(Callback):
    """Tracks the best epoch (any improvement counts, unlike early stopping's ``min_delta``) and its weights."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self._best = Improvement(monitor)
        self.val_loss = math.inf
        self.val_accuracy: float | None = None
        self.state: dict[str, torch.Tensor] | None = None
        self.is_best = False  # the epoch just validated is the best so far

    @property
    def epoch(self) -> int:
        return self._best.epoch

    @property
    def score(self) -> float | None:
        return self._best.value

    def on_validation_end(self, trainer: Trainer, epoch: int, val_loss: float, val_accuracy: float) -> None:
        self.is_best = self._best.update(epoch, monitored(self.monitor, val_loss, val_accuracy))
        if self.is_best:
            assert trainer.session is not None
            self.val_loss, self.val_accuracy = val_loss, val_accuracy
            model = trainer.session.prepared.model
            self.state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}

    def restore(self, best: BestSoFar) -> None:
        """Continue from a resumed run's best so far (engine/training/resume.py)."""
        self._best.epoch, self._best.value, self.state = best.epoch, best.score, best.state
        self.val_loss, self.val_accuracy = best.val_loss, best.val_accuracy

    def figures(self) -> dict[str, object]:
        """The best-so-far figures as the resumable checkpoint records them (key ``"best"``)."""
        return {"epoch": self.epoch, "score": self.score, "val_loss": self.val_loss,
                "val_accuracy": self.val_accuracy}

    def save_model(self, trainer: Trainer, reason: StopReason, detail: str, input_error: bool) -> tuple[bool, str]:
        """Put the best weights back (when asked, and always after a failure) and write ``model/``.

        Returns whether the model was saved, and ``detail`` with what went wrong said once.
        """
        s = trainer.session
        if s is None or self.state is None or not trainer.writes_run_folder:
            return False, detail
        if trainer.config.early_stopping.restore_best or reason is StopReason.FAILED:
            s.prepared.model.load_state_dict(self.state)  # a failed run keeps its last good weights
        try:
            model = trainer.config.model
            export_model(s.prepared.model, trainer.run_dir, arch=model.arch, head=s.prepared.head,
                         origin=weights_origin(model.arch, model.weights),
                         class_names=list(s.prepared.split.classes), preprocessing=s.prepared.preprocessing,
                         metrics={"best_epoch": self.epoch, "val_loss": self.val_loss,
                                  "val_accuracy": self.val_accuracy})
            return True, detail
        except OutputError as exc:  # the same full or read-only disk, usually: say it once
            return False, detail + (" " + tr("The best model could not be saved either.") if input_error else f" {exc}")
        except Exception as exc:
            log.exception("export failed")
            return False, detail + " " + tr("The model could not be saved ({error}).", error=exc)
