"""What the model catalog knows about each architecture, before anything is downloaded: the list (the
shortlist first), the facts (:class:`ModelInfo`) and the checks of a name and an image size.

Facts about each model (parameters, ImageNet accuracy, download size, input size and preprocessing) come
from the weights' ``meta`` and ``transforms()``, so they are known before anything is downloaded and stay
right when torchvision adds or updates models: there is no hand-written table of numbers here. The only
hand-written things are the shortlist (which models a newcomer sees first) and one sentence per family.
Building a model is :mod:`engine.models.catalog`'s (which re-exports these names).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import torchvision.models as tvm

from engine.core.errors import ConfigError
from engine.core.i18n import tr, tr_later
from engine.models import timm_models
from engine.models.timm_models import is_timm

#: Models offered first, in this order (the classics VGG, GoogLeNet and ResNet among them).
#: Everything else with ImageNet weights is under "more".
SHORTLIST = (
    "resnet18", "resnet50", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0", "efficientnet_b1",
    "efficientnet_b2", "efficientnet_b3", "convnext_tiny", "regnet_y_800mf", "densenet121", "vgg16",
    "googlenet", "vit_b_16", "swin_t",
)

#: Speed classes by ImageNet compute per image (torchvision's ``_ops``, GFLOPs at the native size).
#: The words are English (the catalog's keys): :func:`speed_class` gives them in the current language.
SPEED_CLASSES = ((0.5, tr_later("very fast")), (2.0, tr_later("fast")), (6.0, tr_later("medium")),
                 (20.0, tr_later("slow")), (float("inf"), tr_later("very slow")))

#: One plain sentence per family, shown beside the numbers (English; :attr:`ModelInfo.note` translates it).
FAMILY_NOTES = {
    "resnet": tr_later("ResNet: the dependable classic; a good first choice."),
    "efficientnet": tr_later("EfficientNet: accurate for its size; needs a larger image size for its best results."),
    "mobilenet": tr_later("MobileNet: small and fast, made for phones; a good choice without a GPU."),
    "mnasnet": tr_later("MnasNet: small and fast, made for phones."),
    "shufflenet": tr_later("ShuffleNet: very small and fast, made for phones."),
    "squeezenet": tr_later("SqueezeNet: tiny and old; accuracy is limited."),
    "convnext": tr_later("ConvNeXt: a modern convolutional network; accurate, needs a GPU to train comfortably."),
    "regnet": tr_later("RegNet: a family designed for a good speed/accuracy balance at every size."),
    "densenet": tr_later("DenseNet: compact and accurate, but memory-hungry while training."),
    "vgg": tr_later("VGG: the 2014 classic; simple but very large and slow."),
    "alexnet": tr_later("AlexNet: the 2012 classic that started deep learning for images; mainly of historical "
                        "interest."),
    "googlenet": tr_later("GoogLeNet (Inception v1): the 2014 classic; small and quick."),
    "inception": tr_later("Inception v3: accurate; made for 299-pixel images."),
    "vit": tr_later("Vision Transformer: needs many images or strong pretrained weights; slow without a GPU."),
    "swin": tr_later("Swin Transformer: a transformer that works well at many image sizes; needs a GPU."),
    "maxvit": tr_later("MaxViT: a large modern hybrid; needs a GPU and 224-pixel images."),
}


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What the catalog knows about one architecture, all from its default ImageNet weights."""

    name: str
    family: str
    params: int
    imagenet_top1: float | None
    imagenet_top5: float | None
    download_mb: float | None
    weights_name: str  # e.g. "ResNet18_Weights.IMAGENET1K_V1"
    url: str
    crop_size: int
    resize_size: int
    interpolation: str
    mean: tuple[float, ...]
    std: tuple[float, ...]
    min_size: int
    gflops: float | None
    shortlisted: bool
    source: str = "torchvision"  # or "timm"
    licence: str | None = None  # timm's pretrained_cfg says; torchvision's weights are BSD-3 / per model card

    @property
    def file_name(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    @property
    def title(self) -> str:
        """The name shown in lists: timm models say so (``efficientnet_lite0 (timm)``)."""
        return f"{timm_models.timm_name(self.name)} (timm)" if self.source == "timm" else self.name

    @property
    def speed_class(self) -> str:
        return speed_class(self.gflops)

    @property
    def note(self) -> str:
        note = FAMILY_NOTES.get(self.family, "")
        return tr(note) if note else ""

    @property
    def preprocessing_text(self) -> str:
        """What the pretrained weights expect, in words."""
        return tr("resize the short side to {resize} pixels ({interpolation}), centre crop {crop}×{crop}, scale "
                  "to 0–1, normalise with mean {mean} and standard deviation {std}", resize=self.resize_size,
                  interpolation=self.interpolation, crop=self.crop_size, mean=_triple(self.mean),
                  std=_triple(self.std))


def _triple(values: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:.3f}" for v in values) + ")"


