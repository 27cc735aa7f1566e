"""Step 3: training settings, Train/Stop, progress with ETA, live plots and the final sentence."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from engine.config import EarlyStoppingConfig, OptimConfig, StopReason
from engine.events import BatchEnded, Event, Notice, Progress, RunFinished, RunStarted
from gui.plots import TrainingPlots
from gui.widgets import MessageLabel


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


class TrainingPanel(QWidget):
    train_requested = Signal()
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.epochs = _spin(1, 1000, 10, "How many times the model sees every training image (at most).")
        self.batch_size = _spin(1, 1024, 16, "Images per step. Lower it if the computer runs out of memory.")
        self.image_size = _spin(32, 1024, 224, "Images are resized to this many pixels square. 224 is what "
                                               "most pretrained models expect.")
        self.image_size.setSingleStep(16)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(0.00001, 1.0)
        self.lr.setSingleStep(0.001)
        self.lr.setValue(0.01)
        self.lr.setToolTip("How big each learning step is. Pretrained layers use a tenth of it.")
        self.early_stop = QCheckBox("Stop early when validation stops improving")
        self.early_stop.setChecked(True)
        self.patience = _spin(1, 100, 3, "How many epochs without improvement to wait before stopping.")
        self.early_stop.toggled.connect(self.patience.setEnabled)

        settings = QGroupBox("Settings")
        form = QFormLayout(settings)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Learning rate", self.lr)
        form.addRow("Image size", self.image_size)
        form.addRow(self.early_stop)
        form.addRow("Patience (epochs)", self.patience)

        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.train_button.setMinimumHeight(32)
        self.train_button.clicked.connect(self.train_requested)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self._on_stop_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.stop_button)

        left = QVBoxLayout()
        left.addWidget(settings)
        left.addLayout(buttons)
        left.addStretch(1)

        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.eta = QLabel("")
        self.status = MessageLabel()
        self.plots = TrainingPlots()
        right = QVBoxLayout()
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.eta)
        right.addLayout(row)
        right.addWidget(self.status)
        right.addWidget(self.plots, 1)

        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)
        self._started_at = 0.0
        self._total_steps = 0
        self._steps_per_epoch = 0

    # -- settings --------------------------------------------------------------------------------------

    def optim_config(self) -> OptimConfig:
        return OptimConfig(epochs=self.epochs.value(), batch_size=self.batch_size.value(), lr=self.lr.value())

    def early_stopping_config(self) -> EarlyStoppingConfig:
        return EarlyStoppingConfig(enabled=self.early_stop.isChecked(), patience=self.patience.value())

    # -- run state --------------------------------------------------------------------------------------

    def set_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.stop_button.setText("Stop")

    def show_error(self, message: str) -> None:
        self.status.show_error(message)

    def begin(self) -> None:
        self.plots.clear()
        self.progress.setValue(0)
        self.eta.setText("Starting…")
        self.status.show_info("Preparing the data and the model…")
        self._started_at = time.monotonic()
        self.set_running(True)

    def on_events(self, events: list[Event]) -> None:
        self.plots.add_events(events)
        for event in events:
            if isinstance(event, RunStarted):
                self._steps_per_epoch = event.steps_per_epoch
                self._total_steps = event.epochs * event.steps_per_epoch
                self._started_at = time.monotonic()
                self.progress.setRange(0, max(self._total_steps, 1))
                self.progress.setFormat("%p%")
                self.status.show_info(
                    f"Training on {event.device}: {event.train_images} training images, {event.val_images} "
                    f"validation images, {event.trainable_params:,} of {event.total_params:,} parameters trained.")
            elif isinstance(event, BatchEnded):
                self._on_batch(event)
            elif isinstance(event, Progress):
                self._on_progress(event)
            elif isinstance(event, Notice) and event.level == "warning":
                self.status.show_warning(event.message)

    def _on_batch(self, event: BatchEnded) -> None:
        done = (event.epoch - 1) * event.steps + event.step
        self.progress.setValue(done)
        elapsed = time.monotonic() - self._started_at
        if done and self._total_steps:
            remaining = elapsed / done * (self._total_steps - done)
            self.eta.setText(f"epoch {event.epoch} · about {format_duration(remaining)} left")

    def _on_progress(self, event: Progress) -> None:
        total = max(int(event.total), 1)
        self.progress.setRange(0, total)
        self.progress.setValue(int(event.done))
        if event.total:
            self.progress.setFormat(f"{event.message}: {event.done / 1e6:.0f} of {event.total / 1e6:.0f} MB")
        else:
            self.progress.setFormat(f"{event.message}: {event.done / 1e6:.0f} MB")

    def on_finished(self, finished: RunFinished) -> None:
        self.set_running(False)
        self.plots.add_events([finished])
        self.eta.setText("")
        if finished.reason is StopReason.FAILED:
            self.status.show_error(finished.detail)
        elif finished.reason is StopReason.CANCELLED:
            self.status.show_warning(finished.detail)
        else:
            self.progress.setValue(self.progress.maximum())
            self.status.show_ok(finished.detail)

    def _on_stop_clicked(self) -> None:
        self.stop_button.setEnabled(False)
        self.stop_button.setText("Stopping…")
        self.stop_requested.emit()


def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tip)
    return box
