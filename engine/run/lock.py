"""One run folder, one writer: a lock file (``run.lock``) that names the process that owns the folder.

Two processes training into one folder would write two histories into one ``events.jsonl`` and overwrite
each other's checkpoints, so :func:`acquire_run_lock` refuses a second owner with a plain sentence. The lock
is a file created with ``O_CREAT | O_EXCL`` (atomic on every local file system) holding the owner's pid,
host and start time. A process that ended without letting go (killed, crashed, power cut) leaves a *stale*
lock: when its pid no longer runs on this computer the lock is taken over, and the new owner is told so.

Example:
    >>> lock = acquire_run_lock(Path("runs/20260101-120000-flowers"))  # doctest: +SKIP
    >>> lock.release()  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.core.errors import OutputError, StudioError
from engine.core.i18n import tr
from engine.core.names import display_path
from engine.core.output_files import describe_write_failure, prepare_folder
from engine.core.run_layout import LOCK, RunLayout

log = logging.getLogger(__name__)

#: A lock file still empty after this many seconds was left by a process killed while writing it.
EMPTY_LOCK_GRACE_S = 10.0


class RunLocked(StudioError):
    """The run folder is owned by another process that is still running; ``str()`` says which."""


@dataclass
class RunLock:
    """Ownership of one run folder; ``note`` says when a stale lock was taken over."""

    path: Path
    owner: dict[str, Any]
    note: str | None = None

    def release(self) -> None:
        """Let go of the folder (only if the lock is still this process's own)."""
        try:
            if _read_owner(self.path) == self.owner:
                self.path.unlink()
        except OSError as exc:
            log.warning("could not remove the run lock %s: %s", self.path, exc)


def acquire_run_lock(run_dir: Path) -> RunLock:
    """Own ``run_dir`` (created if needed) until :meth:`RunLock.release`.

    Raises:
        RunLocked: another running process owns it.
        OutputError: the folder cannot be created or written.
    """
    run_dir = prepare_folder(Path(run_dir), tr("The run folder {folder}", folder=display_path(run_dir)))
    try:
        return _acquire(run_dir)
    except OSError as exc:  # no permission, a read-only or full disk
        raise OutputError(describe_write_failure(run_dir, exc, tr("The run folder {folder}",
                                                                  folder=display_path(run_dir)))) from exc


def is_run_locked(run_dir: Path) -> bool:
    """True while a running process owns ``run_dir`` (its lock is not stale): it is being trained now.

    Example:
        >>> is_run_locked(Path("no/such/run"))
        False
    """
    path = RunLayout(Path(run_dir)).lock
    if not path.exists():
        return False
    try:
        _stale_owner(path, Path(run_dir))
    except RunLocked:
        return True
    return False


def _acquire(run_dir: Path) -> RunLock:
    path = RunLayout(run_dir).lock
    owner = _this_process()
    note = None
    for _ in range(3):  # a stale lock taken over, or one that vanished while being read: try again
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            stale = _stale_owner(path, run_dir)
            if stale is not None:
                path.unlink(missing_ok=True)
                note = stale
            continue
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(owner))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError:
            path.unlink(missing_ok=True)  # an empty lock would refuse the next start for no reason
            raise
        if note:
            log.warning("%s", note)
        return RunLock(path, owner, note)
    raise RunLocked(_in_use(run_dir))


def _stale_owner(path: Path, run_dir: Path) -> str | None:
    """A note when the lock at ``path`` was left by a process that has ended; raises when its owner runs."""
    try:
        owner = _read_owner(path)
    except FileNotFoundError:
        return None  # let go of just now: simply try again
    except (OSError, ValueError):
        owner = None
    if owner is None:  # empty or unreadable: being written this instant, or its writer was killed mid-way
        if time.time() - _mtime(path) < EMPTY_LOCK_GRACE_S:
            raise RunLocked(_in_use(run_dir))
        return tr("The run folder {folder} had an unreadable lock file ({lock}); this training takes it over.",
                  folder=display_path(run_dir), lock=LOCK)
    pid, host = int(owner.get("pid", 0)), str(owner.get("host", ""))
    if host != socket.gethostname():
        raise RunLocked(tr("The run in {folder} is being trained right now by process {pid} on the computer "
                           "{host}; nothing in it was changed. Wait until that training ends; if nothing is "
                           "training it any more, delete {lock} and try again.", folder=display_path(run_dir),
                           pid=pid, host=host, lock=display_path(path)))
    if _running(pid, owner.get("started")):
        raise RunLocked(tr("The run in {folder} is being trained right now by process {pid}; nothing in it was "
                           "changed. Wait until that training ends (or stop it), then try again.",
                           folder=display_path(run_dir), pid=pid))
    return tr("The run folder was marked as in use by process {pid}, which is no longer running (it was probably "
              "ended abruptly); this training takes the folder over.", pid=pid)


def _in_use(run_dir: Path) -> str:
    return tr("The run in {folder} is being trained right now by another process; nothing in it was changed. "
              "Wait until that training ends, then try again.", folder=display_path(run_dir))


def _read_owner(path: Path) -> dict[str, Any] | None:
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        return None
    data = json.loads(text)
    return data if isinstance(data, dict) else None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _this_process() -> dict[str, Any]:
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "started": _start_time(pid)}


def _start_time(pid: int) -> str | None:
    """When ``pid`` started (Linux), so that a new process that happens to reuse the pid is not the owner."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text()  # not translated: a path.rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[19] if len(fields) > 19 else None


def _running(pid: int, started: object) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _running_windows(pid)
    try:
        os.kill(pid, 0)  # signal 0: asks whether the process exists, sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    now = _start_time(pid)
    return started is None or now is None or now == started


def _running_windows(pid: int) -> bool:
    # os.kill(pid, 0) would end the process on Windows: ask the kernel whether it still runs instead.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000 | 0x00100000, False, pid)  # QUERY_LIMITED_INFORMATION | SYNCHRONIZE
    if not handle:
        return False
    try:
        return bool(kernel32.WaitForSingleObject(handle, 0) == 0x102)  # WAIT_TIMEOUT: still running
    finally:
        kernel32.CloseHandle(handle)
