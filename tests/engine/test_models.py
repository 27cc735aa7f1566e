"""The catalog comes from torchvision's weights API and tells people what they choose."""

from __future__ import annotations

import pytest
import torch
import torchvision.models as tvm

from engine.core.errors import ConfigError
from engine.models.catalog import (
    SHORTLIST,
    build_classifier,
    check_image_size,
    create_model,
    family,
    find_head,
    list_architectures,
    model_info,
    speed_class,
)
from engine.models.heads import HeadOptions


def test_every_torchvision_classifier_with_imagenet_weights_is_offered_shortlist_first() -> None:
    archs = list_architectures()
    assert set(archs) == set(tvm.list_models(module=tvm))
    assert archs[: len(SHORTLIST)] == list(SHORTLIST)
    for classic in ("vgg16", "googlenet", "resnet50", "vit_b_16", "swin_t", "densenet121", "convnext_tiny"):
        assert classic in SHORTLIST


def test_facts_come_from_the_weights_meta() -> None:
    weights = tvm.ResNet50_Weights.DEFAULT
    info = model_info("resnet50")
    assert info.params == weights.meta["num_params"]
    assert info.imagenet_top1 == weights.meta["_metrics"]["ImageNet-1K"]["acc@1"]
    assert info.download_mb == weights.meta["_file_size"]
    assert info.url == weights.url and info.file_name == weights.url.rsplit("/", 1)[-1]
    assert (info.crop_size, info.resize_size) == (224, 232)
    assert "centre crop 224×224" in info.preprocessing_text and "resize the short side to 232" in info.preprocessing_text
    assert info.speed_class == "medium"


@pytest.mark.parametrize("arch", list_architectures())
def test_every_catalog_entry_is_complete(arch: str) -> None:
    info = model_info(arch)
    assert info.params > 100_000
    assert info.imagenet_top1 is not None and 40 < info.imagenet_top1 < 100
    assert info.download_mb and info.download_mb > 1
    assert info.url.startswith("https://") and info.crop_size >= 224
    assert info.speed_class != "unknown" and info.note  # every family has its sentence


def test_speed_classes_order_by_compute() -> None:
    assert [speed_class(g) for g in (0.1, 1.0, 4.0, 10.0, 100.0)] == [
        "very fast", "fast", "medium", "slow", "very slow"]
    assert model_info("mobilenet_v3_small").speed_class == "very fast"
    assert model_info("vgg16").speed_class == "slow"


def test_families() -> None:
    assert family("resnext50_32x4d") == "resnet" and family("wide_resnet50_2") == "resnet"
    assert family("efficientnet_v2_s") == "efficientnet" and family("vit_l_16") == "vit"
    assert family("maxvit_t") == "maxvit" and family("inception_v3") == "inception"


def test_image_sizes_the_architecture_cannot_take_are_refused_in_words() -> None:
    with pytest.raises(ConfigError, match="multiple of 16 .for example 96 or 112.") as exc:
        check_image_size("vit_b_16", 100)
    assert "vit_b_16" in str(exc.value)
    with pytest.raises(ConfigError, match="at least 75 pixels"):
        check_image_size("inception_v3", 64)
    check_image_size("vit_b_16", 64)
    check_image_size("swin_t", 64)
    check_image_size("resnet18", 32)


def test_vit_is_built_for_the_chosen_image_size() -> None:
    model, head = build_classifier("vit_b_16", 3, image_size=64, meta=True)
    assert head == "heads.head"
    assert model(torch.empty(2, 3, 64, 64, device="meta")).shape == (2, 3)


def test_meta_models_cost_no_memory_and_regnet_falls_back() -> None:
    model = create_model("regnet_y_400mf", meta=True)  # regnet cannot be built on the meta device directly
    assert all(p.device.type == "meta" for p in model.parameters())
    assert find_head(model) == "fc"


def test_a_real_model_with_a_head_option_trains_on_the_cpu() -> None:
    torch.manual_seed(0)
    model, head = build_classifier("resnet18", 4, HeadOptions(dropout=0.1, hidden=16), image_size=32)
    assert head == "fc" and model.fc.out.out_features == 4
    out = model(torch.randn(2, 3, 32, 32))
    out.sum().backward()
    assert out.shape == (2, 4) and model.fc.hidden.weight.grad is not None


def test_unknown_architecture_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a model this app knows"):
        model_info("resnet9000")
