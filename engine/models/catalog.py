"""The model catalog over torchvision's weights API (and timm's), and building a model with a new head.

What the catalog knows about each architecture (the list, :class:`ModelInfo`, the name and image-size checks)
lives in :mod:`engine.models.facts` and is re-exported here; this module builds: an architecture with random
weights (:func:`create_model`), its output layer found (:func:`find_head`) and replaced
(:func:`replace_head`, :func:`build_classifier`), and the device to train on (:func:`pick_device`).
"""

from __future__ import annotations

import logging
from typing import Any

import torch
import torchvision.models as tvm
from torch import nn

from engine.core.errors import ConfigError
from engine.core.i18n import tr
from engine.models import timm_models
from engine.models.facts import (
    FAMILY_NOTES,
    SHORTLIST,
    SPEED_CLASSES,
    ModelInfo,
    check_arch,
    check_image_size,
    family,
    imagenet_categories,
    imagenet_weights_enum,
    list_architectures,
    model_info,
    speed_class,
)
from engine.models.heads import HeadOptions, make_head
from engine.models.timm_models import is_timm

__all__ = [
    "FAMILY_NOTES", "IMAGENET_CLASSES", "SHORTLIST", "SPEED_CLASSES", "ModelInfo", "build_classifier", "check_arch",
    "check_image_size", "count_parameters", "create_model", "family", "find_head", "get_submodule",
    "imagenet_categories", "imagenet_weights_enum", "list_architectures", "model_info", "pick_device",
    "replace_head", "set_submodule", "speed_class",
]

log = logging.getLogger(__name__)

IMAGENET_CLASSES = 1000


def _size_kwargs(arch: str, image_size: int | None) -> dict[str, Any]:
    # ViT and MaxViT fix their input size when built; every other family accepts any size.
    if image_size is None:
        return {}
    fam = family(arch)
    if fam == "vit":
        return {"image_size": image_size}
    if fam == "maxvit":
        return {"input_size": (image_size, image_size)}
    return {}


def create_model(arch: str, image_size: int | None = None, *, meta: bool = False,
                 model_args: dict[str, Any] | None = None) -> nn.Module:
    """The architecture with random weights and its original 1000-class ImageNet head.

    Args:
        arch: a name from :func:`list_architectures`.
        image_size: the training image size (only ViT and MaxViT are built for one size).
        meta: build on PyTorch's "meta" device: shapes only, no memory, near-instant. Used to describe a
            model (layer tree, memory estimate) without building it for real.
        model_args: a hub folder's extra arguments for timm (config.json); ignored for torchvision models.

    Example:
        >>> create_model("resnet18", meta=True).fc.weight.device.type
        'meta'
    """
    check_arch(arch)
    if is_timm(arch):
        return timm_models.create_timm_model(arch, image_size, meta=meta, model_args=model_args)
    if image_size is not None:
        check_image_size(arch, image_size)
    kwargs: dict[str, Any] = _size_kwargs(arch, image_size)
    if arch in ("googlenet", "inception_v3"):
        # These build auxiliary classifiers only when asked; we never train them.
        kwargs["aux_logits"] = False
        kwargs["init_weights"] = False
    model: nn.Module
    if not meta:
        model = tvm.get_model(arch, weights=None, **kwargs)
        return model
    try:
        with torch.device("meta"):
            model = tvm.get_model(arch, weights=None, **kwargs)
    except (NotImplementedError, RuntimeError):
        # RegNet computes its widths with tensors and reads them back, which the meta device cannot do.
        log.debug("building %s on the CPU to describe it", arch)
        model = tvm.get_model(arch, weights=None, **kwargs).to("meta")
    return model


def find_head(model: nn.Module) -> str:
    """Dotted name of the layer that produces the 1000 ImageNet classes (``fc``, ``classifier.1``, ...).

    Found by shape rather than by a table of families, so every torchvision classifier is covered; a timm
    model names its own (``get_classifier``).

    Example:
        >>> find_head(create_model("efficientnet_b0", meta=True))
        'classifier.1'
    """
    if callable(getattr(model, "get_classifier", None)):
        return timm_models.classifier_name(model)
    found = ""
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear) and module.out_features == IMAGENET_CLASSES:
            found = name
        elif isinstance(module, nn.Conv2d) and module.out_channels == IMAGENET_CLASSES:
            found = name  # squeezenet classifies with a 1x1 convolution
    if not found:
        raise ConfigError(tr("The app could not find this model's output layer."))
    return found


def get_submodule(model: nn.Module, dotted: str) -> nn.Module:
    return model.get_submodule(dotted)


def set_submodule(model: nn.Module, dotted: str, new: nn.Module) -> None:
    parent_name, _, child = dotted.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, new)


def replace_head(model: nn.Module, head_name: str, num_classes: int,
                 options: HeadOptions | None = None) -> nn.Module:
    """Swap the ImageNet output layer for a fresh head with ``num_classes`` outputs (see :mod:`engine.models.heads`)."""
    old = model.get_submodule(head_name)
    device = next(old.parameters()).device
    with torch.device(device):  # a meta model gets a meta head
        new = make_head(old, num_classes, options)
    set_submodule(model, head_name, new)
    return new


def build_classifier(arch: str, num_classes: int, head: HeadOptions | None = None,
                     image_size: int | None = None, *, meta: bool = False,
                     model_args: dict[str, Any] | None = None) -> tuple[nn.Module, str]:
    """A model for ``num_classes`` classes with random weights, and the dotted name of its head.

    A timm model (``timm:<name>``) gets its new head from timm's ``reset_classifier``; ``model_args`` are a
    hub folder's extra arguments for timm (config.json), ignored for torchvision models.

    Example:
        >>> model, head = build_classifier("resnet18", 3, HeadOptions(dropout=0.2), meta=True)
        >>> head, type(model.fc).__name__
        ('fc', 'ClassifierHead')
    """
    if num_classes < 2:
        raise ConfigError(tr("A classifier needs at least two classes."))
    if is_timm(arch):
        return timm_models.build_timm_classifier(arch, num_classes, head, image_size, meta=meta,
                                                 model_args=model_args)
    model = create_model(arch, image_size, meta=meta)
    name = find_head(model)
    replace_head(model, name, num_classes, head)
    return model, name


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
        raise ConfigError(tr("No NVIDIA GPU is available on this computer. Choose the CPU or Automatic."))
    if requested == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ConfigError(tr("Apple GPU acceleration (MPS) is not available on this computer."))
    return torch.device(requested)
