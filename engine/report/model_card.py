"""The report's "model card" (Mitchell et al., 2019): what the model is for, and what its figures do not show.

Limitations are worked out from the run itself: how many images there were, how unequal the classes are, how
wide the uncertainty of the validation accuracy is (a Wilson interval), and what the validation images cannot
tell (other devices, places or times; subjects on both sides when nothing was grouped). For medical data the
card says plainly that the model is not a cleared medical device.

Example:
    >>> low, high = wilson_interval(45, 50)
    >>> round(low, 3), round(high, 3)
    (0.786, 0.957)
"""

from __future__ import annotations

import math

from engine.report.facts import RunFacts
from engine.report.markup import esc, items, para, pct, section

SMALL_PER_CLASS = 100
IMBALANCED_RATIO = 3.0
MEDICAL_WARNING = ("This model is not a cleared or approved medical device (it has no FDA clearance, CE marking "
                   "or any other regulatory approval). It must not be used to diagnose, treat or triage patients, "
                   "nor replace a qualified clinician's judgement; it is for research and education only.")


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion (honest for small ``n`` and for rates near 0 or 1)."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def model_card_section(facts: RunFacts) -> str:
    names = facts.class_names
    listed = ", ".join(names) if names else "the classes of its image folder"
    intended = [f"Sorting images into one of {len(names)} classes: {listed}. Every image gets exactly one of "
                "these answers, even an image of something else entirely.",
                "Images like those it was trained on: the same kind of camera or scanner, framing and "
                "preparation as the images in the training folder.",
                "As an aid that a person checks, with the figures of this report in mind; not as the only basis "
                "for a decision that matters."]
    body = ["<h3>Intended use</h3>", items(intended), "<h3>Limitations</h3>", items(limitations(facts))]
    signs = facts.medical_signs()
    if signs:
        body.insert(0, f'<p class="warning medical"><b>Not a medical device.</b> {esc(MEDICAL_WARNING)}</p>'
                    + para(f"This warning is shown because {'; '.join(signs)}."))
    return section("model-card", "Model card", "".join(body))


def limitations(facts: RunFacts) -> list[str]:
    """The limitations that follow from this run's data and split, one plain sentence each."""
    lines: list[str] = []
    split = facts.split
    if split is not None:
        counts = split.counts()
        train = {c: counts["train"][c] for c in split.classes}
        smallest = min(train.values(), default=0)
        largest = max(train.values(), default=0)
        total = sum(train.values())
        size = (f"Data size: {total} training images, {smallest} in the smallest class"
                + (f" ({min(train, key=train.__getitem__)})." if train else "."))
        if smallest < SMALL_PER_CLASS:
            size += (f" Under {SMALL_PER_CLASS} images a class, the model has seen few examples of the ways images "
                     "of a class can differ; expect it to be less reliable on new images than the figures say.")
        lines.append(size)
        if smallest and largest / smallest >= IMBALANCED_RATIO:
            lines.append(f"Class balance: the largest class has {largest / smallest:.1f} times as many training "
                         "images as the smallest; the model leans towards the large classes. Read the balanced "
                         "accuracy and each class's recall, not only the accuracy.")
        else:
            lines.append("Class balance: the classes are of similar size in training (at most "
                         f"{(largest / smallest if smallest else 0):.1f} times apart).")
        lines.extend(_validation_limits(facts))
    lines.append("What the validation set does not cover: it was drawn from the same folder as the training "
                 "images, so it says nothing about images from other cameras or scanners, other places, other "
                 "times or other people; measure the model on such images before relying on it there.")
    return lines


def _validation_limits(facts: RunFacts) -> list[str]:
    lines = []
    evaluation = facts.evaluation
    if evaluation is not None:
        result = evaluation.primary
        n = len(result.labels)
        right = int((result.predicted(0.5 if len(result.class_names) == 2 else None) == result.labels).sum())
        low, high = wilson_interval(right, n)
        lines.append(f"Uncertainty: {right} of {n} images of the {result.title.lower()} were answered right "
                     f"({pct(right / n if n else None)}); with this few images the true accuracy is likely "
                     f"(95%) between {pct(low)} and {pct(high)}.")
        if evaluation.get("test") is None:
            lines.append("There is no separate test set: the validation images also chose the best epoch, so "
                         "their figures are slightly optimistic.")
    split = facts.split
    grouping = (split.extra.get("grouping") or {}) if split is not None else {}
    if str(grouping.get("by", "none")) == "none":
        lines.append("Images were not grouped: if several images show the same person, object or scene, some "
                     "may be in training and others in validation, which makes the figures look better than "
                     "they will be on new subjects (group them with a pattern or by DICOM patient).")
    return lines
