"""Cancellation and pausing shared between the supervisor and the training loop.

The loop only needs ``is_set()``; a ``threading.Event`` (in-thread runs) and a ``multiprocessing`` event
(child-process runs) both satisfy :class:`CancelToken`. Pausing uses a second event of the same kind: set
means "hold after the current batch".
"""

from __future__ import annotations

import time
from typing import Protocol

#: How often a paused loop looks at its events again (seconds); Resume and Stop answer within this.
PAUSE_POLL_S = 0.05


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


class NeverCancelled:
    """A token for callers that cannot cancel (e.g. the command line before Ctrl+C handling)."""

    def is_set(self) -> bool:
        return False


def wait_while_paused(pause: CancelToken, cancel: CancelToken) -> float:
    """Block while ``pause`` is set and ``cancel`` is not; returns the seconds spent waiting.

    Example:
        >>> wait_while_paused(NeverCancelled(), NeverCancelled())
        0.0
    """
    if not pause.is_set():
        return 0.0
    started = time.monotonic()
    while pause.is_set() and not cancel.is_set():
        time.sleep(PAUSE_POLL_S)
    return time.monotonic() - started
