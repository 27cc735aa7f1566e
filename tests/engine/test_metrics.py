"""Metrics on small examples whose figures were worked out by hand (the numbers in the comments)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import log_loss

from engine.evaluation.metrics import (
    at_threshold,
    binary_figures,
    calibration,
    default_positive_class,
    predicted_labels,
    roc,
    row_normalised,
    scores_from_confusion,
    summarize,
)

# Two classes, "pos" is positive. Probability of "pos" per image and the truth:
P_POS = [0.9, 0.8, 0.3, 0.6, 0.2, 0.1, 0.4, 0.7]
Y_BIN = [1, 1, 1, 0, 0, 0, 0, 1]
PROBS_BIN = [[1 - p, p] for p in P_POS]

# Three classes a, b, c; predictions chosen so the confusion matrix is [[2,1,0],[0,1,1],[1,0,4]].
Y_MULTI = [0, 0, 0, 1, 1, 2, 2, 2, 2, 2]
PRED_MULTI = [0, 0, 1, 1, 2, 2, 2, 2, 0, 2]


def flat(value: object, prefix: str = "") -> dict[str, object]:
    """Nested dicts/lists as one flat dict, so pytest.approx can compare them."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flat(item, f"{prefix}{key}.").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in flat(item, f"{prefix}{i}.").items()}
    return {prefix: value}


def one_hot_probs(pred: list[int], n: int, confidence: float) -> list[list[float]]:
    rest = (1 - confidence) / (n - 1)
    return [[confidence if j == p else rest for j in range(n)] for p in pred]


def test_two_classes_at_the_default_threshold() -> None:
    m = summarize(Y_BIN, PROBS_BIN, ["neg", "pos"])
    # threshold 0.5: TP = 0.9, 0.8, 0.7; FN = 0.3; FP = 0.6; TN = 0.2, 0.1, 0.4
    b = m["binary"]
    assert (b["tp"], b["fn"], b["fp"], b["tn"]) == (3, 1, 1, 3)
    assert b["positive_class"] == "pos"
    assert b["sensitivity"] == b["specificity"] == b["ppv"] == b["npv"] == pytest.approx(0.75)
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["confusion_matrix"] == [[3, 1], [1, 3]]
    # 16 positive/negative pairs; the positive scores higher in all but 0.3 < 0.6 and 0.3 < 0.4: 14/16
    assert m["roc_auc"] == pytest.approx(0.875)
    assert m["roc"]["fpr"][0] == 0.0 and m["roc"]["tpr"][-1] == 1.0


@pytest.mark.parametrize("threshold, expected", [
    # below 0.35 -> the 0.4 negative becomes a false positive
    (0.35, dict(tp=3, fn=1, fp=2, tn=2, sensitivity=0.75, specificity=0.5, ppv=0.6, npv=2 / 3)),
    # below 0.25 -> the 0.3 positive is found too
    (0.25, dict(tp=4, fn=0, fp=2, tn=2, sensitivity=1.0, specificity=0.5, ppv=4 / 6, npv=1.0)),
    # above every score: nothing is called positive, PPV is undefined
    (0.95, dict(tp=0, fn=4, fp=0, tn=4, sensitivity=0.0, specificity=1.0, ppv=None, npv=0.5)),
])
def test_moving_the_threshold_changes_the_figures(threshold: float,
                                                  expected: dict[str, float | None]) -> None:
    figures = binary_figures(np.array(Y_BIN), np.array(PROBS_BIN), ["neg", "pos"], positive=1,
                             threshold=threshold).to_dict()
    for key, value in expected.items():
        assert figures[key] == (None if value is None else pytest.approx(value)), key


def test_three_classes_per_class_and_averages() -> None:
    m = summarize(Y_MULTI, one_hot_probs(PRED_MULTI, 3, 0.6), ["a", "b", "c"])
    assert m["confusion_matrix"] == [[2, 1, 0], [0, 1, 1], [1, 0, 4]]
    assert m["accuracy"] == pytest.approx(0.7)
    # recalls 2/3, 1/2, 4/5
    assert m["balanced_accuracy"] == pytest.approx((2 / 3 + 1 / 2 + 4 / 5) / 3)
    # column totals 3, 2, 5 -> precisions 2/3, 1/2, 4/5; here F1 equals them
    expected_a = {"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "support": 3}
    assert m["per_class"]["a"] == pytest.approx(expected_a)
    assert m["per_class"]["b"] == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2})
    assert m["per_class"]["c"]["support"] == 5
    assert m["macro_avg"]["f1"] == pytest.approx((2 / 3 + 0.5 + 0.8) / 3)
    assert m["weighted_avg"]["f1"] == pytest.approx((3 * 2 / 3 + 2 * 0.5 + 5 * 0.8) / 10)
    assert m["confusion_matrix_normalized"][0] == pytest.approx([2 / 3, 1 / 3, 0.0])
    assert "roc_auc" not in m and m["roc_auc_ovr_macro"] is not None
    # every confidence is 0.6 and 70% are right: ECE = |0.7 - 0.6|
    assert m["calibration"]["ece"] == pytest.approx(0.1)
    assert m["log_loss"] == pytest.approx(log_loss(Y_MULTI, one_hot_probs(PRED_MULTI, 3, 0.6)))


