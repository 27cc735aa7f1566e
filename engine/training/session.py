"""Everything a training loop (or the learning-rate finder) runs on, built from a config.

:func:`open_session` prepares the split and the model (engine/training/preparation.py), switches on the device's
accelerations (engine/training/device.py), decides between the image path (decoded-image cache, augmentation) and
the cached-features path (engine/training/feature_cache.py), and builds the optimizer, schedule, loss and scaler.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn
from torch.utils.data import DataLoader

from engine.config import AugmentConfig, Imbalance, TrainConfig
from engine.core.cancel import CancelToken
from engine.core.errors import StudioError
from engine.core.i18n import tr
from engine.core.run_layout import RunLayout
from engine.data.augment import resolve_augment
from engine.data.image_cache import ImageCache, build_image_cache
from engine.data.loaders import Batch, ImageListDataset, balanced_weights, make_loader, set_loader_epoch
from engine.data.report import Split
from engine.models.layers.freezing import parameter_groups
from engine.training.device import Acceleration, accelerate, split_cpu_threads
from engine.training.distributed import Collective, World
from engine.training.feature_cache import (
    FeatureBatches,
    FeatureSet,
    compute_features,
    head_is_terminal,
    joined_shards,
    shard_of,
    trainable_outside,
)
from engine.training.frozen_prefix import NoGradPrefix
from engine.training.optim import Schedule, build_optimizer, class_weights, make_loss
from engine.training.preparation import PreparedRun, prepare_run

log = logging.getLogger(__name__)

#: ``progress(task, done, total, message)``
ProgressFn = Callable[[str, float, float, str], None]


class BatchSource(Iterable[Batch], Sized, Protocol):
    """An image loader or :class:`FeatureBatches`: batches, a length, and an epoch to draw."""


class SessionCancelled(Exception):
    """The user stopped the run while it was being prepared."""


@dataclass
class Session:
    config: TrainConfig
    run_dir: Path
    prepared: PreparedRun
    acc: Acceleration
    augment: AugmentConfig
    module: nn.Module  # what a step runs: the model, or its head on cached features
    optimizer: torch.optim.Optimizer
    schedule: Schedule
    scaler: torch.amp.GradScaler
    loss_fn: nn.Module
    batch_size: int
    train_source: Any = None
    val_source: Any = None
    features: tuple[FeatureSet, FeatureSet] | None = None
    #: Several processes: the features are computed together, each its share, once all have a session
    #: (:func:`finish_features`): process 0 opens its session while the others wait for its split.
    features_pending: bool = False
    caches: tuple[ImageCache | None, ImageCache | None] = (None, None)
    prefix: NoGradPrefix | None = None
    notes: list[str] = field(default_factory=list)
    world: World = field(default_factory=World)  # the processes training this run together
    plain_module: nn.Module | None = None  # ``module`` before DistributedDataParallel wrapped it
    wrap: Callable[[nn.Module], nn.Module] | None = None

    def distribute(self, wrap: Callable[[nn.Module], nn.Module] | None) -> None:
        """Run steps through ``wrap(module)`` (DistributedDataParallel, engine/training/distributed.py)."""
        self.wrap = wrap
        if wrap is not None:
            if self.plain_module is None:
                self.plain_module = self.module
            self.module = wrap(self.plain_module)

    @property
    def shard(self) -> tuple[int, int]:
        """``(rank, world size)``: this process's share of every batch."""
        return self.world.rank, self.world.size

    @property
    def using_features(self) -> bool:
        return self.features is not None or self.features_pending

    @property
    def device(self) -> torch.device:
        return self.prepared.device

    def set_epoch(self, epoch: int) -> None:
        """Draw epoch ``epoch``'s order and augmentation (a pure function of seed and epoch)."""
        for source in (self.train_source, self.val_source):
            if isinstance(source, FeatureBatches):
                source.set_epoch(epoch)
            elif isinstance(source, DataLoader):
                set_loader_epoch(source, epoch)

    def unfrozen(self) -> None:
        """After more parameters became trainable (gradual unfreezing): they join the optimizer at the
        pretrained layers' rate, and the frozen prefix that runs under no_grad shrinks to match."""
        model, optim = self.prepared.model, self.config.optim
        known = {id(p) for group in self.optimizer.param_groups for p in group["params"]}
        new = [p for p in model.parameters() if p.requires_grad and id(p) not in known]
        if new:
            lr = optim.lr * optim.pretrained_lr_ratio
            self.optimizer.add_param_group({"params": new, "lr": lr, "base_lr": lr, "name": "base",
                                            "weight_decay": optim.weight_decay})
            self.schedule.set_progress(self.schedule.progress)
        if self.prefix is not None:
            self.prefix.remove()
            self.prefix = NoGradPrefix(model)
        if self.wrap is not None:  # DDP registers its gradient hooks for the trainable parameters it was given
            self.distribute(self.wrap)

    @property
    def smallest_batch_size(self) -> int:
        """2 while BatchNorm layers train (they cannot learn from one image), else 1."""
        return 2 if trains_batchnorm(self.module) else 1

    def rebuild_sources(self, batch_size: int) -> None:
        """New batches of ``batch_size`` (after running out of memory); caches are kept.

        Raises:
            StudioError: ``batch_size`` is below :attr:`smallest_batch_size` (halving after running out of
                memory must end there with a sentence, not with BatchNorm's error about one value per channel).
        """
        if batch_size < self.smallest_batch_size:
            if self.device.type == "cuda":
                raise StudioError(tr("The GPU ran out of memory even with {n} images per batch, the fewest this model "
                                     "can learn from (its BatchNorm layers need two). Choose a smaller image size "
                                     "or a smaller model.", n=self.batch_size))
            raise StudioError(tr("The computer ran out of memory even with {n} images per batch, the fewest this "
                                 "model can learn from (its BatchNorm layers need two). Choose a smaller image size "
                                 "or a smaller model.", n=self.batch_size))
        self.batch_size = batch_size
        self.train_source = self.val_source = None  # ends the old loaders' worker processes
        if self.features is not None:
            self.train_source, self.val_source = _feature_sources(self, *self.features)
        else:
            self.train_source, self.val_source = _image_sources(self)

    def resolved(self) -> dict[str, Any]:
        """How the run was really set up (the "resolved" part of config.json)."""
        p, acc = self.prepared, self.acc
        cache = self.caches[0]
        return {"device": str(p.device), "num_workers": p.num_workers, "weights_source": p.weights_source,
                "head_module": p.head, "frozen_modules": p.frozen, "augment": dataclasses.asdict(self.augment),
                "cached_features": self.using_features,
                "image_cache": "off" if cache is None else ("memory" if cache.in_memory else "disk"),
                "mixed_precision": str(acc.autocast_dtype).replace("torch.", "") if acc.autocast_dtype else None,
                "channels_last": acc.channels_last, "no_grad_prefix": self.prefix.names if self.prefix else [],
                "world_size": self.world.size}

    def close(self) -> None:
        self.train_source = self.val_source = None
        if self.prefix is not None:
            self.prefix.remove()
        if self.world.is_main:  # the run folder is process 0's (it may still be measuring the model)
            shutil.rmtree(RunLayout(self.run_dir).cache, ignore_errors=True)


