"""Events a run emits, as frozen dataclasses.

The same objects travel through the child process's queue (as dicts), are written one per line to
``events.jsonl`` and are replayed by the GUI to redraw a past run's plots. ``event_from_dict`` is the only
place that knows the mapping from the ``"type"`` key back to a class.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Union

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


@dataclass(frozen=True, slots=True)
class BatchEnded:
    epoch: int  # 1-based
    step: int  # 1-based within the epoch
    steps: int
    loss: float
    accuracy: float
    lr: float
    images_per_s: float


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
    reason: StopReason
    detail: str  # one plain sentence the window shows as it is
    best_epoch: int = 0
    best_val_loss: float | None = None
    best_val_accuracy: float | None = None
    epochs_completed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.reason in (StopReason.FINISHED, StopReason.EARLY_STOPPED)


Event = Union[RunStarted, BatchEnded, EpochEnded, Progress, Notice, RunFinished]
_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (RunStarted, BatchEnded, EpochEnded, Progress, Notice, RunFinished)
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
        raise ValueError(f"unknown event type in {data!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {k: v for k, v in data.items() if k in names}
    if cls is RunFinished:
        kwargs["reason"] = StopReason(kwargs["reason"])
    if cls is RunStarted:
        kwargs["classes"] = tuple(kwargs.get("classes", ()))
    return cls(**kwargs)  # type: ignore[no-any-return]


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
