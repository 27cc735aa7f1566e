"""RunHistory: what the plots draw and the Train tab reads (the best epoch, overfitting), from engine events."""

from __future__ import annotations

import pytest

from engine.config import StopReason
from engine.run.events import BatchEnded, EpochEnded, Notice, OverfitWarning, RunFinished, RunStarted
from gui.state import RunHistory

STARTED = RunStarted("r", 10, 4, 40, 10, ("a", "b"), "cpu", 10, 100)


def _batches(epoch: int, steps: int = 4) -> list[BatchEnded]:
    return [BatchEnded(epoch, s, steps, 1.0 / (epoch + s), 0.5, 0.01 / epoch, 100.0) for s in range(1, steps + 1)]


def _epoch(epoch: int, val: float, best: bool = False) -> EpochEnded:
    return EpochEnded(epoch, 1.0 / epoch, 0.6, val, 0.5, 0.01, 1.0, 100.0, best)


def test_epochs_and_batches_are_kept_in_order_and_the_best_epoch_follows_them() -> None:
    history = RunHistory()
    for epoch in range(1, 4):
        assert history.add([*_batches(epoch), _epoch(epoch, 1.0 / epoch, best=epoch < 3)])
    assert [e.epoch for e in history.epochs] == [1, 2, 3]
    assert history.best_epoch == 2
    assert len(history.batch_x) == 12 and history.batch_x == sorted(history.batch_x)
    assert history.batch_x[:4] == [0.25, 0.5, 0.75, 1.0]
    assert history.batch_accuracy[0] == 50.0  # percent
    assert history.batch_lr[-1] == 0.01 / 3


def test_the_per_batch_figures_are_smoothed() -> None:
    history = RunHistory()
    history.add([BatchEnded(1, 1, 2, 1.0, 0.0, 0.1, 10.0), BatchEnded(1, 2, 2, 0.0, 1.0, 0.1, 10.0)])
    assert history.batch_loss == pytest.approx([1.0, 0.8]) and history.batch_accuracy == pytest.approx([0.0, 20.0])


def test_a_retried_epoch_replaces_its_first_attempt() -> None:
    history = RunHistory()
    history.add([STARTED, *_batches(1), _epoch(1, 0.9, True), *_batches(2, 4)[:2]])
    history.add([*_batches(2, 8)])  # epoch 2 again with half the batch size (out of memory)
    assert history.batch_x == sorted(history.batch_x) and len(history.batch_x) == 4 + 8
    history.add([_epoch(2, 0.8, True), _epoch(2, 0.7, True)])
    assert [(e.epoch, e.val_loss) for e in history.epochs] == [(1, 0.9), (2, 0.7)]


def test_a_resumed_run_continues_the_history_and_a_new_run_starts_afresh() -> None:
    history = RunHistory()
    history.add([STARTED, _epoch(1, 0.9, True), OverfitWarning(1, 1, "…")])
    resumed = RunStarted("r", 10, 4, 40, 10, ("a", "b"), "cpu", 10, 100, resumed_from_epoch=1)
    history.add([resumed, _epoch(2, 0.8, True)])
    assert [e.epoch for e in history.epochs] == [1, 2] and history.overfit is not None
    assert history.add([STARTED])
    assert history.epochs == [] and history.batch_x == [] and history.overfit is None and history.best_epoch == 0


def test_the_best_epoch_of_the_end_and_overfitting_are_kept() -> None:
    history = RunHistory()
    history.add([STARTED, _epoch(1, 1.0), _epoch(2, 0.6), _epoch(3, 0.7)])
    assert history.best_epoch == 0  # no epoch was flagged best
    warning = OverfitWarning(3, 2, "Overfitting began around epoch 3.")
    history.add([warning])
    assert history.overfit == warning
    assert history.add([RunFinished(StopReason.EARLY_STOPPED, "…", best_epoch=2)])
    assert history.best_epoch == 2


def test_events_that_draw_nothing_change_nothing() -> None:
    history = RunHistory()
    history.add([STARTED, _epoch(1, 1.0, True)])
    assert not history.add([Notice("info", "note"), RunFinished(StopReason.CANCELLED, "…")])
    assert [e.epoch for e in history.epochs] == [1] and history.best_epoch == 1