def speed_class(gflops: float | None) -> str:
    """``"very fast"`` … ``"very slow"`` from compute per image. Example: ``speed_class(1.8) == "fast"``."""
    if gflops is None:
        return tr("unknown")
    return tr(next(label for limit, label in SPEED_CLASSES if gflops < limit))


def family(arch: str) -> str:
    """The architecture family: ``resnet`` for resnet50, resnext50_32x4d and wide_resnet50_2, etc.

    Example:
        >>> family("wide_resnet50_2"), family("mobilenet_v3_small"), family("swin_v2_t")
        ('resnet', 'mobilenet', 'swin')
    """
    for prefix, name in (("wide_resnet", "resnet"), ("resnext", "resnet"), ("inception", "inception"),
                         ("maxvit", "maxvit"), ("vit_", "vit")):
        if arch.startswith(prefix):
            return name
    for name in FAMILY_NOTES:
        if arch.startswith(name):
            return name
    return "other"


@lru_cache(maxsize=1)
def _available() -> frozenset[str]:
    return frozenset(tvm.list_models(module=tvm))


def list_architectures() -> list[str]:
    """Classification models with ImageNet weights: the shortlist first, then the rest alphabetically."""
    available = _available()
    rest = sorted(a for a in available if a not in SHORTLIST)
    return [a for a in SHORTLIST if a in available] + rest


@cache
def model_info(arch: str) -> ModelInfo:
    """Facts from ``weights.DEFAULT``.

    Example:
        >>> info = model_info("resnet18")
        >>> info.params, info.imagenet_top1, info.crop_size, info.speed_class
        (11689512, 69.758, 224, 'fast')
    """
    if is_timm(arch):
        return _timm_info(arch)
    weights = imagenet_weights_enum(arch)
    meta: dict[str, Any] = weights.meta
    transforms = weights.transforms()
    metrics = meta.get("_metrics", {}).get("ImageNet-1K", {})
    interpolation = getattr(transforms, "interpolation", None)
    return ModelInfo(
        name=arch,
        family=family(arch),
        params=int(meta.get("num_params", 0)),
        imagenet_top1=metrics.get("acc@1"),
        imagenet_top5=metrics.get("acc@5"),
        download_mb=meta.get("_file_size"),
        weights_name=str(weights),
        url=weights.url,
        crop_size=int(_first(getattr(transforms, "crop_size", 224))),
        resize_size=int(_first(getattr(transforms, "resize_size", 256))),
        interpolation=str(getattr(interpolation, "value", "bilinear")),
        mean=tuple(float(v) for v in getattr(transforms, "mean", (0.485, 0.456, 0.406))),
        std=tuple(float(v) for v in getattr(transforms, "std", (0.229, 0.224, 0.225))),
        min_size=int(_first(meta.get("min_size", (1, 1)))),
        gflops=meta.get("_ops"),
        shortlisted=arch in SHORTLIST,
    )


