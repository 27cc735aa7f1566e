"""The similarity measure ranks images from the pretraining domain above images from elsewhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.config import DataConfig, Device, ModelConfig, OptimConfig, Strategy, TrainConfig
from engine.core.errors import WeightsError
from engine.data.report import scan_image_folder
from engine.data.split import split_stratified
from engine.jobs.training_job import run_training_job
from engine.strategy.similarity import (
    combine,
    measure_similarity,
    pretraining_image_size,
    recognition_scores,
    sample_per_class,
)
from tests.imagegen import make_image_folder


def _textures(root: Path, n: int = 16, size: int = 32) -> Path:
    """Two grey texture classes (coarse blobs, fine grain): nothing like coloured squares."""
    rng = np.random.default_rng(7)
    for name, cell in (("coarse", 8), ("fine", 1)):
        (root / name).mkdir(parents=True)
        for i in range(n):
            small = rng.normal(0, 1, (size // cell, size // cell))
            grey = np.kron(small, np.ones((cell, cell)))
            grey = (grey - grey.min()) / (np.ptp(grey) + 1e-9) * 255
            Image.fromarray(grey.astype(np.uint8)).convert("RGB").save(root / name / f"{i}.png")
    return root


def _similarity(folder: Path, weights: Path):  # type: ignore[no-untyped-def]
    report = scan_image_folder(folder)
    split = split_stratified(report, 0.2, 0)
    return measure_similarity("resnet18", str(weights), report.root, split.train, len(split.classes),
                              image_size=32, budget_s=30)


def test_in_domain_images_score_above_out_of_domain_ones(tmp_path: Path) -> None:
    # "Pretraining": four colour classes; the model's own head is the "ImageNet head" here.
    source = make_image_folder(tmp_path / "source", {"red": 24, "green": 24, "blue": 24, "yellow": 24}, size=32)
    config = TrainConfig(DataConfig(str(source), image_size=32), ModelConfig("resnet18", "none"),
                         OptimConfig(epochs=3, batch_size=16), strategy=Strategy.FULL, device=Device.CPU,
                         num_workers=0)
    assert run_training_job(config, tmp_path / "pretrained", lambda e: None).succeeded
    pretrained = tmp_path / "pretrained"

    # New images of the pretraining kind (other samples, the same four colours)...
    in_domain = _similarity(make_image_folder(tmp_path / "colours", {"red": 8, "green": 8, "blue": 8, "yellow": 8},
                                              size=32, seed=9), pretrained)
    # ...and grey textures, nothing like them.
    out_of_domain = _similarity(_textures(tmp_path / "textures"), pretrained)
    assert in_domain.score > out_of_domain.score
    assert in_domain.recognition > out_of_domain.recognition  # the old head knows colours, not textures
    # Grey textures move the BatchNorm statistics recorded on colour squares much further.
    assert in_domain.familiarity is not None and out_of_domain.familiarity is not None
    assert in_domain.familiarity > out_of_domain.familiarity
    assert in_domain.images_used > 0 and 0 <= out_of_domain.score <= 1
    assert "Recognition" in in_domain.explanation() and "Familiarity" in in_domain.explanation()


def test_the_score_weighs_the_batchnorm_statistics_as_much_as_the_other_parts_together() -> None:
    assert combine(0.4, 0.4, 0.8) == pytest.approx(0.6)
    assert combine(0.4, 0.6, None) == pytest.approx(0.5)  # a model without BatchNorm (ViT, ConvNeXt)
    assert combine(0.3, None, None) == pytest.approx(0.3)


def test_recognition_is_one_for_certain_answers_and_zero_for_uniform_ones() -> None:
    assert recognition_scores(np.array([[1.0, 0.0, 0.0]]))[2] == pytest.approx(1.0)
    assert recognition_scores(np.full((4, 3), 1 / 3))[2] == pytest.approx(0.0)


def test_the_sample_is_bounded_per_class_and_the_same_every_time() -> None:
    items = [(f"a/{i}", 0) for i in range(50)] + [(f"b/{i}", 1) for i in range(5)]
    sample = sample_per_class(items, 10, seed=3)
    assert sum(1 for _, label in sample if label == 0) == 10
    assert sum(1 for _, label in sample if label == 1) == 5
    assert sample == sample_per_class(items, 10, seed=3)


def test_without_pretrained_weights_there_is_nothing_to_measure(image_folder: Path) -> None:
    report = scan_image_folder(image_folder)
    split = split_stratified(report, 0.2, 0)
    with pytest.raises(WeightsError, match="pretrained weights"):
        measure_similarity("resnet18", "none", report.root, split.train, 3)


def test_a_previous_run_is_measured_at_the_image_size_it_was_trained_at(tmp_path: Path) -> None:
    # BatchNorm statistics depend on scale: measuring a 128-pixel model at 224 makes even its own kind of
    # images look unfamiliar.
    (tmp_path / "run" / "model").mkdir(parents=True)
    (tmp_path / "run" / "model" / "model.json").write_text(
        '{"architecture": "resnet18", "class_names": ["a", "b"], "preprocessing": {"image_size": 128, '
        '"resize_size": 146, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}}')
    assert pretraining_image_size("resnet18", str(tmp_path / "run")) == 128
    assert pretraining_image_size("resnet18", "imagenet") == 224


def test_a_sample_cut_short_by_the_time_budget_still_holds_every_class() -> None:
    # The measurement stops when its time is up; on a busy machine only the first batch may be measured.
    items = [(f"{name}/{i}", label) for label, name in enumerate("abc") for i in range(40)]
    first_batch = sample_per_class(items, 30)[:16]
    assert {label for _, label in first_batch} == {0, 1, 2}
    assert max(sum(1 for _, lab in first_batch if lab == k) for k in range(3)) <= 6
