"""The model catalog over torchvision's weights API, and building a model with a new head.

Facts about each model (parameters, ImageNet accuracy, download size, preprocessing) come from the
weights' ``meta``, so they are known before anything is downloaded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import torch
import torchvision.models as tvm
from torch import nn

from engine.errors import ConfigError

log = logging.getLogger(__name__)

#: Models offered first, in this order. Everything else with ImageNet weights is under "more".
SHORTLIST = (
    "resnet18", "resnet50", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0", "efficientnet_b1",
    "efficientnet_b2", "efficientnet_b3", "convnext_tiny", "regnet_y_800mf", "densenet121", "vgg16",
    "googlenet", "vit_b_16", "swin_t",
)
IMAGENET_CLASSES = 1000


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What the catalog knows about one architecture."""

    name: str
    params: int
    imagenet_top1: float | None
    download_mb: float | None
    weights_name: str  # e.g. "ResNet18_Weights.IMAGENET1K_V1"
    url: str
    crop_size: int
    resize_size: int
    gflops: float | None
    shortlisted: bool

    @property
    def file_name(self) -> str:
        return self.url.rsplit("/", 1)[-1]


def list_architectures() -> list[str]:
    """Classification models with ImageNet weights: the shortlist first, then the rest alphabetically."""
    available = set(tvm.list_models(module=tvm))
    rest = sorted(a for a in available if a not in SHORTLIST)
    return [a for a in SHORTLIST if a in available] + rest


@lru_cache(maxsize=None)
def model_info(arch: str) -> ModelInfo:
    """Facts from ``weights.DEFAULT.meta``. Example: ``model_info("resnet18").params == 11689512``."""
    weights = imagenet_weights_enum(arch)
    meta: dict[str, Any] = weights.meta
    transforms = weights.transforms()
    metrics = meta.get("_metrics", {}).get("ImageNet-1K", {})
    return ModelInfo(
        name=arch,
        params=int(meta.get("num_params", 0)),
        imagenet_top1=metrics.get("acc@1"),
        download_mb=meta.get("_file_size"),
        weights_name=str(weights),
        url=weights.url,
        crop_size=int(_first(getattr(transforms, "crop_size", 224))),
        resize_size=int(_first(getattr(transforms, "resize_size", 256))),
        gflops=meta.get("_ops"),
        shortlisted=arch in SHORTLIST,
    )


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, (list, tuple)) else value


def imagenet_weights_enum(arch: str) -> Any:
    """The torchvision weights entry (``ResNet18_Weights.IMAGENET1K_V1`` ...) for ``arch``."""
    check_arch(arch)
    return tvm.get_model_weights(arch).DEFAULT


def imagenet_categories(arch: str) -> list[str]:
    return list(imagenet_weights_enum(arch).meta["categories"])


def check_arch(arch: str) -> None:
    if arch not in set(tvm.list_models(module=tvm)):
        raise ConfigError(f'"{arch}" is not a model this app knows. Choose one from the list.')


def create_model(arch: str) -> nn.Module:
    """The architecture with random weights and its original 1000-class ImageNet head."""
    check_arch(arch)
    kwargs: dict[str, Any] = {}
    if arch in ("googlenet", "inception_v3"):
        # These build auxiliary classifiers only when asked; we never train them.
        kwargs["aux_logits"] = False
        kwargs["init_weights"] = False
    return tvm.get_model(arch, weights=None, **kwargs)


def find_head(model: nn.Module) -> str:
    """Dotted name of the layer that produces the 1000 ImageNet classes (``fc``, ``classifier.1``, ...).

    Found by shape rather than by a table of families, so every torchvision classifier is covered.
    """
    found = ""
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear) and module.out_features == IMAGENET_CLASSES:
            found = name
        elif isinstance(module, nn.Conv2d) and module.out_channels == IMAGENET_CLASSES:
            found = name  # squeezenet classifies with a 1x1 convolution
    if not found:
        raise ConfigError("The app could not find this model's output layer.")
    return found


def get_submodule(model: nn.Module, dotted: str) -> nn.Module:
    return model.get_submodule(dotted)


def set_submodule(model: nn.Module, dotted: str, new: nn.Module) -> None:
    parent_name, _, child = dotted.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, new)


def replace_head(model: nn.Module, head_name: str, num_classes: int) -> nn.Module:
    """Swap the ImageNet output layer for a fresh one with ``num_classes`` outputs."""
    old = model.get_submodule(head_name)
    if isinstance(old, nn.Linear):
        new: nn.Module = nn.Linear(old.in_features, num_classes)
    elif isinstance(old, nn.Conv2d):
        new = nn.Conv2d(old.in_channels, num_classes, kernel_size=old.kernel_size)
    else:  # pragma: no cover - find_head only returns the two kinds above
        raise ConfigError(f"Unsupported output layer type {type(old).__name__}.")
    set_submodule(model, head_name, new)
    return new


def build_classifier(arch: str, num_classes: int) -> tuple[nn.Module, str]:
    """A model for ``num_classes`` classes with random weights, and the dotted name of its head."""
    if num_classes < 2:
        raise ConfigError("A classifier needs at least two classes.")
    model = create_model(arch)
    head = find_head(model)
    replace_head(model, head, num_classes)
    return model, head


def count_parameters(model: nn.Module, *, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def pick_device(requested: str) -> torch.device:
    """``auto`` prefers CUDA, then Apple's MPS, then the CPU."""
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise ConfigError("No NVIDIA GPU is available on this computer. Choose the CPU or Automatic.")
    if requested == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ConfigError("Apple GPU acceleration (MPS) is not available on this computer.")
    return torch.device(requested)
