"""The strategy advisor: from the data's size and measured similarity to a complete training plan.

``advise`` is pure (counts + similarity in, :class:`Advice` out); ``run_advisor`` does the measuring (scan,
split, similarity on a sample) for the CLI and the GUI's background task. ``apply_advice`` turns advice
into a :class:`~engine.config.TrainConfig`: freeze plan, learning rates, optimizer, augmentation and the
two-stage schedule (new head first, then the planned layers at the lower rate).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from engine.config import Augmentation, FineTuneSchedule, FreezePlan, OptimizerKind, Strategy, TrainConfig
from engine.core.cancel import CancelToken
from engine.core.i18n import tr, tr_later, trn
from engine.models.layers.stages import Stage, architecture_stages, frozen_for_stages
from engine.strategy.similarity import SimilarityResult, measure_similarity
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
from engine.training.preparation import prepare_data

ProgressCallback = Callable[[int, int], None]

#: Learning rate of the new head with SGD; pretrained layers that are trained get a tenth of it when the
#: images are like the pretraining ones (their features only need refining)...
HEAD_LR = 0.01
PRETRAINED_RATIO = 0.1
#: ...and the full rate when they are not: the stages left trainable must be re-learned for the new domain, and
#: at a tenth of the rate they barely move in a normal budget. Measured on real ImageNet weights
#: (bench/calibration/measure_rules.py: efficientnet_lite0, brain MRI, the lower 4 of 8 stages frozen, 160 px,
#: 5 epochs, medical-safe augmentation): see bench/README.md for the figures.
DIFFERENT_PRETRAINED_RATIO = 1.0
#: The new classifier alone on cached features (the head-only plan) learns at a higher rate: in a short budget
#: 0.01 left it short of a fully fitted logistic regression on the same features. Measured
#: (bench/calibration/head_lr.py, efficientnet_lite0, 4 / 10 epochs): brain MRI 84.0 / 84.9% at 0.01, 86.6 / 89.1%
#: at 0.03; flowers 95.8 / 96.5% and 96.5 / 96.5%; ants/bees 93.5 / 93.5% and 92.8 / 93.5% (one image less).
HEAD_ONLY_LR = 0.03
#: Augmentation for images unlike the pretraining photos (scans, X-rays, micrographs, grey images): the
#: medical-safe preset (small crops and rotations; no flips, no colour changes, which can carry meaning in a
#: scan). Measured as above: medical-safe 90.8%, light 88.2%, strong lower (bench/README.md); strong crops and
#: erasing also cost 9 points with the old stand-in model.
DIFFERENT_AUGMENTATION = Augmentation.MEDICAL
SCRATCH_LR = 0.001  # AdamW, everything new


@dataclass(frozen=True, slots=True)
class TrainingPlan:
    """What "Apply" sets."""

    strategy: Advised
    frozen: tuple[str, ...]
    frozen_stages: int
    total_stages: int
    lr: float
    pretrained_lr_ratio: float
    optimizer: OptimizerKind
    augmentation: Augmentation
    head_warmup_epochs: int  # the new head trains alone first (0 = no warm-up)
    unfreeze_every: int = 0  # gradual unfreezing: one more stage every K epochs (0 = all at once)


@dataclass(frozen=True, slots=True)
class Advice:
    size: SizeClass
    effective_per_class: float
    size_position: float  # 0..1 on the chart's size axis
    thresholds: SizeThresholds
    similarity: SimilarityResult | None
    similarity_class: SimilarityClass | None
    similarity_source: str  # "measured" | "your choice" | "no pretrained weights"
    plan: TrainingPlan
    stage_labels: tuple[str, ...]
    explanation: str
    risk: str

    @property
    def strategy(self) -> Advised:
        return self.plan.strategy

    @property
    def similarity_position(self) -> float:
        """0..1 on the chart's similarity axis (a user's override sits in the middle of its half)."""
        if self.similarity is not None and self.similarity_source == "measured":
            return self.similarity.score
        return 0.75 if self.similarity_class is SimilarityClass.SIMILAR else 0.25

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON and what config.json records."""
        similarity: dict[str, Any] = {"class": self.similarity_class.value if self.similarity_class else None,
                                      "source": self.similarity_source}
        if self.similarity is not None:
            similarity.update(self.similarity.to_dict())
            similarity["class"] = self.similarity_class.value if self.similarity_class else None
        plan = asdict(self.plan)
        plan.update(strategy=self.plan.strategy.value, optimizer=self.plan.optimizer.value,
                    augmentation=self.plan.augmentation.value, frozen=list(self.plan.frozen))
        return {
            "strategy": self.plan.strategy.value,
            "size": {"class": self.size.value, "effective_images_per_class": round(self.effective_per_class, 1),
                     "large_from": self.thresholds.large_per_class},
            "similarity": similarity,
            "frozen": list(self.plan.frozen),
            "plan": plan,
            "explanation": self.explanation,
            "risk": self.risk,
        }


