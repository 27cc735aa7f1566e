"""Python's cyclic garbage collection, run on the GUI thread only.

Python's collector runs in whichever thread happens to cross the allocation threshold. In this app that is
often a worker thread (a scan, the layer analysis, a prediction: torch allocates a lot), and a Qt wrapper
caught in a reference cycle is then destroyed on that worker thread. Its C++ destructor takes Qt locks while
waiting for the interpreter lock that the GUI thread holds: a deadlock (it hung our suite), or a crash
(tests/gui/scripts/gc_stress.py segfaults within a second without this module).

So automatic collection is switched off and a GUI-thread timer collects instead, generation by generation with
Python's own thresholds: the pattern of pyqtgraph's ``GarbageCollector`` and calibre, and the fix napari
(issue 1029) and novelWriter (issue 2927) made for the same fault. Objects in cycles then die on the GUI
thread, a little later than they would have (at most one tick).
"""

from __future__ import annotations

import gc
import logging

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

#: How often the GUI thread checks whether a collection is due. Generation 0 fills in well under a second
#: while training or scanning; 100 ms keeps the garbage held back small and each check costs microseconds.
CHECK_INTERVAL_MS = 100


class GuiThreadCollector(QObject):
    """Owns Python's cyclic collection while it lives: automatic collection off, a GUI-thread timer on.

    Create it on the GUI thread (with the application as parent); :meth:`stop` gives collection back to
    Python.
    """

    def __init__(self, parent: QObject | None = None, interval_ms: int = CHECK_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def collect_if_due(self) -> None:
        """Collect the generations whose counts passed Python's thresholds, youngest first (like Python)."""
        if gc.isenabled():  # a library turned it back on: off again, or worker threads collect once more
            log.warning("automatic garbage collection was switched on again; switching it off")
            gc.disable()
        count0, count1, count2 = gc.get_count()
        limit0, limit1, limit2 = self._thresholds
        if count0 <= limit0 or _paused:
            return
        generation = 0
        if count1 > limit1:
            generation = 2 if count2 > limit2 and self._long_lived_grew() else 1
        gc.collect(generation)
        if generation == 2:
            self._long_lived = len(gc.get_objects(2))

    _long_lived = 0

    def _long_lived_grew(self) -> bool:
        """Python's own rule for a full collection (Modules/gcmodule.c): only once the objects that reached
        the oldest generation since the last full one are a quarter of those that were there. Without it a
        full collection ran every few seconds and took 0.3-1 s with torch's objects in memory."""
        return len(gc.get_objects(2)) - self._long_lived > self._long_lived // 4

    def stop(self) -> None:
        """Give collection back to Python (what the app does last, after its windows are gone)."""
        self._timer.stop()
        gc.collect()
        gc.enable()


_paused = 0


def pause_collections() -> None:
    """No collection until :func:`resume_collections`: while the second stage imports torch in the background
    (seconds), its hundreds of thousands of new objects made each collection on the way a stall of the window
    (up to a second for a full one). What becomes garbage meanwhile waits; the import leaves about 10,000
    objects of it."""
    global _paused
    _paused += 1


def resume_collections() -> None:
    global _paused
    _paused = max(0, _paused - 1)


def freeze_long_lived_objects() -> None:
    """Leave what lives now (the imported modules, torch's hundreds of thousands of objects, the window's
    panels) out of every later collection: ``gc.freeze()``. A full collection then scans only what the session
    made since: milliseconds instead of 0.3-1 s of a frozen window (bench/bench_gui_stalls.py). The app calls
    it once, when its window is fully built; what is frozen still dies by reference counting, only cycles
    among it are never collected (a few kilobytes of import-time garbage)."""
    gc.freeze()


def pin_garbage_collection_to_gui_thread(app: QObject) -> GuiThreadCollector:
    """Install the collector for ``app`` (the QApplication); it lives as long as the application object."""
    existing = app.findChild(GuiThreadCollector)
    if existing is not None and existing.active:
        return existing
    return GuiThreadCollector(app)
