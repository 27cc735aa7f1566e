"""The images an export is checked on: real ones from the run's validation set, preprocessed as the app does.

Up to :data:`CHECK_IMAGES` of them, taken in turn from each class so that every class is seen. When none of
them can be read any more (the image folder was moved or deleted), the check runs on random inputs instead and
says so: a weaker check than real images, but the export is still compared with PyTorch.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import torch

from engine.core.i18n import tr
from engine.core.names import display_path
from engine.data.images.decode import ImageLoadError, load_image
from engine.data.loaders import Preprocessing, image_to_tensor
from engine.run.folder import RunFileError, RunFolder

log = logging.getLogger(__name__)

#: How many validation images an export is checked on (each one must give the same top class).
CHECK_IMAGES = 32


@dataclass(frozen=True)
class CheckImages:
    """Preprocessed model inputs ``(N, 3, S, S)`` and where they came from."""

    inputs: torch.Tensor
    names: tuple[str, ...]  # the images' paths relative to the image folder ("" for random inputs)
    source: str  # "validation" or "random"
    note: str = ""  # why random inputs were used

    @property
    def count(self) -> int:
        return int(self.inputs.shape[0])


def check_images(run_dir: Path, preprocessing: Preprocessing, limit: int = CHECK_IMAGES) -> CheckImages:
    """Up to ``limit`` validation images of the run, ready for the model (random inputs when none is readable).

    Example:
        >>> images = check_images(Path("runs/flowers"), Preprocessing.for_size(224))  # doctest: +SKIP
        >>> images.source, images.inputs.shape  # doctest: +SKIP
        ('validation', torch.Size([32, 3, 224, 224]))
    """
    try:
        split = RunFolder(run_dir).read_split()
    except RunFileError as exc:
        return _random_images(preprocessing, limit, str(exc))
    root = Path(split.root)
    transform = preprocessing.eval_transform()
    tensors: list[torch.Tensor] = []
    names: list[str] = []
    for path in _spread_over_classes(split.val or split.test, limit * 2):
        try:
            array = load_image(root / path, min_side=preprocessing.resize_size)
        except ImageLoadError as exc:
            log.info("export check: %s left out (%s)", path, exc)
            continue
        tensors.append(transform(image_to_tensor(array)))
        names.append(path)
        if len(tensors) == limit:
            break
    if not tensors:
        return _random_images(preprocessing, limit, tr("The run's validation images in {folder} could not be read "
                                                       "(moved or deleted?).", folder=display_path(root)))
    return CheckImages(torch.stack(tensors), tuple(names), "validation")


def _spread_over_classes(items: tuple[tuple[str, int], ...], limit: int) -> list[str]:
    """Paths taken in turn from each class (the first of every class, then the second...), at most ``limit``."""
    per_class: dict[int, list[str]] = defaultdict(list)
    for path, label in items:
        per_class[label].append(path)
    queues = [per_class[label] for label in sorted(per_class)]
    out: list[str] = []
    depth = 0
    while len(out) < limit and any(depth < len(q) for q in queues):
        out.extend(q[depth] for q in queues if depth < len(q))
        depth += 1
    return out[:limit]


def _random_images(preprocessing: Preprocessing, limit: int, why: str) -> CheckImages:
    generator = torch.Generator().manual_seed(0)
    size = preprocessing.image_size
    inputs = torch.randn(min(limit, 8), 3, size, size, generator=generator)
    return CheckImages(inputs, ("",) * inputs.shape[0], "random",
                       why + " " + tr("The export was checked on random inputs instead."))
