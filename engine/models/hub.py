"""Hugging Face hub models in timm's format: a local hub folder, or a hub id downloaded into the hub's cache.

A *hub folder* is what ``huggingface_hub`` keeps for a timm model (and what ``../shared/pretrained/…`` holds):
``config.json`` (``architecture``, ``num_classes``, ``pretrained_cfg``, sometimes ``model_args``) beside
``model.safetensors`` (or an older ``pytorch_model.bin``, opened only with ``torch.load(weights_only=True)``).
The architecture is read from ``config.json``; the weights are loaded by the app, never by hub code.

A *hub id* is ``hf-hub:owner/name`` or ``timm/name``; :func:`download_hub_model` fetches only those two files
with ``huggingface_hub`` (its standard cache, its own login for gated models), with progress and Cancel.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.core.errors import WeightsError
from engine.core.i18n import tr
from engine.core.run_layout import HUB_CONFIG, HUB_OLD_WEIGHTS, HUB_WEIGHTS
from engine.models.timm_models import timm_arch, timm_knows, timm_name

log = logging.getLogger(__name__)

CONFIG = HUB_CONFIG
WEIGHT_FILES = (HUB_WEIGHTS, HUB_OLD_WEIGHTS)  # safetensors first; a .bin only through weights_only=True
HUB_PREFIX = "hf-hub:"


@dataclass(frozen=True, slots=True)
class HubFolder:
    """A timm model in hub layout on this computer.

    Attributes:
        path: the folder.
        arch: the app's name of its architecture (``timm:efficientnet_lite0``).
        weights: its weights file.
        pretrained_cfg: the preprocessing it was trained with (``mean``, ``std``, ``input_size``, ``crop_pct``...).
        model_args: extra arguments timm needs to build it as published (``{}`` for most).
        hub_id: where it came from on the hub (``""`` for a folder the user chose).
        revision: the hub commit it was downloaded at (``""`` when not known).
    """

    path: Path
    arch: str
    weights: Path
    pretrained_cfg: dict[str, Any] = field(default_factory=dict)
    model_args: dict[str, Any] = field(default_factory=dict)
    num_classes: int = 0
    hub_id: str = ""
    revision: str = ""

    @property
    def name(self) -> str:
        return self.hub_id or self.path.name


def looks_like_hub_folder(path: str | Path) -> bool:
    """A folder with a hub ``config.json`` (one that names an ``architecture``; a run folder's does not)."""
    config = Path(path).expanduser() / CONFIG
    if not config.is_file():
        return False
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "architecture" in data


def is_hub_id(spec: str) -> bool:
    """``hf-hub:owner/name`` or ``timm/name`` (not a path on this computer).

    Example:
        >>> is_hub_id("hf-hub:timm/efficientnet_lite0.ra_in1k"), is_hub_id("timm/resnet50.a1_in1k")
        (True, True)
        >>> is_hub_id("imagenet")
        False
    """
    if spec.startswith(HUB_PREFIX):
        return True
    return spec.startswith("timm/") and spec.count("/") == 1 and not Path(spec).expanduser().exists()


def hub_repo(spec: str) -> str:
    """The hub repository of a hub id.

    Example:
        >>> hub_repo("hf-hub:timm/resnet50.a1_in1k")
        'timm/resnet50.a1_in1k'
    """
    return spec.removeprefix(HUB_PREFIX)


def read_hub_folder(path: str | Path, *, hub_id: str = "", revision: str = "") -> HubFolder:
    """The hub folder at ``path``, checked: a readable config.json naming an architecture timm knows, and weights.

    Raises:
        WeightsError: one plain sentence for each way the folder cannot be used.
    """
    folder = Path(path).expanduser()
    config = folder / CONFIG
    if not config.is_file():
        raise WeightsError(tr("The folder {folder} is not a model folder: it has no {config}. Choose the folder that "
                              "holds {config} and {weights} (a Hugging Face hub model in timm format).", folder=folder,
                              config=CONFIG, weights=WEIGHT_FILES[0]))
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
        name = str(data["architecture"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WeightsError(tr("The file {config} is damaged or does not name an architecture, so the model in {name} "
                              "cannot be built. Download the model folder again.", config=config,
                              name=folder.name)) from exc
    if not timm_knows(name):
        import timm

        raise WeightsError(tr('The model folder {folder} is for the architecture "{name}", which timm (version '
                              "{version}) does not know. Update timm, or choose another model folder.",
                              folder=folder.name, name=name, version=timm.__version__))
    weights = next((folder / f for f in WEIGHT_FILES if (folder / f).is_file()), None)
    if weights is None:
        raise WeightsError(tr("The model folder {folder} has no weights file ({weights}). Copy the weights into it, "
                              "or download the model folder again.", folder=folder, weights=WEIGHT_FILES[0]))
    cfg = data.get("pretrained_cfg") if isinstance(data.get("pretrained_cfg"), dict) else {}
    args = data.get("model_args") if isinstance(data.get("model_args"), dict) else {}
    return HubFolder(path=folder, arch=timm_arch(name), weights=weights, pretrained_cfg=dict(cfg),
                     model_args=dict(args), num_classes=int(data.get("num_classes") or 0), hub_id=hub_id,
                     revision=revision)


def check_agrees(folder: HubFolder, arch: str) -> None:
    """Refuse, in words, a folder whose config.json names another architecture than the one chosen."""
    if folder.arch != arch:
        raise WeightsError(tr('The model folder {folder} holds "{arch}", but the chosen model is "{chosen}". Leave '
                              'the model out (it is read from the folder) or choose "{folder_arch}".',
                              folder=folder.name, arch=timm_name(folder.arch), chosen=timm_name(arch),
                              folder_arch=folder.arch))
