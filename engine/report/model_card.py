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

from engine.core.i18n import tr, tr_later, trn
from engine.report.facts import RunFacts
from engine.report.markup import esc, items, para, pct, section

SMALL_PER_CLASS = 100
IMBALANCED_RATIO = 3.0
MEDICAL_WARNING = tr_later(
    "This model is not a cleared or approved medical device (it has no FDA clearance, CE marking or any other "
    "regulatory approval). It must not be used to diagnose, treat or triage patients, nor replace a qualified "
    "clinician's judgement; it is for research and education only.")


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
    if names:
        sorting = trn("Sorting images into one of {n} classes: {classes}. Every image gets exactly one of these "
                      "answers, even an image of something else entirely.",
                      "Sorting images into one of {n} classes: {classes}. Every image gets exactly one of these "
                      "answers, even an image of something else entirely.", len(names), classes=", ".join(names))
    else:
        sorting = tr("Sorting images into one of 0 classes: the classes of its image folder. Every image gets "
                     "exactly one of these answers, even an image of something else entirely.")
    intended = [sorting,
                tr("Images like those it was trained on: the same kind of camera or scanner, framing and "
                   "preparation as the images in the training folder."),
                tr("As an aid that a person checks, with the figures of this report in mind; not as the only basis "
                   "for a decision that matters.")]
    intended_use, limits = esc(tr("Intended use")), esc(tr("Limitations"))
    body = [f"<h3>{intended_use}</h3>", items(intended), f"<h3>{limits}</h3>", items(limitations(facts))]
    signs = facts.medical_signs()
    if signs:
        headline = tr("<b>Not a medical device.</b> {warning}", warning=esc(tr(MEDICAL_WARNING)))
        body.insert(0, f'<p class="warning medical">{headline}</p>'
                    + para(tr("This warning is shown because {reasons}.", reasons="; ".join(signs))))
    return section("model-card", tr("Model card"), "".join(body))


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
        smallest_name = min(train, key=train.__getitem__) if train else ""
        if train:
            size = trn("Data size: {n} training images, {smallest} in the smallest class ({name}).",
                       "Data size: {n} training images, {smallest} in the smallest class ({name}).",
                       total, smallest=smallest, name=smallest_name)
        else:
            size = trn("Data size: {n} training images, {smallest} in the smallest class.",
                       "Data size: {n} training images, {smallest} in the smallest class.", total, smallest=smallest)
        if smallest < SMALL_PER_CLASS:
            size += " " + tr("Under {limit} images a class, the model has seen few examples of the ways images of "
                             "a class can differ; expect it to be less reliable on new images than the figures "
                             "say.", limit=SMALL_PER_CLASS)
        lines.append(size)
        if smallest and largest / smallest >= IMBALANCED_RATIO:
            lines.append(tr("Class balance: the largest class has {ratio:.1f} times as many training images as the "
                            "smallest; the model leans towards the large classes. Read the balanced accuracy and "
                            "each class's recall, not only the accuracy.", ratio=largest / smallest))
        else:
            lines.append(tr("Class balance: the classes are of similar size in training (at most {ratio:.1f} times "
                            "apart).", ratio=largest / smallest if smallest else 0))
        lines.extend(_validation_limits(facts))
    lines.append(tr("What the validation set does not cover: it was drawn from the same folder as the training "
                    "images, so it says nothing about images from other cameras or scanners, other places, other "
                    "times or other people; measure the model on such images before relying on it there."))
    return lines


def _validation_limits(facts: RunFacts) -> list[str]:
    lines = []
    evaluation = facts.evaluation
    if evaluation is not None:
        result = evaluation.primary
        n = len(result.labels)
        right = int((result.predicted(0.5 if len(result.class_names) == 2 else None) == result.labels).sum())
        low, high = wilson_interval(right, n)
        lines.append(_uncertainty(result.name, result.title, right, n, low, high))
        if evaluation.get("test") is None:
            lines.append(tr("There is no separate test set: the validation images also chose the best epoch, so "
                            "their figures are slightly optimistic."))
    split = facts.split
    grouping = (split.extra.get("grouping") or {}) if split is not None else {}
    if str(grouping.get("by", "none")) == "none":
        lines.append(tr("Images were not grouped: if several images show the same person, object or scene, some "
                        "may be in training and others in validation, which makes the figures look better than "
                        "they will be on new subjects (group them with a pattern or by DICOM patient)."))
    return lines


def _uncertainty(name: str, title: str, right: int, n: int, low: float, high: float) -> str:
    """The accuracy's 95% interval in words, one message for each set."""
    fields = {"right": right, "share": pct(right / n if n else None), "low": pct(low), "high": pct(high)}
    if name == "validation":
        return trn("Uncertainty: {right} of {n} images of the validation set were answered right ({share}); with "
                   "this few images the true accuracy is likely (95%) between {low} and {high}.",
                   "Uncertainty: {right} of {n} images of the validation set were answered right ({share}); with "
                   "this few images the true accuracy is likely (95%) between {low} and {high}.", n, **fields)
    if name == "test":
        return trn("Uncertainty: {right} of {n} images of the test set were answered right ({share}); with "
                   "this few images the true accuracy is likely (95%) between {low} and {high}.",
                   "Uncertainty: {right} of {n} images of the test set were answered right ({share}); with "
                   "this few images the true accuracy is likely (95%) between {low} and {high}.", n, **fields)
    return trn("Uncertainty: {right} of {n} images of the {set} were answered right ({share}); with this few "
               "images the true accuracy is likely (95%) between {low} and {high}.",
               "Uncertainty: {right} of {n} images of the {set} were answered right ({share}); with this few "
               "images the true accuracy is likely (95%) between {low} and {high}.", n, set=title.lower(), **fields)
