"""Every architecture's base as ordered stages: the unit of the stage slider and of the advisor."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from engine.models.catalog import SHORTLIST, build_classifier, family
from engine.models.heads import HeadOptions
from engine.models.layers.stages import (
    _FAMILIES,
    architecture_stages,
    frozen_for_stages,
    frozen_stage_count,
    model_stages,
)
from engine.models.layers.tree import analyse_model

# The shortlist and at least one member of every other family and variant (each family is one code path;
# all 80 take ~20 s here, too long for every test run).
ARCHS = sorted(set(SHORTLIST) | {
    "resnext50_32x4d", "wide_resnet50_2", "efficientnet_v2_s", "mobilenet_v2", "mnasnet0_5", "mnasnet1_3",
    "shufflenet_v2_x0_5", "squeezenet1_0", "alexnet", "vgg11_bn", "inception_v3", "maxvit_t", "swin_v2_t",
    "vit_l_32", "regnet_x_400mf", "densenet161"})


def _stage_params(model: nn.Module, names: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    for name in names:
        try:
            out.update(f"{name}.{p}" for p, _ in model.get_submodule(name).named_parameters())
        except AttributeError:
            out.add(name)
    return out


@pytest.mark.parametrize("arch", ARCHS)
def test_stages_cover_the_base_exactly_in_execution_order(arch: str) -> None:
    model, head = build_classifier(arch, 3, HeadOptions(hidden=8), meta=True)
    assert family(arch) in _FAMILIES  # a known family: no generic fallback for torchvision's models
    stages = model_stages(model, arch, head)
    assert len(stages) >= 4
    seen: set[str] = set()
    for stage in stages:
        params = _stage_params(model, stage.modules)
        assert params and not params & seen, f"{stage.label} is empty or overlaps an earlier stage"
        assert stage.params == sum(p.numel() for n, p in model.named_parameters() if n in params)
        seen |= params
    base = {n for n, _ in model.named_parameters() if not n.startswith(head + ".")}
    assert seen == base


@pytest.mark.parametrize("arch", ["resnet18", "efficientnet_b0", "vit_b_16", "swin_t", "googlenet"])
def test_stages_follow_the_order_the_model_runs(arch: str) -> None:
    tree = analyse_model(arch, 64, 3)
    first_use = [min(tree.param_seq[p] for p in _names_in(tree, s.modules)) for s in tree.stages]
    assert first_use == sorted(first_use)


def _names_in(tree, modules):  # type: ignore[no-untyped-def]
    return [p for m in modules for p in tree.nodes[m].param_names]


def test_expected_stages_of_the_main_families() -> None:
    def modules(arch: str) -> list[tuple[str, ...]]:
        return [s.modules for s in architecture_stages(arch)]

    assert modules("resnet18") == [("conv1", "bn1"), ("layer1",), ("layer2",), ("layer3",), ("layer4",)]
    assert modules("efficientnet_b0") == [("features.0",)] + [(f"features.{i}",) for i in range(1, 8)] + [
        ("features.8",)]
    assert modules("convnext_tiny") == [("features.0",), ("features.1",), ("features.2", "features.3"),
                                        ("features.4", "features.5"), ("features.6", "features.7", "classifier.0")]
    vit = modules("vit_b_16")
    assert vit[0] == ("conv_proj", "class_token", "encoder.pos_embedding")
    assert vit[1] == ("encoder.layers.encoder_layer_0",) and vit[-1][-1] == "encoder.ln" and len(vit) == 13
    mobile = modules("mobilenet_v3_small")
    assert mobile[0] == ("features.0",) and mobile[-1] == ("classifier.0",)  # the pretrained 576→1024 layer
    assert [s.label for s in architecture_stages("vgg16")][-2:] == ["Fully connected 1", "Fully connected 2"]


def test_big_vits_are_grouped_into_at_most_twelve_block_stages() -> None:
    stages = architecture_stages("vit_l_16")
    assert len(stages) == 13 and stages[1].label == "Blocks 1–2"


def test_freezing_a_number_of_stages_and_reading_it_back() -> None:
    stages = architecture_stages("resnet18")
    assert frozen_for_stages(stages, 0) == []
    assert frozen_for_stages(stages, 2) == ["conv1", "bn1", "layer1"]
    assert frozen_for_stages(stages, 99) == frozen_for_stages(stages, 5)
    assert frozen_stage_count(stages, ["conv1", "bn1", "layer1"]) == 2
    assert frozen_stage_count(stages, ["layer1"]) is None
    assert frozen_stage_count(stages, []) == 0


def test_an_unknown_family_falls_back_to_generic_parts() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(8, 3))
    stages = model_stages(model, "homemade", "5")
    assert [s.modules for s in stages] == [("0",), ("2",)]
    assert stages[0].label == "Part 1"
    assert model(torch.randn(1, 3, 8, 8)).shape == (1, 3)
