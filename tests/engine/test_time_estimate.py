"""Honest time estimates (issue 13 item 2): each coming epoch is priced by what it will train, corrected as
epochs finish, and the sentence says "about" only for figures measured on the same kind of work.

A scripted clock drives the estimate (no sleeps, no timing luck); tests/engine/test_finetuning.py checks on a
real run that gradual unfreezing tells it what each epoch will train."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import torch
from torch import nn

from engine.config import DataConfig, EarlyStoppingConfig, ModelConfig, OptimConfig, Strategy, TrainConfig
from engine.run.events import EpochEnded, EpochTimeEstimate
from engine.training.callbacks.base import Callback
from engine.training.callbacks.timing import TimeEstimate
from engine.training.loop import Clock
from engine.training.time_estimate import EpochTimePlanner, EpochWork


class UnfreezeAfterWarmUp(Callback):
    """Stands in for gradual unfreezing: the base trains from epoch 2."""

    def __init__(self, base: list[nn.Parameter]) -> None:
        self.base = {id(p) for p in base}

    def trainable_in(self, trainer: Any, epoch: int, trainable: set[int]) -> set[int]:
        return trainable | self.base if epoch > 1 else trainable - self.base


class ScriptedTrainer:
    """What the time estimate sees of a trainer, with a clock the test moves by hand."""

    def __init__(self, epochs: int) -> None:
        self.time = 0.0
        model = nn.Sequential(nn.Linear(64, 64), nn.Linear(64, 2))  # the base has ~97% of the weights
        model[0].requires_grad_(False)
        self.config = TrainConfig(DataConfig("/d", image_size=32), ModelConfig("no-such-arch", "none"),
                                  OptimConfig(epochs=epochs), EarlyStoppingConfig(enabled=False),
                                  strategy=Strategy.FULL)
        self.session = SimpleNamespace(
            train_source=[None] * 10, val_source=[None] * 2, using_features=False, device=torch.device("cpu"),
            batch_size=8, prepared=SimpleNamespace(model=model, head="1", split=SimpleNamespace(
                classes=("a", "b"), train=[None] * 80, val=[None] * 16)))
        self.estimate = TimeEstimate()
        self.callbacks: list[Callback] = [UnfreezeAfterWarmUp(list(model[0].parameters())), self.estimate]
        self.clock = Clock(epochs, 0, now=lambda: self.time)
        self.epoch, self.start_epoch, self.stop_requested = 1, 1, False
        self.events: list[Any] = []

    def emit(self, event: Any) -> None:
        self.events.append(event)

    def run_epoch(self, epoch: int, seconds: float) -> None:
        self.epoch = epoch
        self.estimate.on_epoch_start(self, epoch)  # type: ignore[arg-type]
        self.time += seconds
        self.estimate.on_epoch_end(self, EpochEnded(epoch, 1.0, 0.5, 1.0, 0.5, 0.01, seconds, 1.0, False))  # type: ignore[arg-type]

    def estimates(self) -> list[EpochTimeEstimate]:
        return [e for e in self.events if isinstance(e, EpochTimeEstimate)]


def test_a_head_only_first_epoch_is_not_extrapolated_to_epochs_that_train_the_base() -> None:
    trainer = ScriptedTrainer(epochs=4)
    trainer.estimate.on_epoch_start(trainer, 1)  # type: ignore[arg-type]
    trainer.estimate.on_batches_timed(trainer, 0.5)  # type: ignore[arg-type]
    first = trainer.estimates()[0]
    warm_up, *later = first.epoch_plan
    assert first.first_epoch == 1 and len(first.epoch_plan) == 4
    assert 0.5 * 10 < warm_up < 0.5 * 12, "ten steps as timed, and two validation batches (forward only)"
    assert all(epoch > 2.5 * warm_up for epoch in later), "the base's backward pass is priced in"
    assert first.total_seconds == pytest.approx(sum(first.epoch_plan)) and not first.measured
    assert "Epoch 1 (only the new classifier): about 6 s." in first.message
    assert "Epochs 2–4 (every layer): roughly" in first.message
    assert "All 4 epochs on the cpu: roughly" in first.message
    left = trainer.clock.eta(0.5)  # what the progress line says half-way through epoch 1
    assert left == pytest.approx(warm_up / 2 + sum(later)), "the time left follows the same plan"


def test_the_estimate_is_corrected_as_epochs_finish_and_says_about_once_measured() -> None:
    trainer = ScriptedTrainer(epochs=4)
    trainer.estimate.on_epoch_start(trainer, 1)  # type: ignore[arg-type]
    trainer.estimate.on_batches_timed(trainer, 0.5)  # type: ignore[arg-type]
    trainer.time += 1.0  # the timed batches were part of epoch 1
    trainer.time += 6.5
    trainer.estimate.on_epoch_end(trainer, EpochEnded(1, 1.0, 0.5, 1.0, 0.5, 0.01, 7.5, 1.0, False))  # type: ignore[arg-type]
    after_one = trainer.estimates()[-1]
    assert after_one.first_epoch == 2 and len(after_one.epoch_plan) == 3
    assert after_one.epoch_plan[0] > trainer.estimates()[0].epoch_plan[1], "epoch 1 ran slower than its batches"
    trainer.run_epoch(2, 30.0)
    after_two = trainer.estimates()[-1]
    assert after_two.epoch_plan == (30.0, 30.0) and after_two.measured
    assert after_two.message == "One epoch should take about 30 s on the cpu; the 2 epochs left about 1 min 00 s."
    trainer.run_epoch(3, 29.0)  # as foretold (within 15%): the estimate shown stays
    assert trainer.estimates()[-1] is after_two
    trainer.run_epoch(4, 45.0)
    assert trainer.estimates()[-1] is after_two, "nothing is estimated after the last epoch"


def test_an_epoch_far_from_its_estimate_corrects_it() -> None:
    trainer = ScriptedTrainer(epochs=4)
    trainer.run_epoch(1, 8.0)  # the first epoch of its kind: the plan for epochs 2-4 is made from it
    trainer.run_epoch(2, 30.0)  # the first epoch that trains the base
    trainer.run_epoch(3, 45.0)  # 50% slower than epoch 2 said
    assert [e.first_epoch for e in trainer.estimates()] == [2, 3, 4]
    assert trainer.estimates()[-1].epoch_plan == (45.0,)


def test_pauses_do_not_count_as_training_time() -> None:
    trainer = ScriptedTrainer(epochs=3)
    trainer.estimate.on_epoch_start(trainer, 1)  # type: ignore[arg-type]
    trainer.time += 100.0  # paused for 100 s ...
    trainer.clock.paused += 100.0
    trainer.time += 6.0  # ... and trained for 6 s
    trainer.estimate.on_epoch_end(trainer, EpochEnded(1, 1.0, 0.5, 1.0, 0.5, 0.01, 106.0, 1.0, False))  # type: ignore[arg-type]
    assert trainer.estimates()[-1].epoch_plan[0] > 6.0 * 2.5
    assert trainer.estimates()[-1].epoch_plan[0] < 106.0


def test_early_stopping_makes_the_total_an_upper_bound_in_words() -> None:
    from engine.training.time_estimate import Forecast, forecast_message

    work = EpochWork("every layer", 10, 2, 3.0)
    planner = EpochTimePlanner()
    planner.batches_timed(work, 0.3)
    text = forecast_message(planner.forecast(1, [work] * 3), "cuda", early_stopping=True)
    assert text == "One epoch should take about 3 s on the cuda; all 3 epochs about 10 s (less if early stopping " \
                   "ends it sooner)."
    assert isinstance(planner.forecast(1, [work]), Forecast)
