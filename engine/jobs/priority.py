"""The training child yields the CPU to the window: a lower scheduling priority than its parent.

On a small machine training takes every core (the loop, its data-loading workers); at the same priority the
window's event loop waits its turn and stalls for 100 ms and more (bench/bench_gui_stalls.py). Lowered, the
scheduler runs the window first whenever it has work, which is a few milliseconds at a time, so training
loses almost nothing. Worker processes started by the child inherit its priority (POSIX ``nice``, and
Windows' "below normal" class, which child processes inherit from a below-normal parent).
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)

#: How much nicer than its parent the training child is (POSIX nice steps; 0 normal, 19 the lowest).
CHILD_NICE_INCREMENT = 10

_BELOW_NORMAL_PRIORITY_CLASS = 0x00004000  # Windows' SetPriorityClass constant


def lower_priority(increment: int = CHILD_NICE_INCREMENT) -> bool:
    """Lower this process's scheduling priority; ``False`` (logged) when the system refuses.

    Example:
        >>> import subprocess, sys
        >>> code = "from engine.jobs.priority import lower_priority; print(lower_priority())"
        >>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
        'True'
    """
    try:
        if sys.platform == "win32":
            import ctypes

            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            return bool(kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), _BELOW_NORMAL_PRIORITY_CLASS))
        os.nice(increment)
        return True
    except (OSError, AttributeError) as exc:  # a sandbox may forbid it: training still runs, at normal priority
        log.info("could not lower the training process's priority: %s", exc)
        return False
