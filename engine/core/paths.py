"""The app's own folders: where runs, logs and caches live (never inside the user's image folder)."""

from __future__ import annotations

import os
from pathlib import Path

#: Set to use another app folder (tests, several users on one account, a lab's shared disk).
HOME_VARIABLE = "FINETUNE_STUDIO_HOME"


def studio_home() -> Path:
    """``$FINETUNE_STUDIO_HOME``, or ``~/FinetuneStudio``."""
    override = os.environ.get(HOME_VARIABLE)
    return Path(override).expanduser() if override else Path.home() / "FinetuneStudio"


def runs_root() -> Path:
    """Where new run folders go by default."""
    return studio_home() / "runs"


def logs_dir() -> Path:
    """The window's and the command line's log files (tracebacks go there, never to the user)."""
    return studio_home() / "logs"


def scan_cache_dir() -> Path:
    """What earlier scans learnt about each file (engine/data/scan/cache.py)."""
    return studio_home() / "cache" / "scans"


def lr_finder_dir() -> Path:
    """Scratch folders of learning-rate tests (nothing in them is kept)."""
    return studio_home() / "lr-finder"
