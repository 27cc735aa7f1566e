"""Training the head on cached backbone features.

When the whole pretrained base is frozen and there is no augmentation, the base turns each image into the
same features every epoch. They are computed once (one pass of the frozen base over train and validation
images, in evaluation mode, under ``no_grad``), and the head alone is trained on them: an epoch then costs
a few matrix products instead of a pass of the whole network (~10^4x faster per epoch, docs/ARCHITECTURE.md section 6).

Frozen dropout layers inside the base are inactive in this pass (evaluation mode); the head's own dropout,
if any, still applies while it trains.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

from engine.core.cancel import CancelToken
from engine.data.loaders import Batch, EpochSampler, batch_bounds
from engine.training.device import Acceleration

log = logging.getLogger(__name__)


class _Captured(Exception):
    """Raised by the head's pre-hook to skip the head itself: only its input is wanted."""

    def __init__(self, value: torch.Tensor) -> None:
        super().__init__()
        self.value = value


def trainable_outside(model: nn.Module, head: str) -> list[str]:
    """Names of trainable parameters that are not in the head (empty: the base is entirely frozen)."""
    prefix = head + "."
    return [n for n, p in model.named_parameters() if p.requires_grad and not n.startswith(prefix)]


def head_is_terminal(model: nn.Module, head: str, image_size: int) -> bool:
    """True when the model returns the head's output unchanged (so head(features) == model(image)).

    False for e.g. SqueezeNet, whose convolutional head is followed by a ReLU and pooling.
    """
    seen: list[Any] = []
    handle = model.get_submodule(head).register_forward_hook(lambda m, a, out: seen.append(out))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            device = next(model.parameters()).device
            out = model(torch.zeros(1, 3, image_size, image_size, device=device))
    finally:
        handle.remove()
        model.train(was_training)
    return bool(seen) and seen[-1] is out


@dataclass
class FeatureSet:
    features: torch.Tensor  # (n, ...) float32, on the CPU
    labels: torch.Tensor  # (n,) long
    failed: list[str]

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def compute_features(model: nn.Module, head: str, loader: DataLoader[Any], acc: Acceleration,
                     progress: Callable[[int, int], None], cancel: CancelToken) -> FeatureSet | None:
    """One pass of the frozen base over ``loader`` (evaluation transforms); ``None`` when cancelled."""
    module = model.get_submodule(head)

    def capture(_: nn.Module, args: tuple[Any, ...]) -> None:
        raise _Captured(args[0])

    handle = module.register_forward_pre_hook(capture)
    model.eval()
    features: list[torch.Tensor] = []
    labels: list[torch.Tensor] = []
    failed: list[str] = []
    steps = len(loader)
    try:
        with torch.no_grad():
            for step, batch in enumerate(loader, start=1):
                if cancel.is_set():
                    return None
                failed.extend(batch.failed)
                if len(batch):
                    features.append(_features_of(model, acc, batch.images))
                    labels.append(batch.labels)
                progress(step, steps)
    finally:
        handle.remove()
    if not features:
        return FeatureSet(torch.empty(0), torch.empty(0, dtype=torch.long), failed)
    return FeatureSet(torch.cat(features), torch.cat(labels), failed)


def shard_of(items: list[Any], rank: int, world: int) -> list[Any]:
    """The items process ``rank`` of ``world`` computes features for: every ``world``-th from ``rank``.

    Example:
        >>> shard_of(list("abcde"), 1, 2)
        ['b', 'd']
    """
    return items[rank::world]


def joined_shards(paths: list[str], shards: list[FeatureSet]) -> FeatureSet:
    """The processes' feature sets (process ``r`` computed ``shard_of(paths, r, world)``) as one set in the
    order of ``paths``, as one process computing them all would have made it: the same batches follow,
    whatever the number of processes. Images that could not be read are left out as there.

    Example:
        >>> a = FeatureSet(torch.tensor([[0.0], [2.0]]), torch.tensor([0, 0]), [])
        >>> b = FeatureSet(torch.tensor([[1.0]]), torch.tensor([1]), ["d.png"])
        >>> joined_shards(["a.png", "b.png", "c.png", "d.png"], [a, b]).features.flatten().tolist()
        [0.0, 1.0, 2.0]
    """
    world = len(shards)
    order: list[tuple[int, int, int]] = []  # (position among all paths, shard, row in that shard)
    for rank, shard in enumerate(shards):
        failed = set(shard.failed)
        kept = [i for i in range(rank, len(paths), world) if paths[i] not in failed]
        if len(kept) != len(shard):  # unreachable unless a failure was reported under another name
            raise RuntimeError("the computed features do not match their images")  # not translated: a bug
        order += [(position, rank, row) for row, position in enumerate(kept)]
    order.sort()
    failed_all = [path for shard in shards for path in shard.failed]
    if not order:
        return FeatureSet(torch.empty(0), torch.empty(0, dtype=torch.long), failed_all)
    features = torch.stack([shards[rank].features[row] for _, rank, row in order])
    labels = torch.stack([shards[rank].labels[row] for _, rank, row in order])
    return FeatureSet(features, labels, failed_all)


def _features_of(model: nn.Module, acc: Acceleration, images: torch.Tensor) -> torch.Tensor:
    try:
        with acc.autocast():
            model(acc.to_device(images))
    except _Captured as captured:
        return captured.value.detach().float().cpu()
    # not translated: an internal error that cannot happen (the capture hook always fires)
    raise RuntimeError("the head was not reached while computing features")  # pragma: no cover


class FeatureBatches:
    """Batches of cached features, ordered and sampled like the image loaders (:class:`EpochSampler`).

    ``training=True``: a last batch of one item joins the batch before it, as in the image loaders
    (:func:`engine.data.loaders.batch_bounds`).
    """

    def __init__(self, data: FeatureSet, batch_size: int, *, seed: int, shuffle: bool,
                 weights: list[float] | None = None, training: bool = False,
                 shard: tuple[int, int] = (0, 1)) -> None:
        self.data = data
        self.batch_size = batch_size  # of all processes together; ``shard=(rank, world)`` takes a share of it
        self.training = training
        self.rank, self.world = shard
        self.sampler = EpochSampler(len(data), seed=seed, shuffle=shuffle, weights=weights)

    def set_epoch(self, epoch: int) -> None:
        self.sampler.set_epoch(epoch)

    def _bounds(self, size: int) -> list[tuple[int, int]]:
        return batch_bounds(size, self.batch_size, keep_lone_last=not self.training)

    def __len__(self) -> int:
        return len(self._bounds(len(self.data)))

    def __iter__(self) -> Iterator[Batch]:
        order = torch.tensor([index for index, _ in self.sampler], dtype=torch.long)
        for start, stop in self._bounds(len(order)):
            chosen = order[start:stop]
            if self.world > 1:  # as engine.data.loaders.RankShard deals out an image batch
                share = chosen[self.rank::self.world]
                chosen = share if len(share) or not self.training else chosen[self.rank % len(chosen):][:1]
            yield Batch(self.data.features[chosen], self.data.labels[chosen], [])