def trains_batchnorm(module: nn.Module) -> bool:
    """True when a BatchNorm layer of ``module`` learns during training (see
    :func:`engine.models.layers.freezing.keep_frozen_batchnorm_in_eval`,
    which keeps the frozen ones in evaluation mode)."""
    for layer in module.modules():
        if isinstance(layer, nn.modules.batchnorm._BatchNorm):
            params = list(layer.parameters(recurse=False))
            if not params or any(p.requires_grad for p in params):
                return True
    return False


def open_session(config: TrainConfig, run_dir: Path, progress: ProgressFn, cancel: CancelToken, *,
                 split: Split | None = None, own_process: bool = False, world: World | None = None) -> Session:
    """Prepare everything; raises :class:`SessionCancelled` when the user stops meanwhile.

    Example:
        >>> session = open_session(config, Path("runs/x"), lambda *a: None, NeverCancelled())  # doctest: +SKIP
        >>> session.using_features  # doctest: +SKIP
        True
    """
    prepared = prepare_run(config, lambda d, t: progress("download", d, t, tr("Downloading the pretrained weights")),
                           cancel, split=split)
    if own_process and prepared.device.type == "cpu":
        split_cpu_threads(prepared.num_workers)
    acc = accelerate(prepared.model, prepared.device, deterministic=config.deterministic)
    model, head = prepared.model, prepared.head
    groups = parameter_groups(model, head, config.optim.lr, config.optim.pretrained_lr_ratio,
                              config.optim.weight_decay, config.model.pretrained)
    optimizer = build_optimizer(groups, config.optim, prepared.device)
    weights = None
    if config.imbalance is Imbalance.WEIGHTED_LOSS:
        weights = class_weights([label for _, label in prepared.split.train], len(prepared.split.classes))
    session = Session(
        config=config, run_dir=run_dir, prepared=prepared, acc=acc, augment=resolve_augment(config), module=model,
        optimizer=optimizer, schedule=Schedule(optimizer, config.schedule, config.optim.epochs),
        scaler=acc.make_scaler(), batch_size=config.optim.batch_size,
        loss_fn=make_loss(len(prepared.split.classes), config.optim.label_smoothing, weights, prepared.device),
        notes=list(acc.notes), world=world or World())
    if _features_apply(session):
        if session.world.active:
            session.features_pending = True
        else:
            _use_features(session, progress, cancel)
    else:
        _use_images(session, progress, cancel)
    return session


