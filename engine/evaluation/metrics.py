"""Classification metrics from true labels and predicted probabilities.

The maths is scikit-learn's (``sklearn.metrics``); this module only chooses the figures a user can act on,
names them plainly and returns JSON-ready values. Undefined figures (a ratio with nothing to divide by, an AUC
with only one class present) are ``None``, never ``NaN``, so ``metrics.json`` stays valid JSON.

Conventions:
    * ``y_true``: ``(N,)`` integer class indices into ``class_names``.
    * ``probs``: ``(N, C)`` probabilities, rows summing to 1, columns in ``class_names`` order.
    * With two classes one class is *positive* (:func:`default_positive_class`); an image is predicted
      positive when its probability of the positive class is at least the decision threshold.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

#: Class names that usually mean "nothing found": with two classes the *other* class is the positive one.
# not translated: class names the code compares with
NEGATIVE_WORDS = ("normal", "negative", "healthy", "benign", "notumor", "no_tumor", "no tumor", "none", "no",
                  "clean", "ok", "good", "background", "other", "absent", "without")
DEFAULT_BINS = 10


def default_positive_class(class_names: Sequence[str]) -> int:
    """Index of the class that counts as *positive* with two classes.

    The second class, unless it looks like the "nothing found" class (``normal``, ``negative``, ``no_x``...)
    and the first does not.

    Example:
        >>> default_positive_class(["cancer", "normal"]), default_positive_class(["cat", "dog"])
        (0, 1)
    """
    def negative(name: str) -> bool:
        lowered = name.strip().lower()
        return any(lowered == w or lowered.startswith((w + "_", w + " ", w + "-")) for w in NEGATIVE_WORDS)

    if len(class_names) == 2 and negative(class_names[1]) and not negative(class_names[0]):
        return 0
    return 1


def predicted_labels(probs: FloatArray, *, threshold: float | None = None, positive: int = 1) -> IntArray:
    """The predicted class of each row: the most probable one, or with two classes and ``threshold`` given,
    ``positive`` when its probability is at least ``threshold``.

    Example:
        >>> predicted_labels(np.array([[0.7, 0.3], [0.4, 0.6]]), threshold=0.25).tolist()
        [1, 1]
    """
    probs = np.asarray(probs, dtype=np.float64)
    if threshold is None or probs.shape[1] != 2:
        return np.asarray(probs.argmax(axis=1), dtype=np.int64)
    negative = 1 - positive
    return np.where(probs[:, positive] >= threshold, positive, negative).astype(np.int64)


def confusion(y_true: IntArray, y_pred: IntArray, n_classes: int) -> IntArray:
    """Counts: row = true class, column = predicted class (every class has a row, even when absent)."""
    return np.asarray(confusion_matrix(y_true, y_pred, labels=list(range(n_classes))), dtype=np.int64)


def row_normalised(matrix: IntArray) -> FloatArray:
    """Each row divided by its total (the share of that true class predicted as each class); empty rows 0.

    Example:
        >>> row_normalised(np.array([[3, 1], [0, 0]])).tolist()
        [[0.75, 0.25], [0.0, 0.0]]
    """
    totals = matrix.sum(axis=1, keepdims=True).astype(np.float64)
    out = np.zeros(matrix.shape, dtype=np.float64)
    np.divide(matrix, totals, out=out, where=totals > 0)
    return out


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


@dataclass(frozen=True, slots=True)
class BinaryFigures:
    """The two-class figures at one decision threshold. Ratios are ``None`` when undefined (0/0)."""

    positive_class: str
    threshold: float
    tp: int
    fp: int
    tn: int
    fn: int
    sensitivity: float | None  # recall of the positive class (true positive rate)
    specificity: float | None  # recall of the negative class (true negative rate)
    ppv: float | None  # precision of the positive class (positive predictive value)
    npv: float | None  # precision of the negative class (negative predictive value)
    accuracy: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def binary_figures(y_true: IntArray, probs: FloatArray, class_names: Sequence[str], *, positive: int,
                   threshold: float) -> BinaryFigures:
    """Sensitivity, specificity, PPV and NPV of a two-class model at ``threshold`` (cheap: the GUI's slider
    calls it on every move).

    Example:
        >>> f = binary_figures(np.array([0, 1, 1]), np.array([[.9, .1], [.4, .6], [.8, .2]]), ["a", "b"],
        ...                    positive=1, threshold=0.5)
        >>> f.tp, f.fn, f.sensitivity, f.specificity
        (1, 1, 0.5, 1.0)
    """
    y_true = np.asarray(y_true)
    is_pos = y_true == positive
    said_pos = np.asarray(probs)[:, positive] >= threshold
    tp = int(np.sum(is_pos & said_pos))
    fp = int(np.sum(~is_pos & said_pos))
    tn = int(np.sum(~is_pos & ~said_pos))
    fn = int(np.sum(is_pos & ~said_pos))
    return BinaryFigures(
        positive_class=class_names[positive], threshold=float(threshold), tp=tp, fp=fp, tn=tn, fn=fn,
        sensitivity=_ratio(tp, tp + fn), specificity=_ratio(tn, tn + fp), ppv=_ratio(tp, tp + fp),
        npv=_ratio(tn, tn + fn), accuracy=_ratio(tp + tn, len(y_true)))


@dataclass(frozen=True, slots=True)
class RocCurve:
    """ROC curve of the positive class; ``auc`` is ``None`` when only one class is present."""

    fpr: tuple[float, ...]
    tpr: tuple[float, ...]
    thresholds: tuple[float, ...]
    auc: float | None

    def to_dict(self) -> dict[str, Any]:
        # sklearn's first threshold is +inf (nothing predicted positive); JSON has no infinity.
        return {"fpr": list(self.fpr), "tpr": list(self.tpr),
                "thresholds": [min(t, 1.0) for t in self.thresholds], "auc": self.auc}


def roc(y_true: IntArray, scores: FloatArray, *, positive: int) -> RocCurve:
    """ROC curve and AUC for ``scores`` = probability of the positive class.

    Example:
        >>> roc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]), positive=1).auc
        0.75
    """
    is_pos = (np.asarray(y_true) == positive).astype(np.int64)
    if is_pos.min(initial=1) == is_pos.max(initial=0):  # only one class present: no curve
        return RocCurve((), (), (), None)
    fpr, tpr, thresholds = roc_curve(is_pos, scores, drop_intermediate=True)
    auc = float(roc_auc_score(is_pos, scores))
    return RocCurve(tuple(map(float, fpr)), tuple(map(float, tpr)), tuple(map(float, thresholds)), auc)


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    lower: float
    upper: float
    count: int
    confidence: float | None  # mean confidence of the images in the bin
    accuracy: float | None  # share of them predicted correctly


@dataclass(frozen=True, slots=True)
class Calibration:
    """Reliability diagram of the top-class confidence, and the expected calibration error (ECE).

    ECE = sum over bins of (share of images in the bin) x |accuracy - mean confidence|: 0 means that a model
    saying "80% sure" is right 80% of the time.
    """

    ece: float
    bins: tuple[CalibrationBin, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"ece": self.ece, "bins": [asdict(b) for b in self.bins]}


def calibration(y_true: IntArray, probs: FloatArray, *, n_bins: int = DEFAULT_BINS) -> Calibration:
    """Equal-width bins over the confidence (the top probability) in ``(0, 1]``; right edges inclusive.

    scikit-learn has no ECE, so the binning is done here (checked against hand-computed values in tests).

    Example:
        >>> round(calibration(np.array([0, 1]), np.array([[0.9, 0.1], [0.7, 0.3]]), n_bins=2).ece, 6)
        0.3
    """
    probs = np.asarray(probs, dtype=np.float64)
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == np.asarray(y_true)).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # Bin i holds (edges[i], edges[i+1]]; a confidence of exactly 0 can only come from a broken row: bin 0.
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    bins: list[CalibrationBin] = []
    ece = 0.0
    edges = np.round(edges, 6)  # 0.30000000000000004 -> 0.3 in metrics.json; binning is done already
    for i in range(n_bins):
        members = index == i
        count = int(members.sum())
        if count:
            conf, acc = float(confidence[members].mean()), float(correct[members].mean())
            ece += count / len(confidence) * abs(acc - conf)
            bins.append(CalibrationBin(float(edges[i]), float(edges[i + 1]), count, conf, acc))
        else:
            bins.append(CalibrationBin(float(edges[i]), float(edges[i + 1]), 0, None, None))
    return Calibration(ece=float(ece), bins=tuple(bins))


def per_class_scores(y_true: IntArray, y_pred: IntArray, class_names: Sequence[str]) -> dict[str, Any]:
    """Precision, recall, F1 and support per class, with macro and weighted averages.

    A class never predicted has precision 0 (scikit-learn's ``zero_division=0``), not an error.
    """
    labels = list(range(len(class_names)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    per_class = {name: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                        "support": int(support[i])} for i, name in enumerate(class_names)}
    averages: dict[str, Any] = {}
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=average,
                                                     zero_division=0)
        averages[f"{average}_avg"] = {"precision": float(p), "recall": float(r), "f1": float(f)}
    return {"per_class": per_class, **averages}


def scores_from_confusion(matrix: IntArray, class_names: Sequence[str]) -> dict[str, Any]:
    """Accuracy, balanced accuracy, per-class and averaged precision/recall/F1 from a confusion matrix.

    The same figures as scikit-learn's (``zero_division=0``; balanced accuracy over the classes present) in
    plain numpy, fast enough to follow the threshold slider on thousands of images (tests compare the two).

    Example:
        >>> scores_from_confusion(np.array([[3, 1], [1, 3]]), ["a", "b"])["per_class"]["a"]["f1"]
        0.75
    """
    cm = np.asarray(matrix, dtype=np.float64)
    tp, predicted, support = np.diag(cm), cm.sum(axis=0), cm.sum(axis=1)
    zeros = np.zeros_like(tp)
    precision = np.divide(tp, predicted, out=zeros.copy(), where=predicted > 0)
    recall = np.divide(tp, support, out=zeros.copy(), where=support > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=zeros.copy(), where=precision + recall > 0)
    total = float(support.sum())
    weights = support / total if total else zeros
    present = support > 0
    per_class = {name: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                        "support": int(support[i])} for i, name in enumerate(class_names)}
    return {
        "accuracy": float(tp.sum() / total) if total else 0.0,
        "balanced_accuracy": float(recall[present].mean()) if present.any() else 0.0,
        "per_class": per_class,
        "macro_avg": {"precision": float(precision.mean()), "recall": float(recall.mean()),
                      "f1": float(f1.mean())},
        "weighted_avg": {"precision": float(precision @ weights), "recall": float(recall @ weights),
                         "f1": float(f1 @ weights)},
    }


def at_threshold(y_true: IntArray, probs: FloatArray, class_names: Sequence[str], *, positive: int,
                 threshold: float) -> dict[str, Any]:
    """The figures of a two-class model that change with the decision threshold (no ROC, no calibration).

    Example:
        >>> at_threshold(np.array([0, 1]), np.array([[.7, .3], [.6, .4]]), ["a", "b"], positive=1,
        ...              threshold=0.35)["confusion_matrix"]
        [[1, 0], [0, 1]]
    """
    y = np.asarray(y_true, dtype=np.int64)
    n = len(class_names)
    predicted = predicted_labels(probs, threshold=threshold, positive=positive)
    matrix = np.bincount(y * n + predicted, minlength=n * n).reshape(n, n)
    return {
        **scores_from_confusion(matrix, class_names),
        "confusion_matrix": matrix.tolist(),
        "confusion_matrix_normalized": row_normalised(matrix).tolist(),
        "binary": binary_figures(y, probs, class_names, positive=positive, threshold=threshold).to_dict(),
    }


def _multiclass_auc(y_true: IntArray, probs: FloatArray) -> float | None:
    """Macro one-vs-rest AUC, when every class is present (otherwise it is undefined)."""
    if len(np.unique(y_true)) != probs.shape[1]:
        return None
    return float(roc_auc_score(y_true, probs, multi_class="ovr", average="macro",
                               labels=list(range(probs.shape[1]))))


def summarize(y_true: Sequence[int] | IntArray, probs: Sequence[Sequence[float]] | FloatArray,
              class_names: Sequence[str], *, positive: int | None = None, threshold: float = 0.5,
              n_bins: int = DEFAULT_BINS) -> dict[str, Any]:
    """Every figure for one labelled set, as a JSON-ready dict.

    Keys: ``n_images``, ``class_names``, ``accuracy``, ``balanced_accuracy``, ``per_class``, ``macro_avg``,
    ``weighted_avg``, ``confusion_matrix``, ``confusion_matrix_normalized``, ``calibration``, ``log_loss``;
    with two classes also ``roc_auc``, ``roc`` and ``binary`` (sensitivity, specificity, PPV, NPV at
    ``threshold``); with more, ``roc_auc_ovr_macro``.

    Example:
        >>> m = summarize([0, 1, 1, 0], [[.8, .2], [.3, .7], [.6, .4], [.9, .1]], ["cat", "dog"])
        >>> m["accuracy"], m["per_class"]["dog"]["recall"], m["roc_auc"]
        (0.75, 0.5, 1.0)
    """
    y = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(probs, dtype=np.float64)
    n_classes = len(class_names)
    if y.size == 0:
        raise ValueError("no images to evaluate")  # not translated: callers check for images first
    if p.shape != (y.size, n_classes):
        raise ValueError(f"probabilities have shape {p.shape}, expected {(y.size, n_classes)}")  # not translated: a bug
    binary = n_classes == 2
    pos = default_positive_class(class_names) if positive is None else positive
    y_pred = predicted_labels(p, threshold=threshold if binary else None, positive=pos)
    matrix = confusion(y, y_pred, n_classes)
    with warnings.catch_warnings():  # "y_pred contains classes not in y_true": expected with small sets
        warnings.simplefilter("ignore", UserWarning)
        balanced = float(balanced_accuracy_score(y, y_pred))
    true_prob = np.clip(p[np.arange(y.size), y], 1e-12, 1.0)
    result: dict[str, Any] = {
        "n_images": int(y.size),
        "class_names": list(class_names),
        "accuracy": float(accuracy_score(y, y_pred)),
        "balanced_accuracy": balanced,
        **per_class_scores(y, y_pred, class_names),
        "confusion_matrix": matrix.tolist(),
        "confusion_matrix_normalized": row_normalised(matrix).tolist(),
        "log_loss": float(-np.log(true_prob).mean()),
        "calibration": calibration(y, p, n_bins=n_bins).to_dict(),
    }
    if binary:
        curve = roc(y, p[:, pos], positive=pos)
        result["roc_auc"] = curve.auc
        result["roc"] = curve.to_dict()
        result["binary"] = binary_figures(y, p, class_names, positive=pos, threshold=threshold).to_dict()
    else:
        result["roc_auc_ovr_macro"] = _multiclass_auc(y, p)
    return result
