"""Where a run folder may be: never in the user's image folder, never around it.

A run writes checkpoints, a model and evaluation plots (PNG files) into its folder. Inside the image folder
those plots would become training images of a class at the next scan (or the folder a class), and the
images would be mixed with the app's files; around it, the run's files would lie among the images' folders.
:func:`check_run_location` refuses both, before anything is written: the CLI, the trainer (so the window's
runners and resume too) and the window's Train button call it.

What marks a run folder: its ``config.json`` and ``events.jsonl`` side by side (both written when a run
starts, see :class:`engine.run.folder.RunLog`). No extra marker file, so every run folder ever written is
recognised, including those made before this check existed. The folder scan skips one with
:func:`engine.core.run_layout.is_run_folder`.

Example:
    >>> check_run_location("photos", "photos/run")
    Traceback (most recent call last):
    ...
    engine.run.location.RunLocationError: The run folder ...
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from engine.core.errors import ConfigError
from engine.core.i18n import tr
from engine.core.run_layout import is_run_folder


class RunLocationError(ConfigError):
    """The run folder and the image folder overlap (one is the other, or lies inside it)."""


def check_run_location(data_dir: str | Path, run_dir: str | Path, *, what_to_do: str | None = None) -> None:
    """Refuse a run folder that is, or lies inside, the image folder, and an image folder inside a run folder.

    Links and ``..`` are resolved first, so ``photos-link/cats/../run`` is seen for what it is; folders that
    exist are compared as folders, so two spellings of one folder (capitals on macOS or Windows) match too.

    Args:
        data_dir: the image folder.
        run_dir: the run folder (it need not exist yet).
        what_to_do: the end of the sentence when the default (choose another run folder, as the command line
            can) does not fit, e.g. the window's, whose runs folder the user does not choose; ``{data}`` and
            ``{run}`` stand for the folders.

    Raises:
        RunLocationError: one sentence naming both folders and what to do.
    """
    data, run = Path(data_dir).expanduser(), Path(run_dir).expanduser()

    # Not str.format on the caller's words: a folder's name may hold braces.
    fix = re.sub(r"\{(data|run)\}", lambda m: str(data if m.group(1) == "data" else run),
                 what_to_do or "")
    if _same_folder(run, data):
        if fix:
            raise RunLocationError(tr("The run folder {run} is the image folder itself, where the run's "
                                      "checkpoints and plots would mix with your images: {fix}.", run=run, fix=fix))
        raise RunLocationError(tr("The run folder {run} is the image folder itself, where the run's checkpoints "
                                  "and plots would mix with your images: choose another run folder, outside "
                                  "{data}.", run=run, data=data))
    if _inside(run, data):
        if fix:
            raise RunLocationError(tr("The run folder {run} is inside the image folder {data}, where the run's "
                                      "checkpoints and plots would mix with your images: {fix}.", run=run,
                                      data=data, fix=fix))
        raise RunLocationError(tr("The run folder {run} is inside the image folder {data}, where the run's "
                                  "checkpoints and plots would mix with your images: choose a run folder outside "
                                  "{data}.", run=run, data=data))
    if _inside(data, run):
        if fix:
            raise RunLocationError(tr("The image folder {data} is inside the run folder {run}, where the run's "
                                      "checkpoints and plots would mix with your images: {fix}.", run=run,
                                      data=data, fix=fix))
        raise RunLocationError(tr("The image folder {data} is inside the run folder {run}, where the run's "
                                  "checkpoints and plots would mix with your images: choose a run folder that "
                                  "does not contain {data}.", run=run, data=data))
    holder = enclosing_run_folder(data)
    if holder is not None:
        raise RunLocationError(tr("The image folder {data} is inside the training run {holder} (a run's files, not "
                                  "your images): choose the folder that holds your class folders.", data=data,
                                  holder=holder))


def overlaps_folder(path: str | Path, folder: str | Path) -> bool:
    """True when ``path`` is ``folder`` or lies inside it (links resolved, as :func:`check_run_location`).

    Example:
        >>> overlaps_folder("photos/cats", "photos"), overlaps_folder("runs/first", "photos")
        (True, False)
    """
    inner, outer = Path(path).expanduser(), Path(folder).expanduser()
    return _same_folder(inner, outer) or _inside(inner, outer)


def enclosing_run_folder(folder: str | Path) -> Path | None:
    """The run folder that ``folder`` is, or lies inside (``None`` when there is none)."""
    resolved = _resolve(Path(folder).expanduser())
    for candidate in (resolved, *resolved.parents):
        if is_run_folder(candidate):
            return candidate
    return None


def _resolve(path: Path) -> Path:
    # realpath also resolves the links of the parts that exist when the rest does not (a new run folder).
    return Path(os.path.realpath(path))


def _same_folder(a: Path, b: Path) -> bool:
    ra, rb = _resolve(a), _resolve(b)
    if ra == rb:
        return True
    try:
        return os.path.samefile(ra, rb)  # one folder under two spellings (case-insensitive disks, mounts)
    except OSError:  # one of them does not exist (yet): then the names decide, as above
        return False


def _inside(inner: Path, outer: Path) -> bool:
    """True when ``inner`` lies strictly inside ``outer``."""
    rin, rout = _resolve(inner), _resolve(outer)
    if rout in rin.parents:
        return True
    try:
        outer_id = os.stat(rout)
    except OSError:
        return False
    for parent in rin.parents:
        try:
            if os.path.samestat(os.stat(parent), outer_id):
                return True
        except OSError:
            continue  # a part of a new run folder that does not exist yet
    return False
