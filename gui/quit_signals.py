"""SIGTERM (``kill``, a session manager logging out) and Ctrl+C in the app's terminal close the window the normal
way: a running training stops within a batch and keeps its best model and checkpoint, the warm training child
is ended, and the app exits with 0 — instead of dying at once with nothing saved and an orphaned child.

A Python signal handler only runs when the interpreter gets control, which it may not for a long time while
Qt's event loop waits in C++. So the handler does nothing itself: ``signal.set_wakeup_fd`` makes Python write
a byte to a socket when a signal arrives, a :class:`QSocketNotifier` on the other end wakes the event loop,
and the slot closes the window on the GUI thread.
"""

from __future__ import annotations

import logging
import signal
import socket
from types import FrameType
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier

log = logging.getLogger(__name__)

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class QuitSignals(QObject):
    """Closes its parent window (``close_without_asking``) when one of :data:`QUIT_SIGNALS` arrives."""

    def __init__(self, window: QObject) -> None:
        super().__init__(window)  # a child of the window: no Python reference to it, so no cycle
        self._recv, self._send = socket.socketpair()
        for end in (self._recv, self._send):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._send.fileno(), warn_on_full_buffer=False)
        self._previous: dict[int, Any] = {number: signal.signal(number, _noted) for number in QUIT_SIGNALS}
        self._notifier = QSocketNotifier(self._recv.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_wakeup)

    def _on_wakeup(self) -> None:
        try:
            numbers = self._recv.recv(64)
        except OSError:
            return
        if not any(n in QUIT_SIGNALS for n in numbers):
            return  # another signal that has its own handler (e.g. SIGCHLD)
        log.info("asked to quit by signal %s; closing the window", ", ".join(str(n) for n in numbers))
        window = self.parent()
        if window is not None:
            window.close_without_asking()  # type: ignore[attr-defined]

    def uninstall(self) -> None:
        """Give the signals back to their previous handlers (tests; the app keeps them until it exits)."""
        self._notifier.setEnabled(False)
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._recv.close()
        self._send.close()


def _noted(signum: int, frame: FrameType | None) -> None:
    """The Python-level handler: nothing to do here, the wake-up byte has told the event loop."""


def install_quit_signals(window: QObject) -> QuitSignals:
    """Make SIGTERM and Ctrl+C close ``window`` as described in the module notes (call on the GUI thread)."""
    return QuitSignals(window)
