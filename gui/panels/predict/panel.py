"""Step 5: use the model. Drop images or a folder (or choose them); read the top classes, see Grad-CAM,
sort by confidence, flag the answers the model is not sure of, save the table as CSV."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSpinBox, QSplitter, QVBoxLayout, QWidget

from engine.core.errors import OutputError
from engine.core.i18n import tr, trn
from engine.data.images.decode import IMAGE_EXTENSIONS
from engine.evaluation.predict import Prediction, expand_image_paths, predict_images, write_predictions_csv
from engine.run.folder import RunFolder
from gui.jobs.controller import TaskState
from gui.jobs.task_slot import TaskSlot
from gui.panels.predict.inputs import is_prediction_drop, short_names
from gui.panels.predict.probability_bars import MAX_BARS, ProbabilityBars
from gui.panels.predict.table_model import CONFIDENCE, PredictionTableModel, prediction_view
from gui.widgets.app_settings import choose_files, choose_folder, choose_save_path
from gui.widgets.common import MessageLabel
from gui.widgets.gradcam_view import EXPLAINERS, GradCamView

__all__ = ["PredictPanel", "is_prediction_drop", "short_names"]  # the two helpers live in inputs.py


def _predict(run_dir: str, inputs: list[str], state: TaskState) -> list[Prediction]:
    exported, _ = EXPLAINERS.get(run_dir)
    paths = expand_image_paths(inputs)
    return list(predict_images(exported, paths, top_k=MAX_BARS, progress=state.set_progress, cancel=state))


class PredictPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.run_dir: str | None = None
        self.class_names: tuple[str, ...] = ()
        self.predictions: list[Prediction] = []
        self._slot = TaskSlot(self)
        self._build()

    def _build(self) -> None:
        self.model_label = QLabel(tr("No model yet: train one, or choose a past run."))
        self.run_button = QPushButton(tr("Use another run…"))
        self.run_button.clicked.connect(self._choose_run)
        self.images_button = QPushButton(tr("Choose images…"))
        self.images_button.clicked.connect(self._choose_images)
        self.folder_button = QPushButton(tr("Choose folder…"))
        self.folder_button.clicked.connect(self._choose_folder)
        self.save_button = QPushButton(tr("Save table as CSV…"))
        self.save_button.clicked.connect(self._choose_csv)
        self.unsure = QSpinBox()
        self.unsure.setRange(0, 100)
        self.unsure.setValue(70)
        self.unsure.setSuffix(" %")
        self.unsure.setToolTip(tr("Answers less sure than this are flagged “not sure”: check those yourself."))
        self.unsure.valueChanged.connect(self._mark_unsure)
        top = QHBoxLayout()
        top.addWidget(self.model_label, 1)
        top.addWidget(self.run_button)
        actions = QHBoxLayout()
        for widget in (self.images_button, self.folder_button, QLabel(tr("Not sure below")), self.unsure):
            actions.addWidget(widget)
        actions.addStretch(1)
        actions.addWidget(self.save_button)
        self.hint = QLabel(tr("Drop images or a folder of images here."))
        self.progress = QProgressBar()
        self.progress.setFormat(tr("Predicting… %v of %m images"))
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self._slot.cancel)
        self._slot.busy_changed.connect(self._set_busy)
        busy = QHBoxLayout()
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.cancel_button)
        self.message = MessageLabel()
        self.rows = PredictionTableModel(self)
        self.table = prediction_view(self.rows)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.bars = ProbabilityBars()
        self.gradcam = GradCamView()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.bars)
        right_layout.addWidget(self.gradcam, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        for part in (top, actions, busy):
            layout.addLayout(part)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self._set_busy(False)

    # -- public ----------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._slot.running

    @property
    def min_confidence(self) -> float:
        return self.unsure.value() / 100

    def set_run(self, run_dir: str | Path) -> None:
        """Predict with this run's saved model."""
        card = RunFolder(Path(run_dir)).read_model_card()
        if card is None:
            self.message.show_error(tr("No saved model was found in {folder}.", folder=run_dir))
            return
        names = card.class_names
        if str(run_dir) != self.run_dir:
            self._clear_predictions()  # they were another model's answers
        self.run_dir, self.class_names = str(run_dir), names
        self.model_label.setText(tr("Model: <b>{run}</b> · classes: {classes}", run=Path(run_dir).name,
                                    classes=", ".join(names)))
        self.gradcam.set_model(self.run_dir, names)
        self.message.clear_message()
        self._set_busy(self.busy)

    def _clear_predictions(self) -> None:
        self._slot.cancel()  # a prediction still running is the old model's too
        self.predictions = []
        self.rows.set_predictions([])
        self.bars.set_top(())
        self.gradcam.clear()

    def predict_paths(self, inputs: Sequence[str | Path]) -> None:
        """Predict image files and/or folders in the background; the table replaces the previous one."""
        if self.run_dir is None:
            self.message.show_warning(tr("Train a model first, or choose a past run with “Use another run…”."))
            return
        run_dir, items = self.run_dir, [str(p) for p in inputs]
        self.message.clear_message()
        self.progress.setRange(0, 0)
        self._slot.start(lambda state: _predict(run_dir, items, state), self.show_predictions,
                         self.message.show_error, self._on_progress)

    def save_csv(self, path: str | Path) -> Path | None:
        """Write the table: file, predicted class, probability, not sure, every class's probability.

        Returns ``None`` (and says why) when the place cannot be written."""
        try:
            out = write_predictions_csv(self.predictions, self.class_names, path,
                                        min_confidence=self.min_confidence)
        except OutputError as exc:
            self.message.show_error(str(exc))
            return None
        self.message.show_ok(tr("Saved {rows} rows to {file}.", rows=len(self.predictions), file=out))
        return out

    def shutdown(self) -> None:
        self._slot.shutdown()
        self.gradcam.shutdown()

    # -- results ---------------------------------------------------------------------------------------

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def show_predictions(self, predictions: list[Prediction]) -> None:
        """Show ``predictions`` in the table (what a prediction in the background ends with)."""
        self.predictions = predictions
        if not predictions:
            self.message.show_warning(tr("No image files were found in what you gave."))
        self.rows.set_min_confidence(self.min_confidence)
        self.rows.set_predictions(predictions)  # one reset, whatever the number of rows
        self.table.sortByColumn(CONFIDENCE, Qt.SortOrder.AscendingOrder)  # the least sure answers first: check those
        failed = sum(not p.ok for p in predictions)
        if failed:
            self.message.show_warning(trn("{n:,} file could not be read.", "{n:,} files could not be read.", failed))
        if predictions:
            self.table.selectRow(0)
        self._set_busy(False)

    def _mark_unsure(self, _threshold: int | None = None) -> None:
        self.rows.set_min_confidence(self.min_confidence)

    def prediction_at(self, row: int) -> Prediction | None:
        """The prediction shown in table row ``row`` (rows move when the user sorts)."""
        return self.rows.prediction(row)

    def _on_selection(self, *_selection: object) -> None:
        rows = self.table.selectionModel().selectedRows()
        prediction = self.prediction_at(rows[0].row()) if rows else None
        if prediction is None or not prediction.ok:
            self.bars.set_top(())
            return
        self.bars.set_top(prediction.top)
        self.gradcam.show_image(prediction.path)

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        has_model = self.run_dir is not None
        for button in (self.images_button, self.folder_button):
            button.setEnabled(has_model and not busy)
        self.save_button.setEnabled(bool(self.predictions) and not busy)

    # -- choosing and dropping -------------------------------------------------------------------------

    def _choose_images(self) -> None:
        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS))
        files = choose_files(self, tr("Choose images"), tr("Images ({patterns})", patterns=patterns))
        if files:
            self.predict_paths(list(files))

    def _choose_folder(self) -> None:
        folder = choose_folder(self, tr("Choose a folder of images"))
        if folder:
            self.predict_paths([folder])

    def _choose_csv(self) -> None:
        path = choose_save_path(self, tr("Save the table"), "answers.csv", tr("CSV (*.csv)"))
        if path:
            self.save_csv(path)

    def _choose_run(self) -> None:
        folder = choose_folder(self, tr("Choose a run folder (it holds model/)"), self.run_dir or "")
        if folder:
            self.set_run(folder)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.predict_paths(list(paths))
