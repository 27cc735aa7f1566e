"""How far the user's images move a pretrained model's internal statistics from the pretraining data's.

A BatchNorm layer keeps the running mean and variance of its inputs over the pretraining images. Run the
user's images through the frozen model and compare: photos like the pretraining ones give nearly the same
statistics; X-rays, scans or micrographs shift them a lot. This is the most direct measure of "how unlike
the pretraining data" available without the pretraining data itself.

The shift is the mean standardised shift + mean log standard-deviation ratio, averaged over layers. Measured on
real ImageNet weights (efficientnet_lite0 from its hub folder, bench/calibration/measure_similarity.py, 30 images
a class): ants/bees photos (ImageNet's own kind of images) 0.31, flowers 0.38, brain MRI 0.50, tile-scrambled
photos 0.80, coloured noise 0.95. Even ImageNet's own photos never reach 0: a sample's statistics, taken on
centre crops, differ from running averages recorded under training-time augmentation. So the shift is counted
from a floor, the shift of the pretraining kind of photos.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

#: ``familiarity = exp(-max(0, shift - SHIFT_FLOOR) / SHIFT_SCALE)``. The floor is what ImageNet's own photos
#: show (ants/bees 0.31); the scale puts everyday photos high and scans low (measured: ants/bees 0.91, flowers
#: 0.59, brain MRI 0.26, scrambled photos 0.04, noise 0.01). On the old stand-in scale (0.5, no floor) the
#: MRI scans came out "37% familiar", not far from the flowers' 47%.
SHIFT_FLOOR = 0.3
SHIFT_SCALE = 0.15


def familiarity_of_shift(shift: float) -> float:
    """0..1 from a BatchNorm shift: 1 up to the floor, then falling off exponentially.

    Example:
        >>> familiarity_of_shift(0.2), round(familiarity_of_shift(0.3 + 0.15), 3)
        (1.0, 0.368)
    """
    return math.exp(-max(0.0, shift - SHIFT_FLOOR) / SHIFT_SCALE)


class BatchNormShift:
    """Collects per-channel input statistics at every BatchNorm layer while registered.

    Example:
        >>> with BatchNormShift(model) as shift:  # doctest: +SKIP
        ...     model(images)
        >>> shift.familiarity()  # doctest: +SKIP
        0.78
    """

    def __init__(self, model: nn.Module) -> None:
        self.layers = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
                       and m.running_mean is not None and m.running_var is not None]
        self._sums: dict[int, list[torch.Tensor | int]] = {}
        self._hooks: list[Any] = []

    def __enter__(self) -> BatchNormShift:
        self._hooks = [layer.register_forward_hook(self._collect) for layer in self.layers]
        return self

    def __exit__(self, *_: object) -> None:
        for hook in self._hooks:
            hook.remove()
        self._hooks = []

    @property
    def available(self) -> bool:
        """False for models without BatchNorm (ViT, Swin, ConvNeXt use LayerNorm)."""
        return bool(self.layers) and bool(self._sums)

    def _collect(self, module: nn.Module, inputs: tuple[torch.Tensor, ...], _output: Any) -> None:
        x = inputs[0].detach().float()
        dims = [d for d in range(x.dim()) if d != 1]  # every axis but the channels
        count = x.numel() // x.shape[1]
        entry = self._sums.setdefault(id(module), [torch.zeros(x.shape[1]), torch.zeros(x.shape[1]), 0])
        entry[0] = entry[0] + x.sum(dim=dims).cpu()
        entry[1] = entry[1] + (x * x).sum(dim=dims).cpu()
        entry[2] = int(entry[2]) + count

    def shift(self) -> float:
        """Mean over layers of (mean |standardised mean difference| + mean |log std ratio|)."""
        per_layer: list[float] = []
        for layer in self.layers:
            entry = self._sums.get(id(layer))
            if entry is None or int(entry[2]) < 2:
                continue
            total, squares, count = entry[0], entry[1], int(entry[2])
            assert isinstance(total, torch.Tensor) and isinstance(squares, torch.Tensor)
            mean = total / count
            var = (squares / count - mean * mean).clamp_min(0.0)
            run_mean = layer.running_mean.detach().float().cpu()  # type: ignore[union-attr]
            run_var = layer.running_var.detach().float().cpu()  # type: ignore[union-attr]
            eps = float(layer.eps)
            standardised = ((mean - run_mean).abs() / (run_var + eps).sqrt()).mean()
            log_ratio = (0.5 * torch.log((var + eps) / (run_var + eps))).abs().mean()
            per_layer.append(float(standardised + log_ratio))
        return sum(per_layer) / len(per_layer) if per_layer else math.nan

    def familiarity(self) -> float | None:
        """0..1: 1 = statistics as in pretraining, 0 = far away; None without BatchNorm layers."""
        value = self.shift()
        return None if math.isnan(value) else familiarity_of_shift(value)
