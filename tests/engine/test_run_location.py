"""A run never writes into the user's image folder, and a scan never takes a run's files for images."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.config import DataConfig, Device, EarlyStoppingConfig, ModelConfig, OptimConfig, Strategy, TrainConfig
from engine.data.reasons import REASONS
from engine.data.report import Outcome, scan_image_folder
from engine.jobs.training_job import run_training_job
from tests.imagegen import make_image_folder
from tests.trained_run import copy_run, shared_run

TINY = ["--arch", "mobilenet_v3_small", "--weights", "none", "--strategy", "full", "--image-size", "32",
        "--batch-size", "4", "--workers", "0", "--epochs", "1", "--no-early-stopping"]


def tree(folder: Path) -> dict[str, int]:
    """Every path under ``folder`` with its size: what "nothing was written" is checked against."""
    return {str(p.relative_to(folder)): p.stat().st_size if p.is_file() else -1 for p in sorted(folder.rglob("*"))}


def _images(tmp_path: Path) -> Path:
    return make_image_folder(tmp_path / "images", {"red": 4, "green": 4}, size=16)


@pytest.mark.parametrize("out", ["{data}", "{data}/red/run", "{data}/red/../run", "{link}/red/run"])
def test_train_refuses_a_run_folder_inside_the_image_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            out: str) -> None:
    data = _images(tmp_path)
    os.symlink(data, tmp_path / "link")  # another name for the same folder
    before = tree(data)
    run_dir = out.format(data=data, link=tmp_path / "link")
    code = main(["train", str(data), "--out", run_dir, *TINY])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert f"outside {data}." in err and "would mix with your images" in err
    assert tree(data) == before, "nothing may be written into the image folder"


def test_train_refuses_an_image_folder_inside_the_run_folder(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    data = make_image_folder(run / "images", {"red": 4, "green": 4}, size=16)
    before = tree(run)
    code = main(["train", str(data), "--out", str(run), *TINY])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert f"The image folder {data} is inside the run folder {run}" in err
    assert f"choose a run folder that does not contain {data}." in err
    assert tree(run) == before


def _config(data: Path) -> TrainConfig:
    return TrainConfig(DataConfig(str(data), image_size=32), ModelConfig("mobilenet_v3_small", "none"),
                       optim=OptimConfig(epochs=1, batch_size=4), early_stopping=EarlyStoppingConfig(enabled=False),
                       strategy=Strategy.FULL, device=Device.CPU, num_workers=0)


@pytest.mark.parametrize("resume", [False, True])
def test_the_trainer_itself_refuses_so_every_entry_point_is_protected(tmp_path: Path, resume: bool) -> None:
    """The window's thread and process runners and resume all go through run_training."""
    data = _images(tmp_path)
    before = tree(data)
    finished = run_training_job(_config(data), data / "green" / "run", lambda _event: None, resume=resume)
    assert not finished.succeeded and finished.input_error
    assert "inside the image folder" in finished.detail and str(data) in finished.detail
    assert tree(data) == before


def test_a_run_folder_inside_a_class_folder_is_skipped_with_its_reason(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    data = _images(tmp_path)
    run = copy_run(shared_run(tmp_path_factory), data / "red" / "run")
    assert list(run.rglob("*.png")), "a real run folder holds plots (PNG files)"
    copy_run(shared_run(tmp_path_factory), data / "old-run")  # one beside the class folders too
    report = scan_image_folder(data, use_cache=False)
    assert report.class_names == ["green", "red"], "a run folder is never a class"
    assert report.counts == {"green": 4, "red": 4}, "a run's plots are never training images"
    assert not any("/run/" in p for p in report.classes["red"])
    outcome = {f.path: f for f in report.files}
    for folder in ("red/run", "old-run"):
        assert outcome[folder].outcome is Outcome.SKIPPED and outcome[folder].reason == "run_folder"
        assert "training run" in outcome[folder].message
    assert REASONS["run_folder"]
    assert report.trainable
    (warning,) = [w for w in report.warnings if w.code == "run_folders_inside"]
    assert warning.message.startswith("2 training runs' folders are inside your image folder")
    assert '"old-run", "red/run"' in warning.message and "Move run folders out" in warning.message
    assert "files_skipped" not in [w.code for w in report.warnings], "a run folder is not counted as a file"


def test_choosing_a_run_folder_as_the_image_folder_blocks_with_a_sentence(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    run = copy_run(shared_run(tmp_path_factory), tmp_path / "run")
    report = scan_image_folder(run, use_cache=False)
    assert [p.code for p in report.blocking] == ["run_folder_chosen"]
    assert "training run" in report.blocking[0].message and "class folders" in report.blocking[0].message
    assert report.classes == {}, "its model/ and evaluation/ folders are not classes"
