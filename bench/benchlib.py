"""What the benchmarks share: the repository on the import path, the default real photos, a private app
folder, and timing a head-only ResNet-18 run epoch by epoch through the engine."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "hymenoptera" / "train"


def private_home() -> None:
    """Benchmarks never touch the user's ~/FinetuneStudio (runs, caches)."""
    os.environ.setdefault("FINETUNE_STUDIO_HOME", tempfile.mkdtemp(prefix="bench-home-"))


def head_only_epoch_times(data: Path, weights: Path, run_dir: Path, *, size: int, epochs: int,
                          augmentation: str, **switches: bool) -> tuple[float, float]:
    """ResNet-18, frozen base + new head: (mean epoch seconds after the first, seconds before the first).

    ``switches`` are TrainConfig flags such as ``feature_cache=False`` or ``image_cache=False``.
    """
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
    from engine.run.events import EpochEnded, RunStarted

    config = TrainConfig(
        data=DataConfig(str(data), image_size=size, augmentation=Augmentation(augmentation)),
        model=ModelConfig("resnet18", str(weights)), optim=OptimConfig(epochs=epochs, batch_size=32),
        early_stopping=EarlyStoppingConfig(enabled=False), strategy=Strategy.HEAD, device=Device.CPU,
        num_workers=0, **switches)
    epoch_seconds: list[float] = []
    ready: list[float] = []
    started = time.perf_counter()

    def sink(event: object) -> None:
        if isinstance(event, RunStarted):
            ready.append(time.perf_counter() - started)
        elif isinstance(event, EpochEnded) and event.epoch > 1:
            epoch_seconds.append(event.seconds)

    finished = run_training_job(config, run_dir, sink, own_process=True)
    if not finished.succeeded:
        raise SystemExit(finished.detail)
    return statistics.mean(epoch_seconds), ready[0]
