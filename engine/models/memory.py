"""Will it fit? Training memory and relative speed of a freeze plan, estimated before training.

Training memory is, roughly:

* the weights of the whole model (frozen or not, they sit on the device),
* a gradient for every trainable parameter, and the optimizer's state (SGD with momentum keeps one value per
  trainable parameter, Adam two),
* the activations autograd keeps for the backward pass. These only exist from the first trainable layer
  onwards: nothing before it needs a gradient. :mod:`engine.models.layers.tree` measured them per image, in
  execution order, on the meta device; they grow with the batch size and the image size,
* a working margin for the layer being computed.

With a GPU present, :func:`measure_training_memory` runs one real forward/backward step and reports the
peak, which replaces the estimate. Speed is compared in FLOPs of one training step: the forward pass of the
whole model, plus the backward pass from the first trainable layer, plus weight gradients of trainable ones.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from collections.abc import Collection
from dataclasses import dataclass

import torch
from torch import nn

from engine.core.errors import ConfigError
from engine.core.i18n import tr, tr_later
from engine.models.heads import HeadOptions
from engine.models.layers.tree import LayerTree

log = logging.getLogger(__name__)

BYTES_PER_VALUE = 4  # float32
#: Share of the free memory a plan may use: allocators fragment, drivers and other programs need some.
SAFE_SHARE = 0.85
LARGEST_SUGGESTED_BATCH = 256
GB = 1024 ** 3


@dataclass(frozen=True, slots=True)
class MemoryEstimate:
    """Bytes one training step needs, and whether that fits in what the device has free."""

    device: str
    batch_size: int
    image_size: int
    weights: int
    gradients: int
    optimizer_state: int
    activations: int
    workspace: int
    available: int | None = None  # bytes free on the device, None when unknown
    suggested_batch: int | None = None  # largest power-of-two batch that fits (0: not even one image)
    measured: int | None = None  # peak of a real one-batch probe on the GPU

    @property
    def total(self) -> int:
        if self.measured is not None:
            return self.measured
        return self.weights + self.gradients + self.optimizer_state + self.activations + self.workspace

    @property
    def fits(self) -> bool | None:
        return None if self.available is None else self.total <= self.available * SAFE_SHARE

    def summary(self) -> str:
        """One or two sentences for the panel."""
        fields = {"total": gb(self.total), "batch": self.batch_size, "size": self.image_size,
                  "model": gb(self.weights), "optimizer": gb(self.gradients + self.optimizer_state),
                  "activations": gb(self.activations)}
        text = tr(_MEASURED if self.measured is not None else _ESTIMATED, **fields)
        if self.available is None:
            return text
        if self.fits:
            bigger = bool(self.suggested_batch and self.suggested_batch > self.batch_size)
            outcome = "fits_more" if bigger else "fits"
        else:
            outcome = "too_big" if self.suggested_batch else "nothing_fits"
        place = self.device if self.device in ("cuda", "mps") else "cpu"
        fit = tr(_FIT[(place, outcome)], free=gb(self.available), suggested=self.suggested_batch)
        return f"{text} {fit}"


_MEASURED = tr_later("Training memory (measured): about {total} for batches of {batch} images of {size} pixels "
                     "(model {model}, gradients and optimizer {optimizer}, activations {activations}).")
_ESTIMATED = tr_later("Training memory (estimated): about {total} for batches of {batch} images of {size} pixels "
                      "(model {model}, gradients and optimizer {optimizer}, activations {activations}).")
#: Whether the training fits, by the memory's place and the outcome (each a whole sentence).
_FIT = {
    ("cuda", "fits"): tr_later("The GPU has {free} free: it fits."),
    ("cuda", "fits_more"): tr_later("The GPU has {free} free: it fits; batches of up to {suggested} would fit."),
    ("cuda", "too_big"): tr_later("The GPU has {free} free: it does not fit. Use batches of {suggested} or fewer "
                                  "images, a smaller image size, or freeze more layers."),
    ("cuda", "nothing_fits"): tr_later("The GPU has {free} free: it does not fit even one image at a time. Choose a "
                                       "smaller model or image size."),
    ("mps", "fits"): tr_later("The Apple GPU has {free} free: it fits."),
    ("mps", "fits_more"): tr_later("The Apple GPU has {free} free: it fits; batches of up to {suggested} would "
                                   "fit."),
    ("mps", "too_big"): tr_later("The Apple GPU has {free} free: it does not fit. Use batches of {suggested} or "
                                 "fewer images, a smaller image size, or freeze more layers."),
    ("mps", "nothing_fits"): tr_later("The Apple GPU has {free} free: it does not fit even one image at a time. "
                                      "Choose a smaller model or image size."),
    ("cpu", "fits"): tr_later("This computer's memory has {free} free: it fits."),
    ("cpu", "fits_more"): tr_later("This computer's memory has {free} free: it fits; batches of up to {suggested} "
                                   "would fit."),
    ("cpu", "too_big"): tr_later("This computer's memory has {free} free: it does not fit. Use batches of "
                                 "{suggested} or fewer images, a smaller image size, or freeze more layers."),
    ("cpu", "nothing_fits"): tr_later("This computer's memory has {free} free: it does not fit even one image at a "
                                      "time. Choose a smaller model or image size."),
}


def gb(n_bytes: float) -> str:
    """``"1.2 GB"`` / ``"350 MB"``."""
    return f"{n_bytes / GB:.1f} GB" if n_bytes >= 0.95 * GB else f"{n_bytes / 1024 ** 2:.0f} MB"


def optimizer_slots(optimizer: str = "sgd", momentum: float = 0.9) -> int:
    """Values of optimizer state per trainable parameter: SGD 1 with momentum (else 0), Adam(W) 2."""
    if optimizer.lower().startswith("adam"):
        return 2
    return 1 if momentum > 0 else 0


def _first_trainable_seq(tree: LayerTree, frozen: Collection[str]) -> int:
    seqs = [tree.param_seq.get(p, 0) for p in tree.param_numel if p not in frozen]
    return min(seqs) if seqs else len(tree.seq_saved)


def estimate_memory(tree: LayerTree, frozen: Collection[str], batch_size: int, *, device: str = "cpu",
                    slots: int = 1, available: int | None = None) -> MemoryEstimate:
    """Estimate training memory for ``tree`` with the parameter names in ``frozen`` frozen.

    Example:
        >>> from engine.models.layers.tree import analyse_model
        >>> tree = analyse_model("resnet18", 64, 3)
        >>> full = estimate_memory(tree, (), 16)
        >>> head_only = estimate_memory(tree, set(tree.param_numel) - tree.head_params, 16)
        >>> head_only.activations < full.activations and head_only.gradients < full.gradients
        True
    """
    trainable = sum(n for p, n in tree.param_numel.items() if p not in frozen)
    start = _first_trainable_seq(tree, frozen)
    per_image = sum(tree.seq_saved[start:])
    input_bytes = 3 * tree.image_size ** 2 * BYTES_PER_VALUE
    estimate = MemoryEstimate(
        device=device, batch_size=batch_size, image_size=tree.image_size,
        weights=tree.total_params * BYTES_PER_VALUE, gradients=trainable * BYTES_PER_VALUE,
        optimizer_state=trainable * BYTES_PER_VALUE * slots, activations=per_image * batch_size,
        workspace=batch_size * (input_bytes + 2 * max(tree.seq_saved, default=0)),
    )
    if available is None:
        return estimate
    return _with_budget(estimate, available)


def _with_budget(estimate: MemoryEstimate, available: int) -> MemoryEstimate:
    fixed = estimate.weights + estimate.gradients + estimate.optimizer_state
    per_image = (estimate.activations + estimate.workspace) / estimate.batch_size
    budget = available * SAFE_SHARE - fixed
    batch = 0
    candidate = 1
    while candidate <= LARGEST_SUGGESTED_BATCH and candidate * per_image <= budget:
        batch, candidate = candidate, candidate * 2
    return dataclasses.replace(estimate, available=available, suggested_batch=batch)


def training_flops(tree: LayerTree, frozen: Collection[str]) -> int:
    """FLOPs of one training step for one image with ``frozen`` frozen (forward + the backward it needs)."""
    forward = tree.forward_flops
    start = _first_trainable_seq(tree, frozen)
    input_grads = sum(tree.seq_flops[start + 1:])  # the first trainable layer needs no gradient for its input
    weight_seqs = {tree.param_seq[p] for p in tree.param_numel if p not in frozen and p in tree.param_seq}
    weight_grads = sum(tree.seq_flops[s] for s in weight_seqs)
    return forward + input_grads + weight_grads


def relative_speed(tree: LayerTree, frozen: Collection[str]) -> float:
    """How many times faster a training step is than with every layer trained (1.0 = as slow).

    Example:
        >>> from engine.models.layers.tree import analyse_model
        >>> tree = analyse_model("resnet18", 64, 3)
        >>> relative_speed(tree, ()) == 1.0, relative_speed(tree, set(tree.param_numel) - tree.head_params) > 2.5
        (True, True)
    """
    return training_flops(tree, ()) / max(1, training_flops(tree, frozen))


def available_memory(device: str | torch.device) -> int | None:
    """Bytes free for training on ``device`` (``None`` when the system does not say)."""
    kind = torch.device(device).type
    try:
        if kind == "cuda":
            free, _total = torch.cuda.mem_get_info()
            return int(free)
        if kind == "mps":
            return int(torch.mps.recommended_max_memory())
    except (RuntimeError, AttributeError) as exc:
        log.info("could not ask %s for its free memory: %s", kind, exc)
        return None
    return _system_available()


def _system_available() -> int | None:
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/meminfo", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return None
    if sys.platform == "win32":
        return _windows_available()
    try:  # macOS and other Unix: only the total is known; assume half of it is free
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):
        return None


def _windows_available() -> int | None:  # pragma: no cover - Windows only
    import ctypes

    class _Status(ctypes.Structure):
        _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                    ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
                    ("ullTotalPageFile", ctypes.c_ulonglong), ("ullAvailPageFile", ctypes.c_ulonglong),
                    ("ullTotalVirtual", ctypes.c_ulonglong), ("ullAvailVirtual", ctypes.c_ulonglong),
                    ("ullAvailExtendedVirtual", ctypes.c_ulonglong)]

    status = _Status()
    status.dwLength = ctypes.sizeof(_Status)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore[attr-defined]
        return None
    return int(status.ullAvailPhys)


def measure_training_memory(model: nn.Module, batch_size: int, image_size: int, device: torch.device,
                            num_classes: int, slots: int = 1) -> int | None:
    """Peak GPU memory of one real training step (forward, backward, optimizer step), or ``None`` if it
    ran out of memory. ``model`` is already frozen as planned; it is moved to ``device`` and left there.

    Raises:
        ConfigError: ``device`` is not a CUDA GPU (only CUDA reports its peak memory use).
    """
    if device.type != "cuda":
        raise ConfigError(tr("Memory can only be measured on an NVIDIA GPU; elsewhere the app estimates it."))
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats(device)
    try:
        model.to(device)
        params = [p for p in model.parameters() if p.requires_grad]
        momentum = 0.9 if slots else 0.0
        optimizer = torch.optim.SGD(params, lr=1e-3, momentum=momentum) if slots < 2 else torch.optim.Adam(params)
        images = torch.randn(batch_size, 3, image_size, image_size, device=device)
        labels = torch.randint(0, num_classes, (batch_size,), device=device)
        loss = nn.functional.cross_entropy(model(images), labels)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        torch.cuda.synchronize(device)
        return int(torch.cuda.max_memory_allocated(device))
    except torch.cuda.OutOfMemoryError:
        return None
    finally:
        model.zero_grad(set_to_none=True)
        torch.cuda.empty_cache()


def measure_plan_memory(arch: str, num_classes: int, image_size: int, frozen: list[str], batch_size: int,
                        head: HeadOptions | None = None, slots: int = 1, weights: str = "imagenet") -> int | None:
    """Build ``arch`` (random weights: their values do not change memory), freeze ``frozen`` and measure
    one training step on the GPU with :func:`measure_training_memory`."""
    from engine.models.catalog import build_classifier
    from engine.models.layers.freezing import freeze_modules, keep_frozen_batchnorm_in_eval
    from engine.models.sources import hub_model_args

    if not torch.cuda.is_available():
        raise ConfigError(tr("Memory can only be measured on an NVIDIA GPU; elsewhere the app estimates it."))
    model, head_name = build_classifier(arch, num_classes, head, image_size, model_args=hub_model_args(arch, weights))
    freeze_modules(model, frozen, head_name, arch)
    model.train()
    keep_frozen_batchnorm_in_eval(model)
    try:
        return measure_training_memory(model, batch_size, image_size, torch.device("cuda"), num_classes, slots)
    finally:
        del model
        torch.cuda.empty_cache()
