"""`python -m engine` as scripts use it: outputs, files and exit codes (run as real subprocesses)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.imagegen import make_image_folder

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str | Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_scan_lists_classes_with_counts_and_exits_0(image_folder: Path, tmp_path: Path) -> None:
    result = cli("scan", image_folder, "--json", tmp_path / "report.json")
    assert result.returncode == 0, result.stderr
    assert "blue\t12" in result.stdout and "3 classes, 36 images" in result.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["classes"] == {"blue": 12, "green": 12, "red": 12}
    assert report["blocking"] == []


@pytest.mark.parametrize(
    ("layout", "words"),
    [
        ({}, "no class subfolders"),
        ({"only": 5}, "Only one class"),
        ({"cats": 5, "dogs": 1}, '"dogs" has 1 usable image'),
    ],
)
def test_scan_refuses_untrainable_folders_with_exit_2(tmp_path: Path, layout: dict[str, int], words: str) -> None:
    root = tmp_path / "data"
    root.mkdir()
    make_image_folder(root, layout, size=8)
    result = cli("scan", root)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_scan_of_images_without_class_folders_says_what_to_do(tmp_path: Path) -> None:
    make_image_folder(tmp_path / "x", {"a": 3}, size=8)
    flat = tmp_path / "x" / "a"
    result = cli("scan", flat)
    assert result.returncode == 2
    assert "directly in this folder" in result.stderr and "subfolder" in result.stderr


def test_train_writes_the_run_folder_and_predict_reads_it(image_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = cli("train", image_folder, "--out", run, "--weights", "none", "--strategy", "full", "--epochs", "2",
                 "--image-size", "32", "--batch-size", "8", "--seed", "3")
    assert result.returncode == 0, result.stderr
    epoch_lines = [line for line in result.stdout.splitlines() if line.startswith("epoch")]
    assert len(epoch_lines) == 2
    for name in ("config.json", "split.json", "events.jsonl", "metrics.csv", "checkpoints/last.safetensors",
                 "checkpoints/best.safetensors", "model/model.safetensors", "model/model.json"):
        assert (run / name).is_file(), name
    config = json.loads((run / "config.json").read_text())
    assert config["model"]["arch"] == "resnet18" and config["seed"] == 3
    assert {"torch", "torchvision", "app"} <= set(config["versions"])
    model = json.loads((run / "model" / "model.json").read_text())
    assert model["class_names"] == ["blue", "green", "red"]
    assert model["preprocessing"]["image_size"] == 32
    split = json.loads((run / "split.json").read_text())
    assert len(split["train"]) + len(split["val"]) == 36
    assert not {p for p, _ in split["train"]} & {p for p, _ in split["val"]}
    with open(run / "metrics.csv", newline="") as handle:
        assert [row["epoch"] for row in csv.DictReader(handle)] == ["1", "2"]

    predicted = cli("predict", run, image_folder / "red" / "img_000.png", image_folder / "blue", "--json")
    assert predicted.returncode == 0, predicted.stderr
    rows = json.loads(predicted.stdout)
    assert len(rows) == 1 + 12
    assert all(len(r["top"]) == 3 for r in rows)
    assert all(abs(sum(t["probability"] for t in r["top"]) - 1) < 1e-4 for r in rows)  # 3 classes: top-3 is all

    text = cli("predict", run, image_folder / "red" / "img_000.png")
    assert text.returncode == 0 and "img_000.png\t" in text.stdout and "%" in text.stdout


def test_train_on_an_untrainable_folder_exits_2_without_a_run_folder(tmp_path: Path) -> None:
    make_image_folder(tmp_path / "data", {"only": 4}, size=8)
    run = tmp_path / "run"
    result = cli("train", tmp_path / "data", "--out", run, "--weights", "none", "--strategy", "full")
    assert result.returncode == 2
    assert "Only one class" in result.stderr
    assert not run.exists()


def test_bad_option_values_exit_2_with_a_sentence(image_folder: Path, tmp_path: Path) -> None:
    result = cli("train", image_folder, "--out", tmp_path / "run", "--epochs", "0")
    assert result.returncode == 2
    assert "number of epochs" in result.stderr and "Traceback" not in result.stderr


def test_predict_with_a_folder_that_has_no_model_exits_2(tmp_path: Path) -> None:
    make_image_folder(tmp_path / "imgs", {"a": 1}, size=8)
    result = cli("predict", tmp_path, tmp_path / "imgs")
    assert result.returncode == 2
    assert "No saved model" in result.stderr
