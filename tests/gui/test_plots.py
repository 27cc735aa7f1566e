"""Live plots: curves made once, downsampled, markers for the best epoch and overfitting, replay-safe.

The plots draw a :class:`RunHistory` the panel keeps (its own logic: tests/state/test_run_history.py)."""

from __future__ import annotations

import pytest

from engine.config import StopReason
from engine.run.events import BatchEnded, EpochEnded, OverfitWarning, RunFinished, RunStarted
from gui.state import RunHistory
from gui.widgets.plots import LrFinderPlot, TrainingPlots

STARTED = RunStarted("r", 10, 4, 40, 10, ("a", "b"), "cpu", 10, 100)


def _batches(epoch: int, steps: int = 4) -> list[BatchEnded]:
    return [BatchEnded(epoch, s, steps, 1.0 / (epoch + s), 0.5, 0.01 / epoch, 100.0) for s in range(1, steps + 1)]


def _epoch(epoch: int, val: float, best: bool = False) -> EpochEnded:
    return EpochEnded(epoch, 1.0 / epoch, 0.6, val, 0.5, 0.01, 1.0, 100.0, best)


def _xs(curve) -> list[float]:  # type: ignore[no-untyped-def]
    xs = curve.getData()[0]
    return [] if xs is None else list(xs)


class Shown:
    """A panel's pair: the history it keeps and the plots that draw it."""

    def __init__(self, plots: TrainingPlots) -> None:
        self.plots, self.history = plots, RunHistory()

    def add(self, events: list) -> None:  # type: ignore[type-arg]
        if self.history.add(events):
            self.plots.draw(self.history)


@pytest.fixture
def shown(qtbot):  # type: ignore[no-untyped-def]
    widget = TrainingPlots()
    qtbot.addWidget(widget)
    return Shown(widget)


def test_curves_are_created_once_and_downsampled(shown: Shown) -> None:
    plots = shown.plots
    items = [list(p.listDataItems()) for p in (plots.loss_plot, plots.acc_plot, plots.lr_plot)]
    for epoch in range(1, 6):
        shown.add([*_batches(epoch), _epoch(epoch, 1.0 / epoch, best=True)])
    assert [list(p.listDataItems()) for p in (plots.loss_plot, plots.acc_plot, plots.lr_plot)] == items
    for curve in (plots.loss.batch_curve, plots.loss.val_curve, plots.lr_curve):
        assert curve.opts["autoDownsample"] and curve.opts["clipToView"]
    assert list(plots.loss.val_curve.getData()[0]) == [1, 2, 3, 4, 5]
    assert len(plots.lr_curve.getData()[0]) == 20
    assert plots.best_line == 5


def test_a_resumed_run_continues_its_curves_and_a_retried_epoch_does_not_draw_backwards(shown: Shown) -> None:
    plots = shown.plots
    shown.add([STARTED, *_batches(1), _epoch(1, 0.9, True), *_batches(2, 4)[:2]])
    shown.add([*_batches(2, 8)])  # epoch 2 again with half the batch size (out of memory)
    xs = list(plots.loss.batch_curve.getData()[0])
    assert xs == sorted(xs) and len(xs) == 4 + 8
    resumed = RunStarted("r", 10, 4, 40, 10, ("a", "b"), "cpu", 10, 100, resumed_from_epoch=1)
    shown.add([resumed, _epoch(2, 0.8, True)])
    assert list(plots.loss.val_curve.getData()[0]) == [1, 2]
    shown.add([STARTED])
    assert _xs(plots.loss.val_curve) == [] and _xs(plots.loss.batch_curve) == []
    assert plots.overfit_region is None and plots.best_line is None


def test_overfitting_is_shaded_from_where_it_began(shown: Shown) -> None:
    plots = shown.plots
    shown.add([STARTED, _epoch(1, 1.0, True), _epoch(2, 0.6, True), _epoch(3, 0.7), _epoch(4, 0.8)])
    assert plots.overfit_region is None
    shown.add([OverfitWarning(3, 2, "…")])
    assert plots.overfit_region == (2.5, 4.25)
    shown.add([_epoch(5, 0.9), RunFinished(StopReason.EARLY_STOPPED, "…", best_epoch=2)])
    assert plots.overfit_region == (2.5, 5.25) and plots.best_line == 2


def test_the_best_epoch_of_the_end_is_marked_even_without_new_epochs(shown: Shown) -> None:
    shown.add([STARTED, _epoch(1, 1.0), _epoch(2, 0.9)])
    assert shown.plots.best_line is None
    shown.add([RunFinished(StopReason.FINISHED, "…", best_epoch=2)])
    assert shown.plots.best_line == 2


def test_the_learning_rate_test_plot_marks_the_suggestion(qtbot) -> None:  # type: ignore[no-untyped-def]
    plot = LrFinderPlot()
    qtbot.addWidget(plot)
    plot.show_result([1e-5, 1e-4, 1e-3], [2.0, 1.5, 3.0], 1e-4)
    assert plot.suggestion.isVisible() and plot.suggestion.value() == pytest.approx(-4.0)
    plot.show_result([1e-5, 1e-4], [2.0, 2.1], None)
    assert not plot.suggestion.isVisible()


def _first_epoch_in_progress(qtbot) -> TrainingPlots:  # type: ignore[no-untyped-def]
    """Plots of a run 70% through its first epoch (700 of 1000 steps), shown at a Train tab's size."""
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(800, 560)
    plots.show()
    history = RunHistory()
    history.add([STARTED, *[BatchEnded(1, s, 1000, 1.0, 0.5, 0.001 * s / 700, 100.0) for s in range(1, 701, 7)]])
    plots.draw(history)
    qtbot.waitExposed(plots)
    return plots


def test_during_the_first_epoch_the_axis_reads_epochs_not_thousandths(qtbot) -> None:  # type: ignore[no-untyped-def]
    plots = _first_epoch_in_progress(qtbot)
    for plot in (plots.loss.widget, plots.accuracy.widget, plots.lr_plot):
        axis = plot.getAxis("bottom")
        assert axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString()
        low, high = plot.getViewBox().viewRange()[0]
        assert low <= 0.0 and high >= 1.0  # the whole first epoch across, ticks 0 … 1


def test_legends_sit_below_the_curves_not_over_them(qtbot) -> None:  # type: ignore[no-untyped-def]
    plots = _first_epoch_in_progress(qtbot)
    for metric in (plots.loss, plots.accuracy):
        view = metric.widget.getViewBox().sceneBoundingRect()
        legend = metric.legend.sceneBoundingRect()
        assert legend.height() > 0 and not legend.intersects(view)
        assert legend.top() >= view.bottom()


def test_learning_rate_labels_are_short_and_have_room(qtbot) -> None:  # type: ignore[no-untyped-def]
    plots = _first_epoch_in_progress(qtbot)
    axis = plots.lr_plot.getAxis("left")
    assert axis.tickStrings([0.0, 0.0005, 0.001], 1.0, 0.0005) == ["0", "0.0005", "0.001"]
    assert axis.tickStrings([0.00005], 1.0, 0.00001) == ["5e-05"]
    assert plots.lr_plot.height() >= 130
    assert axis.autoSIPrefixScale == 1.0
