"""Issue 13 items 9 and 10: a view shows the state it was made for, or clears; lists refresh when a run ends."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.config import StopReason
from engine.data.report import scan_image_folder
from engine.run.events import RunFinished
from gui.main_window import MainWindow
from gui.panels.data.widgets import DETAIL_HINT, OutcomeTable
from gui.panels.predict.panel import PredictPanel
from gui.state import RunState
from tests.imagegen import make_image_folder
from tests.trained_run import one_torch_thread, shared_run


@pytest.fixture
def window(qtbot, tmp_path: Path, image_folder: Path):  # type: ignore[no-untyped-def]
    win = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    win.show()
    qtbot.waitUntil(lambda: bool(win.model_panel.catalog), timeout=30_000)
    open_and_wait(qtbot, win, image_folder)
    yield win
    win.shutdown()
    win.close()
    win.deleteLater()


def open_and_wait(qtbot, win: MainWindow, folder: Path) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(win.data_panel.report_changed, check_params_cb=lambda r: r is not None, timeout=30_000):
        win.open_folder(folder)


def test_the_strategy_tab_forgets_the_previous_folders_recommendation_and_apply(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                                tmp_path: Path) -> None:
    panel = window.strategy_panel
    panel.say_different.setChecked(True)  # no measuring: quick
    panel.request_advice()
    qtbot.waitUntil(lambda: panel.advice is not None, timeout=60_000)
    panel.apply_button.click()
    assert panel.applied_note.text().startswith("Applied:") and window.state.applied_advice is not None
    open_and_wait(qtbot, window, make_image_folder(tmp_path / "other", {"p": 8, "q": 8}, seed=3))
    assert panel.advice is None and window.state.advice is None and window.state.applied_advice is None
    assert panel.title.text() == "" and panel.applied_note.text() == ""
    assert not panel.apply_button.isEnabled() and panel.chart.recommended is None
    assert window.build_config().advice is None  # the next run does not record the other folder's plan


def test_the_train_error_goes_once_the_weights_are_fixed(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.model_panel.weights.file.setChecked(True)  # "a weights file", none chosen yet
    window.start_training()
    status = window.training_panel.status
    assert status.kind == "error" and "weights file" in status.text()
    window.model_panel.set_weights("none")
    assert status.kind != "error" and not status.isVisible()


def test_the_status_bar_says_how_the_comparison_ended(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window.state.set_run(RunState(tmp_path / "trials", "trials", running=True))
    window.statusBar().showMessage("Comparing strategies… the trials are saved in somewhere")
    window._on_trials_finished(RunFinished(StopReason.CANCELLED, "The comparison was stopped."))
    assert window.statusBar().currentMessage() == "The comparison was stopped."


def test_a_finished_run_is_at_once_a_previous_run_to_start_from(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    weights = window.model_panel.weights
    window.model_panel.set_weights("none")
    window.training_panel.set_basics(epochs=1, image_size=32, batch_size=8)
    weights.run.setChecked(True)  # "a previous run": none yet
    assert weights.runs.count() == 0
    weights.none.setChecked(True)
    with qtbot.waitSignal(window.controller.finished, timeout=120_000) as finished:
        window.start_training()
    assert finished.args[0].reason is StopReason.FINISHED
    assert weights.runs.count() == 1 and weights.runs.currentData().path == window.state.run.folder
    table = window.runs_panel.table
    assert table.rowCount() == 1 and table.item(0, 4).text() == "finished"
    assert window.statusBar().currentMessage() == finished.args[0].detail


def test_the_file_detail_line_forgets_a_file_of_the_previous_folder(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = make_image_folder(tmp_path / "first", {"a": 3, "b": 3})
    (first / "a" / "broken.png").write_bytes(b"not an image")  # skipped: listed with its reason
    table = OutcomeTable()
    qtbot.addWidget(table)
    table.set_report(scan_image_folder(first))
    table.view.selectRow(0)
    assert "broken.png" in table.detail.text()
    table.set_report(scan_image_folder(make_image_folder(tmp_path / "second", {"c": 3, "d": 3})))
    assert table.detail.text() == DETAIL_HINT


def test_predict_drops_the_previous_models_answers(qtbot, tmp_path_factory: pytest.TempPathFactory,  # type: ignore[no-untyped-def]
                                                   tmp_path: Path) -> None:
    run = shared_run(tmp_path_factory)
    other = shutil.copytree(run, tmp_path / "another-run")
    panel = PredictPanel()
    qtbot.addWidget(panel)
    panel.set_run(run)
    images = make_image_folder(tmp_path / "incoming", {"x": 2}, seed=5)
    with one_torch_thread():
        panel.predict_paths([images])
        qtbot.waitUntil(lambda: not panel.busy, timeout=60_000)
    assert panel.table.model().rowCount() == 2
    panel.set_run(other)
    assert "another-run" in panel.model_label.text()
    assert panel.table.model().rowCount() == 0 and panel.predictions == [] and not panel.save_button.isEnabled()
    panel.shutdown()
