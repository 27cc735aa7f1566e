"""Evaluating a trained run: what lands in the run folder, what the CLI prints, what the GUI reads back."""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.cli.main import main as cli_main
from engine.core.errors import DataError
from engine.core.run_layout import EVALUATION as EVALUATION_DIR
from engine.evaluation.evaluate import SetEvaluation, evaluate_run, folder_label_set, load_evaluation
from engine.evaluation.predict import PredictionCancelled
from tests.imagegen import make_image_folder
from tests.trained_run import TWO_CLASSES, copy_run, one_torch_thread, shared_run


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_run(tmp_path_factory)


@pytest.fixture
def run_copy(trained: Path, tmp_path: Path) -> Path:
    """A private copy for tests that change the run folder."""
    return copy_run(trained, tmp_path / "run")


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_run_folder_keeps_metrics_predictions_matrix_and_plots(run_copy: Path) -> None:
    images = Path(json.loads((run_copy / "split.json").read_text())["root"])
    before = snapshot(images)
    evaluation = evaluate_run(run_copy, device="cpu")
    assert snapshot(images) == before  # the user's images are never touched

    summary = json.loads((run_copy / "metrics.json").read_text())
    assert summary["evaluated_on"] == "validation"
    for key in ("accuracy", "balanced_accuracy", "per_class", "confusion_matrix", "macro_avg", "weighted_avg",
                "calibration"):
        assert key in summary
    folder = run_copy / EVALUATION_DIR / "validation"
    rows = read_csv(folder / "predictions.csv")
    n_val = len(json.loads((run_copy / "split.json").read_text())["val"])
    assert len(rows) == n_val == summary["n_images"]
    assert sum(c["support"] for c in summary["per_class"].values()) == n_val
    # the figures agree with the table the user can open in a spreadsheet
    correct = sum(r["true_class"] == r["predicted_class"] for r in rows)
    assert summary["accuracy"] == pytest.approx(correct / n_val)
    for row in rows:
        probs = [float(row[f"p_{c}"]) for c in ("blue", "green", "red")]
        assert sum(probs) == pytest.approx(1.0, abs=1e-4)
        assert Path(row["file"]).is_file()
    with open(folder / "confusion_matrix.csv", encoding="utf-8", newline="") as handle:
        matrix = [[int(x) for x in r[1:]] for r in list(csv.reader(handle))[1:]]
    assert matrix == summary["confusion_matrix"] == evaluation.primary.metrics["confusion_matrix"]
    for name in ("confusion_matrix.png", "reliability.png"):
        with Image.open(folder / name) as png:
            assert png.format == "PNG" and png.width > 200


def test_results_load_back_without_running_the_model_and_go_stale_with_a_new_model(run_copy: Path) -> None:
    evaluation = evaluate_run(run_copy, device="cpu")
    loaded = load_evaluation(run_copy)
    assert loaded is not None
    original, again = evaluation.primary, loaded.primary
    assert again.paths == original.paths and again.class_names == original.class_names
    np.testing.assert_allclose(again.probs, original.probs, atol=1e-7)
    assert again.metrics["accuracy"] == original.metrics["accuracy"]
    assert again.confident_mistakes() == original.confident_mistakes()
    weights = run_copy / "model" / "model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    assert load_evaluation(run_copy) is None  # results of an older model are not shown as this model's


def test_confident_mistakes_and_matrix_cells_list_the_right_images(trained: Path) -> None:
    result = evaluate_run(trained, device="cpu", write=False).primary
    predicted = result.predicted()
    mistakes = result.confident_mistakes()
    assert mistakes == [i for i in mistakes if predicted[i] != result.labels[i]]
    assert len(mistakes) == int(np.sum(predicted != result.labels))
    shown = [result.probs[i, predicted[i]] for i in mistakes]
    assert shown == sorted(shown, reverse=True)  # the most confident mistake first
    n = len(result.class_names)
    cells = {(t, p): result.cell(t, p) for t in range(n) for p in range(n)}
    matrix = result.metrics["confusion_matrix"]
    assert all(len(cells[t, p]) == matrix[t][p] for t in range(n) for p in range(n))
    for (_true, p), members in cells.items():
        confidences = [result.probs[i, p] for i in members]
        assert confidences == sorted(confidences, reverse=True)


