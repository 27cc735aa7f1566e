"""Head-only training: cached backbone features vs re-running the frozen backbone every epoch.

Strategy "train only the new classifier" without augmentation, ResNet-18 with a stand-in for pretrained
weights (its random initialisation saved as a weights file: the speed does not depend on the values), on
real photos. Epoch time (training + validation) of the epochs after the first, from the engine's events;
the one-off cost of computing the features is reported separately.

    .venv/bin/python bench/bench_feature_cache.py [--data DIR] [--size 160] [--epochs 3]

Goal: cached epoch time <= 1/50 of the re-running epoch time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import DEFAULT_DATA, head_only_epoch_times, private_home  # noqa: E402


def run(data: Path, weights: Path, run_dir: Path, args: argparse.Namespace, feature_cache: bool) -> tuple[float, float]:
    return head_only_epoch_times(data, weights, run_dir, size=args.size, epochs=args.epochs,
                                 augmentation="none", feature_cache=feature_cache)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--size", type=int, default=160)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    private_home()
    from tests.trainkit import make_pretrained_file

    with tempfile.TemporaryDirectory() as tmp:
        weights = make_pretrained_file(Path(tmp) / "resnet18.safetensors", "resnet18")
        cached, prepare_cached = run(args.data, weights, Path(tmp) / "cached", args, True)
        rerun, prepare_rerun = run(args.data, weights, Path(tmp) / "rerun", args, False)
    print(f"ResNet-18, frozen base, new head only, {args.size}px, no augmentation, {args.data}:")
    print(f"  re-running the frozen backbone   {rerun:9.3f} s per epoch   (preparation {prepare_rerun:.1f} s)")
    print(f"  cached features                  {cached:9.4f} s per epoch   (preparation {prepare_cached:.1f} s, "
          "features computed once)")
    print(f"  ratio cached / re-running        1/{rerun / cached:.0f}  (goal: 1/50 or better)")


if __name__ == "__main__":
    main()
