"""The run folder, the contract between engine, window and command line: :class:`RunFolder` reads and writes it.

Its file names are in :class:`engine.core.run_layout.RunLayout` (listed there); nothing else names them.
:class:`RunFolder` adds the typed readers (settings, split, events, model card, the best model's figures) and
:class:`RunLog`, which appends the history while a run trains. Every file is written atomically
(engine/core/atomic.py) except the two append-only history files.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.config import TrainConfig
from engine.core.atomic import write_json_atomic
from engine.core.csv_files import SafeWriter
from engine.core.errors import ConfigError, ModelFileError, OutputError, StudioError
from engine.core.i18n import tr
from engine.core.names import display_path, json_text
from engine.core.output_files import describe_write_failure, prepare_folder
from engine.core.run_layout import RunLayout
from engine.data.split import Split
from engine.models.saved import ModelCard, read_model_card
from engine.run.events import EpochEnded, Event, RunFinished, event_to_dict, read_events

log = logging.getLogger(__name__)

METRIC_COLUMNS = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds")


class RunFileError(StudioError):
    """A file of a run folder is missing or damaged (the sentence names it)."""


@dataclass(frozen=True, slots=True)
class RunFolder(RunLayout):
    """One run folder: its paths (:class:`RunLayout`) and typed readers.

    Example:
        >>> run = RunFolder(Path("runs/first"))  # doctest: +SKIP
        >>> run.read_config().optim.epochs, run.read_split().classes  # doctest: +SKIP
        (10, ('ants', 'bees'))
    """

    @classmethod
    def at(cls, path: str | Path) -> RunFolder:
        return cls(Path(path).expanduser())

    # -- settings ------------------------------------------------------------------------------------------

    def read_config_data(self) -> dict[str, Any]:
        """``config.json`` as written (settings, versions and what was resolved at start).

        Raises:
            ConfigError: it is missing (not a run folder) or unreadable.
        """
        try:
            data = json.loads(self.config.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(tr("{folder} is not a run folder (it has no {file}).", folder=display_path(self.path),
                                 file=self.config.name)) from exc
        except (OSError, ValueError) as exc:
            raise ConfigError(tr("The settings of {folder} could not be read ({error}).",
                                 folder=display_path(self.path), error=exc)) from exc
        if not isinstance(data, dict):
            raise ConfigError(tr("The settings of {folder} are damaged.", folder=display_path(self.path)))
        return data

    def read_config(self) -> TrainConfig:
        return TrainConfig.from_dict(self.read_config_data())

    def write_config(self, data: dict[str, Any]) -> None:
        write_json_atomic(self.config, data)

    # -- split -----------------------------------------------------------------------------------------------

    def read_split(self) -> Split:
        """Which file went to training, validation and test.

        Raises:
            RunFileError: ``split.json`` is missing or damaged.
        """
        try:
            return Split.from_dict(json.loads(self.split.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RunFileError(tr("The list of the images this run used ({file} in {folder}) is missing or "
                                  "damaged.", file=self.split.name, folder=display_path(self.path))) from exc

    def write_split(self, split: Split) -> None:
        write_json_atomic(self.split, split.to_dict())

    # -- history, model, figures --------------------------------------------------------------------------

    def iter_events(self) -> Iterator[Event]:
        """Every event the run recorded, in order (nothing when it has none yet)."""
        if self.events.is_file():
            yield from read_events(self.events)

    def read_model_card(self) -> ModelCard | None:
        """The saved model's description, or None when the run saved no model (or it is unreadable)."""
        if not self.model_card.is_file():
            return None
        try:
            return read_model_card(self.model)
        except ModelFileError as exc:
            log.warning("%s", exc)
            return None

    def read_summary(self) -> dict[str, Any] | None:
        """The best model's figures (``metrics.json``), or None when it was not measured yet."""
        try:
            data = json.loads(self.summary.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def read_trials(self) -> dict[str, Any] | None:
        """"Try all three"'s table (``trials.json`` of a trials folder), or None when there is none or it is
        damaged."""
        try:
            data = json.loads(self.trials.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def next_step(self) -> str:
        """What to do once a failed write into the folder is fixed: continue only if there is a checkpoint."""
        return tr("continue the run") if self.last_checkpoint.is_file() else tr("start the run again")


def iter_run_events(run_dir: Path) -> Iterator[Event]:
    return RunFolder(run_dir).iter_events()


def next_step(run_dir: Path) -> str:
    return RunFolder(run_dir).next_step()


class RunLog:
    """Appends events to ``events.jsonl`` and epoch rows to ``metrics.csv`` as they happen.

    Raises :class:`~engine.core.errors.OutputError` when the run folder cannot be written: at once when it cannot
    be created or opened, and on the first failed write during the run. Later writes are dropped (and
    logged), so that ending the run (its last event) still works on a disk that has just filled up.
    """

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.failed = False
        layout = RunLayout(run_dir)
        prepare_folder(run_dir, tr("The run folder {folder}", folder=display_path(run_dir)))
        new_metrics = not (layout.metrics).exists()
        try:
            # Open for the whole run (closed by close()): reopening per event would cost a syscall per batch.
            self._events = open(layout.events, "a", encoding="utf-8")  # noqa: SIM115
            self._metrics_file = open(layout.metrics, "a", encoding="utf-8", newline="")  # noqa: SIM115
            self._metrics = SafeWriter(self._metrics_file)
            if new_metrics:
                self._metrics.writerow(METRIC_COLUMNS)
                self._metrics_file.flush()
        except OSError as exc:
            raise OutputError(describe_write_failure(run_dir, exc, tr("The run folder {folder}",
                                                                      folder=display_path(run_dir)))) from exc

    def write(self, event: Event) -> None:
        if self.failed:
            return
        try:
            self._write(event)
        except OSError as exc:
            self.failed = True
            log.warning("the run history could not be written: %s", exc)
            raise OutputError(describe_write_failure(
                self.run_dir, exc, tr("The training history in {folder}", folder=display_path(self.run_dir)),
                then=next_step(self.run_dir))) from exc

    def _write(self, event: Event) -> None:
        self._events.write(json_text(event_to_dict(event), indent=None) + "\n")
        if isinstance(event, EpochEnded):
            self._metrics.writerow([event.epoch, f"{event.train_loss:.6f}", f"{event.train_accuracy:.6f}",
                                    f"{event.val_loss:.6f}", f"{event.val_accuracy:.6f}", f"{event.lr:.8g}",
                                    f"{event.seconds:.3f}"])
            self._metrics_file.flush()
        # Every event at once (batch events come at most 10 a second): a reader that follows the file, the
        # window following a run on several GPUs (engine/jobs/torchrun_runner.py), sees the live curves.
        self._events.flush()

    def close(self) -> None:
        for handle in (self._events, self._metrics_file):
            try:
                handle.close()
            except OSError as exc:  # the buffered rest could not be written; the run has already ended
                log.warning("closing %s failed: %s", handle.name, exc)


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
        return tr("This run saved no model (it stopped before the first epoch ended), so there is nothing to "
                  "evaluate.")
    can_continue = (RunLayout(run_dir).can_resume()
                    and (finished is None or finished.resumable is not False))
    if can_continue:
        return tr("This run has no saved model yet: it was interrupted after epoch {epoch}, before it could save "
                  "one, so there is nothing to evaluate. Continue it (Resume in Past runs, or python -m engine train "
                  "--resume {folder}): it saves its best model when it ends.", epoch=last_epoch,
                  folder=display_path(run_dir))
    return tr("This run ended after epoch {epoch} without a saved model and cannot be continued, so there is "
              "nothing to evaluate; train it again.", epoch=last_epoch)
