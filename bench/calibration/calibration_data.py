"""What the calibration scripts share: the real ImageNet model loaded with timm, and the datasets measured
(the three real ones in ../shared/datasets and two generated ones ImageNet features cannot make sense of)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" if (ROOT.parent / "shared").is_dir() else Path("/work/shared")
DATASETS = SHARED / "datasets"
WEIGHTS = SHARED / "pretrained" / "efficientnet_lite0"


def load_timm_model(folder: Path = WEIGHTS):  # type: ignore[no-untyped-def]
    """efficientnet_lite0 with its ImageNet head, straight from timm. Its ``pretrained_cfg`` is timm's default
    (ImageNet mean/std), not the folder's config.json: this conversion wants mean = std = 0.5, so callers
    normalise themselves (measure_rules.py does)."""
    import timm

    model = timm.create_model("efficientnet_lite0", pretrained=True,
                              pretrained_cfg_overlay={"file": str(folder / "model.safetensors")})
    return model.eval()


def make_noise(root: Path, per_class: int = 40, size: int = 256, seed: int = 0) -> Path:
    """Three classes of coloured noise that differ only in their random seed: nothing ImageNet knows, and
    nothing any feature can separate (the labels are arbitrary)."""
    if root.is_dir():
        return root
    rng = np.random.default_rng(seed)
    for name in ("a", "b", "c"):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            cell = int(rng.choice([1, 4, 16]))
            small = rng.uniform(0, 255, (size // cell, size // cell, 3))
            pixels = np.kron(small, np.ones((cell, cell, 1))).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def make_scrambled(source: Path, root: Path, tile: int = 8, size: int = 256, seed: int = 0) -> Path:
    """``source``'s photos (one subfolder per class) cut into ``tile``-pixel squares shuffled at random: the
    colours stay, every shape is gone."""
    if root.is_dir():
        return root
    rng = np.random.default_rng(seed)
    for class_dir in sorted(p for p in source.iterdir() if p.is_dir()):
        (root / class_dir.name).mkdir(parents=True)
        for i, path in enumerate(sorted(class_dir.glob("*.jp*g"))):
            pixels = np.asarray(Image.open(path).convert("RGB").resize((size, size)))
            n = size // tile
            tiles = pixels.reshape(n, tile, n, tile, 3).transpose(0, 2, 1, 3, 4).reshape(n * n, tile, tile, 3)
            tiles = tiles[rng.permutation(n * n)]
            out = tiles.reshape(n, n, tile, tile, 3).transpose(0, 2, 1, 3, 4).reshape(size, size, 3)
            Image.fromarray(out).save(root / class_dir.name / f"{i}.png")
    return root


def calibration_sets(work: Path) -> dict[str, tuple[Path, bool]]:
    """name -> (image folder, use its own train/val folders); the expected verdict is in EXPECTED."""
    return {
        "hymenoptera": (DATASETS / "hymenoptera", True),
        "flowers17": (DATASETS / "flowers17-subset" / "train", False),
        "brain-mri": (DATASETS / "brain-tumor-mri", False),
        "noise": (make_noise(work / "noise"), False),
        "scrambled": (make_scrambled(DATASETS / "hymenoptera" / "train", work / "scrambled"), False),
    }


EXPECTED = {"hymenoptera": "similar", "flowers17": "similar", "brain-mri": "different", "noise": "different",
            "scrambled": "different"}
