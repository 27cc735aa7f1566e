"""The report's two galleries: the most confident mistakes, and a few Grad-CAM examples.

Both come from the stored evaluation of the set the figures are quoted for (the test set when there is one),
at the decision rule the stored figures use (threshold 0.5 with two classes). Grad-CAM runs the saved model on
the CPU for a handful of images: a second or two, once per report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.core.errors import StudioError
from engine.core.i18n import tr, trn
from engine.core.names import readable
from engine.data.loaders import Preprocessing
from engine.evaluation.evaluate import SetEvaluation
from engine.report.pictures import Picture, data_uri, png_of, safe_thumbnail

log = logging.getLogger(__name__)

MISTAKES_SHOWN = 8
GRADCAM_SHOWN = 4
GRADCAM_OPACITY = 0.5


@dataclass(frozen=True, slots=True)
class Gallery:
    """Pictures, or the sentence that says why there are none."""

    pictures: tuple[Picture, ...]
    note: str = ""


def _threshold(result: SetEvaluation) -> float | None:
    return 0.5 if len(result.class_names) == 2 else None


def _caption(result: SetEvaluation, index: int, predicted: int) -> tuple[str, ...]:
    names = result.class_names
    confidence = result.probs[index, predicted]
    return (_shown_name(result.paths[index], result.root), tr("true: {name}", name=names[result.labels[index]]),
            tr("answered: {name} ({confidence:.0%})", name=names[predicted], confidence=confidence))


def _shown_name(path: str, root: str) -> str:
    """The file's path inside the image folder (``red/img_000.png``), as the data report names it."""
    try:
        return readable(Path(path).relative_to(root).as_posix())
    except ValueError:
        return readable(Path(path).name)


def mistake_gallery(result: SetEvaluation, prep: Preprocessing, limit: int = MISTAKES_SHOWN) -> Gallery:
    """The ``limit`` most confident wrong answers, as the Results tab orders them."""
    threshold = _threshold(result)
    wrong = result.confident_mistakes(limit=limit, threshold=threshold)
    if not wrong:
        return Gallery((), _no_mistake(result))
    predicted = result.predicted(threshold)
    pictures = []
    missing = 0
    for index in wrong:
        uri = safe_thumbnail(result.paths[index], prep)
        if uri is None:
            missing += 1
            continue
        pictures.append(Picture(uri, _caption(result, index, int(predicted[index]))))
    note = (trn("{n} of these images could not be opened any more (moved or deleted) and are not shown.",
                "{n} of these images could not be opened any more (moved or deleted) and are not shown.",
                missing) if missing else "")
    return Gallery(tuple(pictures), note)


def _no_mistake(result: SetEvaluation) -> str:
    """One message for each set (a sentence is never built from a translated set name)."""
    n = len(result.labels)
    if result.name == "validation":
        return trn("The model made no mistake on the {n} images of the validation set.",
                   "The model made no mistake on the {n} images of the validation set.", n)
    if result.name == "test":
        return trn("The model made no mistake on the {n} images of the test set.",
                   "The model made no mistake on the {n} images of the test set.", n)
    return trn("The model made no mistake on the {n} images of the {set}.",
               "The model made no mistake on the {n} images of the {set}.", n, set=result.title.lower())


def gradcam_choice(result: SetEvaluation, count: int = GRADCAM_SHOWN) -> list[int]:
    """Which images to explain: the most confident right answer of each class in turn, then mistakes."""
    threshold = _threshold(result)
    predicted = result.predicted(threshold)
    confidence = result.probs[np.arange(len(predicted)), predicted]
    chosen: list[int] = []
    for c in range(len(result.class_names)):
        right = np.flatnonzero((result.labels == c) & (predicted == c))
        if right.size:
            chosen.append(int(right[np.argmax(confidence[right])]))
    chosen = chosen[: max(1, count // 2)] if len(chosen) > count // 2 else chosen
    for index in result.confident_mistakes(limit=count, threshold=threshold):
        if len(chosen) >= count:
            break
        chosen.append(index)
    return chosen[:count]


def gradcam_gallery(run_dir: Path, result: SetEvaluation, count: int = GRADCAM_SHOWN) -> Gallery:
    """Grad-CAM overlays of :func:`gradcam_choice`, computed with the saved model on the CPU."""
    from engine.evaluation.explain import GradCam, explain_image, overlay
    from engine.models.saved import load_exported_model

    indices = gradcam_choice(result, count)
    if not indices:
        return Gallery((), tr("There is no image to explain."))
    try:
        exported = load_exported_model(run_dir, "cpu")
        cam = GradCam(exported.model, image_size=exported.preprocessing.image_size)
    except StudioError as exc:
        return Gallery((), tr("Grad-CAM could not be computed for this model: {error}", error=exc))
    predicted = result.predicted(_threshold(result))
    pictures = []
    for index in indices:
        try:
            explained = explain_image(exported, result.paths[index], class_index=int(predicted[index]), cam=cam)
        except (StudioError, OSError, ValueError) as exc:
            log.info("no Grad-CAM for %s: %s", result.paths[index], exc)
            continue
        picture = png_of(overlay(explained.image, explained.heat, GRADCAM_OPACITY))
        pictures.append(Picture(data_uri(picture), _caption(result, index, int(predicted[index]))))
    note = "" if pictures else tr("None of the chosen images could be opened any more (moved or deleted).")
    return Gallery(tuple(pictures), note)
