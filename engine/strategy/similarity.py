"""How similar the user's images are to what the pretrained model learned from — measured, not asked.

On a bounded sample of the user's training images, with the chosen pretrained weights:

(a) *Recognition*: the model's original head (ImageNet's 1000 classes, or whatever head the weights file
    carries) is run on the images. Everyday photos get confident answers; X-rays and micrographs get
    spread-out, uncertain ones. Measured by the mean top probability and the normalised entropy.
(b) *Separability*: a quick cross-validated logistic regression on the frozen, pooled features (the
    input of the original head). If the user's classes are already separable there, the features fit.

(c) *Familiarity*: how far the images move the statistics the model's BatchNorm layers recorded on the
    pretraining data (engine/strategy/domain_shift.py; models without BatchNorm skip this part).

Each is mapped to 0..1 and they are combined into one score (:func:`combine`); >= 0.5 counts as similar.
Calibrated on real ImageNet weights (efficientnet_lite0; bench/calibration/measure_similarity.py, figures in
bench/README.md): ants/bees and flowers photos come out similar, brain MRI, scrambled photos and noise different.
The words shown for a result are in engine/strategy/similarity_words.py.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine.core.cancel import CancelToken, NeverCancelled
from engine.core.errors import StudioError, WeightsError
from engine.core.i18n import tr
from engine.data.images.decode import ImageLoadError, load_image
from engine.data.loaders import Preprocessing, image_to_tensor
from engine.models.catalog import create_model, find_head, replace_head
from engine.models.sources import cached_hub_folder, hub_model_args, preprocessing_for
from engine.models.weights import load_starting_weights
from engine.strategy.domain_shift import BatchNormShift
from engine.strategy.similarity_words import SIMILAR_THRESHOLD, explain_similarity
from engine.strategy.table import SimilarityClass

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class SimilarityResult:
    mean_max_probability: float  # of the original head, 0..1
    normalized_entropy: float  # 0 (certain) .. 1 (uniform)
    recognition: float  # 0..1, from the two above
    probe_accuracy: float | None  # cross-validated, None when too few images per class
    probe_chance: float
    separability: float | None  # 0..1 above chance
    familiarity: float | None  # 0..1 from the BatchNorm statistics (None: the model has no BatchNorm)
    score: float
    images_used: int
    seconds: float
    shift: float | None = None  # the raw BatchNorm shift behind ``familiarity`` (for calibration)

    @property
    def similarity(self) -> SimilarityClass:
        return SimilarityClass.SIMILAR if self.score >= SIMILAR_THRESHOLD else SimilarityClass.DIFFERENT

    def explanation(self) -> str:
        """The verdict, each check in plain words and how they combine (engine/strategy/similarity_words.py)."""
        return explain_similarity(self)

    def to_dict(self) -> dict[str, float | None | str]:
        return {
            "score": self.score, "class": self.similarity.value,
            "mean_max_probability": self.mean_max_probability, "normalized_entropy": self.normalized_entropy,
            "recognition": self.recognition, "probe_accuracy": self.probe_accuracy,
            "probe_chance": self.probe_chance, "separability": self.separability,
            "familiarity": self.familiarity,
            "images_used": self.images_used, "seconds": self.seconds,
        }


def sample_per_class(items: Sequence[tuple[str, int]], per_class: int, seed: int = 0) -> list[tuple[str, int]]:
    """Up to ``per_class`` items of each label, chosen with a fixed seed (same sample every time), taking the
    classes in turn: the measurement stops when its time is up, and any first part of the sample must still
    hold every class (in label order, a slow machine measured the first class only and could not tell how
    well the classes separate).

    Example:
        >>> sample_per_class([("a1", 0), ("a2", 0), ("b1", 1)], 2)
        [('a1', 0), ('b1', 1), ('a2', 0)]
    """
    rng = random.Random(seed)
    by_label: dict[int, list[tuple[str, int]]] = {}
    for item in items:
        by_label.setdefault(item[1], []).append(item)
    groups: list[list[tuple[str, int]]] = []
    for label in sorted(by_label):
        group = sorted(by_label[label])
        rng.shuffle(group)
        groups.append(group[:per_class])
    return [group[i] for i in range(max(map(len, groups), default=0)) for group in groups if i < len(group)]


def pretrained_with_original_head(arch: str, weights: str, progress: Progress | None = None,
                                  cancel: CancelToken | None = None) -> tuple[nn.Module, str]:
    """The model exactly as pretrained, its original output layer included."""
    state, source = load_starting_weights(weights, arch, progress, cancel)
    if state is None:
        raise WeightsError(tr("Similarity can only be measured with pretrained weights."))
    model = create_model(arch, model_args=hub_model_args(arch, weights))  # as published (e.g. LayerScale)
    head = find_head(model)
    head_weight = state.get(f"{head}.weight", state.get(f"module.{head}.weight"))  # not translated: weight names
    if head_weight is None:
        raise WeightsError(tr("The weights in {source} have no output layer, so similarity cannot be measured.",
                                source=source))
    current = model.get_submodule(head).weight
    assert isinstance(current, torch.Tensor)
    if head_weight.shape[0] != current.shape[0]:
        replace_head(model, head, int(head_weight.shape[0]))
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise WeightsError(tr("The weights in {source} do not fit {arch}.", source=source, arch=arch)) from exc
    return model.eval(), head


@torch.no_grad()
def _features_and_probabilities(model: nn.Module, head: str, root: Path, items: Sequence[tuple[str, int]],
                                preprocessing: Preprocessing, budget_s: float, cancel: CancelToken,
                                progress: Progress | None, shift: BatchNormShift, batch_size: int = 16
                                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    captured: list[torch.Tensor] = []
    hook = model.get_submodule(head).register_forward_hook(
        lambda _m, inputs, _o: captured.append(torch.flatten(inputs[0], 1).float()))
    transform = preprocessing.eval_transform()
    feats: list[np.ndarray] = []
    probs: list[np.ndarray] = []
    labels: list[int] = []
    started = time.perf_counter()
    try:
        for start in range(0, len(items), batch_size):
            if cancel.is_set():
                raise StudioError(tr("The similarity check was cancelled."))
            if feats and time.perf_counter() - started > budget_s:
                break  # bounded time: the sample so far is enough for an estimate
            tensors, batch_labels = [], []
            for rel, label in items[start:start + batch_size]:
                try:
                    array = load_image(root / rel, min_side=preprocessing.resize_size)
                except ImageLoadError:
                    continue
                tensors.append(transform(image_to_tensor(array)))
                batch_labels.append(label)
            if not tensors:
                continue
            captured.clear()
            with shift:
                logits = model(torch.stack(tensors))
            feats.append(captured[-1].numpy())
            probs.append(torch.softmax(logits.float(), dim=1).numpy())
            labels.extend(batch_labels)
            if progress is not None:
                progress(min(start + batch_size, len(items)), len(items))
    finally:
        hook.remove()
    if not feats:
        raise StudioError(tr("None of the sampled images could be read."))
    return np.concatenate(feats), np.concatenate(probs), np.asarray(labels)


def recognition_scores(probabilities: np.ndarray) -> tuple[float, float, float]:
    """``(mean max probability, mean normalised entropy, recognition 0..1)`` of softmax rows.

    Example:
        >>> round(recognition_scores(np.array([[1.0, 0.0], [1.0, 0.0]]))[2], 6)
        1.0
    """
    k = probabilities.shape[1]
    max_prob = float(probabilities.max(axis=1).mean())
    p = np.clip(probabilities, 1e-12, 1.0)
    entropy = float((-(p * np.log(p)).sum(axis=1) / math.log(k)).mean()) if k > 1 else 0.0
    confident = (max_prob - 1.0 / k) / (1.0 - 1.0 / k) if k > 1 else 1.0
    recognition = 0.5 * max(0.0, confident) + 0.5 * (1.0 - entropy)
    return max_prob, entropy, float(min(1.0, max(0.0, recognition)))


def linear_probe_accuracy(features: np.ndarray, labels: np.ndarray, seed: int = 0) -> float | None:
    """Cross-validated accuracy of a logistic regression on frozen features; None with too few images."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    _, counts = np.unique(labels, return_counts=True)
    if len(counts) < 2 or counts.min() < 2:
        return None
    folds = int(min(5, counts.min()))
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500, C=0.5))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return float(cross_val_score(probe, features, labels, cv=splitter).mean())


