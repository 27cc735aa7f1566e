"""Epoch time with and without the decoded-image cache, side by side.

Frozen ResNet-18 base + new head with the "light" augmentation (so backbone features cannot be cached and
every epoch needs pixels), on real JPEG photos: without the cache each epoch decodes every file again;
with it, files are decoded once before the first epoch (reported separately) and later epochs crop and
flip uint8 arrays. Epoch time of the epochs after the first, from the engine's events.

    .venv/bin/python bench/bench_image_cache.py [--data DIR] [--size 96] [--epochs 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import DEFAULT_DATA, head_only_epoch_times, private_home  # noqa: E402


def run(data: Path, weights: Path, run_dir: Path, args: argparse.Namespace, image_cache: bool) -> tuple[float, float]:
    return head_only_epoch_times(data, weights, run_dir, size=args.size, epochs=args.epochs,
                                 augmentation="light", image_cache=image_cache)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    private_home()
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
