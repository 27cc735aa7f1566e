"""The settings and the model catalog speak Korean (issue 17): refusals, option texts, enum labels, model
facts, stage names and weight-file errors come out in Korean with the right values, and English is back after."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from engine.config import DataConfig, ModelConfig, OptimConfig, Strategy, TrainConfig
from engine.config.group_pattern import check_group_pattern
from engine.config.options import option
from engine.core.errors import ConfigError, WeightsError
from engine.core.i18n import set_language
from engine.models.catalog import check_arch, check_image_size, model_info, speed_class
from engine.models.heads import HeadOptions
from engine.models.layers.stages import architecture_stages
from engine.models.memory import MemoryEstimate
from engine.models.weights import read_weights_file, resolve_weights_path
from tests.korean_text import HANGUL as _HANGUL


def _hangul(text: str) -> bool:
    return bool(_HANGUL.search(text))


def test_a_range_refusal_is_korean_with_its_numbers(korean: None) -> None:
    message = option("optim.epochs").problem(0)
    assert message == "에포크 수: 1에서 10000 사이여야 합니다(지금은 0)."
    with pytest.raises(ConfigError, match="학습률") as refused:
        OptimConfig(lr=0.0)
    assert "0 초과 10 이하" in str(refused.value)
    assert "픽셀" in option("data.image_size").range_text()


def test_config_rules_refuse_in_korean(korean: None) -> None:
    with pytest.raises(ConfigError) as no_folder:
        DataConfig("")
    assert str(no_folder.value) == "먼저 이미지 폴더를 선택하세요."
    with pytest.raises(ConfigError) as share:
        DataConfig("/d", test_fraction=0.02)
    assert _hangul(str(share.value)) and "5%" in str(share.value) and "2%" in str(share.value)
    with pytest.raises(ConfigError) as head:
        TrainConfig(DataConfig("/d"), ModelConfig(weights="none"), strategy=Strategy.HEAD)
    assert "전체 학습" in str(head.value)
    problem = check_group_pattern("((")
    assert _hangul(problem) and "P001_scan1.png" in problem


def test_option_texts_and_choices_follow_the_language(korean: None) -> None:
    spec = option("optim.optimizer")
    assert spec.label == "옵티마이저" and _hangul(spec.help)
    assert [c.label for c in spec.choices][0] == "모멘텀을 쓰는 SGD"
    assert option("data.test_fraction").special == "테스트 세트 없음"
    assert Strategy.FULL.label == "전체 학습"
    set_language("en")
    assert spec.label == "Optimizer" and Strategy.FULL.label == "Train everything"


def test_model_facts_and_stage_names_are_korean(korean: None) -> None:
    info = model_info("resnet18")
    assert info.note.startswith("ResNet:") and _hangul(info.note)
    assert "224×224" in info.preprocessing_text and _hangul(info.preprocessing_text)
    assert speed_class(0.1) == "매우 빠름" and speed_class(None) == "알 수 없음"
    labels = [s.label for s in architecture_stages("resnet18")]
    assert labels[:2] == ["스템(stem)", "1단계"]
    set_language("en")
    assert [s.label for s in architecture_stages("resnet18")][:2] == ["Stem", "Stage 1"], "cached stages follow"


def test_model_refusals_are_korean(korean: None) -> None:
    with pytest.raises(ConfigError) as unknown:
        check_arch("no_such_net")
    assert "'no_such_net'" in str(unknown.value) and _hangul(str(unknown.value))
    with pytest.raises(ConfigError) as patch:
        check_image_size("vit_b_16", 100)
    assert "16" in str(patch.value) and "96" in str(patch.value) and _hangul(str(patch.value))
    assert HeadOptions(dropout=0.2, hidden=128).describe(512, 3) == (
        "드롭아웃 20% → 512 → 128 (ReLU) → 드롭아웃 20% → 클래스 3개")


def test_weight_file_errors_are_korean(korean: None, tmp_path: Path) -> None:
    with pytest.raises(WeightsError) as missing:
        resolve_weights_path(tmp_path / "nothing.pt")
    assert "nothing.pt" in str(missing.value) and _hangul(str(missing.value))
    bad = tmp_path / "bad.safetensors"
    save_file({f"layer{i}.weight": torch.full((2,), float("nan")) for i in range(4)}, str(bad))
    with pytest.raises(WeightsError) as nan:
        read_weights_file(bad)
    text = str(nan.value)
    assert "bad.safetensors" in text and "레이어 4개" in text and "외 2개" in text


def test_the_memory_summary_is_korean(korean: None) -> None:
    estimate = MemoryEstimate(weights=10**8, gradients=10**8, optimizer_state=10**8, activations=10**9,
                              workspace=0, batch_size=32, image_size=224, device="cuda", available=8 * 10**9,
                              suggested_batch=64)
    text = estimate.summary()
    assert text.startswith("학습 메모리(추정값)") and "이미지 32장" in text and "64" in text
    assert "GPU 여유 메모리" in text
