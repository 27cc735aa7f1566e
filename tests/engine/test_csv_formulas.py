"""Every CSV the app writes is safe to open in a spreadsheet: a cell that would run as a formula (a class or file
named ``=HYPERLINK(...)``, ``+cmd``, ``@SUM(...)``, ``-2+3``) starts with an apostrophe, and the files still
parse with csv.reader (and the app reads its own tables back unchanged)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cli.main import main as cli_main
from engine.evaluation.evaluate import load_evaluation
from tests.trained_run import copy_run, one_torch_thread, shared_run

LINK = '=HYPERLINK("http://x")'
NAMES = (LINK, "+cmd", "@SUM(1)")  # in place of blue, green, red


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture
def formula_run(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """A trained run whose classes are named like formulas. Folder names cannot hold "/", so the names are
    given in the run's files, as a model trained on such folders would have them."""
    run = copy_run(shared_run(tmp_path_factory), tmp_path / "run")
    rename = dict(zip(("blue", "green", "red"), NAMES))
    model_json = run / "model" / "model.json"
    model = json.loads(model_json.read_text(encoding="utf-8"))
    model["class_names"] = [rename[c] for c in model["class_names"]]
    model_json.write_text(json.dumps(model), encoding="utf-8")
    split_json = run / "split.json"
    split = json.loads(split_json.read_text(encoding="utf-8"))
    split["classes"] = [rename[c] for c in split["classes"]]
    for key in ("train", "val", "test"):
        split[key] = [[path, rename[cls]] for path, cls in split.get(key, [])]
    split_json.write_text(json.dumps(split), encoding="utf-8")
    return run


def read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def formula_cells(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_evaluation_tables_escape_formula_class_names(formula_run: Path) -> None:
    assert cli_main(["evaluate", str(formula_run), "--device", "cpu"]) == 0
    folder = formula_run / "evaluation" / "validation"
    predictions = read(folder / "predictions.csv")
    matrix = read(folder / "confusion_matrix.csv")
    assert formula_cells(predictions) == [] and formula_cells(matrix) == []
    assert [row[0] for row in matrix[1:]] == [f"'{name}" for name in NAMES]
    assert {row[1] for row in predictions[1:]} <= {f"'{name}" for name in NAMES}
    assert f"p_{LINK}" in predictions[0]  # a header that starts with text is not a formula

    loaded = load_evaluation(formula_run)
    assert loaded is not None, "the app reads its own table back"
    assert loaded.sets[0].class_names == NAMES and len(loaded.sets[0].paths) == len(predictions) - 1


def test_predict_csv_escapes_formula_class_names(formula_run: Path, tmp_path: Path) -> None:
    images = Path(json.loads((formula_run / "split.json").read_text())["root"]) / "red"
    out = tmp_path / "table.csv"
    assert cli_main(["predict", str(formula_run), str(images), "--csv", str(out)]) == 0
    rows = read(out)
    assert formula_cells(rows) == [] and len(rows) == 13
    assert {row[1] for row in rows[1:]} <= {f"'{name}" for name in NAMES}
