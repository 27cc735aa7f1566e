"""Inference throughput: the exported ONNX model in onnxruntime vs the same model in PyTorch eager, side by side.

Same model (exported by the app's own exporter, engine.export.onnx_format, and checked to give the same
logits), same preprocessed images (real photos, the app's eval transform), same batch size, same number of
CPU threads (torch.set_num_threads / onnxruntime's intra_op_num_threads). Only the forward passes are timed;
the two run alternately, several rounds, and the median of each is compared. PyTorch runs under
``torch.inference_mode()`` (its fastest eager setting). Weights are random: speed does not depend on them.

    .venv/bin/python bench/bench_onnx_throughput.py [--models resnet18,efficientnet_b0,mobilenet_v3_large]
        [--threads 2] [--batch 8] [--size 224] [--images 64] [--rounds 5] [--data DIR]

Goal: onnxruntime / PyTorch >= 1.0 (the point of exporting is often speed on a CPU machine).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "hymenoptera" / "val"


def load_inputs(data: Path, size: int, count: int):  # type: ignore[no-untyped-def]
    """``count`` real images (cycled when the folder has fewer), preprocessed as the app predicts."""
    import torch

    from engine.data.images.decode import load_image
    from engine.data.loaders import Preprocessing, image_to_tensor
    from engine.evaluation.predict import expand_image_paths

    prep = Preprocessing.for_size(size)
    transform = prep.eval_transform()
    paths = expand_image_paths([data])[:count] if data.is_dir() else []
    if not paths:
        raise SystemExit(f"no images in {data}; pass --data DIR")
    tensors = [transform(image_to_tensor(load_image(p, min_side=prep.resize_size))) for p in paths]
    while len(tensors) < count:
        tensors.extend(tensors[: count - len(tensors)])
    return torch.stack(tensors), prep


def timed(run, batches) -> float:  # type: ignore[no-untyped-def]
    """Images per second of one pass over ``batches``."""
    start = time.perf_counter()
    for batch in batches:
        run(batch)
    return sum(len(b) for b in batches) / (time.perf_counter() - start)


def bench_model(arch: str, inputs, prep, args: argparse.Namespace) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    import numpy as np
    import torch

    from engine.export.check import compare
    from engine.export.metadata import preprocessing_record
    from engine.export.onnx_format import onnx_bytes, onnx_runner
    from engine.export.samples import CheckImages
    from engine.models.catalog import build_classifier

    torch.manual_seed(0)
    model, head = build_classifier(arch, 2, image_size=args.size)
    for parameter in model.get_submodule(head).parameters():  # a new head starts at zero: give it real logits
        torch.nn.init.normal_(parameter, std=0.05)
    model.eval()
    payload = onnx_bytes(model, args.size, preprocessing_record(arch, ("a", "b"), prep))
    ort_run = onnx_runner(payload, threads=args.threads)
    check = compare("ONNX", model, ort_run, CheckImages(inputs[:8], ("",) * 8, "validation"))
    if not check.passed:
        raise SystemExit(f"{arch}: {check.sentence()}")
    torch_batches = list(inputs.split(args.batch))
    numpy_batches = [np.ascontiguousarray(b.numpy()) for b in torch_batches]

    def torch_run(batch):  # type: ignore[no-untyped-def]
        with torch.inference_mode():
            return model(batch)

    timed(torch_run, torch_batches[:2])  # warm-up: first calls allocate and pick kernels
    timed(ort_run, numpy_batches[:2])
    torch_speeds, ort_speeds = [], []
    for _ in range(args.rounds):
        torch_speeds.append(timed(torch_run, torch_batches))
        ort_speeds.append(timed(ort_run, numpy_batches))
    pt, ort = statistics.median(torch_speeds), statistics.median(ort_speeds)
    print(f"  {arch}: rounds PyTorch {' / '.join(f'{s:.1f}' for s in torch_speeds)}, "
          f"onnxruntime {' / '.join(f'{s:.1f}' for s in ort_speeds)} images/s", flush=True)
    return pt, ort, check.max_abs_diff


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="resnet18,efficientnet_b0,mobilenet_v3_large")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()

    import onnxruntime
    import torch

    torch.set_num_threads(args.threads)
    inputs, prep = load_inputs(args.data, args.size, args.images)
    print(f"{args.images} images of {args.data} at {args.size} px, batch {args.batch}, {args.threads} threads; "
          f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}", flush=True)
    rows = [(arch, *bench_model(arch, inputs, prep, args)) for arch in args.models.split(",")]
    print("\n| model | PyTorch eager images/s | onnxruntime images/s | ratio | max abs logit diff |")
    print("| --- | --- | --- | --- | --- |")
    for arch, pt, ort, diff in rows:
        print(f"| {arch} | {pt:.1f} | {ort:.1f} | **{ort / pt:.2f}** | {diff:.1e} |")


if __name__ == "__main__":
    main()
