""""Try all three": the strategies' validation curves on one plot, a table, and "continue with" one."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
import PySide6  # noqa: F401  - Qt before pyqtgraph
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.core.i18n import tr, tr_later, trp
from engine.run.events import EpochEnded, Event, Notice, Progress, RunFinished, RunStarted
from engine.strategy.table import Advised
from gui.widgets.common import MessageLabel, read_only_table
from gui.widgets.plots import legend_below, plain_axes

COLOURS = {Advised.HEAD: "#1f77b4", Advised.PARTIAL: "#2ca02c", Advised.FULL: "#d62728",
           Advised.SCRATCH: "#7f7f7f"}
COLUMNS = (tr_later("Strategy"), tr_later("Saved model: val. accuracy"), tr_later("Saved epoch"), tr_later("Time"), "")


class TrialsView(QWidget):
    """Signals: ``run_requested(epochs)``, ``stop_requested()``, ``continue_with(Advised)``."""

    run_requested = Signal(int)
    stop_requested = Signal()
    continue_with = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100)
        self.epochs.setValue(5)
        self.epochs.setSuffix(tr(" epochs each"))
        self.epochs.setToolTip(tr("Every strategy gets the same budget, so the comparison is fair."))
        self.run_button = QPushButton(tr("Compare the strategies"))
        self.run_button.clicked.connect(self._on_run_clicked)
        self.stop_button = QPushButton(tr("Stop"))
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_requested)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = MessageLabel()
        self.plot = pg.PlotWidget(background="w")
        self.plot.setTitle(tr("Validation accuracy per epoch"), color="#222", size="10pt")  # not translated: size
        self.plot.setLabel("bottom", trp("plot axis", "epoch"))
        self.plot.setLabel("left", tr("accuracy %"))
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        plain_axes(self.plot)
        self.legend = legend_below(self.plot, columns=2)  # four strategies: two rows, under the curves
        self.plot.setMouseEnabled(x=False, y=False)
        self.table = read_only_table([tr(column) if column else "" for column in COLUMNS])
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.continue_button = QPushButton(tr("Continue with this strategy"))
        self.continue_button.setEnabled(False)
        self.continue_button.clicked.connect(self._continue)

        top = QHBoxLayout()
        top.addWidget(QLabel(tr("Short trials of each strategy and of training from scratch:")))
        top.addWidget(self.epochs)
        top.addWidget(self.run_button)
        top.addWidget(self.stop_button)
        top.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.message)
        body = QHBoxLayout()
        body.addWidget(self.plot, 3)
        right = QVBoxLayout()
        right.addWidget(self.table, 1)
        right.addWidget(self.continue_button, 0, Qt.AlignmentFlag.AlignRight)
        body.addLayout(right, 2)
        layout.addLayout(body, 1)
        self.clear()

    def clear(self) -> None:
        self.plot.clear()
        self.legend.clear()
        self._curves: dict[Advised, pg.PlotDataItem] = {}
        self._points: dict[Advised, tuple[list[int], list[float]]] = {}
        self._current: Advised | None = None
        self.rows: list[dict[str, object]] = []
        self.table.setRowCount(0)
        self.continue_button.setEnabled(False)

    # -- running ---------------------------------------------------------------------------------------

    def begin(self) -> None:
        self.clear()
        self.message.show_info(tr("Running the trials one after another; the cheapest comes first."))
        self.progress.setRange(0, 4)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)

    @property
    def running(self) -> bool:
        """True from :meth:`begin` until :meth:`on_finished`."""
        return self.stop_button.isEnabled()

    def _on_run_clicked(self) -> None:
        self.run_requested.emit(self.epochs.value())

    def show_error(self, message: str) -> None:
        self.message.show_error(message)

    def on_events(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, Progress) and event.task == "trials":
                self.progress.setRange(0, int(event.total))
                self.progress.setValue(int(event.done))
                self.progress.setFormat(event.message)
            elif isinstance(event, RunStarted):
                self._current = _strategy_of(event.run_dir)
            elif isinstance(event, EpochEnded) and self._current is not None:
                self._add_point(self._current, event)
            elif isinstance(event, Notice) and event.level == "warning":
                self.message.show_warning(event.message)

    def _add_point(self, strategy: Advised, event: EpochEnded) -> None:
        xs, ys = self._points.setdefault(strategy, ([], []))
        xs.append(event.epoch)
        ys.append(100 * event.val_accuracy)
        if strategy not in self._curves:
            colour = COLOURS[strategy]
            self._curves[strategy] = self.plot.plot([], [], name=tr(strategy.label), symbol="o", symbolSize=6,
                                                    pen=pg.mkPen(colour, width=2), symbolBrush=colour)
        self._curves[strategy].setData(xs, ys)

    def on_finished(self, finished: RunFinished) -> None:
        self.progress.setVisible(False)
        self.run_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        rows = list(finished.trials)
        self.show_table(rows)
        if finished.succeeded:
            self.message.show_ok(finished.detail)
        elif rows:
            self.message.show_warning(finished.detail)
        else:
            self.message.show_error(finished.detail)

    def show_table(self, rows: list[dict[str, object]]) -> None:
        self.rows = rows
        best = max((r for r in rows if r.get("best_val_accuracy") is not None),
                   key=lambda r: float(r["best_val_accuracy"]), default=None)  # type: ignore[arg-type]
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            accuracy = row.get("best_val_accuracy")
            cells = (tr(str(row.get("title", row["strategy"]))),
                     f"{100 * float(accuracy):.1f}%" if accuracy is not None else "—",  # type: ignore[arg-type]
                     str(row.get("best_epoch", "")), tr("{seconds:.0f} s", seconds=float(row.get("seconds", 0))),  # type: ignore[arg-type]
                     trp("trials table", "best") if row is best else "")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (1, 2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(index, col, item)
        if best is not None:
            self.table.selectRow(rows.index(best))

    def _on_selection(self) -> None:
        self.continue_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def selected(self) -> Advised | None:
        rows = self.table.selectionModel().selectedRows()
        return Advised(str(self.rows[rows[0].row()]["strategy"])) if rows else None

    def _continue(self) -> None:
        choice = self.selected()
        if choice is not None:
            self.continue_with.emit(choice)


def _strategy_of(run_dir: str) -> Advised | None:
    try:
        return Advised(Path(run_dir).name)
    except ValueError:
        return None
