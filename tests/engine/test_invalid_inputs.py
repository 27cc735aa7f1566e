"""Inputs a user can get wrong: a weights file full of NaN, numbers out of range on the command line.

Each ends with exit code 2 and one sentence saying what is wrong and what is allowed, never a traceback and
never a silent "fix" of the number.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torchvision
from safetensors.torch import save_file

from engine.cli.main import main as cli_main
from engine.config import StopReason
from engine.core.errors import WeightsError
from engine.jobs.training_job import run_training_job
from engine.models.weights import read_weights_file
from tests.trainkit import ARCH, Collector, one_thread, tiny_config

pytestmark = pytest.mark.usefixtures("one_thread")
__all__ = ["one_thread"]


@pytest.fixture
def nan_weights(tmp_path: Path) -> Path:
    """MobileNetV3-small weights in which one layer holds NaN (as a diverged training run leaves them)."""
    state = {k: v.contiguous() for k, v in torchvision.models.get_model(ARCH, weights=None).state_dict().items()}
    state["features.1.block.0.0.weight"].fill_(float("nan"))
    state["features.2.block.0.0.weight"][0, 0, 0, 0] = float("inf")
    path = tmp_path / "diverged.safetensors"
    save_file(state, str(path))
    return path


def test_a_weights_file_with_nan_is_refused_when_read(nan_weights: Path) -> None:
    with pytest.raises(WeightsError) as info:
        read_weights_file(nan_weights)
    message = str(info.value)
    assert "diverged.safetensors" in message and "invalid numbers" in message and "another" in message


def test_advise_with_nan_weights_says_the_file_is_invalid(image_folder: Path, nan_weights: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["advise", str(image_folder), "--arch", ARCH, "--weights", str(nan_weights),
                     "--image-size", "32", "--budget", "5"])
    assert code == 2
    err = capsys.readouterr().err
    assert "invalid numbers" in err and "Traceback" not in err


def test_training_from_nan_weights_blames_the_file_not_the_learning_rate(image_folder: Path, nan_weights: Path,
                                                                        tmp_path: Path) -> None:
    finished = run_training_job(tiny_config(image_folder, weights=str(nan_weights)), tmp_path / "run", Collector())
    assert finished.reason is StopReason.FAILED and finished.input_error
    assert "invalid numbers" in finished.detail and "learning rate" not in finished.detail


# -- numbers on the command line ----------------------------------------------------------------------------


@pytest.mark.parametrize(("argv", "words"), [
    (["predict", "RUN", "img.png", "--top", "-1"], "--top: must be a whole number of at least 1 (you gave -1)"),
    (["predict", "RUN", "img.png", "--top", "0"], "--top: must be a whole number of at least 1 (you gave 0)"),
    (["predict", "RUN", "img.png", "--top", "two"], "--top: must be a whole number of at least 1 (you gave two)"),
    (["predict", "RUN", "img.png", "--unsure-below", "70"],
     "--unsure-below: must be a number between 0 and 1 (you gave 70)"),
    (["layers", "--arch", "resnet18", "--classes", "0"],
     "--classes: must be a whole number of at least 1 (you gave 0)"),
    (["layers", "--arch", "resnet18", "--depth", "-1"],
     "--depth: must be a whole number of at least 0 (you gave -1)"),
    (["layers", "--arch", "resnet18", "--image-size", "8"],
     "--image-size: must be a whole number between 16 and 1024 (you gave 8)"),
    (["advise", "DATA", "--budget", "-1"], "--budget: must be a number above 0 (you gave -1)"),
    (["advise", "DATA", "--budget", "nan"], "--budget: must be a number above 0 (you gave nan)"),
    (["scan", "DATA", "--workers", "0"], "--workers: must be a whole number between 1 and 64 (you gave 0)"),
])
def test_numbers_out_of_range_exit_2_with_the_valid_range(argv: list[str], words: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli_main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


#: Should a bad value slip through, the run is quick and offline.
QUICK = ["--arch", ARCH, "--weights", "none", "--strategy", "full", "--epochs", "1", "--image-size", "32",
         "--workers", "0", "--device", "cpu"]


def test_train_refuses_a_smallest_improvement_that_is_not_a_number(image_folder: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["train", str(image_folder), "--out", str(tmp_path / "run"), *QUICK, "--min-delta", "nan"])
    assert code == 2
    assert "smallest improvement" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_nan_does_not_slip_through_any_training_setting(image_folder: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    for option in ("--lr", "--momentum", "--weight-decay", "--min-delta", "--rotation", "--head-dropout",
                   "--val-fraction", "--warmup-epochs", "--step-gamma", "--label-smoothing"):
        code = cli_main(["train", str(image_folder), "--out", str(tmp_path / "run"), *QUICK, option, "nan"])
        assert code == 2, option
        assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
