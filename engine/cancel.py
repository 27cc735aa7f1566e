"""Cancellation shared between the supervisor and the training loop.

The loop only needs ``is_set()``; a ``threading.Event`` (in-thread runs) and a ``multiprocessing`` event
(child-process runs) both satisfy :class:`CancelToken`.
"""

from __future__ import annotations

from typing import Protocol


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


class NeverCancelled:
    """A token for callers that cannot cancel (e.g. the command line before Ctrl+C handling)."""

    def is_set(self) -> bool:
        return False
