"""Past runs side by side: their validation curves on one plot, the settings that differ, the saved models'
figures, and "Show results" for any of them.

The comparison is the engine's (engine/report/compare.py, also ``python -m engine compare``); it is read from
the run folders in the background, so selecting runs never stalls the window.
"""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
import PySide6  # noqa: F401  - import Qt before pyqtgraph so it binds to PySide6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.core.i18n import tr, trn
from engine.report.compare import ComparedRow, Comparison, compare_runs
from gui.jobs.controller import TaskState
from gui.jobs.task_slot import TaskSlot
from gui.widgets.common import MessageLabel, read_only_table

#: One colour a run (matplotlib's tab10): distinct, and the same run keeps its colour on both plots.
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")


def _compare(paths: tuple[Path, ...], _state: TaskState) -> Comparison:
    return compare_runs(paths)


def _plot(title: str, y_label: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setTitle(title, color="#222", size="10pt")  # not translated: a font size
    plot.setLabel("bottom", tr("epoch"))
    plot.setLabel("left", y_label)
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setMouseEnabled(x=False, y=False)
    plot.getAxis("left").enableAutoSIPrefix(False)
    return plot


class CompareView(QWidget):
    """``results_requested(Path)``: the user wants to open one of the compared runs."""

    results_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.comparison: Comparison | None = None
        self._slot = TaskSlot(self)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.message = MessageLabel()
        self.loss_plot = _plot(tr("Validation loss (lower is better)"), tr("loss"))
        self.accuracy_plot = _plot(tr("Validation accuracy (higher is better)"), tr("accuracy %"))
        self.accuracy_plot.addLegend(offset=(-10, -10))
        self.settings = read_only_table((tr("Setting that differs"),), select_rows=False)
        self.figures = read_only_table((tr("Saved model"),), select_rows=False)
        self.run_choice = QComboBox()
        self.run_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.results_button = QPushButton(tr("Show results"))
        self.results_button.setToolTip(tr("Open the chosen run's metrics, confusion matrix, mistakes and Grad-CAM"))
        self.results_button.clicked.connect(self._request_results)
        self._build()

    def _build(self) -> None:
        plots = QHBoxLayout()
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.accuracy_plot)
        plot_box = QWidget()
        plot_box.setLayout(plots)
        plots.setContentsMargins(0, 0, 0, 0)
        tables = QSplitter(Qt.Orientation.Horizontal)
        tables.addWidget(self.settings)
        tables.addWidget(self.figures)
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(plot_box)
        body.addWidget(tables)
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 1)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.run_choice)
        header.addWidget(self.results_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.message)
        layout.addWidget(body, 1)

    @property
    def busy(self) -> bool:
        return self._slot.running

    def show_runs(self, paths: list[Path]) -> None:
        """Compare these runs (two or more), read in the background."""
        self.title.setText(tr("Comparing {n} runs…", n=len(paths)))
        self.message.clear_message()
        chosen = tuple(paths)
        self._slot.start(lambda state: _compare(chosen, state), self._on_compared, self._on_failed)

    def shutdown(self) -> None:
        self._slot.shutdown()

    def _on_failed(self, text: str) -> None:
        self.title.setText(tr("These runs cannot be compared."))
        self.message.show_error(text)

    def _on_compared(self, comparison: Comparison) -> None:
        self.comparison = comparison
        differ = len(comparison.settings)
        runs = len(comparison.names)
        self.title.setText(trn("<b>{runs} runs side by side</b> · {n} setting differs",
                               "<b>{runs} runs side by side</b> · {n} settings differ", differ, runs=runs) if differ
                           else tr("<b>{runs} runs side by side</b> · every setting is the same", runs=runs))
        self._draw_curves(comparison)
        self._fill(self.settings, tr("Setting that differs"), comparison.settings, comparison.names)
        self._fill(self.figures, tr("Saved model"), comparison.figures, comparison.names)
        self.run_choice.clear()
        for name, path in zip(comparison.names, comparison.paths):
            self.run_choice.addItem(name, str(path))
        self.run_choice.setMinimumContentsLength(min(60, max(len(n) for n in comparison.names)))

    def _draw_curves(self, comparison: Comparison) -> None:
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.clear()
        for i, (name, curve) in enumerate(zip(comparison.names, comparison.curves)):
            pen = pg.mkPen(COLOURS[i % len(COLOURS)], width=2)
            kwargs = {"pen": pen, "symbol": "o", "symbolSize": 5, "symbolBrush": COLOURS[i % len(COLOURS)]}
            self.loss_plot.plot(list(curve.epochs), list(curve.val_loss), **kwargs)
            self.accuracy_plot.plot(list(curve.epochs), [100 * a for a in curve.val_accuracy], name=name, **kwargs)

    @staticmethod
    def _fill(table: QTableWidget, first: str, rows: tuple[ComparedRow, ...], names: tuple[str, ...]) -> None:
        table.clear()
        table.setColumnCount(1 + len(names))
        table.setHorizontalHeaderLabels([first, *names])
        shown = rows or (ComparedRow("", tr("(every setting is the same)"), ("",) * len(names)),)
        table.setRowCount(len(shown))
        for r, row in enumerate(shown):
            label = QTableWidgetItem(row.label)
            if row.key:
                label.setToolTip(row.key)
            table.setItem(r, 0, label)
            for c, text in enumerate(row.texts() if rows else row.values, start=1):
                item = QTableWidgetItem(str(text))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, c, item)

    def _request_results(self) -> None:
        path = self.run_choice.currentData()
        if path:
            self.results_requested.emit(Path(path))
