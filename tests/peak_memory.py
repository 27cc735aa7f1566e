"""The peak resident memory of this process, for memory tests and benchmarks run in a fresh process.

On Linux this is ``VmHWM`` from ``/proc/self/status``: the high-water mark of this program alone.
``ru_maxrss`` is not used there because it survives ``exec``: a child started by a large parent (the test
process, with torch loaded) starts with the parent's peak, which hides its own.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

_STATUS = Path("/proc/self/status")


def peak_memory() -> int:
    """Peak resident memory of this process so far, in bytes."""
    if _STATUS.is_file():
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # reported in kB
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, kilobytes elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
