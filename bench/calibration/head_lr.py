"""The head-only plan's learning rate on real ImageNet features: SGD with momentum on the frozen efficientnet_lite0
features (the app's head-only path trains exactly this, on cached features) for a short budget, against
scikit-learn's logistic regression fitted to convergence (the bare pipeline). Features are computed once per
dataset (the app's split, 224 px) and kept in --work.

    OMP_NUM_THREADS=1 .venv/bin/python bench/calibration/head_lr.py [--epochs 4] [--lrs 0.01,0.03,0.1]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration_data import DATASETS, WEIGHTS  # noqa: E402

from engine.data.report import scan_image_folder  # noqa: E402
from engine.data.split import split_dataset  # noqa: E402

SETS = {"brain-mri": (DATASETS / "brain-tumor-mri", False),
        "flowers17": (DATASETS / "flowers17-subset" / "train", False),
        "hymenoptera": (DATASETS / "hymenoptera", True)}


def features(name: str, work: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    cached = work / f"features-{name}.npz"
    if cached.is_file():
        d = np.load(cached)
        return d["xt"], d["yt"], d["xv"], d["yv"]
    import timm
    from PIL import Image
    from torchvision import transforms

    folder, own = SETS[name]
    split = split_dataset(scan_image_folder(folder, use_folder_split=own), val_fraction=0.2, seed=0)
    model = timm.create_model("efficientnet_lite0", pretrained=True, num_classes=0,
                              pretrained_cfg_overlay={"file": str(WEIGHTS / "model.safetensors")}).eval()
    prep = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                               transforms.Normalize([0.5] * 3, [0.5] * 3)])

    @torch.no_grad()
    def run(items):  # type: ignore[no-untyped-def]
        out = [model(torch.stack([prep(Image.open(Path(split.root) / p).convert("RGB")) for p, _ in
                                  items[i:i + 32]])).numpy() for i in range(0, len(items), 32)]
        return np.concatenate(out), np.array([c for _, c in items])

    xt, yt = run(list(split.train))
    xv, yv = run(list(split.val))
    np.savez(cached, xt=xt, yt=yt, xv=xv, yv=yv)
    return xt, yt, xv, yv


def sgd_head(xt, yt, xv, yv, lr: float, epochs: int, seed: int = 0) -> float:  # type: ignore[no-untyped-def]
    torch.manual_seed(seed)
    xt_t, yt_t, xv_t = torch.tensor(xt), torch.tensor(yt), torch.tensor(xv)
    head = torch.nn.Linear(xt.shape[1], int(yt.max()) + 1)
    opt = torch.optim.SGD(head.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)
    g = torch.Generator().manual_seed(seed)
    best_loss, best_acc = math.inf, 0.0
    for epoch in range(epochs):
        for group in opt.param_groups:
            group["lr"] = lr * 0.5 * (1 + math.cos(math.pi * epoch / epochs))
        order = torch.randperm(len(yt), generator=g)
        for i in range(0, len(order), 16):
            idx = order[i:i + 16]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(head(xt_t[idx]), yt_t[idx]).backward()
            opt.step()
        with torch.no_grad():
            logits = head(xv_t)
            loss = float(torch.nn.functional.cross_entropy(logits, torch.tensor(yv)))
            acc = float((logits.argmax(1).numpy() == yv).mean())
        if loss < best_loss:  # the saved model is the best by validation loss, as in the app
            best_loss, best_acc = loss, acc
    return best_acc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("/tmp/calib"))
    parser.add_argument("--epochs", default="4,10")
    parser.add_argument("--lrs", default="0.01,0.03,0.1,0.3")
    parser.add_argument("--only", action="append")
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression

    for name in SETS:
        if args.only and name not in args.only:
            continue
        xt, yt, xv, yv = features(name, args.work)
        bare = LogisticRegression(max_iter=1000).fit(xt, yt).score(xv, yv)
        print(f"{name}: bare pipeline {100 * bare:5.1f}%", flush=True)
        for epochs in (int(e) for e in args.epochs.split(",")):
            row = "  ".join(f"lr {lr}: {100 * sgd_head(xt, yt, xv, yv, float(lr), epochs):5.1f}%"
                            for lr in args.lrs.split(","))
            print(f"  {epochs:2d} epochs  {row}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
