"""From a folder to a saved model through the real training child process, as `make run` does it."""

from __future__ import annotations

import json
from pathlib import Path

from engine.config import StopReason
from engine.evaluation.predict import expand_image_paths, predict_images
from engine.models.saved import load_exported_model
from gui.main_window import MainWindow
from gui.panels.data.panel import SAMPLE_DATA


def test_sample_data_is_bundled_and_trainable() -> None:
    from engine.data.report import scan_image_folder

    report = scan_image_folder(SAMPLE_DATA)
    assert report.trainable
    assert len(report.classes) >= 3 and min(report.counts.values()) >= 20
    assert (SAMPLE_DATA / "SOURCE.md").is_file()


def test_train_in_the_child_process_then_predict_with_the_saved_model(qtbot, image_folder: Path,
                                                                     tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(runner_kind="process", runs_dir=tmp_path / "runs")
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: bool(win.model_panel.catalog), timeout=30_000)
        with qtbot.waitSignal(win.data_panel.report_changed, check_params_cb=lambda r: r is not None,
                              timeout=30_000):
            win.open_folder(image_folder)
        win.model_panel.set_weights("none")
        win.training_panel.epochs.setValue(3)
        win.training_panel.image_size.setValue(32)
        win.training_panel.batch_size.setValue(8)
        win.training_panel.lr.setValue(0.005)
        with qtbot.waitSignal(win.controller.finished, timeout=180_000) as finished:
            win.training_panel.train_button.click()
        result = finished.args[0]
        assert result.reason in (StopReason.FINISHED, StopReason.EARLY_STOPPED), result.detail
        assert win.training_panel.status.kind == "ok"
        run_dir = win.controller.run_dir
        assert run_dir is not None
        config = json.loads((run_dir / "config.json").read_text())
        assert config["resolved"]["device"] == "cpu"
        assert win.training_panel.history.epochs, "the live plots received the epochs"
    finally:
        win.shutdown()

    exported = load_exported_model(run_dir)
    assert exported.class_names == ("blue", "green", "red")
    predictions = list(predict_images(exported, expand_image_paths([image_folder / "red"])))
    assert len(predictions) == 12 and all(p.ok for p in predictions)
