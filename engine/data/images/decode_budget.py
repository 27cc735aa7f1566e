"""A bound on the decoded pixels held at once by the threads of one process.

Pillow cannot decode a PNG (or TIFF, WebP...) at a reduced size: the whole image is in memory while it is
read, four bytes a pixel for colour images. Four threads each decoding a 10,900 x 10,900 PNG took a scan to
2.2 GB. :data:`DECODE_BUDGET` lets decodes run side by side while their pixels fit in the budget, and a
larger image alone; requests are served in arrival order, so a large image is not held back for ever by a
stream of small ones.

A request is a :class:`Ticket`. Admission is decided when a ticket is requested or released, under the
budget's lock, never by the waiting thread itself: a waiter that gives up (Ctrl+C, an error) leaves the
queue on release and the next ticket is served at once, so nobody waits for a turn that will never come.

Example:
    >>> budget = PixelBudget(100)
    >>> with budget.hold(60):
    ...     budget.in_use
    60
    >>> first, second = budget.request(60), budget.request(60)
    >>> first.admitted, second.admitted
    (True, False)
    >>> first.release()
    >>> second.admitted, budget.in_use
    (True, 60)
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

#: Decoded pixels in memory at once across threads: about 160 MB of colour pixels (Pillow keeps 4 bytes a
#: pixel), so a few ordinary photos decode side by side and one image larger than this decodes alone.
DECODE_BUDGET_PIXELS = 40_000_000

_WAITING, _HELD, _DONE = "waiting", "held", "done"


class Ticket:
    """One request for ``pixels``: waiting in the queue, then held, then done (released or given up).

    A context manager: leaving the ``with`` block releases the ticket, whether it was admitted or not.
    """

    __slots__ = ("_budget", "_state", "pixels")

    def __init__(self, budget: PixelBudget, pixels: int) -> None:
        self._budget = budget
        self.pixels = pixels
        self._state = _WAITING

    @property
    def admitted(self) -> bool:
        """True while the pixels are held."""
        return self._state == _HELD

    def wait(self, timeout: float | None = None) -> bool:
        """Block until admitted (True), the timeout passes or the ticket is released first (False)."""
        with self._budget.condition:
            self._budget.condition.wait_for(lambda: self._state != _WAITING, timeout)
            return self._state == _HELD

    def release(self) -> None:
        """Give the pixels back, or leave the queue when not admitted yet; releasing twice does nothing."""
        self._budget.give_back(self)

    def __enter__(self) -> Ticket:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()


class PixelBudget:
    """Admits tickets in arrival order while their pixels fit (one over the whole budget is admitted alone)."""

    def __init__(self, limit: int) -> None:
        #: The pixels held at once, unless one ticket alone needs more.
        self.limit = limit
        self.in_use = 0
        #: Notified whenever the queue or what is held changes; guards both.
        self.condition = threading.Condition()
        self._queue: deque[Ticket] = deque()

    @property
    def waiting(self) -> int:
        """How many tickets wait for their turn."""
        return len(self._queue)

    def request(self, pixels: int) -> Ticket:
        """Queue a request for ``pixels`` without blocking; it is admitted at once when it is first and fits."""
        ticket = Ticket(self, pixels)
        with self.condition:
            self._queue.append(ticket)
            self._admit()
            self.condition.notify_all()  # whoever watches the queue (see ``condition``) sees it change
        return ticket

    @contextmanager
    def hold(self, pixels: int) -> Iterator[None]:
        """Wait until ``pixels`` fit beside what is held (in arrival order), hold them for the ``with`` block."""
        with self.request(pixels) as ticket:
            ticket.wait()
            yield

    def give_back(self, ticket: Ticket) -> None:
        """What :meth:`Ticket.release` does: free its pixels or its place, then serve who can be served."""
        with self.condition:
            if ticket._state == _HELD:
                self.in_use -= ticket.pixels
            elif ticket._state == _WAITING:
                self._queue.remove(ticket)
            ticket._state = _DONE
            self._admit()
            self.condition.notify_all()  # the newly admitted, and a waiter on a released ticket, return

    def _admit(self) -> None:
        """Admit from the front of the queue while the first fits (the caller holds the lock)."""
        while self._queue and self._fits(self._queue[0].pixels):
            ticket = self._queue.popleft()
            ticket._state = _HELD
            self.in_use += ticket.pixels

    def _fits(self, pixels: int) -> bool:
        return self.in_use == 0 or self.in_use + pixels <= self.limit


#: The process's budget, used by :func:`engine.data.images.decode.load_image_with_info` for every file it decodes.
DECODE_BUDGET = PixelBudget(DECODE_BUDGET_PIXELS)
