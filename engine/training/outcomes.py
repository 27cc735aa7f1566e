"""The sentences a training run ends with: what happened, and what can be done now, true to what is on disk.

A sentence may only promise what the run folder holds: "continue the run" only when there is a checkpoint to
continue from, "the best model was saved" only when one was.
"""

from __future__ import annotations

from pathlib import Path

from engine.core.run_layout import RunLayout
from engine.core.words import plural
from engine.run.listing import saved_model_label
from engine.training.checkpoint import CheckpointError, load_checkpoint

CANCELLED_BEFORE_START = "Training was stopped by you before the first epoch began, so no model was saved."


def finished_sentence(epochs: int, best_epoch: int, best_val_accuracy: float | None) -> str:
    """The figure is labelled as the saved model's (engine/run/listing.py), never as "best accuracy".

    Example:
    >>> finished_sentence(10, 7, 0.9)
    'Training finished all 10 epochs; saved model (epoch 7): val. accuracy 90.0%.'
    """
    done = f"all {plural(epochs, 'epoch')}" if epochs != 1 else "its 1 epoch"
    return f"Training finished {done}; {saved_model_label(best_epoch, best_val_accuracy or 0)}."


def cancelled_sentence(epoch: int, best_epoch: int) -> str:
    if best_epoch:
        return (f"Training was stopped by you during epoch {epoch}; the best model so far "
                f"(epoch {best_epoch}) was saved. You can continue this run later.")
    return "Training was stopped by you before the first epoch finished, so no model was saved."


def nonfinite_sentence(lr: float, best_epoch: int) -> str:
    text = ("Training stopped because the loss became infinite or not a number: the learning rate is "
            f"probably too high; try {lr / 10:.3g} (ten times smaller) or use the learning-rate finder.")
    if best_epoch:
        return text + f" The last good weights (best: epoch {best_epoch}) were kept."
    return text + " No epoch had finished, so no model was saved."


def resume_failed_sentence(why: str, run_dir: Path) -> str:
    """A resume that could not read what it continues from (``why``); nothing was written."""
    return (f"This run could not be continued, and nothing in it was changed: {why} To train further, "
            f"{_instead_of_resume(run_dir)}")


def _instead_of_resume(run_dir: Path) -> str:
    best = RunLayout(run_dir).best_checkpoint
    if best.is_file():
        try:
            load_checkpoint(best)
        except CheckpointError:
            pass
        else:
            return (f"start a new run from its best checkpoint with the same settings (weights file: {best}), "
                    "or start the run again with the same settings.")
    return "start the run again with the same settings."
