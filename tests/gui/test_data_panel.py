"""The data panel as a user sees it: the health report, the offers that unblock, thumbnails, CSV export."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from engine.core.errors import ConfigError
from engine.data.report import DatasetReport
from gui.panels.data.panel import DataPanel
from gui.panels.data.split_settings import GROUPINGS
from tests.imagegen import make_image_folder
from tests.messygen import make_messy_folder, noise, save

WAIT_MS = 60_000


@pytest.fixture
def panel(qtbot: QtBot) -> Iterator[DataPanel]:
    widget = DataPanel()
    qtbot.addWidget(widget)
    widget.resize(1100, 750)
    widget.show()
    yield widget
    widget.shutdown()


def open_and_wait(qtbot: QtBot, panel: DataPanel, folder: Path) -> DatasetReport:
    with qtbot.waitSignal(panel.report_changed, timeout=WAIT_MS, check_params_cb=lambda r: r is not None) as blocker:
        panel.open_folder(folder)
    return blocker.args[0]  # type: ignore[no-any-return]


def wait_report(qtbot: QtBot, panel: DataPanel) -> DatasetReport:
    with qtbot.waitSignal(panel.report_changed, timeout=WAIT_MS, check_params_cb=lambda r: r is not None) as blocker:
        pass
    return blocker.args[0]  # type: ignore[no-any-return]


def test_a_messy_folder_shows_counts_warnings_and_every_skipped_file(qtbot: QtBot, panel: DataPanel,
                                                                      tmp_path: Path) -> None:
    expected = make_messy_folder(tmp_path / "messy")
    report = open_and_wait(qtbot, panel, tmp_path / "messy")
    assert panel.chart.bars() == [("cats", 9), ("dogs", 19)]
    assert panel.message.kind == "warning" and "will not be used" in panel.message.text()
    assert "9 skipped" in panel.summary.text() and "16 converted" in panel.summary.text()
    panel.outcomes.filter.setCurrentText("Skipped")
    rows = {r.path: r for r in panel.outcomes.model.rows}
    assert set(rows) == {p for p, (outcome, _) in expected.items() if outcome == "skipped"}
    truncated = panel.outcomes.model.index(list(rows).index("cats/truncated.jpg"), 2)
    assert panel.outcomes.model.data(truncated) == "Damaged or incomplete file"
    panel.outcomes.view.setCurrentIndex(truncated)
    assert "Copy it again" in panel.outcomes.detail.text()
    assert report.trainable and panel.export.isEnabled()


def test_imbalance_is_called_out_with_what_the_app_will_do(qtbot: QtBot, panel: DataPanel, tmp_path: Path) -> None:
    open_and_wait(qtbot, panel, make_image_folder(tmp_path / "d", {"common": 30, "rare": 5}, size=8))
    assert panel.callout.kind == "warning"
    assert "(6 : 1)" in panel.callout.text() and "class weights" in panel.callout.text()
    assert panel.message.kind == "warning" and "fewer than 10" in panel.message.text()


def test_a_split_folder_is_blocked_then_used_in_one_click(qtbot: QtBot, panel: DataPanel, tmp_path: Path) -> None:
    make_image_folder(tmp_path / "train", {"cats": 6, "dogs": 6}, size=8)
    make_image_folder(tmp_path / "val", {"cats": 2, "dogs": 2}, size=8, seed=4)
    report = open_and_wait(qtbot, panel, tmp_path)
    assert not report.trainable and panel.message.kind == "error" and "already split" in panel.message.text()
    assert panel.chart.bars() == [("cats", 8), ("dogs", 8)]
    assert not panel.use_folders_offer.isHidden()
    with qtbot.waitSignal(panel.report_changed, timeout=WAIT_MS, check_params_cb=lambda r: r is not None):
        panel.use_folders_offer.click()
    assert panel.report is not None and panel.report.trainable and panel.message.kind != "error"
    assert panel.use_folders_offer.isHidden() and panel.data_config(image_size=64).use_folder_split
    assert "Training 12 · validation 4 images" in panel.split.preview.text()


def test_both_copies_of_an_image_in_two_classes_are_left_out_in_one_click(qtbot: QtBot, panel: DataPanel,
                                                                          tmp_path: Path) -> None:
    root = make_image_folder(tmp_path / "d", {"cats": 4, "dogs": 4}, size=8)
    shutil.copy(root / "cats" / "img_000.png", root / "dogs" / "mystery.png")
    open_and_wait(qtbot, panel, root)
    assert panel.message.kind == "error" and panel.exclude_offer.text() == "Leave out both copies (2 files)"
    with qtbot.waitSignal(panel.report_changed, timeout=WAIT_MS, check_params_cb=lambda r: r is not None):
        panel.exclude_offer.click()
    assert panel.report is not None and panel.report.trainable
    assert panel.data_config().exclude == ("cats/img_000.png", "dogs/mystery.png")
    assert panel.chart.bars() == [("cats", 3), ("dogs", 4)] and not panel.undo_exclude.isHidden()


def test_a_scan_can_be_cancelled(qtbot: QtBot, panel: DataPanel, tmp_path: Path) -> None:
    root = make_image_folder(tmp_path / "d", {"a": 30, "b": 30}, size=8)
    panel.open_folder(root)
    assert not panel.cancel_button.isHidden()
    panel.cancel_scan()
    qtbot.waitUntil(lambda: panel.message.kind == "info", timeout=WAIT_MS)
    assert "cancelled" in panel.message.text() and panel.report is None and panel.progress.isHidden()


def test_thumbnails_load_lazily_for_the_clicked_class(qtbot: QtBot, panel: DataPanel, tmp_path: Path) -> None:
    root = make_image_folder(tmp_path / "d", {"many": 400, "few": 3}, size=8)
    open_and_wait(qtbot, panel, root)
    model = panel.thumbnails.model
    panel.chart.class_clicked.emit("many")
    assert panel.thumbnails.classes.currentText() == "many" and model.rowCount() == 400
    qtbot.waitUntil(lambda: len(model.pixmaps) > 0 and not model.pending and panel.thumbnails._task is None,
                    timeout=WAIT_MS)
    assert 0 < len(model.pixmaps) < 400 and model.requested < 400  # only what is on screen
    panel.chart.class_clicked.emit("few")
    qtbot.waitUntil(lambda: all(p in model.pixmaps for p in model.paths), timeout=WAIT_MS)
    assert model.paths == ["few/img_000.png", "few/img_001.png", "few/img_002.png"]


def test_the_report_exports_as_csv(qtbot: QtBot, panel: DataPanel, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    make_messy_folder(tmp_path / "messy")
    report = open_and_wait(qtbot, panel, tmp_path / "messy")
    target = tmp_path / "out" / "report.csv"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "CSV files (*.csv)"))
    panel.export.click()
    with open(target, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(report.files) + len(report.warnings)
    assert {r["path"]: r["outcome"] for r in rows if r["path"]}["cats/page.jpg"] == "skipped"
    assert "Report saved" in panel.summary.text()


def test_an_export_place_that_cannot_be_written_is_named_in_the_message(qtbot: QtBot, panel: DataPanel,
                                                                        tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    open_and_wait(qtbot, panel, make_image_folder(tmp_path / "data", {"a": 3, "b": 3}, size=8))
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file where a folder should be")
    target = blocker / "report.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "CSV files (*.csv)"))
    panel.export.click()
    assert panel.message.kind == "error"
    assert f"{blocker} is a file, not a folder" in panel.message.text()
    assert "Report saved" not in panel.summary.text()


def test_split_settings_reach_the_training_config(qtbot: QtBot, panel: DataPanel, tmp_path: Path) -> None:
    for patient in range(12):
        for label in ("benign", "malignant"):
            save(noise(seed=patient * 2 + (label == "benign")), tmp_path / label / f"P{patient:02d}_scan.png")
    open_and_wait(qtbot, panel, tmp_path)
    panel.split.val.setValue(25)
    panel.split.test.setValue(10)
    panel.split.grouping.setCurrentIndex(2)  # the file name up to the first "_": the patient
    wait_report(qtbot, panel)
    config = panel.data_config(image_size=96)
    assert (config.val_fraction, config.test_fraction, config.image_size) == (0.25, 0.1, 96)
    assert config.group_pattern == GROUPINGS[2][1]
    assert panel.split.preview.text() == "Training 16 · validation 6 · test 2 images"


def test_a_pattern_that_lumps_everything_together_is_flagged(qtbot: QtBot, panel: DataPanel,
                                                              image_folder: Path) -> None:
    open_and_wait(qtbot, panel, image_folder)  # every file is img_NNN.png: "up to the first _" is "img"
    panel.split.grouping.setCurrentIndex(2)
    wait_report(qtbot, panel)
    assert "36 of 36 images in one group" in panel.split.preview.text()


def test_an_invalid_custom_pattern_is_explained_not_used(qtbot: QtBot, panel: DataPanel, image_folder: Path) -> None:
    open_and_wait(qtbot, panel, image_folder)
    panel.split.grouping.setCurrentIndex(len(GROUPINGS) - 1)
    panel.split.pattern.setText("P(\\d+")
    panel.split.pattern.editingFinished.emit()
    assert not panel.split.problem.isHidden() and "not a valid pattern" in panel.split.problem.text()
    with pytest.raises(ConfigError, match="not a valid pattern"):
        panel.data_config()
    wait_report(qtbot, panel)


def test_a_missing_folder_is_a_sentence_not_a_traceback(qtbot: QtBot, panel: DataPanel, tmp_path: Path) -> None:
    panel.open_folder(tmp_path / "nowhere")
    qtbot.waitUntil(lambda: panel.message.kind == "error", timeout=WAIT_MS)
    assert "does not exist" in panel.message.text() and "Traceback" not in panel.message.text()


def test_very_small_images_are_pointed_out_and_left_out_in_one_click(qtbot: QtBot, panel: DataPanel,
                                                                     tmp_path: Path) -> None:
    root = make_image_folder(tmp_path / "d", {"cats": 4, "dogs": 4}, size=40)
    save(noise((1, 1), seed=1), root / "cats" / "pixel.png")
    save(noise((12, 12), seed=2), root / "dogs" / "icon.png")
    open_and_wait(qtbot, panel, root)
    assert panel.message.kind == "warning" and "2 images are far smaller than the 224-pixel" in panel.message.text()
    rows = {r.path: r for r in panel.outcomes.model.rows}  # the list as it opens, without choosing a filter
    assert set(rows) == {"cats/pixel.png", "dogs/icon.png"}
    reason = panel.outcomes.model.index(list(rows).index("cats/pixel.png"), 2)
    assert panel.outcomes.model.data(reason) == "Very small image (icon or thumbnail?)"
    assert panel.tiny_offer.isVisibleTo(panel) and "2" in panel.tiny_offer.text()
    panel.tiny_offer.click()
    report = wait_report(qtbot, panel)
    assert report.counts == {"cats": 4, "dogs": 4}
    assert "far smaller" not in panel.message.text() and not panel.tiny_offer.isVisibleTo(panel)
    assert panel.undo_exclude.isVisibleTo(panel)


def test_very_small_is_measured_against_the_training_image_size(qtbot: QtBot, panel: DataPanel,
                                                                tmp_path: Path) -> None:
    root = make_image_folder(tmp_path / "d", {"cats": 4, "dogs": 4}, size=40)
    save(noise((10, 10), seed=2), root / "dogs" / "thumb.png")
    open_and_wait(qtbot, panel, root)
    assert "1 image is far smaller than the 224-pixel images" in panel.message.text()
    with qtbot.waitSignal(panel.report_changed, timeout=WAIT_MS, check_params_cb=lambda r: r is not None):
        panel.set_image_size(64)  # the user trains on 64-pixel images: 10 pixels is small, not far below
    assert "far smaller" not in panel.message.text() and not panel.tiny_offer.isVisibleTo(panel)
    assert {r.path: r.reason for r in panel.report.files if r.path.endswith("thumb.png")} == {"dogs/thumb.png": "ok"}
