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
from typing import Literal

from engine.core.errors import OutputError
from engine.core.i18n import tr
from engine.core.names import display_path

_NO_PERMISSION = (errno.EACCES, errno.EPERM)
_FULL = (errno.ENOSPC, errno.EDQUOT)


def describe_write_failure(place: Path, exc: OSError, what: str = "", then: str = "", *,
                           action: Literal["written", "created"] = "written") -> str:
    """The sentence for ``exc`` raised while writing ``place``: what happened, where, what to do.

    Args:
        place: the file or folder that was being written.
        exc: the operating system's refusal.
        what: what was being written, already translated (``tr("The checkpoint")``); default "The file PLACE".
        then: what to do once the place is fixed, already translated (``tr("continue the run")``; in Korean an
            imperative clause, "실행을 이어서 진행하세요"); default: choose another place.
        action: what could not be done to it ("written", "created").
    """
    shown = display_path(place)
    if not what:
        what = tr("The folder {path}", path=shown) if place.is_dir() else tr("The file {path}", path=shown)
    if shown in what:
        where = tr("{what} could not be created", what=what) if action == "created" else tr(
            "{what} could not be written", what=what)
    elif action == "created":
        where = tr("{what} could not be created in {place}", what=what, place=shown)
    else:
        where = tr("{what} could not be written in {place}", what=what, place=shown)
    reason, fix, other_place = _reason_and_fix(place, exc, where, then)
    return f"{reason} {fix if then else other_place}"


def _reason_and_fix(place: Path, exc: OSError, where: str, then: str) -> tuple[str, str, str]:
    """(what went wrong, how to fix it in place and then do ``then``, the advice without fixing it): three
    sentences, ``where`` the start of the first."""
    code = exc.errno
    if code in _FULL:
        return (tr("{where}: the disk is full.", where=where), tr("Free some disk space and {then}.", then=then),
                tr("Free some space or choose a place on another disk."))
    if code == errno.EROFS:
        return (tr("{where}: that disk is read-only.", where=where),
                tr("Make the disk writable again and {then}.", then=then), tr("Choose a place on another disk."))
    if code in _NO_PERMISSION:
        return (tr("{where}: you have no permission to write there.", where=where),
                tr("Allow writing in that folder and {then}.", then=then),
                tr("Choose another folder, or allow writing in this one."))
    blocker = _file_in_the_way(place) if code in (errno.ENOTDIR, errno.EEXIST) else None
    if blocker is not None:
        return (tr("{where}: {blocker} is a file, not a folder.", where=where, blocker=display_path(blocker)),
                tr("Move that file away and {then}.", then=then), tr("Choose another place."))
    if code == errno.ENOENT:
        missing = display_path(_missing_folder(place))
        return (tr("{where}: the folder {missing} does not exist.", where=where, missing=missing),
                tr("Create it and {then}.", then=then), tr("Create it first or choose another place."))
    if code == errno.ENAMETOOLONG:
        return (tr("{where}: the name is too long for this disk.", where=where),
                tr("Choose a shorter name and {then}.", then=then), tr("Choose a shorter name."))
    reason = (exc.strerror or type(exc).__name__).lower()  # the operating system's words
    return f"{where}: {reason}.", tr("Fix that and {then}.", then=then), tr("Choose another place.")


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
        return tr("{path} is a folder; give a file name for the output, for example {example}.", path=shown,
                  example=display_path(target / ("results" + suffix)))
    blocker = _file_in_the_way(target.parent)
    if blocker is not None:
        return tr("{path} cannot be written: {blocker} is a file, not a folder. Choose another place.", path=shown,
                  blocker=display_path(blocker))
    if not target.parent.is_dir():
        return tr("{path} cannot be written: the folder {missing} does not exist. Create it first or choose another "
                  "place.", path=shown, missing=display_path(_missing_folder(target)))
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
    """Create ``folder`` (and its parents) for the app to write into; ``what``: already translated.

    Raises:
        OutputError: it cannot be created (a file in the way, a read-only disk, no permission).
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        what = what or tr("The folder {path}", path=display_path(folder))
        raise OutputError(describe_write_failure(folder, exc, what, action="created")) from exc
    return folder
