"""Every part of the similarity measure on real ImageNet weights (efficientnet_lite0, loaded by the app from its
hub folder), on the datasets the advisor is calibrated with. Prints one row per dataset and writes the figures
to --out (JSON).

    .venv/bin/python bench/calibration/measure_similarity.py [--per-class 30] [--out /tmp/calib/similarity.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration_data import EXPECTED, WEIGHTS, calibration_sets  # noqa: E402

from engine.data.report import scan_image_folder  # noqa: E402
from engine.data.split import split_dataset  # noqa: E402
from engine.strategy.similarity import measure_similarity  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("/tmp/calib"))
    parser.add_argument("--per-class", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path("/tmp/calib/similarity.json"))
    parser.add_argument("--seed", type=int, default=0, help="which images are sampled")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rows = {}
    print(f"{'dataset':12s} {'expect':9s} {'maxprob':>7s} {'entropy':>7s} {'recog':>6s} {'probe':>6s} "
          f"{'sep':>5s} {'shift':>6s} {'famil':>6s} {'score':>6s} {'verdict':9s} {'n':>4s} {'s':>4s}")
    for name, (folder, own_split) in calibration_sets(args.work).items():
        started = time.perf_counter()
        report = scan_image_folder(folder, use_folder_split=own_split)
        split = split_dataset(report, val_fraction=0.2, seed=0)
        # Through the app, as the Strategy tab measures: the hub folder's own preprocessing (mean = std = 0.5).
        result = measure_similarity("timm:efficientnet_lite0", str(WEIGHTS), split.root, split.train,
                                    len(split.classes), per_class=args.per_class, budget_s=600, seed=args.seed)
        rows[name] = result.to_dict() | {"shift": result.shift, "expected": EXPECTED[name]}
        print(f"{name:12s} {EXPECTED[name]:9s} {result.mean_max_probability:7.3f} {result.normalized_entropy:7.3f} "
              f"{result.recognition:6.3f} {result.probe_accuracy or 0:6.3f} {result.separability or 0:5.2f} "
              f"{result.shift or 0:6.3f} {result.familiarity or 0:6.3f} {result.score:6.3f} "
              f"{result.similarity.value:9s} {result.images_used:4d} {time.perf_counter() - started:4.0f}",
              flush=True)
    args.out.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
