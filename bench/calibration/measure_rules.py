"""The plan's rules for *different* data, measured on real ImageNet weights: the pretrained layers' share of
the learning rate and the augmentation preset, for "freeze the lower part, train the upper part" (the plan
for a small dataset unlike the pretraining photos) on efficientnet_lite0.

A plain loop on purpose (timm's model, the app's augmentation presets and split, SGD with momentum as the
plan sets it, the new head alone for the first epoch, cosine schedule), so that it runs before the app can
load timm models; every variant sees the same images, epochs and seed.

    OMP_NUM_THREADS=1 .venv/bin/python bench/calibration/measure_rules.py [--dataset brain-mri] [--size 160]

(One thread: on a crowded CPU two threads spin against the other jobs and run several times slower.)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration_data import calibration_sets, load_timm_model  # noqa: E402

from engine.config import Augmentation  # noqa: E402
from engine.data.augment import PRESETS, pixel_transform  # noqa: E402
from engine.data.images.decode import load_image  # noqa: E402
from engine.data.loaders import image_to_tensor  # noqa: E402
from engine.data.report import scan_image_folder  # noqa: E402
from engine.data.split import split_dataset  # noqa: E402

#: The app's stages of timm's efficientnet_lite0 (engine.models.layers.stages.architecture_stages).
STAGES = (("conv_stem", "bn1"), ("blocks.0",), ("blocks.1",), ("blocks.2",), ("blocks.3",), ("blocks.4",),
          ("blocks.5",), ("blocks.6", "conv_head", "bn2"))


def decoded(root: Path, items, resize: int) -> list[tuple[torch.Tensor, int]]:  # type: ignore[no-untyped-def]
    from torchvision.transforms import v2

    shrink = v2.Resize(resize, antialias=True)
    return [(shrink(image_to_tensor(load_image(root / rel, min_side=resize))), label) for rel, label in items]


def batches(data, transform, batch: int, generator=None):  # type: ignore[no-untyped-def]
    order = torch.randperm(len(data), generator=generator).tolist() if generator is not None else range(len(data))
    order = list(order)
    for start in range(0, len(order), batch):
        chunk = [data[i] for i in order[start:start + batch]]
        x = torch.stack([transform(img) for img, _ in chunk]).float().div(255).sub(0.5).div(0.5)
        yield x, torch.tensor([label for _, label in chunk])


def run_variant(train, val, classes: int, size: int, epochs: int, ratio: float, aug: Augmentation,
                frozen_stages: int, seed: int = 0) -> float:
    torch.manual_seed(seed)
    model = load_timm_model()
    model.reset_classifier(classes)
    frozen = [name for stage in STAGES[:frozen_stages] for name in stage]
    trained = [name for stage in STAGES[frozen_stages:] for name in stage]
    for name in frozen:
        model.get_submodule(name).requires_grad_(False)
    base = [p for name in trained for p in model.get_submodule(name).parameters()]
    head = list(model.get_classifier().parameters())
    optimizer = torch.optim.SGD([{"params": head, "lr": 0.01}, {"params": base, "lr": 0.01 * ratio}],
                                momentum=0.9, weight_decay=1e-4)
    initial = [g["lr"] for g in optimizer.param_groups]
    train_t = pixel_transform(PRESETS[aug], size, round(size / 0.875))
    eval_t = pixel_transform(PRESETS[Augmentation.NONE], size, round(size / 0.875))
    generator = torch.Generator().manual_seed(seed)
    best = 0.0
    for epoch in range(1, epochs + 1):
        warm = epoch == 1  # the new head alone first, as the plan's head_warmup_epochs does
        for name in trained:
            model.get_submodule(name).requires_grad_(not warm)
        factor = 0.5 * (1 + math.cos(math.pi * (epoch - 1) / epochs))
        for group, lr in zip(optimizer.param_groups, initial):
            group["lr"] = lr * factor
        model.train()
        for name in frozen + (trained if warm else []):
            for m in model.get_submodule(name).modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        for x, y in batches(train, train_t, 16, generator):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in batches(val, eval_t, 64):
                correct += int((model(x).argmax(1) == y).sum())
        best = max(best, correct / len(val))
        print(f"    epoch {epoch}: val acc {100 * correct / len(val):5.1f}%", flush=True)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="brain-mri")
    parser.add_argument("--work", type=Path, default=Path("/tmp/calib"))
    parser.add_argument("--size", type=int, default=160)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--frozen-stages", type=int, default=4, help="of 8; the plan freezes the lower half")
    parser.add_argument("--variants", default="1.0:light,1.0:medical,1.0:strong,0.1:light")
    args = parser.parse_args()
    folder, own_split = calibration_sets(args.work)[args.dataset]
    report = scan_image_folder(folder, use_folder_split=own_split)
    split = split_dataset(report, val_fraction=0.2, seed=0)
    resize = round(args.size / 0.875)
    train, val = decoded(Path(split.root), split.train, resize), decoded(Path(split.root), split.val, resize)
    print(f"{args.dataset}: {len(train)} training / {len(val)} validation images, {args.size} px, "
          f"{args.epochs} epochs, {args.frozen_stages} of {len(STAGES)} stages frozen", flush=True)
    rows = []
    for variant in args.variants.split(","):
        ratio, aug = variant.split(":")
        started = time.perf_counter()
        acc = run_variant(train, val, len(split.classes), args.size, args.epochs, float(ratio), Augmentation(aug),
                          args.frozen_stages)
        rows.append({"ratio": float(ratio), "augmentation": aug, "best_val_accuracy": acc})
        print(f"  ratio {float(ratio):4.2f}  {aug:8s} best val acc {100 * acc:5.1f}%  "
              f"({time.perf_counter() - started:4.0f} s)", flush=True)
    (args.work / f"rules-{args.dataset}.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
