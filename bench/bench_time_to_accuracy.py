"""Time to accuracy: the app's head-only training (cached features) vs a bare pipeline, side by side.

Both start from the real ImageNet efficientnet_lite0 (a hub folder, ../shared/pretrained/efficientnet_lite0)
and use the same images (the app's split of hymenoptera: its own train/ and val/ folders), the same image size
and the same thread count:

* bare: PIL decode, torchvision resize + centre crop, the frozen timm backbone's pooled features, then
  scikit-learn's LogisticRegression; accuracy on val/.
* app: ``run_training_job`` as the window runs it (in this process: the window's training child is already
  warm when a folder is open) with the advisor's plan for "small and similar" — train only the new
  classifier, no augmentation, so the backbone's features are computed once and cached — and the default
  early stopping; the job then measures the saved model on val/ as always. Accuracy is the saved model's.

The folder is scanned once before timing (the Data tab has always scanned it before Train is pressed), and
every image file is read once so that both start from a warm disk cache. Rounds alternate bare and app.

    .venv/bin/python bench/bench_time_to_accuracy.py [--rounds 1] [--epochs 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.benchlib import private_home  # noqa: E402

SHARED = ROOT.parent / "shared" if (ROOT.parent / "shared").is_dir() else Path("/work/shared")
WEIGHTS = SHARED / "pretrained" / "efficientnet_lite0"
DATA = SHARED / "datasets" / "hymenoptera"
ARCH = "timm:efficientnet_lite0"


def app_config(data: Path, weights: Path, size: int, epochs: int):  # type: ignore[no-untyped-def]
    from engine.config import DataConfig, Device, ModelConfig, OptimConfig, TrainConfig
    from engine.models.layers.stages import architecture_stages
    from engine.strategy.advisor import apply_plan, make_plan
    from engine.strategy.table import Advised, SimilarityClass, SizeClass

    base = TrainConfig(DataConfig(str(data), image_size=size, use_folder_split=True),
                       ModelConfig(ARCH, str(weights)), OptimConfig(epochs=epochs), device=Device.CPU,
                       num_workers=0)
    plan = make_plan(Advised.HEAD, SizeClass.SMALL, SimilarityClass.SIMILAR, architecture_stages(ARCH), epochs)
    return apply_plan(base, plan)


def run_app(config, work: Path) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    from engine.jobs.training_job import run_training_job
    from engine.models.saved import read_model_card  # noqa: F401  (imported before timing, as the app has)

    run_dir = Path(tempfile.mkdtemp(prefix="app-", dir=work))
    started = time.perf_counter()
    finished = run_training_job(config, run_dir, lambda _event: None)
    seconds = time.perf_counter() - started
    if not finished.succeeded:
        raise SystemExit(finished.detail)
    return seconds, float(finished.best_val_accuracy or 0.0)


def run_bare(train: list[tuple[Path, int]], val: list[tuple[Path, int]], weights: Path,
             size: int) -> tuple[float, float]:
    import numpy as np
    import timm
    import torch
    from PIL import Image
    from sklearn.linear_model import LogisticRegression
    from torchvision import transforms

    started = time.perf_counter()
    model = timm.create_model("efficientnet_lite0", pretrained=True, num_classes=0,
                              pretrained_cfg_overlay={"file": str(weights / "model.safetensors")}).eval()
    prep = transforms.Compose([transforms.Resize(round(size / 0.875)), transforms.CenterCrop(size),
                               transforms.ToTensor(), transforms.Normalize([0.5] * 3, [0.5] * 3)])

    @torch.no_grad()
    def features(items: list[tuple[Path, int]]) -> np.ndarray:
        out = []
        for start in range(0, len(items), 32):
            batch = torch.stack([prep(Image.open(p).convert("RGB")) for p, _ in items[start:start + 32]])
            out.append(model(batch).numpy())
        return np.concatenate(out)

    x_train, x_val = features(train), features(val)
    clf = LogisticRegression(max_iter=1000).fit(x_train, [label for _, label in train])
    accuracy = float(clf.score(x_val, [label for _, label in val]))
    return time.perf_counter() - started, accuracy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--weights", type=Path, default=WEIGHTS)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/finetune-bench-tta"))
    args = parser.parse_args()
    private_home()
    args.work.mkdir(parents=True, exist_ok=True)
    import torch

    from engine.training.preparation import prepare_data

    config = app_config(args.data, args.weights, args.size, args.epochs)
    split = prepare_data(config)  # the scan the Data tab did; both sides get these files
    root = Path(split.root)
    train = [(root / rel, label) for rel, label in split.train]
    val = [(root / rel, label) for rel, label in split.val]
    for path, _ in train + val:
        path.read_bytes()
    print(f"{args.data.name}: {len(train)} training / {len(val)} validation images, {args.size} px, "
          f"{torch.get_num_threads()} threads, efficientnet_lite0 from {args.weights}")
    bare_t, app_t = [], []
    for round_ in range(1, args.rounds + 1):
        seconds, bare_acc = run_bare(train, val, args.weights, args.size)
        bare_t.append(seconds)
        print(f"  round {round_}: bare pipeline {seconds:6.1f} s, accuracy {100 * bare_acc:5.1f}%", flush=True)
        seconds, app_acc = run_app(config, args.work)
        app_t.append(seconds)
        print(f"  round {round_}: app head-only {seconds:6.1f} s, accuracy {100 * app_acc:5.1f}% "
              f"(ratio {app_t[-1] / bare_t[-1]:.2f})", flush=True)
    ratio = statistics.median(a / b for a, b in zip(app_t, bare_t))
    print(f"\nbare pipeline: {statistics.median(bare_t):.1f} s, {100 * bare_acc:.1f}%")
    print(f"app head-only: {statistics.median(app_t):.1f} s, {100 * app_acc:.1f}% "
          f"({100 * (app_acc - bare_acc):+.1f} points)")
    print(f"wall-time ratio app / bare: {ratio:.2f} (goal <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
