"""Applying a freeze plan: exactly the listed modules, BatchNorm kept still, learning rates per group."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from engine.cli.main import main
from engine.config import DataConfig, FreezePlan, ModelConfig, Strategy, TrainConfig
from engine.core.errors import ConfigError, WeightsError
from engine.models.catalog import build_classifier, create_model
from engine.models.layers.freezing import (
    base_modules,
    freeze_modules,
    frozen_parameter_names,
    keep_frozen_batchnorm_in_eval,
    parameter_groups,
    plan_for_strategy,
)
from engine.models.saved import load_exported_model
from engine.models.weights import load_starting_weights
from engine.training.preparation import prepare_model


@pytest.fixture
def weights_file(tmp_path: Path) -> Path:
    """Locally made "pretrained" resnet18 weights with BatchNorm statistics that are not the defaults."""
    torch.manual_seed(0)
    model = create_model("resnet18")
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.9, 1.1)
    path = tmp_path / "pretrained.pth"
    torch.save(model.state_dict(), path)
    return path


def test_freezing_by_module_and_parameter_name() -> None:
    model, head = build_classifier("vit_b_16", 3, image_size=32)
    freeze_modules(model, ["class_token", "conv_proj", "encoder.layers.encoder_layer_0"], head, "vit_b_16")
    frozen = frozen_parameter_names(model)
    assert "class_token" in frozen and "conv_proj.weight" in frozen
    assert "encoder.layers.encoder_layer_0.mlp.0.weight" in frozen
    assert "encoder.layers.encoder_layer_1.mlp.0.weight" not in frozen and "encoder.pos_embedding" not in frozen
    freeze_modules(model, [], head)
    assert not frozen_parameter_names(model)  # applying a plan replaces the previous one


def test_unknown_names_and_the_head_are_refused_in_words() -> None:
    model, head = build_classifier("resnet18", 3)
    with pytest.raises(ConfigError, match='resnet18 has no layer called "layer5".*layer'):
        freeze_modules(model, ["layer5"], head, "resnet18")
    with pytest.raises(ConfigError, match="new output layer .fc., which is always trained"):
        freeze_modules(model, ["fc"], head, "resnet18")


def test_strategies_as_plans() -> None:
    model, head = build_classifier("efficientnet_b0", 3, meta=True)
    assert base_modules(model, head) == ["features", "avgpool", "classifier.0"]
    assert plan_for_strategy(model, head, "head") == ["features"]  # parameter-free parts need no freezing
    assert plan_for_strategy(model, head, "full") == []
    with pytest.raises(ConfigError, match="needs a list of frozen layers"):
        plan_for_strategy(model, head, "partial")


def test_frozen_parameters_stay_out_of_the_optimizer_and_pretrained_ones_learn_slower() -> None:
    model, head = build_classifier("resnet18", 3)
    freeze_modules(model, ["conv1", "bn1", "layer1"], head)
    groups = parameter_groups(model, head, lr=0.01, pretrained_ratio=0.1, weight_decay=0.0, pretrained=True)
    by_name = {g["name"]: g for g in groups}
    assert by_name["head"]["lr"] == 0.01 and by_name["base"]["lr"] == pytest.approx(0.001)
    in_optimizer = {id(p) for g in groups for p in g["params"]}
    assert id(model.conv1.weight) not in in_optimizer and id(model.layer2[0].conv1.weight) in in_optimizer
    assert {id(p) for p in by_name["head"]["params"]} == {id(p) for p in model.fc.parameters()}
    scratch = parameter_groups(model, head, 0.01, 0.1, 0.0, pretrained=False)
    assert all(g["lr"] == 0.01 for g in scratch)


def test_frozen_batchnorm_keeps_its_running_statistics() -> None:
    torch.manual_seed(0)
    model, head = build_classifier("resnet18", 3)
    freeze_modules(model, ["conv1", "bn1", "layer1"], head)
    before = {k: v.clone() for k, v in model.state_dict().items() if "running" in k}
    model.train()
    keep_frozen_batchnorm_in_eval(model)
    model(torch.randn(4, 3, 32, 32) * 3 + 1)
    after = model.state_dict()
    assert torch.equal(after["bn1.running_mean"], before["bn1.running_mean"])
    assert torch.equal(after["layer1.1.bn2.running_var"], before["layer1.1.bn2.running_var"])
    assert not torch.equal(after["layer2.0.bn1.running_mean"], before["layer2.0.bn1.running_mean"])
    model.train()  # the control: without the call, frozen BatchNorm would drift
    model(torch.randn(4, 3, 32, 32) * 3 + 1)
    assert not torch.equal(model.state_dict()["bn1.running_mean"], before["bn1.running_mean"])


def test_prepare_model_applies_the_plan_exactly_as_listed(image_folder: Path, weights_file: Path) -> None:
    config = TrainConfig(DataConfig(str(image_folder), image_size=32), ModelConfig("resnet18", str(weights_file),
                         head_dropout=0.2), strategy=Strategy.FULL, freeze=FreezePlan(("conv1", "layer2.1")))
    model, _head, frozen, source = prepare_model(config, 3)
    assert frozen == ["conv1", "layer2.1"] and "pretrained.pth" in source
    assert frozen_parameter_names(model) == {"conv1.weight"} | {
        f"layer2.1.{n}" for n, _ in model.layer2[1].named_parameters()}
    assert type(model.fc).__name__ == "ClassifierHead"
    default = prepare_model(config.replace(freeze=FreezePlan(), strategy=Strategy.HEAD), 3)
    assert default[2] == ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4"]


def test_freeze_plan_round_trips_through_config_json(image_folder: Path) -> None:
    config = TrainConfig(DataConfig(str(image_folder)), freeze=FreezePlan(["layer1", "layer1", "conv1"]))
    assert config.freeze.frozen == ("layer1", "conv1")
    again = TrainConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config and again.freeze.explicit
    assert TrainConfig.from_dict(TrainConfig(DataConfig(str(image_folder))).to_dict()).freeze.frozen is None
    with pytest.raises(ConfigError, match="Freezing layers needs pretrained weights"):
        TrainConfig(DataConfig(str(image_folder)), ModelConfig(weights="none"), strategy=Strategy.FULL,
                    freeze=FreezePlan(("layer1",)))


def test_train_cli_freezes_upto_a_layer_and_frozen_batchnorm_does_not_move(
        image_folder: Path, weights_file: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    code = main(["train", str(image_folder), "--out", str(run), "--arch", "resnet18", "--weights", str(weights_file),
                 "--freeze-upto", "layer2", "--image-size", "32", "--epochs", "1", "--workers", "0",
                 "--head-hidden", "8"])
    assert code == 0
    config = json.loads((run / "config.json").read_text())
    assert config["freeze"]["frozen"] == ["conv1", "bn1", "layer1", "layer2"]
    assert config["resolved"]["frozen_modules"] == ["conv1", "bn1", "layer1", "layer2"]
    start, end = torch.load(weights_file, weights_only=True), load_file(str(run / "model" / "model.safetensors"))
    for key in ("bn1.running_mean", "layer1.0.bn1.running_var", "layer2.1.bn2.running_mean", "layer2.0.conv1.weight"):
        assert torch.equal(start[key], end[key]), f"{key} moved although it is frozen"
    for key in ("layer3.0.bn1.running_mean", "layer4.1.bn2.running_var", "layer4.0.conv1.weight"):
        assert not torch.equal(start[key], end[key]), f"{key} did not train"
    exported = load_exported_model(run)  # model.json records the head, so the same model is rebuilt
    assert exported.meta["head"] == {"dropout": 0.0, "hidden": 8}
    assert exported.model.get_submodule("fc.hidden").out_features == 8
    with pytest.raises(WeightsError, match="The run run trained resnet18, not mobilenet_v3_small"):
        load_starting_weights(str(run), "mobilenet_v3_small")


def test_train_cli_refuses_unknown_layers_before_training(image_folder: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["train", str(image_folder), "--out", str(tmp_path / "run"), "--freeze", "layer1,lyer2"])
    assert code == 2 and 'no layer called "lyer2"' in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
