"""Does the strategy advisor pick well on real ImageNet weights? Its pick vs every strategy on the same budget.

The pretrained model is the real ImageNet efficientnet_lite0 (a Hugging Face hub folder,
../shared/pretrained/efficientnet_lite0, loaded by the app as ``timm:efficientnet_lite0``). Three real targets:

* hymenoptera (ants vs bees, photos of ImageNet classes), its own train/ and val/ folders (245 / 153 images),
* flowers17-subset/train (12 flower species, photos; 20% stratified validation),
* brain-tumor-mri (4 classes of grey MRI scans; 20% stratified validation).

For each the advisor measures similarity (through the app, as the Strategy tab does) and recommends; then
engine.strategy.trials trains head-only, partial and full (and from scratch with ``--scratch``) with identical
budgets (epochs, image size, batch, split, seed; no early stopping), and the best validation accuracy of each
is printed next to the bare pipeline's (frozen features + logistic regression, bench/calibration/bare_pipeline.py,
measured in the same run unless ``--no-bare``). Goals: the pick is the best or within 1 point of it, and the
head-only result is at most 1 point below the bare pipeline.

    .venv/bin/python bench/bench_advisor.py [--epochs 5] [--size 224] [--only brain-mri] [--scratch]
    .venv/bin/python bench/bench_advisor.py --strategies head --no-bare     # the pick and head-only, quickly
    .venv/bin/python bench/bench_advisor.py --only brain-mri --strategies partial,full --seeds 0,1,2 --no-bare
                              # several seeds (each its own split, initialisation and augmentation draws):
                              # the mean, the spread and how often the pick wins, before a rule is changed
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.benchlib import private_home  # noqa: E402
from engine.config import DataConfig, Device, ModelConfig, OptimConfig, Strategy, TrainConfig  # noqa: E402
from engine.strategy.advisor import run_advisor  # noqa: E402
from engine.strategy.table import Advised, SizeClass  # noqa: E402
from engine.strategy.trials import run_trials  # noqa: E402

SHARED = ROOT.parent / "shared" if (ROOT.parent / "shared").is_dir() else Path("/work/shared")
ARCH = "timm:efficientnet_lite0"
TARGETS = {"hymenoptera": ("hymenoptera", True), "flowers17": ("flowers17-subset/train", False),
           "brain-mri": ("brain-tumor-mri", False)}


def _quiet(_event: object) -> None:
    pass


def bare_accuracy(config: TrainConfig, weights: Path) -> float:
    """The bare pipeline on the app's own split of the same folder (the same images the trials see)."""
    from bench.bench_time_to_accuracy import run_bare
    from engine.training.preparation import prepare_data

    split = prepare_data(config)
    root = Path(split.root)
    return run_bare([(root / r, c) for r, c in split.train], [(root / r, c) for r, c in split.val], weights,
                    config.data.image_size)[1]


