"""The decoded-image cache and the cached-features path give the same numbers as the slow paths."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch
import torchvision

from engine.config import Augmentation, StopReason, Strategy
from engine.data.image_cache import build_image_cache
from engine.data.loaders import ImageListDataset, Preprocessing, make_loader
from engine.jobs.training_job import run_training_job
from engine.run.events import EpochEnded, RunStarted
from engine.training.feature_cache import head_is_terminal
from tests.imagegen import make_image_folder
from tests.trainkit import Collector, make_pretrained_file, one_thread, tiny_config

pytestmark = pytest.mark.usefixtures("one_thread")
__all__ = ["one_thread"]


def _items(folder: Path) -> list[tuple[str, int]]:
    return [(f"{name}/{p.name}", i) for i, name in enumerate(sorted(p.name for p in folder.iterdir()))
            for p in sorted((folder / name).iterdir())]


@pytest.mark.parametrize("budget", [1 << 40, 0], ids=["in memory", "on disk"])
def test_cached_pixels_equal_decoded_pixels(image_folder: Path, tmp_path: Path, budget: int) -> None:
    items = _items(image_folder)
    (image_folder / "red" / "broken.png").write_bytes(b"not an image")
    items.append(("red/broken.png", 2))
    pre = Preprocessing.for_size(32)
    cache = build_image_cache(image_folder, [p for p, _ in items], pre.resize_size, directory=tmp_path / "cache",
                              name="train", memory_budget=budget)
    assert cache is not None and cache.in_memory == (budget > 0)
    plain = ImageListDataset(image_folder, items, pre.eval_transform(), pre.resize_size)
    cached = ImageListDataset(image_folder, items, pre.eval_transform(), pre.resize_size, cache=cache)
    for index in range(len(items) - 1):
        assert torch.equal(plain[index][0], cached[index][0]), items[index]
    assert cached[len(items) - 1][0] is None, "a file that cannot be read stays out, as without the cache"
    again = pickle.loads(pickle.dumps(cache))  # what a loader process receives
    assert torch.equal(again.get(0), cache.get(0))


def test_a_loader_process_reads_the_in_memory_cache(image_folder: Path, tmp_path: Path) -> None:
    items = _items(image_folder)[:6]
    pre = Preprocessing.for_size(32)
    cache = build_image_cache(image_folder, [p for p, _ in items], pre.resize_size, directory=tmp_path, name="t")
    assert cache is not None and cache.in_memory
    dataset = ImageListDataset(image_folder, items, pre.eval_transform(), pre.resize_size, cache=cache)
    in_process = next(iter(make_loader(dataset, 6, shuffle=False, num_workers=0, seed=0)))
    in_worker = next(iter(make_loader(dataset, 6, shuffle=False, num_workers=1, seed=0)))
    assert torch.equal(in_process.images, in_worker.images)


def test_the_run_says_images_were_cached_and_learns_the_same(image_folder: Path, tmp_path: Path) -> None:
    results = {}
    for cached in (True, False):
        sink = Collector()
        config = tiny_config(image_folder, epochs=2, image_cache=cached, data={"augmentation": Augmentation.NONE})
        assert run_training_job(config, tmp_path / str(cached), sink).reason is StopReason.FINISHED
        results[cached] = [x for e in sink.of(EpochEnded) for x in (e.train_loss, e.val_loss)]
        notes = " ".join(sink.of(RunStarted)[0].notes)
        assert ("decoded once" in notes) == cached
    assert results[True] == results[False]
    assert not (tmp_path / "True" / "cache").exists(), "the cache folder is removed at the end"


def test_only_a_head_that_ends_the_model_can_train_on_cached_features() -> None:
    resnet = torchvision.models.resnet18(num_classes=3)
    squeezenet = torchvision.models.squeezenet1_0(num_classes=3)  # its head is followed by ReLU and pooling
    assert head_is_terminal(resnet, "fc", 32)
    assert not head_is_terminal(squeezenet, "classifier.1", 32)


def test_cached_features_train_the_head_exactly_like_rerunning_the_frozen_base(tmp_path: Path) -> None:
    folder = make_image_folder(tmp_path / "images", {"red": 10, "green": 10, "blue": 10}, size=40)
    weights = make_pretrained_file(tmp_path / "pretrained.safetensors", "resnet18")
    figures = {}
    for use_cache in (True, False):
        sink = Collector()
        config = tiny_config(folder, weights=str(weights), epochs=3, strategy=Strategy.HEAD,
                             feature_cache=use_cache, model={"arch": "resnet18"},
                             data={"augmentation": Augmentation.NONE})
        finished = run_training_job(config, tmp_path / f"run-{use_cache}", sink)
        assert finished.reason is StopReason.FINISHED, finished.detail
        notes = " ".join(sink.of(RunStarted)[0].notes)
        assert ("computed once" in notes) == use_cache
        figures[use_cache] = [x for e in sink.of(EpochEnded) for x in (e.train_loss, e.val_loss, e.val_accuracy)]
    assert figures[True] == pytest.approx(figures[False], rel=1e-4, abs=1e-5)
