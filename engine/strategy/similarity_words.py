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
    return (f"{text}: similarity {score:.2f} on a scale from 0 to 1, where {SIMILAR_THRESHOLD:.2f} and above "
            "counts as similar.")


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
               f"Recognition ({_pct(r.recognition)}): the model's own categories (ImageNet's 1000 everyday "
               f"things, from the weights' original output layer) fit your images with "
               f"{_pct(r.mean_max_probability)} confidence on average. Photos of ordinary objects get high "
               "figures; scans, textures and drawings low ones.")]
    if r.familiarity is not None:
        checks.append(("familiarity", r.familiarity,
                       f"Familiarity ({_pct(r.familiarity)}): inside the model, your images produce the kind of "
                       "activity its training photos did (100% = just like them). This is the most direct "
                       "of the checks, so it weighs as much as the others together."))
    if r.probe_accuracy is not None and r.separability is not None:
        checks.append(("separation", r.separability,
                       f"Separation ({_pct(r.separability)}): the model's existing features, unchanged, already "
                       f"tell your classes apart {_pct(r.probe_accuracy)} of the time (chance: "
                       f"{_pct(r.probe_chance)}). This also depends on how hard your classes are, so it never "
                       "decides alone."))
    lines = [verdict_sentence(r.score),
             f"{len(checks)} checks on {r.images_used} of your images, each from 0% to 100%:"]
    lines += [f"• {text}" for _, _, text in checks]
    lines.append(_how_combined(r.familiarity is not None, len(checks)))
    disagreeing = _disagreeing(checks, r.score >= SIMILAR_THRESHOLD)
    if disagreeing:
        lines.append(disagreeing)
    return "\n".join(lines)


def _how_combined(has_familiarity: bool, count: int) -> str:
    if has_familiarity:
        return ("The similarity is their weighted average: familiarity counts half, the other checks share "
                "the other half.")
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
    return (f"So {names} points the other way ({side}), but {weigh} weigh{'s' if len(agreeing) == 1 else ''} "
            f"more, and the verdict is: {verdict}.")


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"
