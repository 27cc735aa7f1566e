"""The run configuration: plain-language refusals and an exact JSON round trip."""

from __future__ import annotations

import json

import pytest

from engine.config import DataConfig, Device, EarlyStoppingConfig, ModelConfig, OptimConfig, Strategy, TrainConfig
from engine.core.errors import ConfigError


def test_round_trip_through_json_keeps_every_choice() -> None:
    config = TrainConfig(
        data=DataConfig("/data/x", val_fraction=0.25, image_size=96),
        model=ModelConfig("mobilenet_v3_small", "/w/file.safetensors"),
        optim=OptimConfig(epochs=7, batch_size=4, lr=0.003),
        early_stopping=EarlyStoppingConfig(enabled=False, patience=5),
        strategy=Strategy.FULL, device=Device.CPU, seed=42,
    )
    again = TrainConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config


def test_unknown_keys_such_as_versions_are_ignored() -> None:
    data = TrainConfig(DataConfig("/d")).to_dict()
    data["versions"] = {"torch": "x"}
    data["resolved"] = {"device": "cpu"}
    assert TrainConfig.from_dict(data) == TrainConfig(DataConfig("/d"))


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: DataConfig(""), "Choose an image folder"),
        (lambda: DataConfig("/d", val_fraction=0.9), "between 5% and 50%"),
        (lambda: DataConfig("/d", image_size=8), "image size"),
        (lambda: OptimConfig(epochs=0), "number of epochs"),
        (lambda: OptimConfig(lr=float("nan")), "learning rate"),
        (lambda: OptimConfig(batch_size=0), "batch size"),
        (lambda: EarlyStoppingConfig(patience=0), "Patience"),
    ],
)
def test_bad_settings_are_refused_with_a_sentence(make, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=words):
        make()


def test_training_only_the_head_needs_pretrained_weights() -> None:
    with pytest.raises(ConfigError, match="needs pretrained weights"):
        TrainConfig(DataConfig("/d"), ModelConfig("resnet18", "none"), strategy=Strategy.HEAD)


def test_a_damaged_saved_config_gives_a_readable_error() -> None:
    data = TrainConfig(DataConfig("/d")).to_dict()
    data["strategy"] = "sideways"
    with pytest.raises(ConfigError, match="could not be read"):
        TrainConfig.from_dict(data)


@pytest.mark.parametrize(("val", "test"), [(20, 40), (26, 34), (40, 20), (46, 14)])
def test_validation_and_test_shares_that_add_up_to_exactly_60_percent_are_accepted(val: int, test: int) -> None:
    # The data panel offers whole percents; 0.2 + 0.4 is 0.6000000000000001 in floating point.
    data = DataConfig("/d", val_fraction=val / 100, test_fraction=test / 100)
    assert (data.val_fraction, data.test_fraction) == (val / 100, test / 100)
