"""The exported model: ``model/model.safetensors`` + ``model/model.json``.

``model.json`` holds everything needed to rebuild and use the model: the architecture, the class names in
output order, the head's module name and the preprocessing. Reloading it takes ten lines of Python (README).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from torch import nn

from engine.core.versions import versions
from engine.core.errors import ModelFileError, OutputError, StudioError
from engine.models.heads import HeadOptions, head_options_of
from engine.data.loaders import Preprocessing
from engine.models.catalog import build_classifier
from engine.core.output_files import describe_write_failure
from engine.run.folder import MODEL_DIR, save_tensors_atomic, write_json_atomic

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class ExportedModel:
    model: nn.Module
    arch: str
    class_names: tuple[str, ...]
    preprocessing: Preprocessing
    meta: dict[str, Any]


def export_model(model: nn.Module, run_dir: Path, *, arch: str, head: str, class_names: list[str],
                 preprocessing: Preprocessing, metrics: dict[str, Any]) -> Path:
    """Write ``run_dir/model/``; returns that folder.

    Raises:
        OutputError: the folder cannot be written (full or read-only disk, no permission).
    """
    out = run_dir / MODEL_DIR
    try:
        _write_model(out, model, arch, head, class_names, preprocessing, metrics)
    except OSError as exc:
        raise OutputError(describe_write_failure(out, exc, "The model", then="continue the run")) from exc
    return out


def _write_model(out: Path, model: nn.Module, arch: str, head: str, class_names: list[str],
                 preprocessing: Preprocessing, metrics: dict[str, Any]) -> None:
    save_tensors_atomic(out / "model.safetensors", model.state_dict(),
                        metadata={"format": "finetune-studio", "arch": arch})
    write_json_atomic(out / "model.json", {
        "format_version": FORMAT_VERSION,
        "architecture": arch,
        "head_module": head,
        # The head's structure (dropout, hidden layer), read from the model itself so it cannot disagree.
        "head": head_options_of(model.get_submodule(head)).to_dict(),
        "num_classes": len(class_names),
        "class_names": list(class_names),
        "preprocessing": preprocessing.to_dict(),
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
    folder = Path(path).expanduser()
    if (folder / MODEL_DIR / "model.json").is_file():
        folder = folder / MODEL_DIR
    meta_path, weights_path = folder / "model.json", folder / "model.safetensors"
    if not meta_path.is_file() or not weights_path.is_file():
        raise ModelFileError(f"No saved model was found in {path} (model.json and model.safetensors are needed).")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        arch = str(meta["architecture"])
        class_names = tuple(str(c) for c in meta["class_names"])
        preprocessing = Preprocessing.from_dict(meta["preprocessing"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelFileError(f"The model description {meta_path} is damaged or from another program.") from exc
    if int(meta.get("format_version", 0)) > FORMAT_VERSION:
        raise ModelFileError("This model was saved by a newer version of Finetune Studio. Update the app to open it.")
    try:
        model, _ = build_classifier(arch, len(class_names), HeadOptions.from_dict(meta.get("head")),
                                    preprocessing.image_size)
    except StudioError as exc:
        raise ModelFileError(f"The model in {folder} cannot be rebuilt: {exc}") from exc
    try:
        model.load_state_dict(load_file(str(weights_path)))
    except Exception as exc:  # noqa: BLE001
        raise ModelFileError(f"The model weights in {weights_path} do not match its description.") from exc
    model.to(device).eval()
    return ExportedModel(model=model, arch=arch, class_names=class_names, preprocessing=preprocessing, meta=meta)
