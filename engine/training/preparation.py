"""Everything a run needs before its first batch: data split, loaders, model with starting weights.

Kept apart from the loop so that the loop stays small and so that tools (benchmarks, the advisor) can
build the same pieces without training.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

from engine.config import TrainConfig
from engine.core.cancel import CancelToken
from engine.data.loaders import ImageListDataset, Preprocessing, default_num_workers, make_loader
from engine.data.report import Split, scan_image_folder, split_dataset
from engine.models.catalog import build_classifier, pick_device
from engine.models.heads import HeadOptions
from engine.models.layers.freezing import freeze_modules, plan_for_strategy
from engine.models.sources import hub_model_args, preprocessing_for
from engine.models.weights import apply_weights, load_starting_weights

log = logging.getLogger(__name__)


@dataclass
class PreparedRun:
    config: TrainConfig
    split: Split
    preprocessing: Preprocessing
    model: nn.Module
    head: str
    frozen: list[str]
    device: torch.device
    train_loader: DataLoader[Any]
    val_loader: DataLoader[Any]
    num_workers: int
    weights_source: str


def prepare_data(config: TrainConfig, cancel: CancelToken | None = None) -> Split:
    """Scan (cached: only changed files are read again) and split as ``config.data`` says."""
    data = config.data
    report = scan_image_folder(data.data_dir, cancel=cancel, use_folder_split=data.use_folder_split,
                               exclude=data.exclude, image_size=data.image_size)
    report.require_trainable()
    return split_dataset(report, val_fraction=data.val_fraction, test_fraction=data.test_fraction,
                         seed=config.seed, group_pattern=data.group_pattern, group_by_patient=data.group_by_patient)


def prepare_model(config: TrainConfig, num_classes: int,
                  download_progress: Callable[[int, int], None] | None = None,
                  cancel: CancelToken | None = None) -> tuple[nn.Module, str, list[str], str]:
    """Model with its new head and starting weights, frozen exactly as ``config.freeze`` lists (or, without
    a list, as the strategy says: "head" freezes the whole pretrained base, "full" nothing).

    Returns ``(model, head module name, frozen module names, description of the weights' source)``.
    """
    arch = config.model.arch
    head_options = HeadOptions(config.model.head_dropout, config.model.head_hidden)
    # Weights first: a hub model is downloaded here, and its config.json may carry arguments timm needs.
    state, source = load_starting_weights(config.model.weights, arch, download_progress, cancel)
    model, head = build_classifier(arch, num_classes, head_options, config.data.image_size,
                                   model_args=hub_model_args(arch, config.model.weights))
    if state is not None:
        report = apply_weights(model, state, head, source)
        log.info("loaded %d tensors from %s (new head: %s)", report.loaded, source, ", ".join(report.skipped_head))
    if config.freeze.frozen is not None:
        frozen = list(config.freeze.frozen)
    else:
        frozen = plan_for_strategy(model, head, config.strategy.value, arch)
    freeze_modules(model, frozen, head, arch)  # unknown names: a ConfigError in words, before any training
    return model, head, frozen, source


def prepare_loaders(config: TrainConfig, split: Split, preprocessing: Preprocessing,
                    device: torch.device) -> tuple[DataLoader[Any], DataLoader[Any], int]:
    workers = config.num_workers if config.num_workers >= 0 else default_num_workers(device.type)
    min_side = preprocessing.resize_size
    train_ds = ImageListDataset(split.root, split.train,
                                preprocessing.train_transform(config.data.augmentation), min_side)
    val_ds = ImageListDataset(split.root, split.val, preprocessing.eval_transform(), min_side)
    pin = device.type == "cuda"
    batch = config.optim.batch_size
    train = make_loader(train_ds, batch, shuffle=True, num_workers=workers, seed=config.seed, pin_memory=pin)
    val = make_loader(val_ds, batch, shuffle=False, num_workers=workers, seed=config.seed, pin_memory=pin)
    return train, val, workers


def prepare_run(config: TrainConfig, download_progress: Callable[[int, int], None] | None = None,
                cancel: CancelToken | None = None, *, split: Split | None = None) -> PreparedRun:
    """``split``: a saved split to use as it is (resuming a run) instead of scanning the folder again."""
    torch.manual_seed(config.seed)
    split = split if split is not None else prepare_data(config, cancel)
    device = pick_device(config.device.value)
    model, head, frozen, source = prepare_model(config, len(split.classes), download_progress, cancel)
    # What the starting weights were trained with (a timm model's pretrained_cfg), at the run's image size.
    preprocessing = preprocessing_for(config.model.arch, config.model.weights, config.data.image_size)
    model.to(device)
    train_loader, val_loader, workers = prepare_loaders(config, split, preprocessing, device)
    return PreparedRun(config=config, split=split, preprocessing=preprocessing, model=model, head=head,
                       frozen=frozen, device=device, train_loader=train_loader, val_loader=val_loader,
                       num_workers=workers, weights_source=source)
