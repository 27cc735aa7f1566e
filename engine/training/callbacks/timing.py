"""The time estimate: how long an epoch and the whole run will take, from the first timed batches."""

from __future__ import annotations

from engine.run.events import EpochTimeEstimate
from engine.training.callbacks.base import Callback, Trainer
from engine.training.device import estimate_message, should_offer_fast_path

#: Validation of a batch costs about this share of a training step (forward only).
VALIDATION_COST = 0.35


class TimeEstimate(Callback):
    """Emits an :class:`EpochTimeEstimate` once the first batches of a session have been timed."""

    def on_batches_timed(self, trainer: Trainer, seconds_per_batch: float) -> None:
        s = trainer.session
        assert s is not None
        per_batch = seconds_per_batch
        remaining = trainer.config.optim.epochs - trainer.epoch + 1
        epoch_s = per_batch * (len(s.train_source) + VALIDATION_COST * len(s.val_source))
        total_s = epoch_s * remaining
        fast: float | None = None
        if should_offer_fast_path(s.device, total_s, s.using_features, trainer.config.model.pretrained):
            images = len(s.prepared.split.train) + len(s.prepared.split.val)
            forward_share = 1.0 if s.prefix is not None and s.prefix.names else VALIDATION_COST
            fast = per_batch / s.batch_size * images * forward_share
        trainer.emit(EpochTimeEstimate(epoch_seconds=epoch_s, total_seconds=total_s, device=str(s.device),
                                       message=estimate_message(epoch_s, total_s, remaining, str(s.device), fast),
                                       fast_path_seconds=fast))
