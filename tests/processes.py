"""Other processes in tests: is one still running, wait (bounded) until one has ended, list a process's children.

A process that has ended but whose parent has not collected it (a "zombie", e.g. an orphan under an init
that does not reap) counts as ended: it holds no memory and runs nothing.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from collections.abc import Callable
from pathlib import Path

#: How often :func:`wait_until` looks at its condition again when nothing can tell it sooner.
POLL_S = 0.05


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc: the signal test above is all there is
    return state not in ("Z", "X")


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """True as soon as ``condition()`` is; False when it still is not after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()  # never set: a bounded wait between two looks, not a fixed sleep
    while not condition():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        pause.wait(min(POLL_S, remaining))
    return True


def wait_for_exit(pid: int, timeout: float) -> bool:
    """True once process ``pid`` has ended (within ``timeout`` seconds). Wakes up the moment it ends where the
    system can say so (Linux pidfd), else looks every :data:`POLL_S`."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    except (AttributeError, OSError):
        return wait_until(lambda: not process_alive(pid), timeout)
    try:
        deadline = time.monotonic() + timeout
        while process_alive(pid):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            select.select([fd], [], [], min(remaining, 1.0))  # readable once the process has ended
        return True
    finally:
        os.close(fd)


def child_pids(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def kill_quietly(pid: int) -> None:
    """End a process a test left behind (a failed test must not leave it running)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, 9)
