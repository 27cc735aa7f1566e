"""Issue 13, items 3, 4, 5 and 7 as a user meets them: the saved model's figures labelled as such everywhere,
next to chance and the majority class; a tooltip for every term and a Help guide; no command-line option name
anywhere in the window; a failed similarity measurement that says what still works and leaves no run behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)

import engine.models.weights as weights
from engine.config import StopReason
from engine.evaluation.assessment import assess
from engine.help.glossary import LAYER_TYPES, TERMS
from engine.help.guide import TAB_KEYS
from engine.run.events import RunFinished
from engine.run.listing import list_runs
from gui.main_window import MainWindow
from tests.imagegen import make_image_folder
from tests.trained_run import copy_run, one_torch_thread, shared_run


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


def _window(qtbot, runs: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(runner_kind="thread", runs_dir=runs)
    win.resize(1280, 800)
    win.show()
    qtbot.waitUntil(lambda: bool(win.model_panel.catalog), timeout=30_000)
    return win


def _close(win: MainWindow) -> None:
    win.shutdown()
    win.close()
    win.deleteLater()


@pytest.fixture
def runs(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """A runs folder holding one trained run (three equal colour classes)."""
    copy_run(shared_run(tmp_path_factory), tmp_path / "runs" / "20260101-120000-colours")
    return tmp_path / "runs"


# -- item 3 and 4: the saved model, labelled, next to chance -------------------------------------------------


def test_past_runs_and_results_show_the_saved_model_labelled_and_next_to_chance(qtbot, runs: Path) -> None:  # type: ignore[no-untyped-def]
    summary = list_runs(runs)[0]
    label = summary.saved_model_text  # "saved model (epoch N): val. accuracy X%"
    assert label.startswith(f"saved model (epoch {summary.saved_epoch}): val. accuracy ")
    win = _window(qtbot, runs)
    try:
        past = win.runs_panel
        past.table.selectRow(0)
        assert label in past.detail.text().lower()
        assert "Guessing at random among 3 classes would score 33.3%" in past.detail.text()
        assert past.table.horizontalHeaderItem(3).text() == "Saved model: val. accuracy"

        with qtbot.waitSignal(win.results_panel.evaluated, timeout=60_000):
            past.results_button.click()
        results = win.results_panel
        epoch = summary.saved_epoch
        assert results.metrics.summary.text().startswith(f"Saved model (epoch {epoch}), validation set: ")
        verdict = results.verdict.text()
        assert verdict.startswith(f"Saved model (epoch {epoch}): accuracy on the validation set ")
        assert "Guessing at random among 3 classes would score 33.3%" in verdict
        assert results.verdict.isVisible()
    finally:
        _close(win)


def test_the_train_tab_ends_with_the_saved_model_and_says_when_it_is_weak(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = _window(qtbot, tmp_path / "runs")
    try:
        panel = win.training_panel
        win.tabs.setCurrentWidget(panel)
        weak = assess(0.375, {"a": 10, "b": 10, "c": 10, "d": 10}).to_dict()
        panel.on_finished(RunFinished(StopReason.EARLY_STOPPED, "Stopped early at epoch 9 (best at epoch 7).",
                                      best_epoch=7, best_val_accuracy=0.375,
                                      model_saved=True, saved_model="Saved model (epoch 7): val. accuracy 37.5%",
                                      assessment=weak))
        text = panel.verdict.text()
        assert text.startswith("Saved model (epoch 7): val. accuracy 37.5%. Guessing at random among 4 classes")
        assert "This model is weak" in text and "What to try:" in text
        assert panel.verdict.kind == "warning" and panel.verdict.isVisible()
        panel.begin()  # the next run: the previous run's words go
        assert not panel.verdict.isVisible()
    finally:
        _close(win)


# -- item 5: every term explained, a guide, and no option names ----------------------------------------------


def test_terms_have_tooltips_with_an_example(qtbot, runs: Path) -> None:  # type: ignore[no-untyped-def]
    for entry in TERMS.values():
        assert "for example" in entry.tip.lower(), entry.name
    win = _window(qtbot, runs)
    try:
        win.runs_panel.table.selectRow(0)
        with qtbot.waitSignal(win.results_panel.evaluated, timeout=60_000):
            win.runs_panel.results_button.click()
        tips = {label.text(): label.toolTip() for label in win.results_panel.metrics.summary.labels}
        for term, expected in (("balanced accuracy", "Balanced accuracy:"), ("macro F1", "Macro F1:"),
                               ("calibration error (ECE)", "Calibration error (ECE):")):
            assert any(term in text and tip.startswith(expected) for text, tip in tips.items()), term
        header = win.results_panel.metrics.table.horizontalHeaderItem
        assert [header(c).toolTip().split(":")[0] for c in (1, 2, 3)] == ["Precision", "Recall", "F1"]

        tree = win.model_panel.layers
        qtbot.waitUntil(lambda: tree.state is not None, timeout=30_000)
        types = _layer_type_tips(tree.model)
        for kind in ("BatchNorm2d", "Sequential", "Conv2d", "Linear", "ReLU"):
            assert types.get(kind, "").startswith(f"{kind}: {LAYER_TYPES[kind]}"), kind
        assert "GFLOPs:" in win.model_panel.details.toolTip() and "Normalise (mean/std):" in \
            win.model_panel.details.toolTip()
        assert "For example 256" in win.model_panel.hidden.toolTip()
        assert "For example 10 epochs" in win.training_panel.epochs.toolTip()
    finally:
        _close(win)


def _layer_type_tips(model: QAbstractItemModel) -> dict[str, str]:
    found: dict[str, str] = {}

    def walk(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            index = model.index(row, 1, parent)
            found.setdefault(str(model.data(index)), str(model.data(index, Qt.ItemDataRole.ToolTipRole)))
            walk(model.index(row, 0, parent))

    walk(QModelIndex())
    return found


def test_the_help_menu_opens_the_guide_at_the_tab_in_front(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = _window(qtbot, tmp_path / "runs")
    try:
        menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Help")
        actions = {a.text(): a for a in menu.actions()}
        assert set(actions) == {"Help on this tab", "Guide to fine-tuning", "Words used in the app"}
        win.tabs.setCurrentWidget(win.results_panel)
        actions["Help on this tab"].trigger()
        dialog = win.help_dialog
        assert dialog.isVisible() and dialog.current_key() == "results" == TAB_KEYS[win.tabs.currentIndex()]
        assert "confusion matrix" in dialog.text.toPlainText()
        actions["Guide to fine-tuning"].trigger()
        assert dialog.current_key() == "fine-tuning"
        titles = [dialog.contents.item(r).text() for r in range(dialog.contents.count())]
        assert {"The three strategies", "Four situations: size × similarity",
                "Overfitting, and how the app fights it", "Which figure to read when"} <= set(titles)
        dialog.show_section("situations")
        assert "Few images, unlike everyday photos" in dialog.text.toPlainText()
        dialog.close()
    finally:
        _close(win)


def test_no_command_line_option_name_appears_anywhere_in_the_window(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A folder that is already split: the engine's sentence names "--use-folder-split" for the command line.
    folder = tmp_path / "presplit"
    make_image_folder(folder / "train", {"cats": 4, "dogs": 4})
    make_image_folder(folder / "val", {"cats": 2, "dogs": 2})
    win = _window(qtbot, tmp_path / "runs")
    try:
        with qtbot.waitSignal(win.data_panel.report_changed, check_params_cb=lambda r: r is not None,
                              timeout=30_000):
            win.open_folder(folder)
        assert "own split" in win.data_panel.message.text()  # the sentence is there, without the option
        win.help_dialog.show()
        for index in range(win.tabs.count()):
            win.tabs.setCurrentIndex(index)
            offending = [text for text in _visible_texts(win) + _visible_texts(win.help_dialog) if "--" in text]
            assert not offending, f"tab {win.tabs.tabText(index)}: {offending[:3]}"
        win.help_dialog.close()
    finally:
        _close(win)


def _visible_texts(root: QWidget) -> list[str]:
    """Every text and tooltip a person can see: labels, buttons, group titles, fields, list entries, tab names,
    menu entries, table headers and cells (with their tooltips)."""
    texts = [root.toolTip(), root.windowTitle()]
    for widget in root.findChildren(QWidget):
        texts.append(widget.toolTip())
        if isinstance(widget, (QLabel, QAbstractButton, QLineEdit)):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        if isinstance(widget, QGroupBox):
            texts.append(widget.title())
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        if isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) + widget.tabToolTip(i) for i in range(widget.count())]
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            texts += _model_texts(widget.model())
        if hasattr(widget, "toPlainText"):
            texts.append(widget.toPlainText())
    for action in root.findChildren(QAbstractButton):
        texts.append(action.text())
    return [t for t in texts if t]


def _model_texts(model: QAbstractItemModel, parent: QModelIndex | None = None, depth: int = 0) -> list[str]:
    parent = parent if parent is not None else QModelIndex()
    texts = []
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(parent)  # a list's is private
    if depth == 0:
        for column in range(columns):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                texts.append(str(model.headerData(column, Qt.Orientation.Horizontal, role) or ""))
    for row in range(min(model.rowCount(parent), 200)):
        for column in range(columns):
            index = model.index(row, column, parent)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                texts.append(str(model.data(index, role) or ""))
        if depth < 6:
            texts += _model_texts(model, model.index(row, 0, parent), depth + 1)
    return texts


# -- item 7: a measurement that cannot run ---------------------------------------------------------------------


def test_a_failed_similarity_measurement_says_what_still_works_and_leaves_no_run(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                                  image_folder: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # No internet: the ImageNet weights cannot be downloaded.
    monkeypatch.setattr(weights, "imagenet_url", lambda arch: (tmp_path / "gone" / f"{arch}.pth").as_uri())
    runs = tmp_path / "runs"
    win = _window(qtbot, runs)
    try:
        with qtbot.waitSignal(win.data_panel.report_changed, check_params_cb=lambda r: r is not None,
                              timeout=30_000):
            win.open_folder(image_folder)
        win.model_panel.set_weights("imagenet")
        panel = win.strategy_panel
        panel.measure.setChecked(True)
        panel.request_advice()
        qtbot.waitUntil(lambda: panel.message.kind == "error", timeout=60_000)
        message = panel.message.text()
        assert "could not be downloaded" in message
        assert "The two choices below still work" in message and "Everyday photos" in message
        assert panel.advise_button.isEnabled()
        win.runs_panel.refresh()
        assert win.runs_panel.table.rowCount() == 0 and list_runs(runs) == []

        panel.say_similar.setChecked(True)  # the manual choice does work
        panel.request_advice()
        qtbot.waitUntil(lambda: panel.advice is not None, timeout=60_000)
        assert panel.advice.similarity_source != "measured"
    finally:
        _close(win)
