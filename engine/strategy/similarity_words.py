"""The similarity measurement in plain words: what each check measures, how they combine, and why the verdict
stands when one check points the other way (a confident guess among ImageNet's categories next to "rather
unlike" read as a contradiction until the weighing was said)."""

from __future__ import annotations

from typing import Protocol

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
    if score >= 0.7:
        text = "Your images look like the everyday photos this model learned from"
    elif score >= SIMILAR_THRESHOLD:
        text = "Your images are fairly close to the photos this model learned from"
    elif score >= 0.3:
        text = "Your images are rather unlike the photos this model learned from"
    else:
        text = ("Your images are unlike the photos this model learned from (as X-rays, scans or microscopy "
                "usually are)")
    return f"{text}: similarity {score:.2f} of 1 (from {SIMILAR_THRESHOLD:.2f} on, similar)."


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
               f"Recognition {_pct(r.recognition)}: ImageNet's 1000 everyday categories fit your images with "
               f"{_pct(r.mean_max_probability)} confidence on average (photos of objects: high; scans, textures: "
               "low).")]
    if r.familiarity is not None:
        checks.append(("familiarity", r.familiarity,
                       f"Familiarity {_pct(r.familiarity)}: how much the activity inside the model resembles what "
                       "its training photos caused (100% = the same). The most direct check."))
    if r.probe_accuracy is not None and r.separability is not None:
        checks.append(("separation", r.separability,
                       f"Separation {_pct(r.separability)}: the unchanged features already tell your classes apart "
                       f"{_pct(r.probe_accuracy)} of the time (chance: {_pct(r.probe_chance)}). This also reflects "
                       "how hard your classes are, so it never decides alone."))
    lines = [verdict_sentence(r.score), f"Measured on {r.images_used} of your images:"]
    lines += [f"• {text}" for _, _, text in checks]
    lines.append(_how_combined(r.familiarity is not None, len(checks)))
    disagreeing = _disagreeing(checks, r.score >= SIMILAR_THRESHOLD)
    if disagreeing:
        lines.append(disagreeing)
    return "\n".join(lines)


def _how_combined(has_familiarity: bool, count: int) -> str:
    if has_familiarity:
        return "The similarity is their weighted average: familiarity counts half, the others share the rest."
    if count == 1:
        return "The similarity is the recognition figure (this model has no internal statistics to compare)."
    return ("The similarity is their average (this model has no internal statistics to compare, so familiarity "
            "is not measured).")


def _disagreeing(checks: list[tuple[str, float, str]], similar: bool) -> str:
    """One sentence for the checks on the other side of the line than the verdict, if any."""
    other = [name for name, value, _ in checks if (value >= SIMILAR_THRESHOLD) != similar]
    if not other:
        return ""
    agreeing = [name for name, value, _ in checks if (value >= SIMILAR_THRESHOLD) == similar]
    names = " and ".join(other)
    side = "high" if not similar else "low"
    weigh = " and ".join(agreeing) if agreeing else "the weighting"
    verdict = "similar" if similar else "not similar"
    return (f"{names.capitalize()} points the other way ({side}), but {weigh} "
            f"weigh{'s' if len(agreeing) == 1 else ''} more: {verdict}.")


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"
