"""Exporting a trained run: ``python -m engine export`` and the deployment folder (issue 15, items 1, 4, 5).

The deployment folder's ``predict.py`` runs in its own process, with torch and the app made unimportable, and
must give the answers ``python -m engine predict`` gives.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.cli.main import main as cli_main
from engine.core.run_layout import RunLayout, check_file_of
from tests.imagegen import make_image_folder
from tests.trained_run import copy_run, one_torch_thread, shared_run


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_run(tmp_path_factory)


@pytest.fixture
def run(trained: Path, tmp_path: Path) -> Path:
    return copy_run(trained, tmp_path / "run")


def _image_folder(run_dir: Path) -> Path:
    return Path(json.loads(RunLayout(run_dir).split.read_text(encoding="utf-8"))["root"])


def test_onnx_export_writes_one_checked_file_and_refuses_to_replace_it(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["export", str(run), "--format", "onnx"]) == 0
    out = capsys.readouterr().out
    assert "ONNX written to" in out and "Checked: on 9 validation images, ONNX gives the same top class" in out
    exports = RunLayout(run).exports
    assert sorted(p.name for p in exports.folder.iterdir()) == ["model.onnx", "model.onnx.check.json"]  # no .onnx.data
    check = json.loads(check_file_of(exports.onnx).read_text(encoding="utf-8"))
    assert check["passed"] is True and check["images"] == 9 and check["source"] == "validation"
    assert check["max_abs_diff"] <= 1e-3 and check["same_top1"] == 9 and check["batch_sizes"] == [9, 1]
    before = exports.onnx.read_bytes()

    assert cli_main(["export", str(run), "--format", "onnx"]) == 2
    err = capsys.readouterr().err
    assert "model.onnx exists already" in err and "add --overwrite" in err
    assert exports.onnx.read_bytes() == before


def test_torchscript_export_runs_without_the_app_and_overwrite_replaces_it(run: Path, tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    target = tmp_path / "elsewhere" / "classifier.pt"
    target.parent.mkdir()
    target.write_bytes(b"an older file")
    assert cli_main(["export", str(run), "--format", "torchscript", "--out", str(target)]) == 2
    assert target.read_bytes() == b"an older file"
    assert cli_main(["export", str(run), "--format", "torchscript", "--out", str(target), "--overwrite"]) == 0
    assert "TorchScript written to" in capsys.readouterr().out
    extra = {"preprocessing.json": ""}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit is marked deprecated; LibTorch still loads it
        module = torch.jit.load(str(target), _extra_files=extra)
    record = json.loads(extra["preprocessing.json"])
    assert record["class_names"] == ["blue", "green", "red"] and record["input"]["size"] == [32, 32]
    assert module(torch.zeros(4, 3, 32, 32)).shape == (4, 3)
    assert json.loads(check_file_of(target).read_text(encoding="utf-8"))["passed"] is True


def test_an_export_is_never_written_into_the_image_folder(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    images = _image_folder(run)
    before = sorted(images.rglob("*"))
    assert cli_main(["export", str(run), "--format", "onnx", "--out", str(images / "model.onnx")]) == 2
    assert "is inside the image folder" in capsys.readouterr().err
    assert cli_main(["export", str(run), "--format", "folder", "--out", str(images)]) == 2
    assert sorted(images.rglob("*")) == before


def test_a_run_without_a_model_or_a_missing_folder_gets_one_sentence(tmp_path: Path, run: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "not-a-run"
    empty.mkdir()
    assert cli_main(["export", str(empty), "--format", "onnx"]) == 2
    assert "has no saved model to export" in capsys.readouterr().err
    assert cli_main(["export", str(run), "--format", "onnx", "--out", str(tmp_path / "no" / "such" / "m.onnx")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err


def test_moved_images_are_replaced_by_random_inputs_and_the_check_says_so(run: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    split = RunLayout(run).split
    data = json.loads(split.read_text(encoding="utf-8"))
    split.write_text(json.dumps({**data, "root": str(run.parent / "moved-away")}), encoding="utf-8")
    assert cli_main(["export", str(run), "--format", "torchscript"]) == 0
    out = capsys.readouterr().out
    assert "on 8 random inputs" in out and "could not be read (moved or deleted?)" in out


def _extra_images(folder: Path) -> None:
    """Files that take every decoding path: a large JPEG (decoded at a reduced scale), grey, transparent, 16-bit."""
    rng = np.random.default_rng(1)
    extra = folder / "mixed"
    extra.mkdir(parents=True)
    Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(extra / "photo.jpg", quality=90)
    Image.fromarray(rng.integers(0, 255, (50, 60), dtype=np.uint8), "L").save(extra / "grey.png")
    rgba = rng.integers(0, 255, (45, 45, 4), dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(extra / "transparent.png")
    Image.fromarray(rng.integers(0, 4000, (40, 52), dtype=np.uint16)).save(extra / "scan16.png")


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


NO_TORCH = ("import runpy, sys; sys.modules['torch'] = None; sys.modules['engine'] = None; "
            "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


@pytest.fixture(scope="module")
def deployment(trained: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One deployment folder of the shared run, exported outside it (the run folder is not written)."""
    target = tmp_path_factory.mktemp("deployment") / "deploy"
    with one_torch_thread():
        assert cli_main(["export", str(trained), "--format", "folder", "--out", str(target)]) == 0
    return target


