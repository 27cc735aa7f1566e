"""The strategy tab as a user meets it: a recommendation with its reasons, Apply, and "Try all three"."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import Augmentation, OptimizerKind, Strategy
from engine.strategy.table import Advised, SimilarityClass, SizeClass
from gui.main_window import MainWindow
from tests.trainkit import make_pretrained_file


@pytest.fixture
def window(qtbot, tmp_path: Path, image_folder: Path):  # type: ignore[no-untyped-def]
    # Not handed to qtbot: its teardown closes widgets first, and closing during a job asks a question.
    win = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    win.show()
    qtbot.waitUntil(lambda: bool(win.model_panel.catalog), timeout=30_000)
    with qtbot.waitSignal(win.data_panel.report_changed, check_params_cb=lambda r: r is not None, timeout=30_000):
        win.open_folder(image_folder)
    weights = make_pretrained_file(tmp_path / "pre.safetensors", "resnet18")
    win.model_panel.set_arch("resnet18")
    win.model_panel.set_weights(str(weights))
    win.training_panel.image_size.setValue(32)
    win.training_panel.batch_size.setValue(8)
    qtbot.waitUntil(lambda: win.model_panel.layers.state is not None
                    and win.model_panel.layers.state.tree.arch == "resnet18", timeout=30_000)
    yield win
    win.shutdown()
    win.close()
    win.deleteLater()




def test_a_recommendation_explains_itself_and_apply_sets_layers_and_settings(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = window.strategy_panel
    panel.say_different.setChecked(True)  # "unlike everyday photos": no measuring needed
    panel.request_advice()
    qtbot.waitUntil(lambda: panel.advice is not None, timeout=60_000)
    advice = panel.advice
    assert advice.strategy is Advised.PARTIAL  # 12 images per class, different
    assert "Recommended: Freeze the lower layers" in panel.title.text()
    assert "Frozen: Stem, Stage 1" in panel.explanation.text()
    assert panel.risk.text().startswith("Main risk")
    assert panel.chart.recommended == (SizeClass.SMALL, SimilarityClass.DIFFERENT)

    panel.apply_button.click()
    layers = window.model_panel.layers
    assert layers.freeze_plan().frozen == ("conv1", "bn1", "layer1")
    assert layers.strategy() is Strategy.PARTIAL
    options = window.training_panel.options
    assert options.optimizer.currentData() == OptimizerKind.SGD.value
    assert options.preset() is Augmentation.MEDICAL  # "unlike everyday photos (X-rays, scans…)": scan-safe
    assert options.head_warmup.value() >= 1
    config = window.build_config()
    assert config.advice is not None and config.advice["strategy"] == "partial"
    assert config.finetune.head_warmup_epochs >= 1 and config.freeze.frozen == ("conv1", "bn1", "layer1")


def test_measuring_similarity_runs_in_the_background_and_places_the_dot(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = window.strategy_panel
    window.tabs.setCurrentWidget(panel)
    panel.request_advice()
    assert panel.progress.isVisible() and not panel.advise_button.isEnabled()
    qtbot.waitUntil(lambda: panel.advice is not None, timeout=90_000)
    assert panel.advice.similarity is not None and panel.advice.similarity_source == "measured"
    assert panel.chart.similarity_y == pytest.approx(panel.advice.similarity.score)
    assert not panel.progress.isVisible()


def test_try_all_three_compares_on_one_plot_and_continues_with_the_choice(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    trials = window.strategy_panel.trials
    trials.epochs.setValue(1)
    with qtbot.waitSignal(window.controller.trials_finished, timeout=180_000) as finished:
        trials.run_button.click()
        assert trials.stop_button.isEnabled()
    assert finished.args[0].succeeded
    assert trials.table.rowCount() == 4
    names = [trials.table.item(r, 0).text() for r in range(4)]
    assert names == [a.label for a in (Advised.HEAD, Advised.PARTIAL, Advised.FULL, Advised.SCRATCH)]
    assert len(trials._curves) == 4  # one validation curve per strategy
    assert "best" in [trials.table.item(r, 4).text() for r in range(4)]
    assert window.training_panel.history.epochs == []  # trials do not draw over the Train tab

    trials.table.selectRow(2)  # "Train the whole model"
    trials.continue_button.click()
    assert window.tabs.currentWidget() is window.training_panel
    assert window.model_panel.layers.freeze_plan().frozen == ()
    assert window.training_panel.options.head_warmup.value() >= 1


def test_the_your_data_label_never_covers_a_strategys_name(qtbot) -> None:  # type: ignore[no-untyped-def]
    from gui.panels.strategy.quadrant_chart import QuadrantChart

    chart = QuadrantChart()
    qtbot.addWidget(chart)
    chart.resize(440, 360)
    for size in (0.02, 0.3, 0.5, 0.7, 0.98):
        for similarity in (0.05, 0.3, 0.45, 0.55, 0.8, 0.97):
            chart.set_position(size, similarity, None)
            box = chart.label_box()
            assert box is not None and chart.plot_rect().contains(box), (size, similarity)
            assert not any(box.intersects(name) for name in chart.text_rects()), (size, similarity)
