"""Scan memory on very large images: the bounded scan vs the same scan with every bound lifted, side by side.

    .venv/bin/python bench/bench_scan_memory.py [--side 10900] [--images 4] [--threads 4] [--keep DIR]

Generates ``--images`` flat-colour PNGs of ``--side`` pixels square (a few hundred kilobytes on disk each,
hundreds of megabytes decoded), then scans them in fresh processes, alternately: "bounded" is the scan as it
is; "unbounded" lifts the decode budget, keeps the full-size array (no ``reduce_decoded``) and gives Pillow
back its default 16 MB blocks, which is what the scan did before. Prints the peak resident memory the scan
added and its time, and the ratios. The scan cache is off and goes to a temporary app folder anyway.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]

MEASURE = """
import json, sys, time
import engine.data.scan.scanner as scanning
if sys.argv[2] == "unbounded":
    import engine.data.images.decode as images
    from engine.data.images.decode_budget import DECODE_BUDGET
    DECODE_BUDGET.limit = 1 << 62
    images.pillow_core.set_block_size(16 << 20)
    full = images.load_image_with_info
    scanning.load_image_with_info = lambda path, **kw: full(path, min_side=kw.get("min_side"))
from tests.peak_memory import peak_memory
before = peak_memory()
started = time.perf_counter()
scan = scanning.scan_folder(sys.argv[1], workers=int(sys.argv[3]), use_cache=False)
seconds = time.perf_counter() - started
after = peak_memory()
assert all(r.reason == "ok" for r in scan.records), [r.reason for r in scan.records]
print(json.dumps({"mb": (after - before) / 2**20, "s": seconds}))
"""


def make_images(root: Path, count: int, side: int) -> None:
    """Flat-colour PNGs of ``side`` pixels square, spread over 2 classes (reused when already there)."""
    for i in range(count):
        path = root / f"class_{i % 2}" / f"big_{i}.png"
        if path.is_file():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (side, side), (30 * i % 256, 200, 255 - 30 * i % 256)).save(path, compress_level=1)


def measure(root: Path, kind: str, threads: int, home: Path) -> dict[str, float]:
    env = {"FINETUNE_STUDIO_HOME": str(home), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", MEASURE, str(root), kind, str(threads)], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", type=int, default=10_900)
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="folder for the generated images (reused between runs)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "images"
        started = time.perf_counter()
        make_images(root, args.images, args.side)
        print(f"{args.images} PNGs of {args.side:,} x {args.side:,} ready in {time.perf_counter() - started:.1f} s; "
              f"{args.threads} scan threads")
        runs: dict[str, list[dict[str, float]]] = {"bounded": [], "unbounded": []}
        for _ in range(args.rounds):
            for kind in runs:
                runs[kind].append(measure(root, kind, args.threads, Path(tmp) / "home"))
        median = {kind: {key: statistics.median(r[key] for r in found) for key in ("mb", "s")}
                  for kind, found in runs.items()}
        for kind, figures in median.items():
            each = ", ".join(f"{r['mb']:.0f} MB {r['s']:.2f} s" for r in runs[kind])
            print(f"{kind:>9}: peak memory added {figures['mb']:7.0f} MB, {figures['s']:5.2f} s  ({each})")
        print(f"bounded / unbounded: memory {median['bounded']['mb'] / median['unbounded']['mb']:.2f}, "
              f"time {median['bounded']['s'] / median['unbounded']['s']:.2f}")


if __name__ == "__main__":
    main()
