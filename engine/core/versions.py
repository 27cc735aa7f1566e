"""The versions recorded in config.json and model.json, so that a run can be reproduced."""

from __future__ import annotations

import platform

__version__ = "0.1.0"


def versions() -> dict[str, str]:
    """The app's, Python's, torch's and torchvision's versions (importing torch: call it where torch is in use)."""
    import torch
    import torchvision

    return {
        "app": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
    }