def test_mistakes_are_ordered_by_the_confidence_the_gallery_shows() -> None:
    # Three classes: the 90% wrong answer gives the true class 8%; the 60% one gives it 1% (a larger loss).
    probs = np.array([[0.08, 0.90, 0.02], [0.01, 0.60, 0.39], [0.70, 0.20, 0.10]])
    result = SetEvaluation("val", "Validation", "/d", ("a", "b", "c"), ("/d/1", "/d/2", "/d/3"),
                           np.array([0, 0, 0]), probs, metrics={})
    assert result.confident_mistakes() == [0, 1]


def test_a_test_split_is_evaluated_and_quoted_first(run_copy: Path) -> None:
    split_path = run_copy / "split.json"
    split = json.loads(split_path.read_text())
    split["test"] = split["val"][:4]
    split_path.write_text(json.dumps(split))
    evaluation = evaluate_run(run_copy, device="cpu")
    assert [s.name for s in evaluation.sets] == ["validation", "test"]
    summary = json.loads((run_copy / "metrics.json").read_text())
    assert summary["evaluated_on"] == "test" and summary["n_images"] == 4
    assert set(summary["sets"]) == {"validation", "test"}
    assert (run_copy / EVALUATION_DIR / "test" / "predictions.csv").is_file()


def test_a_file_gone_since_training_is_left_out_and_named(run_copy: Path) -> None:
    split = json.loads((run_copy / "split.json").read_text())
    root = Path(split["root"])
    shutil.copytree(root, run_copy.parent / "images-copy")
    split["root"] = str(run_copy.parent / "images-copy")
    (run_copy / "split.json").write_text(json.dumps(split))
    gone = Path(split["root"]) / split["val"][0][0]
    gone.unlink()
    result = evaluate_run(run_copy, device="cpu").primary
    assert [f for f, _ in result.failed] == [str(gone)]
    assert result.metrics["n_images"] == len(split["val"]) - 1
    assert result.metrics["failed_files"][0]["error"]


def test_a_new_labelled_folder_leaves_out_classes_the_model_does_not_know(run_copy: Path,
                                                                          tmp_path: Path) -> None:
    folder = make_image_folder(tmp_path / "new", {"red": 3, "blue": 2, "yellow": 2}, seed=5)
    evaluation = evaluate_run(run_copy, folder, device="cpu")
    result = evaluation.primary
    assert result.name == "folder-new" and result.metrics["n_images"] == 5
    assert any('"yellow"' in note for note in result.notes)
    assert result.metrics["per_class"]["green"]["support"] == 0
    assert (run_copy / EVALUATION_DIR / "folder-new" / "metrics.json").is_file()
    with pytest.raises(DataError, match="named like one of the model's classes"):
        folder_label_set(make_image_folder(tmp_path / "other", {"cats": 2, "dogs": 2}),
                         ("blue", "green", "red"))


def test_evaluation_can_be_cancelled(trained: Path) -> None:
    class CancelAfterFirst:
        calls = 0

        def is_set(self) -> bool:
            self.calls += 1
            return self.calls > 1

    with pytest.raises(PredictionCancelled):
        evaluate_run(trained, device="cpu", cancel=CancelAfterFirst(), write=False)


def test_progress_counts_every_image(trained: Path) -> None:
    seen: list[tuple[int, int]] = []
    evaluate_run(trained, device="cpu", progress=lambda d, t: seen.append((d, t)), write=False)
    assert seen[-1][0] == seen[-1][1] > 0
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_cli_evaluate_writes_the_json_the_issue_lists(run_copy: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "metrics.json"
    assert cli_main(["evaluate", str(run_copy), "--json", str(out), "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert {"accuracy", "balanced_accuracy", "per_class", "confusion_matrix"} <= set(data)
    assert set(data["per_class"]["red"]) == {"precision", "recall", "f1", "support"}
    printed = capsys.readouterr().out
    assert "balanced accuracy" in printed and "Validation set" in printed


def test_cli_evaluate_on_a_two_class_folder_reports_roc_auc(tmp_path_factory: pytest.TempPathFactory,
                                                           tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    run = copy_run(shared_run(tmp_path_factory, TWO_CLASSES), tmp_path / "run")
    folder = make_image_folder(tmp_path / "fresh", {"green": 4, "red": 4}, seed=9)
    assert cli_main(["evaluate", str(run), str(folder), "--json", "-", "--device", "cpu"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["evaluated_on"] == "folder-fresh"
    assert data["roc_auc"] is not None and 0.0 <= data["roc_auc"] <= 1.0
    assert set(data["binary"]) >= {"sensitivity", "specificity", "ppv", "npv"}


def test_cli_evaluate_without_a_model_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["evaluate", str(tmp_path)]) == 2
    assert "saved no model" in capsys.readouterr().err
