"""The main window driven as a user would: choose a folder, pick settings, train, read the outcome.

These use the in-thread runner (no process start); tests/e2e runs the same path through the real child.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent

from engine.config import StopReason
from engine.run.events import BatchEnded
from gui.main_window import MainWindow
from tests.imagegen import make_image_folder
from tests.messygen import noise, save


@pytest.fixture
def window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    win = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: bool(win.model_panel.catalog), timeout=30_000)
    yield win
    win.shutdown()


def open_and_wait(qtbot, win: MainWindow, folder: Path) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(win.data_panel.report_changed, check_params_cb=lambda r: r is not None, timeout=30_000):
        win.open_folder(folder)


def small_settings(win: MainWindow, epochs: int = 2) -> None:
    win.model_panel.set_weights("none")
    win.training_panel.epochs.setValue(epochs)
    win.training_panel.image_size.setValue(32)
    win.training_panel.batch_size.setValue(8)


def test_choosing_a_folder_lists_classes_with_counts(qtbot, window: MainWindow, image_folder: Path) -> None:  # type: ignore[no-untyped-def]
    open_and_wait(qtbot, window, image_folder)
    assert window.data_panel.chart.bars() == [("blue", 12), ("green", 12), ("red", 12)]
    assert "ready for training" in window.data_panel.message.text()


def test_an_untrainable_folder_is_explained_and_train_refuses(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make_image_folder(tmp_path / "one", {"cats": 3}, size=8)
    open_and_wait(qtbot, window, tmp_path / "one")
    assert window.data_panel.message.kind == "error"
    assert "Only one class" in window.data_panel.message.text()
    window.training_panel.train_button.click()
    assert not window.controller.running
    assert "Only one class" in window.training_panel.status.text()


def test_dropping_a_folder_on_the_window_opens_it(qtbot, window: MainWindow, image_folder: Path) -> None:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(image_folder))])
    drop = QDropEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    with qtbot.waitSignal(window.data_panel.report_changed, check_params_cb=lambda r: r is not None,
                          timeout=30_000):
        window.dropEvent(drop)
    assert window.data_panel.path_edit.text() == str(image_folder)


def test_a_run_from_folder_to_saved_model_and_back_in_past_runs(qtbot, window: MainWindow, image_folder: Path,
                                                                tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    open_and_wait(qtbot, window, image_folder)
    small_settings(window)
    with qtbot.waitSignal(window.controller.finished, timeout=120_000) as finished:
        window.training_panel.train_button.click()
        assert window.training_panel.stop_button.isEnabled()
    result = finished.args[0]
    assert result.reason is StopReason.FINISHED
    assert "finished all 2 epochs" in window.training_panel.status.text()
    # The bar ends full and says so, not with the text of the last step (measuring the best model).
    bar = window.training_panel.progress
    assert bar.value() == bar.maximum() and bar.format() == "Done"
    assert window.training_panel.train_button.isEnabled()
    assert len(window.training_panel.history.epochs) == 2
    run_dir = window.controller.run_dir
    assert run_dir is not None and (run_dir / "model" / "model.safetensors").is_file()
    assert run_dir.parent == tmp_path / "runs"

    # Reopening the app lists the run and replays its plots from events.jsonl.
    again = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    qtbot.addWidget(again)
    try:
        assert [s.path for s in again.runs_panel.summaries] == [run_dir]
        again.runs_panel.table.selectRow(0)
        assert len(again.runs_panel.history.epochs) == 2
        assert "finished all 2 epochs" in again.runs_panel.detail.text()
    finally:
        again.shutdown()


def test_stop_ends_the_run_as_cancelled_with_a_sentence(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = make_image_folder(tmp_path / "many", {"red": 40, "blue": 40}, size=32)
    open_and_wait(qtbot, window, folder)
    small_settings(window, epochs=50)
    window.training_panel.batch_size.setValue(2)
    seen_batch: list[bool] = []
    window.controller.events.connect(lambda evs: seen_batch.extend(isinstance(e, BatchEnded) for e in evs))
    with qtbot.waitSignal(window.controller.finished, timeout=120_000) as finished:
        window.training_panel.train_button.click()
        qtbot.waitUntil(lambda: any(seen_batch), timeout=60_000)
        window.training_panel.stop_button.click()
        assert window.training_panel.stop_button.text() == "Stopping…"
    assert finished.args[0].reason is StopReason.CANCELLED
    assert "stopped by you" in window.training_panel.status.text()
    assert window.training_panel.progress.format() == "Cancelled"
    assert window.training_panel.status.kind == "warning"


def test_train_refuses_when_the_apps_runs_folder_lies_inside_the_image_folder(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_image_folder(tmp_path / "photos", {"red": 6, "blue": 6}, size=16)
    home = data / "red" / "studio"  # FINETUNE_STUDIO_HOME set to a folder inside the images
    monkeypatch.setenv("FINETUNE_STUDIO_HOME", str(home))
    win = MainWindow(runner_kind="thread")
    qtbot.addWidget(win)
    try:
        qtbot.waitUntil(lambda: bool(win.model_panel.catalog), timeout=30_000)
        open_and_wait(qtbot, win, data)
        small_settings(win)
        win.training_panel.train_button.click()
        assert not win.controller.running
        assert win.tabs.currentWidget() is win.training_panel
        status = win.training_panel.status
        assert status.kind == "error"
        assert "is inside the image folder" in status.text() and str(data) in status.text()
        assert "FINETUNE_STUDIO_HOME" in status.text()
        assert not (home / "runs").exists(), "no run folder may be made among the images"
    finally:
        win.shutdown()


def test_the_data_report_follows_the_training_image_size(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = make_image_folder(tmp_path / "photos", {"red": 4, "blue": 4}, size=40)
    save(noise((8, 8), seed=1), data / "red" / "icon.png")
    open_and_wait(qtbot, window, data)
    assert "far smaller than the 224-pixel images" in window.data_panel.message.text()
    with qtbot.waitSignal(window.data_panel.report_changed, check_params_cb=lambda r: r is not None,
                          timeout=30_000):
        window.training_panel.image_size.setValue(64)
    assert "far smaller" not in window.data_panel.message.text()


def test_the_status_bar_says_a_folder_is_being_read_each_time_one_is_opened(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                           image_folder: Path, tmp_path: Path) -> None:
    with qtbot.waitSignal(window.data_panel.report_changed, check_params_cb=lambda r: r is not None, timeout=30_000):
        window.open_folder(image_folder)
        assert window.statusBar().currentMessage() == "Reading the folder…"
    assert window.statusBar().currentMessage() == "3 classes, 36 images."
    missing = tmp_path / "gone"
    window.open_folder(missing)  # a scan that fails leaves no report …
    qtbot.waitUntil(lambda: window.data_panel.message.kind == "error", timeout=30_000)
    with qtbot.waitSignal(window.data_panel.report_changed, check_params_cb=lambda r: r is not None, timeout=30_000):
        window.open_folder(image_folder)  # … and the next folder is still announced
        assert window.statusBar().currentMessage() == "Reading the folder…"
