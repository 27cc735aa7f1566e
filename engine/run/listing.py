"""The runs on this computer: new run folders' names, and the list the Past runs tab and the CLI show."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from engine.core.errors import ConfigError
from engine.core.i18n import tr, tr_later, trp
from engine.core.paths import runs_root
from engine.run.events import EpochEnded, RunFinished, RunStarted
from engine.run.folder import RunFolder
from engine.run.lock import is_run_locked


def new_run_dir(name: str, root: Path | None = None) -> Path:
    """``<root>/<YYYYmmdd-HHMMSS>-<name>``, made unique with a counter when needed."""
    root = root or runs_root()
    safe = re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-") or "run"
    stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{safe}"
    candidate = root / stem
    counter = 2
    while candidate.exists():
        candidate = root / f"{stem}-{counter}"
        counter += 1
    return candidate


#: The figure the saved model is known by, unless a caller names another.
VAL_ACCURACY = tr_later("val. accuracy")


def saved_model_label(epoch: int | None, value: float, figure: str = "", *, capital: bool = False) -> str:
    """How every view names the saved model's figure, so that it is never taken for another epoch's.

    ``figure`` is shown as given (pass it translated, ``tr("accuracy")``); the default is "val. accuracy".

    Example:
        >>> saved_model_label(7, 0.375)
        'saved model (epoch 7): val. accuracy 37.5%'
        >>> saved_model_label(None, 0.9, "accuracy on the test images", capital=True)
        'Saved model: accuracy on the test images 90.0%'
    """
    figure = figure or tr(VAL_ACCURACY)
    if epoch and capital:
        return tr("Saved model (epoch {epoch}): {figure} {value:.1%}", epoch=epoch, figure=figure, value=value)
    if epoch:
        return tr("saved model (epoch {epoch}): {figure} {value:.1%}", epoch=epoch, figure=figure, value=value)
    if capital:
        return tr("Saved model: {figure} {value:.1%}", figure=figure, value=value)
    return tr("saved model: {figure} {value:.1%}", figure=figure, value=value)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What the past-runs list shows about a run folder.

    ``saved_val_accuracy`` and ``saved_epoch`` are the saved (best) model's: the model a user gets when they
    open the run. The best epoch may be chosen by validation loss, so it is not always the highest accuracy.
    ``finished`` is the end of the latest attempt: a run resumed after it was stopped has none until it ends
    again. ``running``: a process trains it now (it holds the run's lock).
    """

    path: Path
    name: str
    arch: str
    classes: tuple[str, ...]
    finished: RunFinished | None
    epochs: int
    saved_val_accuracy: float | None
    saved_epoch: int | None
    running: bool = False

    @property
    def saved_model_text(self) -> str:
        """``'saved model (epoch 7): val. accuracy 37.5%'``, or ``''`` without a measured saved model."""
        if self.saved_val_accuracy is None:
            return ""
        return saved_model_label(self.saved_epoch, self.saved_val_accuracy)

    @property
    def status(self) -> str:
        """How the run stands, in the user's language ("training", "interrupted", or how it ended)."""
        if self.running:
            return trp("run status", "training")
        if self.finished is None:
            return trp("run status", "interrupted")
        reason = self.finished.reason.value
        ended = {"finished": trp("run status", "finished"), "early_stopped": trp("run status", "early stopped"),
                 "cancelled": trp("run status", "cancelled"), "failed": trp("run status", "failed")}
        return ended.get(reason, reason.replace("_", " "))


def summarize_run(run_dir: Path) -> RunSummary | None:
    """Summary of one run folder, or ``None`` when it is not a run folder."""
    run = RunFolder(run_dir)
    try:
        config = run.read_config_data()
    except ConfigError:
        return None
    finished: RunFinished | None = None
    epochs = 0
    classes: tuple[str, ...] = ()
    for event in run.iter_events():
        if isinstance(event, EpochEnded):
            epochs = event.epoch
        elif isinstance(event, RunFinished):
            finished = event
        elif isinstance(event, RunStarted):
            classes = tuple(event.classes)
            finished = None  # a resumed attempt: the earlier end is no longer how the run ended
    card = run.read_model_card()
    return RunSummary(path=run_dir, name=run_dir.name, arch=str(config.get("model", {}).get("arch", "?")),
                      classes=classes, finished=finished, epochs=epochs,
                      saved_val_accuracy=card.val_accuracy if card else None,
                      saved_epoch=card.best_epoch if card else None, running=is_run_locked(run_dir))


def list_runs(root: Path | None = None) -> list[RunSummary]:
    """Run folders under ``root``, newest first."""
    root = root or runs_root()
    if not root.is_dir():
        return []
    summaries = (summarize_run(p) for p in root.iterdir() if p.is_dir())
    return sorted((s for s in summaries if s is not None), key=lambda s: s.name, reverse=True)


