"""Turning a :class:`~engine.data.report.Split` into batches.

A file that fails to load during training (changed on disk since the scan) is left out of its batch and
reported; it never crashes the run.

Randomness is a pure function of ``(seed, epoch)``: the :class:`EpochSampler` derives each epoch's order and
one seed per sample from them, and each sample's augmentation is drawn from its own seed. So epoch 7 is the
same whether the run got there in one go or was resumed, and whatever the number of loader workers.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler
from torchvision.transforms import v2

from engine.config import Augmentation
from engine.data.images.decode import ImageLoadError, load_image

log = logging.getLogger(__name__)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: How the short side is resized, by the names timm's ``pretrained_cfg`` and torchvision's weights use. The
#: pretrained weights were evaluated with one of them: resizing otherwise shifts every input a little (timm's
#: EfficientNets, torchvision's EfficientNet and Swin expect bicubic; most others bilinear).
INTERPOLATIONS = {"bilinear": v2.InterpolationMode.BILINEAR, "bicubic": v2.InterpolationMode.BICUBIC,
                  "nearest": v2.InterpolationMode.NEAREST}


def interpolation_name(value: object) -> str:
    """A known interpolation name for ``value`` (a name or torchvision's enum); bilinear for anything else
    (timm's ``random`` is a training-time choice, not how the weights were evaluated).

    Example:
        >>> interpolation_name("BICUBIC"), interpolation_name(v2.InterpolationMode.NEAREST), interpolation_name(None)
        ('bicubic', 'nearest', 'bilinear')
    """
    name = str(getattr(value, "value", value) or "").lower()
    return name if name in INTERPOLATIONS else "bilinear"


@dataclass(frozen=True, slots=True)
class Preprocessing:
    """How an image becomes a model input; saved in ``model.json`` so prediction does exactly the same."""

    image_size: int
    resize_size: int
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    interpolation: str = "bilinear"  # a key of INTERPOLATIONS

    @property
    def resize_mode(self) -> v2.InterpolationMode:
        return INTERPOLATIONS[interpolation_name(self.interpolation)]

    @classmethod
    def for_size(cls, image_size: int) -> Preprocessing:
        # The ImageNet convention: resize the short side to size/0.875, then take the centre crop.
        return cls(image_size=image_size, resize_size=round(image_size / 0.875))

    def to_dict(self) -> dict[str, Any]:
        return {
            "image_size": self.image_size,
            "resize_size": self.resize_size,
            "mean": list(self.mean),
            "std": list(self.std),
            "interpolation": self.interpolation,
            # not translated: recorded in model.json for the scripts that read an exported model
            "steps": ["load_image (RGB, uint8)", f"resize short side to {self.resize_size} ({self.interpolation})",
                      f"centre crop {self.image_size}x{self.image_size}", "scale to 0..1", "normalise mean/std"],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preprocessing:
        return cls(
            image_size=int(data["image_size"]),
            resize_size=int(data["resize_size"]),
            mean=tuple(float(x) for x in data["mean"]),  # type: ignore[arg-type]
            std=tuple(float(x) for x in data["std"]),  # type: ignore[arg-type]
            # model.json written before the field existed: those runs were all resized bilinearly
            interpolation=interpolation_name(data.get("interpolation")),
        )

    def eval_transform(self) -> v2.Compose:
        return v2.Compose([
            v2.Resize(self.resize_size, interpolation=self.resize_mode, antialias=True),
            v2.CenterCrop(self.image_size),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(self.mean, self.std),
        ])

    def train_transform(self, augmentation: Augmentation | Any) -> v2.Compose:
        """Training transform for a preset (:class:`Augmentation`) or edited transforms (``AugmentConfig``)."""
        from engine.data.augment import PRESETS, train_transform

        aug = PRESETS[augmentation] if isinstance(augmentation, Augmentation) else augmentation
        return train_transform(aug, self.image_size, self.resize_size, self.mean, self.std, self.resize_mode)


def image_to_tensor(array: np.ndarray) -> torch.Tensor:
    """``(H, W, 3)`` uint8 array -> ``(3, H, W)`` uint8 tensor (no copy of the pixel data)."""
    return torch.from_numpy(array).permute(2, 0, 1)


class CachedImages:
    """What :class:`ImageListDataset` needs from a decoded-image cache (engine/data/image_cache.py)."""

    def get(self, index: int) -> torch.Tensor | None:  # pragma: no cover - interface
        raise NotImplementedError


#: A dataset key: an index, or ``(index, seed)`` when the sample's randomness has its own seed.
Key = int | tuple[int, int]


class ImageListDataset(Dataset[Any]):
    """Items are ``(tensor, label, path)``; a file that fails yields ``(None, label, path)``."""

    def __init__(self, root: str | Path, items: Sequence[tuple[str, int]], transform: v2.Compose,
                 min_side: int, cache: CachedImages | None = None) -> None:
        self.root = Path(root)
        self.items = list(items)
        self.transform = transform
        self.min_side = min_side
        self.cache = cache

    def __len__(self) -> int:
        return len(self.items)

    @property
    def labels(self) -> list[int]:
        return [label for _, label in self.items]

    def __getitem__(self, key: Key) -> tuple[torch.Tensor | None, int, str]:
        index, seed = (key, None) if isinstance(key, int) else key
        rel, label = self.items[index]
        tensor = self._pixels(index, rel)
        if tensor is None:
            return None, label, rel
        if seed is None:
            return self.transform(tensor), label, rel
        # Only the CPU generator: seeding CUDA here would reset the model's dropout stream every sample.
        with torch.random.fork_rng(devices=[]):
            torch.default_generator.manual_seed(seed)
            return self.transform(tensor), label, rel

    def _pixels(self, index: int, rel: str) -> torch.Tensor | None:
        if self.cache is not None:
            return self.cache.get(index)
        try:
            return image_to_tensor(load_image(self.root / rel, min_side=self.min_side))
        except ImageLoadError as exc:
            log.warning("could not load %s during training: %s", rel, exc)
            return None


def mix_seed(seed: int, epoch: int) -> int:
    """A well-spread 63-bit seed for ``(seed, epoch)`` (the same on every machine)."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(2, np.uint32).view(np.uint64)[0] >> 1)


class EpochSampler(Sampler[tuple[int, int]]):
    """Yields ``(index, sample seed)``; the order and seeds depend only on ``(seed, epoch)``.

    ``weights`` (one per item) turns it into sampling with replacement, e.g. to balance classes.

    Example:
        >>> s = EpochSampler(4, seed=1, shuffle=True)
        >>> s.set_epoch(3)
        >>> sorted(i for i, _ in s) == [0, 1, 2, 3]
        True
    """

    def __init__(self, size: int, *, seed: int, shuffle: bool, weights: Sequence[float] | None = None) -> None:
        self.size = size
        self.seed = seed
        self.shuffle = shuffle
        self.weights = None if weights is None else torch.as_tensor(list(weights), dtype=torch.double)
        self.epoch = 1

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[tuple[int, int]]:
        generator = torch.Generator().manual_seed(mix_seed(self.seed, self.epoch))
        if self.weights is not None:
            order = torch.multinomial(self.weights, self.size, replacement=True, generator=generator)
        elif self.shuffle:
            order = torch.randperm(self.size, generator=generator)
        else:
            order = torch.arange(self.size)
        seeds = torch.randint(0, 2**62, (self.size,), generator=generator)
        return iter(zip(order.tolist(), seeds.tolist()))


def batch_bounds(size: int, batch_size: int, *, keep_lone_last: bool = True,
                 smallest_last: int = 2) -> list[tuple[int, int]]:
    """``(start, stop)`` of each batch over ``size`` items in order.

    With ``keep_lone_last=False`` a last batch of fewer than ``smallest_last`` items (by default: a single
    one) joins the batch before it: BatchNorm cannot train on one image ("Expected more than 1 value per
    channel"), and a step on one image is mostly noise. Training batches use that; several processes ask for
    two images per process (:class:`RankShard`). Validation keeps every batch as it is (nothing is left out).

    Example:
        >>> batch_bounds(7, 3, keep_lone_last=False)
        [(0, 3), (3, 7)]
        >>> batch_bounds(7, 3)
        [(0, 3), (3, 6), (6, 7)]
        >>> batch_bounds(11, 4, keep_lone_last=False, smallest_last=4)
        [(0, 4), (4, 11)]
    """
    bounds = [(start, min(start + batch_size, size)) for start in range(0, size, batch_size)]
    if not keep_lone_last and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < smallest_last:
        bounds[-2:] = [(bounds[-2][0], size)]
    return bounds


class TrainingBatchSampler(Sampler[list[tuple[int, int]]]):
    """Batches of an :class:`EpochSampler`'s keys in which the last image never stands alone.

    Example:
        >>> batches = TrainingBatchSampler(EpochSampler(7, seed=0, shuffle=True), 3)
        >>> len(batches), [len(b) for b in batches]
        (2, [3, 4])
    """

    def __init__(self, sampler: EpochSampler, batch_size: int) -> None:
        self.sampler = sampler
        self.batch_size = batch_size

    def __len__(self) -> int:
        return len(batch_bounds(len(self.sampler), self.batch_size, keep_lone_last=False))

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        keys = list(self.sampler)
        return iter([keys[a:b] for a, b in batch_bounds(len(keys), self.batch_size, keep_lone_last=False)])


class RankShard(Sampler[list[tuple[int, int]]]):
    """This process's share of each batch when several train together (torch.distributed): batch ``k`` of the
    one-process order is dealt out, item ``rank``, ``rank + world``, … to process ``rank``.

    So the union of the processes' batches is exactly the one-process batch, whatever the number of processes
    (same global batch, same order, same per-image augmentation seeds), and every process runs the same number
    of batches: collectives (gradient averaging, the Stop agreement) never wait for a process that has finished.
    When ``training``, a last batch too small to give every process two images joins the batch before it
    (BatchNorm cannot train on one image per process), and a share still left empty (a batch smaller than the
    number of processes) repeats one of the batch's images (each process must take a step); validation
    shares stay as they are.

    Example:
        >>> shard = RankShard(EpochSampler(10, seed=0, shuffle=False), 4, rank=1, world=2)
        >>> [[i for i, _ in b] for b in shard]  # the last batch (8, 9) joined the one before
        [[1, 3], [5, 7, 9]]
    """

    def __init__(self, sampler: EpochSampler, batch_size: int, *, rank: int, world: int,
                 training: bool = True) -> None:
        self.sampler, self.batch_size = sampler, batch_size
        self.rank, self.world, self.training = rank, world, training

    def _bounds(self) -> list[tuple[int, int]]:
        return batch_bounds(len(self.sampler), self.batch_size, keep_lone_last=not self.training,
                            smallest_last=2 * self.world)

    def __len__(self) -> int:
        return len(self._bounds())

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        keys = list(self.sampler)
        for start, stop in self._bounds():
            batch = keys[start:stop]
            share = batch[self.rank::self.world]
            if not share and self.training and batch:
                share = [batch[self.rank % len(batch)]]
            yield share


def seed_epoch(seed: int, epoch: int) -> None:
    """Randomness drawn in this process during epoch ``epoch`` (dropout...) from ``(seed, epoch)`` alone."""
    mixed = mix_seed(seed, epoch)
    torch.manual_seed(mixed)
    random.seed(mixed)
    np.random.seed(mixed % 2**32)


def balanced_weights(labels: Sequence[int]) -> list[float]:
    """Per-item weights ``1 / count(class)``: every class is drawn equally often."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64))
    return [1.0 / counts[label] for label in labels]


@dataclass
class Batch:
    images: torch.Tensor
    labels: torch.Tensor
    failed: list[str]

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def pin_memory(self) -> Batch:
        """Called by the DataLoader's pinning thread (CUDA): page-locked memory copies asynchronously."""
        return Batch(self.images.pin_memory(), self.labels.pin_memory(), self.failed)


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


def _worker_init(_: int) -> None:
    # Each loader process decodes one image at a time: more threads would only fight the training threads.
    torch.set_num_threads(1)


def make_loader(dataset: ImageListDataset, batch_size: int, *, shuffle: bool, num_workers: int,
                seed: int, pin_memory: bool = False, weights: Sequence[float] | None = None,
                training: bool = False, shard: tuple[int, int] | None = None) -> DataLoader[Any]:
    """A loader whose order and augmentation follow :class:`EpochSampler` (call ``set_loader_epoch``).

    ``training=True``: a last batch of one image joins the batch before it (:class:`TrainingBatchSampler`),
    so that a model with BatchNorm never trains on a single image. ``shard=(rank, world)``: this process's
    share of each batch (:class:`RankShard`); ``batch_size`` stays the batch of all processes together.

    Example:
        >>> loader = make_loader(dataset, 16, shuffle=True, num_workers=0, seed=0, training=True)  # doctest: +SKIP
    """
    sampler = EpochSampler(len(dataset), seed=seed, shuffle=shuffle, weights=weights)
    batching: dict[str, Any] = ({"batch_sampler": TrainingBatchSampler(sampler, batch_size)} if training
                                else {"batch_size": batch_size, "sampler": sampler})
    if shard is not None and shard[1] > 1:
        batching = {"batch_sampler": RankShard(sampler, batch_size, rank=shard[0], world=shard[1], training=training)}
    return DataLoader(
        dataset,
        **batching,
        num_workers=num_workers,
        # Without persistent workers every epoch pays the worker start (3.7-5.6 s with spawn, measured).
        persistent_workers=num_workers > 0,
        collate_fn=collate_skipping_failures,
        pin_memory=pin_memory,
        worker_init_fn=_worker_init if num_workers > 0 else None,
        multiprocessing_context="spawn" if num_workers > 0 else None,
    )


def set_loader_epoch(loader: DataLoader[Any], epoch: int) -> None:
    """Make the next pass over ``loader`` draw epoch ``epoch``'s order and augmentation."""
    batches = loader.batch_sampler
    sampler = batches.sampler if isinstance(batches, (TrainingBatchSampler, RankShard)) else loader.sampler
    if isinstance(sampler, EpochSampler):
        sampler.set_epoch(epoch)
