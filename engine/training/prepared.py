"""A run prepared without training (``python -m engine train … --prepare-only``): its ``config.json`` and
``split.json`` written, nothing trained, so that the same run can be started elsewhere, e.g. on a cluster with
``torchrun … -m engine train --config RUN/config.json`` (docs/cluster.md).

A prepared folder counts as a start that saved nothing (:func:`engine.run.start.is_unstarted`): it may be
prepared again, and training it (``prepared=True`` in :func:`engine.training.trainer.run_training`) keeps its
split, so every machine trains on the files chosen here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from engine.config import TrainConfig
from engine.core.cancel import CancelToken
from engine.core.errors import StudioError
from engine.core.i18n import tr
from engine.core.versions import versions
from engine.data.report import Split
from engine.run.folder import RunFolder
from engine.run.location import check_run_location
from engine.run.lock import acquire_run_lock
from engine.run.start import clear_unstarted, is_unstarted
from engine.training.preparation import prepare_data


def prepare_run_folder(config: TrainConfig, run_dir: Path, cancel: CancelToken | None = None) -> Split:
    """Write ``run_dir/config.json`` and ``split.json`` for ``config`` (the image folder recorded as an absolute
    path: the run may be started from another working directory) and return the split.

    Raises:
        StudioError: ``run_dir`` already holds a run that saved something, or the images cannot be used.
        RunLocked: another process is training ``run_dir``.

    Example:
        >>> prepare_run_folder(config, Path("runs/xrays")).classes  # doctest: +SKIP
        ('normal', 'pneumonia')
    """
    run_dir = Path(run_dir)
    check_run_location(config.data.data_dir, run_dir)
    data = dataclasses.replace(config.data, data_dir=str(Path(config.data.data_dir).expanduser().resolve()))
    config = dataclasses.replace(config, data=data)
    split = prepare_data(config, cancel)  # before the folder exists: unusable images leave nothing behind
    folder = RunFolder(run_dir)
    lock = acquire_run_lock(run_dir)
    try:
        if folder.config.exists() or folder.events.exists():
            if not is_unstarted(run_dir):
                raise StudioError(tr("{folder} already holds a run. Choose a new folder for this one; nothing in "
                                     "it was changed.", folder=run_dir))
            clear_unstarted(run_dir)  # an earlier preparation (or a start that saved nothing): replaced
        folder.write_config({**config.to_dict(), "versions": versions(), "resolved": {"prepared": True}})
        folder.write_split(split)
    finally:
        lock.release()
    return split
