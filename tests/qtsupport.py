"""Fixtures shared by the Qt test folders (tests/gui, tests/e2e): import them in a conftest.py.

* ``gui_thread_gc``: Python's cyclic garbage collection pinned to the GUI thread for the whole session, as the
  app does (gui/gui_thread_gc.py). Without it a worker thread's allocation can collect Qt wrappers off the GUI
  thread, which deadlocked this suite.
* ``no_dangling_workers``: fails any test that leaves a QThread or a child process running.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")


@pytest.fixture(scope="session", autouse=True)
def gui_thread_gc(qapp: Any) -> Iterator[None]:
    from gui.gui_thread_gc import pin_garbage_collection_to_gui_thread

    collector = pin_garbage_collection_to_gui_thread(qapp)
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def no_dangling_workers(qtbot: Any) -> Iterator[None]:
    yield
    from gui.jobs.controller import live_threads

    # A task that has just delivered its result may still be returning from run(): give it a moment to
    # end (a bounded wait for a condition, not a sleep); one that is really stuck still fails the test.
    with contextlib.suppress(Exception):  # reported by the assertion below
        qtbot.waitUntil(lambda: not live_threads(), timeout=5_000)
    threads = live_threads()
    children = [p for p in multiprocessing.active_children() if p.is_alive()]
    for p in children:  # do not let one test's leak break the next ones
        p.kill()
    assert not threads, f"test left {len(threads)} QThread(s) running"
    assert not children, f"test left child process(es) running: {children}"