def finish_features(session: Session, progress: ProgressFn, cancel: CancelToken) -> None:
    """Compute the features a session of several processes left for later, every process at once."""
    if session.features_pending:
        _use_features(session, progress, cancel)
        session.features_pending = False


def _features_apply(session: Session) -> bool:
    config, prepared = session.config, session.prepared
    if not (config.feature_cache and session.augment.is_identity):
        return False
    finetune = getattr(config, "finetune", None)
    if finetune is not None and finetune.active:  # the base starts frozen but will not stay so
        return False
    if trainable_outside(prepared.model, prepared.head):
        return False
    return head_is_terminal(prepared.model, prepared.head, config.data.image_size)


def _eval_loader(session: Session, items: Any) -> DataLoader[Any]:
    prepared = session.prepared
    pre = prepared.preprocessing
    dataset = ImageListDataset(prepared.split.root, items, pre.eval_transform(), pre.resize_size)
    return make_loader(dataset, session.batch_size, shuffle=False, num_workers=prepared.num_workers,
                       seed=session.config.seed, pin_memory=prepared.device.type == "cuda")


def _use_features(session: Session, progress: ProgressFn, cancel: CancelToken) -> None:
    prepared = session.prepared
    sets: list[FeatureSet] = []
    for side, items in (("training", prepared.split.train), ("validation", prepared.split.val)):
        sets.append(_computed_features(session, list(items), side, progress, cancel))
    session.features = (sets[0], sets[1])
    session.module = prepared.model.get_submodule(prepared.head)
    session.train_source, session.val_source = _feature_sources(session, sets[0], sets[1])
    session.notes.append(tr("The pretrained layers are frozen and there is no augmentation, so their features "
                            "were computed once and only the new classifier trains on them (much faster)."))


