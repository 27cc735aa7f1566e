"""Live loss, accuracy and learning-rate plots.

Curves and markers are created once and updated with ``setData`` (downsampling and clip-to-view on); they
draw a :class:`~gui.state.history.RunHistory` (live, or replayed from a past run's events) that the panel
keeps. Markers: a dashed line at the best epoch, and a shaded band from where overfitting began
(engine/training/overfit.py) to the latest epoch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pyqtgraph as pg
import PySide6  # noqa: F401  - import Qt before pyqtgraph so it binds to PySide6
from PySide6.QtWidgets import QGridLayout, QWidget

from engine.core.i18n import tr, trp
from engine.run.events import OverfitWarning
from gui.state.history import RunHistory

TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#d62728"
LR_COLOR = "#6a3d9a"
BEST_COLOR = "#2ca02c"
BATCH_COLOR = (31, 119, 180, 90)
OVERFIT_BRUSH = (255, 160, 60, 45)


#: The learning-rate plot's least height: below it, its axis labels were crushed into each other.
LR_MIN_HEIGHT = 130


class RateAxis(pg.AxisItem):
    """An axis for learning rates: short labels ("0.001", "5e-05"), major ticks only, so they never crowd."""

    def __init__(self, orientation: str = "left") -> None:
        super().__init__(orientation)
        self.setStyle(maxTickLevel=0)
        self.setTickDensity(0.6)  # the plot is short: fewer labels, each readable
        self.setWidth(64)  # room for "0.0095" beside the axis title

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        return [f"{v * scale:.2g}" for v in values]


def legend_below(plot: pg.PlotWidget, columns: int = 3) -> pg.LegendItem:
    """A legend in its own row under the plot, never over the curves; curves added with a name join it."""
    legend = pg.LegendItem(colCount=columns)
    plot.getPlotItem().layout.addItem(legend, 4, 1)
    plot.getPlotItem().legend = legend  # PlotItem.addItem adds every named item here
    return legend


def plain_axes(plot: pg.PlotWidget) -> None:
    """Numbers as they are on both axes: in the first epoch the x axis read "epoch (x0.001)" with ticks
    100-700 because of pyqtgraph's automatic SI prefix."""
    for side in ("bottom", "left"):
        plot.getAxis(side).enableAutoSIPrefix(False)


def _plot(title: str, y_label: str, left: pg.AxisItem | None = None) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w", axisItems={"left": left} if left is not None else None)
    plot.setTitle(title, color="#222", size="11pt")  # not translated: a font size
    plot.setLabel("bottom", trp("plot", "epoch"))
    plot.setLabel("left", y_label)
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setMouseEnabled(x=False, y=False)
    plain_axes(plot)  # "0.001", not "1 (x0.001)": plain numbers read better
    return plot


def _curve(plot: pg.PlotWidget, name: str | None, pen: object, symbol: str | None = None) -> pg.PlotDataItem:
    brush = pen.color() if symbol and hasattr(pen, "color") else None
    curve = plot.plot([], [], name=name, pen=pen, symbol=symbol, symbolSize=6, symbolBrush=brush)
    curve.setDownsampling(auto=True, method="peak")
    curve.setClipToView(True)
    return curve


class _MetricPlot:
    """One metric: per-batch (smoothed), per-epoch training and validation curves, best and overfit markers."""

    def __init__(self, title: str, y_label: str) -> None:
        self.widget = _plot(title, y_label)
        self.legend = legend_below(self.widget, columns=2)  # under the plot: inside, it covered the curves
        self.batch_curve = _curve(self.widget, tr("each batch (smoothed)"), pg.mkPen(BATCH_COLOR, width=1))
        self.train_curve = _curve(self.widget, trp("plot", "training"), pg.mkPen(TRAIN_COLOR, width=2), symbol="o")
        self.val_curve = _curve(self.widget, trp("plot", "validation"), pg.mkPen(VAL_COLOR, width=2), symbol="s")
        self.best_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(BEST_COLOR, width=1, style=pg.QtCore.Qt.DashLine),
                                         label=trp("plot", "best"), labelOpts={"position": 0.92, "color": BEST_COLOR})
        self.overfit_region = pg.LinearRegionItem(values=(0, 1), movable=False, brush=pg.mkBrush(OVERFIT_BRUSH),
                                                  pen=pg.mkPen(None))
        for item in (self.best_line, self.overfit_region):
            item.setVisible(False)
            self.widget.addItem(item)
        # A label tied to the band's left edge: it stays inside the view whatever the y range.
        self.overfit_label = pg.InfLineLabel(self.overfit_region.lines[0], trp("plot", "overfitting"), position=0.97,
                                             anchors=[(0, 0.5), (0, 0.5)], color="#b35900")
        self.overfit_label.setVisible(False)


