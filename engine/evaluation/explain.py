"""Grad-CAM: which parts of an image made the model choose a class (torch hooks, no extra library).

Grad-CAM (Selvaraju et al., 2017) weighs a layer's feature maps by the gradient of the class score and keeps
the positive sum. The layer must still have a spatial layout and must reach the score through that layout:

* CNNs (ResNet, EfficientNet, ConvNeXt, DenseNet...): the last ``(N, C, H, W)`` output with ``H, W > 1``.
* Swin: the same rule finds torchvision's ``permute`` to ``(N, C, H, W)`` before pooling.
* ViT: the last token layer ``(N, 1 + H*W, D)`` whose patch tokens still receive a gradient, which is the
  input norm of the last encoder block (later layers only pass the class token on).

For tokens the map is the token-wise ``|gradient x activation|`` rather than Grad-CAM's channel weights
averaged over positions: attention is not translation-equivariant like a convolution, and on a small ViT
trained to find a bright square (tests/engine/test_explain.py) the averaged weights put the hottest patch on
the square in 9 of 20 images, the token-wise map in 20 of 20.

So the target is found generically: one probe forward/backward records every module's output and its
gradient, and the last one that has a spatial layout *and* a non-zero gradient on it is chosen.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from torch import nn
from torchvision.transforms import v2

from engine.core.errors import StudioError
from engine.core.i18n import tr
from engine.data.images.decode import load_image
from engine.data.loaders import Preprocessing, image_to_tensor
from engine.models.saved import ExportedModel

Layout = Literal["nchw", "tokens"]
#: Adaptive pooling only resizes the map before it (VGG's 7x7 pool would upsample a 2x2 map): skip it.
_RESIZERS = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
#: A token sequence may carry this many extra tokens (class, distillation...) before the patches.
MAX_PREFIX_TOKENS = 8


#: Grad-CAM hooks models; one explanation at a time keeps two callers from reading each other's hooks.
_HOOK_LOCK = threading.RLock()


class ExplainError(StudioError):
    """Grad-CAM cannot be computed for this model or image."""


@dataclass(frozen=True, slots=True)
class TargetLayer:
    """The layer Grad-CAM looks at; ``prefix_tokens`` leading tokens are not image patches."""

    name: str
    layout: Layout
    prefix_tokens: int = 0


def _token_grid(n_tokens: int) -> tuple[int, int] | None:
    """``(prefix, side)`` when ``n_tokens`` = prefix + side*side with a square patch grid, else ``None``."""
    side = math.isqrt(n_tokens)
    prefix = n_tokens - side * side
    return (prefix, side) if side > 1 and prefix <= MAX_PREFIX_TOKENS else None


def _candidate(output: torch.Tensor, grad: torch.Tensor | None) -> tuple[Layout, int] | None:
    """How ``output`` could be read as an image-shaped map whose gradient is not zero, or ``None``."""
    if grad is None or output.shape[0] != 1:
        return None
    if output.dim() == 4 and output.shape[2] > 1 and output.shape[3] > 1:
        return ("nchw", 0) if bool(grad.abs().sum() > 0) else None
    if output.dim() == 3:
        grid = _token_grid(int(output.shape[1]))
        if grid is not None and bool(grad[:, grid[0]:].abs().sum() > 0):
            return ("tokens", grid[0])
    return None


def find_target_layer(model: nn.Module, image_size: int) -> TargetLayer:
    """The layer to explain for any classifier (see the module docstring for the rule).

    Example:
        >>> find_target_layer(torchvision.models.resnet18(), 224).name  # doctest: +SKIP
        'layer4'
    """
    records: list[tuple[str, torch.Tensor]] = []
    head_input: list[torch.Tensor] = []

    def hook(name: str, leaf: bool) -> Any:
        def record(module: nn.Module, inputs: Any, output: Any) -> None:
            if isinstance(output, torch.Tensor) and output.requires_grad and not isinstance(module, _RESIZERS):
                records.append((name, output))
            if leaf and inputs and isinstance(inputs[0], torch.Tensor) and inputs[0].requires_grad:
                head_input[:] = [inputs[0]]
        return record

    handles = [m.register_forward_hook(hook(n, not any(True for _ in m.children())))
               for n, m in model.named_modules() if n]
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            grads = _probe_gradients(model, image_size, records, head_input)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    # Modules report in the order they finish, so the last hit is the deepest spatial layer.
    for (name, output), grad in reversed(list(zip(records, grads))):
        found = _candidate(output, grad)
        if found is not None:
            return TargetLayer(name, found[0], found[1])
    raise ExplainError(tr("This model has no layer with an image layout left to explain, so Grad-CAM is not "
                          "available for it."))


def _probe_gradients(model: nn.Module, image_size: int, records: list[tuple[str, torch.Tensor]],
                     head_input: list[torch.Tensor]) -> tuple[torch.Tensor | None, ...]:
    """Gradients of every recorded output for a random function of the last layer's input.

    Not of a logit: a fresh ViT head is initialised to zero, which would zero every gradient before it.
    """
    generator = torch.Generator().manual_seed(0)
    device = next(model.parameters()).device
    probe = torch.randn(1, 3, image_size, image_size, generator=generator).to(device).requires_grad_(True)
    model(probe)
    if not head_input or not records:
        raise ExplainError(tr("Grad-CAM could not follow this model's layers, so it is not available for it."))
    features = head_input[0]
    weights = torch.randn(features.shape, generator=generator).to(features.device)
    return torch.autograd.grad((features * weights).sum(), [t for _, t in records], allow_unused=True)


class GradCam:
    """Grad-CAM over one model. Thread-safe: explanations run one at a time.

    Example:
        >>> cam = GradCam(model, image_size=224)  # doctest: +SKIP
        >>> heat, probs = cam.heatmap(batch_of_one)  # doctest: +SKIP
        >>> heat.shape, float(heat.max())  # doctest: +SKIP
        ((224, 224), 1.0)
    """

    def __init__(self, model: nn.Module, *, image_size: int, target: TargetLayer | None = None) -> None:
        self.model = model
        self.image_size = image_size
        with _HOOK_LOCK:
            self.target = target or find_target_layer(model, image_size)
        self._module = model.get_submodule(self.target.name)

    def heatmap(self, batch: torch.Tensor, class_index: int | None = None) -> tuple[NDArray[np.float32],
                                                                                   NDArray[np.float64]]:
        """Heat ``(H, W)`` in 0..1 at the input's size for ``class_index`` (default: the predicted class),
        and the class probabilities. ``batch`` is one preprocessed image ``(1, 3, H, W)``."""
        with _HOOK_LOCK:
            activation, logits = self._forward(batch)
            probs = torch.softmax(logits[0].detach().float(), dim=0).cpu().numpy().astype(np.float64)
            index = int(probs.argmax()) if class_index is None else class_index
            (grad,) = torch.autograd.grad(logits[0, index], activation)
        acts, grads = self._as_nchw(activation.detach()), self._as_nchw(grad.detach())
        if self.target.layout == "nchw":  # Grad-CAM: channels weighted by their mean gradient
            cam = F.relu((grads.mean(dim=(2, 3), keepdim=True) * acts).sum(dim=1, keepdim=True)).float()
        else:  # tokens: |gradient x activation| per token (see the module docstring)
            cam = (grads * acts).sum(dim=1, keepdim=True).abs().float()
        cam = F.interpolate(cam, size=tuple(batch.shape[-2:]), mode="bilinear", align_corners=False)[0, 0]
        peak = float(cam.max())
        cam = cam / peak if peak > 0 else torch.zeros_like(cam)
        return cam.cpu().numpy().astype(np.float32), probs

    def _forward(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        captured: list[torch.Tensor] = []
        me = threading.get_ident()

        def capture(_module: nn.Module, _inputs: Any, output: Any) -> None:
            # Another thread may predict with the same model meanwhile: keep only this call's output.
            if threading.get_ident() == me and isinstance(output, torch.Tensor):
                captured.append(output)

        handle = self._module.register_forward_hook(capture)
        was_training = self.model.training
        self.model.eval()
        device = next(self.model.parameters()).device
        try:
            with torch.enable_grad():
                # A gradient on the input keeps the graph alive even when every weight is frozen.
                logits = self.model(batch.to(device).requires_grad_(True))
        finally:
            handle.remove()
            self.model.train(was_training)
        if not captured:
            raise ExplainError(tr("The layer {name} was not used for this image.", name=self.target.name))
        return captured[-1], logits

    def _as_nchw(self, tensor: torch.Tensor) -> torch.Tensor:
        if self.target.layout == "nchw":
            return tensor
        patches = tensor[:, self.target.prefix_tokens:, :]
        side = math.isqrt(patches.shape[1])
        return patches.reshape(patches.shape[0], side, side, patches.shape[2]).permute(0, 3, 1, 2)


def model_view(array: NDArray[np.uint8], preprocessing: Preprocessing) -> NDArray[np.uint8]:
    """The part of an image the model sees (resized and centre-cropped), as ``(S, S, 3)`` uint8."""
    view = v2.Compose([v2.Resize(preprocessing.resize_size, interpolation=preprocessing.resize_mode, antialias=True),
                       v2.CenterCrop(preprocessing.image_size)])
    out: NDArray[np.uint8] = view(image_to_tensor(array)).permute(1, 2, 0).contiguous().numpy()
    return out


@dataclass(frozen=True)
class Explanation:
    """Grad-CAM for one image: ``image`` is what the model saw, ``heat`` (same size) is 0..1."""

    path: str
    image: NDArray[np.uint8]
    heat: NDArray[np.float32]
    class_index: int
    class_name: str
    probabilities: NDArray[np.float64]
    layer: str


def explain_image(exported: ExportedModel, path: str | Path, *, class_index: int | None = None,
                  cam: GradCam | None = None) -> Explanation:
    """Grad-CAM of ``path`` for ``class_index`` (default: the predicted class).

    Pass the same ``cam`` for many images of one model: finding the target layer costs one probe pass.

    Example:
        >>> e = explain_image(load_exported_model("runs/flowers"), "daisy.jpg")  # doctest: +SKIP
        >>> e.class_name, overlay(e.image, e.heat, 0.5).shape  # doctest: +SKIP
        ('daisy', (224, 224, 3))
    """
    prep = exported.preprocessing
    cam = cam or GradCam(exported.model, image_size=prep.image_size)
    array = load_image(path, min_side=prep.resize_size)
    batch = prep.eval_transform()(image_to_tensor(array)).unsqueeze(0)
    heat, probs = cam.heatmap(batch, class_index)
    index = int(probs.argmax()) if class_index is None else class_index
    return Explanation(str(path), model_view(array, prep), heat, index, exported.class_names[index], probs,
                       cam.target.name)


def _colormap(heat: NDArray[np.float32]) -> NDArray[np.float64]:
    """A blue-cyan-yellow-red ramp (like "jet"), so hot areas read as hot to anyone."""
    h = np.clip(heat, 0.0, 1.0)[..., None]
    red = np.clip(1.5 - np.abs(4 * h - 3), 0, 1)
    green = np.clip(1.5 - np.abs(4 * h - 2), 0, 1)
    blue = np.clip(1.5 - np.abs(4 * h - 1), 0, 1)
    return np.concatenate([red, green, blue], axis=-1) * 255.0


def overlay(image: NDArray[np.uint8], heat: NDArray[np.float32], opacity: float) -> NDArray[np.uint8]:
    """``image`` with the coloured heat laid over it; ``opacity`` 0 shows the image only, 1 the heat only.

    The heat is weighted by its own strength too, so cold areas keep the image visible.

    Example:
        >>> overlay(np.zeros((2, 2, 3), np.uint8), np.ones((2, 2), np.float32), 1.0)[0, 0].tolist()
        [128, 0, 0]
    """
    if heat.shape != image.shape[:2]:
        raise ValueError(f"heat {heat.shape} does not match image {image.shape[:2]}")  # not translated: a bug
    alpha = float(np.clip(opacity, 0.0, 1.0)) * np.clip(heat, 0.0, 1.0)[..., None] ** 0.5
    mixed = image.astype(np.float64) * (1 - alpha) + _colormap(heat) * alpha
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
