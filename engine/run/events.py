"""Events a run emits, as frozen dataclasses.

The same objects travel through the child process's queue (as dicts), are written one per line to
``events.jsonl`` and are replayed by the GUI to redraw a past run's plots. ``event_from_dict`` is the only
place that knows the mapping from the ``"type"`` key back to a class.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.config import StopReason


@dataclass(frozen=True, slots=True)
class RunStarted:
    run_dir: str
    epochs: int
    steps_per_epoch: int
    train_images: int
    val_images: int
    classes: tuple[str, ...]
    device: str
    trainable_params: int
    total_params: int
    batch_size: int = 0
    resumed_from_epoch: int = 0  # 0: a fresh run
    notes: tuple[str, ...] = ()  # plain lines about how this run is made fast (caches, mixed precision)


@dataclass(frozen=True, slots=True)
class BatchEnded:
    epoch: int  # 1-based
    step: int  # 1-based within the epoch
    steps: int
    loss: float
    accuracy: float
    lr: float
    images_per_s: float
    eta_s: float | None = None  # seconds left for the whole run (pauses excluded)
    gpu_memory_mb: float | None = None  # peak since the epoch began, CUDA only


@dataclass(frozen=True, slots=True)
class EpochEnded:
    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    lr: float
    seconds: float
    train_images_per_s: float
    is_best: bool
    stale_epochs: int = 0  # epochs since the monitored figure last improved (early stopping counts these)
    batch_size: int = 0
    gpu_memory_mb: float | None = None


@dataclass(frozen=True, slots=True)
class EpochTimeEstimate:
    """How long the coming epochs will take on this device (engine/training/time_estimate.py): made once the
    first batches are timed, and again after each epoch, from what each coming epoch will train."""

    epoch_seconds: float  # the next epoch (``first_epoch``)
    total_seconds: float  # every coming epoch, from ``first_epoch`` to the last
    device: str
    message: str
    fast_path_seconds: float | None = None  # frozen base + cached features, when that is offered
    first_epoch: int = 0  # 0: written before the estimate was made per epoch
    epoch_plan: tuple[float, ...] = ()  # seconds of each coming epoch, from ``first_epoch``
    measured: bool = False  # every figure rests on measured work of its kind ("about", not "roughly")


@dataclass(frozen=True, slots=True)
class OverfitWarning:
    """Validation got worse while training kept improving (engine/training/overfit.py)."""

    began_epoch: int
    best_epoch: int
    message: str


@dataclass(frozen=True, slots=True)
class RunPaused:
    paused: bool  # False: resumed
    epoch: int
    step: int


@dataclass(frozen=True, slots=True)
class LrFinderResult:
    """A learning-rate range test: loss after each step at growing rates, and the suggestion."""

    lrs: tuple[float, ...]
    losses: tuple[float, ...]
    suggested_lr: float | None
    message: str


@dataclass(frozen=True, slots=True)
class Progress:
    """Progress of a preparatory step that is not a training batch (e.g. downloading weights)."""

    task: str
    done: float
    total: float
    message: str = ""


@dataclass(frozen=True, slots=True)
class Notice:
    level: str  # "info" | "warning"
    message: str


@dataclass(frozen=True, slots=True)
class RunFinished:
    """How a job ended: exactly one per job (a training run, a learning-rate test, a comparison of strategies).

    The fields after ``epochs_completed`` were one untyped ``extra`` dict before; :func:`event_from_dict`
    still reads ``events.jsonl`` files written that way.
    """

    reason: StopReason
    detail: str  # one plain sentence the window shows as it is
    best_epoch: int = 0
    best_val_loss: float | None = None
    best_val_accuracy: float | None = None
    epochs_completed: int = 0
    job: str = "train"  # "train" | "lr_finder" | "trials" (engine/jobs/runner.py)
    model_saved: bool = False  # model/ holds this run's best model
    input_error: bool = False  # the user's input, settings or place caused it (CLI exit code 2)
    resumable: bool | None = None  # Resume would continue it; None: not recorded (the folder decides)
    evaluated: bool | None = None  # the saved model was measured into the run folder; None: not tried
    child_died: bool = False  # the training child process ended without saying how
    trials: tuple[dict[str, Any], ...] = ()  # "Try all three": one row per trial (engine/strategy/trials.py)
    saved_model: str = ""  # the saved model's label, "saved model (epoch 7): val. accuracy 37.5%"
    # how the saved model compares with chance and the majority class (engine/evaluation/assessment.py,
    # Assessment.to_dict()); empty when nothing was assessed
    assessment: dict[str, Any] | None = None
    report_written: bool | None = None  # report.html was written at the end; None: not tried (or kept)

    @property
    def succeeded(self) -> bool:
        return self.reason in (StopReason.FINISHED, StopReason.EARLY_STOPPED)


Event = (RunStarted | BatchEnded | EpochEnded | Progress | Notice | RunFinished | EpochTimeEstimate | OverfitWarning
         | RunPaused | LrFinderResult)
_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (RunStarted, BatchEnded, EpochEnded, Progress, Notice, RunFinished,
                                  EpochTimeEstimate, OverfitWarning, RunPaused, LrFinderResult)
}


def event_to_dict(event: Event) -> dict[str, Any]:
    """Plain-JSON form with a ``"type"`` key. Example: ``{"type": "Notice", "level": "info", ...}``."""
    out: dict[str, Any] = {"type": type(event).__name__}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if isinstance(value, StopReason):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def event_from_dict(data: dict[str, Any]) -> Event:
    """Inverse of :func:`event_to_dict`; unknown keys are ignored so newer files still load."""
    data = dict(data)
    cls = _TYPES.get(str(data.pop("type", "")))
    if cls is None:
        raise ValueError(f"unknown event type in {data!r}")  # not translated: caught by the readers, never shown
    names = {f.name for f in dataclasses.fields(cls)}
    if cls is RunFinished:
        data = _typed_extra(data)
    kwargs = {k: v for k, v in data.items() if k in names}
    if cls is RunFinished:
        kwargs["reason"] = StopReason(kwargs["reason"])
    for f in dataclasses.fields(cls):  # JSON has lists where the events hold tuples
        if str(f.type).startswith("tuple") and isinstance(kwargs.get(f.name), list):
            kwargs[f.name] = tuple(kwargs[f.name])
    return cls(**kwargs)  # type: ignore[no-any-return]


def _typed_extra(data: dict[str, Any]) -> dict[str, Any]:
    """A :class:`RunFinished` written before its fields were typed kept them in ``extra``; run folders on disk
    are the contract (Past runs and Resume read them), so those keys become the fields of the same name."""
    extra = data.pop("extra", None)
    if not isinstance(extra, dict):
        return data
    return {**{k: v for k, v in extra.items() if k in _FINISHED_EXTRA_KEYS}, **data}


_FINISHED_EXTRA_KEYS = frozenset({"job", "model_saved", "input_error", "resumable", "evaluated", "child_died",
                                  "trials"})


def read_events(path: Path) -> Iterator[Event]:
    """Events of a run folder's ``events.jsonl``; a torn last line (killed writer) is skipped."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                yield event_from_dict(json.loads(line))
            except (ValueError, TypeError, KeyError):
                continue
