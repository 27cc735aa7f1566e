"""The window's second stage: what needs torch (the model list, training, results, prediction), loaded after
the window is already on screen and usable (issue 13 item 15; bench/bench_startup.py).

Importing torch, torchvision, scikit-learn and pyqtgraph took 6-9 s before the window could appear. The first
stage (the window, its Data tab: choose a folder, scan, report) needs none of them, so it shows at once; the
other tabs wait behind "loading…" placeholders while :class:`SecondStageLoader` imports their modules in a
background thread (imports are thread-safe; widgets are not, so the panels are then built on the GUI thread,
one per turn of the event loop, because each takes 0.1-0.5 s).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from engine.core.i18n import tr, tr_later
from gui.gui_thread_gc import pause_collections, resume_collections
from gui.jobs.controller import BackgroundTask, TaskState

log = logging.getLogger(__name__)

#: What the second stage imports (torch, torchvision, scikit-learn, pyqtgraph: seconds).
SECOND_STAGE_MODULES = (
    "engine.strategy.advisor", "engine.models.layers.stages", "engine.run.listing",
    "gui.panels.model.panel", "gui.panels.strategy.panel", "gui.panels.training.panel",
    "gui.panels.results.panel", "gui.panels.predict.panel", "gui.panels.runs.panel",
)
#: The tabs of the second stage, in order.
#: The first tab's title (the Data tab, built at once); shown as ``tr(DATA_TAB)``.
DATA_TAB = tr_later("1 · Data")
#: The tabs of the second stage, in order; shown as ``tr(title)``.
LATER_TABS = (tr_later("2 · Model"), tr_later("3 · Strategy"), tr_later("4 · Train"), tr_later("5 · Results"),
              tr_later("6 · Predict"), tr_later("Past runs"))
LOADING_TEXT = tr_later("Loading PyTorch and the model list… (a few seconds; the Data tab works meanwhile)")
LOADING_STATUS = tr_later("Loading PyTorch and the model list… the Data tab already works.")
#: How long closing the window waits for the import of the second stage to end.
IMPORT_WAIT_MS = 300_000


def import_second_stage(_state: TaskState | None = None) -> None:
    """Import what the second stage needs (a no-op once done); the loader runs it in a background thread."""
    for name in SECOND_STAGE_MODULES:
        importlib.import_module(name)


def placeholder_page() -> QWidget:
    """What a second-stage tab shows until its panel is built (the tab itself is disabled meanwhile)."""
    label = QLabel(tr(LOADING_TEXT))
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


class SecondStageLoader(QObject):
    """Imports the second stage in the background, then calls ``build_step()`` once per event-loop turn until
    it returns True (everything built). ``build_step`` must not hold its owner strongly (use
    ``gui.widgets.common.weak_method``): the loader is the owner's child.

    Signals:
        failed(str): the import failed (the sentence says why); the first stage keeps working.
    """

    failed = Signal(str)

    def __init__(self, build_step: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._build_step = build_step
        self._task: BackgroundTask | None = None
        self._stopped = False

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        if self._task is not None or self._stopped:
            return
        pause_collections()  # until everything is built (gui/gui_thread_gc.py)
        self._paused_gc = True
        self._task = BackgroundTask(import_second_stage, self)
        self._task.done.connect(self._on_imported)
        self._task.failed.connect(self._on_failed)
        self._task.start()

    def stop(self) -> None:
        """No more building; waits for an import still running (it cannot be interrupted, it ends by itself)."""
        self._stopped = True
        if self._task is not None:
            # No time limit worth having: a QThread still running when the app exits aborts it, and the
            # import ends by itself (seconds; more on a busy machine, which SIGTERM in the e2e test met).
            self._task.wait(IMPORT_WAIT_MS)
        self._resume_gc()

    _paused_gc = False

    def _resume_gc(self) -> None:
        if self._paused_gc:
            self._paused_gc = False
            resume_collections()

    def _forget_task(self) -> None:
        if self._task is not None:
            self._task.deleteLater()  # safe from its own handler (gui/jobs/background.py)
            self._task = None

    def _on_imported(self, _result: object) -> None:
        self._forget_task()
        self._continue()

    def _on_failed(self, message: str) -> None:
        self._forget_task()
        log.error("the second stage could not be imported: %s", message)
        self._resume_gc()
        self.failed.emit(message)

    def _continue(self) -> None:
        if self._stopped:
            return
        if self._build_step():
            self._resume_gc()
        else:
            QTimer.singleShot(0, self._continue)
