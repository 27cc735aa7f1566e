"""A tiny trained run for the results, explain and predict tests (trained in seconds on the CPU).

:func:`shared_run` trains each kind of run once per test session; tests that change a run folder work on
:func:`copy_run` of it::

    @pytest.fixture(scope="module")
    def trained(tmp_path_factory):
        return shared_run(tmp_path_factory)
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch

from engine.config import (
    Augmentation,
    DataConfig,
    Device,
    EarlyStoppingConfig,
    ModelConfig,
    OptimConfig,
    Strategy,
    TrainConfig,
)
from engine.jobs.training_job import run_training_job
from tests.imagegen import make_image_folder

THREE_CLASSES = {"red": 12, "green": 12, "blue": 12}
TWO_CLASSES = {"green": 10, "red": 10}

_TRAINED: dict[tuple[tuple[str, int], ...], Path] = {}


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Tiny models gain nothing from torch's threads, and on a busy machine the threads fight: the
    bright-square training took 134 s instead of 8 s with other test runs beside it (measured here).
    Use it in an autouse fixture of a test module."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train_tiny_run(root: Path, counts: Mapping[str, int] | None = None, *, epochs: int = 2,
                   image_size: int = 32) -> Path:
    """Generate colour classes under ``root/images`` and train resnet18 from scratch into ``root/run``."""
    data = make_image_folder(root / "images", counts or THREE_CLASSES, size=40)
    config = TrainConfig(
        data=DataConfig(str(data), val_fraction=0.25, image_size=image_size, augmentation=Augmentation.NONE),
        model=ModelConfig("resnet18", "none"),
        optim=OptimConfig(epochs=epochs, batch_size=8, lr=0.01),
        early_stopping=EarlyStoppingConfig(enabled=False),
        strategy=Strategy.FULL, device=Device.CPU, seed=0, num_workers=0,
    )
    run_dir = root / "run"
    with one_torch_thread():
        finished = run_training_job(config, run_dir, lambda _event: None)
    assert finished.succeeded, finished.detail
    return run_dir


def shared_run(factory: pytest.TempPathFactory, counts: Mapping[str, int] | None = None) -> Path:
    """A run trained once per session for ``counts``; do not write into it (use :func:`copy_run`)."""
    key = tuple(sorted((counts or THREE_CLASSES).items()))
    if key not in _TRAINED or not (_TRAINED[key] / "model" / "model.json").is_file():
        _TRAINED[key] = train_tiny_run(factory.mktemp("trained"), counts)
    return _TRAINED[key]


def copy_run(run_dir: Path, dest: Path) -> Path:
    """A private copy of a run folder (without checkpoints, which evaluation never reads)."""
    return Path(shutil.copytree(run_dir, dest, ignore=shutil.ignore_patterns("checkpoints")))
