"""Evaluation at the end of training: a run folder from `python -m engine train` holds metrics.json and
evaluation/ like one from the window; a problem while evaluating never fails a finished run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import engine.evaluation.evaluate
from engine.cli.main import main as cli_main
from engine.config import StopReason
from engine.jobs.training_job import run_training_job
from engine.run.events import EpochEnded, Notice, Progress
from tests.imagegen import make_image_folder
from tests.trainkit import CancelAfter, Collector, one_thread, tiny_config

pytestmark = pytest.mark.usefixtures("one_thread")
__all__ = ["one_thread"]

ROOT = Path(__file__).resolve().parents[2]


def test_cli_train_leaves_the_metrics_that_evaluate_json_documents(tmp_path: Path) -> None:
    images = make_image_folder(tmp_path / "images", {"green": 10, "red": 10})
    run = tmp_path / "run"
    args = [sys.executable, "-m", "engine", "train", str(images), "--out", str(run), "--arch", "mobilenet_v3_small",
            "--weights", "none", "--strategy", "full", "--image-size", "32", "--batch-size", "4", "--workers", "0",
            "--epochs", "1"]
    result = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr

    saved = json.loads((run / "metrics.json").read_text())
    for key in ("accuracy", "balanced_accuracy", "per_class", "confusion_matrix", "roc_auc"):
        assert key in saved
    assert saved["evaluated_on"] == "validation" and set(saved["sets"]) == {"validation"}
    assert set(saved["per_class"]) == {"green", "red"}
    for figures in saved["per_class"].values():
        assert set(figures) >= {"precision", "recall", "f1", "support"}
    split = json.loads((run / "split.json").read_text())
    assert saved["n_images"] == len(split["val"]) == sum(map(sum, saved["confusion_matrix"]))
    folder = run / "evaluation" / "validation"
    for name in ("predictions.csv", "confusion_matrix.csv", "confusion_matrix.png", "roc.png", "reliability.png"):
        assert (folder / name).is_file(), name

    # `evaluate --json` reports the same figures under the same keys
    out = tmp_path / "summary.json"
    assert cli_main(["evaluate", str(run), "--json", str(out), "--device", "cpu"]) == 0
    summary = json.loads(out.read_text())
    assert set(summary) == set(saved) - {"model_stamp"}
    assert summary["accuracy"] == saved["accuracy"] and summary["confusion_matrix"] == saved["confusion_matrix"]


def test_progress_is_shown_while_the_saved_model_is_measured(image_folder: Path, tmp_path: Path) -> None:
    sink = Collector()
    finished = run_training_job(tiny_config(image_folder, epochs=1), tmp_path / "run", sink)
    assert finished.reason is StopReason.FINISHED and finished.evaluated is True
    measuring = [e for e in sink.of(Progress) if e.task == "evaluate"]
    assert measuring and measuring[-1].done == measuring[-1].total
    assert sink.events[-1] is finished  # evaluated before the run reports its end


def test_an_evaluation_error_is_a_notice_and_the_run_still_finishes(image_folder: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("matplotlib exploded")

    monkeypatch.setattr(engine.evaluation.evaluate, "evaluate_run", broken)
    sink = Collector()
    finished = run_training_job(tiny_config(image_folder, epochs=1), tmp_path / "run", sink)

    assert finished.reason is StopReason.FINISHED and finished.succeeded
    assert (finished.model_saved, finished.evaluated) == (True, False)
    warnings = [n.message for n in sink.of(Notice) if n.level == "warning"]
    assert any("The model was saved, but measuring it" in w and "matplotlib exploded" in w for w in warnings)
    assert (tmp_path / "run" / "model" / "model.json").is_file()
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_a_run_stopped_by_the_user_is_not_evaluated(image_folder: Path, tmp_path: Path) -> None:
    cancel = CancelAfter()
    sink = Collector(lambda e: cancel.set() if isinstance(e, EpochEnded) else None)
    finished = run_training_job(tiny_config(image_folder, epochs=3), tmp_path / "run", sink, cancel)

    assert finished.reason is StopReason.CANCELLED and finished.model_saved
    assert finished.evaluated is None, "a cancelled run is not measured"
    assert not (tmp_path / "run" / "metrics.json").exists()
    assert not [e for e in sink.of(Progress) if e.task == "evaluate"]
