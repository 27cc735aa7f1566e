"""Writing where the user asked: one sentence for every way that can fail, and never half a file.

The CLI's ``--json``/``--csv`` files, the run folder (``train --out``) and the results written into it all come
here when the operating system refuses: a folder given for a file, a folder that does not exist, a file where a
folder should be, no permission, a read-only or full disk. :class:`~engine.core.errors.OutputError` carries the
sentence (the CLI prints it and exits with code 2; the window shows it).

Example:
    >>> import errno
    >>> describe_write_failure(Path("/media/cd/report.json"), OSError(errno.EROFS, "Read-only file system"))
    'The file /media/cd/report.json could not be written: that disk is read-only. Choose a place on another disk.'
"""

from __future__ import annotations

import errno
from pathlib import Path

from engine.core.errors import OutputError
from engine.core.names import display_path

_NO_PERMISSION = (errno.EACCES, errno.EPERM)
_FULL = (errno.ENOSPC, errno.EDQUOT)


def describe_write_failure(place: Path, exc: OSError, what: str = "", then: str = "", *,
                           action: str = "written") -> str:
    """The sentence for ``exc`` raised while writing ``place``: what happened, where, what to do.

    Args:
        place: the file or folder that was being written.
        exc: the operating system's refusal.
        what: what was being written ("The checkpoint"); default "The file PLACE".
        then: what to do once the place is fixed ("continue the run"); default: choose another place.
        action: what could not be done to it ("written", "created").
    """
    shown = display_path(place)
    what = what or f"The {'folder' if place.is_dir() else 'file'} {shown}"
    where = f"{what} could not be {action}" + ("" if shown in what else f" in {shown}")
    reason, fix, other_place = _reason_and_fix(place, exc)
    if then:
        return f"{where}: {reason}. {fix} and {then}."
    return f"{where}: {reason}. {other_place}."


def _reason_and_fix(place: Path, exc: OSError) -> tuple[str, str, str]:
    """(what went wrong, how to fix it in place, the advice without fixing it)."""
    code = exc.errno
    if code in _FULL:
        return "the disk is full", "Free some disk space", "Free some space or choose a place on another disk"
    if code == errno.EROFS:
        return "that disk is read-only", "Make the disk writable again", "Choose a place on another disk"
    if code in _NO_PERMISSION:
        return ("you have no permission to write there", "Allow writing in that folder",
                "Choose another folder, or allow writing in this one")
    blocker = _file_in_the_way(place) if code in (errno.ENOTDIR, errno.EEXIST) else None
    if blocker is not None:
        return (f"{display_path(blocker)} is a file, not a folder", "Move that file away",
                "Choose another place")
    if code == errno.ENOENT:
        missing = display_path(_missing_folder(place))
        return (f"the folder {missing} does not exist", "Create it", "Create it first or choose another place")
    if code == errno.ENAMETOOLONG:
        return "the name is too long for this disk", "Choose a shorter name", "Choose a shorter name"
    reason = (exc.strerror or type(exc).__name__).lower()
    return reason, "Fix that", "Choose another place"


def _file_in_the_way(place: Path) -> Path | None:
    """The first existing non-folder on the way to ``place`` (``--out notes.txt/run``)."""
    for candidate in (place, *place.parents)[::-1]:
        if candidate.exists() and not candidate.is_dir():
            return candidate
    return None


def _missing_folder(place: Path) -> Path:
    folder = place.parent
    while not folder.parent.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def output_file_problem(path: str | Path, suffix: str = ".json") -> str | None:
    """Why ``path`` cannot be a new file (a folder, a missing folder, a file in the way), or ``None``.

    Checked before the work starts, so a long prediction is not lost to a typo in ``--csv``. ``suffix``: of
    the file name suggested when ``path`` is a folder.
    """
    target = Path(path).expanduser()
    shown = display_path(target)
    if target.is_dir():
        return (f"{shown} is a folder; give a file name for the output, for example "
                f"{display_path(target / ('results' + suffix))}.")
    blocker = _file_in_the_way(target.parent)
    if blocker is not None:
        return f"{shown} cannot be written: {display_path(blocker)} is a file, not a folder. Choose another place."
    if not target.parent.is_dir():
        return (f"{shown} cannot be written: the folder {display_path(_missing_folder(target))} does not exist. "
                "Create it first or choose another place.")
    return None


def check_output_file(path: str | Path, suffix: str = ".json") -> Path:
    """``path`` (``~`` expanded) when a file can be created there.

    Raises:
        OutputError: :func:`output_file_problem` says why not.
    """
    problem = output_file_problem(path, suffix)
    if problem:
        raise OutputError(problem)
    return Path(path).expanduser()


def prepare_folder(folder: Path, what: str = "") -> Path:
    """Create ``folder`` (and its parents) for the app to write into.

    Raises:
        OutputError: it cannot be created (a file in the way, a read-only disk, no permission).
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(describe_write_failure(folder, exc, what or f"The folder {display_path(folder)}",
                                                 action="created")) from exc
    return folder
