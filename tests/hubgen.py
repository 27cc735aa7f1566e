"""Tiny timm models with random weights, saved as Hugging Face hub folders (config.json + model.safetensors).

They stand in for real hub downloads (tests have no network and never read ../shared): timm's own test
architectures (``test_efficientnet``, ``test_vit``...) are a few hundred thousand parameters and build in
milliseconds, and the folder layout is exactly timm's (``timm.models.push_to_hub`` writes the same keys).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import timm
import torch
from safetensors.torch import save_file


def make_hub_folder(folder: Path, arch: str = "test_efficientnet", *, num_classes: int = 10, seed: int = 0,
                    mean: tuple[float, float, float] = (0.5, 0.5, 0.5), std: tuple[float, float, float] = (0.5, 0.5, 0.5),
                    weights: bool = True, config: dict[str, Any] | None = None,
                    model_args: dict[str, Any] | None = None) -> Path:
    """``folder`` holding ``arch`` with random weights (seeded) and its config.json; returns ``folder``.

    ``config`` replaces keys of config.json (e.g. ``{"architecture": "no_such_net"}``); ``weights=False``
    leaves the weights file out; ``model_args`` builds the model with them and records them in config.json, as
    published models that timm builds with extra arguments do (``{"init_values": 1e-5}`` for UNI-like ViTs).
    """
    torch.manual_seed(seed)
    model = timm.create_model(arch, pretrained=False, num_classes=num_classes, **(model_args or {}))
    cfg = dict(model.pretrained_cfg)
    cfg.update(mean=list(mean), std=list(std), num_classes=num_classes)
    data: dict[str, Any] = {"architecture": arch, "num_classes": num_classes,
                            "num_features": int(model.num_features),
                            "pretrained_cfg": {k: v for k, v in cfg.items() if isinstance(v, (str, int, float, bool, list, tuple))}}
    if model_args:
        data["model_args"] = dict(model_args)
    data.update(config or {})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    if weights:
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(folder / "model.safetensors"))
    return folder
