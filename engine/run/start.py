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

from engine.core.run_layout import RunLayout
from engine.run.events import EpochEnded
from engine.run.folder import RunFolder

log = logging.getLogger(__name__)



def start_files(layout: RunLayout) -> tuple[Path, ...]:
    """What a start writes before its first checkpoint (training.log is the child's, and is kept)."""
    return (layout.config, layout.events, layout.metrics, layout.split)


def is_unstarted(run_dir: Path) -> bool:
    """True when ``run_dir`` holds a start that never saved a checkpoint, a model or an epoch: nothing in it
    can be continued or looked at, so a new start may take its place.

    Example:
        >>> is_unstarted(Path("runs/20260101-120000-flowers"))  # doctest: +SKIP
        False
    """
    run = RunFolder(run_dir)
    if run.last_checkpoint.exists() or run.model_card.exists():
        return False
    return not any(isinstance(event, EpochEnded) for event in run.iter_events())


def clear_unstarted(run_dir: Path) -> None:
    """Remove what a start wrote before its first checkpoint (see :func:`start_files`)."""
    layout = RunLayout(run_dir)
    for path in start_files(layout):
        path.unlink(missing_ok=True)
    shutil.rmtree(layout.checkpoints, ignore_errors=True)  # at most half-written temporaries
    log.info("removed the files of a start that saved nothing from %s", run_dir)


def remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty (e.g. training.log), or already gone
        folder.rmdir()
