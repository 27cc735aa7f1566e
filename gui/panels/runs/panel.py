"""Past runs: every run folder under the app's runs folder, with its plots replayed from events.jsonl.

A run that was stopped, failed or was cut short by a crash, and that has a resumable checkpoint, offers
"Resume": the main window continues it in place (``MainWindow.resume_training``).
"""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.config import StopReason
from engine.core.i18n import tr, tr_later
from engine.core.paths import runs_root
from engine.core.run_layout import RunLayout
from engine.evaluation.assessment import Assessment
from engine.run.folder import iter_run_events
from engine.run.listing import RunSummary, list_runs
from gui.panels.runs.compare_view import CompareView
from gui.state import RunHistory, RunState
from gui.widgets.common import read_only_table
from gui.widgets.plots import TrainingPlots

COLUMNS = (tr_later("Run"), tr_later("Model"), tr_later("Epochs"), tr_later("Saved model: val. accuracy"),
           tr_later("Outcome"))


def can_resume(summary: RunSummary) -> bool:
    """True for a run that did not end on its own (stopped, failed, or cut off by a crash: no end recorded)
    and that saved a checkpoint to continue from."""
    if summary.running:
        return False  # it is being trained right now
    finished = summary.finished
    if finished is not None:
        if finished.reason not in (StopReason.CANCELLED, StopReason.FAILED):
            return False
        if finished.resumable is False:  # the trainer knew there was nothing to continue
            return False
    return RunLayout(summary.path).can_resume()


def saved_model_lines(summary: RunSummary) -> str:
    """The saved model's figure, labelled as such, with the run's assessment (chance, majority class, what to
    try) when the run recorded one; nothing for a run without a saved model."""
    finished = summary.finished
    label = (finished.saved_model if finished is not None else "") or summary.saved_model_text
    if not label:
        return ""
    said = finished is not None and label.lower() in finished.detail.lower()  # "…; saved model (epoch 7): …"
    lead = "" if said else f"{label[:1].upper()}{label[1:]}. "
    data = finished.assessment if finished is not None else None
    assessment = Assessment.from_dict(data).text() if data else ""
    text = f"{lead}{assessment}".strip()
    return f"<br>{html.escape(text)}" if text else ""


