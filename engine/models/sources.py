"""Where a model comes from, beyond torchvision's own ImageNet weights: timm models from a hub folder or the hub.

The starting-weights setting (``ModelConfig.weights``) keeps one meaning for every source: ``imagenet`` (for a
timm model: timm's default pretrained weights, downloaded from the hub), ``none``, a hub id (``hf-hub:owner/name``
or ``timm/name``), a hub folder, or a weights file / previous run. This module resolves the timm cases, says
what preprocessing the weights expect (their ``pretrained_cfg``), and records their origin in model.json.

Example:
    >>> hub_source_kind("hf-hub:owner/name", "timm:resnet18"), hub_source_kind("none", "resnet18")
    ('hub', '')
"""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch
from torch import nn

from engine.core.cancel import CancelToken
from engine.core.errors import WeightsError
from engine.core.i18n import tr
from engine.data.loaders import Preprocessing, interpolation_name
from engine.models.hub import HubFolder, check_agrees, is_hub_id, looks_like_hub_folder, read_hub_folder
from engine.models.timm_models import is_timm, pretrained_cfg, timm_name

log = logging.getLogger(__name__)


def hub_source_kind(spec: str, arch: str) -> str:
    """``"hub"`` (download), ``"folder"`` (a hub folder here), ``"default"`` (timm's default weights) or ``""``."""
    if is_hub_id(spec):
        return "hub"
    if spec and spec not in ("imagenet", "none") and looks_like_hub_folder(spec):
        return "folder"
    if spec == "imagenet" and is_timm(arch):
        return "default"
    return ""


def default_hub_id(arch: str) -> str:
    """The hub id of timm's default pretrained weights for ``arch`` (``hf-hub:timm/efficientnet_lite0.ra_in1k``)."""
    hub = pretrained_cfg(arch).get("hf_hub_id")
    if not hub:
        raise WeightsError(tr("timm publishes no pretrained weights for {arch} on the Hugging Face hub. Choose a "
                              "model folder, another model, or train from scratch.", arch=timm_name(arch)))
    return f"hf-hub:{hub}"


def resolve_hub_source(spec: str, arch: str, progress: Any = None,
                       cancel: CancelToken | None = None) -> HubFolder | None:
    """The hub folder ``spec`` stands for (downloaded when it is a hub id), checked against ``arch``; ``None``
    when ``spec`` is no hub source (a weights file, a run, ``none``, torchvision's ``imagenet``)."""
    kind = hub_source_kind(spec, arch)
    if not kind:
        return None
    if kind == "folder":
        folder = read_hub_folder(spec)
    else:
        from engine.models.hub_download import download_hub_model

        folder = download_hub_model(default_hub_id(arch) if kind == "default" else spec, progress, cancel)
    check_agrees(folder, arch)
    return folder


def cached_hub_folder(spec: str, arch: str) -> HubFolder | None:
    """The hub folder without any download: a local folder, or a hub id already in huggingface_hub's cache."""
    kind = hub_source_kind(spec, arch)
    try:
        if kind == "folder":
            return read_hub_folder(spec)
        if kind in ("hub", "default"):
            from huggingface_hub import try_to_load_from_cache

            from engine.models.hub import CONFIG, hub_repo

            hub_id = default_hub_id(arch) if kind == "default" else spec
            found = try_to_load_from_cache(hub_repo(hub_id), CONFIG)
            if isinstance(found, str):
                folder = Path(found).parent
                return read_hub_folder(folder, hub_id=hub_id, revision=folder.name)
    except WeightsError as exc:
        log.info("no usable hub folder for %s: %s", spec, exc)
    return None


def preprocessing_for(arch: str, weights: str, image_size: int) -> Preprocessing:
    """The preprocessing the starting weights expect, at ``image_size``: for timm, the mean, standard deviation,
    crop and interpolation of their ``pretrained_cfg`` (a hub folder's own, else timm's default); for torchvision,
    ImageNet's mean and crop with the interpolation its weights were evaluated with; a previous run's own.

    Example:
        >>> pre = preprocessing_for("resnet18", "imagenet", 224)
        >>> pre.mean, pre.interpolation, preprocessing_for("efficientnet_b0", "imagenet", 224).interpolation
        ((0.485, 0.456, 0.406), 'bilinear', 'bicubic')
    """
    card = _previous_card(weights)
    if card is not None:  # a previous run: what its model was trained with
        pre = card.preprocessing
        return preprocessing_from_cfg({"mean": pre.mean, "std": pre.std, "interpolation": pre.interpolation},
                                      image_size)
    if not is_timm(arch):
        return preprocessing_from_cfg({"interpolation": _torchvision_interpolation(arch)}, image_size)
    folder = cached_hub_folder(weights, arch)
    cfg = folder.pretrained_cfg if folder is not None and folder.pretrained_cfg else pretrained_cfg(arch)
    return preprocessing_from_cfg(cfg, image_size)


def _torchvision_interpolation(arch: str) -> str:
    """How torchvision resizes for ``arch``'s ImageNet weights (bicubic for EfficientNet and Swin): the
    catalog's fact."""
    from engine.core.errors import ConfigError
    from engine.models.facts import model_info

    try:
        return interpolation_name(model_info(arch).interpolation)
    except (ConfigError, ValueError, KeyError) as exc:  # no ImageNet weights for it: the common default
        log.info("no torchvision preprocessing for %s: %s", arch, exc)
        return "bilinear"


