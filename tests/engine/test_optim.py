"""Optimizers, learning-rate schedules, class weights and the L1 penalty."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from engine.config import OptimConfig, OptimizerKind, ScheduleConfig, ScheduleKind
from engine.core.errors import ConfigError
from engine.training.optim import Schedule, build_optimizer, class_weights, l1_penalty, lr_factor, make_loss

CPU = torch.device("cpu")


@pytest.mark.parametrize(
    ("schedule", "progress", "expected"),
    [
        (ScheduleConfig(ScheduleKind.CONSTANT), 7.3, 1.0),
        (ScheduleConfig(ScheduleKind.CONSTANT, warmup_epochs=2), 0.0, 0.1),
        (ScheduleConfig(ScheduleKind.CONSTANT, warmup_epochs=2), 1.0, 0.55),
        (ScheduleConfig(ScheduleKind.STEP, step_epochs=3, step_gamma=0.1), 2.9, 1.0),
        (ScheduleConfig(ScheduleKind.STEP, step_epochs=3, step_gamma=0.1), 3.0, 0.1),
        (ScheduleConfig(ScheduleKind.STEP, step_epochs=3, step_gamma=0.1), 9.5, 0.001),
        (ScheduleConfig(ScheduleKind.COSINE), 0.0, 1.0),
        (ScheduleConfig(ScheduleKind.COSINE), 5.0, 0.5),
        (ScheduleConfig(ScheduleKind.COSINE), 10.0, 0.0),
        (ScheduleConfig(ScheduleKind.COSINE, warmup_epochs=2), 2.0, 1.0),
        (ScheduleConfig(ScheduleKind.COSINE, warmup_epochs=2), 6.0, 0.5),
        (ScheduleConfig(ScheduleKind.ONE_CYCLE), 0.0, 1 / 25),
        (ScheduleConfig(ScheduleKind.ONE_CYCLE), 3.0, 1.0),
        (ScheduleConfig(ScheduleKind.ONE_CYCLE), 10.0, 1 / 25e4),
    ],
)
def test_schedules_follow_their_curves(schedule: ScheduleConfig, progress: float, expected: float) -> None:
    assert lr_factor(schedule, progress, 10) == pytest.approx(expected, abs=1e-9)


def test_the_schedule_scales_every_group_from_its_own_base_rate_and_resumes_from_its_state() -> None:
    head, base = nn.Linear(2, 2), nn.Linear(2, 2)
    optimizer = build_optimizer([{"params": head.parameters(), "lr": 0.1}, {"params": base.parameters(), "lr": 0.01}],
                                OptimConfig(lr=0.1), CPU)
    schedule = Schedule(optimizer, ScheduleConfig(ScheduleKind.COSINE), 4)
    schedule.set_progress(2.0)
    assert schedule.lrs() == pytest.approx([0.05, 0.005])
    again = Schedule(optimizer, ScheduleConfig(ScheduleKind.COSINE), 4)
    again.load_state_dict(schedule.state_dict())
    assert again.progress == 2.0 and again.lrs() == pytest.approx([0.05, 0.005])


@pytest.mark.parametrize(("kind", "cls"), [(OptimizerKind.SGD, torch.optim.SGD), (OptimizerKind.ADAM, torch.optim.Adam),
                                           (OptimizerKind.ADAMW, torch.optim.AdamW)])
def test_the_chosen_optimizer_is_built_with_the_chosen_settings(kind: OptimizerKind, cls: type) -> None:
    config = OptimConfig(optimizer=kind, weight_decay=0.01, momentum=0.8, nesterov=kind is OptimizerKind.SGD)
    optimizer = build_optimizer([{"params": nn.Linear(2, 2).parameters()}], config, CPU)
    assert type(optimizer) is cls
    group = optimizer.param_groups[0]
    assert group["weight_decay"] == 0.01
    if kind is OptimizerKind.SGD:
        assert group["momentum"] == 0.8 and group["nesterov"] is True


def test_nesterov_needs_sgd_with_momentum() -> None:
    with pytest.raises(ConfigError, match="Nesterov"):
        OptimConfig(optimizer=OptimizerKind.ADAM, nesterov=True)
    with pytest.raises(ConfigError, match="Label smoothing"):
        OptimConfig(label_smoothing=0.7)


def test_class_weights_make_every_class_count_equally() -> None:
    labels = [0] * 90 + [1] * 10
    weights = class_weights(labels, 2)
    assert weights.tolist() == pytest.approx([100 / 180, 100 / 20])
    counts = torch.bincount(torch.tensor(labels)).float()
    assert (weights * counts).tolist() == pytest.approx([50.0, 50.0])


def test_label_smoothing_and_weights_reach_the_loss() -> None:
    loss = make_loss(3, 0.1, torch.tensor([1.0, 2.0, 3.0]), CPU)
    assert loss.label_smoothing == 0.1 and loss.weight is not None and loss.weight.tolist() == [1.0, 2.0, 3.0]
    confident = torch.tensor([[20.0, 0.0, 0.0]])
    assert loss(confident, torch.tensor([0])).item() > 0.1, "smoothing punishes over-confidence"


def test_l1_penalty_counts_weights_not_biases() -> None:
    layer = nn.Linear(2, 2)
    with torch.no_grad():
        layer.weight.fill_(-0.5)
        layer.bias.fill_(100.0)
    assert l1_penalty(layer.parameters()).item() == pytest.approx(2.0)
    assert math.isclose(l1_penalty([]).item(), 0.0)
