"""A bound on the decoded pixels held at once by the threads of one process.

Pillow cannot decode a PNG (or TIFF, WebP...) at a reduced size: the whole image is in memory while it is
read, four bytes a pixel for colour images. Four threads each decoding a 10,900 x 10,900 PNG took a scan to
2.2 GB. :data:`DECODE_BUDGET` lets decodes run side by side while their pixels fit in the budget, and a
larger image alone; requests are served in arrival order, so a large image is not held back for ever by a
stream of small ones.

Example:
    >>> budget = PixelBudget(100)
    >>> with budget.hold(60):
    ...     budget.in_use
    60
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Decoded pixels in memory at once across threads: about 160 MB of colour pixels (Pillow keeps 4 bytes a
#: pixel), so a few ordinary photos decode side by side and one image larger than this decodes alone.
DECODE_BUDGET_PIXELS = 40_000_000


class PixelBudget:
    """Admits holders in arrival order while their pixels fit (one over the whole budget is admitted alone)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0
        self._condition = threading.Condition()
        self._next_ticket = 0
        self._serving = 0

    @contextmanager
    def hold(self, pixels: int) -> Iterator[None]:
        """Wait until ``pixels`` fit beside what is held, hold them for the ``with`` block."""
        with self._condition:
            ticket = self._next_ticket
            self._next_ticket += 1
            self._condition.wait_for(lambda: ticket == self._serving and self._fits(pixels))
            self._serving += 1
            self.in_use += pixels
            self._condition.notify_all()  # the next ticket may fit too
        try:
            yield
        finally:
            with self._condition:
                self.in_use -= pixels
                self._condition.notify_all()

    def _fits(self, pixels: int) -> bool:
        return self.in_use == 0 or self.in_use + pixels <= self.limit


#: The process's budget, used by :func:`engine.images.load_image_with_info` for every file it decodes.
DECODE_BUDGET = PixelBudget(DECODE_BUDGET_PIXELS)
