"""Stress script for tests/gui/test_gui_thread_gc.py, run in its own process (a deadlock must not hang pytest).

Widgets caught in reference cycles are created and dropped on the GUI thread while a worker thread allocates
heavily, for a bounded time. Python's cyclic collector runs in whichever thread crosses the allocation
threshold, so without the app's GUI-thread collector some of these widgets are destroyed on the worker thread
(which deadlocked our suite). Prints one JSON line: how many widgets were destroyed on which thread.

Usage: python gc_stress.py SECONDS [--without-app-collector]
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import weakref

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget  # noqa: E402

seconds = float(sys.argv[1])
if "--without-app-collector" in sys.argv:
    app = QApplication([])  # what the app did before: automatic collection in any thread
else:
    from gui.app import create_application

    app = create_application([])

gui_thread = threading.get_ident()
destroyed_on: list[int] = []


def _record() -> None:
    destroyed_on.append(threading.get_ident())


class CyclicPanel(QWidget):
    """A panel that refers to itself through a child's signal and an attribute: a reference cycle."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.label = QLabel("x")
        layout.addWidget(self.label)
        self.me = self
        weakref.finalize(self, _record)


stop = threading.Event()


def allocate() -> None:
    # Many small containers: each one counts towards the collector's generation-0 threshold.
    while not stop.is_set():
        junk = [[i, (i,), {"k": i}] for i in range(2000)]
        del junk


worker = threading.Thread(target=allocate, daemon=True)
worker.start()
created = 0
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    for _ in range(20):
        CyclicPanel()
        created += 1
    app.processEvents()
stop.set()
worker.join()
collected_while_running = len(destroyed_on)
import gc  # noqa: E402

gc.collect()
print(json.dumps({
    "created": created,
    "collected_while_running": collected_while_running,
    "destroyed_off_gui_thread": sum(1 for t in destroyed_on if t != gui_thread),
    "destroyed": len(destroyed_on),
}), flush=True)
