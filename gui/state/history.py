"""A run's history as the plots show it, rebuilt from its events: Qt-free, kept by the panel that shows it.

The Train tab keeps one for the live run and Past runs one for the replayed run (engine events read from
``events.jsonl``); :class:`gui.widgets.plots.TrainingPlots` only draws a history. What a panel reads back
(the best epoch, where overfitting began) comes from here, never from a plot.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.run.events import BatchEnded, EpochEnded, Event, OverfitWarning, RunFinished, RunStarted

#: Exponential moving average of the per-batch figures (the raw ones jump too much to read).
SMOOTHING = 0.8


class RunHistory:
    """Epochs so far, the smoothed per-batch figures, the best epoch and the overfitting warning.

    Example:
        >>> from engine.run.events import EpochEnded
        >>> history = RunHistory()
        >>> history.add([EpochEnded(1, 0.9, 0.6, 0.8, 0.6, 0.01, 1.0, 100.0, True)])
        True
        >>> history.best_epoch, [e.epoch for e in history.epochs]
        (1, [1])
    """

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        #: Per batch: x in epochs (epoch 2, step 5 of 10 is 1.5), smoothed loss, smoothed accuracy in %, rate.
        self.batch_x: list[float] = []
        self.batch_loss: list[float] = []
        self.batch_accuracy: list[float] = []
        self.batch_lr: list[float] = []
        self._epochs: list[EpochEnded] = []
        self._ema_loss: float | None = None
        self._ema_accuracy: float | None = None
        self.overfit: OverfitWarning | None = None
        self.best_epoch = 0  # 0: none yet

    @property
    def epochs(self) -> list[EpochEnded]:
        """Each epoch's figures, in order, once each (an epoch run again replaces its first attempt)."""
        return list(self._epochs)

    def add(self, events: Iterable[Event]) -> bool:
        """Take in events (live or replayed); true when something the plots show changed."""
        changed = curves = False
        for event in events:
            if isinstance(event, RunStarted):
                if not event.resumed_from_epoch:  # a resumed run continues the same history
                    self.clear()
                    changed = True
            elif isinstance(event, BatchEnded):
                self._add_batch(event)
                changed = curves = True
            elif isinstance(event, EpochEnded):
                self._epochs = [e for e in self._epochs if e.epoch < event.epoch] + [event]
                changed = curves = True
            elif isinstance(event, OverfitWarning):
                self.overfit = event
                changed = curves = True
            elif isinstance(event, RunFinished) and event.best_epoch:
                self.best_epoch = event.best_epoch
                changed = True
        if curves:
            best = [e.epoch for e in self._epochs if e.is_best]
            if best:
                self.best_epoch = best[-1]
        return changed

    def _add_batch(self, event: BatchEnded) -> None:
        x = event.epoch - 1 + event.step / max(event.steps, 1)
        while self.batch_x and self.batch_x[-1] >= x:  # an epoch run again (after running out of memory)
            for values in (self.batch_x, self.batch_loss, self.batch_accuracy, self.batch_lr):
                values.pop()
        a = SMOOTHING
        loss, accuracy = self._ema_loss, self._ema_accuracy
        self._ema_loss = event.loss if loss is None else a * loss + (1 - a) * event.loss
        self._ema_accuracy = event.accuracy if accuracy is None else a * accuracy + (1 - a) * event.accuracy
        self.batch_x.append(x)
        self.batch_loss.append(self._ema_loss)
        self.batch_accuracy.append(100 * self._ema_accuracy)
        self.batch_lr.append(event.lr)
