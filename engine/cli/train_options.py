"""The training options of ``python -m engine train`` beyond the basics: optimizer, schedule,
regularisation, augmentation transforms, imbalance, early stopping details, determinism and caches.

Every one is a setting of the option table (engine/config/options): its help is the same plain line the
training panel shows. The augmentation transforms start from the chosen preset: :func:`augment_from_args`
changes only those given.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from engine.cli.option_args import add_options
from engine.config import AugmentConfig, TrainConfig
from engine.core.i18n import tr

OPTIMISATION = ("optim.optimizer", "optim.momentum", "optim.nesterov", "optim.pretrained_lr_ratio",
                "optim.weight_decay", "optim.l1", "optim.label_smoothing", "schedule.kind", "schedule.warmup_epochs",
                "schedule.step_epochs", "schedule.step_gamma")
AUGMENTATION = ("augment.hflip", "augment.vflip", "augment.crop_scale_min", "augment.rotation", "augment.brightness",
                "augment.contrast", "augment.saturation", "augment.hue", "augment.erasing")
MORE = ("imbalance", "early_stopping.monitor", "early_stopping.min_delta", "early_stopping.restore_best",
        "deterministic", "image_cache", "feature_cache", "sync_batchnorm")


def add_training_options(parser: argparse.ArgumentParser) -> None:
    """Add the options listed in the module notes to the ``train`` parser, in their groups."""
    add_options(parser.add_argument_group(tr("optimisation")), OPTIMISATION)
    add_options(parser.add_argument_group(tr("augmentation (start from --augmentation, change any of these)")),
                AUGMENTATION)
    add_options(parser.add_argument_group(tr("data balance, early stopping, reproducibility, speed")), MORE)


def augment_from_args(config: TrainConfig, values: dict[str, Any]) -> AugmentConfig | None:
    """The preset's transforms with the changes given on the command line, or ``None`` when none were.

    ``values`` is :func:`engine.cli.option_args.option_values`'s: a transform that was not given is not in it.
    """
    from engine.data.augment import PRESETS

    changes = {path.removeprefix("augment."): value for path, value in values.items() if path.startswith("augment.")}
    if not changes:
        return None
    return dataclasses.replace(PRESETS[config.data.augmentation], **changes)
