"""Distributed training: images per second with 1 process vs N processes (torchrun), side by side.

CPU (the default): a sanity check of the overhead of DistributedDataParallel over gloo. The total compute threads
are the same (1 process x T threads vs N processes x T/N threads), so the ratio should be near 1.0 (or a little
below): processes that share one CPU are not meant to be faster, only to behave like the GPU case.

GPUs (``--device cuda --nproc N`` on a machine with N GPUs): 1 GPU vs N GPUs with the same per-GPU batch, so the
global batch grows N-fold; prints the scaling efficiency per GPU, (images/s on N) / (N x images/s on 1).
Goal >= 0.9.

Throughput is the engine's own figure for the epochs after the first (the first pays start-up costs): the
EpochEnded events' ``train_images_per_s``, which in a distributed run counts the images of all processes.

    .venv/bin/python bench/bench_distributed.py [--images 240] [--epochs 3] [--size 64] [--threads 2]
    .venv/bin/python bench/bench_distributed.py --device cuda --nproc 8 --data DIR --size 224 --batch 64
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def throughput(data: Path, run_dir: Path, args: argparse.Namespace, processes: int, batch: int) -> float:
    from engine.core.run_layout import RunLayout
    from engine.run.events import EpochEnded, read_events

    threads = max(1, args.threads // processes) if args.device == "cpu" else args.threads
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONPATH": str(ROOT)}
    train = ["-m", "engine", "train", str(data), "--out", str(run_dir), "--arch", args.arch, "--weights", "none",
             "--strategy", "full", "--image-size", str(args.size), "--epochs", str(args.epochs),
             "--batch-size", str(batch), "--device", args.device, "--workers", "0", "--no-early-stopping"]
    if processes > 1:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        command = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={processes}",
                   f"--master_port={port}", *train]
    else:
        command = [sys.executable, *train]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    rates = [e.train_images_per_s for e in read_events(RunLayout(run_dir).events) if isinstance(e, EpochEnded)]
    print(f"  {processes} process(es): images/s per epoch {[round(r, 1) for r in rates]}", flush=True)
    return statistics.median(rates[1:] or rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="an image folder (default: generated images)")
    parser.add_argument("--images", type=int, default=240, help="generated images (3 classes)")
    parser.add_argument("--arch", default="mobilenet_v3_small")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32, help="CPU: the global batch; GPUs: the per-GPU batch")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="compute threads in all")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FINETUNE_STUDIO_HOME"] = str(Path(tmp) / "home")
        data = args.data
        if data is None:
            from tests.imagegen import make_image_folder

            per_class = args.images // 3
            data = make_image_folder(Path(tmp) / "images", {"red": per_class, "green": per_class,
                                                            "blue": per_class}, size=args.size)
        one_batch = args.batch
        many_batch = args.batch if args.device == "cpu" else args.batch * args.nproc
        ones, manys = [], []
        for round_ in range(args.rounds):  # alternated, so that the machine's load hits both alike
            ones.append(throughput(data, Path(tmp) / f"one-{round_}", args, 1, one_batch))
            manys.append(throughput(data, Path(tmp) / f"many-{round_}", args, args.nproc, many_batch))
        one, many = statistics.median(ones), statistics.median(manys)
    each = max(1, args.threads // args.nproc) if args.device == "cpu" else args.threads
    print(f"{args.device}: 1 process x {args.threads} threads {one:.1f} images/s; {args.nproc} processes x {each} "
          f"threads {many:.1f} images/s (global batch {one_batch} vs {many_batch})")
    if args.device == "cpu":
        print(f"ratio {args.nproc} processes / 1 process: {many / one:.2f} (~1.0 with the same threads in all)")
    else:
        print(f"scaling efficiency per GPU: {many / (args.nproc * one):.2f} (goal >= 0.9)")


if __name__ == "__main__":
    main()
