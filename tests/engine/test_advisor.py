"""The advisor's plan and how it is applied to a training config."""

from __future__ import annotations

import json

import pytest

from engine.config import Augmentation, DataConfig, ModelConfig, OptimizerKind, Strategy, TrainConfig
from engine.models.catalog import build_classifier
from engine.models.layers.base import base_modules
from engine.models.layers.stages import architecture_stages
from engine.strategy.advisor import advise, apply_advice
from engine.strategy.table import Advised, SimilarityClass, SizeThresholds

SMALL = {"a": 80, "b": 120}
LARGE = {"a": 3000, "b": 2500}
SIM, DIFF = SimilarityClass.SIMILAR, SimilarityClass.DIFFERENT


def _base(arch: str) -> set[str]:
    model, head = build_classifier(arch, 2)
    return set(base_modules(model, head))


@pytest.mark.parametrize("arch", ["resnet18", "efficientnet_b0", "mobilenet_v3_small", "convnext_tiny",
                                  "vit_b_16"])
def test_each_strategy_freezes_the_expected_part_of_each_family(arch: str) -> None:
    stages = architecture_stages(arch)
    all_stage_modules = [m for s in stages for m in s.modules]

    head = advise(SMALL, stages, pretrained=True, similarity_override=SIM)
    assert head.strategy is Advised.HEAD
    assert list(head.plan.frozen) == all_stage_modules  # the whole base

    full = advise(LARGE, stages, pretrained=True, similarity_override=DIFF)
    assert full.strategy is Advised.FULL and full.plan.frozen == ()

    partial = advise(SMALL, stages, pretrained=True, similarity_override=DIFF)
    assert partial.strategy is Advised.PARTIAL
    lower = [m for s in stages[:len(stages) // 2] for m in s.modules]
    assert list(partial.plan.frozen) == lower  # the lower half, input side first
    assert 0 < partial.plan.frozen_stages < len(stages)

    refined = advise(LARGE, stages, pretrained=True, similarity_override=SIM)
    assert refined.strategy is Advised.PARTIAL
    assert refined.plan.frozen_stages == len(stages) - 1  # only the top stage retrained


def test_without_pretrained_weights_the_advice_is_scratch_with_augmentation() -> None:
    advice = advise(SMALL, architecture_stages("resnet18"), pretrained=False)
    assert advice.strategy is Advised.SCRATCH
    assert advice.plan.augmentation is Augmentation.STRONG
    assert "no pretrained weights" in advice.explanation


def test_applying_a_partial_plan_sets_layers_rates_optimizer_augmentation_and_warm_up(tmp_path) -> None:  # type: ignore[no-untyped-def]
    stages = architecture_stages("resnet18")
    advice = advise(SMALL, stages, pretrained=True, similarity_override=DIFF, epochs=15)
    config = TrainConfig(DataConfig(str(tmp_path)), ModelConfig("resnet18", "imagenet"))
    applied = apply_advice(config, advice)
    assert applied.strategy is Strategy.PARTIAL
    assert applied.freeze.frozen == advice.plan.frozen == ("conv1", "bn1", "layer1")
    assert applied.optim.optimizer is OptimizerKind.SGD and applied.optim.momentum == 0.9
    # Images unlike the pretraining ones: the trained stages must be re-learned, at the full rate.
    assert applied.optim.lr == 0.01 and applied.optim.pretrained_lr_ratio == 1.0
    # Unlike the pretraining photos (scans): medical-safe, which beat light and strong on brain MRI with real
    # ImageNet weights (bench/README.md); flips and colour changes can change what a scan shows.
    assert applied.data.augmentation is Augmentation.MEDICAL
    assert applied.finetune.head_warmup_epochs >= 1
    saved = TrainConfig.from_dict(json.loads(json.dumps(applied.to_dict())))
    assert saved == applied
    assert saved.advice is not None and saved.advice["strategy"] == "partial"


def test_the_explanation_says_what_is_frozen_trained_at_which_rates_and_the_risk() -> None:
    advice = advise(SMALL, architecture_stages("resnet18"), pretrained=True, similarity_override=DIFF)
    text = advice.explanation
    assert "Frozen: Stem, Stage 1" in text and "Trained: Stage 2, Stage 3, Stage 4" in text
    assert "all at a learning rate of 0.01" in text and "must change a lot" in text
    assert "Why:" in text
    assert advice.risk.startswith("Main risk")
    assert advice.to_dict()["frozen"] == ["conv1", "bn1", "layer1"]


def test_pretrained_layers_learn_at_a_tenth_of_the_rate_when_the_images_are_alike() -> None:
    advice = advise(LARGE, architecture_stages("resnet18"), pretrained=True, similarity_override=SIM)
    assert advice.strategy is Advised.PARTIAL and advice.plan.pretrained_lr_ratio == 0.1
    assert "Trained: Stage 4 at a learning rate of 0.001, and the new classifier at 0.01" in advice.explanation


def test_the_user_can_move_the_size_threshold() -> None:
    stages = architecture_stages("resnet18")
    assert advise(SMALL, stages, pretrained=True, similarity_override=SIM).strategy is Advised.HEAD
    lowered = advise(SMALL, stages, pretrained=True, similarity_override=SIM,
                     thresholds=SizeThresholds(large_per_class=50))
    assert lowered.strategy is Advised.PARTIAL


def test_scan_like_data_get_the_medical_safe_preset_and_photos_keep_theirs() -> None:
    stages = architecture_stages("resnet18")
    for counts in (SMALL, LARGE):
        different = advise(counts, stages, pretrained=True, similarity_override=DIFF)
        assert different.plan.augmentation is Augmentation.MEDICAL
        assert "medical-safe augmentation: small crops and rotations, no flips or colour changes" in \
            different.explanation
    assert advise(LARGE, stages, pretrained=True, similarity_override=SIM).plan.augmentation is Augmentation.LIGHT
    assert advise(SMALL, stages, pretrained=True, similarity_override=SIM).plan.augmentation is Augmentation.NONE


def test_the_head_only_plan_trains_the_classifier_at_the_rate_measured_on_real_features() -> None:
    # 0.01 left the classifier short of a fitted logistic regression in a short budget (bench/README.md).
    advice = advise(SMALL, architecture_stages("resnet18"), pretrained=True, similarity_override=SIM)
    assert advice.plan.lr == 0.03 and advice.plan.augmentation is Augmentation.NONE
    assert "only the new classifier is trained (SGD with momentum, learning rate 0.03)" in advice.explanation
