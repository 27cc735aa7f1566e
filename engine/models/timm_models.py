"""timm (PyTorch Image Models) as a second source of architectures beside torchvision.

A timm architecture is named ``timm:<timm name>`` everywhere in the app (config.json, model.json, the layer
tree), so that it never collides with a torchvision name (both have an ``efficientnet_b0``). The facts shown
for it come from timm itself: its ``pretrained_cfg`` (input size, mean/std, crop, licence, hub id) and the
model built on PyTorch's meta device (parameters, compute). Nothing here downloads: the weights come from a
hub folder or the hub (engine/models/hub.py) and are loaded by the app, never by timm, and hub code
(``trust_remote_code``) is never run.

The new head is timm's own ``reset_classifier``: timm knows where each family keeps its classifier
(``classifier``, ``fc``, ``head``, ``head.fc``...), including backbones published without one.
"""

from __future__ import annotations

import logging
from functools import cache, lru_cache
from typing import Any

import torch
from torch import nn

from engine.core.errors import ConfigError
from engine.core.i18n import tr
from engine.models.heads import HeadOptions, make_head

log = logging.getLogger(__name__)

PREFIX = "timm:"

#: timm models offered first in the catalog, in this order: small and fast first, permissive licences, and
#: backbones that are strong starting points for data unlike ImageNet (DINOv2).
SHORTLIST = (
    "efficientnet_lite0", "mobilenetv3_large_100", "efficientnet_b0", "resnet50", "convnext_tiny",
    "regnety_008", "edgenext_xx_small", "deit_tiny_patch16_224", "vit_small_patch16_224",
    "vit_small_patch14_dinov2", "swin_tiny_patch4_window7_224",
)


def is_timm(arch: str) -> bool:
    """Whether ``arch`` names a timm architecture. Example: ``is_timm("timm:resnet50") is True``."""
    return arch.startswith(PREFIX)


def timm_name(arch: str) -> str:
    """timm's own name. Example: ``timm_name("timm:efficientnet_lite0") == "efficientnet_lite0"``."""
    return arch.removeprefix(PREFIX)


def timm_arch(name: str) -> str:
    """The app's name for timm's ``name`` (a pretrained tag such as ``.ra_in1k`` is dropped).

    Example:
        >>> timm_arch("efficientnet_lite0.ra_in1k")
        'timm:efficientnet_lite0'
    """
    return PREFIX + timm_name(name).split(".", 1)[0]


def timm_knows(name: str) -> bool:
    import timm

    return bool(timm.is_model(timm_name(name).split(".", 1)[0]))


def check_timm_arch(arch: str) -> None:
    if _recorded(arch) is not None:
        return  # recorded from this timm version, so timm knows it
    if not timm_knows(arch):
        raise ConfigError(tr('"{arch}" is not an architecture that timm (version {version}) knows. Check the name, or '
                             "update timm if the model is newer than it.", arch=timm_name(arch),
                             version=_timm_version()))


def _timm_version() -> str:
    import timm

    return str(timm.__version__)


def _recorded(arch: str) -> dict[str, Any] | None:
    """The shortlist's facts as recorded from this very timm version (engine/models/timm_record.py), or None."""
    from importlib.metadata import PackageNotFoundError, version

    from engine.models.timm_facts import FACTS, TIMM_VERSION

    try:
        installed = version("timm")
    except PackageNotFoundError:
        return None
    found = FACTS.get(timm_name(arch))
    return dict(found) if found is not None and installed == TIMM_VERSION else None


@cache
def pretrained_cfg(arch: str) -> dict[str, Any]:
    """timm's default pretrained configuration of ``arch`` (its default tag): preprocessing, hub id, licence.

    For the shortlist, as recorded from the installed timm version (no import of timm); otherwise asked live.
    """
    recorded = _recorded(arch)
    if recorded is not None:
        return dict(recorded["pretrained_cfg"])
    return live_pretrained_cfg(arch)


def live_pretrained_cfg(arch: str) -> dict[str, Any]:
    """timm's default pretrained configuration of ``arch``, asked from timm itself."""
    from timm.models import get_pretrained_cfg

    check_timm_arch(arch)
    cfg = get_pretrained_cfg(timm_name(arch))
    return dict(cfg.to_dict()) if cfg is not None else {}  # type: ignore[no-untyped-call]


def fixed_input_size(arch: str, model_args: dict[str, Any] | None = None) -> bool:
    """Transformers built for one size (ViT, Swin...) need that size when they are created."""
    if model_args and model_args.get("dynamic_img_size"):
        return False
    return bool(pretrained_cfg(arch).get("fixed_input_size", False))


