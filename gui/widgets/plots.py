"""Live loss, accuracy and learning-rate plots.

Curves and markers are created once and updated with ``setData`` (downsampling and clip-to-view on); the
same widget replays a past run from its events. Markers: a dashed line at the best epoch, and a shaded
band from where overfitting began (engine/training/overfit.py) to the latest epoch.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyqtgraph as pg
import PySide6  # noqa: F401  - import Qt before pyqtgraph so it binds to PySide6
from PySide6.QtWidgets import QGridLayout, QWidget

from engine.run.events import BatchEnded, EpochEnded, Event, OverfitWarning, RunFinished, RunStarted

TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#d62728"
LR_COLOR = "#6a3d9a"
BEST_COLOR = "#2ca02c"
BATCH_COLOR = (31, 119, 180, 90)
OVERFIT_BRUSH = (255, 160, 60, 45)
SMOOTHING = 0.8  # exponential moving average of the per-batch figures


def _plot(title: str, y_label: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setTitle(title, color="#222", size="11pt")
    plot.setLabel("bottom", "epoch")
    plot.setLabel("left", y_label)
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setMouseEnabled(x=False, y=False)
    plot.getAxis("left").enableAutoSIPrefix(False)  # "0.001", not "1 (x0.001)": plain numbers read better
    return plot


def _curve(plot: pg.PlotWidget, name: str | None, pen: object, symbol: str | None = None) -> pg.PlotDataItem:
    brush = pen.color() if symbol and hasattr(pen, "color") else None  # type: ignore[attr-defined]
    curve = plot.plot([], [], name=name, pen=pen, symbol=symbol, symbolSize=6, symbolBrush=brush)
    curve.setDownsampling(auto=True, method="peak")
    curve.setClipToView(True)
    return curve


class _MetricPlot:
    """One metric: per-batch (smoothed), per-epoch training and validation curves, best and overfit markers."""

    def __init__(self, title: str, y_label: str) -> None:
        self.widget = _plot(title, y_label)
        # Below the top strip, which holds the "best" and "overfitting" labels.
        self.widget.addLegend(offset=(-10, 30))
        self.batch_curve = _curve(self.widget, "training (each batch, smoothed)", pg.mkPen(BATCH_COLOR, width=1))
        self.train_curve = _curve(self.widget, "training", pg.mkPen(TRAIN_COLOR, width=2), symbol="o")
        self.val_curve = _curve(self.widget, "validation", pg.mkPen(VAL_COLOR, width=2), symbol="s")
        self.best_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(BEST_COLOR, width=1, style=pg.QtCore.Qt.DashLine),
                                         label="best", labelOpts={"position": 0.97, "color": BEST_COLOR})
        self.overfit_region = pg.LinearRegionItem(values=(0, 1), movable=False, brush=pg.mkBrush(OVERFIT_BRUSH),
                                                  pen=pg.mkPen(None))
        for item in (self.best_line, self.overfit_region):
            item.setVisible(False)
            self.widget.addItem(item)
        # A label tied to the band's left edge: it stays inside the view whatever the y range.
        self.overfit_label = pg.InfLineLabel(self.overfit_region.lines[0], "overfitting", position=0.97,
                                             anchors=[(0, 0.5), (0, 0.5)], color="#b35900")
        self.overfit_label.setVisible(False)


class TrainingPlots(QWidget):
    """Loss and accuracy side by side, the learning rate below; fed with engine events."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss = _MetricPlot("Loss (lower is better)", "loss")
        self.accuracy = _MetricPlot("Accuracy (higher is better)", "accuracy %")
        self.lr_plot = _plot("Learning rate", "rate")
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
        self.clear()

    def clear(self) -> None:
        self._batch_x: list[float] = []
        self._batch_loss: list[float] = []
        self._batch_acc: list[float] = []
        self._batch_lr: list[float] = []
        self._epochs: list[EpochEnded] = []
        self._ema_loss: float | None = None
        self._ema_acc: float | None = None
        self.overfit: OverfitWarning | None = None
        self.best_epoch = 0
        for metric in (self.loss, self.accuracy):
            for curve in (metric.batch_curve, metric.train_curve, metric.val_curve):
                curve.setData([], [])
            for item in (metric.best_line, metric.overfit_region, metric.overfit_label):
                item.setVisible(False)
        self.lr_curve.setData([], [])

    @property
    def epochs(self) -> list[EpochEnded]:
        return list(self._epochs)

    def add_events(self, events: Iterable[Event]) -> None:
        """Feed events (live or replayed); the curves are redrawn once per call."""
        changed = False
        for event in events:
            if isinstance(event, RunStarted):
                if not event.resumed_from_epoch:  # a resumed run continues the same curves
                    self.clear()
            elif isinstance(event, BatchEnded):
                self._add_batch(event)
                changed = True
            elif isinstance(event, EpochEnded):
                self._epochs = [e for e in self._epochs if e.epoch < event.epoch] + [event]
                changed = True
            elif isinstance(event, OverfitWarning):
                self.overfit = event
                changed = True
            elif isinstance(event, RunFinished) and event.best_epoch:
                self._show_best(event.best_epoch)
        if changed:
            self._redraw()

    def _add_batch(self, event: BatchEnded) -> None:
        x = event.epoch - 1 + event.step / max(event.steps, 1)
        while self._batch_x and self._batch_x[-1] >= x:  # an epoch run again (after running out of memory)
            for values in (self._batch_x, self._batch_loss, self._batch_acc, self._batch_lr):
                values.pop()
        a = SMOOTHING
        self._ema_loss = event.loss if self._ema_loss is None else a * self._ema_loss + (1 - a) * event.loss
        self._ema_acc = event.accuracy if self._ema_acc is None else a * self._ema_acc + (1 - a) * event.accuracy
        self._batch_x.append(x)
        self._batch_loss.append(self._ema_loss)
        self._batch_acc.append(100 * self._ema_acc)
        self._batch_lr.append(event.lr)

    def _redraw(self) -> None:
        x = [e.epoch for e in self._epochs]
        self.loss.batch_curve.setData(self._batch_x, self._batch_loss)
        self.accuracy.batch_curve.setData(self._batch_x, self._batch_acc)
        self.loss.train_curve.setData(x, [e.train_loss for e in self._epochs])
        self.loss.val_curve.setData(x, [e.val_loss for e in self._epochs])
        self.accuracy.train_curve.setData(x, [100 * e.train_accuracy for e in self._epochs])
        self.accuracy.val_curve.setData(x, [100 * e.val_accuracy for e in self._epochs])
        self.lr_curve.setData(self._batch_x, self._batch_lr)
        best = [e.epoch for e in self._epochs if e.is_best]
        if best:
            self._show_best(best[-1])
        self._show_overfit()

    def _show_best(self, epoch: int) -> None:
        self.best_epoch = epoch
        for metric in (self.loss, self.accuracy):
            metric.best_line.setValue(epoch)
            metric.best_line.setVisible(True)

    def _show_overfit(self) -> None:
        if self.overfit is None or not self._epochs:
            return
        start, end = self.overfit.began_epoch - 0.5, max(self._epochs[-1].epoch, self.overfit.began_epoch) + 0.25
        for metric in (self.loss, self.accuracy):
            metric.overfit_region.setRegion((start, end))
            metric.overfit_region.setVisible(True)
            metric.overfit_label.setVisible(True)

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
        self.setTitle("Learning-rate test", color="#222", size="10pt")
        self.setLabel("bottom", "learning rate")
        self.setLabel("left", "loss")
        self.setLogMode(x=True, y=False)
        for side in ("bottom", "left"):
            self.getAxis(side).enableAutoSIPrefix(False)
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setMouseEnabled(x=False, y=False)
        self.curve = _curve(self, None, pg.mkPen(TRAIN_COLOR, width=2))
        self.suggestion = pg.InfiniteLine(angle=90, pen=pg.mkPen(BEST_COLOR, width=2, style=pg.QtCore.Qt.DashLine),
                                          label="suggested", labelOpts={"position": 0.9, "color": BEST_COLOR})
        self.suggestion.setVisible(False)
        self.addItem(self.suggestion)

    def show_result(self, lrs: Iterable[float], losses: Iterable[float], suggested: float | None) -> None:
        import math

        self.curve.setData(list(lrs), list(losses))
        self.suggestion.setVisible(suggested is not None)
        if suggested is not None:
            self.suggestion.setValue(math.log10(suggested))  # the axis is log10 in log mode
