"""Live loss and accuracy plots.

Curves are created once and updated with ``setData`` (downsampling and clip-to-view on); the same widget
replays a past run from its events.
"""

from __future__ import annotations

from typing import Iterable

import PySide6  # noqa: F401  - import Qt before pyqtgraph so it binds to PySide6
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from engine.events import BatchEnded, EpochEnded, Event, RunFinished, RunStarted

TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#d62728"
BATCH_COLOR = (31, 119, 180, 90)
SMOOTHING = 0.8  # exponential moving average of the per-batch figures


class _MetricPlot(pg.PlotWidget):
    def __init__(self, title: str, y_label: str) -> None:
        super().__init__(background="w")
        self.setTitle(title, color="#222", size="11pt")
        self.setLabel("bottom", "epoch")
        self.setLabel("left", y_label)
        self.showGrid(x=True, y=True, alpha=0.25)
        self.addLegend(offset=(-10, 10))
        self.setMouseEnabled(x=False, y=False)
        self.batch_curve = self._curve("training (each batch, smoothed)", pg.mkPen(BATCH_COLOR, width=1))
        self.train_curve = self._curve("training", pg.mkPen(TRAIN_COLOR, width=2), symbol="o")
        self.val_curve = self._curve("validation", pg.mkPen(VAL_COLOR, width=2), symbol="s")
        self.best_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#2ca02c", width=1, style=pg.QtCore.Qt.DashLine),
                                         label="best", labelOpts={"position": 0.95, "color": "#2ca02c"})
        self.best_line.setVisible(False)
        self.addItem(self.best_line)

    def _curve(self, name: str, pen: object, symbol: str | None = None) -> pg.PlotDataItem:
        brush = pen.color() if symbol and hasattr(pen, "color") else None  # type: ignore[attr-defined]
        curve = self.plot([], [], name=name, pen=pen, symbol=symbol, symbolSize=6, symbolBrush=brush)
        curve.setDownsampling(auto=True, method="peak")
        curve.setClipToView(True)
        return curve


class TrainingPlots(QWidget):
    """Two plots (loss, accuracy) fed with engine events."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = _MetricPlot("Loss (lower is better)", "loss")
        self.acc_plot = _MetricPlot("Accuracy (higher is better)", "accuracy %")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot)
        layout.addWidget(self.acc_plot)
        self.clear()

    def clear(self) -> None:
        self._batch_x: list[float] = []
        self._batch_loss: list[float] = []
        self._batch_acc: list[float] = []
        self._epochs: list[EpochEnded] = []
        self._ema_loss: float | None = None
        self._ema_acc: float | None = None
        for plot in (self.loss_plot, self.acc_plot):
            for curve in (plot.batch_curve, plot.train_curve, plot.val_curve):
                curve.setData([], [])
            plot.best_line.setVisible(False)

    @property
    def epochs(self) -> list[EpochEnded]:
        return list(self._epochs)

    def add_events(self, events: Iterable[Event]) -> None:
        """Feed events (live or replayed); the curves are redrawn once per call."""
        changed = False
        for event in events:
            if isinstance(event, RunStarted):
                self.clear()
            elif isinstance(event, BatchEnded):
                self._add_batch(event)
                changed = True
            elif isinstance(event, EpochEnded):
                self._epochs.append(event)
                changed = True
            elif isinstance(event, RunFinished) and event.best_epoch:
                self._show_best(event.best_epoch)
        if changed:
            self._redraw()

    def _add_batch(self, event: BatchEnded) -> None:
        a = SMOOTHING
        self._ema_loss = event.loss if self._ema_loss is None else a * self._ema_loss + (1 - a) * event.loss
        self._ema_acc = event.accuracy if self._ema_acc is None else a * self._ema_acc + (1 - a) * event.accuracy
        self._batch_x.append(event.epoch - 1 + event.step / max(event.steps, 1))
        self._batch_loss.append(self._ema_loss)
        self._batch_acc.append(100 * self._ema_acc)

    def _redraw(self) -> None:
        x = [e.epoch for e in self._epochs]
        self.loss_plot.batch_curve.setData(self._batch_x, self._batch_loss)
        self.acc_plot.batch_curve.setData(self._batch_x, self._batch_acc)
        self.loss_plot.train_curve.setData(x, [e.train_loss for e in self._epochs])
        self.loss_plot.val_curve.setData(x, [e.val_loss for e in self._epochs])
        self.acc_plot.train_curve.setData(x, [100 * e.train_accuracy for e in self._epochs])
        self.acc_plot.val_curve.setData(x, [100 * e.val_accuracy for e in self._epochs])
        best = [e.epoch for e in self._epochs if e.is_best]
        if best:
            self._show_best(best[-1])

    def _show_best(self, epoch: int) -> None:
        for plot in (self.loss_plot, self.acc_plot):
            plot.best_line.setValue(epoch)
            plot.best_line.setVisible(True)
