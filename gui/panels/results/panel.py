"""Step 4: results people can act on. The figures that matter, the confusion matrix whose cells open the
images behind them, the most confident mistakes, and Grad-CAM for any of those images.

Evaluation runs in the background with progress (or is read back from the run folder when it was done
before); everything after that (threshold, cells, galleries) works on the stored probabilities.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.core.i18n import tr, trn
from engine.core.run_layout import RunLayout
from engine.evaluation.evaluate import RunEvaluation, SetEvaluation, evaluate_run, load_evaluation
from engine.evaluation.metrics import at_threshold, roc
from engine.help.glossary import tip
from engine.run.folder import no_model_sentence
from gui.jobs.controller import TaskState
from gui.jobs.task_slot import TaskSlot
from gui.panels.results.confusion_matrix import ConfusionMatrixView
from gui.panels.results.export_dialog import ExportButton
from gui.panels.results.metrics_view import MetricsView
from gui.panels.results.report_actions import ReportButton
from gui.panels.results.result_plots import ReliabilityPlot, RocPlot
from gui.panels.results.saved_model import SavedModel, read_saved_model, shown_title
from gui.widgets.app_settings import choose_folder
from gui.widgets.common import MessageLabel
from gui.widgets.gallery import GalleryItem, ImageGallery, evaluation_items
from gui.widgets.gradcam_view import GradCamView

#: Galleries follow the threshold slider once it rests this long (decoding thumbnails per tick is wasteful).
GALLERY_DELAY_MS = 250


def _load_or_evaluate(run_dir: Path, data_dir: str | None, reuse: bool,
                      state: TaskState) -> tuple[RunEvaluation, SavedModel]:
    saved = read_saved_model(run_dir)
    if reuse and data_dir is None:
        stored = load_evaluation(run_dir)
        if stored is not None:
            return stored, saved
    return evaluate_run(run_dir, data_dir, progress=state.set_progress, cancel=state), saved


class ResultsPanel(QWidget):
    """``evaluated(RunEvaluation)`` fires when a run's results are on screen."""

    evaluated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir: Path | None = None
        self.evaluation: RunEvaluation | None = None
        self.current: SetEvaluation | None = None
        self.saved: SavedModel | None = None  # whose figures these are (epoch), and what its training did
        self.positive = 1
        self._slot = TaskSlot(self)
        self._gallery_timer = QTimer(self, singleShot=True, interval=GALLERY_DELAY_MS)
        self._gallery_timer.timeout.connect(self._refresh_galleries)
        self._cell: tuple[int, int] | None = None
        self._build()

    def _build(self) -> None:
        self.title = QLabel(tr("Train a model or open a past run to see its results."))
        self.title.setWordWrap(True)
        self.set_combo = QComboBox()
        self.set_combo.setToolTip(tr("Which images the figures are about"))
        self.set_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.set_combo.activated.connect(self._on_set_chosen)
        self.folder_button = QPushButton(tr("Evaluate on another folder…"))
        self.folder_button.setToolTip(tr("Measure the model on new labelled images (one subfolder per class)."))
        self.folder_button.clicked.connect(self._choose_folder)
        self.open_button = QPushButton(tr("Open results folder"))
        self.open_button.clicked.connect(self._open_folder)
        self.export_button = ExportButton(self)
        self.report_button = ReportButton(self)
        self.report_button.message.connect(self._on_report_message)
        self.progress = QProgressBar()
        self.progress.setFormat(tr("Evaluating the saved model… %p%"))
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        self.message = MessageLabel()
        self.verdict = MessageLabel()  # the saved model's figure next to chance and the majority class
        header = QHBoxLayout()
        for widget, stretch in ((self.title, 1), (self.set_combo, 0), (self.folder_button, 0),
                                (self.report_button, 0), (self.open_button, 0), (self.export_button, 0)):
            header.addWidget(widget, stretch)
        busy = QHBoxLayout()
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.cancel_button)

        self.metrics = MetricsView()
        self.metrics.threshold_changed.connect(self._on_threshold)
        self.metrics.positive_changed.connect(self._on_positive)
        self.matrix = ConfusionMatrixView()
        self.matrix.cell_clicked.connect(self._on_cell)
        self.roc_plot = RocPlot()
        self.reliability = ReliabilityPlot()
        self.charts = QTabWidget()
        self.charts.addTab(self.matrix, tr("Confusion matrix"))
        self.charts.addTab(self.roc_plot, tr("ROC curve"))
        self.charts.addTab(self.reliability, tr("Calibration"))
        for index, key in enumerate(("confusion_matrix", "roc_curve", "reliability")):
            self.charts.setTabToolTip(index, tip(key))
        self.mistakes = ImageGallery(tr("No mistakes on these images."))
        self.cell_gallery = ImageGallery(tr("No images in this cell."))
        self.galleries = QTabWidget()
        self.galleries.addTab(self.mistakes, tr("Most confident mistakes"))
        self.galleries.addTab(self.cell_gallery, tr("Confusion-matrix cell"))
        self.gradcam = GradCamView()
        for gallery in (self.mistakes, self.cell_gallery):
            gallery.current_changed.connect(self.gradcam.show_image)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.metrics)
        top.addWidget(self.charts)
        top.setStretchFactor(1, 1)
        top.setSizes([440, 800])
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.galleries)
        bottom.addWidget(self.gradcam)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 2)
        self.body = QSplitter(Qt.Orientation.Vertical)
        self.body.addWidget(top)
        self.body.addWidget(bottom)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(busy)
        layout.addWidget(self.message)
        layout.addWidget(self.metrics.summary)
        layout.addWidget(self.verdict)
        layout.addWidget(self.body, 1)
        self._set_busy(False)
        self.body.setVisible(False)

    # -- public ----------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._slot.running

    def show_run(self, run_dir: str | Path, *, reuse: bool = True) -> None:
        """Show a run's results: read back from its folder when possible, else evaluate in the background."""
        self.run_dir = Path(run_dir)
        self.evaluation, self.current = None, None
        self.title.setText(f"<b>{self.run_dir.name}</b>")
        self.set_combo.clear()
        self.body.setVisible(False)
        self.metrics.summary.setText("")
        self.verdict.clear_message()
        self.message.clear_message()
        has_model = RunLayout(self.run_dir).has_model()
        self.export_button.set_run(self.run_dir if has_model else None)
        self.report_button.set_run(self.run_dir if has_model else None)
        if not has_model:
            self._slot.cancel()
            self._set_busy(False)
            self.message.show_warning(no_model_sentence(self.run_dir))
            return
        self._start(None, reuse)

    def evaluate_folder(self, data_dir: str | Path) -> None:
        """Evaluate the shown run's model on a new labelled folder, in the background."""
        if self.run_dir is not None:
            self._start(str(data_dir), reuse=False)

    def cancel(self) -> None:
        self._slot.cancel()
        self._set_busy(False)
        self.message.show_warning(tr("Evaluation cancelled."))

    def shutdown(self) -> None:
        self._gallery_timer.stop()
        for part in (self._slot, self.mistakes, self.cell_gallery, self.gradcam, self.export_button,
                     self.report_button):
            part.shutdown()

    def threshold(self) -> float | None:
        """The decision threshold with two classes, else ``None`` (the most probable class wins)."""
        if self.current is None or len(self.current.class_names) != 2:
            return None
        return self.metrics.threshold

    # -- evaluation ------------------------------------------------------------------------------------

    def _start(self, data_dir: str | None, reuse: bool) -> None:
        run_dir = self.run_dir
        assert run_dir is not None
        self._set_busy(True)
        self.progress.setRange(0, 0)
        self.message.show_info(tr("Measuring the saved model on the images in {folder}…", folder=Path(data_dir).name)
                               if data_dir else tr("Measuring the saved model on its validation (and test) images…"))
        self._slot.start(lambda state: _load_or_evaluate(run_dir, data_dir, reuse, state), self._on_evaluated,
                         self._on_failed, self._on_progress)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _on_failed(self, message: str) -> None:
        self._set_busy(False)
        self.message.show_error(message)

    def _on_evaluated(self, result: tuple[RunEvaluation, SavedModel]) -> None:
        evaluation, self.saved = result
        self._set_busy(False)
        self.message.clear_message()
        shown = evaluation.primary.name
        if self.evaluation is not None:  # a folder evaluation joins the sets already shown
            merged = {s.name: s for s in self.evaluation.sets} | {s.name: s for s in evaluation.sets}
            evaluation = RunEvaluation(evaluation.run_dir, tuple(merged.values()))
        self.evaluation = evaluation
        self.set_combo.clear()
        for s in evaluation.sets:
            self.set_combo.addItem(trn("{title} ({n:,} image)", "{title} ({n:,} images)", len(s.labels),
                                       title=shown_title(s.title)), s.name)
        self.set_combo.setVisible(True)
        notes = [n for s in evaluation.sets for n in s.notes]
        failed = sum(len(s.failed) for s in evaluation.sets)
        if failed:
            notes.append(trn("{n:,} image could not be read and was left out.",
                             "{n:,} images could not be read and were left out.", failed))
        if notes:
            self.message.show_warning(" ".join(notes))
        self.body.setVisible(True)
        self._show_set(shown)
        self.evaluated.emit(evaluation)

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.folder_button.setEnabled(not busy and self.run_dir is not None)
        self.set_combo.setVisible(self.set_combo.count() > 0)
        self.open_button.setEnabled(self.run_dir is not None)

    # -- showing one set -------------------------------------------------------------------------------

    def _on_set_chosen(self, _index: int) -> None:
        self._show_set(self.set_combo.currentData())

    def _show_set(self, name: str | None) -> None:
        result = self.evaluation.get(name) if self.evaluation is not None and name else None
        if result is None:
            return
        self.current = result
        self.set_combo.setCurrentIndex(max(self.set_combo.findData(name), 0))
        self.positive = result.positive
        self._cell = None
        binary = len(result.class_names) == 2
        self.metrics.slider.blockSignals(True)
        self.metrics.slider.setValue(50)
        self.metrics.threshold_label.setText("0.50")
        self.metrics.slider.blockSignals(False)
        self.metrics.subject = self.saved.subject(result.title) if self.saved is not None else ""
        self.metrics.set_metrics(result.metrics)
        if self.saved is not None:
            text, weak = self.saved.verdict(result.metrics, result.title)
            (self.verdict.show_warning if weak else self.verdict.show_info)(text)
        self.matrix.set_matrix(result.metrics["confusion_matrix"], result.class_names)
        self.charts.setTabEnabled(self.charts.indexOf(self.roc_plot), binary)
        if binary:
            self._show_roc()
        cal = result.metrics["calibration"]
        self.reliability.set_bins(cal["bins"], cal["ece"])
        self.gradcam.set_model(self.run_dir, result.class_names)
        self.cell_gallery.set_items(tr("Click a cell of the confusion matrix to see its images."), [])
        self._refresh_galleries()
        self._gallery_timer.stop()  # already up to date

    def _show_roc(self) -> None:
        result = self.current
        assert result is not None
        curve = roc(result.labels, result.probs[:, self.positive], positive=self.positive)
        self.roc_plot.set_curve(curve.fpr, curve.tpr, curve.auc, result.class_names[self.positive])
        self._on_threshold(self.metrics.threshold)

    def _on_positive(self, index: int) -> None:
        if self.current is not None:
            self.positive = index
            self._show_roc()

    def _on_threshold(self, threshold: float) -> None:
        """Live: confusion matrix, per-class table and the two-class figures at the new threshold."""
        result = self.current
        if result is None or len(result.class_names) != 2:
            return
        m = {**result.metrics, **at_threshold(result.labels, result.probs, result.class_names,
                                              positive=self.positive, threshold=threshold)}
        self.metrics.set_metrics(m)
        self.matrix.set_matrix(m["confusion_matrix"], result.class_names)
        b = m["binary"]
        self.roc_plot.set_point(None if b["specificity"] is None else 1 - b["specificity"], b["sensitivity"])
        self._gallery_timer.start()

    def _on_cell(self, true_index: int, predicted_index: int) -> None:
        self._cell = (true_index, predicted_index)
        self._refresh_cell()
        self.galleries.setCurrentWidget(self.cell_gallery)

    def _refresh_galleries(self) -> None:
        result = self.current
        if result is None:
            return
        mistakes = result.confident_mistakes(threshold=self.threshold(), positive=self.positive)
        title = (tr("The {n} most confident mistakes first: check their labels.", n=len(mistakes)) if mistakes
                 else tr("No mistakes on these images. Click a confusion-matrix cell to look at the others."))
        self.mistakes.set_items(title, self._items(mistakes))
        self._refresh_cell()

    def _refresh_cell(self) -> None:
        result = self.current
        if result is None or self._cell is None:
            return
        t, p = self._cell
        members = result.cell(t, p, threshold=self.threshold(), positive=self.positive)
        names = result.class_names
        self.cell_gallery.set_items(trn("{n:,} image of {true} answered {answer}",
                                        "{n:,} images of {true} answered {answer}", len(members), true=names[t],
                                        answer=names[p]), self._items(members))

    def _items(self, indices: list[int]) -> list[GalleryItem]:
        result = self.current
        assert result is not None
        return evaluation_items(result, indices, result.predicted(self.threshold(), self.positive))

    # -- buttons ---------------------------------------------------------------------------------------

    def _choose_folder(self) -> None:
        folder = choose_folder(self, tr("Choose a labelled folder (one subfolder per class)"))
        if folder:
            self.evaluate_folder(folder)

    def _on_report_message(self, kind: str, text: str) -> None:
        {"info": self.message.show_info, "ok": self.message.show_ok}.get(kind, self.message.show_error)(text)

    def _open_folder(self) -> None:
        if self.run_dir is None:
            return
        target = RunLayout(self.run_dir).evaluation
        name = self.set_combo.currentData()
        if name and RunLayout(self.run_dir).evaluation_set(name).folder.is_dir():
            target = RunLayout(self.run_dir).evaluation_set(name).folder
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target if target.is_dir() else self.run_dir)))