class RunsPanel(QWidget):
    run_selected = Signal(object)  # Path of the selected run folder
    results_requested = Signal(object)  # Path of the run whose results the user wants to see
    resume_requested = Signal(object)  # Path of the interrupted run the user wants to continue

    def __init__(self, root: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = root
        self.active: Path | None = None  # the run this window trains now (gui/state: ``run``)
        self.summaries: list[RunSummary] = []
        self.table = read_only_table([tr(c) for c in COLUMNS])
        # Two or more selected rows (Ctrl/Shift+click) show the runs side by side (compare_view.py).
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.detail = QLabel(tr("Choose a run to see its training curves; select two or more (Ctrl+click) to "
                                "compare them."))
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history = RunHistory()  # the selected run's, replayed from its events; the plots draw it
        self.plots = TrainingPlots()
        refresh = QPushButton(tr("Refresh"))
        refresh.clicked.connect(self.refresh)
        self.open_button = QPushButton(tr("Open run folder"))
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self._open_folder)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel(tr("Runs are kept in {folder}", folder=self._root())), 1)
        self.results_button = QPushButton(tr("Show results"))
        self.results_button.setToolTip(tr("Metrics, confusion matrix, mistakes and Grad-CAM of this run's model"))
        self.results_button.setEnabled(False)
        self.results_button.clicked.connect(self._request_results)
        self.resume_button = QPushButton(tr("Resume"))
        self.resume_button.setToolTip(tr("Continue this interrupted run where it was last saved, in the same folder"))
        self.resume_button.setEnabled(False)
        self.resume_button.clicked.connect(self._request_resume)
        buttons.addWidget(self.resume_button)
        buttons.addWidget(self.results_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(refresh)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.detail)
        lower_layout.addWidget(self.plots, 1)
        self.compare = CompareView()
        self.compare.results_requested.connect(self.results_requested)
        self.lower_stack = QStackedWidget()
        self.lower_stack.addWidget(lower)
        self.lower_stack.addWidget(self.compare)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.lower_stack)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        self.refresh()

    def _root(self) -> Path:
        return self.root or runs_root()

    def follow_run(self, run: RunState) -> None:
        """The window's job started or ended: the list shows it as it is now (a run being trained, resumed
        or new, says "training" and offers no Resume; once it ends, how it ended)."""
        self.active = run.folder if run.running and run.job == "train" else None
        self.refresh()

    def refresh(self) -> None:
        """Read the runs folder again; the selected run stays selected and its buttons follow its new state
        (e.g. Resume goes once the run has finished)."""
        previous = self.selected_runs() if self.summaries else []
        self.summaries = [dataclasses.replace(s, running=True) if s.path == self.active else s
                          for s in list_runs(self._root())]
        self.table.blockSignals(True)  # rows may move (a new run on top): select by folder afterwards
        self.table.clearSelection()
        self._fill_table()
        self.table.blockSignals(False)
        if len(previous) > 1:
            self.select_runs(previous)
        elif previous:
            self.select_run(previous[0])
        if self._selected() is None:
            self._on_selection()

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.summaries))
        for row, s in enumerate(self.summaries):
            best = (tr("{accuracy:.1f}% (epoch {epoch})", accuracy=100 * s.saved_val_accuracy, epoch=s.saved_epoch)
                    if s.saved_val_accuracy is not None else "—")
            for col, text in enumerate((s.name, s.arch, str(s.epochs), best, s.status)):
                item = QTableWidgetItem(text)
                if col in (2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)

    def select_run(self, run_dir: Path) -> None:
        for row, s in enumerate(self.summaries):
            if s.path == run_dir:
                self.table.selectRow(row)
                return

    def select_runs(self, run_dirs: list[Path]) -> None:
        """Select these runs together (two or more: they are compared)."""
        wanted = set(run_dirs)
        selection = QItemSelection()
        for row, s in enumerate(self.summaries):
            if s.path in wanted:
                selection.select(self.table.model().index(row, 0),
                                 self.table.model().index(row, self.table.columnCount() - 1))
        self.table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _selected(self) -> RunSummary | None:
        rows = self.table.selectionModel().selectedRows()
        return self.summaries[rows[0].row()] if rows else None

    def selected_runs(self) -> list[Path]:
        """The selected runs' folders, in the table's order."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.summaries[r].path for r in rows]

    def shutdown(self) -> None:
        self.compare.shutdown()

    def _on_selection(self) -> None:
        chosen = self.selected_runs()
        if len(chosen) >= 2:
            for button in (self.open_button, self.results_button, self.resume_button):
                button.setEnabled(False)
            self.lower_stack.setCurrentWidget(self.compare)
            self.compare.show_runs(chosen)
            return
        self.lower_stack.setCurrentIndex(0)
        summary = self._selected()
        self.open_button.setEnabled(summary is not None)
        has_model = summary is not None and RunLayout(summary.path).has_model()
        self.results_button.setEnabled(has_model)
        resumable = summary is not None and can_resume(summary)
        self.resume_button.setEnabled(resumable)
        if summary is None:
            return
        self.history.clear()
        self.history.add(iter_run_events(summary.path))
        self.plots.draw(self.history)
        outcome = tr("This run is being trained right now.") if summary.running else (
            summary.finished.detail if summary.finished else
            tr("This run did not finish (the app or the computer stopped during training)."))
        if resumable:
            outcome += " " + tr("Resume continues it where it was last saved.")
        classes = ", ".join(summary.classes) if summary.classes else "—"
        self.detail.setText(tr("<b>{run}</b> · {model} · classes: {classes}<br>{outcome}", run=summary.name,
                               model=summary.arch, classes=classes, outcome=outcome) + saved_model_lines(summary))
        self.run_selected.emit(summary.path)

    def _request_results(self) -> None:
        summary = self._selected()
        if summary is not None:
            self.results_requested.emit(summary.path)

    def _request_resume(self) -> None:
        summary = self._selected()
        if summary is not None and can_resume(summary):
            self.resume_requested.emit(summary.path)

    def _open_folder(self) -> None:
        summary = self._selected()
        if summary is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(summary.path)))
