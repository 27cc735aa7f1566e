"""Every file name of a run folder, in one place: the layout of the contract between engine, window and CLI.

One training run = one folder (docs/ARCHITECTURE.md, "The run folder")::

    config.json      every setting, the seed, versions         split.json     which file went where
    events.jsonl     every event, one JSON object a line      metrics.csv    one row per epoch
    checkpoints/last.safetensors  checkpoints/best.safetensors
    model/model.safetensors  model/model.json                 the best model and its description
    metrics.json     the best model's figures                 evaluation/<set>/  per-set tables and plots
    run.lock         only while a process trains the run      training.log   technical details
    cache/           decoded images and features (may be deleted)

:class:`RunLayout` only names paths; :class:`engine.run.folder.RunFolder` adds the typed readers and writers.
It lives in ``engine.core`` because the lowest layers need the names too: a folder scan must recognise a run
folder inside an image folder and skip it (:func:`is_run_folder`).

Example:
    >>> layout = RunLayout(Path("runs/first"))
    >>> layout.last_checkpoint.as_posix(), layout.model_card.as_posix()
    ('runs/first/checkpoints/last.safetensors', 'runs/first/model/model.json')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The names, for the few places that must list them (tests of the contract, docs).
CONFIG = "config.json"
SPLIT = "split.json"
EVENTS = "events.jsonl"
METRICS = "metrics.csv"
CHECKPOINTS = "checkpoints"
LAST = "last.safetensors"
BEST = "best.safetensors"
MODEL_DIR = "model"
MODEL_WEIGHTS = "model.safetensors"
MODEL_CARD = "model.json"
SUMMARY = "metrics.json"
EVALUATION = "evaluation"
LOCK = "run.lock"
TRAINING_LOG = "training.log"
CACHE = "cache"
TRIALS = "trials.json"

#: A Hugging Face hub model folder in timm's format (engine/models/hub.py) is no run folder, but it uses the same
#: two names; they are named here so that a file name is spelled in one place.
HUB_CONFIG = CONFIG
HUB_WEIGHTS = MODEL_WEIGHTS
HUB_OLD_WEIGHTS = "pytorch_model.bin"


@dataclass(frozen=True, slots=True)
class ModelFiles:
    """A saved model's folder: ``model.safetensors`` + ``model.json`` (a run's ``model/``, or a copy of it)."""

    folder: Path

    @property
    def weights(self) -> Path:
        return self.folder / MODEL_WEIGHTS

    @property
    def card(self) -> Path:
        return self.folder / MODEL_CARD

    def exists(self) -> bool:
        return self.card.is_file() and self.weights.is_file()

    @classmethod
    def find(cls, path: Path) -> ModelFiles | None:
        """The saved model in a run folder (its ``model/``) or in a model folder itself; None when neither."""
        for folder in (path / MODEL_DIR, path):
            if (folder / MODEL_CARD).is_file():
                return cls(folder)
        return None


@dataclass(frozen=True, slots=True)
class EvaluationSetFiles:
    """One evaluated set's folder: ``evaluation/<set>/`` (validation, test, or a labelled folder's name)."""

    folder: Path

    @property
    def summary(self) -> Path:
        return self.folder / SUMMARY

    @property
    def predictions(self) -> Path:
        return self.folder / "predictions.csv"

    @property
    def confusion_table(self) -> Path:
        return self.folder / "confusion_matrix.csv"

    @property
    def confusion_figure(self) -> Path:
        return self.folder / "confusion_matrix.png"

    @property
    def reliability_figure(self) -> Path:
        return self.folder / "reliability.png"

    @property
    def roc_figure(self) -> Path:
        return self.folder / "roc.png"


@dataclass(frozen=True, slots=True)
class RunLayout:
    """The paths of one run folder (nothing is read or written here)."""

    path: Path

    @property
    def config(self) -> Path:
        return self.path / CONFIG

    @property
    def split(self) -> Path:
        return self.path / SPLIT

    @property
    def events(self) -> Path:
        return self.path / EVENTS

    @property
    def metrics(self) -> Path:
        return self.path / METRICS

    @property
    def checkpoints(self) -> Path:
        return self.path / CHECKPOINTS

    @property
    def last_checkpoint(self) -> Path:
        return self.checkpoints / LAST

    @property
    def best_checkpoint(self) -> Path:
        return self.checkpoints / BEST

    @property
    def model(self) -> ModelFiles:
        return ModelFiles(self.path / MODEL_DIR)

    @property
    def model_card(self) -> Path:
        return self.model.card

    @property
    def model_weights(self) -> Path:
        return self.model.weights

    @property
    def summary(self) -> Path:
        """The best model's figures (``metrics.json``), merged over the evaluated sets."""
        return self.path / SUMMARY

    @property
    def evaluation(self) -> Path:
        return self.path / EVALUATION

    def evaluation_set(self, name: str) -> EvaluationSetFiles:
        return EvaluationSetFiles(self.evaluation / name)

    @property
    def lock(self) -> Path:
        return self.path / LOCK

    @property
    def training_log(self) -> Path:
        return self.path / TRAINING_LOG

    @property
    def cache(self) -> Path:
        """Decoded images and backbone features of this run (safe to delete; rebuilt when needed)."""
        return self.path / CACHE

    @property
    def trials(self) -> Path:
        """"Try all three": the trials' figures (engine/strategy/trials.py)."""
        return self.path / TRIALS

    def is_run_folder(self) -> bool:
        return is_run_folder(self.path)

    def has_model(self) -> bool:
        return self.model.exists()

    def can_resume(self) -> bool:
        """A checkpoint to continue from, and the settings it was made with."""
        return self.last_checkpoint.is_file() and self.config.is_file()


def is_run_folder(path: Path) -> bool:
    """What marks a run folder: its ``config.json`` and ``events.jsonl`` side by side (both written when a run
    starts). No extra marker file, so every run folder ever written is recognised."""
    return (path / CONFIG).is_file() and (path / EVENTS).is_file()
