"""Evaluating a run's best model on labelled images: its validation (and test) set, or a new labelled folder.

Everything lands in the run folder (docs/ARCHITECTURE.md section 2)::

    metrics.json                         every evaluated set's figures (engine.evaluation.metrics.summarize)
    evaluation/<set>/metrics.json        the same, for one set, with the files that could not be read
    evaluation/<set>/predictions.csv     one row per image: true and predicted class, loss, every probability
    evaluation/<set>/confusion_matrix.csv
    evaluation/<set>/confusion_matrix.png, roc.png (two classes), reliability.png

``<set>`` is ``validation``, ``test`` or ``folder-<name>``. The GUI reads the files back with
:func:`load_evaluation` instead of running the model again.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.core.atomic import write_json_atomic
from engine.core.cancel import CancelToken
from engine.core.csv_files import read_csv_dicts, write_csv
from engine.core.errors import DataError, ModelFileError, OutputError, StudioError
from engine.core.i18n import tr, tr_later
from engine.core.names import readable
from engine.core.output_files import describe_write_failure
from engine.core.run_layout import EvaluationSetFiles, RunLayout
from engine.data.report import scan_image_folder
from engine.evaluation import figures
from engine.evaluation.metrics import FloatArray, IntArray, predicted_labels, summarize
from engine.evaluation.predict import predict_images
from engine.models.catalog import pick_device
from engine.models.saved import ExportedModel, load_exported_model
from engine.run.folder import RunFileError, RunFolder, no_model_sentence

log = logging.getLogger(__name__)

#: In a set's metrics.json: the table's readable file name -> the exact name (only names not valid UTF-8).
EXACT_FILE_NAMES = "exact_file_names"
#: split.json key -> the set's name in the run folder and its title in the window.
RUN_SETS = (("val", "validation", tr_later("Validation set")), ("test", "test", tr_later("Test set")))

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """Images with known classes: ``items`` are (path relative to ``root``, index in the model's classes)."""

    name: str
    title: str
    root: str
    items: tuple[tuple[str, int], ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SetEvaluation:
    """The model's answers on one labelled set, and the figures computed from them."""

    name: str
    title: str
    root: str
    class_names: tuple[str, ...]
    paths: tuple[str, ...]  # absolute, in the order of ``labels`` and ``probs``
    labels: IntArray
    probs: FloatArray
    metrics: dict[str, Any]
    failed: tuple[tuple[str, str], ...] = ()  # (file, why) left out because they could not be read
    notes: tuple[str, ...] = ()

    @property
    def positive(self) -> int:
        """With two classes, the index of the positive class (see :mod:`engine.evaluation.metrics`)."""
        binary = self.metrics.get("binary")
        return self.class_names.index(binary["positive_class"]) if binary else 1

    def predicted(self, threshold: float | None = None, positive: int | None = None) -> IntArray:
        """Predicted class per image; with two classes ``threshold`` on the ``positive`` class decides."""
        return predicted_labels(self.probs, threshold=threshold,
                                positive=self.positive if positive is None else positive)

    def losses(self) -> FloatArray:
        """Cross-entropy of each image: large when the model was confidently wrong."""
        true_prob = self.probs[np.arange(len(self.labels)), self.labels]
        return np.asarray(-np.log(np.clip(true_prob, 1e-12, 1.0)), dtype=np.float64)

    def cell(self, true_index: int, predicted_index: int, threshold: float | None = None,
             positive: int | None = None) -> list[int]:
        """Images of one confusion-matrix cell, the most confident first."""
        predicted = self.predicted(threshold, positive)
        members = np.flatnonzero((self.labels == true_index) & (predicted == predicted_index))
        order = np.argsort(-self.probs[members, predicted_index], kind="stable")
        return [int(i) for i in members[order]]

    def confident_mistakes(self, limit: int = 60, threshold: float | None = None,
                           positive: int | None = None) -> list[int]:
        """Wrong answers, the most confident first (the fastest way to find mislabelled files).

        Ordered by the wrong answer's probability, the gallery's figure (with more than two classes ordering by loss
        differs, and percentages that jump up and down read as unsorted); equal confidence: the larger loss first.
        """
        predicted = self.predicted(threshold, positive)
        wrong = np.flatnonzero(predicted != self.labels)
        confidence = self.probs[wrong, predicted[wrong]]
        order = np.lexsort((-self.losses()[wrong], -confidence))
        return [int(i) for i in wrong[order][:limit]]


@dataclass(frozen=True)
class RunEvaluation:
    run_dir: Path
    sets: tuple[SetEvaluation, ...]
    warnings: tuple[str, ...] = field(default=())

    def get(self, name: str) -> SetEvaluation | None:
        return next((s for s in self.sets if s.name == name), None)

    @property
    def primary(self) -> SetEvaluation:
        """The set whose figures are quoted first: the test set when there is one (it is unbiased)."""
        return self.get("test") or self.sets[0]

    def summary(self) -> dict[str, Any]:
        """The CLI's JSON: the primary set's figures at the top level, every set under ``"sets"``."""
        return {"evaluated_on": self.primary.name, **self.primary.metrics,
                "sets": {s.name: s.metrics for s in self.sets}}


# -- which images ----------------------------------------------------------------------------------------


def run_label_sets(run_dir: Path, class_names: tuple[str, ...]) -> list[LabelledSet]:
    """The validation set (and test set, when the run has one) listed in the run's ``split.json``."""
    try:
        split = RunFolder(Path(run_dir)).read_split()
    except RunFileError as exc:
        raise DataError(f"{exc} " + tr("Evaluate it on a labelled folder instead.")) from exc
    sets = []
    for key, name, title in RUN_SETS:
        entries = [(path, split.classes[label]) for path, label in getattr(split, key)]
        items, notes = _map_items(entries, class_names)
        if items:
            sets.append(LabelledSet(name, tr(title), split.root, tuple(items), tuple(notes)))
    if not sets:
        raise DataError(tr("This run has no validation images to evaluate on. Evaluate it on a labelled folder."))
    return sets


def _map_items(entries: list[tuple[str, str]], class_names: tuple[str, ...]) -> tuple[list[tuple[str, int]], list[str]]:
    """The entries (path, class name) whose class the model knows, as (path, index in the model's classes)."""
    index = {name: i for i, name in enumerate(class_names)}
    items: list[tuple[str, int]] = []
    unknown: set[str] = set()
    for path, cls in entries:
        if str(cls) in index:
            items.append((str(path), index[str(cls)]))
        else:
            unknown.add(str(cls))
    notes = [tr('Images of the class "{name}" were left out: the model does not know this class.', name=c)
             for c in sorted(unknown)]
    return items, notes


def folder_label_set(data_dir: str | Path, class_names: tuple[str, ...],
                     cancel: CancelToken | None = None) -> LabelledSet:
    """A new labelled folder (one subfolder per class); classes the model does not know are left out."""
    report = scan_image_folder(data_dir, cancel=cancel)
    if not report.classes:
        raise DataError(report.blocking[0].message if report.blocking else tr("No class folders in {folder}.",
                                                                                         folder=data_dir))
    raw = [(path, name) for name, files in report.classes.items() for path in files]
    items, notes = _map_items(raw, class_names)
    if not items:
        raise DataError(tr("None of the folders in {folder} is named like one of the model's classes ({classes}), so "
                           "there is nothing to compare the answers with.", folder=data_dir,
                           classes=", ".join(class_names)))
    folder = Path(report.root)
    safe = re.sub(r"[^\w.-]+", "-", folder.name, flags=re.UNICODE).strip("-") or "folder"
    return LabelledSet(f"folder-{safe}", tr("Folder {name}", name=folder.name), report.root, tuple(items), tuple(notes))


# -- running the model -----------------------------------------------------------------------------------


def evaluate_set(exported: ExportedModel, labelled: LabelledSet, *, progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None, batch_size: int = 32) -> SetEvaluation:
    """Predict every image of ``labelled`` and compute its figures.

    Example:
        >>> result = evaluate_set(load_exported_model(run), run_label_sets(run, names)[0])  # doctest: +SKIP
        >>> result.metrics["accuracy"]  # doctest: +SKIP
        0.93
    """
    root = Path(labelled.root)
    paths = [root / rel for rel, _ in labelled.items]
    predictions = list(predict_images(exported, paths, top_k=1, batch_size=batch_size, progress=progress,
                                      cancel=cancel))
    kept = [(p.path, label, p.probabilities) for p, (_, label) in zip(predictions, labelled.items) if p.ok]
    failed = tuple((p.path, p.error) for p in predictions if not p.ok)
    if not kept:
        raise DataError(tr("None of the {count} images of the {set} could be read.", count=len(paths),
                           set=labelled.title.lower()))
    labels = np.array([label for _, label, _ in kept], dtype=np.int64)
    probs = np.array([row for _, _, row in kept], dtype=np.float64)
    metrics = summarize(labels, probs, exported.class_names)
    metrics.update(set=labelled.name, title=labelled.title, root=labelled.root,
                   failed_files=[{"file": f, "error": e} for f, e in failed], notes=list(labelled.notes))
    return SetEvaluation(labelled.name, labelled.title, labelled.root, exported.class_names,
                         tuple(path for path, _, _ in kept), labels, probs, metrics, failed, labelled.notes)


def evaluate_run(run_dir: str | Path, data_dir: str | Path | None = None, *, device: str = "auto",
                 progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                 write: bool = True) -> RunEvaluation:
    """Evaluate the run's exported best model and (by default) write the results into the run folder.

    Args:
        run_dir: a run folder with ``model/``.
        data_dir: a labelled folder to evaluate on instead of the run's own validation/test sets.
        device: ``auto``, ``cpu``, ``cuda`` or ``mps``.
        progress: ``(images_done, images_total)`` over all sets.
        cancel: checked before each image; raises :class:`engine.evaluation.predict.PredictionCancelled`.
        write: write ``metrics.json``, ``evaluation/<set>/`` files and PNG plots.

    Example:
        >>> evaluation = evaluate_run("runs/20260101-120000-flowers")  # doctest: +SKIP
        >>> evaluation.summary()["balanced_accuracy"]  # doctest: +SKIP
        0.91
    """
    run_path = Path(run_dir).expanduser()
    exported = load_exported_model(run_path, pick_device(device))
    labelled = ([folder_label_set(data_dir, exported.class_names, cancel)] if data_dir is not None
                else run_label_sets(run_path, exported.class_names))
    total = sum(len(s.items) for s in labelled)
    results: list[SetEvaluation] = []
    offset = 0
    for lset in labelled:
        def report(done: int, _total: int, base: int = offset) -> None:
            if progress is not None:
                progress(base + done, total)
        results.append(evaluate_set(exported, lset, progress=report, cancel=cancel))
        offset += len(lset.items)
    evaluation = RunEvaluation(run_path, tuple(results))
    if write:
        write_evaluation(evaluation)
    return evaluation


def evaluate_after_training(run_dir: str | Path, *, device: str = "auto", progress: ProgressCallback | None = None,
                            cancel: CancelToken | None = None) -> str | None:
    """Evaluate a run's freshly exported model into its folder, as the trainer does at the end of a run.

    Returns ``None`` when ``metrics.json`` and ``evaluation/`` were written, else a sentence saying why not.
    Never raises: the model is saved and the run succeeded whatever happens here.

    Example:
        >>> evaluate_after_training("runs/20260101-120000-flowers", device="cpu") is None  # doctest: +SKIP
        True
    """
    from engine.evaluation.predict import PredictionCancelled

    try:
        evaluate_run(run_dir, device=device, progress=progress, cancel=cancel)
        return None
    except PredictionCancelled:
        said = tr("The model was saved, but measuring it on the validation images was stopped.")
    except StudioError as exc:
        said = tr("The model was saved, but it could not be measured on the validation images: {error}", error=exc)
    except Exception as exc:  # a finished run stays finished; the traceback goes to the log
        log.exception("evaluation after training failed")
        said = tr("The model was saved, but measuring it on the validation images failed because of an unexpected "
                  "error ({error}).", error=exc)
    return said + " " + tr("The Results tab or `python -m engine evaluate` can measure it later.")


# -- the run folder --------------------------------------------------------------------------------------


def _model_stamp(run_dir: Path) -> str:
    """Changes when the exported model is rewritten, so stale results are not shown for a new model."""
    stat = RunLayout(run_dir).model_weights.stat()
    return f"{stat.st_size}-{stat.st_mtime_ns}"


def write_evaluation(evaluation: RunEvaluation) -> None:
    """Write every set's files and merge the sets into the run's ``metrics.json``.

    Raises:
        OutputError: the run folder cannot be written (one sentence naming it).
    """
    run = RunLayout(evaluation.run_dir)
    stamp = _model_stamp(run.path)
    try:
        for result in evaluation.sets:
            write_set(result, run.evaluation_set(result.name), stamp)
    except OSError as exc:  # the figures, the folder itself
        raise OutputError(describe_write_failure(run.evaluation, exc, tr("The evaluation results"))) from exc
    path = run.summary
    try:
        existing = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        existing = {}
    sets = existing.get("sets", {}) if existing.get("model_stamp") == stamp else {}
    sets.update({s.name: s.metrics for s in evaluation.sets})
    primary = next((n for n in ("test", "validation") if n in sets), evaluation.primary.name)
    write_json_atomic(path, {"evaluated_on": primary, **sets[primary], "model_stamp": stamp, "sets": sets})


def write_set(result: SetEvaluation, files: EvaluationSetFiles, stamp: str) -> None:
    names = result.class_names
    predicted = result.predicted(0.5 if len(names) == 2 else None)
    losses = result.losses()
    rows: list[list[Any]] = [["file", "true_class", "predicted_class", "probability", "correct", "loss"]
                             + [f"p_{n}" for n in names]]
    for i, path in enumerate(result.paths):
        probs = result.probs[i]
        rows.append([path, names[result.labels[i]], names[predicted[i]], f"{probs[predicted[i]]:.6f}",
                     "yes" if predicted[i] == result.labels[i] else "no", f"{losses[i]:.6f}"]
                    + [f"{p:.8g}" for p in probs])
    files.folder.mkdir(parents=True, exist_ok=True)
    write_csv(files.predictions, rows)
    write_csv(files.confusion_table, [["true \\ predicted", *names]] + [  # not translated: a CSV header
        [name, *counts] for name, counts in zip(names, result.metrics["confusion_matrix"])])
    _write_figures(result, files)
    # The table shows odd file names readably (engine/core/names.py); the exact names, to open the files again:
    exact = {readable(p): p for p in result.paths if readable(p) != p}
    # metrics.json last: load_evaluation() starts from it, so it never meets a set without its table.
    write_json_atomic(files.summary, {**result.metrics, "model_stamp": stamp,
                                              **({EXACT_FILE_NAMES: exact} if exact else {})})


def _write_figures(result: SetEvaluation, files: EvaluationSetFiles) -> None:
    m = result.metrics
    figures.confusion_png(m["confusion_matrix"], result.class_names, files.confusion_figure,
                          title=tr("Confusion matrix, {set}", set=result.title.lower()))
    figures.reliability_png(m["calibration"]["bins"], m["calibration"]["ece"], files.reliability_figure)
    if "roc" in m and m["roc_auc"] is not None:
        binary = m["binary"]
        spec = binary["specificity"]
        point = (1 - spec, binary["sensitivity"]) if spec is not None else None
        figures.roc_png(m["roc"]["fpr"], m["roc"]["tpr"], m["roc_auc"], files.roc_figure,
                        positive_class=binary["positive_class"], operating_point=point)


def load_evaluation(run_dir: str | Path) -> RunEvaluation | None:
    """The evaluation written earlier for the run's current model, or ``None`` (then evaluate again)."""
    run_path = Path(run_dir).expanduser()
    folder = RunLayout(run_path).evaluation
    try:
        stamp = _model_stamp(run_path)
    except OSError:
        return None
    if not folder.is_dir():
        return None
    sets = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        loaded = _load_set(EvaluationSetFiles(sub), stamp)
        if loaded is not None:
            sets.append(loaded)
    order = {"validation": 0, "test": 1}
    sets.sort(key=lambda s: (order.get(s.name, 2), s.name))
    return RunEvaluation(run_path, tuple(sets)) if sets else None


def _load_set(files: EvaluationSetFiles, stamp: str) -> SetEvaluation | None:
    folder = files.folder
    try:
        metrics = json.loads(files.summary.read_text(encoding="utf-8"))
        if metrics.pop("model_stamp", None) != stamp:
            return None
        exact = metrics.pop(EXACT_FILE_NAMES, {})
        names = tuple(metrics["class_names"])
        index = {n: i for i, n in enumerate(names)}
        rows = read_csv_dicts(files.predictions)
        paths = tuple(exact.get(r["file"], r["file"]) for r in rows)
        labels = np.array([index[r["true_class"]] for r in rows], dtype=np.int64)
        probs = np.array([[float(r[f"p_{n}"]) for n in names] for r in rows], dtype=np.float64)
        probs = probs.reshape(-1, len(names))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable evaluation in %s: %s", folder, exc)
        return None
    failed = tuple((f["file"], f["error"]) for f in metrics.get("failed_files", []))
    return SetEvaluation(str(metrics.get("set", folder.name)), str(metrics.get("title", folder.name)),
                         str(metrics.get("root", "")), names, paths, labels, probs, metrics, failed,
                         tuple(metrics.get("notes", [])))


def require_model(run_dir: str | Path) -> None:
    """Raise :class:`ModelFileError` in plain words when the run saved no model (e.g. stopped in epoch 1)."""
    if not RunLayout(Path(run_dir).expanduser()).model_card.is_file():
        raise ModelFileError(no_model_sentence(Path(run_dir)))
