"""`python -m engine advise` and `train --strategy auto|partial` as scripts use them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.engine.test_cli import cli
from tests.trainkit import make_pretrained_file


def test_advise_json_has_the_documented_keys(image_folder: Path, tmp_path: Path) -> None:
    weights = make_pretrained_file(tmp_path / "pre.safetensors", "resnet18")
    result = cli("advise", image_folder, "--arch", "resnet18", "--weights", weights, "--json",
                 "--image-size", "32", "--budget", "10")
    assert result.returncode == 0, result.stderr
    advice = json.loads(result.stdout)
    assert advice["strategy"] in {"full", "partial", "head", "scratch"}
    assert advice["size"]["class"] == "small"
    parts = advice["similarity"]
    assert parts["source"] == "measured" and 0 <= parts["score"] <= 1
    assert {"mean_max_probability", "normalized_entropy", "probe_accuracy"} <= set(parts)
    assert isinstance(advice["frozen"], list) and advice["explanation"]


def test_advise_without_pretrained_weights_says_scratch(image_folder: Path) -> None:
    result = cli("advise", image_folder, "--arch", "resnet18", "--weights", "none")
    assert result.returncode == 0, result.stderr
    assert "Recommended: Train from scratch" in result.stdout
    assert "no pretrained weights" in result.stdout


def test_advise_refuses_an_untrainable_folder_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "only").mkdir()
    result = cli("advise", tmp_path, "--weights", "none")
    assert result.returncode == 2 and "Only one class" in result.stderr


def test_train_auto_applies_and_records_the_advice(image_folder: Path, tmp_path: Path) -> None:
    weights = make_pretrained_file(tmp_path / "pre.safetensors", "resnet18")
    run = tmp_path / "run"
    result = cli("train", image_folder, "--out", run, "--arch", "resnet18", "--weights", weights, "--strategy",
                 "auto", "--similar", "no", "--epochs", "2", "--image-size", "32", "--batch-size", "8")
    assert result.returncode == 0, result.stderr
    config = json.loads((run / "config.json").read_text())
    assert config["strategy"] == "partial"  # small and different
    assert config["advice"]["strategy"] == "partial" and config["advice"]["similarity"]["source"] == "your choice"
    assert config["freeze"]["frozen"] == ["conv1", "bn1", "layer1"]
    assert config["finetune"]["head_warmup_epochs"] >= 1
    assert config["optim"]["optimizer"] == "sgd" and config["data"]["augmentation"] == "medical"  # a scan-safe preset


def test_train_partial_without_a_plan_freezes_the_lower_half(image_folder: Path, tmp_path: Path) -> None:
    weights = make_pretrained_file(tmp_path / "pre.safetensors", "resnet18")
    run = tmp_path / "run"
    result = cli("train", image_folder, "--out", run, "--arch", "resnet18", "--weights", weights, "--strategy",
                 "partial", "--epochs", "1", "--image-size", "32", "--batch-size", "8")
    assert result.returncode == 0, result.stderr
    config = json.loads((run / "config.json").read_text())
    assert config["resolved"]["frozen_modules"] == ["conv1", "bn1", "layer1"]
