"""Every QThread the jobs package starts, so that tests (and shutdown checks) can prove none is left running."""

from __future__ import annotations

from PySide6.QtCore import QThread

#: Every QThread gui.jobs starts, so tests can prove none is left running.
_LIVE_THREADS: set[QThread] = set()


def live_threads() -> list[QThread]:
    alive = []
    for thread in list(_LIVE_THREADS):
        try:
            running = thread.isRunning()
        except RuntimeError:  # its C++ object was deleted with its parent, so it is not running
            running = False
        if running:
            alive.append(thread)
        else:
            _LIVE_THREADS.discard(thread)
    return alive



def track(thread: QThread) -> None:
    """Count ``thread`` as live until it has ended (:func:`live_threads` forgets it then)."""
    _LIVE_THREADS.add(thread)


def untrack(thread: QThread) -> None:
    _LIVE_THREADS.discard(thread)
