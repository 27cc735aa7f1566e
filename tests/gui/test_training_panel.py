"""The training panel: every option explained and written to the config; banners, finder, augmentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import (
    Augmentation,
    AugmentConfig,
    DataConfig,
    Device,
    Imbalance,
    Monitor,
    OptimizerKind,
    ScheduleKind,
    StopReason,
    TrainConfig,
)
from engine.data.report import scan_image_folder
from engine.run.events import (
    EpochEnded,
    EpochTimeEstimate,
    LrFinderResult,
    OverfitWarning,
    RunFinished,
    RunStarted,
)
from gui.panels.training.panel import TrainingPanel


@pytest.fixture
def panel(qtbot):  # type: ignore[no-untyped-def]
    widget = TrainingPanel()
    qtbot.addWidget(widget)
    widget.resize(1300, 850)
    widget.show()
    return widget


def _select(combo, value) -> None:  # type: ignore[no-untyped-def]
    combo.setCurrentIndex(combo.findData(value))


def test_every_option_has_one_plain_line_of_explanation(panel: TrainingPanel) -> None:
    lines = panel.options.explanation_lines()
    # Keyed by what the user reads: the row's label, or a check box's own text.
    expected = {"Epochs", "Batch size", "Image size", "Device", "Optimizer", "Learning rate", "Pretrained layers' share",
                "Momentum", "Nesterov momentum", "Schedule", "Warm-up (epochs)", "Step", "Weight decay (L2)",
                "L1 penalty", "Dropout before the output", "Label smoothing", "Augmentation", "Unequal classes",
                "Stop early when validation stops improving", "Watch", "Patience (epochs)", "Smallest improvement",
                "Keep the best epoch's model", "Seed", "Deterministic", "Decode each image once",
                "Cache the frozen layers' output"}
    assert expected <= set(lines)
    for label, text in lines.items():
        assert 20 < len(text) < 260 and text.endswith((".", ")")), (label, text)
        assert panel.options.explanation_lines()[label] == text


def test_the_settings_reach_the_config_and_come_back(panel: TrainingPanel) -> None:
    o = panel.options
    o.epochs.setValue(7)
    _select(o.optimizer, OptimizerKind.ADAMW)
    o.lr.setValue(0.0005)
    _select(o.schedule, ScheduleKind.STEP)
    o.step_epochs.setValue(2)
    o.weight_decay.setValue(0.02)
    o.l1.setValue(0.00002)
    o.label_smoothing.setValue(0.1)
    _select(o.augmentation, Augmentation.MEDICAL)
    _select(o.imbalance, Imbalance.BALANCED_SAMPLING)
    _select(o.monitor, Monitor.VAL_ACCURACY)
    o.min_delta.setValue(0.01)
    o.restore_best.setChecked(False)
    o.seed.setValue(42)
    o.deterministic.setChecked(True)
    o.image_cache.setChecked(False)
    _select(o.device, Device.CPU)

    config = panel.apply_to(TrainConfig(DataConfig("/d")))
    assert config.optim.epochs == 7 and config.optim.optimizer is OptimizerKind.ADAMW and config.optim.lr == 0.0005
    assert not o.momentum.isEnabled(), "momentum is an SGD setting"
    assert config.schedule.kind is ScheduleKind.STEP and config.schedule.step_epochs == 2
    assert (config.optim.weight_decay, config.optim.l1, config.optim.label_smoothing) == (0.02, 0.00002, 0.1)
    assert o.dropout.text() == "off", "the dropout is set with the output layer (Model tab) and shown here"
    assert config.data.augmentation is Augmentation.MEDICAL and config.augment is None
    assert config.imbalance is Imbalance.BALANCED_SAMPLING and config.device is Device.CPU
    assert config.early_stopping.monitor is Monitor.VAL_ACCURACY and not config.early_stopping.restore_best
    assert (config.seed, config.deterministic, config.image_cache) == (42, True, False)

    other = TrainingPanel()
    other.set_from(config)
    assert other.apply_to(TrainConfig(DataConfig("/d"))) == config
    other.deleteLater()


def test_the_learning_rate_finder_result_is_plotted_and_applied_with_one_click(panel: TrainingPanel) -> None:
    lrs = tuple(10 ** (-6 + i / 5) for i in range(20))
    panel.on_events([LrFinderResult(lrs, tuple(2.0 - 0.05 * i for i in range(20)), 0.003, "Suggested: 0.003.")])
    box = panel.lr_box
    assert box.isVisible() and box.message.text() == "Suggested: 0.003."
    assert box.apply_button.text() == "Use 0.003"
    box.apply_button.click()
    assert panel.options.lr.value() == pytest.approx(0.003)
    assert "now 0.003" in box.message.text() and not box.apply_button.isEnabled()


def _run(panel: TrainingPanel, val_losses: list[float]) -> None:
    panel.begin()
    panel.on_events([RunStarted("r", 20, 5, 40, 10, ("a", "b"), "cpu", 10, 100)])
    best = min(val_losses)
    panel.on_events([EpochEnded(i, 1.0 / i, 0.5, v, 0.5, 0.01, 1.0, 50.0, v == best and i == val_losses.index(best) + 1,
                                stale_epochs=i - 1 - val_losses.index(best))
                     for i, v in enumerate(val_losses, start=1)])


def test_overfitting_is_marked_on_the_plot_and_explained_in_a_banner(panel: TrainingPanel) -> None:
    _run(panel, [1.0, 0.6, 0.7, 0.8])
    panel.on_events([OverfitWarning(3, 2, "Overfitting began around epoch 3: … usually helps.")])
    assert panel.overfit_banner.isVisible() and panel.overfit_banner.kind == "warning"
    assert panel.plots.overfit_region == (2.5, 4.25)
    assert panel.plots.best_line == 2  # the dashed line the user sees
    assert "Best so far: epoch 2. Epochs without improvement: 2 of 3." in panel.stopping.text()
    panel.on_finished(RunFinished(StopReason.EARLY_STOPPED, "Stopped early at epoch 5 …", best_epoch=2))
    assert "The best model (epoch 2) is the one kept." in panel.overfit_banner.text()
    assert "will end training" not in panel.overfit_banner.text(), "no stale 'what happens next' after the end"


def test_a_slow_estimate_offers_the_fast_path(panel: TrainingPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.begin()
    panel.on_events([EpochTimeEstimate(3000, 30000, "cpu", "All 10 epochs about 8 h. … about 4 min.", 240.0)])
    assert panel.fast_path_button.isVisible() and panel.estimate.kind == "warning"
    with qtbot.waitSignal(panel.fast_path_requested):
        panel.fast_path_button.click()
    assert panel.options.preset() is Augmentation.NONE and panel.options.feature_cache.isChecked()
    assert not panel.fast_path_button.isVisible()
    panel.on_events([EpochTimeEstimate(3, 30, "cpu", "One epoch should take about 3 s.", None)])
    assert panel.estimate.kind == "info" and not panel.fast_path_button.isVisible()


def test_the_augmentation_editor_previews_what_the_model_sees(panel: TrainingPanel, qtbot,  # type: ignore[no-untyped-def]
                                                              image_folder: Path) -> None:
    panel.set_dataset(scan_image_folder(image_folder))
    _select(panel.options.augmentation, Augmentation.MEDICAL)
    dialog = panel.augment_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        assert dialog.medical_note.isVisible() and not dialog.flags["hflip"].isChecked()
        qtbot.waitUntil(lambda: dialog.grid.count() == 3 * 5, timeout=30_000)
        dialog.flags["hflip"].setChecked(True)
        assert "mirrored" in dialog.summary.text()
        edited = dialog.result_augment()
    finally:
        dialog.done(0)
    assert edited.hflip and edited.rotation == 10
    panel.options.set_custom_augment(edited)
    assert "(edited)" in panel.options.augment_summary.text()
    assert panel.apply_to(TrainConfig(DataConfig("/d"))).augment == edited
    panel.options.set_custom_augment(AugmentConfig(crop_scale_min=0.85, rotation=10))  # the preset itself
    assert panel.apply_to(TrainConfig(DataConfig("/d"))).augment is None


def test_a_pause_after_batches_in_the_same_update_shows_paused(panel: TrainingPanel) -> None:
    from engine.run.events import BatchEnded, RunPaused

    panel.begin()
    panel.on_events([RunStarted("r", 3, 10, 40, 10, ("a", "b"), "cpu", 10, 100)])
    panel.on_events([BatchEnded(1, 4, 10, 0.5, 0.5, 0.01, 20.0, eta_s=30.0), RunPaused(True, 1, 5)])
    assert panel.eta.text() == "paused" and panel.status.text().startswith("Paused in epoch 1")
    assert panel.progress.value() == 4


def test_the_augmentation_editor_is_freed_once_closed(panel: TrainingPanel, qtbot,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    from gui.panels.training.augment_dialog import AugmentDialog

    monkeypatch.setattr(AugmentDialog, "exec", lambda self: 0)  # the user closes it with Cancel at once
    for _ in range(2):
        panel.edit_augmentation()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert panel.findChildren(AugmentDialog) == [], "every Edit and preview… left a dialog (and its images) behind"
