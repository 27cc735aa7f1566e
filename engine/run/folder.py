"""The run folder: one training run = one folder; the engine writes it, the GUI and the CLI read it.

Layout (design.md section 2)::

    config.json  split.json  events.jsonl  metrics.csv
    checkpoints/last.safetensors  checkpoints/best.safetensors
    model/model.safetensors  model/model.json
    run.lock  (only while a process trains the run: engine/run/lock.py)
"""

from __future__ import annotations

import json
import os
import logging
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

from engine.core.csv_files import SafeWriter
from engine.core.errors import OutputError
from engine.run.events import EpochEnded, Event, RunFinished, event_to_dict, read_events
from engine.core.names import display_path, json_text
from engine.core.output_files import describe_write_failure, prepare_folder

log = logging.getLogger(__name__)

CONFIG = "config.json"
SPLIT = "split.json"
EVENTS = "events.jsonl"
METRICS = "metrics.csv"
CHECKPOINTS = "checkpoints"
#: The checkpoint a run continues from (engine/training/checkpoint.py LAST).
LAST_CHECKPOINT = "last.safetensors"
MODEL_DIR = "model"
METRIC_COLUMNS = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds")


def studio_home() -> Path:
    """The app's own folder for runs (never inside the user's image folder)."""
    override = os.environ.get("FINETUNE_STUDIO_HOME")
    return Path(override).expanduser() if override else Path.home() / "FinetuneStudio"


def runs_root() -> Path:
    return studio_home() / "runs"


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


def write_json_atomic(path: Path, data: Any) -> None:
    """Write through a temporary file in the same folder, then rename: readers never see half a file.

    Names that are not valid UTF-8 are kept exactly (see :func:`engine.core.names.json_text`).

    Raises:
        OutputError: the place cannot be written (a sentence naming it; the previous file is kept).
    """
    try:
        write_bytes_atomic(path, json_text(data).encode("utf-8"))
    except OSError as exc:
        raise OutputError(describe_write_failure(path, exc)) from exc


def write_bytes_atomic(path: Path, payload: bytes) -> None:
    """Temporary file in the same folder, flush + fsync, rename, fsync the folder: a writer killed at any
    point leaves either the previous file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not possible on Windows, where os.replace is durable enough.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_tensors_atomic(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> None:
    """A safetensors file written atomically (a killed writer leaves the previous file intact)."""
    from safetensors.torch import save  # imported here: this module must not load torch for `engine scan`

    contiguous = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    write_bytes_atomic(path, save(contiguous, metadata=metadata))


class RunLog:
    """Appends events to ``events.jsonl`` and epoch rows to ``metrics.csv`` as they happen.

    Raises :class:`~engine.core.errors.OutputError` when the run folder cannot be written: at once when it cannot
    be created or opened, and on the first failed write during the run. Later writes are dropped (and
    logged), so that ending the run (its last event) still works on a disk that has just filled up.
    """

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.failed = False
        prepare_folder(run_dir, f"The run folder {display_path(run_dir)}")
        new_metrics = not (run_dir / METRICS).exists()
        try:
            # Open for the whole run (closed by close()): reopening per event would cost a syscall per batch.
            self._events = open(run_dir / EVENTS, "a", encoding="utf-8")  # noqa: SIM115
            self._metrics_file = open(run_dir / METRICS, "a", encoding="utf-8", newline="")  # noqa: SIM115
            self._metrics = SafeWriter(self._metrics_file)
            if new_metrics:
                self._metrics.writerow(METRIC_COLUMNS)
                self._metrics_file.flush()
        except OSError as exc:
            raise OutputError(describe_write_failure(run_dir, exc, f"The run folder {display_path(run_dir)}")) from exc

    def write(self, event: Event) -> None:
        if self.failed:
            return
        try:
            self._write(event)
        except OSError as exc:
            self.failed = True
            log.warning("the run history could not be written: %s", exc)
            raise OutputError(describe_write_failure(
                self.run_dir, exc, f"The training history in {display_path(self.run_dir)}",
                then=next_step(self.run_dir))) from exc

    def _write(self, event: Event) -> None:
        self._events.write(json_text(event_to_dict(event), indent=None) + "\n")
        if isinstance(event, EpochEnded):
            self._metrics.writerow([event.epoch, f"{event.train_loss:.6f}", f"{event.train_accuracy:.6f}",
                                    f"{event.val_loss:.6f}", f"{event.val_accuracy:.6f}", f"{event.lr:.8g}",
                                    f"{event.seconds:.3f}"])
            self._metrics_file.flush()
            self._events.flush()
        elif type(event).__name__ != "BatchEnded":
            self._events.flush()

    def close(self) -> None:
        for handle in (self._events, self._metrics_file):
            try:
                handle.close()
            except OSError as exc:  # the buffered rest could not be written; the run has already ended
                log.warning("closing %s failed: %s", handle.name, exc)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What the past-runs list shows about a run folder."""

    path: Path
    name: str
    arch: str
    classes: tuple[str, ...]
    finished: RunFinished | None
    epochs: int
    best_val_accuracy: float | None

    @property
    def status(self) -> str:
        if self.finished is None:
            return "interrupted"
        return self.finished.reason.value.replace("_", " ")


