"""The layer tree (shapes, counts) and the freeze state behind its tri-state checkboxes."""

from __future__ import annotations

import json

import pytest

from engine.cli.main import main
from engine.core.errors import ConfigError
from engine.models import catalog as models
from engine.models.catalog import model_info
from engine.models.heads import HeadOptions
from engine.models.layers.freeze_state import CheckState, FreezeState
from engine.models.layers.tree import analyse_model


def test_output_shapes_and_parameter_counts_at_the_chosen_size() -> None:
    tree = analyse_model("resnet18", 64, 3)
    assert tree.nodes["conv1"].output_shape == (64, 32, 32)
    assert tree.nodes["layer4"].output_shape == (512, 2, 2)
    assert tree.nodes["layer1.0"].type_name == "BasicBlock" and tree.nodes["fc"].output_shape == (3,)
    assert tree.root.params == tree.total_params == model_info("resnet18").params - 1000 * 513 + 3 * 513
    assert tree.nodes["fc"].is_head and not tree.nodes["layer4"].is_head
    assert [c.label for c in tree.root.children][:4] == ["conv1", "bn1", "relu", "maxpool"]
    assert analyse_model("resnet18", 128, 3).nodes["layer4"].output_shape == (512, 4, 4)


def test_transformers_show_tokens_and_loose_parameters() -> None:
    tree = analyse_model("vit_b_16", 224, 1000)
    assert tree.root.params == model_info("vit_b_16").params
    assert tree.nodes["encoder.layers.encoder_layer_0"].output_shape == (197, 768)
    token = tree.nodes["class_token"]
    assert token.is_parameter and token.param_shape == (1, 1, 768) and token.params == 768
    assert "encoder.pos_embedding" in [c.name for c in tree.nodes["encoder"].children]


def test_the_head_options_appear_in_the_tree() -> None:
    tree = analyse_model("resnet18", 64, 4, HeadOptions(dropout=0.2, hidden=16))
    assert [c.label for c in tree.nodes["fc"].children] == ["dropout", "hidden", "relu", "hidden_dropout", "out"]
    assert tree.nodes["fc.hidden"].output_shape == (16,) and tree.nodes["fc.out"].is_head


def test_an_impossible_image_size_is_refused_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="alexnet needs images of at least 63 pixels"):
        analyse_model("alexnet", 32, 3)
    monkeypatch.setattr(models, "check_image_size", lambda arch, size: None)  # the probe is the last line
    with pytest.raises(ConfigError, match="alexnet cannot work with 24-pixel images"):
        analyse_model("alexnet", 24, 3)


def test_tri_state_follows_the_parameters_inside() -> None:
    state = FreezeState(analyse_model("resnet18", 64, 3))
    assert state.check_state("layer1") is CheckState.TRAINABLE and state.check_state("relu") is CheckState.EMPTY
    state.set_frozen("layer1.0", True)
    assert state.check_state("layer1") is CheckState.MIXED and state.check_state("layer1.0.conv1") is CheckState.FROZEN
    state.set_frozen("layer1", True)  # ticking a block freezes everything inside
    assert state.check_state("layer1") is CheckState.FROZEN and state.plan() == ["layer1"]
    assert state.trainable_params("layer1") == 0
    state.set_frozen("", True)  # the whole model: the new head still trains (and has no checkbox)
    assert state.check_state("fc") is CheckState.EMPTY and state.check_state("") is CheckState.FROZEN
    assert state.plan() == ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4"]
    assert state.trainable_params() == state.tree.nodes["fc"].params


def test_freeze_everything_up_to_here() -> None:
    state = FreezeState(analyse_model("resnet18", 64, 3))
    state.set_frozen("layer4", True)
    state.freeze_upto("layer2.0")
    assert state.plan() == ["conv1", "bn1", "layer1", "layer2.0"]  # and what follows is trained again
    state.freeze_upto("maxpool")  # a layer without parameters: everything before it
    assert state.plan() == ["conv1", "bn1"]


def test_stage_slider_positions() -> None:
    state = FreezeState(analyse_model("efficientnet_b0", 64, 3))
    stages = state.tree.stages
    for count in range(len(stages) + 1):
        state.freeze_stages(count)
        assert state.stage_count() == count
    assert state.trainable_params() == state.tree.nodes["classifier.1"].params
    state.set_frozen("features.8", False)
    assert state.stage_count() == len(stages) - 1
    state.set_frozen("features.3", False)
    assert state.stage_count() is None


def test_a_plan_round_trips_through_the_shortest_names() -> None:
    tree = analyse_model("vit_b_16", 64, 3)
    state = FreezeState(tree, ["class_token", "conv_proj", "encoder.layers.encoder_layer_0.ln_1",
                               "encoder.layers.encoder_layer_0.self_attention"])
    again = FreezeState(tree, state.plan())
    assert again.frozen_params == state.frozen_params
    with pytest.raises(ConfigError, match="always trained"):
        state.set_plan(["heads.head"])


def test_cli_prints_the_tree_as_nested_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layers", "--arch", "resnet18", "--image-size", "64", "--json"]) == 0
    root = json.loads(capsys.readouterr().out)
    assert (root["arch"], root["type"], root["params"], root["image_size"]) == ("resnet18", "ResNet", 11689512, 64)
    layer1 = next(c for c in root["children"] if c["name"] == "layer1")
    assert layer1["type"] == "Sequential" and layer1["output_shape"] == [64, 16, 16]
    assert [c["name"] for c in layer1["children"]] == ["layer1.0", "layer1.1"]
    assert layer1["children"][0]["children"][0] == {"name": "layer1.0.conv1", "type": "Conv2d", "params": 36864,
                                                    "output_shape": [64, 16, 16], "children": []}
    assert root["stages"][0] == {"label": "Stem", "modules": ["conv1", "bn1"], "params": 9536}


def test_cli_text_and_bad_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layers", "--arch", "mobilenet_v3_small", "--image-size", "64", "--depth", "1"]) == 0
    out = capsys.readouterr().out
    assert "features" in out and "Sequential" in out and "2,542,856" in out
    assert main(["layers", "--arch", "resnet9000"]) == 2
    assert "not a model this app knows" in capsys.readouterr().err
