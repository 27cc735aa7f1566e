"""Augmentation presets, editable transforms and the preview of what the model sees."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.config import Augmentation, AugmentConfig, DataConfig, TrainConfig
from engine.core.errors import ConfigError
from engine.data.augment import PRESETS, describe, pixel_transform, preview_grid, resolve_augment, train_transform
from engine.data.loaders import Preprocessing


def test_the_medical_preset_neither_flips_nor_changes_colour() -> None:
    medical = PRESETS[Augmentation.MEDICAL]
    assert not medical.hflip and not medical.vflip
    assert medical.brightness == medical.contrast == medical.saturation == medical.hue == 0
    assert "mirrored" not in " ".join(describe(medical)) and "colours" not in " ".join(describe(medical))
    assert medical.rotation > 0 and medical.crop_scale_min < 1, "it still varies position and angle a little"


def test_every_preset_is_described_in_plain_words() -> None:
    for preset, aug in PRESETS.items():
        assert describe(aug), preset
    assert describe(PRESETS[Augmentation.STRONG])[0].startswith("A random part covering 35%")


def test_edited_transforms_win_over_the_preset() -> None:
    edited = AugmentConfig(hflip=True, rotation=5)
    config = TrainConfig(DataConfig("/d", augmentation=Augmentation.MEDICAL), augment=edited)
    assert resolve_augment(config) == edited
    assert resolve_augment(config.replace(augment=None)) == PRESETS[Augmentation.MEDICAL]


def test_no_augmentation_gives_exactly_the_validation_pixels() -> None:
    pre = Preprocessing.for_size(32)
    image = torch.randint(0, 256, (3, 50, 41), dtype=torch.uint8)
    plain = train_transform(AugmentConfig(), pre.image_size, pre.resize_size, pre.mean, pre.std)
    assert torch.equal(plain(image), pre.eval_transform()(image))
    assert AugmentConfig().is_identity and not AugmentConfig(erasing=0.1).is_identity


def test_transforms_are_checked_with_plain_messages() -> None:
    with pytest.raises(ConfigError, match="Rotation"):
        AugmentConfig(rotation=400)
    with pytest.raises(ConfigError, match="smallest crop"):
        AugmentConfig(crop_scale_min=0.0)


def test_a_flip_only_augmentation_mirrors_and_nothing_else() -> None:
    image = torch.arange(3 * 8 * 8, dtype=torch.uint8).reshape(3, 8, 8)
    flip = pixel_transform(AugmentConfig(hflip=True), 8, 8)
    outcomes = [flip(image) for _ in range(30)]
    assert all(out.equal(image) or out.flip(-1).equal(image) for out in outcomes)
    assert any(out.flip(-1).equal(image) for out in outcomes) and any(out.equal(image) for out in outcomes)


def test_the_preview_shows_what_the_model_sees_and_is_repeatable(image_folder: Path) -> None:
    paths = ["red/img_000.png", "blue/img_001.png", "missing.png"]
    strong = PRESETS[Augmentation.STRONG]
    before = torch.get_rng_state()
    rows = preview_grid(image_folder, paths, strong, 32, 36, variants=3, seed=5)
    assert torch.equal(before, torch.get_rng_state()), "the preview leaves the random state alone"
    assert len(rows) == 2 and all(len(r) == 3 for r in rows), "an unreadable file is left out"
    assert rows[0][0].shape == (32, 32, 3) and rows[0][0].dtype.name == "uint8"
    again = preview_grid(image_folder, paths, strong, 32, 36, variants=3, seed=5)
    assert all((a == b).all() for ra, rb in zip(rows, again) for a, b in zip(ra, rb))
    assert any((rows[0][0] != v).any() for v in rows[0][1:]), "the variants differ"
