"""Past runs side by side: select two or more runs, see their validation curves on one plot, the settings that
differ and the saved models' figures, and open either one."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from gui.panels.runs.panel import RunsPanel
from tests.trained_run import TWO_CLASSES, copy_run, one_torch_thread, shared_run


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture
def runs_root(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    source = shared_run(tmp_path_factory, TWO_CLASSES)
    root = tmp_path / "runs"
    for name, lr in (("20260101-100000-slow", 0.01), ("20260101-110000-fast", 0.2), ("20260101-120000-same", 0.01)):
        run = copy_run(source, root / name)
        config = json.loads((run / "config.json").read_text(encoding="utf-8"))
        config["optim"]["lr"] = lr
        (run / "config.json").write_text(json.dumps(config), encoding="utf-8")
    metrics = root / "20260101-110000-fast" / "metrics.json"  # its saved model measured differently
    summary = json.loads(metrics.read_text(encoding="utf-8"))
    summary["accuracy"] = 0.875
    metrics.write_text(json.dumps(summary), encoding="utf-8")
    return root


@pytest.fixture
def panel(qtbot, runs_root: Path):  # type: ignore[no-untyped-def]
    widget = RunsPanel(runs_root)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    yield widget
    widget.shutdown()


def cells(table) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, table.columnCount())]
            for r in range(table.rowCount())}


def test_selecting_two_runs_compares_them_and_opens_either(qtbot, panel: RunsPanel, runs_root: Path,  # type: ignore[no-untyped-def]
                                                           tmp_path: Path) -> None:
    fast, slow = runs_root / "20260101-110000-fast", runs_root / "20260101-100000-slow"
    panel.select_runs([slow, fast])
    compare = panel.compare
    assert panel.lower_stack.currentWidget() is compare and not panel.results_button.isEnabled()
    qtbot.waitUntil(lambda: compare.comparison is not None, timeout=20_000)
    assert [compare.settings.horizontalHeaderItem(c).text() for c in range(3)] == [
        "Setting that differs", fast.name, slow.name]  # the table's order: newest first
    assert cells(compare.settings) == {"Learning rate": ["0.2", "0.01"]}
    figures = cells(compare.figures)
    slow_accuracy = json.loads((slow / "metrics.json").read_text(encoding="utf-8"))["accuracy"]
    assert figures["Accuracy"] == ["87.5%", f"{slow_accuracy:.1%}"]
    assert len(compare.accuracy_plot.listDataItems()) == 2 and len(compare.loss_plot.listDataItems()) == 2
    epochs = len((slow / "metrics.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert all(len(item.xData) == epochs for item in compare.accuracy_plot.listDataItems())
    shot = Path(os.environ.get("FS_SHOTS", tmp_path)) / "past-runs-compare.png"
    assert panel.grab().save(str(shot))

    compare.run_choice.setCurrentIndex(1)
    with qtbot.waitSignal(panel.results_requested, timeout=5_000) as opened:
        compare.results_button.click()
    assert opened.args == [slow]


def test_runs_with_the_same_settings_say_so_and_one_run_shows_its_own_curves(qtbot, panel: RunsPanel,  # type: ignore[no-untyped-def]
                                                                             runs_root: Path) -> None:
    panel.select_runs([runs_root / "20260101-100000-slow", runs_root / "20260101-120000-same"])
    qtbot.waitUntil(lambda: panel.compare.comparison is not None, timeout=20_000)
    assert cells(panel.compare.settings) == {"(every setting is the same)": ["", ""]}
    assert "every setting is the same" in panel.compare.title.text()
    panel.select_run(runs_root / "20260101-120000-same")
    assert panel.lower_stack.currentIndex() == 0 and panel.results_button.isEnabled()
