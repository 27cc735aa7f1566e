"""Helpers for the training tests: tiny configs, a locally made "pretrained" weights file, event collectors.

Pretrained ImageNet weights cannot be downloaded in tests: an architecture's random initialisation saved as
a weights file stands in for them. Use ResNet-18 where the frozen base's features matter (MobileNetV3's
random features collapse to almost nothing in evaluation mode); MobileNetV3-small otherwise (fast).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
import torchvision
from safetensors.torch import save_file

from engine.config import (
    DataConfig,
    Device,
    EarlyStoppingConfig,
    ModelConfig,
    OptimConfig,
    Strategy,
    TrainConfig,
)
from engine.run.events import Event

ARCH = "mobilenet_v3_small"


def make_pretrained_file(path: Path, arch: str = ARCH, seed: int = 0) -> Path:
    """A stand-in for downloaded ImageNet weights: the architecture's random init, saved as safetensors."""
    torch.manual_seed(seed)
    model = torchvision.models.get_model(arch, weights=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return path


def tiny_config(folder: Path, *, weights: str = "none", epochs: int = 2, batch_size: int = 8,
                strategy: Strategy | None = None, **changes: Any) -> TrainConfig:
    """MobileNetV3-small at 32 px on the CPU, no loader processes, no early stopping unless asked: about a
    second per epoch. ``data=``, ``optim=``, ``model=``, ``early_stopping=`` dicts change single fields."""
    strategy = strategy or (Strategy.FULL if weights == "none" else Strategy.HEAD)
    config = TrainConfig(
        data=DataConfig(str(folder), image_size=32),
        model=ModelConfig(ARCH, weights),
        optim=OptimConfig(epochs=epochs, batch_size=batch_size, lr=0.01),
        early_stopping=EarlyStoppingConfig(enabled=False),
        strategy=strategy, device=Device.CPU, num_workers=0,
    )
    nested = {k: v for k, v in changes.items() if k in ("data", "optim", "early_stopping", "model")}
    for key, value in nested.items():
        if isinstance(value, dict):
            changes[key] = dataclasses.replace(getattr(config, key), **value)
    return config.replace(**changes)


class Collector:
    """An event sink that keeps every event; optional hook called with each one (e.g. to cancel)."""

    def __init__(self, hook: Any = None) -> None:
        self.events: list[Event] = []
        self.hook = hook
        self.lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)
        if self.hook is not None:
            self.hook(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


class CancelAfter:
    """A cancel token a test sets from an event hook (e.g. "Stop" during epoch 3)."""

    def __init__(self) -> None:
        self.flag = threading.Event()

    def is_set(self) -> bool:
        return self.flag.is_set()

    def set(self) -> None:
        self.flag.set()


@pytest.fixture
def one_thread() -> Iterator[None]:
    """One compute thread: on a shared, busy CPU two threads spin against each other (3x slower, measured)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
