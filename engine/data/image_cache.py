"""The decoded-image cache: every image decoded once, at training resolution, as uint8.

Decoding a JPEG costs far more than cropping and flipping an array, and it gives the same pixels every
epoch, so it is done once before the first epoch. Images are resized exactly as the evaluation transform
resizes them (short side to ``resize_size``), so validation pixels are identical with or without the cache.

Storage is one flat uint8 buffer plus an index: in memory when it fits (a torch tensor, which loader
processes receive as shared memory instead of a copy), otherwise a file in the run's ``cache`` folder read
through ``numpy.memmap`` (the operating system's page cache then serves it).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms.v2 import functional as F

from engine.core.cancel import CancelToken, NeverCancelled
from engine.core.errors import StudioError
from engine.core.i18n import tr
from engine.data.images.decode import ImageLoadError, load_image
from engine.data.loaders import CachedImages, image_to_tensor

log = logging.getLogger(__name__)

#: Share of the currently free memory the in-memory cache may take (the rest is the training's).
MEMORY_SHARE = 0.25
#: Bytes assumed per pixel of a resized image when estimating the cache size (3 channels, 4:3 aspect).
BYTES_PER_SIDE_SQUARED = 3 * 4 / 3

Progress = Callable[[int, int], None]


class _Cancelled(Exception):
    pass


class ImageCache(CachedImages):
    """Decoded images; ``get(i)`` is a ``(3, H, W)`` uint8 tensor or ``None`` for a file that failed."""

    def __init__(self, shapes: np.ndarray, offsets: np.ndarray, buffer: torch.Tensor | None,
                 file: Path | None) -> None:
        self.shapes = shapes  # (n, 2) int64: height, width; 0 for a failed file
        self.offsets = offsets  # (n + 1,) int64 into the flat buffer
        self.buffer = buffer
        self.file = file
        self._map: np.memmap[Any, np.dtype[np.uint8]] | None = None

    @property
    def in_memory(self) -> bool:
        return self.buffer is not None

    @property
    def nbytes(self) -> int:
        return int(self.offsets[-1])

    def __len__(self) -> int:
        return len(self.shapes)

    def get(self, index: int) -> torch.Tensor | None:
        h, w = (int(x) for x in self.shapes[index])
        if h == 0:
            return None
        start, end = int(self.offsets[index]), int(self.offsets[index + 1])
        if self.buffer is not None:
            return self.buffer[start:end].view(3, h, w)
        if self._map is None:
            assert self.file is not None
            self._map = np.memmap(self.file, dtype=np.uint8, mode="r")
        return torch.from_numpy(np.array(self._map[start:end])).view(3, h, w)

    def __getstate__(self) -> dict[str, Any]:
        # Loader processes re-open the file themselves; a memmap does not travel between processes.
        return {"shapes": self.shapes, "offsets": self.offsets, "buffer": self.buffer, "file": self.file}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["shapes"], state["offsets"], state["buffer"], state["file"])  # type: ignore[misc]


class _Decode(Dataset[Any]):
    def __init__(self, root: Path, paths: Sequence[str], resize_size: int,
                 interpolation: F.InterpolationMode) -> None:
        self.root, self.paths, self.resize_size, self.interpolation = root, list(paths), resize_size, interpolation

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> torch.Tensor | None:
        try:
            array = load_image(self.root / self.paths[index], min_side=self.resize_size)
        except ImageLoadError as exc:
            log.warning("could not load %s: %s", self.paths[index], exc)
            return None
        # The very operation the evaluation transform performs, so cached pixels equal uncached ones.
        resized: torch.Tensor = F.resize(image_to_tensor(array), [self.resize_size],
                                         interpolation=self.interpolation, antialias=True)
        return resized.contiguous()


def estimate_bytes(count: int, resize_size: int) -> int:
    return int(count * resize_size * resize_size * BYTES_PER_SIDE_SQUARED)


def free_memory_bytes() -> int:
    """Free physical memory, or 2 GB where the system does not say."""
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 2 * 1024**3


def build_image_cache(root: str | Path, paths: Sequence[str], resize_size: int, *, directory: Path,
                      name: str, interpolation: F.InterpolationMode = F.InterpolationMode.BILINEAR,
                      workers: int = 0, memory_budget: int | None = None,
                      progress: Progress | None = None, cancel: CancelToken | None = None) -> ImageCache | None:
    """Decode every image once. Returns ``None`` when cancelled.

    Args:
        interpolation: the evaluation transform's (Preprocessing.resize_mode), so the pixels are the same.
        directory: where the cache file goes when the images do not fit in ``memory_budget`` bytes.
        name: file name stem inside ``directory`` (e.g. ``"train"``).
        workers: loader processes decoding in parallel (0 = in this process).

    Raises:
        StudioError: when the disk is full while writing the cache file.

    Example:
        >>> cache = build_image_cache("flowers", ["daisy/1.jpg"], 256, directory=Path("run/cache"),
        ...                           name="train")  # doctest: +SKIP
        >>> cache.get(0).shape[0]  # doctest: +SKIP
        3
    """
    budget = memory_budget if memory_budget is not None else int(free_memory_bytes() * MEMORY_SHARE)
    to_file = estimate_bytes(len(paths), resize_size) > budget
    file = directory / f"images-{name}.bin" if to_file else None  # not translated: a file name
    try:
        decode = _Decode(Path(root), paths, resize_size, interpolation)
        return _fill(decode, workers, file, progress, cancel or NeverCancelled())
    except _Cancelled:
        if file is not None:
            file.unlink(missing_ok=True)
        return None
    except OSError as exc:
        if file is not None:
            file.unlink(missing_ok=True)
        raise StudioError(tr("The decoded images could not be stored in {folder} ({error}); free some disk space "
                             "or turn off the image cache.", folder=directory, error=exc.strerror or exc)) from exc


def _fill(dataset: _Decode, workers: int, file: Path | None, progress: Progress | None,
          cancel: CancelToken) -> ImageCache:
    n = len(dataset)
    shapes = np.zeros((n, 2), dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    chunks: list[torch.Tensor] = []
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
    with open(file, "wb") if file is not None else contextlib.nullcontext() as handle:
        for index, tensor in enumerate(_decoded(dataset, workers)):
            if cancel.is_set():
                raise _Cancelled
            size = 0
            if tensor is not None:
                shapes[index] = tensor.shape[1:]
                size = tensor.numel()
                if handle is not None:
                    handle.write(tensor.numpy().tobytes())
                else:
                    chunks.append(tensor.reshape(-1))
            offsets[index + 1] = offsets[index] + size
            if progress is not None:
                progress(index + 1, n)
    buffer = torch.cat(chunks) if chunks else (torch.empty(0, dtype=torch.uint8) if file is None else None)
    log.info("image cache: %d images, %.1f MB %s", n, offsets[-1] / 1e6, "in memory" if file is None else file)
    return ImageCache(shapes, offsets, buffer, file)


def _decoded(dataset: _Decode, workers: int) -> Any:
    if workers <= 0:
        return (dataset[i] for i in range(len(dataset)))
    # batch_size=None: items come one by one, in order; None (a failed file) passes through unchanged.
    return iter(DataLoader(dataset, batch_size=None, num_workers=workers, multiprocessing_context="spawn"))
