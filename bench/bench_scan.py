"""Scan speed: 10,000 small images decoded in full, then rescanned unchanged (cache), side by side.

    .venv/bin/python bench/bench_scan.py [--images 10000] [--size 64] [--keep DIR]

Prints the cold scan time with 1 decoding thread (best of 2) and with the default threads, the rescan
time of the unchanged folder and its speed-up, the rescan time after 1% of the files changed, and the
peak memory. The images are generated into a temporary folder (or DIR, reused when it
already holds them); the scan cache goes to a temporary app folder, never to ~/FinetuneStudio.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_images(root: Path, count: int, size: int) -> None:
    """``count`` noise images in 4 classes, half PNG and half JPEG (skipped when already there)."""
    if len(list(root.rglob("*.*"))) >= count:
        return
    rng = np.random.default_rng(0)
    for i in range(count):
        folder = root / f"class_{i % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"img_{i:05d}.{'png' if i % 2 else 'jpg'}")


def timed_scan(root: Path, **kwargs: object) -> tuple[float, object]:
    from engine.data.report import scan_image_folder

    started = time.perf_counter()
    report = scan_image_folder(root, **kwargs)  # type: ignore[arg-type]
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--keep", type=Path, help="folder for the generated images (reused between runs)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FINETUNE_STUDIO_HOME"] = str(Path(tmp) / "home")
        root = args.keep or Path(tmp) / "images"
        started = time.perf_counter()
        make_images(root, args.images, args.size)
        print(f"{args.images} images of {args.size}x{args.size} ready in {time.perf_counter() - started:.1f} s "
              f"({os.cpu_count()} CPU cores)")
        one = min(timed_scan(root, use_cache=False, workers=1)[0] for _ in range(2))
        cold, report = timed_scan(root)  # the default threads; fills the cache
        warm, _ = timed_scan(root)
        files = sorted(root.rglob("img_*"))[:: 100]
        for path in files:  # 1% of the files change: only they are decoded again
            os.utime(path, ns=(time.time_ns(), time.time_ns()))
        partial, _ = timed_scan(root)
        total = report.total_images  # type: ignore[attr-defined]
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{'full decode, 1 thread (best of 2)':34s} {one:7.2f} s  {total / one:8.0f} images/s")
        print(f"{'full decode, default threads':34s} {cold:7.2f} s  {total / cold:8.0f} images/s  "
              f"({one / cold:.2f}x the 1-thread speed)")
        print(f"{'rescan, unchanged (cache)':34s} {warm:7.2f} s  speed-up {cold / warm:.0f}x over the full decode")
        print(f"{'rescan, 1% of files changed':34s} {partial:7.2f} s  speed-up {cold / partial:.0f}x")
        print(f"peak memory of this process: {peak_mb:.0f} MB; usable images: {total}")


if __name__ == "__main__":
    main()
