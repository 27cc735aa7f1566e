"""The overfitting watch: a pure function of the epoch history, and the sentence the window shows.

Two signs, either is enough:

* validation loss rose in each of the last :data:`RISING_EPOCHS` epochs while training loss fell;
* the gap between validation and training loss is past :data:`GAP_THRESHOLD` and at least
  :data:`GAP_GROWTH` times what it was at the best epoch, with validation worse than at its best and
  training better.

With the default patience (3) the first sign shows one epoch before early stopping acts, so the banner
can say what is about to happen.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from engine.core.i18n import tr

RISING_EPOCHS = 2
GAP_THRESHOLD = 0.3  # in loss units (cross-entropy, nats)
GAP_GROWTH = 2.0


@dataclass(frozen=True, slots=True)
class EpochFigures:
    epoch: int
    train_loss: float
    val_loss: float

    @property
    def gap(self) -> float:
        return self.val_loss - self.train_loss


def detect_overfitting(history: Sequence[EpochFigures]) -> tuple[int, int] | None:
    """``(epoch where overfitting began, best epoch)``, or ``None`` when there is no sign of it.

    Example:
        >>> h = [EpochFigures(1, 1.0, 0.9), EpochFigures(2, 0.7, 0.6), EpochFigures(3, 0.5, 0.7),
        ...      EpochFigures(4, 0.3, 0.8)]
        >>> detect_overfitting(h)
        (3, 2)
    """
    if len(history) < 2:
        return None
    best_index = min(range(len(history)), key=lambda i: history[i].val_loss)
    if best_index == len(history) - 1:
        return None
    best = history[best_index]
    began = _rising_start(history, best_index)
    if began is not None:
        return began, best.epoch
    began = _gap_start(history, best_index)
    if began is not None:
        return began, best.epoch
    return None


def _rising_start(history: Sequence[EpochFigures], best_index: int) -> int | None:
    if len(history) < RISING_EPOCHS + 1:
        return None
    tail = history[-(RISING_EPOCHS + 1):]
    val_rising = all(b.val_loss > a.val_loss for a, b in itertools.pairwise(tail))
    if not (val_rising and tail[-1].train_loss < tail[0].train_loss):
        return None
    start = len(history) - 1
    while start - 1 > best_index and history[start - 1].val_loss > history[start - 2].val_loss:
        start -= 1
    return history[start].epoch


def _gap_start(history: Sequence[EpochFigures], best_index: int) -> int | None:
    best, last = history[best_index], history[-1]
    limit = max(GAP_THRESHOLD, GAP_GROWTH * max(best.gap, 0.0))
    if not (last.gap > limit and last.val_loss > best.val_loss and last.train_loss < best.train_loss):
        return None
    for figures in history[best_index + 1:]:
        if figures.gap > limit:
            return figures.epoch
    return None  # pragma: no cover - the last epoch qualifies


def overfit_message(began: int, best: int, stop_at: int | None, epochs: int) -> str:
    """What the banner says: what overfitting means here, and what happens next.

    Example:
        >>> overfit_message(3, 2, 5, 10).startswith("Overfitting began around epoch 3")
        True
    """
    text = tr("Overfitting began around epoch {began}: the model keeps getting better on its training images but "
              "worse on the validation images, so it is memorising them rather than learning what the classes look "
              "like. The best model so far (epoch {best}) is the one that will be kept.", began=began, best=best)
    if stop_at is not None and stop_at < epochs:
        text += " " + tr("Early stopping will end training at epoch {epoch} unless validation improves again.",
                         epoch=stop_at)
    elif stop_at is None:
        text += " " + tr("Early stopping is off, so training goes on: you can press Stop now without losing the "
                         "best model.")
    return text + " " + tr("Next time, more augmentation, more regularisation (weight decay, dropout, label "
                           "smoothing) or freezing more of the pretrained layers usually helps.")
