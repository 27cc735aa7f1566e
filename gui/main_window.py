"""The main window: composes the panels, the actions and the training controller. No logic of its own
beyond wiring: settings come from the panels as engine config objects, progress comes back as events."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QTabWidget, QWidget

from engine.config import DataConfig, Device, TrainConfig
from engine.dataset import DatasetReport
from engine.errors import ConfigError, StudioError
from engine.events import RunFinished
from engine.runfolder import new_run_dir, runs_root
from gui.controller import TrainingController
from gui.panels.data_panel import DataPanel
from gui.panels.model_panel import ModelPanel
from gui.panels.runs_panel import RunsPanel
from gui.panels.training_panel import TrainingPanel

log = logging.getLogger(__name__)

#: How long closing the window waits for a running training to save its checkpoint.
CLOSE_TIMEOUT_S = 15.0


class MainWindow(QMainWindow):
    def __init__(self, runner_kind: str = "process", runs_dir: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Finetune Studio")
        self.resize(1200, 760)
        self.setAcceptDrops(True)
        self.runs_dir = runs_dir or runs_root()
        self.controller = TrainingController(runner_kind, self)

        self.data_panel = DataPanel()
        self.model_panel = ModelPanel()
        self.training_panel = TrainingPanel()
        self.runs_panel = RunsPanel(self.runs_dir)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.data_panel, "1 · Data")
        self.tabs.addTab(self.model_panel, "2 · Model")
        self.tabs.addTab(self.training_panel, "3 · Train")
        self.tabs.addTab(self.runs_panel, "Past runs")
        self.setCentralWidget(self.tabs)

        self.data_panel.report_changed.connect(self._on_report)
        self.training_panel.train_requested.connect(self.start_training)
        self.training_panel.stop_requested.connect(self.controller.stop)
        self.controller.events.connect(self.training_panel.on_events)
        self.controller.finished.connect(self._on_finished)
        self._make_menu()
        self.statusBar().showMessage("Choose an image folder to begin.")

    def _make_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open image folder…", self)
        open_action.setShortcut(QKeySequence.Open)
        open_action.triggered.connect(self._choose_folder)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(open_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the image folder")
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str | Path) -> None:
        self.tabs.setCurrentWidget(self.data_panel)
        self.data_panel.open_folder(folder)

    # -- drag and drop ---------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_folder(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        folder = _dropped_folder(event)
        if folder is not None:
            event.acceptProposedAction()
            self.open_folder(folder)

    # -- training --------------------------------------------------------------------------------------

    def _on_report(self, report: DatasetReport | None) -> None:
        if report is None:
            self.statusBar().showMessage("Reading the folder…")
            return
        if report.trainable:
            self.statusBar().showMessage(f"{len(report.classes)} classes, {report.total_images} images.")
            self.controller.prewarm()  # hide the seconds it takes to start torch
        else:
            self.statusBar().showMessage("This folder cannot be trained on yet: see the Data tab.")

    def build_config(self) -> TrainConfig:
        report = self.data_panel.report
        if report is None:
            raise ConfigError("Choose an image folder first (step 1).")
        report.require_trainable()
        return TrainConfig(
            data=DataConfig(report.root, image_size=self.training_panel.image_size.value()),
            model=self.model_panel.model_config(),
            optim=self.training_panel.optim_config(),
            early_stopping=self.training_panel.early_stopping_config(),
            strategy=self.model_panel.strategy(),
            device=Device.AUTO,
        )

    def start_training(self) -> None:
        if self.controller.running:
            return
        try:
            config = self.build_config()
        except StudioError as exc:  # every refusal is a sentence for the user
            self.tabs.setCurrentWidget(self.training_panel)
            self.training_panel.show_error(str(exc))
            return
        run_dir = new_run_dir(Path(config.data.data_dir).name, self.runs_dir)
        self.training_panel.begin()
        self.tabs.setCurrentWidget(self.training_panel)
        self.statusBar().showMessage(f"Training… the run is saved in {run_dir}")
        self.controller.start(config, run_dir)

    def _on_finished(self, finished: RunFinished) -> None:
        self.training_panel.on_finished(finished)
        self.statusBar().showMessage(finished.detail)
        self.runs_panel.refresh()
        if self.controller.run_dir is not None:
            self.runs_panel.select_run(self.controller.run_dir)

    # -- closing ---------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.controller.running:
            answer = QMessageBox.question(
                self, "Training is running",
                "Training is still running. Stop it and close? The best model so far is saved.",
                QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
            if answer != QMessageBox.Yes:
                event.ignore()
                return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop the training child, the warm child and background tasks (bounded waits)."""
        self.controller.shutdown(CLOSE_TIMEOUT_S)
        self.data_panel.shutdown()
        self.model_panel.shutdown()


def _dropped_folder(event: QDragEnterEvent | QDropEvent) -> str | None:
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and Path(url.toLocalFile()).is_dir():
            return url.toLocalFile()
    return None

