"""Step 3: training settings, Train / Pause / Stop / Resume, live figures, banners and the plots.

Everything shown while training comes from engine events (coalesced by the controller to ~10 per second);
the panel never computes anything slow itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine.config import EarlyStoppingConfig, OptimConfig, StopReason, TrainConfig
from engine.core.i18n import tr
from engine.run.events import (
    BatchEnded,
    EpochEnded,
    EpochTimeEstimate,
    Event,
    LrFinderResult,
    Notice,
    OverfitWarning,
    Progress,
    RunFinished,
    RunPaused,
    RunStarted,
)
from engine.training.device import format_duration, several_gpu_devices
from gui.panels.training import sentences
from gui.panels.training.gpu_choice import GpuChoice
from gui.panels.training.lr_finder_box import LrFinderBox
from gui.panels.training.options import TrainingOptions
from gui.state import ModelChoice, RunHistory, TrainingBasics
from gui.widgets.common import MessageLabel
from gui.widgets.plots import TrainingPlots

__all__ = ["TrainingPanel", "format_duration"]


class TrainingPanel(QWidget):
    """Signals the buttons' requests, and ``basics_changed(TrainingBasics)`` when the image size, batch size or
    number of epochs changes (other steps depend on them: gui/state/studio.py)."""

    basics_changed = Signal(object)
    train_requested = Signal()
    stop_requested = Signal()
    pause_requested = Signal(bool)
    resume_requested = Signal(object)  # the run folder to continue
    find_lr_requested = Signal()
    fast_path_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.options = TrainingOptions()
        self.options.find_lr_requested.connect(self._on_find_lr)
        self.options.edit_augmentation.connect(self.edit_augmentation)
        for box in (self.options.epochs, self.options.batch_size, self.options.image_size):
            box.valueChanged.connect(self._on_basics_changed)
        self.dataset: Any = None
        self.history = RunHistory()  # what the plots draw, and what the labels read (the best epoch)
        self.resumable_run: Path | None = None
        self._steps_per_epoch = 0
        self._epochs = 0
        self._paused = False
        splitter = QSplitter()
        splitter.addWidget(self.options)
        splitter.addWidget(self._make_live_column())
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([470, 800])
        splitter.setChildrenCollapsible(False)
        layout = QHBoxLayout(self)
        layout.addWidget(splitter)
        self._hide_estimate()
        self.set_running(False)

    def _make_buttons(self) -> QHBoxLayout:
        self.train_button = QPushButton(tr("Train"))
        self.train_button.setDefault(True)
        self.train_button.setMinimumHeight(32)
        self.train_button.clicked.connect(self.train_requested)
        self.pause_button = QPushButton(tr("Pause"))
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.stop_button = QPushButton(tr("Stop"))
        self.stop_button.clicked.connect(self._on_stop_clicked)
        self.resume_button = QPushButton(tr("Resume this run"))
        self.resume_button.setToolTip(tr("Continue the interrupted run from its last checkpoint."))
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.resume_button.setVisible(False)
        return _row(self.train_button, self.pause_button, self.stop_button, self.resume_button)

    def _make_live_column(self) -> QWidget:
        """Buttons, progress, live figures, banners and plots, top to bottom."""
        buttons = self._make_buttons()
        self.gpu_choice = GpuChoice(several_gpu_devices())  # hidden with fewer than two GPUs
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.eta = QLabel("")
        self.live = QLabel("")  # images/s, learning rate, GPU memory
        self.stopping = QLabel("")  # early stopping: what it watches and how close it is to stopping
        for label in (self.live, self.stopping):
            label.setWordWrap(True)
        self.status, self.estimate, self.overfit_banner = MessageLabel(), MessageLabel(), MessageLabel()
        self.verdict = MessageLabel()  # after a run: the saved model next to chance, and what to try if weak
        self.fast_path_button = QPushButton(tr("Switch to the fast path"))
        self.fast_path_button.clicked.connect(self._on_fast_path)
        self.keep_going_button = QPushButton(tr("Keep going"))
        self.keep_going_button.clicked.connect(self._hide_estimate)
        self.lr_box = LrFinderBox()
        self.lr_box.apply_lr.connect(self.options.lr.setValue)
        self.plots = TrainingPlots()
        self.plots.setMinimumHeight(380)
        right = QWidget()
        column = QVBoxLayout(right)
        column.addLayout(buttons)
        column.addWidget(self.gpu_choice)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.eta)
        column.addLayout(progress_row)
        for widget in (self.live, self.stopping, self.status, self.verdict, self.estimate):
            column.addWidget(widget)
        column.addLayout(_row(self.fast_path_button, self.keep_going_button))
        column.addWidget(self.overfit_banner)
        column.addWidget(self.lr_box)
        column.addWidget(self.plots, 1)
        return right

    # -- settings (the skeleton's names stay) ------------------------------------------------------------

    @property
    def epochs(self) -> Any:
        return self.options.epochs

    @property
    def batch_size(self) -> Any:
        return self.options.batch_size

    @property
    def image_size(self) -> Any:
        return self.options.image_size

    @property
    def lr(self) -> Any:
        return self.options.lr

    def basics(self) -> TrainingBasics:
        o = self.options
        return TrainingBasics(o.image_size.value(), o.batch_size.value(), o.epochs.value())

    def set_basics(self, *, image_size: int | None = None, batch_size: int | None = None,
                   epochs: int | None = None) -> None:
        """Show these settings as if the user had typed them (``None`` keeps one as it is)."""
        for box, value in ((self.options.image_size, image_size), (self.options.batch_size, batch_size),
                           (self.options.epochs, epochs)):
            if value is not None:
                box.setValue(value)

    def _on_basics_changed(self) -> None:
        self.basics_changed.emit(self.basics())

    def show_model(self, model: ModelChoice | None) -> None:
        """The model chosen in step 2: its new output layer's dropout is shown with the regularisation."""
        self.options.show_head_dropout(model.head.dropout if model is not None else 0.0)

    def optim_config(self) -> OptimConfig:
        return self.options.optim_config()

    def early_stopping_config(self) -> EarlyStoppingConfig:
        return self.options.early_stopping_config()

    def apply_to(self, config: TrainConfig) -> TrainConfig:
        return self.options.apply_to(config)

    def set_from(self, config: TrainConfig) -> None:
        self.options.set_from(config)

    def set_dataset(self, report: Any) -> None:
        """The current data report (for the augmentation preview's example images)."""
        self.dataset = report

    # -- run state --------------------------------------------------------------------------------------

    def set_running(self, running: bool) -> None:
        for widget in (self.train_button, self.gpu_choice, self.options.find_lr):
            widget.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.pause_button.setEnabled(running)
        self.stop_button.setText(tr("Stop"))
        self._paused = False
        self.pause_button.setText(tr("Pause"))
        if running:
            self.offer_resume(None)

    def chosen_gpus(self) -> tuple[int, ...]:
        return self.gpu_choice.chosen()  # two or more: one torchrun launch (gpu_choice.py)

    def show_error(self, message: str) -> None:
        self.status.show_error(message)

    def clear_refusal(self, fact: str = "") -> None:
        """A choice changed (``fact``, gui/state): an error about the choices before (a refusal to start, a run
        that failed for want of weights) no longer describes them, so it goes. A job's own news stays."""
        if fact != "run" and self.status.kind == "error":
            self.status.clear_message()

    def begin(self) -> None:
        self.history.clear()
        self.plots.draw(self.history)
        self.progress.setValue(0)
        self.eta.setText(tr("Starting…"))
        for label in (self.live, self.stopping):
            label.setText("")
        self.overfit_banner.clear_message()
        self.verdict.clear_message()
        self._hide_estimate()
        self.lr_box.setVisible(False)
        self.status.show_info(tr("Preparing the data and the model…"))
        self.set_running(True)

    def on_events(self, events: list[Event]) -> None:
        if self.history.add(events):
            self.plots.draw(self.history)
        last_batch: BatchEnded | None = None
        for event in events:
            if isinstance(event, BatchEnded):
                last_batch = event  # of a run of batch events only the newest matters for the labels
                continue
            if last_batch is not None:  # in order: a pause after these batches must win
                self._on_batch(last_batch)
                last_batch = None
            self._on_event(event)
        if last_batch is not None:
            self._on_batch(last_batch)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._on_started(event)
        elif isinstance(event, EpochEnded):
            self._on_epoch(event)
        elif isinstance(event, Progress):
            self._on_progress(event)
        elif isinstance(event, EpochTimeEstimate):
            self._on_estimate(event)
        elif isinstance(event, OverfitWarning):
            self.overfit_banner.show_warning(event.message)
        elif isinstance(event, RunPaused):
            self._on_paused(event)
        elif isinstance(event, LrFinderResult):
            self.lr_box.show_result(event)
        elif isinstance(event, Notice):
            (self.status.show_warning if event.level == "warning" else self.status.show_info)(event.message)

    def _on_started(self, event: RunStarted) -> None:
        self._steps_per_epoch, self._epochs = event.steps_per_epoch, event.epochs
        self.progress.setRange(0, max(event.epochs * event.steps_per_epoch, 1))
        self.progress.setFormat("%p%")
        self.progress.setValue(event.resumed_from_epoch * event.steps_per_epoch)
        self.status.show_info(" ".join([sentences.started_sentence(event), *event.notes]))
        self._show_stopping(None)

    def _on_batch(self, event: BatchEnded) -> None:
        steps = event.steps or self._steps_per_epoch
        if steps != self._steps_per_epoch and steps:  # the batch size changed (out of memory)
            self._steps_per_epoch = steps
            self.progress.setRange(0, max(self._epochs * steps, 1))
        self.progress.setValue((event.epoch - 1) * steps + event.step)
        self.eta.setText(sentences.eta_text(event, self._epochs))
        self.live.setText(sentences.live_text(event))

    def _on_epoch(self, event: EpochEnded) -> None:
        self.progress.setValue(event.epoch * self._steps_per_epoch)
        self._show_stopping(event)

    def _show_stopping(self, event: EpochEnded | None) -> None:
        config = self.options.early_stopping_config()
        self.stopping.setText(sentences.stopping_sentence(config, event, self.history.best_epoch))

    def _on_progress(self, event: Progress) -> None:
        total = max(int(event.total), 1)
        self.progress.setRange(0, total)
        self.progress.setValue(int(event.done))
        self.progress.setFormat(sentences.progress_format(event))

    def _on_estimate(self, event: EpochTimeEstimate) -> None:
        offer = event.fast_path_seconds is not None
        (self.estimate.show_warning if offer else self.estimate.show_info)(event.message)
        self.fast_path_button.setVisible(offer)
        self.keep_going_button.setVisible(offer)

    def _hide_estimate(self) -> None:
        self.estimate.clear_message()
        self.fast_path_button.setVisible(False)
        self.keep_going_button.setVisible(False)

    def _on_fast_path(self) -> None:
        """Frozen base, no augmentation, cached features: then ask for a new run."""
        from engine.config import Augmentation

        index = self.options.augmentation.findData(Augmentation.NONE)
        self.options.augmentation.setCurrentIndex(index)
        self.options.feature_cache.setChecked(True)
        self._hide_estimate()
        self.fast_path_requested.emit()

    def _on_paused(self, event: RunPaused) -> None:
        if event.paused:
            self.status.show_info(tr("Paused in epoch {epoch}. Nothing is lost: press Continue to go on.",
                                     epoch=event.epoch))
            self.eta.setText(tr("paused"))
        else:
            self.status.show_info(tr("Training continues."))

    def on_finished(self, finished: RunFinished) -> None:
        self.set_running(False)
        if self.history.add([finished]):
            self.plots.draw(self.history)
        self.eta.setText("")
        self._hide_estimate()
        overfit = self.history.overfit
        if overfit is not None and self.overfit_banner.isVisibleTo(self):  # "what happens next" is over now
            self.overfit_banner.show_warning(sentences.overfit_summary(overfit, finished))
        # The bar's text was the last step's ("Measuring the best model…: 40 of 40"); say what it ended as.
        if finished.reason is StopReason.FAILED:
            self.progress.setFormat(tr("Failed"))
            self.status.show_error(finished.detail)
        elif finished.reason is StopReason.CANCELLED:
            self.progress.setFormat(tr("Cancelled"))
            self.status.show_warning(finished.detail)
        else:
            self.progress.setValue(self.progress.maximum())
            self.progress.setFormat(tr("Done"))
            self.status.show_ok(finished.detail)
        # No saved model: no line (an empty text hides it).
        text, weak = sentences.saved_model_verdict(finished) or ("", False)
        (self.verdict.show_warning if weak else self.verdict.show_info)(text)

    def offer_resume(self, run_dir: Path | None) -> None:
        """Show "Resume this run" for ``run_dir`` (``None`` hides it)."""
        self.resumable_run = run_dir
        self.resume_button.setVisible(run_dir is not None)

    def _on_resume_clicked(self) -> None:
        self.resume_requested.emit(self.resumable_run)

    def _on_stop_clicked(self) -> None:
        self.stop_button.setEnabled(False)
        self.pause_button.setEnabled(False)
        self.stop_button.setText(tr("Stopping…"))
        self.stop_requested.emit()

    def _on_pause_clicked(self) -> None:
        self._paused = not self._paused
        self.pause_button.setText(tr("Continue") if self._paused else tr("Pause"))
        if self._paused:
            self.status.show_info(tr("Pausing after the current batch…"))
        self.pause_requested.emit(self._paused)

    # -- learning-rate finder and augmentation ------------------------------------------------------------

    def _on_find_lr(self) -> None:
        self.options.find_lr.setEnabled(False)
        self.train_button.setEnabled(False)
        self.lr_box.started()
        self.find_lr_requested.emit()

    def on_lr_finder_finished(self, finished: RunFinished) -> None:
        self.options.find_lr.setEnabled(True)
        self.train_button.setEnabled(True)
        self.lr_box.finished(finished)

    def augment_dialog(self) -> Any:
        """The augmentation editor for the current settings (not yet shown)."""
        from gui.panels.training.augment_dialog import dialog_for

        return dialog_for(self.options, self.dataset, self)

    def edit_augmentation(self) -> None:
        dialog = self.augment_dialog()
        if dialog.exec():
            self.options.set_custom_augment(dialog.result_augment())
        dialog.deleteLater()  # a child of this panel: it (and its example images) would stay until the end


def _row(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row