def make_plan(advised: Advised, size: SizeClass, similarity: SimilarityClass | None, stages: list[Stage],
              epochs: int = 10, gradual: bool = False) -> TrainingPlan:
    """The settings that carry out ``advised`` on a model with these ``stages``."""
    count = stages_to_freeze(advised, size, similarity, len(stages))
    frozen = tuple(frozen_for_stages(stages, count))
    small = size is SizeClass.SMALL
    if advised is Advised.SCRATCH:
        return TrainingPlan(advised, (), 0, len(stages), SCRATCH_LR, 1.0, OptimizerKind.ADAMW,
                            Augmentation.STRONG, 0)
    if advised is Advised.HEAD:
        # Features of a frozen base are computed once and cached when nothing augments the images,
        # which makes head-only training very fast: worth more than augmentation for a linear head.
        return TrainingPlan(advised, frozen, count, len(stages), HEAD_ONLY_LR, PRETRAINED_RATIO,
                            OptimizerKind.SGD, Augmentation.NONE, 0)
    warmup = max(1, min(3, epochs // 5))
    unfreeze_every = max(1, epochs // 6) if gradual else 0
    different = similarity is SimilarityClass.DIFFERENT
    if different:
        augmentation = DIFFERENT_AUGMENTATION
    else:
        augmentation = Augmentation.STRONG if small else Augmentation.LIGHT
    ratio = DIFFERENT_PRETRAINED_RATIO if different else PRETRAINED_RATIO
    return TrainingPlan(advised, frozen, count, len(stages), HEAD_LR, ratio, OptimizerKind.SGD,
                        augmentation, warmup, unfreeze_every)


def advise(counts: Mapping[str, int], stages: list[Stage], *, pretrained: bool,
           similarity: SimilarityResult | None = None, similarity_override: SimilarityClass | None = None,
           thresholds: SizeThresholds = SizeThresholds(), epochs: int = 10, gradual: bool = False) -> Advice:
    """The recommendation for a dataset with these class ``counts`` on a model with these ``stages``.

    Example:
        >>> advice = advise({"a": 80, "b": 90}, stages, pretrained=True,  # doctest: +SKIP
        ...                 similarity_override=SimilarityClass.SIMILAR)
        >>> advice.strategy  # doctest: +SKIP
        <Advised.HEAD: 'head'>
    """
    size = classify_size(counts, thresholds)
    if not pretrained:
        sim_class, source = None, "no pretrained weights"  # not translated: a key of config.json's advice
    elif similarity_override is not None:
        sim_class, source = similarity_override, "your choice"  # not translated: a key of config.json's advice
    elif similarity is not None:
        sim_class, source = similarity.similarity, "measured"
    else:
        raise ValueError("advise() needs a similarity measurement or the user's choice")  # not translated: a bug
    advised = decide(size, sim_class)
    plan = make_plan(advised, size, sim_class, stages, epochs, gradual)
    labels = tuple(s.label for s in stages)
    effective = effective_images_per_class(counts)
    explanation, risk = explain(plan, size, effective, thresholds, sim_class, similarity, source, labels)
    return Advice(size=size, effective_per_class=effective, size_position=size_position(counts, thresholds),
                  thresholds=thresholds, similarity=similarity, similarity_class=sim_class,
                  similarity_source=source, plan=plan, stage_labels=labels, explanation=explanation, risk=risk)


def explain(plan: TrainingPlan, size: SizeClass, effective: float, thresholds: SizeThresholds,
            similarity: SimilarityClass | None, measured: SimilarityResult | None, source: str,
            labels: tuple[str, ...]) -> tuple[str, str]:
    """Plain-language paragraphs: the situation, what is frozen and trained at which rates, why; the risk."""
    fields = {"effective": effective, "large": thresholds.large_per_class}
    if size is SizeClass.LARGE:
        size_text = tr("Your dataset counts as large: about {effective:.0f} images per class (the smallest classes "
                       "weigh most); from {large} per class it counts as large.", **fields)
    else:
        size_text = tr("Your dataset counts as small: about {effective:.0f} images per class (the smallest classes "
                       "weigh most); from {large} per class it counts as large.", **fields)
    if similarity is None:
        sim_text = tr("There are no pretrained weights, so nothing can be transferred.")
    elif source == "measured" and measured is not None:
        sim_text = measured.explanation()
    elif similarity is SimilarityClass.SIMILAR:
        sim_text = tr("You said your images are similar to the photos the model learned from.")
    else:
        sim_text = tr("You said your images are different to the photos the model learned from.")
    what = _what_happens(plan, labels)
    why = tr(_WHY[(size, similarity) if similarity is not None else (size, None)])
    return f"{size_text}\n{sim_text}\n\n{what}\n\n{why}", tr(_RISK[plan.strategy])


def _what_happens(plan: TrainingPlan, labels: tuple[str, ...]) -> str:
    lr, base_lr = plan.lr, plan.lr * plan.pretrained_lr_ratio
    if plan.strategy is Advised.SCRATCH:
        return tr("Every layer starts random and is trained with AdamW at a learning rate of {lr:g}, with strong "
                  "augmentation.", lr=lr)
    if plan.strategy is Advised.HEAD:
        return tr("All {stages} pretrained stages stay frozen; only the new classifier is trained (SGD with "
                  "momentum, learning rate {lr:g}). Without augmentation the frozen features are computed once and "
                  "reused, so each epoch takes seconds.", stages=plan.total_stages, lr=lr)
    frozen = tr("Frozen: {stages}.", stages=", ".join(labels[:plan.frozen_stages]) or tr("nothing"))
    fields = {"stages": ", ".join(labels[plan.frozen_stages:]) or tr("no pretrained stage"), "lr": lr,
              "base_lr": base_lr, "augmentation": tr(_AUGMENTATION_WORDS[plan.augmentation])}
    if base_lr < lr:
        trained = tr("Trained: {stages} at a learning rate of {base_lr:g}, and the new classifier at {lr:g} (SGD "
                     "with momentum, {augmentation}).", **fields)
    else:
        trained = tr("Trained: {stages} and the new classifier, all at a learning rate of {lr:g}: your images "
                     "differ from the pretraining ones, so these layers must change a lot (the usual tenth of the "
                     "rate would leave them almost as they were) (SGD with momentum, {augmentation}).", **fields)
    warmup = trn("The new classifier first trains alone for {n:,} epoch, so no pretrained layer is changed to "
                 "suit a random classifier.", "The new classifier first trains alone for {n:,} epochs, so no "
                 "pretrained layer is changed to suit a random classifier.", plan.head_warmup_epochs)
    gradual = (" " + trn("One more stage is unfrozen every {n:,} epoch, from the top down.",
                         "One more stage is unfrozen every {n:,} epochs, from the top down.", plan.unfreeze_every)
               if plan.unfreeze_every else "")
    return f"{frozen} {trained} {warmup}{gradual}"


#: "Why: ..." for each situation (translated where it is shown, as are the two tables below).
_WHY: dict[tuple[SizeClass, SimilarityClass | None], str] = {
    (SizeClass.SMALL, SimilarityClass.SIMILAR): tr_later(
        "Why: the pretrained features already describe images like yours, and with few images, training more "
        "than the classifier would mostly memorise them."),
    (SizeClass.SMALL, SimilarityClass.DIFFERENT): tr_later(
        "Why: the lower layers detect edges and textures, which suit any image; the upper layers learned the "
        "pretraining photos' objects and must adapt to yours. With few images, the frozen lower half and "
        "augmentation keep the model from memorising them (medical-safe: flipping or recolouring a scan can "
        "change what it shows)."),
    (SizeClass.LARGE, SimilarityClass.SIMILAR): tr_later(
        "Why: the features fit your images; with many images the top stage can be refined without overfitting, "
        "while the rest is kept."),
    (SizeClass.LARGE, SimilarityClass.DIFFERENT): tr_later(
        "Why: your images differ from the pretraining photos, and there are enough of them to adapt every layer; "
        "starting from pretrained weights is still faster and better than starting from random ones."),
    (SizeClass.SMALL, None): tr_later("Why: without pretrained weights every layer must learn from your images."),
    (SizeClass.LARGE, None): tr_later("Why: without pretrained weights every layer must learn from your images."),
}
_AUGMENTATION_WORDS = {
    Augmentation.NONE: tr_later("no augmentation"),
    Augmentation.LIGHT: tr_later("light augmentation"),
    Augmentation.STRONG: tr_later("strong augmentation"),
    Augmentation.MEDICAL: tr_later("medical-safe augmentation: small crops and rotations, no flips or colour changes"),
}
_RISK = {
    Advised.HEAD: tr_later("Main risk: if your images differ more than measured, the frozen features limit "
                           "accuracy; then try freezing fewer layers."),
    Advised.PARTIAL: tr_later("Main risk: overfitting — watch the validation curve; if it rises while training loss "
                              "falls, freeze more or augment more."),
    Advised.FULL: tr_later("Main risk: the most trainable weights and the slowest training; overfitting shows as a "
                           "widening gap between the training and validation curves."),
    Advised.SCRATCH: tr_later("Main risk: with few images a model trained from scratch overfits quickly and stays "
                              "weak; pretrained weights usually do far better."),
}


def apply_plan(config: TrainConfig, plan: TrainingPlan, advice: dict[str, Any] | None = None) -> TrainConfig:
    """``config`` carrying out ``plan``: strategy, freeze plan, rates, optimizer, augmentation, schedule."""
    strategy = {Advised.HEAD: Strategy.HEAD, Advised.PARTIAL: Strategy.PARTIAL, Advised.FULL: Strategy.FULL,
                Advised.SCRATCH: Strategy.FULL}[plan.strategy]
    scratch = plan.strategy is Advised.SCRATCH
    model = replace(config.model, weights="none") if scratch else config.model
    optim = replace(config.optim, lr=plan.lr, pretrained_lr_ratio=plan.pretrained_lr_ratio,
                    optimizer=plan.optimizer, nesterov=False,
                    momentum=0.9 if plan.optimizer is OptimizerKind.SGD else config.optim.momentum)
    data = replace(config.data, augmentation=plan.augmentation)
    return replace(config, strategy=strategy, model=model, optim=optim, data=data, augment=None,
                   freeze=FreezePlan(() if scratch else plan.frozen),
                   finetune=FineTuneSchedule(head_warmup_epochs=plan.head_warmup_epochs,
                                             unfreeze_every=plan.unfreeze_every),
                   advice=advice)


def apply_advice(config: TrainConfig, advice: Advice) -> TrainConfig:
    """``config`` with the advice carried out; config.json then records what the advisor said."""
    return apply_plan(config, advice.plan, advice.to_dict())


def run_advisor(config: TrainConfig, *, similarity_override: SimilarityClass | None = None,
                thresholds: SizeThresholds = SizeThresholds(), gradual: bool = False, per_class: int = 30,
                budget_s: float = 30.0, progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None) -> Advice:
    """Scan and split ``config.data`` as training would, measure similarity on the training side (bounded
    time), and advise for ``config.model``.

    Example:
        >>> run_advisor(TrainConfig(DataConfig("flowers"))).strategy  # doctest: +SKIP
        <Advised.HEAD: 'head'>
    """
    split = prepare_data(config, cancel)
    labels = [label for _, label in (*split.train, *split.val, *getattr(split, "test", ()))]
    counts = {name: labels.count(index) for index, name in enumerate(split.classes)}
    stages = architecture_stages(config.model.arch, weights=config.model.weights)
    similarity = None
    if config.model.pretrained and similarity_override is None:
        similarity = measure_similarity(config.model.arch, config.model.weights, split.root, split.train,
                                        len(split.classes), per_class=per_class, budget_s=budget_s,
                                        progress=progress, cancel=cancel, seed=config.seed)
    return advise(counts, stages, pretrained=config.model.pretrained, similarity=similarity,
                  similarity_override=similarity_override, thresholds=thresholds, epochs=config.optim.epochs,
                  gradual=gradual)
