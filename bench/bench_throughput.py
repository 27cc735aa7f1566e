"""Training throughput: the engine in its child process vs a bare PyTorch loop, side by side.

Same model (ResNet-18 from scratch), same images (the engine's own training split), same transforms (the
"light" preset: random resized crop + flip), same batch size, optimizer and thread count. The engine runs
as the GUI runs it: a spawned child process (engine.jobs.runner.ProcessRunner), events through a queue. It is
measured twice, with its decoded-image cache (the default) and without; the bare loop decodes every JPEG
every epoch, as a plain torchvision script does. Throughput = training images per second of the epochs
after the first (the first pays start-up costs), from the engine's own events and from the bare loop's clock.

    .venv/bin/python bench/bench_throughput.py [--data DIR] [--epochs 3] [--size 96] [--rounds 2]

Goal: engine / bare >= 0.95 with every speed feature on.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "hymenoptera" / "train"


def engine_throughput(data: Path, run_dir: Path, args: argparse.Namespace, image_cache: bool) -> float:
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
    from engine.jobs.runner import ProcessRunner
    from engine.run.events import EpochEnded, RunFinished

    config = TrainConfig(
        data=DataConfig(str(data), image_size=args.size, augmentation=Augmentation.LIGHT),
        model=ModelConfig("resnet18", "none"),
        optim=OptimConfig(epochs=args.epochs, batch_size=args.batch, lr=0.01),
        early_stopping=EarlyStoppingConfig(enabled=False), strategy=Strategy.FULL, device=Device.CPU,
        num_workers=0, image_cache=image_cache)
    runner = ProcessRunner()
    runner.start(config, run_dir)
    speeds: list[float] = []
    try:
        while runner.finished is None:
            for event in runner.poll(1.0):
                if isinstance(event, EpochEnded) and event.epoch > 1:
                    speeds.append(event.train_images_per_s)
                elif isinstance(event, RunFinished) and not event.succeeded:
                    raise SystemExit(f"engine run failed: {event.detail}")
    finally:
        runner.close(30)
    return statistics.mean(speeds)


def bare_throughput(data: Path, split_file: Path, args: argparse.Namespace) -> float:
    """A plain loop written the usual way: PIL decode + torchvision transforms + DataLoader + SGD."""
    import torch
    import torchvision
    from PIL import Image
    from torch.utils.data import DataLoader, Dataset
    from torchvision.transforms import v2

    split = json.loads(split_file.read_text())
    classes = split["classes"]
    items = [(data / path, classes.index(name)) for path, name in split["train"]]
    transform = v2.Compose([v2.PILToTensor(), v2.RandomResizedCrop(args.size, scale=(0.6, 1.0), antialias=True),
                            v2.RandomHorizontalFlip(), v2.ToDtype(torch.float32, scale=True),
                            v2.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])

    class Images(Dataset):  # type: ignore[type-arg]
        def __len__(self) -> int:
            return len(items)

        def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
            path, label = items[i]
            with Image.open(path) as img:
                return transform(img.convert("RGB")), label

    if not os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(os.cpu_count() or 1)  # what the engine's child does on the CPU
    model = torchvision.models.resnet18(num_classes=len(classes))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    loader = DataLoader(Images(), batch_size=args.batch, shuffle=True, num_workers=0)
    speeds = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        started, seen = time.perf_counter(), 0
        for images, labels in loader:
            loss = loss_fn(model(images), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            seen += len(labels)
        elapsed = time.perf_counter() - started
        if epoch > 1:
            speeds.append(seen / elapsed)
    return statistics.mean(speeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (the median is reported)")
    args = parser.parse_args()
    os.environ.setdefault("FINETUNE_STUDIO_HOME", tempfile.mkdtemp(prefix="bench-home-"))
    results: dict[str, list[float]] = {"engine": [], "engine, no image cache": [], "bare loop": []}
    with tempfile.TemporaryDirectory() as tmp:
        for round_no in range(1, args.rounds + 1):
            run = Path(tmp) / f"engine-{round_no}"
            results["engine"].append(engine_throughput(args.data, run, args, image_cache=True))
            results["engine, no image cache"].append(
                engine_throughput(args.data, Path(tmp) / f"nocache-{round_no}", args, image_cache=False))
            results["bare loop"].append(bare_throughput(args.data, run / "split.json", args))
            print(f"round {round_no}: " + ", ".join(f"{k} {v[-1]:.1f} img/s" for k, v in results.items()),
                  flush=True)
    median = {k: statistics.median(v) for k, v in results.items()}
    print(f"\nResNet-18 from scratch, {args.size}px, batch {args.batch}, {args.data}, "
          f"{args.rounds} rounds (median):")
    for name, value in median.items():
        print(f"  {name:24s} {value:7.1f} training images/s")
    bare = median["bare loop"]
    print(f"  ratio engine / bare loop                 {median['engine'] / bare:.2f}  (goal >= 0.95)")
    print(f"  ratio engine without image cache / bare  {median['engine, no image cache'] / bare:.2f}")


if __name__ == "__main__":
    main()
