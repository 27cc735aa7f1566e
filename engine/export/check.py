"""The check every export passes before it is written: the exported model must answer as the trained one.

Both run the same preprocessed images; the largest difference of any logit must stay within
:data:`TOLERANCE` and the top class must be the same on every image. The exported model runs them twice, all
at once and the first one alone, so a batch size fixed by mistake fails here rather than on the user's
machine. The result is stored beside the file (``<file>.check.json``) and shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from engine.core.i18n import tr, trn
from engine.export.samples import CheckImages

#: The largest logit difference an export may show (float32 kernels differ in summation order, no more).
TOLERANCE = 1e-3

Runner = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ExportCheck:
    """How the exported model's answers compare with PyTorch's on the same images."""

    format: str
    images: int
    source: str  # "validation" or "random"
    max_abs_diff: float
    same_top1: int  # images with the same top class (of ``images``)
    batch_sizes: tuple[int, ...]
    tolerance: float = TOLERANCE
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.max_abs_diff <= self.tolerance and self.same_top1 == self.images

    def sentence(self) -> str:
        """What the check found, in words.

        Example:
            >>> print(ExportCheck("ONNX", 32, "validation", 2.4e-06, 32, (32, 1)).sentence())
            Checked: on 32 validation images, ONNX gives the same top class as PyTorch on all 32,
            logits within 2.4e-06 (allowed: 1e-03).
        """
        fields = {"format": self.format, "diff": self.max_abs_diff, "allowed": self.tolerance,
                  "same": self.same_top1}
        real = self.source == "validation"
        if self.passed and real:
            text = trn("Checked: on {n} validation images, {format} gives the same top class as PyTorch on all {n}, "
                       "logits within {diff:.2g} (allowed: {allowed:.0e}).",
                       "Checked: on {n} validation images, {format} gives the same top class as PyTorch on all {n}, "
                       "logits within {diff:.2g} (allowed: {allowed:.0e}).", self.images, **fields)
        elif self.passed:
            text = trn("Checked: on {n} random inputs, {format} gives the same top class as PyTorch on all {n}, "
                       "logits within {diff:.2g} (allowed: {allowed:.0e}).",
                       "Checked: on {n} random inputs, {format} gives the same top class as PyTorch on all {n}, "
                       "logits within {diff:.2g} (allowed: {allowed:.0e}).", self.images, **fields)
        elif real:
            text = trn("Check failed: on {n} validation images, {format} gives the same top class as PyTorch on "
                       "only {same} of {n}, logits differ by up to {diff:.3g} (allowed: {allowed:.0e}).",
                       "Check failed: on {n} validation images, {format} gives the same top class as PyTorch on "
                       "only {same} of {n}, logits differ by up to {diff:.3g} (allowed: {allowed:.0e}).",
                       self.images, **fields)
        else:
            text = trn("Check failed: on {n} random inputs, {format} gives the same top class as PyTorch on "
                       "only {same} of {n}, logits differ by up to {diff:.3g} (allowed: {allowed:.0e}).",
                       "Check failed: on {n} random inputs, {format} gives the same top class as PyTorch on "
                       "only {same} of {n}, logits differ by up to {diff:.3g} (allowed: {allowed:.0e}).",
                       self.images, **fields)
        return f"{text} {self.note}".strip()

    def to_dict(self) -> dict[str, Any]:
        """What ``<file>.check.json`` holds."""
        return {**asdict(self), "batch_sizes": list(self.batch_sizes), "passed": self.passed,
                "sentence": self.sentence()}


@torch.no_grad()
def reference_logits(model: nn.Module, inputs: torch.Tensor, batch_size: int = 16) -> np.ndarray:
    """PyTorch's logits for ``inputs`` (the model in evaluation mode, on the CPU, float32)."""
    model.eval()
    chunks = inputs.split(batch_size)  # type: ignore[no-untyped-call]
    return torch.cat([model(chunk).float() for chunk in chunks]).numpy()


def compare(format_name: str, model: nn.Module, run: Runner, images: CheckImages) -> ExportCheck:
    """Run the exported model (``run``: NCHW float32 array to logits) beside ``model`` on the check images.

    Both see the images all at once and the first one alone, so an export that fixed the batch size, or a
    trace that recorded the path of one batch size, is caught.

    Example:
        >>> model = nn.Sequential(nn.Flatten(), nn.Linear(48, 2)).eval()
        >>> images = CheckImages(torch.rand(3, 3, 4, 4), ("a", "b", "c"), "validation")
        >>> compare("ONNX", model, lambda x: model(torch.from_numpy(x)).detach().numpy(), images).passed
        True
    """
    reference = reference_logits(model, images.inputs)
    reference_alone = reference_logits(model, images.inputs[:1])
    inputs = images.inputs.numpy()
    together = np.asarray(run(inputs), dtype=np.float32)
    alone = np.asarray(run(inputs[:1]), dtype=np.float32)
    sizes = (images.count, 1)
    if together.shape != reference.shape or alone.shape != reference_alone.shape:
        return ExportCheck(format_name, images.count, images.source, float("inf"), 0, sizes,
                           note=tr("Its output has the shape {shape} instead of {expected}.",
                                   shape=together.shape, expected=reference.shape))
    diff = max(float(np.abs(together - reference).max()), float(np.abs(alone - reference_alone).max()))
    same = int((together.argmax(1) == reference.argmax(1)).sum())
    if alone.argmax(1)[0] != reference_alone.argmax(1)[0]:
        same = min(same, images.count - 1)
    return ExportCheck(format_name, images.count, images.source, diff if np.isfinite(diff) else float("inf"),
                       same, sizes, note=images.note)
