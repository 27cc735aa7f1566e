"""The similarity measurement in plain words: what each check measures, how they combine, and why the verdict
stands when one check points the other way (a confident guess among ImageNet's categories next to "rather
unlike" read as a contradiction until the weighing was said)."""

from __future__ import annotations

from typing import Protocol

from engine.core.i18n import tr, tr_later

#: From this score on, images count as similar (engine.strategy.similarity uses the same figure).
SIMILAR_THRESHOLD = 0.5


class Measured(Protocol):
    """What the sentences need from a similarity result (engine.strategy.similarity.SimilarityResult)."""

    @property
    def mean_max_probability(self) -> float: ...
    @property
    def recognition(self) -> float: ...
    @property
    def probe_accuracy(self) -> float | None: ...
    @property
    def probe_chance(self) -> float: ...
    @property
    def separability(self) -> float | None: ...
    @property
    def familiarity(self) -> float | None: ...
    @property
    def score(self) -> float: ...
    @property
    def images_used(self) -> int: ...

def verdict_sentence(score: float) -> str:
    """The verdict with its figure and where the line is.

    Example:
        >>> verdict_sentence(0.81)[:60]
        'Your images look like the everyday photos this model learned'
    """
    fields = {"score": score, "threshold": SIMILAR_THRESHOLD}
    if score >= 0.7:
        return tr("Your images look like the everyday photos this model learned from: similarity {score:.2f} of 1 "
                  "(from {threshold:.2f} on, similar).", **fields)
    if score >= SIMILAR_THRESHOLD:
        return tr("Your images are fairly close to the photos this model learned from: similarity {score:.2f} of 1 "
                  "(from {threshold:.2f} on, similar).", **fields)
    if score >= 0.3:
        return tr("Your images are rather unlike the photos this model learned from: similarity {score:.2f} of 1 "
                  "(from {threshold:.2f} on, similar).", **fields)
    return tr("Your images are unlike the photos this model learned from (as X-rays, scans or microscopy usually "
              "are): similarity {score:.2f} of 1 (from {threshold:.2f} on, similar).", **fields)


def explain_similarity(r: Measured) -> str:
    """Several short lines: the verdict, each check with what it measures, how they combine, and which check
    disagrees with the verdict and why it does not decide.

    Example:
        >>> from types import SimpleNamespace
        >>> r = SimpleNamespace(mean_max_probability=0.96, recognition=0.9, probe_accuracy=0.5, probe_chance=0.5,
        ...                     separability=0.0, familiarity=0.09, score=0.27, images_used=40)
        >>> "points the other way" in explain_similarity(r)
        True
    """
    checks = [("recognition", r.recognition,
               tr("Recognition {recognition}: ImageNet's 1000 everyday categories fit your images with {confidence} "
                  "confidence on average (photos of objects: high; scans, textures: low).",
                  recognition=_pct(r.recognition), confidence=_pct(r.mean_max_probability)))]
    if r.familiarity is not None:
        checks.append(("familiarity", r.familiarity,
                       tr("Familiarity {familiarity}: how much the activity inside the model resembles what its "
                          "training photos caused (100% = the same). The most direct check.",
                          familiarity=_pct(r.familiarity))))
    if r.probe_accuracy is not None and r.separability is not None:
        checks.append(("separation", r.separability,
                       tr("Separation {separation}: the unchanged features already tell your classes apart "
                          "{accuracy} of the time (chance: {chance}). This also reflects how hard your classes are, "
                          "so it never decides alone.", separation=_pct(r.separability),
                          accuracy=_pct(r.probe_accuracy), chance=_pct(r.probe_chance))))
    lines = [verdict_sentence(r.score), tr("Measured on {n} of your images:", n=r.images_used)]
    lines += [f"• {text}" for _, _, text in checks]
    lines.append(_how_combined(r.familiarity is not None, len(checks)))
    disagreeing = _disagreeing(checks, r.score >= SIMILAR_THRESHOLD)
    if disagreeing:
        lines.append(disagreeing)
    return "\n".join(lines)


def _how_combined(has_familiarity: bool, count: int) -> str:
    if has_familiarity:
        return tr("The similarity is their weighted average: familiarity counts half, the others share the rest.")
    if count == 1:
        return tr("The similarity is the recognition figure (this model has no internal statistics to compare).")
    return tr("The similarity is their average (this model has no internal statistics to compare, so familiarity "
              "is not measured).")


def _disagreeing(checks: list[tuple[str, float, str]], similar: bool) -> str:
    """One sentence for the checks on the other side of the line than the verdict, if any."""
    other = [name for name, value, _ in checks if (value >= SIMILAR_THRESHOLD) != similar]
    if not other:
        return ""
    agreeing = [name for name, value, _ in checks if (value >= SIMILAR_THRESHOLD) == similar]
    fields = {"names": _joined(other).capitalize(), "weigh": _joined(agreeing)}
    if not agreeing:
        return (tr("{names} points the other way (low), but the weighting weigh more: similar.", **fields) if similar
                else tr("{names} points the other way (high), but the weighting weigh more: not similar.", **fields))
    if len(agreeing) == 1:
        return (tr("{names} points the other way (low), but {weigh} weighs more: similar.", **fields) if similar
                else tr("{names} points the other way (high), but {weigh} weighs more: not similar.", **fields))
    return (tr("{names} points the other way (low), but {weigh} weigh more: similar.", **fields) if similar
            else tr("{names} points the other way (high), but {weigh} weigh more: not similar.", **fields))


#: The checks' names as the sentence about a disagreeing check writes them.
_CHECK_NAMES = {"recognition": tr_later("recognition"), "familiarity": tr_later("familiarity"),
                "separation": tr_later("separation")}


def _joined(names: list[str]) -> str:
    """``["recognition", "separation"]`` → "recognition and separation" (in the user's language)."""
    words = [tr(_CHECK_NAMES[name]) for name in names]
    text = words[0] if words else ""
    for word in words[1:]:
        text = tr("{first} and {second}", first=text, second=word)
    return text


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"