def _timm_info(arch: str) -> ModelInfo:
    """Facts from timm's default ``pretrained_cfg``; parameters and compute counted on a meta-device build.

    timm publishes no ImageNet accuracy offline, so ``imagenet_top1`` stays ``None`` ("not published") rather
    than a number copied from somewhere else.
    """
    cfg = timm_models.pretrained_cfg(arch)
    size = int(_last(cfg.get("input_size", (3, 224, 224))))
    params, gflops, size_bytes = timm_models.measured_facts(arch, size)
    hub_id = str(cfg.get("hf_hub_id") or "")
    crop_pct = float(cfg.get("crop_pct") or 0.875)
    return ModelInfo(
        name=arch, family=family(timm_models.timm_name(arch)), params=params, imagenet_top1=None,
        imagenet_top5=None, download_mb=round(size_bytes / 2**20, 1), weights_name=hub_id,
        url=f"https://huggingface.co/{hub_id}" if hub_id else "", crop_size=size,
        resize_size=round(size / crop_pct), interpolation=str(cfg.get("interpolation") or "bilinear"),
        mean=tuple(float(v) for v in cfg.get("mean", (0.485, 0.456, 0.406))),
        std=tuple(float(v) for v in cfg.get("std", (0.229, 0.224, 0.225))),
        min_size=int(_last(cfg.get("min_input_size") or (3, 32, 32))), gflops=gflops,
        shortlisted=timm_models.timm_name(arch) in timm_models.SHORTLIST, source="timm",
        licence=str(cfg["license"]) if cfg.get("license") else None)


def _last(value: Any) -> Any:
    return value[-1] if isinstance(value, (list, tuple)) else value


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, (list, tuple)) else value


def imagenet_weights_enum(arch: str) -> Any:
    """The torchvision weights entry (``ResNet18_Weights.IMAGENET1K_V1`` ...) for ``arch``."""
    check_arch(arch)
    return tvm.get_model_weights(arch).DEFAULT


def imagenet_categories(arch: str) -> list[str]:
    return list(imagenet_weights_enum(arch).meta["categories"])


def check_arch(arch: str) -> None:
    if is_timm(arch):
        timm_models.check_timm_arch(arch)
        return
    if arch not in _available():
        raise ConfigError(tr('"{arch}" is not a model this app knows. Choose one from the list.', arch=arch))


def check_image_size(arch: str, image_size: int) -> None:
    """Refuse, in words, an image size the architecture cannot take.

    Transformers cut the image into patches or windows, so their sizes are constrained; convolutional
    networks only need the image to survive their downsampling (torchvision's ``min_size``). A timm model is
    checked by building it (on the meta device) at that size: timm knows its own constraints.
    """
    if is_timm(arch):
        _check_timm_size(arch, image_size)
        return
    fam = family(arch)
    if fam == "vit":
        patch = _vit_patch(arch)
        if image_size % patch:
            lower = max(patch, image_size - image_size % patch)
            raise ConfigError(tr("{arch} cuts images into {patch}-pixel squares, so the image size must be a "
                                 "multiple of {patch} (for example {lower} or {higher}), not {size}.", arch=arch,
                                 patch=patch, lower=lower, higher=lower + patch, size=image_size))
    elif fam == "maxvit":
        if image_size % 224:
            raise ConfigError(tr("{arch} only works with image sizes that are multiples of 224 (224, 448…), not "
                                 "{size}.", arch=arch, size=image_size))
    elif fam != "swin":  # swin's meta min_size is its training size; it pads smaller images itself
        smallest = max(16, model_info(arch).min_size)
        if image_size < smallest:
            raise ConfigError(_too_small(arch, smallest, image_size))


def _check_timm_size(arch: str, image_size: int) -> None:
    smallest = max(16, model_info(arch).min_size)
    if image_size < smallest:
        raise ConfigError(_too_small(timm_models.timm_name(arch), smallest, image_size))
    if timm_models.fixed_input_size(arch):
        timm_models.check_timm_size(arch, image_size)


def _too_small(name: str, smallest: int, image_size: int) -> str:
    return tr("{arch} needs images of at least {smallest} pixels (the image size is {size}). Choose a larger "
              "image size or another model.", arch=name, smallest=smallest, size=image_size)


def _vit_patch(arch: str) -> int:
    return int(arch.rsplit("_", 1)[-1])
