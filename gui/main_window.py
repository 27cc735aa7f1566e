"""The main window: composes the panels, the actions and the training controller. No logic of its own
beyond wiring: settings come from the panels as engine config objects, progress comes back as events.
Starting jobs and following them to their end is :class:`~gui.window_jobs.WindowJobs`'s, which it builds on.

The panels share what they need through :class:`~gui.state.StudioState` (each fact set by one panel, observed
by the others) and talk to the window through their own signals and methods, never through each other's
widgets (tests/gui/test_panel_boundaries.py checks this module for that).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from engine.config import TrainConfig
from engine.core.errors import ConfigError
from engine.core.i18n import tr, trn
from engine.core.paths import runs_root
from engine.data.report import DatasetReport
from engine.help.guide import TAB_KEYS
from gui.drops import dropped_folder, dropped_images
from gui.jobs.controller import TrainingController
from gui.panels.data.panel import DataPanel
from gui.second_stage import (
    DATA_TAB,
    LATER_TABS,
    LOADING_STATUS,
    SecondStageLoader,
    import_second_stage,
    placeholder_page,
)
from gui.state import StudioState
from gui.widgets.app_settings import choose_folder
from gui.widgets.common import weak_method
from gui.widgets.help_dialog import install_help_menu
from gui.widgets.language import install_language_menu
from gui.widgets.scroll_tabs import ScrollingTabs
from gui.widgets.wheel_guard import install_wheel_guard
from gui.window_jobs import CLOSE_TIMEOUT_S, WindowJobs

if TYPE_CHECKING:  # the second stage (torch, the model catalog): imported by load_rest(), not here
    from gui.panels.model.panel import ModelPanel
    from gui.panels.predict.panel import PredictPanel
    from gui.panels.results.panel import ResultsPanel
    from gui.panels.runs.panel import RunsPanel
    from gui.panels.strategy.panel import StrategyPanel
    from gui.panels.training.panel import TrainingPanel

log = logging.getLogger(__name__)


class MainWindow(WindowJobs):
    """The window, built in two stages: the Data tab at once (no torch), the other tabs by :meth:`load_rest`.

    ``staged=False`` (the default, what tests use) builds both stages now; the app passes ``staged=True`` and
    calls :meth:`load_rest_in_background`, so the window is usable within a second or two while torch loads.

    Signals:
        loaded(): the second stage is built; every tab works.
    """

    loaded = Signal()

    def __init__(self, runner_kind: str = "process", runs_dir: Path | None = None,
                 parent: QWidget | None = None, *, staged: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Finetune Studio")  # not translated: the product's name
        self.resize(1200, 720)  # fits a 1280x800 screen with its title bar and task bar
        self.setAcceptDrops(True)
        install_wheel_guard(QApplication.instance())  # app-wide: no wheel changes an unfocused field
        self.runs_dir = runs_dir or runs_root()
        self.state = StudioState()
        self.controller = TrainingController(runner_kind, self)
        self.is_loaded = False
        self._built = 0  # how many of the second stage's panels are built
        self._loader = SecondStageLoader(weak_method(self._build_next_panel, _window_closing), self)
        self._loader.failed.connect(self._on_second_stage_failed)

        self.data_panel = DataPanel()
        self.tabs = ScrollingTabs()  # a page scrolls when the window is smaller than it needs
        self.tabs.addTab(self.data_panel, tr(DATA_TAB))
        for title in LATER_TABS:  # placeholders until the second stage puts the real panels in their place
            self.tabs.setTabEnabled(self.tabs.addTab(placeholder_page(), tr("{tab} (loading…)", tab=tr(title))),
                                    False)
        self.setCentralWidget(self.tabs)
        self._wire_data()
        self._closing = False
        self.restart_requested = False  # set by restart(): gui/app.py starts the app again after it closes
        self._make_menu()
        self.statusBar().showMessage(tr("Choose an image folder to begin."))
        if not staged:
            self.load_rest()

    def _wire_data(self) -> None:
        """The first stage's wiring: the Data tab and what follows its report without torch."""
        state, events = self.state, self.state.events
        self.data_panel.report_changed.connect(state.set_report)
        self.data_panel.scan_started.connect(self._on_scan_started)
        events.report.connect(self._on_report)
        events.image_size.connect(self.data_panel.set_image_size)
        self.data_panel.set_image_size(state.image_size)

    def load_rest_in_background(self) -> None:
        """Import the second stage in a background thread, then build it here (the GUI thread owns widgets)."""
        if not self.is_loaded:
            self.statusBar().showMessage(tr(LOADING_STATUS))
            self._loader.start()

    def _on_second_stage_failed(self, message: str) -> None:
        self.statusBar().showMessage(tr("PyTorch could not be loaded: {message} The Data tab still works.",
                                        message=message))

    def load_rest(self) -> None:
        """Build the tabs that need torch (imported now if :meth:`load_rest_in_background` has not) and wire
        them; what the Data tab found meanwhile reaches them at once."""
        import_second_stage()
        while not self._build_next_panel():
            pass

    def _build_next_panel(self) -> bool:
        """Put the next second-stage panel in its tab; True once all are there and wired."""
        if self.is_loaded:
            return True
        index = self._built + 1  # tab 0 is the Data tab
        panel = self._make_panel(index)
        current = self.tabs.currentIndex()
        placeholder = self.tabs.widget(index)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, panel, tr(LATER_TABS[index - 1]))
        if placeholder is not None:
            placeholder.deleteLater()
        self.tabs.setCurrentIndex(current)
        self._built = index
        if index == len(LATER_TABS):
            self._finish_loading()
        return self.is_loaded

    def _make_panel(self, index: int) -> QWidget:
        """The second stage's panel for tab ``index`` (1-6), kept in its attribute."""
        from gui.panels.model.panel import ModelPanel
        from gui.panels.predict.panel import PredictPanel
        from gui.panels.results.panel import ResultsPanel
        from gui.panels.runs.panel import RunsPanel
        from gui.panels.strategy.panel import StrategyPanel
        from gui.panels.training.panel import TrainingPanel

        if index == 1:
            self.model_panel: ModelPanel = ModelPanel()
            self.model_panel.set_runs_folder(self.runs_dir)
            return self.model_panel
        if index == 2:
            self.strategy_panel: StrategyPanel = StrategyPanel(weak_method(self.build_config, _window_closed))
            return self.strategy_panel
        if index == 3:
            self.training_panel: TrainingPanel = TrainingPanel()
            return self.training_panel
        if index == 4:
            self.results_panel: ResultsPanel = ResultsPanel()
            return self.results_panel
        if index == 5:
            self.predict_panel: PredictPanel = PredictPanel()
            return self.predict_panel
        self.runs_panel: RunsPanel = RunsPanel(self.runs_dir)
        return self.runs_panel

    def _finish_loading(self) -> None:
        self.is_loaded = True
        self._wire_state()
        self._wire_jobs()
        if self.state.report is not None:  # the Data tab read a folder while the rest was loading
            self.model_panel.set_report(self.state.report)
            self.training_panel.set_dataset(self.state.report)
        if self.statusBar().currentMessage() == tr(LOADING_STATUS):
            self.statusBar().showMessage(tr("Ready."))
        self.loaded.emit()

    def _wire_state(self) -> None:
        """Each fact has one owner that sets it and observers that follow it (the table in gui/state/studio.py).
        Observers are bound methods: the state holds them weakly, so it keeps no panel alive."""
        state, events = self.state, self.state.events
        self.model_panel.model_changed.connect(state.set_model)
        self.training_panel.basics_changed.connect(state.set_basics)
        self.strategy_panel.advice_changed.connect(state.set_advice)
        # The layer tree's shapes, head size and memory estimate follow the data and training settings.
        events.report.connect(self.model_panel.set_report)
        events.report.connect(self.training_panel.set_dataset)
        events.image_size.connect(self.model_panel.set_image_size)
        events.batch_size.connect(self.model_panel.set_batch_size)
        events.model.connect(self.training_panel.show_model)
        # A view shows the state it was made for, or clears (gui/state/studio.py).
        self.strategy_panel.observe(events)
        events.changed.connect(self.training_panel.clear_refusal)
        events.run.connect(self.runs_panel.follow_run)
        events.run.connect(self._on_run_changed)
        state.set_basics(self.training_panel.basics())  # what the owners show now
        state.set_model(self.model_panel.model_choice())
        self.model_panel.set_image_size(state.image_size)  # also when the form shows the engine's defaults
        self.model_panel.set_batch_size(state.batch_size)

    def _make_menu(self) -> None:
        file_menu = self.menuBar().addMenu(tr("&File"))
        open_action = QAction(tr("&Open image folder…"), self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self._choose_folder)
        quit_action = QAction(tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(open_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        self.language_choice = install_language_menu(self, weak_method(self.restart, lambda: None))
        self.help_dialog = install_help_menu(self, weak_method(self.current_tab_key, lambda: TAB_KEYS[0]))

    def current_tab_key(self) -> str:
        """The guide's section for the tab in front (engine/help/guide.py: the tabs in the window's order)."""
        return TAB_KEYS[min(max(self.tabs.currentIndex(), 0), len(TAB_KEYS) - 1)]

    def _choose_folder(self) -> None:
        folder = choose_folder(self, tr("Choose the image folder"))
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str | Path) -> None:
        self.tabs.setCurrentWidget(self.data_panel)
        self.data_panel.open_folder(folder)

    # -- drag and drop ---------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_folder(event) is not None or dropped_images(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        images = dropped_images(event)  # image files (not a folder of classes) are for prediction
        if images and self.is_loaded:
            event.acceptProposedAction()
            self.tabs.setCurrentWidget(self.predict_panel)
            self.predict_panel.predict_paths(images)
            return
        folder = dropped_folder(event)
        if folder is not None:
            event.acceptProposedAction()
            self.open_folder(folder)

    # -- the data tab's status -------------------------------------------------------------------------

    def _on_scan_started(self, _folder: str) -> None:
        self.statusBar().showMessage(tr("Reading the folder…"))

    def _on_report(self, report: DatasetReport | None) -> None:
        if report is None:
            return  # a folder is being read (_on_scan_started says so)
        if report.trainable:
            self.statusBar().showMessage(_counts_sentence(len(report.classes), report.total_images))
            self.controller.prewarm()  # hide the seconds it takes to start torch
        else:
            self.statusBar().showMessage(tr("This folder cannot be trained on yet: see the Data tab."))

    # -- closing ---------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.controller.running:
            event.ignore()
            if self._closing:
                return
            answer = QMessageBox.question(
                self, tr("Training is running"),
                tr("Training is still running. Stop it and close? It stops within a few seconds; the best model "
                   "so far and the last checkpoint are kept, so you can resume the run later."),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer == QMessageBox.StandardButton.Yes:
                self._stop_then_close()
            return
        self.shutdown()
        event.accept()

    def restart(self) -> None:
        """Close the window the normal way (a running training is asked about, stopped and saved), then the
        app starts again (gui/app.py), e.g. in the language just chosen."""
        self.restart_requested = True
        self.close()
        if self.isVisible() and not self._closing:
            self.restart_requested = False  # the user chose to keep the window (and the training) open

    def close_without_asking(self) -> None:
        """Close as the close button does, without the question (SIGTERM, Ctrl+C: nobody may be there to
        answer): a running job is stopped first, keeping its best model and last checkpoint."""
        if self.controller.running:
            if not self._closing:
                self._stop_then_close()
            return
        self.close()

    def _stop_then_close(self) -> None:
        # Stop without freezing the window; close once the run has saved and ended (bounded wait).
        self._closing = True
        self.statusBar().showMessage(tr("Stopping training and saving the last checkpoint…"))
        self.controller.stop_then(self._close_after_stop, CLOSE_TIMEOUT_S)

    def _close_after_stop(self) -> None:
        self.close()

    def shutdown(self) -> None:
        """Stop the training child, the warm child and background tasks (bounded waits)."""
        self._loader.stop()
        self.controller.shutdown(CLOSE_TIMEOUT_S)
        self.data_panel.shutdown()
        for name in ("model_panel", "strategy_panel", "results_panel", "predict_panel", "runs_panel"):
            panel = getattr(self, name, None)  # the second stage may be partly built
            if panel is not None:
                panel.shutdown()


def _counts_sentence(classes: int, images: int) -> str:
    """The status bar's "2 classes, 1,200 images." (one sentence per count of classes, images counted in it)."""
    if classes == 1:
        return trn("1 class, {n:,} image.", "1 class, {n:,} images.", images)
    return trn("{classes:,} classes, {n:,} image.", "{classes:,} classes, {n:,} images.", images, classes=classes)


def _window_closed() -> TrainConfig:
    raise ConfigError(tr("The window is closing."))


def _window_closing() -> bool:
    return True  # nothing left to build
