"""File and folder names that are not valid UTF-8 (Linux allows any bytes): kept, shown readably, never a crash.

Such a name reaches Python as a str with "surrogate escapes" (os.fsdecode). People see the odd byte written as
``\\xff``; the run folder's JSON keeps the exact name, so the file can be opened again.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cli.main import main as cli_main
from engine.evaluation.evaluate import load_evaluation
from tests.imagegen import make_image_folder
from tests.trained_run import one_torch_thread

BAD_FILE = os.fsdecode(b"b\xff.png")  # as the file system hands it to Python
BAD_CLASS = os.fsdecode(b"bl\xffue")
SHOWN_FILE = "b\\xff.png"  # as people see it
SHOWN_CLASS = "bl\\xffue"


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture
def odd_folder(tmp_path: Path) -> Path:
    """red/ and green/ with ordinary names, one file ``red/b<0xff>.png``, one class folder ``bl<0xff>ue/``."""
    root = make_image_folder(tmp_path / "images", {"red": 8, "green": 8}, size=24)
    extra = make_image_folder(tmp_path / "extra", {"red": 1, "blue": 8}, size=24, seed=5)
    shutil.move(extra / "red" / "img_000.png", os.path.join(os.fsencode(root / "red"), b"b\xff.png"))
    shutil.move(os.fsencode(extra / "blue"), os.path.join(os.fsencode(root), b"bl\xffue"))
    assert (root / "red" / BAD_FILE).is_file() and (root / BAD_CLASS).is_dir()
    return root


def test_scan_lists_the_odd_class_readably(odd_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["scan", str(odd_folder), "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert f"{SHOWN_CLASS}\t8" in out and "red\t9" in out  # the odd file is kept
    assert "3 classes, 25 images" in out


def test_scan_json_and_csv_keep_every_file_and_stay_valid_utf8(odd_folder: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    report_json, report_csv = tmp_path / "report.json", tmp_path / "report.csv"
    assert cli_main(["scan", str(odd_folder), "--json", str(report_json), "--csv", str(report_csv)]) == 0
    report = json.loads(report_json.read_bytes().decode("utf-8"))  # strict UTF-8
    assert report["classes"] == {SHOWN_CLASS: 8, "green": 8, "red": 9}
    paths = [f["path"] for f in report["files"]]
    assert f"red/{BAD_FILE}" in paths
    assert all((odd_folder / p).is_file() for p in paths), "a script can open every listed file again"
    with open(report_csv, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["path"] for r in rows} >= {f"red/{SHOWN_FILE}", f"{SHOWN_CLASS}/img_000.png"}
    assert {r["class"] for r in rows if r["path"]} == {SHOWN_CLASS, "green", "red"}

    capsys.readouterr()
    assert cli_main(["scan", str(odd_folder), "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["classes"][SHOWN_CLASS] == 8


def test_train_evaluate_and_predict_handle_the_odd_names(odd_folder: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    code = cli_main(["train", str(odd_folder), "--out", str(run), "--arch", "mobilenet_v3_small", "--weights", "none",
                     "--strategy", "full", "--epochs", "1", "--image-size", "32", "--batch-size", "8",
                     "--workers", "0", "--device", "cpu"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    model = json.loads((run / "model" / "model.json").read_bytes().decode("utf-8"))
    assert model["class_names"] == [SHOWN_CLASS, "green", "red"]
    split = json.loads((run / "split.json").read_bytes().decode("utf-8"))
    listed = [p for key in ("train", "val") for p, _ in split[key]]
    assert f"red/{BAD_FILE}" in listed and all((odd_folder / p).is_file() for p in listed)

    assert cli_main(["evaluate", str(run), "--json", str(tmp_path / "metrics.json"), "--device", "cpu"]) == 0
    assert SHOWN_CLASS in capsys.readouterr().out
    table = (run / "evaluation" / "validation" / "predictions.csv").read_bytes().decode("utf-8")
    assert SHOWN_CLASS in table
    evaluation = load_evaluation(run)
    assert evaluation is not None, "the results read back"
    assert all(Path(p).is_file() for p in evaluation.sets[0].paths), "the gallery can open every image"

    out = tmp_path / "predictions.csv"
    images = [str(odd_folder / "red"), str(odd_folder / BAD_CLASS)]
    assert cli_main(["predict", str(run), *images, "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"red/{SHOWN_FILE}\t" in printed and f"{SHOWN_CLASS}/img_000.png\t" in printed
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 17 and any(r["file"].endswith(f"red/{SHOWN_FILE}") for r in rows)
    assert cli_main(["predict", str(run), *images, "--json"]) == 0
    answers = json.loads(capsys.readouterr().out)
    assert any(a["path"].endswith(f"red/{BAD_FILE}") for a in answers)
