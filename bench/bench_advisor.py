"""Does the strategy advisor pick well? Its pick vs every strategy trained on the same budget.

ImageNet weights cannot be downloaded on the build machine, so a "pretrained" model is made locally:
ResNet-18 trained from scratch on one real dataset (flowers17-subset: 12 flower species, photos). It is
then fine-tuned on two other real datasets:

* hymenoptera (ants vs bees, photos: close to the pretraining domain), with its own train/ and val/
  folders (245 / 153 images, so one validation image is 0.7 points),
* brain-tumor-mri (4 classes of grey MRI scans: far from it).

For each target the advisor measures similarity and recommends; then engine.strategy.trials runs strategies 1-3
and from-scratch with identical budgets (epochs, image size, batch, split, seed; no early stopping) and
the best validation accuracy of each is printed. The pick should be the best or within 2 points of it.

    .venv/bin/python bench/bench_advisor.py [--datasets ../shared/datasets] [--epochs 8] [--size 128]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.strategy.advisor import run_advisor  # noqa: E402
from engine.config import (Augmentation, DataConfig, Device, EarlyStoppingConfig, ModelConfig,  # noqa: E402
                           OptimConfig, Strategy, TrainConfig)
from engine.strategy.table import SizeClass  # noqa: E402
from engine.jobs.training_job import run_training_job  # noqa: E402
from engine.strategy.trials import run_trials  # noqa: E402


def pretrain(datasets: Path, work: Path, size: int, epochs: int) -> Path:
    run = work / "pretrained-flowers"
    if (run / "model" / "model.safetensors").is_file():
        print(f"using the pretrained model in {run}")
        return run
    config = TrainConfig(DataConfig(str(datasets / "flowers17-subset" / "train"), image_size=size,
                                    augmentation=Augmentation.STRONG, val_fraction=0.15),
                         ModelConfig("resnet18", "none"), OptimConfig(epochs=epochs, batch_size=32, lr=0.05),
                         EarlyStoppingConfig(patience=8), strategy=Strategy.FULL, device=Device.CPU)
    started = time.perf_counter()
    finished = run_training_job(config, run, _quiet)
    print(f"pretraining: {finished.detail} ({time.perf_counter() - started:.0f} s)")
    if not finished.succeeded:
        raise SystemExit("pretraining failed")
    return run


def _quiet(_event: object) -> None:
    pass


def evaluate_target(name: str, folder: Path, weights: Path, work: Path, size: int, epochs: int,
                    folder_split: bool = False) -> dict[str, object]:
    base = TrainConfig(DataConfig(str(folder), image_size=size, use_folder_split=folder_split),
                       ModelConfig("resnet18", str(weights)),
                       OptimConfig(epochs=epochs, batch_size=16), strategy=Strategy.HEAD, device=Device.CPU)
    started = time.perf_counter()
    advice = run_advisor(base, budget_s=60)
    similar = advice.similarity_class.value if advice.similarity_class else "-"
    score = advice.similarity.score if advice.similarity else float("nan")
    print(f"\n{name} ({advice.effective_per_class:.0f} images per class): advisor picks {advice.strategy.value} "
          f"({advice.size.value}, {similar}, similarity score {score:.2f}) in {time.perf_counter() - started:.0f} s")
    print("  " + (advice.similarity.explanation() if advice.similarity else ""))
    # The previous benchmark's trials go: a run folder is never reused.
    shutil.rmtree(work / f"trials-{name}", ignore_errors=True)
    results = run_trials(base, work / f"trials-{name}", _quiet, size=advice.size or SizeClass.SMALL,
                         similarity=advice.similarity_class, epochs=epochs)
    table = {r.strategy.value: r for r in results}
    best = max(results, key=lambda r: r.best_val_accuracy or 0.0)
    pick = table[advice.strategy.value]
    gap = 100 * ((best.best_val_accuracy or 0) - (pick.best_val_accuracy or 0))
    for r in results:
        mark = " <- advisor" if r is pick else ""
        print(f"  {r.strategy.value:8s} best val acc {100 * (r.best_val_accuracy or 0):5.1f}%  "
              f"(epoch {r.best_epoch}, {r.seconds:5.0f} s){mark}")
    verdict = "best" if gap <= 0 else ("within 2 points" if gap <= 2 else f"{gap:.1f} points behind the best")
    print(f"  => the pick is {verdict}")
    return {"target": name, "pick": advice.strategy.value, "similarity": advice.similarity.to_dict()
            if advice.similarity else None, "gap_points": gap,
            "accuracy": {k: v.best_val_accuracy for k, v in table.items()},
            "seconds": {k: round(v.seconds, 1) for k, v in table.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--work", type=Path, default=Path("/tmp/finetune-bench-advisor"))
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=8, help="budget of each trial")
    parser.add_argument("--pretrain-epochs", type=int, default=40)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    weights = pretrain(args.datasets, args.work, args.size, args.pretrain_epochs)
    rows = [evaluate_target("hymenoptera", args.datasets / "hymenoptera", weights, args.work, args.size,
                            args.epochs, folder_split=True),
            evaluate_target("brain-mri", args.datasets / "brain-tumor-mri", weights, args.work, args.size,
                            args.epochs)]
    (args.work / "advisor-bench.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
