"""The training child's guard: the child never outlives the process that started it, and SIGTERM stops it
the way Stop does.

The child is started early and waits ("warm") for its job. When its parent ends in any way (window closed,
crash, ``kill -9``), nobody would ever send that job or end the child: an orphan holding hundreds of MB for
hours was seen. So a thread of the child watches, without polling the parent's state more than once a second:

* a pipe whose writing end only the parent holds: the system closes it when the parent ends, however it
  ends, and the child reads end-of-file (this also works on Windows);
* the parent's pid (POSIX): once the child has been handed to another parent, its own is gone;
* SIGTERM, which a session manager or ``kill`` sends: stop like Stop. Ctrl+C in a terminal reaches the
  whole process group; the parent decides what it means, so the child ignores SIGINT.

Then a warm child with no job ends at once; a child running a job sets the job's cancel event (the run stops
within a batch and keeps its best model and checkpoint) and is ended by force if it has not finished within
:data:`GRACE_S`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection, wait
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

#: How often the parent's pid is looked at (the pipe and SIGTERM wake the guard at once).
PARENT_POLL_S = 1.0
#: A job told to stop that has not ended after this many seconds is ended by force.
GRACE_S = 30.0


class ChildGuard:
    """Watches the parent and SIGTERM for the child process (see the module notes); call :meth:`start` first
    thing in the child, and :meth:`begin_job` when a job arrives."""

    def __init__(self, link: Connection | None, parent_pid: int | None, cancel: Any, queues: Sequence[Any]) -> None:
        self._link = link
        self._parent = parent_pid if parent_pid is not None else os.getppid()
        self._cancel = cancel
        self._queues = queues
        self._lock = threading.Lock()
        self._busy = False
        self._stopping = False
        self._wake_recv, self._wake_send = socket.socketpair()
        self._wake_send.setblocking(False)

    def start(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, self._on_sigterm)
        threading.Thread(target=self._watch, name="finetune-studio-parent-watch", daemon=True).start()

    def begin_job(self) -> bool:
        """A job has arrived: True to run it, False when the child is already ending."""
        with self._lock:
            if self._stopping:
                return False
            self._busy = True
            return True

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        # Only a byte on a socket: a handler that took the cancel event's lock could deadlock with the loop.
        with contextlib.suppress(OSError):  # the socket is full, so a wake-up is pending anyway
            self._wake_send.send(b"T")

    def _watch(self) -> None:
        while True:
            parent_gone = self._wait()
            self._stop(parent_gone)
            if parent_gone:
                return

    def _wait(self) -> bool:
        """Block until the parent is gone (True) or SIGTERM arrived (False)."""
        watched: list[Any] = [self._wake_recv] + ([self._link] if self._link is not None else [])
        while True:
            ready = wait(watched, timeout=PARENT_POLL_S)
            if self._wake_recv in ready:
                self._wake_recv.recv(64)
                return False
            if self._link is not None and self._link in ready and self._link_closed():
                return True
            if os.name == "posix" and os.getppid() != self._parent:
                return True

    def _link_closed(self) -> bool:
        assert self._link is not None
        try:
            self._link.recv_bytes()
        except (EOFError, OSError):
            return True
        return False  # the parent never sends; whatever came is ignored

    def _stop(self, parent_gone: bool) -> None:
        if parent_gone:
            log.warning("the process that started this training process is gone; stopping")
            for q in self._queues:  # nobody reads them any more: ending must not wait to deliver their events
                q.cancel_join_thread()
        else:
            log.warning("asked to end (SIGTERM); stopping")
        with self._lock:
            self._stopping = True
            busy = self._busy
        if not busy:
            os._exit(0)  # warm, no job: nothing to save
        self._cancel.set()  # the run stops within a batch and saves what it has, as after Stop
        timer = threading.Timer(GRACE_S, _give_up)
        timer.daemon = True
        timer.start()


def _give_up() -> None:
    log.error("the training did not stop within %.0f s of being asked; ending the process", GRACE_S)
    os._exit(1)