def measure_similarity(arch: str, weights: str, root: str | Path, train_items: Sequence[tuple[str, int]],
                       num_classes: int, *, per_class: int = 30, budget_s: float = 30.0,
                       image_size: int | None = None, progress: Progress | None = None,
                       cancel: CancelToken | None = None, seed: int = 0) -> SimilarityResult:
    """Measure how familiar the user's images are to the pretrained ``arch``/``weights``.

    Example:
        >>> r = measure_similarity("resnet18", "imagenet", "flowers", split.train, 5)  # doctest: +SKIP
        >>> r.similarity  # doctest: +SKIP
        <SimilarityClass.SIMILAR: 'similar'>
    """
    started = time.perf_counter()
    cancel = cancel or NeverCancelled()
    model, head = pretrained_with_original_head(arch, weights, cancel=cancel)
    size = image_size or pretraining_image_size(arch, weights)
    return measure_model_similarity(model, head, preprocessing_for(arch, weights, size), root, train_items,
                                    num_classes,
                                    per_class=per_class, budget_s=budget_s, progress=progress, cancel=cancel,
                                    seed=seed, started=started)


def measure_model_similarity(model: nn.Module, head: str, preprocessing: Preprocessing, root: str | Path,
                             train_items: Sequence[tuple[str, int]], num_classes: int, *, per_class: int = 30,
                             budget_s: float = 30.0, progress: Progress | None = None,
                             cancel: CancelToken | None = None, seed: int = 0,
                             started: float | None = None) -> SimilarityResult:
    """:func:`measure_similarity` for a model already loaded with its original output layer ``head`` (in eval
    mode), fed as ``preprocessing`` says (the pretraining's image size, mean and std).

    Example:
        >>> r = measure_model_similarity(model, "classifier", prep, "flowers", split.train, 5)  # doctest: +SKIP
        >>> r.similarity  # doctest: +SKIP
        <SimilarityClass.SIMILAR: 'similar'>
    """
    started = time.perf_counter() if started is None else started
    cancel = cancel or NeverCancelled()
    sample = sample_per_class(train_items, per_class, seed)
    shift = BatchNormShift(model)
    feats, probs, labels = _features_and_probabilities(model.eval(), head, Path(root), sample, preprocessing,
                                                       budget_s, cancel, progress, shift)
    max_prob, entropy, recognition = recognition_scores(probs)
    probe = linear_probe_accuracy(feats, labels, seed)
    chance = 1.0 / max(num_classes, 1)
    separability = None if probe is None else max(0.0, min(1.0, (probe - chance) / (1.0 - chance)))
    familiarity = shift.familiarity()
    return SimilarityResult(mean_max_probability=max_prob, normalized_entropy=entropy, recognition=recognition,
                            probe_accuracy=probe, probe_chance=chance, separability=separability,
                            familiarity=familiarity, score=combine(recognition, separability, familiarity),
                            images_used=int(len(labels)), seconds=time.perf_counter() - started,
                            shift=None if familiarity is None else shift.shift())


