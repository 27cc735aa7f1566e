"""The training options of ``python -m engine train`` beyond the basics: optimizer, schedule,
regularisation, augmentation transforms, imbalance, early stopping details, determinism and caches.

Each option's help is the same plain line the training panel shows. ``apply_training_options`` turns the
parsed options into a :class:`~engine.config.TrainConfig` on top of the basic one.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from engine.config import (
    AugmentConfig,
    Imbalance,
    Monitor,
    OptimizerKind,
    ScheduleConfig,
    ScheduleKind,
    TrainConfig,
)

#: Editable transforms: option name -> (AugmentConfig field, type, help).
TRANSFORM_OPTIONS: dict[str, tuple[str, type, str]] = {
    "--crop-scale-min": ("crop_scale_min", float, "random crops keep at least this share of the image (1 = no crop)"),
    "--rotation": ("rotation", float, "turn images by up to this many degrees either way"),
    "--brightness": ("brightness", float, "random brightness change, 0-1"),
    "--contrast": ("contrast", float, "random contrast change, 0-1"),
    "--saturation": ("saturation", float, "random colour-strength change, 0-1"),
    "--hue": ("hue", float, "random hue shift, 0-0.5"),
    "--erasing": ("erasing", float, "share of images with a random rectangle blanked, 0-1"),
}


def add_training_options(parser: argparse.ArgumentParser) -> None:
    """Add the options listed in the module notes to the ``train`` parser."""
    opt = parser.add_argument_group("optimisation")
    opt.add_argument("--optimizer", default="sgd", choices=[k.value for k in OptimizerKind],
                     help="update rule: sgd (with momentum) is steady, adam/adamw adapt the step per weight")
    opt.add_argument("--momentum", type=float, default=0.9, help="SGD: how much of the previous step is kept")
    opt.add_argument("--nesterov", action="store_true", help="SGD: look-ahead momentum (often a little better)")
    opt.add_argument("--pretrained-lr-ratio", type=float, default=0.1,
                     help="pretrained layers learn at this fraction of the learning rate")
    opt.add_argument("--weight-decay", type=float, default=1e-4, help="L2 penalty: keeps weights small")
    opt.add_argument("--l1", type=float, default=0.0, help="L1 penalty: pushes unneeded weights to zero (0 = off)")
    opt.add_argument("--label-smoothing", type=float, default=0.0,
                     help="make the model less over-confident (0 = off, 0.1 is typical)")
    opt.add_argument("--schedule", default="cosine", choices=[k.value for k in ScheduleKind],
                     help="how the learning rate changes over the epochs")
    opt.add_argument("--warmup-epochs", type=float, default=0.0,
                     help="start slowly for this many epochs (cosine, step, constant)")
    opt.add_argument("--step-epochs", type=int, default=5, help="step schedule: lower the rate every N epochs")
    opt.add_argument("--step-gamma", type=float, default=0.1, help="step schedule: multiply the rate by this")
    aug = parser.add_argument_group("augmentation (start from --augmentation, change any of these)")
    aug.add_argument("--hflip", action=argparse.BooleanOptionalAction, default=None,
                     help="mirror images left-right at random")
    aug.add_argument("--vflip", action=argparse.BooleanOptionalAction, default=None,
                     help="flip images upside down at random")
    for name, (_, kind, text) in TRANSFORM_OPTIONS.items():
        aug.add_argument(name, type=kind, default=None, help=text)
    more = parser.add_argument_group("data balance, early stopping, reproducibility, speed")
    more.add_argument("--imbalance", default="none", choices=[k.value for k in Imbalance],
                      help="rare classes: weight their mistakes more, or draw them more often")
    more.add_argument("--monitor", default="val_loss", choices=[k.value for k in Monitor],
                      help="what early stopping and 'best model' watch")
    more.add_argument("--min-delta", type=float, default=0.0, help="smallest change that counts as improvement")
    more.add_argument("--no-restore-best", action="store_true",
                      help="keep the last epoch's model instead of the best one")
    more.add_argument("--deterministic", action="store_true",
                      help="same seed, same computer, same result (slower on GPUs)")
    more.add_argument("--no-image-cache", action="store_true", help="decode images again every epoch")
    more.add_argument("--no-feature-cache", action="store_true",
                      help="re-run the frozen layers every epoch even when their features could be cached")


def augment_from_args(config: TrainConfig, args: argparse.Namespace) -> AugmentConfig | None:
    """The preset's transforms with the changes given on the command line, or ``None`` when none were."""
    from engine.data.augment import PRESETS

    changes: dict[str, Any] = {}
    for flag in ("hflip", "vflip"):
        if getattr(args, flag, None) is not None:
            changes[flag] = getattr(args, flag)
    for name, (field_name, _, _) in TRANSFORM_OPTIONS.items():
        value = getattr(args, name.lstrip("-").replace("-", "_"), None)
        if value is not None:
            changes[field_name] = value
    if not changes:
        return None
    return dataclasses.replace(PRESETS[config.data.augmentation], **changes)


def apply_training_options(config: TrainConfig, args: argparse.Namespace) -> TrainConfig:
    """``config`` with every option of :func:`add_training_options` applied.

    Example:
        >>> parser = argparse.ArgumentParser(); add_training_options(parser)
        >>> cfg = apply_training_options(base, parser.parse_args(["--optimizer", "adamw"]))  # doctest: +SKIP
    """
    optim = dataclasses.replace(
        config.optim, optimizer=OptimizerKind(args.optimizer), momentum=args.momentum, nesterov=args.nesterov,
        pretrained_lr_ratio=args.pretrained_lr_ratio, weight_decay=args.weight_decay, l1=args.l1,
        label_smoothing=args.label_smoothing)
    stopping = dataclasses.replace(config.early_stopping, monitor=Monitor(args.monitor), min_delta=args.min_delta,
                                   restore_best=not args.no_restore_best)
    schedule = ScheduleConfig(ScheduleKind(args.schedule), warmup_epochs=args.warmup_epochs,
                              step_epochs=args.step_epochs, step_gamma=args.step_gamma)
    return config.replace(optim=optim, early_stopping=stopping, schedule=schedule,
                          augment=augment_from_args(config, args), imbalance=Imbalance(args.imbalance),
                          deterministic=args.deterministic, image_cache=not args.no_image_cache,
                          feature_cache=not args.no_feature_cache)
