"""Optimizers, learning-rate schedules, the loss and the L1 penalty.

The schedule is a pure function of *progress in epochs* (a float: 2.5 = half-way through the third epoch)
rather than of a step counter. Two things follow: halving the batch size after an out-of-memory error does
not bend the curve, and resuming needs nothing but the epoch number.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from typing import Any

import torch
from torch import nn

from engine.config import OptimConfig, OptimizerKind, ScheduleConfig, ScheduleKind

log = logging.getLogger(__name__)

#: Warm-up starts at this share of the rate.
WARMUP_START = 0.1
#: One-cycle: share of the run spent rising, and the start/end rates as fractions of the peak.
ONE_CYCLE_RISE = 0.3
ONE_CYCLE_START = 1 / 25
ONE_CYCLE_END = 1 / 25e4


def build_optimizer(groups: list[dict[str, Any]], optim: OptimConfig, device: torch.device) -> torch.optim.Optimizer:
    """The optimizer the user chose, over parameter groups that each carry their own ``lr``.

    On CUDA the fused implementation is used (one kernel for all parameters); elsewhere PyTorch picks.

    Example:
        >>> model = nn.Linear(4, 2)
        >>> opt = build_optimizer([{"params": list(model.parameters()), "lr": 0.1}], OptimConfig(),
        ...                       torch.device("cpu"))
        >>> type(opt).__name__, opt.param_groups[0]["base_lr"]
        ('SGD', 0.1)
    """
    for group in groups:
        group.setdefault("lr", optim.lr)
        group["base_lr"] = group["lr"]  # the schedule scales this, never the current value
    kwargs: dict[str, Any] = {"lr": optim.lr, "weight_decay": optim.weight_decay}
    if device.type == "cuda":
        kwargs["fused"] = True
    if optim.optimizer is OptimizerKind.SGD:
        return torch.optim.SGD(groups, momentum=optim.momentum, nesterov=optim.nesterov, **kwargs)
    if optim.optimizer is OptimizerKind.ADAM:
        return torch.optim.Adam(groups, **kwargs)
    return torch.optim.AdamW(groups, **kwargs)


def lr_factor(schedule: ScheduleConfig, progress: float, epochs: int) -> float:
    """The multiplier of the base learning rate after ``progress`` epochs of ``epochs``.

    Example:
        >>> lr_factor(ScheduleConfig(ScheduleKind.COSINE), 5.0, 10)
        0.5
        >>> lr_factor(ScheduleConfig(ScheduleKind.STEP, step_epochs=3, step_gamma=0.5), 6.2, 10)
        0.25
    """
    epochs = max(epochs, 1)
    progress = min(max(progress, 0.0), float(epochs))
    if schedule.kind is ScheduleKind.ONE_CYCLE:
        return _one_cycle(progress / epochs)
    warm = min(schedule.warmup_epochs, epochs)
    if warm > 0 and progress < warm:
        return WARMUP_START + (1 - WARMUP_START) * progress / warm
    if schedule.kind is ScheduleKind.STEP:
        return float(schedule.step_gamma ** math.floor(progress / schedule.step_epochs))
    if schedule.kind is ScheduleKind.COSINE:
        span = max(epochs - warm, 1e-9)
        return 0.5 * (1 + math.cos(math.pi * (progress - warm) / span))
    return 1.0


def _one_cycle(fraction: float) -> float:
    if fraction < ONE_CYCLE_RISE:
        t = fraction / ONE_CYCLE_RISE
        return ONE_CYCLE_START + (1 - ONE_CYCLE_START) * 0.5 * (1 - math.cos(math.pi * t))
    t = (fraction - ONE_CYCLE_RISE) / (1 - ONE_CYCLE_RISE)
    return ONE_CYCLE_END + (1 - ONE_CYCLE_END) * 0.5 * (1 + math.cos(math.pi * t))


class Schedule:
    """Sets every group's ``lr`` from its ``base_lr`` for a given progress; its state is that progress."""

    def __init__(self, optimizer: torch.optim.Optimizer, config: ScheduleConfig, epochs: int) -> None:
        self.optimizer = optimizer
        self.config = config
        self.epochs = epochs
        self.progress = 0.0

    def set_progress(self, progress: float) -> None:
        self.progress = progress
        factor = lr_factor(self.config, progress, self.epochs)
        for group in self.optimizer.param_groups:
            group["lr"] = group["base_lr"] * factor

    def lrs(self) -> list[float]:
        return [float(g["lr"]) for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        return {"progress": self.progress, "kind": self.config.kind.value}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.set_progress(float(state.get("progress", 0.0)))


def class_weights(labels: Sequence[int], num_classes: int) -> torch.Tensor:
    """Loss weights ``total / (classes * count)``: every class contributes equally to the loss.

    Example:
        >>> [round(w, 3) for w in class_weights([0, 0, 0, 1], 2).tolist()]
        [0.667, 2.0]
    """
    counts = torch.bincount(torch.as_tensor(list(labels), dtype=torch.long), minlength=num_classes).float()
    weights = counts.sum() / (num_classes * counts.clamp(min=1))
    return weights


def make_loss(num_classes: int, label_smoothing: float, weights: torch.Tensor | None,
              device: torch.device) -> nn.CrossEntropyLoss:
    """Cross-entropy with the user's label smoothing and, when asked, per-class weights."""
    return nn.CrossEntropyLoss(weight=None if weights is None else weights.to(device),
                               label_smoothing=label_smoothing)


def l1_penalty(params: Iterable[nn.Parameter]) -> torch.Tensor:
    """Sum of absolute values of the trained weight matrices/kernels (biases and norms are left alone)."""
    terms = [p.abs().sum() for p in params if p.requires_grad and p.ndim > 1]
    if not terms:
        return torch.zeros(())
    return torch.stack(terms).sum()
