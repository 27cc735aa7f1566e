"""Starting a run folder without leaving behind a folder that blocks its own name.

A start that ends before its first checkpoint (weights file refused, disk full, stopped while the data was
being read, killed) has nothing to continue: :func:`clear_unstarted` removes what it wrote, and a folder left
by such a start (:func:`is_unstarted`) may be reused by the next start of the same name. (A resume that fails
writes nothing at all: engine/training/trainer.py restores the checkpoint before it touches the history.)
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from pathlib import Path

from engine.training.checkpoint import LAST
from engine.run.events import EpochEnded
from engine.run.folder import CHECKPOINTS, CONFIG, EVENTS, METRICS, MODEL_DIR, SPLIT, iter_run_events

log = logging.getLogger(__name__)

#: What a start writes before its first checkpoint (training.log is the child's, and is kept).
START_FILES = (CONFIG, EVENTS, METRICS, SPLIT)


def is_unstarted(run_dir: Path) -> bool:
    """True when ``run_dir`` holds a start that never saved a checkpoint, a model or an epoch: nothing in it
    can be continued or looked at, so a new start may take its place.

    Example:
        >>> is_unstarted(Path("runs/20260101-120000-flowers"))  # doctest: +SKIP
        False
    """
    if (run_dir / CHECKPOINTS / LAST).exists() or (run_dir / MODEL_DIR / "model.json").exists():
        return False
    return not any(isinstance(event, EpochEnded) for event in iter_run_events(run_dir))


def clear_unstarted(run_dir: Path) -> None:
    """Remove what a start wrote before its first checkpoint (see :data:`START_FILES`)."""
    for name in START_FILES:
        (run_dir / name).unlink(missing_ok=True)
    shutil.rmtree(run_dir / CHECKPOINTS, ignore_errors=True)  # at most half-written temporaries
    log.info("removed the files of a start that saved nothing from %s", run_dir)


def remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty (e.g. training.log), or already gone
        folder.rmdir()
