"""Is this model any good? Its accuracy next to chance and the majority class, in plain words, with what to try.

A figure alone says little: 37.5% on four classes sounds like a result, but guessing scores 25% and always
answering the largest class may score 40%. Every place that shows a saved model's figure (the Train tab's end of
run, Results, Past runs, the command line) shows these sentences with it, so a weak model is called weak.

The thresholds, and why:

* **skill** is how much of the way from the better of the two baselines to 100% the model goes:
  ``(accuracy - baseline) / (1 - baseline)``. Under a third of the way is *weak* (37.5% on four equal classes is
  a sixth of the way); under two thirds *fair*; beyond that *good*. Within two points of the baseline is *no
  better* than it.
* **the training loss** of an even guess among ``k`` classes is ``ln(k)`` (1.39 for four). A loss far above it
  (1.5 times) means training itself went wrong, usually a learning rate that is too high; near it (0.9 times)
  means the model has barely started learning.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.config import StopReason
from engine.core.errors import StudioError
from engine.core.i18n import tr, tr_later
from engine.run.events import EpochEnded, RunFinished
from engine.run.folder import RunFolder
from engine.run.listing import saved_model_label

#: Within this many points of the baseline a model is "no better" than it.
NO_BETTER_MARGIN = 0.02
#: Skill (share of the way from the baseline to 100%) below which a model is weak, and below which it is fair.
WEAK_SKILL, FAIR_SKILL = 1 / 3, 2 / 3
#: Training loss at least this many times ln(classes): training went wrong; at least this share: barely learning.
LOSS_FAR_ABOVE, LOSS_NEAR = 1.5, 0.9
#: Classes whose largest share is within this of 1/classes count as equally large.
EQUAL_CLASSES_MARGIN = 0.02
#: Fewer training images per class than this: adding images is among the things to try.
FEW_IMAGES_PER_CLASS = 100
#: Fewer epochs than this (and not stopped early): training longer is among the things to try.
FEW_EPOCHS = 10

VERDICTS = ("good", "fair", "weak", "failing")


@dataclass(frozen=True, slots=True)
class Baselines:
    """What a model that learnt nothing scores: guessing at random, and always answering the largest class."""

    n_classes: int
    chance: float
    majority: float
    majority_class: str
    majority_count: int
    total: int

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> Baselines:
        """From the number of images per class of the set the accuracy was measured on.

        Example:
            >>> b = Baselines.from_counts({"ants": 30, "bees": 50, "wasps": 20})
            >>> round(b.chance, 3), b.majority, b.majority_class
            (0.333, 0.5, 'bees')
        """
        n_classes = max(len(counts), 1)
        total = sum(counts.values())
        name, count = max(counts.items(), key=lambda kv: kv[1]) if counts else ("", 0)
        chance = 1 / n_classes
        return cls(n_classes, chance, count / total if total else chance, name, count, total)

    @property
    def best(self) -> float:
        return max(self.chance, self.majority)

    @property
    def equal_classes(self) -> bool:
        return self.majority - self.chance < EQUAL_CLASSES_MARGIN

    def sentence(self) -> str:
        """Example:
        >>> equal = Baselines.from_counts({"a": 10, "b": 10, "c": 10, "d": 10})
        >>> print(equal.sentence())  # doctest: +NORMALIZE_WHITESPACE
        Guessing at random among 4 classes would score 25.0%, and so would always answering one class
        (they are equally large).
        """
        fields = {"classes": self.n_classes, "chance": self.chance}
        if self.equal_classes:
            return tr("Guessing at random among {classes} classes would score {chance:.1%}, and so would always "
                      "answering one class (they are equally large).", **fields)
        return tr("Guessing at random among {classes} classes would score {chance:.1%}, and always answering the "
                  "largest class, {largest} ({count} of {total} images), {majority:.1%}.", **fields,
                  largest=self.majority_class, count=self.majority_count, total=self.total, majority=self.majority)


@dataclass(frozen=True, slots=True)
class TrainingFacts:
    """What the run did, for choosing what to suggest; ``None`` where it is not known."""

    pretrained: bool | None = None
    strategy: str | None = None  # "head" | "partial" | "full"
    epochs_trained: int | None = None
    stopped_early: bool = False
    train_loss: float | None = None  # at the saved epoch
    train_images: int | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    """The sentences about one figure of one model: baselines, verdict, and (unless it is good) what to try."""

    verdict: str  # one of VERDICTS
    comparison: str
    judgement: str
    advice: tuple[str, ...] = ()

    @property
    def weak(self) -> bool:
        """Weak or failing: the window shows it as a warning."""
        return self.verdict in ("weak", "failing")

    @property
    def sentences(self) -> tuple[str, ...]:
        tried = (tr("What to try: {advice}", advice=" ".join(self.advice)),) if self.advice else ()
        return (self.comparison, self.judgement, *tried)

    def text(self) -> str:
        return " ".join(self.sentences)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"advice": list(self.advice)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assessment:
        return cls(str(data["verdict"]), str(data["comparison"]), str(data["judgement"]),
                   tuple(str(a) for a in data.get("advice", ())))


def assess(accuracy: float, counts: Mapping[str, int], facts: TrainingFacts = TrainingFacts(), *,
           balanced_accuracy: float | None = None) -> Assessment:
    """Compare ``accuracy`` (measured on images with ``counts`` per class) with chance and the majority class.

    Example:
        >>> a = assess(0.375, {"a": 10, "b": 10, "c": 10, "d": 10}, TrainingFacts(train_loss=4.2, pretrained=False))
        >>> a.verdict
        'failing'
        >>> print(a.judgement)  # doctest: +NORMALIZE_WHITESPACE
        This model is weak: it is only a little better than guessing. Its training loss (4.20) is far above 1.39,
        the loss of an even guess among 4 classes: training itself went wrong, most often because the learning
        rate is too high.
        >>> assess(0.9, {"cats": 50, "dogs": 50}).verdict
        'good'
    """
    base = Baselines.from_counts(counts)
    verdict, judgement = _judge(accuracy, base, balanced_accuracy)
    loss_verdict, loss_text = _judge_loss(facts.train_loss, base.n_classes)
    if loss_text:
        judgement = f"{judgement} {loss_text}"
    if loss_verdict == "failing" or (loss_verdict == "weak" and verdict in ("good", "fair")):
        verdict = loss_verdict
    advice = _advice(facts, base, loss_verdict) if verdict != "good" else ()
    return Assessment(verdict, base.sentence(), judgement, advice)


def _judge(accuracy: float, base: Baselines, balanced: float | None) -> tuple[str, str]:
    equal = base.equal_classes
    largest = base.majority_class
    if accuracy < base.best + NO_BETTER_MARGIN:
        return "weak", (tr("This model is weak: it is no better than guessing, so it has learnt little about your "
                           "classes.") if equal else
                        tr("This model is weak: it is no better than always answering {largest}, so it has learnt "
                           "little about your classes.", largest=largest))
    skill = (accuracy - base.best) / (1 - base.best)
    if skill < WEAK_SKILL:
        return "weak", (tr("This model is weak: it is only a little better than guessing.") if equal else
                        tr("This model is weak: it is only a little better than always answering {largest}.",
                           largest=largest))
    if not equal and balanced is not None and (balanced - base.chance) / (1 - base.chance) < WEAK_SKILL:
        return "weak", tr("This model is weak: its balanced accuracy ({balanced:.1%}, the average of the classes' "
                          "hit rates) is only a little above chance ({chance:.1%}), so it mostly answers the largest "
                          "classes and misses the others.", balanced=balanced, chance=base.chance)
    if skill < FAIR_SKILL:
        wrong = 1 - accuracy
        return "fair", (tr("The model has learnt something (clearly better than guessing), but it still gets "
                           "{wrong:.0%} of these images wrong.", wrong=wrong) if equal else
                        tr("The model has learnt something (clearly better than always answering {largest}), but it "
                           "still gets {wrong:.0%} of these images wrong.", largest=largest, wrong=wrong))
    return "good", tr("This is well above both: the model has learnt to tell your classes apart.")


def _judge_loss(loss: float | None, n_classes: int) -> tuple[str | None, str]:
    even = math.log(n_classes) if n_classes > 1 else 0.0
    if loss is None or not even or not math.isfinite(loss):
        return None, ""
    if loss >= LOSS_FAR_ABOVE * even:
        return "failing", tr("Its training loss ({loss:.2f}) is far above {even:.2f}, the loss of an even guess "
                             "among {classes} classes: training itself went wrong, most often because the learning "
                             "rate is too high.", loss=loss, even=even, classes=n_classes)
    if loss >= LOSS_NEAR * even:
        return "weak", tr("Its training loss ({loss:.2f}) is still close to {even:.2f}, the loss of an even guess "
                          "among {classes} classes: the model has barely started learning.", loss=loss, even=even,
                          classes=n_classes)
    return None, ""


def _advice(facts: TrainingFacts, base: Baselines, loss_verdict: str | None) -> tuple[str, ...]:
    tips = []
    if loss_verdict == "failing":
        tips.append(tr("Lower the learning rate ten times, or let the learning-rate finder suggest one."))
    if facts.pretrained is False:
        tips.append(tr("Start from pretrained weights (ImageNet): with few images they do far better than random "
                       "ones."))
    if not facts.stopped_early and (loss_verdict == "weak" or (facts.epochs_trained or FEW_EPOCHS) < FEW_EPOCHS):
        tips.append(tr("Train for more epochs (this run trained {epochs}).", epochs=facts.epochs_trained)
                    if facts.epochs_trained else tr("Train for more epochs."))
    strategy = {"head": tr_later("Try another strategy: train more than the new classifier (freeze only the lower "
                                 "layers, or train the whole model), above all when your images are unlike everyday "
                                 "photos."),
                "full": tr_later("Try another strategy: freeze more of the pretrained layers (or train only the new "
                                 "classifier), so that the model cannot simply memorise the training images."),
                "partial": tr_later("Try another strategy: compare the strategies on your data, or freeze more or "
                                    "fewer layers.")}
    if facts.pretrained is not False and facts.strategy in strategy:
        tips.append(tr(strategy[facts.strategy]))
    per_class = facts.train_images / base.n_classes if facts.train_images else None
    if per_class is not None and per_class < FEW_IMAGES_PER_CLASS:
        tips.append(tr("Add more images: about {per_class:.0f} per class were trained on, and a few hundred per "
                       "class usually help a lot.", per_class=per_class))
    elif per_class is None and not tips:
        tips.append(tr("Add more images, or try another strategy."))
    return tuple(tips)


# -- a run folder's saved model ---------------------------------------------------------------------------


def training_facts(run_dir: Path, finished: RunFinished | None = None) -> TrainingFacts:
    """What ``run_dir``'s training did (settings, the saved epoch's training loss, images), from its files.

    ``finished``: the run's end when it is not written yet (the job assesses before it announces the end).

    Example:
        >>> training_facts(Path("runs/20260101-120000-flowers")).strategy  # doctest: +SKIP
        'head'
    """
    run = RunFolder(run_dir)
    try:
        config = run.read_config_data()
    except StudioError:
        return TrainingFacts()
    epochs: dict[int, EpochEnded] = {}
    for event in run.iter_events():
        if isinstance(event, EpochEnded):
            epochs[event.epoch] = event
        elif isinstance(event, RunFinished) and finished is None:
            finished = event
    card = run.read_model_card()
    saved = epochs.get(card.best_epoch or 0) if card is not None else None
    try:
        train_images: int | None = len(run.read_split().train)
    except StudioError:
        train_images = None
    weights = str(config.get("model", {}).get("weights", "imagenet"))
    return TrainingFacts(pretrained=weights != "none", strategy=str(config.get("strategy") or "") or None,
                         epochs_trained=max(epochs, default=0) or None,
                         stopped_early=finished is not None and finished.reason is StopReason.EARLY_STOPPED,
                         train_loss=saved.train_loss if saved is not None else None, train_images=train_images)


def assess_saved_model(run_dir: Path, finished: RunFinished | None = None) -> tuple[str, Assessment] | None:
    """The saved model's label and its assessment on the validation images, or ``None`` without a saved model
    (or without a readable list of its validation images).

    Example:
        >>> label, assessment = assess_saved_model(Path("runs/20260101-120000-flowers"))  # doctest: +SKIP
        >>> label  # doctest: +SKIP
        'Saved model (epoch 7): val. accuracy 37.5%'
    """
    run = RunFolder(run_dir)
    card = run.read_model_card()
    if card is None or card.val_accuracy is None:
        return None
    try:
        counts = run.read_split().counts()["val"]
    except StudioError:
        return None
    label = saved_model_label(card.best_epoch, card.val_accuracy, capital=True)
    return label, assess(card.val_accuracy, counts, training_facts(run_dir, finished))


def assess_metrics(metrics: Mapping[str, Any], facts: TrainingFacts = TrainingFacts()) -> Assessment:
    """:func:`assess` for one evaluated set (``engine.evaluation.metrics.summarize`` output): its per-class
    image counts are the baselines' counts.

    Example:
        >>> from engine.evaluation.metrics import summarize
        >>> m = summarize([0, 1, 1, 1], [[.8, .2], [.3, .7], [.4, .6], [.9, .1]], ["cat", "dog"])
        >>> print(assess_metrics(m).comparison)  # doctest: +NORMALIZE_WHITESPACE
        Guessing at random among 2 classes would score 50.0%, and always answering the largest class, dog
        (3 of 4 images), 75.0%.
    """
    counts = {str(name): int(c["support"]) for name, c in metrics["per_class"].items()}
    balanced = metrics.get("balanced_accuracy")
    return assess(float(metrics["accuracy"]), counts, facts,
                  balanced_accuracy=float(balanced) if balanced is not None else None)
