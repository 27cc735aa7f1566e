"""Runs side by side (engine/report/compare.py, ``python -m engine compare``): exactly the settings that differ,
and each run's real figures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cli.main import main as cli_main
from engine.core.errors import ConfigError
from engine.report.compare import compare_runs
from tests.trained_run import THREE_CLASSES, TWO_CLASSES, copy_run, one_torch_thread, shared_run


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_run(tmp_path_factory, TWO_CLASSES)


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_run(tmp_path_factory, THREE_CLASSES)


def edit_config(run: Path, change: dict[str, dict[str, object] | object]) -> None:
    path = run / "config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    for key, value in change.items():
        if isinstance(value, dict):
            config[key] = {**(config.get(key) or {}), **value}
        else:
            config[key] = value
    path.write_text(json.dumps(config), encoding="utf-8")


def test_compare_lists_exactly_the_settings_that_differ(two: Path, tmp_path: Path) -> None:
    first = copy_run(two, tmp_path / "first")
    second = copy_run(two, tmp_path / "second")
    edit_config(second, {"optim": {"lr": 0.5}, "seed": 7, "data": {"exclude": ["red/img_001.png"]},
                         # Records, not settings: never listed as differences.
                         "versions": {"torch": "9.9"}, "resolved": {"device": "cuda"}, "advice": {"strategy": "x"}})
    comparison = compare_runs([first, second])
    assert [(r.key, r.values) for r in comparison.settings] == [
        ("data.exclude", ([], ["red/img_001.png"])), ("optim.lr", (0.01, 0.5)), ("seed", (0, 7))]
    assert [r.label for r in comparison.settings] == ["Files left out by hand", "Learning rate", "Seed"]
    assert compare_runs([first, copy_run(two, tmp_path / "third")]).settings == ()


def test_compare_shows_each_runs_real_figures_and_curves(two: Path, three: Path) -> None:
    comparison = compare_runs([two, three])
    assert [r.key for r in comparison.settings] == ["data.data_dir"]  # the only setting the two runs differ in
    figures = {r.key: r.values for r in comparison.figures}
    for column, run in enumerate((two, three)):
        summary = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
        card = json.loads((run / "model" / "model.json").read_text(encoding="utf-8"))
        assert figures["accuracy"][column] == summary["accuracy"]
        assert figures["balanced_accuracy"][column] == summary["balanced_accuracy"]
        assert figures["macro_f1"][column] == summary["macro_avg"]["f1"]
        assert figures["best_epoch"][column] == card["metrics"]["best_epoch"]
        rows = (run / "metrics.csv").read_text(encoding="utf-8").splitlines()[1:]
        curve = comparison.curves[column]
        assert [round(v, 6) for v in curve.val_loss] == [float(r.split(",")[3]) for r in rows]
    assert figures["roc_auc"][1] is None  # three classes: no single ROC curve


def test_the_cli_prints_the_table_and_writes_the_same_as_json(two: Path, three: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "comparison.json"
    assert cli_main(["compare", str(two), str(three), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Settings that differ" in printed and "Image folder" in printed and "Learning rate" not in printed
    accuracy = json.loads((three / "metrics.json").read_text(encoding="utf-8"))["accuracy"]
    assert f"{accuracy:.1%}" in printed.split("Accuracy", 1)[1].splitlines()[0]
    written = json.loads(out.read_text(encoding="utf-8"))
    assert [s["setting"] for s in written["settings_that_differ"]] == ["data.data_dir"]
    # Both folders are called "run": their paths tell them apart.
    assert two.name == three.name and [r["name"] for r in written["runs"]] == [str(two), str(three)]
    assert len(written["validation_curves"]) == 2


def test_compare_refuses_what_cannot_be_compared(two: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigError, match="at least two"):
        compare_runs([two])
    with pytest.raises(ConfigError, match="twice"):
        compare_runs([two, two])
    (tmp_path / "photos").mkdir()
    assert cli_main(["compare", str(two), str(tmp_path / "photos")]) == 2
    assert "is not a run folder" in capsys.readouterr().err
