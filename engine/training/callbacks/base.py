"""Small callbacks in the style of Lightning: they observe the loop and may *ask* it to stop.

The trainer (engine/training/trainer.py) only drives the loop; what happens around it is a callback here:
early stopping, the overfitting watch, the best model, checkpoints, out-of-memory recovery, the time
estimate, the fine-tuning schedule. The trainer always runs every callback's ``on_run_end``, whatever the
reason the run ended. Callbacks whose state matters for resuming have ``state_dict``/``load_state_dict``
(saved in the checkpoint under the class name).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from engine.config import Monitor, StopReason, TrainConfig
from engine.run.events import EpochEnded, Event, RunFinished

if TYPE_CHECKING:
    from engine.run.folder import RunFolder
    from engine.training.loop import Clock
    from engine.training.session import Session


class Trainer(Protocol):
    """What a callback may see of the trainer and ask of it.

    A protocol rather than the ``Trainer`` class itself so that callbacks never import the module that runs
    them (that import cycle hid behind ``TYPE_CHECKING`` before; ``tests/test_architecture.py`` forbids it).
    """

    config: TrainConfig
    session: Session | None
    start_epoch: int
    epoch: int
    run_dir: Path
    callbacks: list[Callback]
    clock: Clock  # active (unpaused) time of this session
    writes_run_folder: bool  # False for the other processes of a distributed run (process 0 writes)

    @property
    def folder(self) -> RunFolder: ...

    @property
    def stop_requested(self) -> bool: ...

    def emit(self, event: Event) -> None: ...

    def request_stop(self, reason: StopReason, detail: str) -> None: ...


class Callback:
    def on_run_start(self, trainer: Trainer) -> None:
        """Called once the model and data are ready, before the first epoch."""

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        """Called before each epoch's first batch (e.g. gradual unfreezing; then call
        ``trainer.session.unfrozen()`` so the optimizer and the no-grad prefix follow)."""

    def on_batches_timed(self, trainer: Trainer, seconds_per_batch: float) -> None:
        """Called once a session's first training batches have been timed (the first batch excluded)."""

    def on_out_of_memory(self, trainer: Trainer, epoch: int) -> None:
        """Called when ``epoch`` ran out of memory; the trainer then runs the epoch again."""

    def trainable_in(self, trainer: Trainer, epoch: int, trainable: set[int]) -> set[int]:
        """Which parameters (by ``id``) will train in ``epoch``, given ``trainable`` as the callbacks before this
        one left it: a callback that changes what trains (gradual unfreezing) says how (the time estimate)."""
        return trainable

    def on_validation_end(self, trainer: Trainer, epoch: int, val_loss: float, val_accuracy: float) -> None:
        """Called after validation, before the epoch's event is made (it says what the callbacks found)."""

    def on_epoch_end(self, trainer: Trainer, event: EpochEnded) -> None:
        """Called after validation, with the epoch's figures."""

    def on_run_end(self, trainer: Trainer, finished: RunFinished) -> None:
        """Called exactly once, whatever the reason."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (resuming a run)."""


def monitored(monitor: Monitor, val_loss: float, val_accuracy: float) -> float:
    return val_loss if monitor is Monitor.VAL_LOSS else val_accuracy


def better(monitor: Monitor, value: float, best: float | None, min_delta: float = 0.0) -> bool:
    """Whether ``value`` improves on ``best`` by more than ``min_delta`` (lower loss / higher accuracy)."""
    if best is None or not math.isfinite(best):
        return math.isfinite(value)
    if monitor is Monitor.VAL_LOSS:
        return value < best - min_delta
    return value > best + min_delta


class Improvement:
    """The best monitored figure so far and its epoch: what early stopping and the best model both track.

    Early stopping counts an improvement only above ``min_delta``; the best model keeps any improvement
    (``min_delta=0``), so a slightly better epoch is saved even while the patience runs out.

    Example:
        >>> best = Improvement(Monitor.VAL_LOSS)
        >>> [best.update(epoch, loss) for epoch, loss in enumerate([1.0, 0.8, 0.9], start=1)]
        [True, True, False]
        >>> best.epoch, best.value, best.wait
        (2, 0.8, 1)
    """

    def __init__(self, monitor: Monitor, min_delta: float = 0.0) -> None:
        self.monitor, self.min_delta = monitor, min_delta
        self.value: float | None = None
        self.epoch = 0
        self.wait = 0  # epochs since the last improvement

    def update(self, epoch: int, value: float) -> bool:
        if better(self.monitor, value, self.value, self.min_delta):
            self.value, self.epoch, self.wait = value, epoch, 0
            return True
        self.wait += 1
        return False
