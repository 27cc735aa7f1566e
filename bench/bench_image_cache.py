"""Epoch time with and without the decoded-image cache, side by side.

Frozen ResNet-18 base + new head with the "light" augmentation (so backbone features cannot be cached and
every epoch needs pixels), on real JPEG photos: without the cache each epoch decodes every file again;
with it, files are decoded once before the first epoch (reported separately) and later epochs crop and
flip uint8 arrays. Epoch time of the epochs after the first, from the engine's events.

    .venv/bin/python bench/bench_image_cache.py [--data DIR] [--size 96] [--epochs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = Path("/work/shared/datasets/hymenoptera/train")


def run(data: Path, weights: Path, run_dir: Path, args: argparse.Namespace, image_cache: bool) -> tuple[float, float]:
    """(mean epoch seconds after the first, seconds of preparation before the first epoch)."""
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
    from engine.events import EpochEnded, RunStarted
    from engine.trainer import run_training

    config = TrainConfig(
        data=DataConfig(str(data), image_size=args.size, augmentation=Augmentation.LIGHT),
        model=ModelConfig("resnet18", str(weights)), optim=OptimConfig(epochs=args.epochs, batch_size=32),
        early_stopping=EarlyStoppingConfig(enabled=False), strategy=Strategy.HEAD, device=Device.CPU,
        num_workers=0, image_cache=image_cache)
    epochs: list[float] = []
    ready: list[float] = []
    started = time.perf_counter()

    def sink(event: object) -> None:
        if isinstance(event, RunStarted):
            ready.append(time.perf_counter() - started)
        elif isinstance(event, EpochEnded) and event.epoch > 1:
            epochs.append(event.seconds)

    finished = run_training(config, run_dir, sink, own_process=True)
    if not finished.succeeded:
        raise SystemExit(finished.detail)
    return statistics.mean(epochs), ready[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("FINETUNE_STUDIO_HOME", tempfile.mkdtemp(prefix="bench-home-"))
    from tests.trainkit import make_pretrained_file

    with tempfile.TemporaryDirectory() as tmp:
        weights = make_pretrained_file(Path(tmp) / "resnet18.safetensors", "resnet18")
        cached, fill = run(args.data, weights, Path(tmp) / "cached", args, True)
        plain, prepare = run(args.data, weights, Path(tmp) / "plain", args, False)
    print(f"ResNet-18 frozen base + head, light augmentation, {args.size}px, {args.data}:")
    print(f"  decoding every epoch          {plain:7.2f} s per epoch   (preparation {prepare:.1f} s)")
    print(f"  decoded-image cache           {cached:7.2f} s per epoch   (preparation {fill:.1f} s, one decode pass)")
    print(f"  ratio cached / decoding       {cached / plain:.2f}  ({plain / cached:.1f}x faster epochs)")


if __name__ == "__main__":
    main()
