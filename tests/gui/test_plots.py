"""Live plots: curves made once, downsampled, markers for the best epoch and overfitting, replay-safe."""

from __future__ import annotations

import pytest

from engine.config import StopReason
from engine.run.events import BatchEnded, EpochEnded, OverfitWarning, RunFinished, RunStarted
from gui.widgets.plots import LrFinderPlot, TrainingPlots

STARTED = RunStarted("r", 10, 4, 40, 10, ("a", "b"), "cpu", 10, 100)


def _batches(epoch: int, steps: int = 4) -> list[BatchEnded]:
    return [BatchEnded(epoch, s, steps, 1.0 / (epoch + s), 0.5, 0.01 / epoch, 100.0) for s in range(1, steps + 1)]


def _epoch(epoch: int, val: float, best: bool = False) -> EpochEnded:
    return EpochEnded(epoch, 1.0 / epoch, 0.6, val, 0.5, 0.01, 1.0, 100.0, best)


@pytest.fixture
def plots(qtbot):  # type: ignore[no-untyped-def]
    widget = TrainingPlots()
    qtbot.addWidget(widget)
    return widget


def test_curves_are_created_once_and_downsampled(plots: TrainingPlots) -> None:
    items = [list(p.listDataItems()) for p in (plots.loss_plot, plots.acc_plot, plots.lr_plot)]
    for epoch in range(1, 6):
        plots.add_events([*_batches(epoch), _epoch(epoch, 1.0 / epoch, best=True)])
    assert [list(p.listDataItems()) for p in (plots.loss_plot, plots.acc_plot, plots.lr_plot)] == items
    for curve in (plots.loss.batch_curve, plots.loss.val_curve, plots.lr_curve):
        assert curve.opts["autoDownsample"] and curve.opts["clipToView"]
    assert list(plots.loss.val_curve.getData()[0]) == [1, 2, 3, 4, 5]
    assert len(plots.lr_curve.getData()[0]) == 20
    assert plots.best_epoch == 5


def test_a_resumed_run_continues_its_curves_and_a_retried_epoch_does_not_draw_backwards(plots: TrainingPlots) -> None:
    plots.add_events([STARTED, *_batches(1), _epoch(1, 0.9, True), *_batches(2, 4)[:2]])
    plots.add_events([*_batches(2, 8)])  # epoch 2 again with half the batch size (out of memory)
    xs = list(plots.loss.batch_curve.getData()[0])
    assert xs == sorted(xs) and len(xs) == 4 + 8
    resumed = RunStarted("r", 10, 4, 40, 10, ("a", "b"), "cpu", 10, 100, resumed_from_epoch=1)
    plots.add_events([resumed, _epoch(2, 0.8, True)])
    assert [e.epoch for e in plots.epochs] == [1, 2]
    plots.add_events([STARTED])
    assert plots.epochs == [] and plots.overfit_region is None


def test_overfitting_is_shaded_from_where_it_began(plots: TrainingPlots) -> None:
    plots.add_events([STARTED, _epoch(1, 1.0, True), _epoch(2, 0.6, True), _epoch(3, 0.7), _epoch(4, 0.8)])
    assert plots.overfit_region is None
    plots.add_events([OverfitWarning(3, 2, "…")])
    assert plots.overfit_region == (2.5, 4.25)
    plots.add_events([_epoch(5, 0.9), RunFinished(StopReason.EARLY_STOPPED, "…", best_epoch=2)])
    assert plots.overfit_region == (2.5, 5.25) and plots.best_epoch == 2


def test_the_learning_rate_test_plot_marks_the_suggestion(qtbot) -> None:  # type: ignore[no-untyped-def]
    plot = LrFinderPlot()
    qtbot.addWidget(plot)
    plot.show_result([1e-5, 1e-4, 1e-3], [2.0, 1.5, 3.0], 1e-4)
    assert plot.suggestion.isVisible() and plot.suggestion.value() == pytest.approx(-4.0)
    plot.show_result([1e-5, 1e-4], [2.0, 2.1], None)
    assert not plot.suggestion.isVisible()