def evaluate_target(name: str, folder: Path, folder_split: bool, weights: Path, work: Path, size: int,
                    epochs: int, strategies: tuple[Advised, ...], bare: bool, seed: int = 0) -> dict[str, object]:
    base = TrainConfig(DataConfig(str(folder), image_size=size, use_folder_split=folder_split),
                       ModelConfig(ARCH, str(weights)), OptimConfig(epochs=epochs, batch_size=16),
                       strategy=Strategy.HEAD, device=Device.CPU, num_workers=0, seed=seed)
    started = time.perf_counter()
    advice = run_advisor(base, budget_s=120)
    similar = advice.similarity_class.value if advice.similarity_class else "-"
    score = advice.similarity.score if advice.similarity else float("nan")
    print(f"\n{name}, seed {seed} ({advice.effective_per_class:.0f} images per class): advisor picks "
          f"{advice.strategy.value} "
          f"({advice.size.value}, {similar}, similarity score {score:.2f}; augmentation "
          f"{advice.plan.augmentation.value}, pretrained rate x{advice.plan.pretrained_lr_ratio:g}) in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    print("  " + (advice.similarity.explanation().replace("\n", "\n  ") if advice.similarity else ""))
    trials_dir = work / f"trials-{name}-seed{seed}"
    shutil.rmtree(trials_dir, ignore_errors=True)  # a run folder is never reused
    results = run_trials(base, trials_dir, _quiet, size=advice.size or SizeClass.SMALL,
                         similarity=advice.similarity_class, epochs=epochs,
                         strategies=strategies)
    table = {r.strategy.value: r for r in results}
    best = max(results, key=lambda r: r.best_val_accuracy or 0.0)
    pick = table.get(advice.strategy.value)
    gap = 100 * ((best.best_val_accuracy or 0) - (pick.best_val_accuracy or 0)) if pick else float("nan")
    for r in results:
        mark = " <- advisor" if r is pick else ""
        print(f"  {r.strategy.value:8s} best val acc {100 * (r.best_val_accuracy or 0):5.1f}%  "
              f"(epoch {r.best_epoch}, {r.seconds:5.0f} s){mark}", flush=True)
    if len(results) > 1 and pick is not None:
        verdict = "best" if gap <= 0 else ("within 1 point" if gap <= 1 else f"{gap:.1f} points behind the best")
        print(f"  => the pick is {verdict}")
    row: dict[str, object] = {
        "target": name, "seed": seed, "pick": advice.strategy.value, "gap_points": gap,
        "similarity": advice.similarity.to_dict() if advice.similarity else None,
        "augmentation": advice.plan.augmentation.value, "pretrained_lr_ratio": advice.plan.pretrained_lr_ratio,
        "accuracy": {k: v.best_val_accuracy for k, v in table.items()},
        "seconds": {k: round(v.seconds, 1) for k, v in table.items()}}
    if bare:
        reference = bare_accuracy(base, weights)
        head = table["head"].best_val_accuracy or 0.0
        print(f"  bare pipeline (frozen features + logistic regression) {100 * reference:5.1f}%; head-only "
              f"{100 * (head - reference):+.1f} points (goal >= -1)", flush=True)
        row["bare_pipeline"] = reference
    return row


def summarise_seeds(rows: list[dict[str, Any]]) -> None:
    """Per target over its seeds: each strategy's mean and spread, and how often the pick was the best."""
    for target in dict.fromkeys(str(r["target"]) for r in rows):
        mine = [r for r in rows if r["target"] == target]
        if len(mine) < 2:
            continue
        print(f"\n{target} over {len(mine)} seeds:")
        accuracies: dict[str, list[float]] = {}
        for row in mine:
            for strategy, value in row["accuracy"].items():
                accuracies.setdefault(strategy, []).append(100 * float(value or 0))
        for strategy, values in accuracies.items():
            print(f"  {strategy:8s} mean {statistics.mean(values):5.1f}%  sd {statistics.stdev(values):4.1f}  "
                  f"({', '.join(f'{v:.1f}' for v in values)})")
        picks = {str(r["pick"]) for r in mine}
        wins = sum(1 for r in mine if float(r["gap_points"]) <= 0)
        gaps = [float(r["gap_points"]) for r in mine]
        print(f"  advisor picks {'/'.join(sorted(picks))}: best in {wins} of {len(mine)} seeds, "
              f"mean gap {statistics.mean(gaps):.1f} points behind the best of each seed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=SHARED / "datasets")
    parser.add_argument("--weights", type=Path, default=SHARED / "pretrained" / "efficientnet_lite0")
    parser.add_argument("--work", type=Path, default=Path("/tmp/finetune-bench-advisor"))
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--epochs", type=int, default=5, help="budget of each trial")
    parser.add_argument("--only", action="append", choices=sorted(TARGETS), help="one target (repeatable)")
    parser.add_argument("--scratch", action="store_true", help="also train from scratch (slow on a CPU)")
    parser.add_argument("--strategies", default="", help="only these trials, e.g. head or head,partial")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare pipeline's reference")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds, e.g. 0,1,2 (each its own split)")
    args = parser.parse_args()
    private_home()
    args.work.mkdir(parents=True, exist_ok=True)
    strategies = tuple(Advised(s) for s in args.strategies.split(",")) if args.strategies else (
        (Advised.HEAD, Advised.PARTIAL, Advised.FULL) + ((Advised.SCRATCH,) if args.scratch else ()))
    seeds = [int(s) for s in args.seeds.split(",")]
    rows: list[dict[str, Any]] = []
    for name, (sub, own) in TARGETS.items():
        if args.only and name not in args.only:
            continue
        for seed in seeds:
            rows.append(evaluate_target(name, args.datasets / sub, own, args.weights, args.work, args.size,
                                        args.epochs, strategies, not args.no_bare, seed))
            (args.work / "advisor-bench.json").write_text(json.dumps(rows, indent=2))
    summarise_seeds(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