def summarize_run(run_dir: Path) -> RunSummary | None:
    """Summary of one run folder, or ``None`` when it is not a run folder."""
    config_path = run_dir / CONFIG
    if not config_path.is_file():
        return None
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    finished: RunFinished | None = None
    epochs = 0
    best: float | None = None
    events_path = run_dir / EVENTS
    classes: tuple[str, ...] = ()
    if events_path.is_file():
        for event in read_events(events_path):
            if isinstance(event, EpochEnded):
                epochs = event.epoch
                best = event.val_accuracy if best is None else max(best, event.val_accuracy)
            elif isinstance(event, RunFinished):
                finished = event
            elif type(event).__name__ == "RunStarted":
                classes = tuple(getattr(event, "classes", ()))
    return RunSummary(path=run_dir, name=run_dir.name, arch=str(config.get("model", {}).get("arch", "?")),
                      classes=classes, finished=finished, epochs=epochs, best_val_accuracy=best)


def list_runs(root: Path | None = None) -> list[RunSummary]:
    """Run folders under ``root``, newest first."""
    root = root or runs_root()
    if not root.is_dir():
        return []
    summaries = (summarize_run(p) for p in root.iterdir() if p.is_dir())
    return sorted((s for s in summaries if s is not None), key=lambda s: s.name, reverse=True)


def iter_run_events(run_dir: Path) -> Iterator[Event]:
    path = run_dir / EVENTS
    if path.is_file():
        yield from read_events(path)


def next_step(run_dir: Path) -> str:
    """What to do once a failed write into ``run_dir`` is fixed: continue it only if it has a checkpoint."""
    return "continue the run" if (run_dir / CHECKPOINTS / LAST_CHECKPOINT).is_file() else "start the run again"


def no_model_sentence(run_dir: Path) -> str:
    """Why ``run_dir`` has no saved model, true to what the run recorded, and what to do about it.

    Example:
        >>> no_model_sentence(Path("runs/stopped-in-epoch-1"))  # doctest: +SKIP
        'This run saved no model (it stopped before the first epoch ended), so there is nothing to evaluate.'
    """
    run_dir = Path(run_dir).expanduser()
    last_epoch, finished = 0, None
    for event in iter_run_events(run_dir):
        if isinstance(event, EpochEnded):
            last_epoch = max(last_epoch, event.epoch)
        elif isinstance(event, RunFinished):
            finished = event
    if not last_epoch:
        return "This run saved no model (it stopped before the first epoch ended), so there is nothing to evaluate."
    can_continue = ((run_dir / CHECKPOINTS / LAST_CHECKPOINT).is_file() and (run_dir / CONFIG).is_file()
                    and (finished is None or bool(finished.extra.get("resumable", True))))
    if can_continue:
        return (f"This run has no saved model yet: it was interrupted after epoch {last_epoch}, before it could "
                "save one, so there is nothing to evaluate. Continue it (Resume in Past runs, or python -m engine "
                f"train --resume {display_path(run_dir)}): it saves its best model when it ends.")
    return (f"This run ended after epoch {last_epoch} without a saved model and cannot be continued, so there is "
            "nothing to evaluate; train it again.")
