"""Generated image folders for tests: learnable, tiny, and never from ../shared (a user's clone lacks it)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image

#: Each class is a distinct mean colour with noise: a tiny model learns it in a few epochs.
PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (210, 40, 40),
    "green": (40, 190, 60),
    "blue": (40, 60, 210),
    "yellow": (220, 210, 40),
}


def make_image_folder(root: Path, counts: Mapping[str, int] | None = None, *, size: int = 40, seed: int = 0,
                      ext: str = ".png") -> Path:
    """Write ``root/<class>/<i><ext>`` images; ``counts`` maps class names (colours from PALETTE by order)."""
    counts = {"red": 12, "green": 12, "blue": 12} if counts is None else counts
    rng = np.random.default_rng(seed)
    colours = list(PALETTE.values())
    for index, (name, n) in enumerate(counts.items()):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        colour = np.array(PALETTE.get(name, colours[index % len(colours)]), dtype=np.float64)
        for i in range(n):
            pixels = np.clip(rng.normal(colour, 35, (size, size, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / f"img_{i:03d}{ext}")
    return root
