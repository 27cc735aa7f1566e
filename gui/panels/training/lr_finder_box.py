"""The learning-rate finder's result: the range-test plot, the suggestion, and "Use it" in one click."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.config import StopReason
from engine.core.i18n import tr
from engine.run.events import LrFinderResult, RunFinished
from gui.widgets.plots import LrFinderPlot


class LrFinderBox(QGroupBox):
    """Hidden until a test starts. ``apply_lr(float)`` is emitted when the user takes the suggestion."""

    apply_lr = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Learning-rate finder"), parent)
        self.plot = LrFinderPlot()
        self.plot.setMinimumHeight(140)
        self.setMaximumHeight(230)  # the training plots below keep most of the room
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.apply_button = QPushButton(tr("Use it"))
        self.apply_button.clicked.connect(self._apply)
        self.suggested_lr: float | None = None
        top = QHBoxLayout()
        top.addWidget(self.message, 1)
        top.addWidget(self.apply_button)
        inner = QVBoxLayout(self)
        inner.addLayout(top)
        inner.addWidget(self.plot)
        self.setVisible(False)

    def started(self) -> None:
        self.setVisible(True)
        self.message.setText(tr("Trying learning rates on a few batches…"))
        self.apply_button.setEnabled(False)

    def show_result(self, result: LrFinderResult) -> None:
        self.setVisible(True)
        self.plot.show_result(result.lrs, result.losses, result.suggested_lr)
        self.message.setText(result.message)
        self.suggested_lr = result.suggested_lr
        self.apply_button.setEnabled(result.suggested_lr is not None)
        if result.suggested_lr is not None:
            self.apply_button.setText(tr("Use {lr:.2g}", lr=result.suggested_lr))

    def finished(self, finished: RunFinished) -> None:
        if finished.reason is not StopReason.FINISHED:
            self.message.setText(finished.detail)

    def _apply(self) -> None:
        if self.suggested_lr is not None:
            self.apply_lr.emit(self.suggested_lr)
            self.message.setText(tr("The learning rate is now {lr:.2g}.", lr=self.suggested_lr))
            self.apply_button.setEnabled(False)