def combine(recognition: float, separability: float | None, familiarity: float | None) -> float:
    """One 0..1 score. The BatchNorm statistics measure the domain most directly, so they weigh half when
    the model has them. Separability also reflects how hard the user's task is (ants vs bees is harder
    than tumour types), so it never decides alone.

    Example:
        >>> combine(0.4, 0.4, 0.8)
        0.6
    """
    parts = [(recognition, 1.0)]
    if separability is not None:
        parts.append((separability, 1.0))
    if familiarity is not None:
        parts.append((familiarity, float(len(parts))))  # as much as the other parts together
    return round(sum(v * w for v, w in parts) / sum(w for _, w in parts), 6)


def pretraining_image_size(arch: str, weights: str) -> int:
    """The image size the weights were trained at: a previous run says so in its model.json; published
    weights use the architecture's own. Statistics measured at another scale would look 'unfamiliar' even for
    the pretraining images themselves."""
    from engine.models.weights import previous_run

    run = previous_run(weights) if weights not in ("imagenet", "none") else None
    if run is not None:
        return run.image_size
    folder = cached_hub_folder(weights, arch)  # a hub model says in its own pretrained_cfg
    size = folder.pretrained_cfg.get("input_size") if folder is not None else None
    return int(size[-1]) if isinstance(size, (list, tuple)) and size else _native_size(arch)


def _native_size(arch: str) -> int:
    try:
        from engine.models.catalog import model_info

        return model_info(arch).crop_size
    except Exception:  # noqa: BLE001 - any model without meta: the ImageNet convention
        return 224
