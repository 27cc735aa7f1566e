"""The saved model: ``model.safetensors`` + ``model.json`` (a run's ``model/`` folder, engine/core/run_layout.py).

``model.json`` (the model card, :class:`ModelCard`) holds everything needed to rebuild and use the model: the
architecture, the class names in output order, the head's module name and structure, and the preprocessing.
Reloading it takes ten lines of Python (README). This module is the one reader and writer of that file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from torch import nn

from engine.core.atomic import save_tensors_atomic, write_json_atomic
from engine.core.errors import ModelFileError, OutputError, StudioError
from engine.core.i18n import tr
from engine.core.output_files import describe_write_failure
from engine.core.run_layout import ModelFiles, RunLayout
from engine.core.versions import versions
from engine.data.loaders import Preprocessing
from engine.models.catalog import build_classifier
from engine.models.heads import HeadOptions, head_options_of

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class ModelCard:
    """What ``model.json`` says about a saved model."""

    files: ModelFiles
    arch: str
    head_module: str
    head: HeadOptions
    class_names: tuple[str, ...]
    preprocessing: Preprocessing
    metrics: dict[str, Any]
    data: dict[str, Any]  # the whole file, as read (versions, and what later versions add)

    @property
    def val_accuracy(self) -> float | None:
        """The saved (best) model's validation accuracy, as measured when it was saved."""
        value = self.metrics.get("val_accuracy")
        return float(value) if value is not None else None

    @property
    def best_epoch(self) -> int | None:
        value = self.metrics.get("best_epoch")
        return int(value) if value is not None else None


def read_model_card(files: ModelFiles) -> ModelCard:
    """The model card of a saved model.

    Raises:
        ModelFileError: no ``model.json`` there, or one that is damaged, from another program or a newer app.
    """
    path = files.card
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        card = ModelCard(files=files, arch=str(data["architecture"]), head_module=str(data.get("head_module", "")),
                         head=HeadOptions.from_dict(data.get("head")),
                         class_names=tuple(str(c) for c in data["class_names"]),
                         preprocessing=Preprocessing.from_dict(data["preprocessing"]),
                         metrics=dict(data.get("metrics") or {}), data=data)
    except FileNotFoundError as exc:
        raise ModelFileError(tr("No saved model was found in {folder} (its {file} is missing).", folder=files.folder,
                                file=path.name)) from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelFileError(tr("The model description {path} is damaged or from another program.", path=path)) from exc
    if int(data.get("format_version", 0)) > FORMAT_VERSION:
        raise ModelFileError(tr("This model was saved by a newer version of Finetune Studio. Update the app to open "
                                "it."))
    return card


@dataclass(frozen=True, slots=True)
class ExportedModel:
    model: nn.Module
    arch: str
    class_names: tuple[str, ...]
    preprocessing: Preprocessing
    meta: dict[str, Any]


def export_model(model: nn.Module, run_dir: Path, *, arch: str, head: str, class_names: list[str],
                 preprocessing: Preprocessing, metrics: dict[str, Any], origin: dict[str, Any] | None = None) -> Path:
    """Write ``run_dir/model/``; returns that folder. ``origin``: where the starting weights came from (source,
    hub id or folder, revision, SHA-256, timm's pretrained_cfg: :func:`engine.models.sources.weights_origin`).

    Raises:
        OutputError: the folder cannot be written (full or read-only disk, no permission).
    """
    files = RunLayout(run_dir).model
    try:
        _write_model(files, model, arch, head, class_names, preprocessing, metrics, origin or {})
    except OSError as exc:
        raise OutputError(describe_write_failure(files.folder, exc, tr("The model"),
                                                 then=tr("continue the run"))) from exc
    return files.folder


def _write_model(files: ModelFiles, model: nn.Module, arch: str, head: str, class_names: list[str],
                 preprocessing: Preprocessing, metrics: dict[str, Any], origin: dict[str, Any]) -> None:
    save_tensors_atomic(files.weights, model.state_dict(), metadata={"format": "finetune-studio", "arch": arch})
    write_json_atomic(files.card, {
        "format_version": FORMAT_VERSION,
        "architecture": arch,
        "head_module": head,
        # The head's structure (dropout, hidden layer), read from the model itself so it cannot disagree.
        "head": head_options_of(model.get_submodule(head)).to_dict(),
        "num_classes": len(class_names),
        "class_names": list(class_names),
        "preprocessing": preprocessing.to_dict(),
        # Where the starting weights came from; for timm, what rebuilds the model without the hub folder.
        "origin": origin,
        "metrics": metrics,
        "versions": versions(),
    })


def load_exported_model(path: str | Path, device: str | torch.device = "cpu") -> ExportedModel:
    """Load a ``model/`` folder (or the run folder holding it) ready for inference.

    Example:
        >>> exported = load_exported_model("runs/20260101-120000-flowers")  # doctest: +SKIP
        >>> exported.class_names  # doctest: +SKIP
        ('daisy', 'tulip')
    """
    files = ModelFiles.find(Path(path).expanduser())
    if files is None or not files.weights.is_file():
        raise ModelFileError(tr("No saved model was found in {path} (model.json and model.safetensors are needed).",
                                path=path))
    card = read_model_card(files)
    arch, class_names, preprocessing, folder, weights_path = (card.arch, card.class_names, card.preprocessing,
                                                              files.folder, files.weights)
    try:
        model_args = (card.data.get("origin") or {}).get("model_args") or {}
        model, _ = build_classifier(arch, len(class_names), card.head, preprocessing.image_size,
                                    model_args=dict(model_args))
    except StudioError as exc:
        raise ModelFileError(tr("The model in {folder} cannot be rebuilt: {error}", folder=folder, error=exc)) from exc
    try:
        model.load_state_dict(load_file(str(weights_path)))
    except Exception as exc:  # noqa: BLE001
        raise ModelFileError(tr("The model weights in {path} do not match its description.",
                                path=weights_path)) from exc
    model.to(device).eval()
    return ExportedModel(model=model, arch=arch, class_names=class_names, preprocessing=preprocessing,
                         meta=card.data)