def create_timm_model(arch: str, image_size: int | None = None, *, meta: bool = False,
                      model_args: dict[str, Any] | None = None) -> nn.Module:
    """The timm architecture with random weights (timm never downloads here: ``pretrained=False``).

    ``model_args`` are the hub folder's (config.json), e.g. ``{"init_values": 1e-5}`` for a published
    backbone; ``image_size`` is passed on to the models that are built for one size.

    Example:
        >>> create_timm_model("timm:resnet18", meta=True).fc.out_features
        1000
    """
    import timm

    check_timm_arch(arch)
    kwargs: dict[str, Any] = {k: v for k, v in (model_args or {}).items() if k not in ("pretrained_cfg",)}
    kwargs.setdefault("num_classes", 1000)
    if image_size is not None and fixed_input_size(arch, model_args):
        kwargs["img_size"] = image_size
    try:
        if meta:
            with torch.device("meta"):
                model: nn.Module = timm.create_model(timm_name(arch), pretrained=False, **kwargs)
        else:
            model = timm.create_model(timm_name(arch), pretrained=False, **kwargs)
    except (TypeError, ValueError, AssertionError, RuntimeError) as exc:
        log.info("timm could not build %s with %s: %s", arch, kwargs, exc)
        if image_size:
            raise ConfigError(tr("timm could not build {arch} at {size} pixels ({error}). Try another image size "
                                 "(for example its own, 224) or another model.", arch=timm_name(arch),
                                 size=image_size, error=exc)) from exc
        raise ConfigError(tr("timm could not build {arch} ({error}). Try another image size (for example its "
                             "own, 224) or another model.", arch=timm_name(arch), error=exc)) from exc
    return model


def check_timm_size(arch: str, image_size: int) -> None:
    """Build and run ``arch`` at ``image_size`` on the meta device (no memory): a size it refuses (a ViT whose
    patches do not tile the image) is a ConfigError in words."""
    model = create_timm_model(arch, image_size, meta=True)
    try:
        with torch.no_grad():
            model.eval()(torch.empty(1, 3, image_size, image_size, device="meta"))
    except (AssertionError, RuntimeError, ValueError) as exc:
        log.info("%s refused %d pixels: %s", arch, image_size, exc)
        raise ConfigError(tr("{arch} cannot work with {size}-pixel images ({error}). Choose another image size, for "
                             "example {example}.", arch=timm_name(arch), size=image_size, error=exc,
                             example=int(pretrained_cfg(arch).get('input_size', (3, 224))[-1]))) \
            from exc


def classifier_name(model: nn.Module) -> str:
    """The dotted name of the module timm calls the classifier (``classifier``, ``head.fc``...)."""
    get = getattr(model, "get_classifier", None)
    found = get() if callable(get) else None
    if isinstance(found, nn.Module):
        for name, module in model.named_modules():
            if module is found and name:
                return str(name)
    raise ConfigError(tr("This timm model has no single output layer the app can replace (for example a model with "
                         "two classifiers). Choose another model."))


def build_timm_classifier(arch: str, num_classes: int, head: HeadOptions | None = None,
                          image_size: int | None = None, *, meta: bool = False,
                          model_args: dict[str, Any] | None = None) -> tuple[nn.Module, str]:
    """A timm model whose classifier timm itself reset to ``num_classes`` outputs; returns it and the head's name.

    A head with dropout or a hidden layer (:class:`HeadOptions`) then takes the reset layer's place.

    Example:
        >>> model, head = build_timm_classifier("timm:resnet18", 3, meta=True)
        >>> head, model.fc.out_features
        ('fc', 3)
    """
    model = create_timm_model(arch, image_size, meta=meta, model_args=model_args)
    reset = getattr(model, "reset_classifier", None)
    if not callable(reset):
        raise ConfigError(tr("The timm model {arch} cannot be given a new output layer. Choose another model.",
                             arch=timm_name(arch)))
    if meta:
        with torch.device("meta"):
            reset(num_classes)
    else:
        reset(num_classes)
    name = classifier_name(model)
    options = head or HeadOptions()
    if not options.plain:
        old = model.get_submodule(name)
        with torch.device(next(old.parameters()).device):
            new = make_head(old, num_classes, options)
        parent, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent) if parent else model, child, new)
    return model, name


@lru_cache(maxsize=64)
def measured_facts(arch: str, image_size: int) -> tuple[int, float | None, int]:
    """``(parameters, GFLOPs per image, weights bytes in float32)`` of ``arch`` at ``image_size``: recorded for the
    shortlist at its own size (engine/models/timm_facts.py), else :func:`measure_facts`."""
    recorded = _recorded(arch)
    if recorded is not None and int(recorded["pretrained_cfg"]["input_size"][-1]) == image_size:
        return int(recorded["params"]), recorded["gflops"], int(recorded["weights_bytes"])
    return measure_facts(arch, image_size)


def measure_facts(arch: str, image_size: int) -> tuple[int, float | None, int]:
    """Counted on a meta-device build of ``arch``: timm publishes no parameter or compute figures offline, so
    they are measured from the model itself."""
    from torch.utils.flop_counter import FlopCounterMode

    model = create_timm_model(arch, image_size, meta=True)
    params = sum(p.numel() for p in model.parameters())
    size = sum(t.numel() * 4 for t in model.state_dict().values() if t.is_floating_point())
    gflops: float | None = None
    try:
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            model.eval()(torch.empty(1, 3, image_size, image_size, device="meta"))
        gflops = counter.get_total_flops() / 2e9  # multiply-adds, as torchvision's _ops counts them
    except Exception as exc:  # noqa: BLE001 - compute is a nice-to-have fact, never a reason to fail
        log.info("could not count the compute of %s: %s", arch, exc)
    return params, gflops, size
