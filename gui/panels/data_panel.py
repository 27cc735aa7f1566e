"""Step 1: choose the image folder; see its classes and image counts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QProgressBar,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from engine.dataset import DatasetReport, Outcome, scan_image_folder
from gui.controller import BackgroundTask, TaskState
from gui.widgets import MessageLabel

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "resources" / "sample_data" / "brain-mri"


class DataPanel(QWidget):
    """Emits ``report_changed`` with a :class:`DatasetReport` after each scan (``None`` while scanning)."""

    report_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: DatasetReport | None = None
        self._task: BackgroundTask | None = None

        intro = QLabel("Choose a folder that holds <b>one subfolder per class</b> (for example <i>cats/</i> and "
                       "<i>dogs/</i>), each with that class's images. You can also drop a folder on the window.")
        intro.setWordWrap(True)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("Image folder")
        self.path_edit.returnPressed.connect(lambda: self.open_folder(self.path_edit.text()))
        browse = QPushButton("Choose folder…")
        browse.clicked.connect(self._browse)
        sample = QPushButton("Use sample data")
        sample.setToolTip("Brain MRI scans in 4 classes, bundled with the app (CC0)")
        sample.clicked.connect(lambda: self.open_folder(SAMPLE_DATA))
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        row.addWidget(sample)

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = MessageLabel()
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Class", "Images"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.summary = QLabel()

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the image folder", self.path_edit.text())
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str | Path) -> None:
        """Scan ``folder`` in the background; the result arrives through ``report_changed``."""
        folder = str(folder).strip()
        if not folder:
            return
        if self._task is not None and self._task.running:
            self._task.cancel()
            self._task.wait()
        self.path_edit.setText(folder)
        self.report = None
        self.report_changed.emit(None)
        self.message.clear_message()
        self.summary.setText("Reading the folder…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        task = BackgroundTask(lambda state: _scan(folder, state), self)
        task.progress.connect(self._on_progress)
        task.done.connect(self._on_scanned)
        task.failed.connect(self._on_failed)
        self._task = task
        task.start()

    def shutdown(self) -> None:
        if self._task is not None and self._task.running:
            self._task.cancel()
            self._task.wait()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _on_failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self.summary.clear()
        self.message.show_error(message)

    def _on_scanned(self, report: DatasetReport) -> None:
        self.progress.setVisible(False)
        self.report = report
        self.table.setRowCount(len(report.classes))
        for row, (name, count) in enumerate(report.counts.items()):
            self.table.setItem(row, 0, QTableWidgetItem(name))
            item = QTableWidgetItem(str(count))
            item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            self.table.setItem(row, 1, item)
        skipped = len(report.outcomes(Outcome.SKIPPED))
        ignored = len(report.outcomes(Outcome.IGNORED))
        parts = [f"{len(report.classes)} classes", f"{report.total_images} images"]
        if skipped:
            parts.append(f"{skipped} unreadable files skipped")
        if ignored:
            parts.append(f"{ignored} system files ignored")
        self.summary.setText(", ".join(parts) + ".")
        if report.blocking:
            self.message.show_error("\n".join(p.message for p in report.blocking))
        elif report.warnings:
            self.message.show_warning("\n".join(p.message for p in report.warnings))
        else:
            self.message.show_ok("This folder is ready for training.")
        self.report_changed.emit(report)


def _scan(folder: str, state: TaskState) -> DatasetReport:
    return scan_image_folder(folder, progress=state.set_progress, cancel=state)
