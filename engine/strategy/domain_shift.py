"""How far the user's images move a pretrained model's internal statistics from the pretraining data's.

A BatchNorm layer keeps the running mean and variance of its inputs over the pretraining images. Run the
user's images through the frozen model and compare: photos like the pretraining ones give nearly the same
statistics; X-rays, scans or micrographs shift them a lot. This is the most direct measure of "how unlike
the pretraining data" available without the pretraining data itself.

Measured on a flowers-pretrained ResNet-18 (bench/bench_advisor.py): held-out flowers 0.12, ants/bees photos
0.13, brain MRI 1.98 (mean standardised shift + mean log standard-deviation ratio, averaged over layers).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

#: ``familiarity = exp(-shift / SHIFT_SCALE)``: 0.5 at a shift of about 0.35.
SHIFT_SCALE = 0.5


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
        return None if math.isnan(value) else math.exp(-value / SHIFT_SCALE)
