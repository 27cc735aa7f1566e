"""Early stopping (monitor, patience, min delta), the overfitting watch, and old event files."""

from __future__ import annotations

from typing import Any

import pytest

from engine.config import DataConfig, EarlyStoppingConfig, Monitor, OptimConfig, StopReason, TrainConfig
from engine.run.events import BatchEnded, EpochEnded, OverfitWarning, RunStarted, event_from_dict
from engine.training.callbacks.early_stopping import EarlyStopping
from engine.training.callbacks.overfit_watch import OverfitWatch
from engine.training.overfit import EpochFigures, detect_overfitting, overfit_message


class FakeTrainer:
    def __init__(self, epochs: int = 20) -> None:
        self.stopped: tuple[StopReason, str] | None = None
        self.events: list[Any] = []
        self.config = TrainConfig(DataConfig("/d"), optim=OptimConfig(epochs=epochs))

    def request_stop(self, reason: StopReason, detail: str) -> None:
        self.stopped = (reason, detail)

    def emit(self, event: Any) -> None:
        self.events.append(event)


def _epoch(epoch: int, val_loss: float, val_acc: float = 0.5, train_loss: float = 1.0) -> EpochEnded:
    return EpochEnded(epoch, train_loss, 0.5, val_loss, val_acc, 0.01, 1.0, 10.0, False)


def _feed(stopping: EarlyStopping, trainer: FakeTrainer, figures: list[tuple[float, float]]) -> int | None:
    for epoch, (loss, acc) in enumerate(figures, start=1):
        stopping.update(epoch, loss, acc)
        stopping.on_epoch_end(trainer, _epoch(epoch, loss, acc))  # type: ignore[arg-type]
        if trainer.stopped:
            return epoch
    return None


@pytest.mark.parametrize(
    ("config", "figures", "stops_at"),
    [
        (EarlyStoppingConfig(patience=2), [(1.0, 0), (0.9, 0), (0.95, 0), (0.91, 0)], 4),
        (EarlyStoppingConfig(patience=2, min_delta=0.2), [(1.0, 0), (0.9, 0), (0.85, 0)], 3),
        (EarlyStoppingConfig(patience=2, monitor=Monitor.VAL_ACCURACY), [(1.0, 0.5), (2.0, 0.6), (3.0, 0.7)], None),
        (EarlyStoppingConfig(patience=1, monitor=Monitor.VAL_ACCURACY), [(0.5, 0.8), (0.4, 0.8)], 2),
        (EarlyStoppingConfig(enabled=False, patience=1), [(1.0, 0), (2.0, 0), (3.0, 0)], None),
    ],
)
def test_early_stopping_watches_what_it_is_told(config: EarlyStoppingConfig, figures: list[tuple[float, float]],
                                                stops_at: int | None) -> None:
    trainer = FakeTrainer()
    assert _feed(EarlyStopping(config), trainer, figures) == stops_at
    if stops_at is not None:
        assert trainer.stopped is not None and trainer.stopped[0] is StopReason.EARLY_STOPPED
        what = "validation accuracy" if config.monitor is Monitor.VAL_ACCURACY else "validation loss"
        assert what in trainer.stopped[1]


def test_early_stopping_state_survives_a_resume() -> None:
    first = EarlyStopping(EarlyStoppingConfig(patience=3))
    _feed(first, FakeTrainer(), [(1.0, 0), (0.5, 0), (0.7, 0)])
    second = EarlyStopping(EarlyStoppingConfig(patience=3))
    second.load_state_dict(first.state_dict())
    assert (second.best, second.best_epoch, second.wait) == (0.5, 2, 1)


def _history(*rows: tuple[float, float]) -> list[EpochFigures]:
    return [EpochFigures(i, train, val) for i, (train, val) in enumerate(rows, start=1)]


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        (_history((1.0, 1.0), (0.8, 0.8), (0.6, 0.7)), None),  # still improving
        (_history((1.0, 1.0), (0.8, 0.8), (0.6, 0.85), (0.5, 0.9)), (3, 2)),  # val up twice, train down
        (_history((1.0, 1.0), (0.8, 0.8), (0.9, 0.85), (1.0, 0.9)), None),  # both worse: not overfitting
        (_history((1.0, 1.0), (0.8, 0.8), (0.7, 0.85), (0.6, 0.84), (0.5, 0.86), (0.4, 0.9)), (5, 2)),
        (_history((1.0, 1.0), (0.5, 0.6), (0.1, 0.65)), (3, 2)),  # the gap widened past the threshold
        (_history((1.0, 1.0), (0.5, 0.6), (0.45, 0.62)), None),  # a small wobble is not overfitting
    ],
)
def test_overfitting_is_detected_from_the_history(history: list[EpochFigures],
                                                  expected: tuple[int, int] | None) -> None:
    assert detect_overfitting(history) == expected


def test_the_overfitting_banner_says_what_happens_next() -> None:
    text = overfit_message(4, 3, 6, 20)
    assert "began around epoch 4" in text and "(epoch 3)" in text
    assert "Early stopping will end training at epoch 6" in text and "more augmentation" in text
    assert "press Stop now" in overfit_message(4, 3, None, 20)


def test_the_watch_warns_once_per_episode() -> None:
    trainer = FakeTrainer()
    stopping = EarlyStopping(EarlyStoppingConfig(patience=3))
    watch = OverfitWatch(stopping)
    for epoch, (train, val) in enumerate([(1.0, 1.0), (0.8, 0.8), (0.6, 0.85), (0.5, 0.9), (0.4, 0.95)], 1):
        stopping.update(epoch, val, 0.5)  # as the trainer does before the epoch's event
        watch.on_epoch_end(trainer, _epoch(epoch, val, train_loss=train))  # type: ignore[arg-type]
    warnings = [e for e in trainer.events if isinstance(e, OverfitWarning)]
    assert [(w.began_epoch, w.best_epoch) for w in warnings] == [(3, 2)]
    assert "epoch 5 unless validation improves" in warnings[0].message


def test_events_written_by_the_first_version_still_load() -> None:
    old_started = {"type": "RunStarted", "run_dir": "r", "epochs": 2, "steps_per_epoch": 3, "train_images": 6,
                   "val_images": 2, "classes": ["a", "b"], "device": "cpu", "trainable_params": 1, "total_params": 2}
    old_batch = {"type": "BatchEnded", "epoch": 1, "step": 1, "steps": 3, "loss": 0.5, "accuracy": 0.5, "lr": 0.01,
                 "images_per_s": 10.0}
    old_epoch = {"type": "EpochEnded", "epoch": 1, "train_loss": 0.5, "train_accuracy": 0.5, "val_loss": 0.6,
                 "val_accuracy": 0.5, "lr": 0.01, "seconds": 1.0, "train_images_per_s": 10.0, "is_best": True}
    started = event_from_dict(old_started)
    assert isinstance(started, RunStarted) and started.classes == ("a", "b") and started.resumed_from_epoch == 0
    batch = event_from_dict(old_batch)
    assert isinstance(batch, BatchEnded) and batch.eta_s is None and batch.gpu_memory_mb is None
    epoch = event_from_dict(old_epoch)
    assert isinstance(epoch, EpochEnded) and epoch.stale_epochs == 0
