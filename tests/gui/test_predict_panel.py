"""The Predict panel with dropped and chosen files, and drops on the main window."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QTableView, QTableWidget

from engine.evaluation.predict import Prediction
from gui.main_window import MainWindow
from gui.panels.predict.panel import PredictPanel, is_prediction_drop
from tests.imagegen import make_image_folder
from tests.trained_run import one_torch_thread, shared_run


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_run(tmp_path_factory)  # prediction never writes into the run folder


@pytest.fixture
def panel(qtbot, run: Path):  # type: ignore[no-untyped-def]
    widget = PredictPanel()
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    widget.set_run(run)
    yield widget
    widget.shutdown()


@pytest.fixture
def incoming(tmp_path: Path) -> Path:
    root = make_image_folder(tmp_path / "incoming", {"x": 3, "y": 3}, seed=11)
    (root / "y" / "broken.png").write_bytes(b"\x89PNG but not really")
    return root


def drop(widget, paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    widget.dropEvent(QDropEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))


def predict_and_wait(qtbot, panel: PredictPanel, paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    drop(panel, paths)
    assert panel.busy
    qtbot.waitUntil(lambda: not panel.busy, timeout=60_000)


def column(panel: PredictPanel, col: int) -> list[str]:
    model = panel.table.model()
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_dropped_files_get_answers_bars_and_grad_cam(qtbot, panel: PredictPanel, incoming: Path) -> None:  # type: ignore[no-untyped-def]
    files = sorted((incoming / "x").glob("*.png"))[:2]
    with qtbot.waitSignal(panel.gradcam.shown, timeout=60_000):
        predict_and_wait(qtbot, panel, files)
    assert panel.table.model().rowCount() == 2
    assert set(column(panel, 0)) == {f.name for f in files}
    selected = panel.prediction_at(panel.table.currentIndex().row())
    assert selected is not None
    shown = panel.bars.shown()
    assert [name for name, _ in shown] == [c for c, _ in selected.top][:len(shown)]
    assert shown[0][1] == f"{selected.top[0][1]:.1%}" and len(shown) == 3  # every class of three
    assert panel.gradcam.current is not None and panel.gradcam.current.explanation is not None
    panel.gradcam.heat_box.setChecked(False)  # the Grad-CAM toggle
    qtbot.waitUntil(lambda: panel.gradcam.current is not None and panel.gradcam.current.explanation is None,
                    timeout=30_000)


def test_a_folder_gives_a_table_sortable_by_confidence_with_not_sure_flags(qtbot, panel: PredictPanel,  # type: ignore[no-untyped-def]
                                                                           incoming: Path) -> None:
    predict_and_wait(qtbot, panel, [incoming])
    assert panel.table.model().rowCount() == 7
    assert any(n.endswith("broken.png") for n in column(panel, 0))
    assert any(t.startswith("could not be read") for t in column(panel, 1))
    assert "1 file could not be read" in panel.message.text()
    assert column(panel, 0)[0].startswith(("x/", "y/"))  # names relative to the dropped folder

    def confidences() -> list[float]:
        return [float(t.rstrip("%")) for t in column(panel, 2) if t]

    panel.table.sortByColumn(2, Qt.DescendingOrder)
    assert confidences() == sorted(confidences(), reverse=True)
    panel.table.sortByColumn(2, Qt.AscendingOrder)
    assert confidences() == sorted(confidences())

    panel.unsure.setValue(100)  # nothing is 100% sure (readable files): every answer is flagged
    flags = dict(zip(column(panel, 0), column(panel, 3)))
    assert all(flag == "not sure" for name, flag in flags.items() if not name.endswith("broken.png"))
    panel.unsure.setValue(0)
    assert set(column(panel, 3)) == {""}


def test_the_table_is_saved_as_csv(qtbot, panel: PredictPanel, incoming: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    predict_and_wait(qtbot, panel, [incoming / "x"])
    assert panel.save_button.isEnabled()
    panel.unsure.setValue(50)
    out = panel.save_csv(tmp_path / "saved" / "table.csv")
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    assert set(rows[0]) == {"file", "predicted_class", "probability", "not_sure", "p_blue", "p_green", "p_red",
                            "error"}
    for row in rows:
        assert row["not_sure"] == ("yes" if float(row["probability"]) < 0.5 else "no")
    assert "Saved 3 rows" in panel.message.text()


def test_a_table_that_cannot_be_saved_says_where_and_why(qtbot, panel: PredictPanel, incoming: Path,  # type: ignore[no-untyped-def]
                                                         tmp_path: Path) -> None:
    predict_and_wait(qtbot, panel, [incoming / "x"])
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file where a folder should be")
    assert panel.save_csv(blocker / "table.csv") is None
    assert panel.message.kind == "error" and f"{blocker} is a file, not a folder" in panel.message.text()


def test_without_a_model_the_panel_says_what_to_do(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = PredictPanel()
    qtbot.addWidget(widget)
    widget.predict_paths(["/nowhere.png"])
    assert "Train a model first" in widget.message.text()
    assert not widget.images_button.isEnabled()


def test_which_drops_are_for_prediction(incoming: Path, tmp_path: Path) -> None:
    images = sorted((incoming / "x").glob("*.png"))
    assert is_prediction_drop(images)
    assert is_prediction_drop([incoming / "x"])  # a folder of images, no class folders
    assert not is_prediction_drop([incoming])  # a folder of class folders is a dataset
    (tmp_path / "notes.txt").write_text("x")
    assert not is_prediction_drop([tmp_path / "notes.txt"])
    assert not is_prediction_drop([])


def test_dropping_images_on_the_window_predicts_and_class_folders_still_open_the_data(  # type: ignore[no-untyped-def]
        qtbot, run: Path, incoming: Path, tmp_path: Path) -> None:
    window = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    qtbot.addWidget(window)
    try:
        window.predict_panel.set_run(run)
        drop(window, sorted((incoming / "x").glob("*.png")))
        assert window.tabs.currentWidget() is window.predict_panel
        qtbot.waitUntil(lambda: not window.predict_panel.busy, timeout=60_000)
        assert window.predict_panel.table.model().rowCount() == 3
        with qtbot.waitSignal(window.data_panel.report_changed, check_params_cb=lambda r: r is not None,
                              timeout=30_000):
            drop(window, [incoming])
        assert window.tabs.currentWidget() is window.data_panel
    finally:
        window.shutdown()


def test_ten_thousand_answers_fill_a_model_view_table_sorted_and_flagged(qtbot) -> None:  # type: ignore[no-untyped-def]
    # A 10,000-image prediction: one model reset, no item objects per cell (QTableWidget stalled the window).
    widget = PredictPanel()
    qtbot.addWidget(widget)
    widget.show()
    answers = [Prediction(f"/photos/{'cats' if i % 2 else 'dogs'}/{i:05d}.jpg",
                          (("cat", 0.5 + (i % 500) / 1000), ("dog", 0.5 - (i % 500) / 1000)))
               for i in range(10_000)]
    widget.show_predictions(answers)
    assert isinstance(widget.table, QTableView) and not isinstance(widget.table, QTableWidget)
    assert widget.table.model().rowCount() == 10_000
    first = widget.prediction_at(0)
    assert first is not None and first.confidence == 0.5  # the least sure answer on top
    assert column(widget, 0)[0].startswith(("cats/", "dogs/"))

    widget.unsure.setValue(60)  # confidences run 50.0%..99.9%: exactly a fifth are below 60%
    assert column(widget, 3).count("not sure") == 2_000

    widget.table.selectRow(0)
    chosen = widget.prediction_at(widget.table.currentIndex().row())
    widget.table.sortByColumn(2, Qt.DescendingOrder)
    assert column(widget, 2)[0] == "99.9%"
    selected = widget.table.selectionModel().selectedRows()
    assert [widget.prediction_at(i.row()) for i in selected] == [chosen]  # the selection follows its row
