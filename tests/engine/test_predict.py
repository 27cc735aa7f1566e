"""Prediction: per-image answers, the CSV table (library and CLI), progress and cancellation."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cli.main import main as cli_main
from engine.evaluation.predict import PredictionCancelled, expand_image_paths, predict_images, write_predictions_csv
from engine.models.saved import load_exported_model
from tests.imagegen import make_image_folder
from tests.trained_run import one_torch_thread, shared_run

CLASSES = ("blue", "green", "red")


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_run(tmp_path_factory)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Unlabelled images (nested, plus one broken file and one non-image)."""
    root = make_image_folder(tmp_path / "incoming", {"a": 3, "b": 2}, seed=3)
    (root / "b" / "broken.png").write_bytes(b"not really a png")
    (root / "notes.txt").write_text("ignored: not an image")
    return root


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_each_image_gets_its_answer_and_a_broken_file_a_reason(trained: Path, folder: Path) -> None:
    exported = load_exported_model(trained)
    paths = expand_image_paths([folder])
    assert len(paths) == 6  # five images and the broken one; the text file is not offered
    results = list(predict_images(exported, paths, top_k=2, batch_size=2))
    assert [r.path for r in results] == [str(p) for p in paths]
    broken = [r for r in results if not r.ok]
    assert [Path(r.path).name for r in broken] == ["broken.png"] and broken[0].error
    for r in results:
        if r.ok:
            assert len(r.top) == 2 and r.top[0][1] >= r.top[1][1]
            assert sum(r.probabilities) == pytest.approx(1.0, abs=1e-5)
            assert r.confidence == r.top[0][1] == max(r.probabilities)


def test_not_sure_flag_follows_the_users_confidence() -> None:
    from engine.evaluation.predict import Prediction

    sure = Prediction("a.png", (("red", 0.92),), (0.92, 0.08))
    unsure = Prediction("b.png", (("red", 0.55),), (0.55, 0.45))
    broken = Prediction("c.png", (), (), "The file is damaged.")
    assert not sure.is_unsure(0.7) and unsure.is_unsure(0.7) and not broken.is_unsure(0.7)
    assert sure.is_unsure(0.95)


def test_the_csv_has_file_predicted_class_and_every_probability(trained: Path, folder: Path,
                                                                tmp_path: Path) -> None:
    exported = load_exported_model(trained)
    results = list(predict_images(exported, expand_image_paths([folder])))
    out = write_predictions_csv(results, exported.class_names, tmp_path / "out" / "predictions.csv",
                                min_confidence=0.99)
    header, rows = read_rows(out)
    assert header == ["file", "predicted_class", "probability", "not_sure",
                      "p_blue", "p_green", "p_red", "error"]
    assert len(rows) == 6
    for row, result in zip(rows, results):
        assert row["file"] == result.path
        if result.ok:
            probs = [float(row[f"p_{c}"]) for c in CLASSES]
            assert row["predicted_class"] == CLASSES[probs.index(max(probs))]
            assert float(row["probability"]) == pytest.approx(max(probs), abs=1e-6)
            assert row["not_sure"] == ("yes" if max(probs) < 0.99 else "no")
            assert row["error"] == ""
        else:
            assert row["predicted_class"] == "" and row["error"]


def test_progress_and_cancel(trained: Path, folder: Path) -> None:
    exported = load_exported_model(trained)
    paths = expand_image_paths([folder])
    seen: list[tuple[int, int]] = []
    list(predict_images(exported, paths, batch_size=2, progress=lambda d, t: seen.append((d, t))))
    assert seen[-1] == (6, 6)

    class CancelAtOnce:
        def is_set(self) -> bool:
            return True

    with pytest.raises(PredictionCancelled):
        list(predict_images(exported, paths, cancel=CancelAtOnce()))


def test_cli_predict_writes_the_csv(trained: Path, folder: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "table.csv"
    code = cli_main(["predict", str(trained), str(folder), "--csv", str(out)])
    assert code == 1  # one file could not be read: the exit code says so, the table still has every row
    header, rows = read_rows(out)
    assert header[:3] == ["file", "predicted_class", "probability"] and "not_sure" not in header
    assert {f"p_{c}" for c in CLASSES} <= set(header)
    assert len(rows) == 6
    assert "broken.png\terror:" in capsys.readouterr().out


def test_cli_predict_flags_unsure_answers_and_refuses_a_bad_level(trained: Path, folder: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "table.csv"
    good = folder / "a"
    assert cli_main(["predict", str(trained), str(good), "--csv", str(out), "--unsure-below", "0.8"]) == 0
    _, rows = read_rows(out)
    assert len(rows) == 3
    assert all(r["not_sure"] == ("yes" if float(r["probability"]) < 0.8 else "no") for r in rows)
    with pytest.raises(SystemExit) as refused:  # argparse checks the range: exit code 2, nothing predicted
        cli_main(["predict", str(trained), str(good), "--csv", str(out), "--unsure-below", "70"])
    assert refused.value.code == 2