def test_expected_calibration_error_by_hand() -> None:
    # confidences 0.95 (right, right, wrong) and 0.55 (right, wrong):
    # bin (0.9, 1]: |2/3 - 0.95| x 3/5 = 0.17;  bin (0.5, 0.6]: |1/2 - 0.55| x 2/5 = 0.02;  ECE = 0.19
    probs = np.array([[0.95, 0.05], [0.95, 0.05], [0.95, 0.05], [0.55, 0.45], [0.55, 0.45]])
    y = np.array([0, 0, 1, 0, 1])
    cal = calibration(y, probs, n_bins=10)
    assert cal.ece == pytest.approx(0.19)
    filled = [b for b in cal.bins if b.count]
    assert [(b.lower, b.upper, b.count) for b in filled] == [(0.5, 0.6, 2), (0.9, 1.0, 3)]
    assert filled[1].accuracy == pytest.approx(2 / 3) and filled[1].confidence == pytest.approx(0.95)
    assert sum(b.count for b in cal.bins) == 5 and len(cal.bins) == 10


def test_a_confidence_on_a_bin_edge_goes_to_the_lower_bin() -> None:
    cal = calibration(np.array([0]), np.array([[0.7, 0.3]]), n_bins=10)
    assert [b.upper for b in cal.bins if b.count] == [0.7]


def test_absent_classes_and_single_class_sets_give_valid_json() -> None:
    # only negatives: AUC is undefined, sensitivity too; nothing may be NaN
    m = summarize([0, 0, 0], [[0.9, 0.1], [0.4, 0.6], [0.8, 0.2]], ["healthy", "sick"])
    assert m["roc_auc"] is None and m["binary"]["sensitivity"] is None
    assert m["binary"]["specificity"] == pytest.approx(2 / 3)
    assert m["per_class"]["sick"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    json.dumps(m, allow_nan=False)
    three = summarize([0, 1], [[0.5, 0.3, 0.2], [0.1, 0.8, 0.1]], ["a", "b", "c"])
    assert three["roc_auc_ovr_macro"] is None and three["per_class"]["c"]["support"] == 0
    json.dumps(three, allow_nan=False)


def test_roc_matches_the_textbook_example() -> None:
    curve = roc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]), positive=1)
    assert curve.auc == pytest.approx(0.75)
    assert curve.to_dict()["thresholds"][0] <= 1.0  # sklearn's +inf never reaches JSON


@pytest.mark.parametrize("names, positive", [
    (["cat", "dog"], 1), (["tumor", "no_tumor"], 0), (["normal", "pneumonia"], 1), (["glioma", "notumor"], 0),
    (["Malignant", "Benign"], 0), (["negative", "positive"], 1),
])
def test_default_positive_class(names: list[str], positive: int) -> None:
    assert default_positive_class(names) == positive


def test_predicted_labels_use_the_threshold_only_with_two_classes() -> None:
    probs = np.array([[0.7, 0.3], [0.45, 0.55]])
    assert predicted_labels(probs).tolist() == [0, 1]
    assert predicted_labels(probs, threshold=0.6).tolist() == [0, 0]
    assert predicted_labels(probs, threshold=0.6, positive=0).tolist() == [0, 1]
    three = np.array([[0.2, 0.5, 0.3]])
    assert predicted_labels(three, threshold=0.9).tolist() == [1]


def test_row_normalised_keeps_empty_rows_at_zero() -> None:
    assert row_normalised(np.array([[1, 3], [0, 0]])).tolist() == [[0.25, 0.75], [0.0, 0.0]]


def test_wrong_shapes_are_refused() -> None:
    with pytest.raises(ValueError):
        summarize([0, 1], [[0.5, 0.5]], ["a", "b"])
    with pytest.raises(ValueError):
        summarize([], np.zeros((0, 2)), ["a", "b"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_fast_threshold_path_agrees_with_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 60)
    p = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1)
    probs = np.stack([1 - p, p], axis=1)
    for threshold in (0.0, 0.3, 0.5, 0.77, 1.0):
        slow = summarize(y, probs, ["neg", "pos"], positive=1, threshold=threshold)
        fast = at_threshold(y, probs, ["neg", "pos"], positive=1, threshold=threshold)
        for key in ("accuracy", "balanced_accuracy", "per_class", "macro_avg", "weighted_avg",
                    "confusion_matrix", "binary"):
            assert flat(fast[key]) == pytest.approx(flat(slow[key])), (threshold, key)


def test_scores_from_confusion_match_scikit_learn_with_absent_and_unpredicted_classes() -> None:
    y = [0, 0, 1, 1, 1, 3]  # class 2 never occurs; class 3 is never predicted
    pred = [0, 1, 1, 1, 2, 1]
    slow = summarize(y, one_hot_probs(pred, 4, 0.7), ["a", "b", "c", "d"])
    fast = scores_from_confusion(np.array(slow["confusion_matrix"]), ["a", "b", "c", "d"])
    for key in ("accuracy", "balanced_accuracy", "per_class", "macro_avg", "weighted_avg"):
        assert flat(fast[key]) == pytest.approx(flat(slow[key])), key