def _previous_card(weights: str) -> Any:
    """The model card of a previous run (or model folder) at ``weights``, or ``None``."""
    from engine.core.errors import ModelFileError
    from engine.core.run_layout import ModelFiles
    from engine.models.saved import read_model_card

    if weights in ("imagenet", "none") or not weights or is_hub_id(weights):
        return None
    files = ModelFiles.find(Path(weights).expanduser())
    try:
        return read_model_card(files) if files is not None else None
    except ModelFileError:
        return None


def preprocessing_from_cfg(cfg: dict[str, Any], image_size: int) -> Preprocessing:
    """timm's ``pretrained_cfg`` as the app's :class:`Preprocessing` (ImageNet's defaults for what it leaves out)."""
    default = Preprocessing.for_size(image_size)
    mean, std = cfg.get("mean"), cfg.get("std")
    crop = float(cfg.get("crop_pct") or 0.875)
    if not (isinstance(mean, (list, tuple)) and isinstance(std, (list, tuple)) and len(mean) == len(std) == 3):
        mean, std = default.mean, default.std
    return Preprocessing(image_size=image_size, resize_size=max(image_size, round(image_size / crop)),
                         mean=tuple(float(v) for v in mean),  # type: ignore[arg-type]
                         std=tuple(float(v) for v in std),  # type: ignore[arg-type]
                         interpolation=interpolation_name(cfg.get("interpolation")))


def adapt_timm_state(model: nn.Module, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """timm's own checkpoint filter for the model's family (a ViT's position table resized to the image size,
    older key names mapped), as ``timm.create_model(pretrained=True)`` would apply it."""
    import sys

    module = sys.modules.get(type(model).__module__)
    filter_fn = getattr(module, "checkpoint_filter_fn", None)
    if not type(model).__module__.startswith("timm.") or not callable(filter_fn):
        return state
    try:
        adapted = filter_fn(state, model)
    except Exception as exc:  # noqa: BLE001 - the plain mismatch sentence follows when the keys do not fit
        log.info("timm's checkpoint filter failed: %s", exc)
        return state
    return dict(adapted) if isinstance(adapted, dict) else state


def arch_for_weights(arch: str | None, weights: str, default: str = "resnet18") -> str:
    """The architecture to build for ``weights`` when the user named ``arch`` (or ``None``: not given).

    A hub folder or hub id names its own architecture (config.json); a named one must agree with it. A plain
    name that torchvision lacks but timm has (``efficientnet_lite0``) means the timm model.

    Raises:
        WeightsError: the folder is unusable, or holds another architecture than ``arch``.
    """
    named = normalise_arch(arch) if arch else None
    kind = hub_source_kind(weights, named or "")
    if kind in ("folder", "hub"):
        folder = cached_hub_folder(weights, named or "") if kind == "hub" else read_hub_folder(weights)
        if folder is None:
            from engine.models.hub_download import download_hub_model

            folder = download_hub_model(weights)
        if named is not None:
            check_agrees(folder, named)
        return folder.arch
    return named or default


def normalise_arch(arch: str) -> str:
    """``efficientnet_lite0`` -> ``timm:efficientnet_lite0`` when torchvision has no such model but timm has.

    Example:
        >>> normalise_arch("resnet18"), normalise_arch("efficientnet_lite0"), normalise_arch("timm:resnet18")
        ('resnet18', 'timm:efficientnet_lite0', 'timm:resnet18')
    """
    import torchvision.models as tvm

    from engine.models.timm_models import timm_arch, timm_knows

    if is_timm(arch) or arch in tvm.list_models(module=tvm):
        return arch
    return timm_arch(arch) if timm_knows(arch) else arch


def hub_model_args(arch: str, weights: str) -> dict[str, Any]:
    """The extra arguments timm needs to build the hub model as published (``{}`` for most, and for
    torchvision)."""
    if not is_timm(arch):
        return {}
    card = _previous_card(weights)
    if card is not None:  # a previous run built from a hub model: the same arguments
        return dict((card.data.get("origin") or {}).get("model_args") or {})
    folder = cached_hub_folder(weights, arch)
    return dict(folder.model_args) if folder is not None else {}


def weights_origin(arch: str, weights: str) -> dict[str, Any]:
    """What model.json records about where the starting weights came from (never a token or a secret).

    Example:
        >>> weights_origin("resnet18", "imagenet")["source"]
        'torchvision'
    """
    if not is_timm(arch):
        return {"source": "torchvision", "weights": weights}
    origin: dict[str, Any] = {"source": "timm", "timm_architecture": timm_name(arch), "weights": weights}
    card = _previous_card(weights)
    if card is not None:  # started from a previous run: its model's origin, one step back
        previous = dict(card.data.get("origin") or {})
        origin.update({"previous_run": str(card.files.folder), "model_args": previous.get("model_args") or {},
                       "pretrained_cfg": previous.get("pretrained_cfg") or {}, "started_from": previous})
        return origin
    folder = cached_hub_folder(weights, arch)
    if folder is not None:
        origin.update({"hub_id": folder.hub_id or None, "folder": None if folder.hub_id else str(folder.path),
                       "revision": folder.revision or None, "weights_file": folder.weights.name,
                       "sha256": file_digest(folder.weights), "model_args": folder.model_args,
                       "pretrained_cfg": _jsonable(folder.pretrained_cfg)})
    else:
        origin["pretrained_cfg"] = _jsonable(pretrained_cfg(arch))
    return origin


@lru_cache(maxsize=16)
def _digest(path: str, size: int, mtime: float) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of a (possibly large) weights file, computed once per file version."""
    stat = path.stat()
    return _digest(str(path.resolve()), stat.st_size, stat.st_mtime)


def _jsonable(cfg: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()
            if isinstance(v, (str, int, float, bool, list, tuple)) or v is None}
