"""Making a run fast on the device it has, and saying how long it will take.

* CUDA: autocast (bf16 where the GPU supports it, else fp16 with a grad scaler), channels_last memory for
  CNNs, ``cudnn.benchmark`` (off in deterministic mode), TF32 matrix maths. Autocast is used *only* on CUDA:
  on CPUs without bf16 support it made ResNet-18 2.7x slower (docs/ARCHITECTURE.md section 6).
* CPU: the compute threads get the cores the loader processes do not use.
* Durations in words; on a CPU a run that would take hours gets an offer of the frozen-base + cached-features
  path (the estimate itself: engine/training/time_estimate.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from engine.core.i18n import tr

log = logging.getLogger(__name__)

#: A CPU run longer than this gets the offer of the cached-features path.
SLOW_CPU_RUN_S = 3600.0
#: Batches timed for the estimate (after the first, which pays one-off costs).
ESTIMATE_BATCHES = 3


@dataclass
class Acceleration:
    """What :func:`accelerate` switched on, and how to run a step with it."""

    device: torch.device
    autocast_dtype: torch.dtype | None = None
    use_scaler: bool = False
    channels_last: bool = False
    notes: list[str] = field(default_factory=list)

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def make_scaler(self) -> torch.amp.GradScaler:
        return torch.amp.GradScaler("cuda", enabled=self.use_scaler)

    def to_device(self, images: torch.Tensor) -> torch.Tensor:
        images = images.to(self.device, non_blocking=True)
        if self.channels_last and images.ndim == 4:
            images = images.contiguous(memory_format=torch.channels_last)
        return images


def is_cnn(model: nn.Module) -> bool:
    """Convolutional models gain from channels_last; transformers (one patch convolution) do not."""
    convs = sum(isinstance(m, nn.Conv2d) for m in model.modules())
    attention = any(isinstance(m, nn.MultiheadAttention) for m in model.modules())
    return convs >= 2 and not attention


def accelerate(model: nn.Module, device: torch.device, *, deterministic: bool, mixed_precision: bool = True
               ) -> Acceleration:
    """Configure PyTorch for ``device`` and move ``model`` to its fastest memory layout.

    Example:
        >>> acc = accelerate(nn.Linear(2, 2), torch.device("cpu"), deterministic=False)
        >>> acc.autocast_dtype is None
        True
    """
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
    acc = Acceleration(device)
    if device.type != "cuda":
        return acc
    torch.backends.cudnn.benchmark = not deterministic
    torch.backends.cudnn.deterministic = deterministic
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    if mixed_precision:
        bf16 = torch.cuda.is_bf16_supported()
        acc.autocast_dtype = torch.bfloat16 if bf16 else torch.float16
        acc.use_scaler = not bf16
        acc.notes.append(tr("Mixed precision (bfloat16).") if bf16 else
                         tr("Mixed precision (float16 with loss scaling)."))
    if is_cnn(model):
        model.to(memory_format=torch.channels_last)
        acc.channels_last = True
    return acc


def prepare_process(deterministic: bool) -> None:
    """Settings that must precede CUDA's start-up (the training child calls this first)."""
    if deterministic:
        # cuBLAS is only reproducible with a fixed workspace; it reads this when it starts.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")


def split_cpu_threads(workers: int) -> int:
    """Give the compute threads every core the loader processes leave free; returns the thread count.

    A thread count the user set (``OMP_NUM_THREADS``) is kept: on a shared, busy machine fewer threads
    are faster (two threads spinning against other work ran 3x slower than one, measured here).
    """
    if os.environ.get("OMP_NUM_THREADS", "").isdigit():
        return torch.get_num_threads()
    threads = max(1, (os.cpu_count() or 1) - max(workers, 0))
    torch.set_num_threads(threads)
    return threads


@dataclass(frozen=True)
class GpuInfo:
    """One CUDA device as the window lists it for a run on several GPUs."""

    index: int
    name: str
    memory_gb: float


def several_gpu_devices() -> list[GpuInfo]:
    """The CUDA devices one run may use together (torchrun + NCCL: Linux only); empty with fewer than two."""
    import sys

    if not sys.platform.startswith("linux") or not torch.cuda.is_available():
        return []
    if not (torch.distributed.is_available() and torch.distributed.is_nccl_available()):
        return []
    count = torch.cuda.device_count()
    if count < 2:
        return []
    devices = []
    for index in range(count):
        properties = torch.cuda.get_device_properties(index)
        devices.append(GpuInfo(index, properties.name, properties.total_memory / 2**30))
    return devices


def gpu_memory_mb(device: torch.device) -> float | None:
    """Peak GPU memory since the last reset, in MB (``None`` off CUDA)."""
    if device.type != "cuda":
        return None
    return torch.cuda.max_memory_allocated(device) / 2**20


def reset_gpu_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def format_duration(seconds: float) -> str:
    """``3725`` -> ``"1 h 02 min"``; ``75`` -> ``"1 min 15 s"``."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return tr("{hours} h {minutes:02d} min", hours=hours, minutes=minutes)
    if minutes:
        return tr("{minutes} min {seconds:02d} s", minutes=minutes, seconds=secs)
    return tr("{seconds} s", seconds=secs)


def should_offer_fast_path(device: torch.device, total_s: float, using_features: bool, pretrained: bool) -> bool:
    return device.type == "cpu" and total_s > SLOW_CPU_RUN_S and not using_features and pretrained
