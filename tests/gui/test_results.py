"""The Results panel after a run on generated data: what the user sees and can click."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import gui.panels.results.panel as results_module
import gui.widgets.gallery
from engine.config import StopReason
from engine.evaluation.metrics import binary_figures
from engine.jobs.runner import TRAIN
from engine.run.events import RunFinished
from gui.main_window import MainWindow
from gui.panels.results.panel import ResultsPanel
from gui.state import RunState
from tests.imagegen import make_image_folder
from tests.trained_run import TWO_CLASSES, copy_run, one_torch_thread, shared_run


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture
def run(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return copy_run(shared_run(tmp_path_factory), tmp_path / "run")


@pytest.fixture
def panel(qtbot):  # type: ignore[no-untyped-def]
    widget = ResultsPanel()
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    yield widget
    widget.shutdown()


def show_and_wait(qtbot, panel: ResultsPanel, run: Path) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.evaluated, timeout=60_000):
        panel.show_run(run)
        assert panel.busy and panel.progress.isVisible()  # evaluation runs in the background
    qtbot.waitUntil(lambda: not panel.mistakes.loading, timeout=20_000)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def test_a_finished_run_shows_its_figures_and_writes_them(qtbot, panel: ResultsPanel, run: Path) -> None:  # type: ignore[no-untyped-def]
    show_and_wait(qtbot, panel, run)
    saved = json.loads((run / "metrics.json").read_text())
    assert not panel.progress.isVisible()
    assert panel.set_combo.currentText() == f"Validation set ({saved['n_images']} images)"
    assert f"Accuracy {saved['accuracy']:.1%}" in panel.metrics.summary.text()
    assert f"balanced accuracy {saved['balanced_accuracy']:.1%}" in panel.metrics.summary.text()
    table = panel.metrics.table
    rows = {table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, 5)] for r in range(table.rowCount())}
    for name, c in saved["per_class"].items():
        assert rows[name] == [f"{c['precision']:.3f}", f"{c['recall']:.3f}", f"{c['f1']:.3f}", str(c["support"])]
    assert "macro average" in rows and "weighted average" in rows
    matrix = saved["confusion_matrix"]
    n = len(matrix)
    assert [[panel.matrix.cell_text(i, j) for j in range(n)] for i in range(n)] == [[str(v) for v in r] for r in matrix]
    panel.matrix.normalised.setChecked(True)
    for i in range(n):
        shares = [float(panel.matrix.cell_text(i, j).rstrip("%")) for j in range(n)]
        assert sum(shares) == pytest.approx(100, abs=2)
    assert not panel.charts.isTabEnabled(panel.charts.indexOf(panel.roc_plot))  # three classes: no ROC
    assert panel.reliability.ece == pytest.approx(saved["calibration"]["ece"])
    assert (run / "evaluation" / "validation" / "confusion_matrix.png").is_file()


def test_a_cell_opens_its_images_and_show_in_folder_never_touches_them(qtbot, panel: ResultsPanel, run: Path,  # type: ignore[no-untyped-def]
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    show_and_wait(qtbot, panel, run)
    result = panel.current
    assert result is not None
    images = Path(result.paths[0]).parents[1]
    before = snapshot(images)
    matrix = result.metrics["confusion_matrix"]
    t, p = max(((i, j) for i in range(3) for j in range(3)), key=lambda c: matrix[c[0]][c[1]])
    panel.matrix.table.cellClicked.emit(t, p)
    assert panel.galleries.currentWidget() is panel.cell_gallery
    gallery = panel.cell_gallery
    assert gallery.list.count() == matrix[t][p]
    names = result.class_names
    assert f"{names[t]} →\n{names[p]}" in gallery.list.item(0).text()
    assert f"{matrix[t][p]} images of {names[t]} answered {names[p]}" == gallery.title.text()
    qtbot.waitUntil(lambda: not gallery.loading, timeout=20_000)
    assert not gallery.list.item(0).icon().isNull()
    revealed: list[str] = []
    monkeypatch.setattr(gui.widgets.gallery, "reveal_in_file_manager", revealed.append)
    gallery.list.setCurrentRow(0)
    gallery.reveal_button.click()
    assert revealed == [gallery.items[0].path] and Path(revealed[0]).is_file()
    assert snapshot(images) == before


def test_confident_mistakes_list_the_mistakes_and_explain_them(qtbot, panel: ResultsPanel, run: Path) -> None:  # type: ignore[no-untyped-def]
    show_and_wait(qtbot, panel, run)
    result = panel.current
    assert result is not None
    expected = [result.paths[i] for i in result.confident_mistakes()]
    assert [item.path for item in panel.mistakes.items] == expected
    if not expected:
        assert panel.mistakes.title.text().startswith("No mistakes on these images.")
        return
    with qtbot.waitSignal(panel.gradcam.shown, timeout=30_000):
        panel.mistakes.list.setCurrentRow(0)
    view = panel.gradcam
    assert view.current is not None and view.current.explanation is not None
    assert "pushed the model towards" in view.caption.text()
    view.opacity.setValue(0)
    plain = view.rendered()
    assert plain is not None and (plain == view.current.image).all()
    view.opacity.setValue(100)
    heated = view.rendered()
    assert heated is not None and not np.array_equal(heated, plain)
    assert view.picture.pixmap() is not None and not view.picture.pixmap().isNull()


def test_results_of_an_evaluated_run_are_read_back_not_recomputed(qtbot, panel: ResultsPanel, run: Path,  # type: ignore[no-untyped-def]
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    show_and_wait(qtbot, panel, run)
    first = panel.metrics.summary.text()

    def no_evaluation(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the model should not run again")

    monkeypatch.setattr(results_module, "evaluate_run", no_evaluation)
    show_and_wait(qtbot, panel, run)
    assert panel.metrics.summary.text() == first and panel.message.kind != "error"


def test_two_classes_threshold_slider_updates_matrix_and_figures_live(qtbot, panel: ResultsPanel,  # type: ignore[no-untyped-def]
                                                                      tmp_path_factory: pytest.TempPathFactory,
                                                                      tmp_path: Path) -> None:
    run = copy_run(shared_run(tmp_path_factory, TWO_CLASSES), tmp_path / "binary")
    show_and_wait(qtbot, panel, run)
    result = panel.current
    assert result is not None and panel.metrics.binary_box.isVisible()
    assert panel.charts.isTabEnabled(panel.charts.indexOf(panel.roc_plot))
    assert panel.roc_plot.auc == pytest.approx(result.metrics["roc_auc"])
    positive = panel.metrics.positive.currentText()
    assert positive == result.metrics["binary"]["positive_class"]
    n_pos = int(np.sum(result.labels == result.class_names.index(positive)))
    n = len(result.labels)
    col = result.class_names.index(positive)

    panel.metrics.slider.setValue(0)  # everything is called positive
    assert panel.metrics.threshold_label.text() == "0.00"
    assert sum(int(panel.matrix.cell_text(i, col)) for i in range(2)) == n
    assert panel.metrics.figures["sensitivity"].text() == "100.0%"
    assert panel.metrics.figures["counts"].text().startswith(f"{n_pos} found, 0 missed")

    panel.metrics.slider.setValue(90)
    expected = binary_figures(result.labels, result.probs, result.class_names, positive=col, threshold=0.9)
    assert panel.metrics.figures["specificity"].text() == f"{expected.specificity:.1%}"
    assert panel.metrics.figures["sensitivity"].text() == f"{expected.sensitivity:.1%}"
    said_positive = expected.tp + expected.fp
    assert sum(int(panel.matrix.cell_text(i, col)) for i in range(2)) == said_positive
    x, y = panel.roc_plot.point.getData()
    assert (x[0], y[0]) == pytest.approx((1 - expected.specificity, expected.sensitivity))
    # the galleries follow once the slider rests
    qtbot.waitUntil(lambda: [i.path for i in panel.mistakes.items]
                    == [result.paths[i] for i in result.confident_mistakes(threshold=0.9, positive=col)], timeout=5_000)


def test_a_new_labelled_folder_joins_the_sets(qtbot, panel: ResultsPanel, run: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    show_and_wait(qtbot, panel, run)
    folder = make_image_folder(tmp_path / "fresh", {"red": 2, "blue": 2, "purple": 2}, seed=4)
    with qtbot.waitSignal(panel.evaluated, timeout=60_000):
        panel.evaluate_folder(folder)
    assert [panel.set_combo.itemText(i) for i in range(panel.set_combo.count())] == [
        f"Validation set ({len(panel.evaluation.get('validation').labels)} images)", "Folder fresh (4 images)"]
    assert panel.set_combo.currentText() == "Folder fresh (4 images)"
    assert "purple" in panel.message.text() and panel.message.kind == "warning"


def test_evaluation_can_be_cancelled(qtbot, panel: ResultsPanel, run: Path) -> None:  # type: ignore[no-untyped-def]
    panel.show_run(run)
    assert "Measuring the saved model" in panel.message.text()
    panel.cancel_button.click()
    assert not panel.busy and not panel.progress.isVisible()
    assert panel.message.text() == "Evaluation cancelled." and panel.current is None


def test_a_run_without_a_model_says_so(qtbot, panel: ResultsPanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel.show_run(tmp_path)
    assert "saved no model" in panel.message.text() and not panel.busy


def test_the_window_shows_results_after_a_run_and_from_past_runs(qtbot, run: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runs = tmp_path / "runs"
    past = copy_run(run, runs / "20260101-000000-colours")
    window = MainWindow(runner_kind="thread", runs_dir=runs)
    qtbot.addWidget(window)
    try:
        window.state.set_run(RunState(past, TRAIN, running=True))  # as while the controller's run went on
        with qtbot.waitSignal(window.results_panel.evaluated, timeout=60_000):
            window._on_finished(RunFinished(StopReason.FINISHED, "Training finished.", best_epoch=1,
                                            model_saved=True))
            assert window.tabs.currentWidget() is window.results_panel
        assert window.predict_panel.run_dir == str(past)
        window.tabs.setCurrentWidget(window.runs_panel)
        window.runs_panel.refresh()
        window.runs_panel.select_run(past)
        assert window.runs_panel.results_button.isEnabled()
        with qtbot.waitSignal(window.results_panel.evaluated, timeout=60_000):
            window.runs_panel.results_button.click()
        assert window.tabs.currentWidget() is window.results_panel
        assert window.results_panel.title.text() == f"<b>{past.name}</b>"
    finally:
        window.shutdown()
