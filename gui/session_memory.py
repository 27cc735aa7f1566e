"""The window as the user left it: the last data folder, weights file, split choice, window size and tab.

Kept in the app's settings (gui/widgets/app_settings.py) as they change, so a crash loses nothing; the window
geometry when the window closes. :meth:`SessionMemory.restore` puts them back before the first folder is
opened (the split settings are those the folder's first scan uses). A remembered folder or file that has
gone since is left out, never shown as an error.
"""

from __future__ import annotations

import json
import weakref
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject

from gui.main_window import MainWindow
from gui.state import ModelChoice
from gui.widgets.app_settings import app_settings, remember, remembered

DATA_FOLDER, WEIGHTS_FILE, SPLIT, GEOMETRY, TAB = ("session/data_folder", "session/weights_file", "session/split",
                                                   "session/geometry", "session/tab")


class SessionMemory(QObject):
    """Remembers what the user chose in ``window`` (a child of it: it lives and dies with the window)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window_ref = weakref.ref(window)  # a child holding its parent would be a cycle through Qt objects
        self._tab_pending = False
        window.data_panel.scan_started.connect(self._remember_folder)
        window.data_panel.split_changed.connect(self._remember_split)
        window.installEventFilter(self)
        # The Model tab and the tab bar's other pages exist only once the window's second stage has loaded
        # (gui/second_stage.py): what concerns them waits for that.
        if window.is_loaded:
            self._follow_loaded_tabs()
        else:
            window.loaded.connect(self._follow_loaded_tabs)

    def _follow_loaded_tabs(self) -> None:
        window = self._window
        window.model_panel.model_changed.connect(self._remember_weights)
        weights = remembered(WEIGHTS_FILE)
        if weights and Path(weights).is_file():
            window.model_panel.remember_weights_file(weights)
        if self._tab_pending:
            self._tab_pending = False
            self._show_remembered_tab()
        window.tabs.currentChanged.connect(self._remember_tab)

    @property
    def _window(self) -> MainWindow:
        window = self._window_ref()
        assert window is not None  # a child of the window: it goes first
        return window

    # -- remembering --------------------------------------------------------------------------------------

    def _remember_folder(self, folder: str) -> None:
        remember(DATA_FOLDER, folder)

    def _remember_weights(self, model: ModelChoice | None) -> None:
        if model is not None and model.weights not in ("imagenet", "none", "") and Path(model.weights).is_file():
            remember(WEIGHTS_FILE, model.weights)

    def _remember_split(self) -> None:
        remember(SPLIT, json.dumps(self._window.data_panel.split_choice()))

    def _remember_tab(self, index: int) -> None:
        remember(TAB, str(index))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._window_ref() and event.type() == QEvent.Type.Close:
            settings = app_settings()
            settings.setValue(GEOMETRY, self._window.saveGeometry())
            settings.sync()
        return False

    # -- restoring ----------------------------------------------------------------------------------------

    def data_folder(self) -> Path | None:
        """The data folder last opened, while it still exists."""
        folder = remembered(DATA_FOLDER)
        return Path(folder) if folder and Path(folder).is_dir() else None

    def restore(self) -> None:
        """Window size and place and split choice as they were left (before a folder opens); the weights file
        follows once the Model tab is loaded."""
        window = self._window
        geometry = app_settings().value(GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        try:
            split = json.loads(remembered(SPLIT) or "{}")
        except ValueError:
            split = {}
        if isinstance(split, dict) and split:
            window.data_panel.set_split_choice(split)

    def restore_tab(self) -> None:
        """The tab last shown (after the folder is opened: opening shows the Data tab); a tab still loading is
        shown once it is there."""
        if self._window.is_loaded:
            self._show_remembered_tab()
        else:
            self._tab_pending = True

    def _show_remembered_tab(self) -> None:
        window, tab = self._window, remembered(TAB)
        if tab.isdigit() and int(tab) < window.tabs.count():
            window.tabs.setCurrentIndex(int(tab))