def _computed_features(session: Session, items: list[Any], side: str, progress: ProgressFn,
                       cancel: CancelToken) -> FeatureSet:
    """The frozen base's features of ``items``; with several processes each computes its share and they are
    joined on every process (engine/training/feature_cache.py), so N GPUs take 1/N of the time."""
    prepared, world = session.prepared, session.world
    mine = shard_of(items, world.rank, world.size) if world.active else items
    features = compute_features(prepared.model, prepared.head, _eval_loader(session, mine), session.acc,
                                _feature_progress(progress, side), cancel)
    collective = Collective(world, prepared.device if prepared.device.type == "cuda" else None)
    if collective.any(features is None):  # Stop heard by any process: all stop here, none waits for the others
        raise SessionCancelled
    assert features is not None
    if not world.active:
        return features
    return joined_shards([path for path, _ in items], collective.gather(features))


def _feature_progress(progress: ProgressFn, side: str) -> Callable[[int, int], None]:
    message = (tr("Computing the frozen layers' features of the training images once") if side == "training" else
               tr("Computing the frozen layers' features of the validation images once"))
    return lambda done, total: progress("features", done, total, message)


def _feature_sources(session: Session, train: FeatureSet, val: FeatureSet) -> tuple[FeatureBatches, FeatureBatches]:
    config = session.config
    weights = balanced_weights(train.labels.tolist()) if config.imbalance is Imbalance.BALANCED_SAMPLING else None
    shard = session.shard
    return (FeatureBatches(train, session.batch_size, seed=config.seed, shuffle=True, weights=weights, training=True,
                           shard=shard),
            FeatureBatches(val, session.batch_size, seed=config.seed, shuffle=False, shard=shard))


def _use_images(session: Session, progress: ProgressFn, cancel: CancelToken) -> None:
    config, prepared = session.config, session.prepared
    if config.image_cache:
        caches = []
        for name, items in (("train", prepared.split.train), ("val", prepared.split.val)):
            cache = build_image_cache(
                prepared.split.root, [p for p, _ in items], prepared.preprocessing.resize_size,
                interpolation=prepared.preprocessing.resize_mode, directory=RunLayout(session.run_dir).cache,
                name=_cache_name(session, name),
                workers=prepared.num_workers,
                progress=lambda d, t: progress("cache", d, t, tr("Reading every image once")), cancel=cancel)
            if cache is None:
                raise SessionCancelled
            caches.append(cache)
        session.caches = (caches[0], caches[1])
        session.notes.append(tr("Each image was decoded once and kept at training size in memory.")
                             if caches[0].in_memory else
                             tr("Each image was decoded once and kept at training size in the run's cache folder."))
    session.train_source, session.val_source = _image_sources(session)
    session.prefix = NoGradPrefix(prepared.model)
    if session.prefix.names:
        session.notes.append(tr("The frozen first layers ({layers}) run without keeping anything for learning.",
                                layers=", ".join(session.prefix.names)))


def _image_sources(session: Session) -> tuple[DataLoader[Any], DataLoader[Any]]:
    config, prepared = session.config, session.prepared
    pre = prepared.preprocessing
    train_ds = ImageListDataset(prepared.split.root, prepared.split.train,
                                pre.train_transform(session.augment), pre.resize_size, cache=session.caches[0])
    val_ds = ImageListDataset(prepared.split.root, prepared.split.val, pre.eval_transform(), pre.resize_size,
                              cache=session.caches[1])
    weights = balanced_weights(train_ds.labels) if config.imbalance is Imbalance.BALANCED_SAMPLING else None
    common: dict[str, Any] = {"num_workers": prepared.num_workers, "seed": config.seed,
                              "pin_memory": prepared.device.type == "cuda", "shard": session.shard}
    return (make_loader(train_ds, session.batch_size, shuffle=True, weights=weights, training=True, **common),
            make_loader(val_ds, session.batch_size, shuffle=False, **common))


def _cache_name(session: Session, name: str) -> str:
    """Each process of a distributed run keeps its own decoded-image cache file."""
    return name if not session.world.active else f"{name}-rank{session.world.rank}"
