"""The strategy advisor's decision: dataset size x similarity to the pretraining data -> strategy.

The four situations (the classic transfer-learning table):

=================  ==================================  ==================================
                   similar to the pretraining photos   different (X-rays, microscopy...)
=================  ==================================  ==================================
small dataset      3 - train only the new classifier   2 - freeze the lower part, train the
                   (features already fit; anything     upper part; augment hard (low-level
                   more would overfit)                 features transfer, high-level ones don't)
large dataset      2 - freeze the lower part, train    1 - train everything at a low rate
                   the upper part                      (enough data to adapt every layer)
=================  ==================================  ==================================

Without pretrained weights there is nothing to transfer: train from scratch, with augmentation.

Everything here is a pure function of numbers, so the table is tested exhaustively.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass

from engine.core.i18n import tr


class SizeClass(str, enum.Enum):
    SMALL = "small"
    LARGE = "large"


class SimilarityClass(str, enum.Enum):
    SIMILAR = "similar"
    DIFFERENT = "different"


class Advised(str, enum.Enum):
    """The advisor's answer (the CLI's JSON "strategy" field)."""

    HEAD = "head"  # strategy 3
    PARTIAL = "partial"  # strategy 2
    FULL = "full"  # strategy 1
    SCRATCH = "scratch"  # no pretrained weights

    @property
    def number(self) -> int | None:
        return {Advised.FULL: 1, Advised.PARTIAL: 2, Advised.HEAD: 3, Advised.SCRATCH: None}[self]

    @property
    def label(self) -> str:
        return {
            Advised.HEAD: tr("Train only the new classifier"),
            Advised.PARTIAL: tr("Freeze the lower layers, train the upper layers and the classifier"),
            Advised.FULL: tr("Train the whole model"),
            Advised.SCRATCH: tr("Train from scratch"),
        }[self]


#: The table above as data.
DECISION_TABLE: dict[tuple[SizeClass, SimilarityClass], Advised] = {
    (SizeClass.SMALL, SimilarityClass.SIMILAR): Advised.HEAD,
    (SizeClass.SMALL, SimilarityClass.DIFFERENT): Advised.PARTIAL,
    (SizeClass.LARGE, SimilarityClass.SIMILAR): Advised.PARTIAL,
    (SizeClass.LARGE, SimilarityClass.DIFFERENT): Advised.FULL,
}


@dataclass(frozen=True, slots=True)
class SizeThresholds:
    """When a dataset counts as large.

    ``large_per_class`` is compared with the *harmonic mean* of the images per class, which is pulled
    towards the smallest classes: a dataset is only as large as its rarest classes let it be (a model
    cannot learn a class from a handful of images however many the other classes have). 1000 images per
    class is where training more layers stops overfitting quickly for ImageNet-sized models.
    """

    large_per_class: int = 1000

    def __post_init__(self) -> None:
        if self.large_per_class < 2:
            from engine.core.errors import ConfigError

            raise ConfigError(tr("The number of images per class that counts as large must be at least 2."))


def effective_images_per_class(counts: Mapping[str, int]) -> float:
    """Harmonic mean of the per-class counts (0 when a class is empty).

    Example:
        >>> round(effective_images_per_class({"a": 1000, "b": 10}), 1)
        19.8
    """
    values = list(counts.values())
    if not values or min(values) <= 0:
        return 0.0
    return len(values) / sum(1.0 / v for v in values)


def classify_size(counts: Mapping[str, int], thresholds: SizeThresholds = SizeThresholds()) -> SizeClass:
    return SizeClass.LARGE if effective_images_per_class(counts) >= thresholds.large_per_class else SizeClass.SMALL


def size_position(counts: Mapping[str, int], thresholds: SizeThresholds = SizeThresholds()) -> float:
    """Where the dataset sits on the chart's size axis, 0..1 (0.5 is the threshold, log scale)."""
    effective = effective_images_per_class(counts)
    if effective <= 0:
        return 0.0
    # Two decades either side of the threshold span the axis (10 .. 100,000 images per class by default).
    ratio = math.log10(effective / thresholds.large_per_class)
    return min(1.0, max(0.0, 0.5 + ratio / 4))


def decide(size: SizeClass, similarity: SimilarityClass | None) -> Advised:
    """The decision table; ``similarity`` is ``None`` when there are no pretrained weights.

    Example:
        >>> decide(SizeClass.SMALL, SimilarityClass.SIMILAR)
        <Advised.HEAD: 'head'>
    """
    if similarity is None:
        return Advised.SCRATCH
    return DECISION_TABLE[(size, similarity)]


def stages_to_freeze(advised: Advised, size: SizeClass, similarity: SimilarityClass | None,
                       n_stages: int) -> int:
    """How many of the architecture's stages (lowest first, the new head not counted) stay frozen.

    * head: all of them; full and scratch: none.
    * partial, large + similar: the features fit, so only the top stage is retrained
      (all but one frozen).
    * partial, small + different: low-level features (edges, textures) transfer, high-level ones do not:
      freeze the lower half, retrain the upper half at a low rate with strong augmentation.
    Always at least one stage is trained and one frozen in a partial plan when the model has two or more.
    """
    if n_stages <= 0 or advised in (Advised.FULL, Advised.SCRATCH):
        return 0
    if advised is Advised.HEAD:
        return n_stages
    if n_stages == 1:
        return 0
    if size is SizeClass.LARGE and similarity is SimilarityClass.SIMILAR:
        count = n_stages - 1
    else:
        count = n_stages // 2
    return min(n_stages - 1, max(1, count))
