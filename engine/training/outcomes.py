"""The sentences a training run ends with: what happened, and what can be done now, true to what is on disk.

A sentence may only promise what the run folder holds: "continue the run" only when there is a checkpoint to
continue from, "the best model was saved" only when one was.
"""

from __future__ import annotations

from pathlib import Path

from engine.core.i18n import tr, tr_later, trn
from engine.core.run_layout import RunLayout
from engine.run.listing import saved_model_label
from engine.training.checkpoint import CheckpointError, load_checkpoint

#: Translated where it is shown: ``tr(CANCELLED_BEFORE_START)``.
CANCELLED_BEFORE_START = tr_later("Training was stopped by you before the first epoch began, so no model was saved.")


def finished_sentence(epochs: int, best_epoch: int, best_val_accuracy: float | None) -> str:
    """The figure is labelled as the saved model's (engine/run/listing.py), never as "best accuracy".

    Example:
    >>> finished_sentence(10, 7, 0.9)
    'Training finished all 10 epochs; saved model (epoch 7): val. accuracy 90.0%.'
    """
    label = saved_model_label(best_epoch, best_val_accuracy or 0)
    if epochs == 1:
        return tr("Training finished its 1 epoch; {saved_model}.", saved_model=label)
    return trn("Training finished all {n:,} epoch; {saved_model}.",
               "Training finished all {n:,} epochs; {saved_model}.", epochs, saved_model=label)


def cancelled_sentence(epoch: int, best_epoch: int) -> str:
    if best_epoch:
        return tr("Training was stopped by you during epoch {epoch}; the best model so far (epoch {best}) was "
                  "saved. You can continue this run later.", epoch=epoch, best=best_epoch)
    return tr("Training was stopped by you before the first epoch finished, so no model was saved.")


def nonfinite_sentence(lr: float, best_epoch: int) -> str:
    text = tr("Training stopped because the loss became infinite or not a number: the learning rate is probably "
              "too high; try {lr:.3g} (ten times smaller) or use the learning-rate finder.", lr=lr / 10)
    if best_epoch:
        return text + " " + tr("The last good weights (best: epoch {best}) were kept.", best=best_epoch)
    return text + " " + tr("No epoch had finished, so no model was saved.")


def resume_failed_sentence(why: str, run_dir: Path) -> str:
    """A resume that could not read what it continues from (``why``); nothing was written."""
    if _best_checkpoint_readable(run_dir):
        return tr("This run could not be continued, and nothing in it was changed: {why} To train further, start "
                  "a new run from its best checkpoint with the same settings (weights file: {weights}), or start "
                  "the run again with the same settings.", why=why, weights=RunLayout(run_dir).best_checkpoint)
    return tr("This run could not be continued, and nothing in it was changed: {why} To train further, start the "
              "run again with the same settings.", why=why)


def _best_checkpoint_readable(run_dir: Path) -> bool:
    best = RunLayout(run_dir).best_checkpoint
    if not best.is_file():
        return False
    try:
        load_checkpoint(best)
    except CheckpointError:
        return False
    return True
