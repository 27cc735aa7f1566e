"""Head replacement for every family, with dropout and an optional hidden layer."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from engine.core.errors import ConfigError
from engine.models.catalog import build_classifier
from engine.models.heads import ClassifierHead, HeadOptions, head_input_width, head_options_of, make_head

# One architecture per family, with where torchvision keeps its classifier.
HEADS = {
    "resnet18": "fc", "efficientnet_b0": "classifier.1", "mobilenet_v3_small": "classifier.3",
    "mobilenet_v2": "classifier.1", "convnext_tiny": "classifier.2", "vit_b_16": "heads.head", "swin_t": "head",
    "densenet121": "classifier", "vgg16": "classifier.6", "googlenet": "fc", "regnet_y_400mf": "fc",
    "squeezenet1_1": "classifier.1", "maxvit_t": "classifier.5", "shufflenet_v2_x0_5": "fc",
    "mnasnet0_5": "classifier.1", "alexnet": "classifier.6", "inception_v3": "fc",
}


@pytest.mark.parametrize("arch", sorted(HEADS))
def test_every_family_gets_a_new_head_with_the_users_classes(arch: str) -> None:
    options = HeadOptions(dropout=0.3, hidden=64)
    size = 224 if arch in ("maxvit_t", "inception_v3") else 64
    model, head = build_classifier(arch, 5, options, image_size=size, meta=True)
    assert head == HEADS[arch]
    assert head_options_of(model.get_submodule(head)) == options
    assert model.eval()(torch.empty(2, 3, size, size, device="meta")).shape == (2, 5)


def test_the_default_head_is_one_layer_with_the_old_state_dict_keys() -> None:
    head = make_head(nn.Linear(512, 1000), 3)
    assert isinstance(head, nn.Linear) and (head.in_features, head.out_features) == (512, 3)
    assert head_options_of(head) == HeadOptions()


def test_dropout_and_hidden_layer_are_named_so_the_tree_reads_well() -> None:
    head = make_head(nn.Linear(512, 1000), 3, HeadOptions(dropout=0.2, hidden=128))
    assert isinstance(head, ClassifierHead)
    assert [n for n, _ in head.named_children()] == ["dropout", "hidden", "relu", "hidden_dropout", "out"]
    assert head_input_width(head) == 512
    only_dropout = make_head(nn.Linear(512, 1000), 3, HeadOptions(dropout=0.5))
    assert [n for n, _ in only_dropout.named_children()] == ["dropout", "out"]


def test_squeezenet_heads_stay_convolutional() -> None:
    head = make_head(nn.Conv2d(512, 1000, 1), 4, HeadOptions(hidden=32))
    assert isinstance(head.get_submodule("hidden"), nn.Conv2d)
    assert head(torch.randn(1, 512, 3, 3)).shape == (1, 4, 3, 3)


def test_options_round_trip_through_json() -> None:
    options = HeadOptions(dropout=0.25, hidden=256)
    assert HeadOptions.from_dict(options.to_dict()) == options
    assert HeadOptions.from_dict(None) == HeadOptions()


@pytest.mark.parametrize("kwargs, words", [({"dropout": 1.0}, "dropout"), ({"hidden": -1}, "hidden layer"),
                                           ({"hidden": 10_000}, "4096")])
def test_bad_options_are_refused_in_words(kwargs: dict[str, float], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        HeadOptions(**kwargs)  # type: ignore[arg-type]


def test_describe() -> None:
    assert HeadOptions().describe(2048, 4) == "2048 → 4 classes"
    assert HeadOptions(hidden=128).describe(2048, 4) == "2048 → 128 (ReLU) → 4 classes"