class TrainingPlots(QWidget):
    """Loss and accuracy side by side, the learning rate below: a drawing of a :class:`RunHistory`.

    The history belongs to the panel that shows it (the Train tab, Past runs); :meth:`draw` shows its
    current state, so nothing is read back from the plots.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss = _MetricPlot(tr("Loss (lower is better)"), trp("plot", "loss"))
        self.accuracy = _MetricPlot(tr("Accuracy (higher is better)"), trp("plot", "accuracy %"))
        self.lr_plot = _plot(tr("Learning rate"), trp("plot", "rate"), RateAxis())
        self.lr_plot.setMinimumHeight(LR_MIN_HEIGHT)
        self.lr_curve = _curve(self.lr_plot, None, pg.mkPen(LR_COLOR, width=2))
        # Kept for callers of the skeleton's names.
        self.loss_plot, self.acc_plot = self.loss.widget, self.accuracy.widget
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss.widget, 0, 0)
        layout.addWidget(self.accuracy.widget, 0, 1)
        layout.addWidget(self.lr_plot, 1, 0, 1, 2)
        layout.setRowStretch(0, 3)
        layout.setRowStretch(1, 1)
        self._x_end = 0.0
        self.draw(RunHistory())

    def draw(self, history: RunHistory) -> None:
        """Show ``history``: every curve updated in place (created once), the markers moved or hidden."""
        epochs = history.epochs
        x = [e.epoch for e in epochs]
        self.loss.batch_curve.setData(history.batch_x, history.batch_loss)
        self.accuracy.batch_curve.setData(history.batch_x, history.batch_accuracy)
        self.loss.train_curve.setData(x, [e.train_loss for e in epochs])
        self.loss.val_curve.setData(x, [e.val_loss for e in epochs])
        self.accuracy.train_curve.setData(x, [100 * e.train_accuracy for e in epochs])
        self.accuracy.val_curve.setData(x, [100 * e.val_accuracy for e in epochs])
        self.lr_curve.setData(history.batch_x, history.batch_lr)
        # Whole epochs across, at least one: a first epoch in progress reads 0.2, 0.4 … of epoch 1. Set only
        # when it grows (once an epoch), not on every redraw.
        end = float(math.ceil(max([1.0, *history.batch_x[-1:], *x[-1:]])))
        if end != self._x_end:
            self._x_end = end
            for plot in (self.loss.widget, self.accuracy.widget, self.lr_plot):
                plot.setXRange(0, end, padding=0.02)
        self._show_best(history.best_epoch)
        self._show_overfit(history.overfit, epochs[-1].epoch if epochs else None)

    def _show_best(self, epoch: int) -> None:
        for metric in (self.loss, self.accuracy):
            if epoch:
                metric.best_line.setValue(epoch)
            metric.best_line.setVisible(bool(epoch))

    def _show_overfit(self, overfit: OverfitWarning | None, last_epoch: int | None) -> None:
        shown = overfit is not None and last_epoch is not None
        for metric in (self.loss, self.accuracy):
            if shown:
                assert overfit is not None and last_epoch is not None
                start, end = overfit.began_epoch - 0.5, max(last_epoch, overfit.began_epoch) + 0.25
                metric.overfit_region.setRegion((start, end))
            metric.overfit_region.setVisible(shown)
            metric.overfit_label.setVisible(shown)

    @property
    def best_line(self) -> float | None:
        """Where the dashed "best" line is drawn (epochs), or ``None`` when it is hidden."""
        line = self.loss.best_line
        return float(line.value()) if line.isVisible() else None

    @property
    def overfit_region(self) -> tuple[float, float] | None:
        """The shaded band (epochs), or ``None`` when no overfitting was seen."""
        if not self.loss.overfit_region.isVisible():
            return None
        low, high = self.loss.overfit_region.getRegion()
        return float(low), float(high)


class LrFinderPlot(pg.PlotWidget):
    """The learning-rate test: smoothed loss against the rate (log scale), the suggestion marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setTitle(tr("Learning-rate test"), color="#222", size="10pt")  # not translated: a font size
        self.setLabel("bottom", trp("plot", "learning rate"))
        self.setLabel("left", trp("plot", "loss"))
        self.setLogMode(x=True, y=False)
        for side in ("bottom", "left"):
            self.getAxis(side).enableAutoSIPrefix(False)
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setMouseEnabled(x=False, y=False)
        self.curve = _curve(self, None, pg.mkPen(TRAIN_COLOR, width=2))
        self.suggestion = pg.InfiniteLine(angle=90, pen=pg.mkPen(BEST_COLOR, width=2, style=pg.QtCore.Qt.DashLine),
                                          label=trp("plot", "suggested"),
                                          labelOpts={"position": 0.9, "color": BEST_COLOR})
        self.suggestion.setVisible(False)
        self.addItem(self.suggestion)

    def show_result(self, lrs: Iterable[float], losses: Iterable[float], suggested: float | None) -> None:
        import math

        self.curve.setData(list(lrs), list(losses))
        self.suggestion.setVisible(suggested is not None)
        if suggested is not None:
            self.suggestion.setValue(math.log10(suggested))  # the axis is log10 in log mode
