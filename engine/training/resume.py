"""Continuing an interrupted run in place: its saved config and split, its last checkpoint read and restored
into a fresh session, and its history cut back to that checkpoint (so the plots and ``metrics.csv`` show each
epoch once). Reading and restoring write nothing: a resume that fails leaves the run folder as it was."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.config import TrainConfig
from engine.core.errors import StudioError
from engine.core.i18n import tr
from engine.core.run_layout import RunLayout
from engine.data.report import Split
from engine.run.events import BatchEnded, EpochEnded, Event, RunFinished, event_from_dict
from engine.run.folder import RunFileError, RunFolder
from engine.training.checkpoint import (
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    load_into,
    remove_stale_temporaries,
    write_safely,
)

if TYPE_CHECKING:
    import torch

    from engine.training.callbacks.base import Callback
    from engine.training.session import Session

log = logging.getLogger(__name__)


@dataclass
class BestSoFar:
    """The best epoch a resumed run had reached, and its weights (``None`` before any epoch ended)."""

    epoch: int
    score: float | None
    val_loss: float
    val_accuracy: float | None
    state: dict[str, torch.Tensor] | None


def load_run_config(run_dir: Path) -> TrainConfig:
    """The config a run folder was started with (``config.json``).

    Example:
        >>> load_run_config(Path("runs/20260101-120000-flowers")).optim.epochs  # doctest: +SKIP
        10
    """
    return RunFolder(Path(run_dir)).read_config()


def load_split(run_dir: Path) -> Split:
    """The split a run used (``split.json``), so a resumed run trains on exactly the same files."""
    try:
        return RunFolder(Path(run_dir)).read_split()
    except RunFileError as exc:
        raise CheckpointError(f"{exc} " + tr("The run cannot be continued.")) from exc


def cut_history(run_dir: Path, epoch: int) -> list[Event]:
    """Rewrite ``events.jsonl`` and ``metrics.csv`` to end at ``epoch``; returns the kept batch/epoch events.

    Kept: everything up to the end of epoch ``epoch`` (and the overfitting notes written right after it).
    Dropped: the later, lost epochs and the interrupted session's end.
    """
    layout = RunLayout(Path(run_dir))
    events_path = layout.events
    kept_lines: list[str] = []
    replay: list[Event] = []
    if events_path.is_file():
        after_epoch = epoch == 0
        for line in events_path.read_text(encoding="utf-8").splitlines():
            event = _parse(line)
            if event is None or isinstance(event, RunFinished):
                continue
            if isinstance(event, (BatchEnded, EpochEnded)):
                if event.epoch > epoch:
                    after_epoch = True
                    continue
                replay.append(event)
            elif after_epoch:  # notes from the lost epochs (the overfitting note of ``epoch`` comes before)
                continue
            kept_lines.append(line)
        write_safely(events_path, "".join(f"{line}\n" for line in kept_lines))
    _cut_metrics(layout.metrics, epoch)
    return replay


def _parse(line: str) -> Event | None:
    try:
        return event_from_dict(json.loads(line))
    except (ValueError, TypeError, KeyError):
        return None


def _cut_metrics(path: Path, epoch: int) -> None:
    if not path.is_file():
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = lines[:1] + [row for row in lines[1:] if _epoch_of(row) <= epoch]
    write_safely(path, "".join(f"{row}\n" for row in kept))


def _epoch_of(row: str) -> int:
    first = row.split(",", 1)[0]
    return int(first) if first.isdigit() else 1 << 30


def load_resume_checkpoint(run_dir: Path, config: TrainConfig) -> Checkpoint:
    """The checkpoint ``run_dir`` continues from.

    Raises:
        CheckpointError: there is none, or it is damaged.
        StudioError: the run already ended (all epochs, or early stopping): nothing to continue.
    """
    layout = RunLayout(Path(run_dir))
    remove_stale_temporaries(layout.checkpoints)  # half-written files of a killed writer, never a whole checkpoint
    checkpoint = load_checkpoint(layout.last_checkpoint)
    stopping = checkpoint.state.get("callbacks", {}).get("EarlyStopping", {})
    stopped_early = config.early_stopping.enabled and int(stopping.get("wait", 0)) >= config.early_stopping.patience
    if checkpoint.epoch >= config.optim.epochs or stopped_early:
        raise StudioError(tr("This run already finished; there is nothing to continue."))
    return checkpoint


def restore_session(session: Session, callbacks: Sequence[Callback], checkpoint: Checkpoint,
                    layout: RunLayout) -> BestSoFar:
    """Put ``checkpoint`` into a freshly opened session: callbacks, weights, optimizer, scaler, schedule,
    batch size; returns the best epoch so far with its weights (from ``best.safetensors``).

    Raises:
        CheckpointError: the checkpoint (or the best one) is damaged or belongs to another model.
    """
    state = checkpoint.state
    for callback in callbacks:  # first: a callback may change what is trainable (and the optimizer)
        callback.load_state_dict(state.get("callbacks", {}).get(type(callback).__name__, {}) or {})
    try:
        load_into(session.prepared.model, session.optimizer, checkpoint)
    except (RuntimeError, ValueError, KeyError) as exc:  # another model's checkpoint, or a damaged one
        log.warning("the checkpoint does not fit: %s", exc)
        raise CheckpointError(tr("The checkpoint {path} does not fit this run's model.",
                                   path=layout.last_checkpoint)) from exc
    if state.get("scaler") and session.scaler.is_enabled():
        session.scaler.load_state_dict(state["scaler"])
    session.schedule.load_state_dict(state.get("schedule", {}))
    if int(state.get("batch_size", session.batch_size)) != session.batch_size:
        session.rebuild_sources(int(state["batch_size"]))
    best = state.get("best", {})
    epoch = int(best.get("epoch", 0))
    best_file = layout.best_checkpoint
    weights = load_checkpoint(best_file).model if epoch and best_file.is_file() else None
    return BestSoFar(epoch, best.get("score"), float(best.get("val_loss", math.inf)), best.get("val_accuracy"),
                     weights)
