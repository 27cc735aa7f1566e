"""Checking a hub folder before it is used ("Import model folder…"), and the timm part of the model catalog.

Checking costs no memory: the model is built on the meta device and the weights file is read for its shapes
only (safetensors' header), so a gigabyte backbone is checked in a moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from engine.core.errors import WeightsError
from engine.core.i18n import tr
from engine.models.catalog import ModelInfo, build_classifier, model_info
from engine.models.hub import HubFolder, read_hub_folder
from engine.models.sources import cached_hub_folder, preprocessing_from_cfg
from engine.models.timm_models import PREFIX, SHORTLIST, pretrained_cfg
from engine.models.weights import CatalogEntry, _raise_if_unfit, match_weights, read_weights_file


@dataclass(frozen=True, slots=True)
class ImportedFolder:
    """A hub folder that was checked: it builds, and its weights fit. ``info``: the catalog's facts."""

    folder: HubFolder
    info: ModelInfo
    message: str


def import_model_folder(path: str | Path) -> ImportedFolder:
    """Check that the hub folder at ``path`` builds with timm and that its weights fit that architecture.

    Raises:
        WeightsError: one plain sentence: no config.json, an architecture timm does not know, no weights, or
            weights that do not fit.
    """
    folder = read_hub_folder(path)
    model, head = build_classifier(folder.arch, 2, meta=True, model_args=folder.model_args)
    fitting, _skipped, problems = match_weights(model.state_dict(), weight_shapes(folder.weights), head)
    _raise_if_unfit(fitting, problems, len(model.state_dict()), folder.path.name)
    info = model_info(folder.arch)
    size = folder.pretrained_cfg.get("input_size", (3, info.crop_size, info.crop_size))[-1]
    pre = preprocessing_from_cfg(folder.pretrained_cfg or pretrained_cfg(folder.arch), int(size))
    return ImportedFolder(folder, info, tr("The model folder {folder} holds the timm model {arch} ({params:.1f} "
                                           "million parameters, trained on {size}-pixel images, normalised with mean "
                                           "{mean} and standard deviation {std}); its weights fit. It is used from "
                                           "where it is.", folder=folder.path.name,
                                           arch=folder.arch.removeprefix(PREFIX), params=info.params / 1e6, size=size,
                                           mean=_triple(pre.mean), std=_triple(pre.std)))


def _triple(values: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in values) + ")"


def weight_shapes(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a weights file as empty meta tensors of the right shapes (no weights are read)."""
    if path.suffix == ".safetensors":
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="pt") as handle:
                return {key: torch.empty(handle.get_slice(key).get_shape(), device="meta") for key in handle.keys()}  # noqa: SIM118
        except Exception as exc:  # noqa: BLE001 - whatever is wrong with the file, the sentence is the same
            raise WeightsError(tr("The file {file} in {folder} is not a readable safetensors weights file. Download "
                                  "the model folder again.", file=path.name, folder=path.parent.name)) from exc
    return read_weights_file(path)


def timm_catalog() -> list[CatalogEntry]:
    """The curated timm models, with their facts (timm's pretrained_cfg, counted parameters) and whether their
    default weights are already in huggingface_hub's cache."""
    entries = []
    for name in SHORTLIST:
        arch = PREFIX + name
        entries.append(CatalogEntry(model_info(arch), cached_hub_folder("imagenet", arch) is not None))
    return entries
