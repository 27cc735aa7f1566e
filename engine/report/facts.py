"""What a report says, read from the run folder once: settings, split, history, model card, evaluation.

Nothing is computed again here except what the files do not hold; every figure in the report is one that the
run folder records (``metrics.json``, ``evaluation/<set>/``), so the report and the Results tab agree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.core.errors import ModelFileError
from engine.core.i18n import tr
from engine.data.split import Split
from engine.evaluation.evaluate import RunEvaluation, load_evaluation
from engine.models.saved import ModelCard
from engine.run.events import EpochEnded, RunFinished, RunStarted
from engine.run.folder import RunFileError, RunFolder

log = logging.getLogger(__name__)

#: Words in class names that mark medical images (with DICOM files or the medical augmentation preset).
MEDICAL_WORDS = ("tumor", "tumour", "glioma", "meningioma", "pituitary", "pneumonia", "covid", "cancer",
                 "carcinoma", "melanoma", "nevus", "lesion", "malignant", "benign", "fracture", "nodule",
                 "retinopathy", "glaucoma", "cardiomegaly", "effusion", "tuberculosis", "metastasis", "polyp")
DICOM_SUFFIXES = (".dcm", ".dicom", ".dic")


@dataclass(frozen=True)
class RunFacts:
    """Everything the report shows about one run (``None`` / empty where the run did not record it)."""

    run: RunFolder
    config: dict[str, Any]
    split: Split | None
    started: RunStarted | None
    epochs: tuple[EpochEnded, ...]
    finished: RunFinished | None
    card: ModelCard | None
    evaluation: RunEvaluation | None
    trials: dict[str, Any] | None

    @property
    def name(self) -> str:
        return self.run.path.name

    @property
    def class_names(self) -> tuple[str, ...]:
        if self.card is not None:
            return self.card.class_names
        return self.split.classes if self.split is not None else ()

    @property
    def best_epoch(self) -> int | None:
        if self.card is not None and self.card.best_epoch is not None:
            return self.card.best_epoch
        return self.finished.best_epoch if self.finished is not None else None

    def section(self, name: str) -> dict[str, Any]:
        value = self.config.get(name)
        return value if isinstance(value, dict) else {}

    def medical_signs(self) -> list[str]:
        """Why the data looks medical (DICOM files, the medical preset, patient grouping, class names), each a
        clause in the user's language (the model card lists them after "This warning is shown because")."""
        signs = []
        files = [p for side in (self.split.train, self.split.val, self.split.test) for p, _ in side] \
            if self.split is not None else []
        if any(p.lower().endswith(DICOM_SUFFIXES) for p in files):
            signs.append(tr("the images include DICOM files"))
        if self.split is not None and any(w.get("code") == "dicom_privacy" for w in _warnings(self.split)):
            signs.append(tr("the images include DICOM files"))
        data = self.section("data")
        if data.get("augmentation") == "medical":
            signs.append(tr("the medical-safe augmentation was chosen"))
        if data.get("group_by_patient"):
            signs.append(tr("images were grouped by patient"))
        lowered = [c.lower() for c in self.class_names]
        named = sorted({w for w in MEDICAL_WORDS for c in lowered if w in c})
        if named:
            signs.append(tr("class names speak of {names}", names=", ".join(named)))
        return list(dict.fromkeys(signs))


def _warnings(split: Split) -> list[dict[str, Any]]:
    raw = split.extra.get("warnings") or []
    return [w for w in raw if isinstance(w, dict)]


def read_facts(run_dir: str | Path) -> RunFacts:
    """Read what the report needs from a run folder.

    Raises:
        ConfigError: it is not a run folder (no ``config.json``).

    Example:
        >>> read_facts("runs/20260101-120000-flowers").class_names  # doctest: +SKIP
        ('daisy', 'tulip')
    """
    run = RunFolder.at(run_dir)
    config = run.read_config_data()
    try:
        split: Split | None = run.read_split()
    except RunFileError as exc:
        log.warning("%s", exc)
        split = None
    started, finished, by_epoch = None, None, {}
    for event in run.iter_events():
        if isinstance(event, RunStarted) and started is None:
            started = event
        elif isinstance(event, EpochEnded):
            by_epoch[event.epoch] = event  # a resumed epoch counts once: its last record
        elif isinstance(event, RunFinished):
            finished = event
    card = run.read_model_card()
    evaluation = _evaluation(run) if card is not None else None
    return RunFacts(run, config, split, started, tuple(by_epoch[e] for e in sorted(by_epoch)), finished, card,
                    evaluation, _trials(run))


def _evaluation(run: RunFolder) -> RunEvaluation | None:
    try:
        return load_evaluation(run.path)
    except ModelFileError as exc:
        log.warning("%s", exc)
        return None


def _trials(run: RunFolder) -> dict[str, Any] | None:
    """"Try all three" writes its table beside the trial runs, in the folder that holds them."""
    return run.read_trials() or RunFolder(run.path.parent).read_trials()
