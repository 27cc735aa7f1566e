"""The advisor's decision table and its size measure (pure functions)."""

from __future__ import annotations

import pytest

from engine.strategy.table import (
    Advised,
    SimilarityClass,
    SizeClass,
    SizeThresholds,
    classify_size,
    decide,
    effective_images_per_class,
    size_position,
    stages_to_freeze,
)

S, L = SizeClass.SMALL, SizeClass.LARGE
SIM, DIFF = SimilarityClass.SIMILAR, SimilarityClass.DIFFERENT


@pytest.mark.parametrize(
    ("size", "similarity", "expected"),
    [
        (L, DIFF, Advised.FULL),  # 1: enough data to adapt every layer
        (L, SIM, Advised.PARTIAL),  # 2
        (S, DIFF, Advised.PARTIAL),  # 2, with strong augmentation
        (S, SIM, Advised.HEAD),  # 3: feature extraction
        (S, None, Advised.SCRATCH),
        (L, None, Advised.SCRATCH),
    ],
)
def test_decision_table(size: SizeClass, similarity: SimilarityClass | None, expected: Advised) -> None:
    assert decide(size, similarity) is expected


def test_the_smallest_classes_decide_the_size() -> None:
    balanced = {"a": 1200, "b": 1200}
    lopsided = {"a": 5000, "b": 5000, "c": 40}
    assert classify_size(balanced) is L
    assert classify_size(lopsided) is S  # 10,040 images, but one class has only 40
    assert effective_images_per_class(lopsided) < 120


def test_thresholds_are_the_users_to_adjust() -> None:
    counts = {"a": 300, "b": 300}
    assert classify_size(counts) is S
    assert classify_size(counts, SizeThresholds(large_per_class=250)) is L


def test_size_position_is_half_way_at_the_threshold_and_bounded() -> None:
    assert size_position({"a": 1000, "b": 1000}) == pytest.approx(0.5)
    assert size_position({"a": 10, "b": 10}) == 0.0  # two decades below the threshold
    assert size_position({"a": 100, "b": 100}) == pytest.approx(0.25)
    assert size_position({"a": 10**6, "b": 10**6}) == 1.0
    assert size_position({"a": 0, "b": 5}) == 0.0


@pytest.mark.parametrize(
    ("advised", "size", "similarity", "stages", "expected"),
    [
        (Advised.HEAD, S, SIM, 5, 5),
        (Advised.FULL, L, DIFF, 5, 0),
        (Advised.SCRATCH, S, None, 5, 0),
        (Advised.PARTIAL, L, SIM, 5, 4),  # only the top stage retrained
        (Advised.PARTIAL, S, DIFF, 5, 2),  # the lower half kept
        (Advised.PARTIAL, S, DIFF, 2, 1),
        (Advised.PARTIAL, L, SIM, 1, 0),
    ],
)
def test_how_many_stages_stay_frozen(advised: Advised, size: SizeClass, similarity: SimilarityClass | None,
                                     stages: int, expected: int) -> None:
    assert stages_to_freeze(advised, size, similarity, stages) == expected
