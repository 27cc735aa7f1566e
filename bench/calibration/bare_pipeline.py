"""The bare pipeline's accuracy (frozen efficientnet_lite0 features + scikit-learn logistic regression, 224 px)
on the app's own split of each real dataset: the bar the advisor's head-only result must reach
(bench/bench_advisor.py). hymenoptera: its train/ and val/ folders; the others: the app's stratified 20%
validation, seed 0 (flowers17-subset/train only, as bench_advisor trains on it).

    .venv/bin/python bench/calibration/bare_pipeline.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration_data import DATASETS, WEIGHTS  # noqa: E402

from bench.bench_time_to_accuracy import run_bare  # noqa: E402
from engine.data.report import scan_image_folder  # noqa: E402
from engine.data.split import split_dataset  # noqa: E402

SETS = {"hymenoptera": (DATASETS / "hymenoptera", True), "flowers17": (DATASETS / "flowers17-subset" / "train", False),
        "brain-mri": (DATASETS / "brain-tumor-mri", False)}


def main() -> int:
    for name, (folder, own_split) in SETS.items():
        split = split_dataset(scan_image_folder(folder, use_folder_split=own_split), val_fraction=0.2, seed=0)
        root = Path(split.root)
        train = [(root / rel, label) for rel, label in split.train]
        val = [(root / rel, label) for rel, label in split.val]
        seconds, accuracy = run_bare(train, val, WEIGHTS, 224)
        print(f"{name:12s} {len(train):4d} train / {len(val):4d} val: bare pipeline {100 * accuracy:5.1f}% "
              f"({seconds:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
