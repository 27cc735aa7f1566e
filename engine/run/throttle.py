"""The one event rate: live figures (batch events, progress) go out at most ~10 times a second.

Measured: training in the window's own process kept 0.24x of headless throughput with an event per batch and
0.84x with updates coalesced to 10 Hz (docs/ARCHITECTURE.md section 3); the plots cannot show more anyway. The
training loop (batch events), the trainer (progress of preparation and of finishers) and the window's poll
thread (gui/jobs/controller.py) all pace themselves with :class:`Throttle`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: Live events per second, at most.
EVENTS_PER_SECOND = 10.0
#: The smallest gap between two live events, in seconds.
EVENT_INTERVAL_S = 1.0 / EVENTS_PER_SECOND


class Throttle:
    """Says whether enough time has passed since the last event that went out.

    Example:
        >>> now = [0.0]
        >>> throttle = Throttle(clock=lambda: now[0])
        >>> throttle.ready(), throttle.ready()  # the first goes out, the second is too soon
        (True, False)
        >>> now[0] = 0.1
        >>> throttle.ready(), throttle.ready(force=True)
        (True, True)
    """

    def __init__(self, interval_s: float = EVENT_INTERVAL_S, clock: Callable[[], float] = time.monotonic,
                 *, start_ready: bool = True) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._last = -float("inf") if start_ready else clock()

    def ready(self, force: bool = False) -> bool:
        """True (and the clock restarts) when an event may go out now; ``force`` for one that must (the last)."""
        now = self._clock()
        if force or now - self._last >= self.interval_s:
            self._last = now
            return True
        return False

    def restart(self) -> None:
        """Count the interval from now (e.g. the start of an epoch)."""
        self._last = self._clock()
