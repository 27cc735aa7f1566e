"""A training batch of one image: BatchNorm cannot learn from it, so it must never reach the model.

When the number of training images divided by the batch size leaves one, the last image joins the batch
before it; validation keeps every image; halving the batch after running out of memory stops at two images
while BatchNorm layers train.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from engine.config import StopReason
from engine.data.loaders import ImageListDataset, Preprocessing, make_loader, set_loader_epoch
from engine.jobs.training_job import run_training_job
from engine.run.events import EpochEnded, RunStarted
from engine.training.feature_cache import FeatureBatches, FeatureSet
from engine.training.loop import EpochLoop
from engine.training.session import trains_batchnorm
from tests.trainkit import Collector, one_thread, tiny_config

pytestmark = pytest.mark.usefixtures("one_thread")
__all__ = ["one_thread"]

#: The image_folder fixture's 36 images split into 30 for training and 6 for validation.
TRAIN_IMAGES = 30


@pytest.fixture
def batch_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every batch a training step receives."""
    sizes: list[int] = []
    original = EpochLoop._step

    def step(self: EpochLoop, module: Any, images: torch.Tensor, labels: torch.Tensor, l1: Any) -> Any:
        sizes.append(int(images.shape[0]))
        return original(self, module, images, labels, l1)

    monkeypatch.setattr(EpochLoop, "_step", step)
    return sizes


def test_a_last_batch_of_one_image_joins_the_batch_before(image_folder: Path, tmp_path: Path,
                                                          batch_sizes: list[int]) -> None:
    sink = Collector()
    batch = TRAIN_IMAGES - 1  # 30 images in batches of 29: the last batch would hold one image
    finished = run_training_job(tiny_config(image_folder, epochs=2, batch_size=batch), tmp_path / "run", sink)

    assert finished.reason is StopReason.FINISHED, finished.detail
    started = sink.of(RunStarted)[0]
    assert started.train_images == TRAIN_IMAGES and started.train_images % batch == 1
    assert started.steps_per_epoch == 1
    assert batch_sizes == [TRAIN_IMAGES, TRAIN_IMAGES]  # every image still trains, every epoch
    assert len(sink.of(EpochEnded)) == 2


def test_halving_after_running_out_of_memory_stops_at_two_images(image_folder: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 batch_sizes: list[int]) -> None:
    original = EpochLoop._step

    def out_of_memory_from_two_images(self: EpochLoop, module: Any, images: torch.Tensor, labels: torch.Tensor,
                                      l1: Any) -> Any:
        if images.shape[0] >= 2:
            batch_sizes.append(int(images.shape[0]))
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return original(self, module, images, labels, l1)

    monkeypatch.setattr(EpochLoop, "_step", out_of_memory_from_two_images)
    finished = run_training_job(tiny_config(image_folder, epochs=1, batch_size=4), tmp_path / "run", Collector())

    assert finished.reason is StopReason.FAILED
    assert "ran out of memory even with 2 images per batch" in finished.detail
    assert "unexpected error" not in finished.detail
    assert batch_sizes == [4, 2]


def test_validation_batches_keep_every_image_and_training_batches_never_hold_one(image_folder: Path) -> None:
    items = [(f"red/img_{i:03d}.png", 0) for i in range(7)]
    pre = Preprocessing.for_size(32)
    dataset = ImageListDataset(image_folder, items, pre.eval_transform(), pre.resize_size)
    train = make_loader(dataset, 3, shuffle=True, num_workers=0, seed=0, training=True)
    val = make_loader(dataset, 3, shuffle=False, num_workers=0, seed=0)
    set_loader_epoch(train, 2)
    assert (len(train), [len(b) for b in train]) == (2, [3, 4])
    assert (len(val), [len(b) for b in val]) == (3, [3, 3, 1])

    data = FeatureSet(torch.arange(7.0)[:, None], torch.zeros(7, dtype=torch.long), [])
    train_features = FeatureBatches(data, 3, seed=0, shuffle=True, training=True)
    val_features = FeatureBatches(data, 3, seed=0, shuffle=False)
    assert (len(train_features), [len(b) for b in train_features]) == (2, [3, 4])
    assert sorted(torch.cat([b.images for b in train_features]).flatten().tolist()) == list(range(7))
    assert (len(val_features), [len(b) for b in val_features]) == (3, [3, 3, 1])


def test_the_smallest_batch_is_two_only_while_batchnorm_learns() -> None:
    frozen_bn = nn.BatchNorm2d(4).requires_grad_(False)
    assert trains_batchnorm(nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4)))
    assert trains_batchnorm(nn.BatchNorm1d(4, affine=False))  # no weights, but its statistics still learn
    assert not trains_batchnorm(nn.Sequential(nn.Conv2d(3, 4, 1), frozen_bn, nn.Linear(4, 2)))
