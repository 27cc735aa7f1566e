"""Turning a :class:`~engine.dataset.Split` into batches.

A file that fails to load during training (changed on disk since the scan) is left out of its batch and
reported; it never crashes the run.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import v2

from engine.config import Augmentation
from engine.images import ImageLoadError, load_image

log = logging.getLogger(__name__)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True, slots=True)
class Preprocessing:
    """How an image becomes a model input; saved in ``model.json`` so prediction does exactly the same."""

    image_size: int
    resize_size: int
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD

    @classmethod
    def for_size(cls, image_size: int) -> Preprocessing:
        # The ImageNet convention: resize the short side to size/0.875, then take the centre crop.
        return cls(image_size=image_size, resize_size=int(round(image_size / 0.875)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "image_size": self.image_size,
            "resize_size": self.resize_size,
            "mean": list(self.mean),
            "std": list(self.std),
            "steps": ["load_image (RGB, uint8)", f"resize short side to {self.resize_size}",
                      f"centre crop {self.image_size}x{self.image_size}", "scale to 0..1", "normalise mean/std"],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preprocessing:
        return cls(
            image_size=int(data["image_size"]),
            resize_size=int(data["resize_size"]),
            mean=tuple(float(x) for x in data["mean"]),  # type: ignore[arg-type]
            std=tuple(float(x) for x in data["std"]),  # type: ignore[arg-type]
        )

    def eval_transform(self) -> v2.Compose:
        return v2.Compose([
            v2.Resize(self.resize_size, antialias=True),
            v2.CenterCrop(self.image_size),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(self.mean, self.std),
        ])

    def train_transform(self, augmentation: Augmentation) -> v2.Compose:
        if augmentation is Augmentation.NONE:
            return self.eval_transform()
        return v2.Compose([
            v2.RandomResizedCrop(self.image_size, scale=(0.6, 1.0), antialias=True),
            v2.RandomHorizontalFlip(),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(self.mean, self.std),
        ])


def image_to_tensor(array: np.ndarray) -> torch.Tensor:
    """``(H, W, 3)`` uint8 array -> ``(3, H, W)`` uint8 tensor (no copy of the pixel data)."""
    return torch.from_numpy(array).permute(2, 0, 1)


class ImageListDataset(Dataset[Any]):
    """Items are ``(tensor, label, path)``; a file that fails yields ``(None, label, path)``."""

    def __init__(self, root: str | Path, items: Sequence[tuple[str, int]], transform: v2.Compose,
                 min_side: int) -> None:
        self.root = Path(root)
        self.items = list(items)
        self.transform = transform
        self.min_side = min_side

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> tuple[torch.Tensor | None, int, str]:
        rel, label = self.items[index]
        try:
            array = load_image(self.root / rel, min_side=self.min_side)
        except ImageLoadError as exc:
            log.warning("could not load %s during training: %s", rel, exc)
            return None, label, rel
        return self.transform(image_to_tensor(array)), label, rel


@dataclass
class Batch:
    images: torch.Tensor
    labels: torch.Tensor
    failed: list[str]

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def collate_skipping_failures(items: list[tuple[torch.Tensor | None, int, str]]) -> Batch:
    good = [(t, label) for t, label, _ in items if t is not None]
    failed = [path for t, _, path in items if t is None]
    if not good:
        return Batch(torch.empty(0), torch.empty(0, dtype=torch.long), failed)
    return Batch(torch.stack([t for t, _ in good]), torch.tensor([label for _, label in good]), failed)


def default_num_workers(device_type: str) -> int:
    """Loader processes: none on small CPUs, where a worker would steal a core from the compute threads."""
    cores = os.cpu_count() or 1
    if device_type == "cpu":
        return 0 if cores <= 4 else min(4, cores // 4)
    return min(8, max(1, cores - 1))


def make_loader(dataset: ImageListDataset, batch_size: int, *, shuffle: bool, num_workers: int,
                seed: int, pin_memory: bool = False) -> DataLoader[Any]:
    generator = torch.Generator()
    generator.manual_seed(seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        num_workers=num_workers,
        # Without persistent workers every epoch pays the worker start (3.7-5.6 s with spawn, measured).
        persistent_workers=num_workers > 0,
        collate_fn=collate_skipping_failures,
        generator=generator,
        pin_memory=pin_memory,
        multiprocessing_context="spawn" if num_workers > 0 else None,
    )
