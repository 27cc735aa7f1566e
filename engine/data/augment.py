"""Training-time augmentation: presets, the transforms they stand for, and a preview of what the model sees.

Augmentation works on uint8 images first (so the preview shows exactly the pixels the model will get),
then scales and normalises. The medical-safe preset neither flips nor changes colour: left/right and
grey levels can carry meaning in scans (situs, contrast agents), so the user must allow them explicitly.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torchvision.transforms import v2

from engine.config import Augmentation, AugmentConfig, TrainConfig
from engine.core.i18n import tr
from engine.data.images.decode import ImageLoadError, load_image

log = logging.getLogger(__name__)

PRESETS: dict[Augmentation, AugmentConfig] = {
    Augmentation.NONE: AugmentConfig(),
    Augmentation.LIGHT: AugmentConfig(crop_scale_min=0.6, hflip=True),
    Augmentation.STRONG: AugmentConfig(crop_scale_min=0.35, hflip=True, rotation=15, brightness=0.3,
                                       contrast=0.3, saturation=0.3, hue=0.05, erasing=0.25),
    Augmentation.MEDICAL: AugmentConfig(crop_scale_min=0.85, rotation=10),
}
# Their labels, as the window lists them, are the option table's (engine/config/options, data.augmentation).


def resolve_augment(config: TrainConfig) -> AugmentConfig:
    """The transforms a run really uses: the user's edits when there are any, else the preset's."""
    return config.augment if config.augment is not None else PRESETS[config.data.augmentation]


def pixel_transform(aug: AugmentConfig, image_size: int, resize_size: int,
                    interpolation: v2.InterpolationMode = v2.InterpolationMode.BILINEAR) -> v2.Compose:
    """uint8 ``(3, H, W)`` in, uint8 ``(3, image_size, image_size)`` out: geometry, colour, erasing.

    Without a random crop the geometry is the evaluation one (resize, centre crop), so an identity
    augmentation gives exactly the validation pixels.

    Example:
        >>> t = pixel_transform(AugmentConfig(hflip=True), 32, 36)
        >>> t(torch.zeros(3, 50, 40, dtype=torch.uint8)).shape
        torch.Size([3, 32, 32])
    """
    steps: list[v2.Transform] = []
    if aug.crop_scale_min < 1:
        steps.append(v2.RandomResizedCrop(image_size, scale=(aug.crop_scale_min, 1.0), interpolation=interpolation,
                                          antialias=True))
    else:
        steps += [v2.Resize(resize_size, interpolation=interpolation, antialias=True), v2.CenterCrop(image_size)]
    if aug.hflip:
        steps.append(v2.RandomHorizontalFlip())
    if aug.vflip:
        steps.append(v2.RandomVerticalFlip())
    if aug.rotation > 0:
        steps.append(v2.RandomRotation(aug.rotation))
    if any((aug.brightness, aug.contrast, aug.saturation, aug.hue)):
        steps.append(v2.ColorJitter(aug.brightness, aug.contrast, aug.saturation, aug.hue))
    if aug.erasing > 0:
        steps.append(v2.RandomErasing(p=aug.erasing, value=0))
    return v2.Compose(steps)


def train_transform(aug: AugmentConfig, image_size: int, resize_size: int, mean: Sequence[float],
                    std: Sequence[float],
                    interpolation: v2.InterpolationMode = v2.InterpolationMode.BILINEAR) -> v2.Compose:
    """The full training transform: :func:`pixel_transform`, then scale to 0..1 and normalise."""
    return v2.Compose([pixel_transform(aug, image_size, resize_size, interpolation),
                       v2.ToDtype(torch.float32, scale=True), v2.Normalize(list(mean), list(std))])


def describe(aug: AugmentConfig) -> list[str]:
    """Plain sentences for what the transforms do (shown under the preset choice).

    Example:
        >>> describe(AugmentConfig())
        ['Images are used as they are (resized and centre-cropped).']
    """
    lines: list[str] = []
    if aug.crop_scale_min < 1:
        lines.append(tr("A random part covering {share:.0%}-100% of each image is used.", share=aug.crop_scale_min))
    if aug.hflip:
        lines.append(tr("Images are mirrored left-right half of the time."))
    if aug.vflip:
        lines.append(tr("Images are flipped upside down half of the time."))
    if aug.rotation:
        lines.append(tr("Images are turned by up to {degrees:g} degrees either way.", degrees=aug.rotation))
    if any((aug.brightness, aug.contrast, aug.saturation, aug.hue)):
        lines.append(tr("Brightness, contrast and colours are changed a little."))
    if aug.erasing:
        lines.append(tr("A random rectangle is blanked in {share:.0%} of the images.", share=aug.erasing))
    return lines or [tr("Images are used as they are (resized and centre-cropped).")]


def preview_grid(root: str | Path, paths: Sequence[str], aug: AugmentConfig, image_size: int, resize_size: int,
                 *, variants: int = 4, seed: int = 0) -> list[list[np.ndarray]]:
    """For each image, ``variants`` augmented versions as ``(H, W, 3)`` uint8 arrays (what the model sees).

    Unreadable files are left out. The global random state is left as it was.

    Example:
        >>> rows = preview_grid("flowers", ["daisy/1.jpg"], AugmentConfig(hflip=True), 64, 73)  # doctest: +SKIP
        >>> len(rows[0]), rows[0][0].shape  # doctest: +SKIP
        (4, (64, 64, 3))
    """
    transform = pixel_transform(aug, image_size, resize_size)
    rows: list[list[np.ndarray]] = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        state = random.getstate()
        random.seed(seed)
        try:
            for rel in paths:
                try:
                    array = load_image(Path(root) / rel, min_side=resize_size)
                except ImageLoadError:
                    continue
                tensor = torch.from_numpy(array).permute(2, 0, 1)
                rows.append([transform(tensor).permute(1, 2, 0).contiguous().numpy() for _ in range(variants)])
        finally:
            random.setstate(state)
    return rows
