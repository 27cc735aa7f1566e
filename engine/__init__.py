"""Finetune Studio's engine: everything that is not a window (no Qt is imported here or below)."""

from __future__ import annotations

__version__ = "0.1.0"


def versions() -> dict[str, str]:
    """Versions recorded in config.json and model.json so a run can be reproduced."""
    import platform

    import torch
    import torchvision

    return {
        "app": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
    }