def test_the_deployment_folders_predict_py_answers_as_the_app_without_torch(trained: Path, deployment: Path,
                                                                             tmp_path: Path) -> None:
    target, run = deployment, trained
    names = sorted(p.name for p in target.iterdir())
    assert names == ["README.md", "labels.txt", "model.onnx", "model.onnx.check.json", "predict.py",
                     "preprocessing.json"]
    assert (target / "labels.txt").read_text(encoding="utf-8") == "blue\ngreen\nred\n"
    assert "python predict.py photos/ --csv answers.csv" in (target / "README.md").read_text(encoding="utf-8")

    images = make_image_folder(tmp_path / "new-images", {"red": 3, "green": 3, "blue": 3}, size=40, seed=5)
    _extra_images(images)
    ours, theirs = tmp_path / "app.csv", tmp_path / "deployed.csv"
    assert cli_main(["predict", str(run), str(images), "--csv", str(ours)]) == 0
    done = subprocess.run([sys.executable, "-c", NO_TORCH, str(target / "predict.py"), str(images), "--csv",
                           str(theirs)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "13 images classified" in done.stdout

    app, deployed = _rows(ours), _rows(theirs)
    assert [r["file"] for r in deployed] == [r["file"] for r in app] and len(app) == 13
    assert [r["predicted_class"] for r in deployed] == [r["predicted_class"] for r in app]
    columns = [c for c in app[0] if c.startswith("p_")]
    assert columns == ["p_blue", "p_green", "p_red"] and list(deployed[0]) == list(app[0])
    # The same probabilities, up to the last grey level of a resized pixel (Pillow and torchvision round the
    # antialiased resize differently in about 2% of the pixels).
    worst = max(abs(float(a[c]) - float(d[c])) for a, d in zip(app, deployed) for c in columns)
    assert worst < 2e-3


def test_predict_py_on_one_image_prints_the_table_and_names_an_unreadable_file(trained: Path, deployment: Path,
                                                                                tmp_path: Path) -> None:
    target, run = deployment, trained
    image = next(_image_folder(run).rglob("*.png"))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    done = subprocess.run([sys.executable, "-c", NO_TORCH, str(target / "predict.py"), str(image), str(broken)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "file,predicted_class,probability,p_blue,p_green,p_red,error"
    assert lines[1].startswith(f"{image},") and lines[2].startswith(f"{broken},,,")
    assert "could not be read as an image" in done.stderr and "Traceback" not in done.stderr


def test_a_cancelled_export_writes_nothing(run: Path) -> None:
    from engine.export.errors import ExportError
    from engine.export.exporter import export_run

    class Cancelled:
        def is_set(self) -> bool:
            return True

    with pytest.raises(ExportError, match="The export was stopped; nothing was written."):
        export_run(run, "torchscript", cancel=Cancelled())
    assert not RunLayout(run).exports.folder.exists()
