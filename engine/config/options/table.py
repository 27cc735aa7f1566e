"""The option table: every user-facing setting of a run, once (see spec.py for what each entry says).

Ranges were decided here once. Where the window and the config used to disagree, the wider range won as far
as the window's widgets can show it: a Qt spin box holds at most 2**31 - 1, so that is the seed's top (the
config allowed up to 2**32 - 1, which the window could neither show nor set); epochs, batch size, patience,
the step interval and the fine-tuning schedule keep the config's wider tops (the window offered less).
"""

from __future__ import annotations

import enum
from typing import TypeVar

from engine.config.enums import (
    STRATEGY_LABELS,
    Augmentation,
    Device,
    Imbalance,
    Monitor,
    OptimizerKind,
    ScheduleKind,
)
from engine.config.options.spec import Choice, Limits, OptionSpec
from engine.core.i18n import tr_later

#: Largest seed: what a Qt spin box can hold (2**31 - 1); every seed up to it gives a different split.
MAX_SEED = 2**31 - 1


_E = TypeVar("_E", bound=enum.Enum)


def _choices(labels: dict[_E, str]) -> tuple[Choice, ...]:
    return tuple(Choice(value, label) for value, label in labels.items())


_DATA = (
    OptionSpec("data.val_fraction", tr_later("Validation"),
               tr_later("Share of the images kept aside to check the model during training; it is never trained on."),
               tr_later("The validation share"), Limits(0.05, 0.5), english_unit=tr_later("of the images"),
               percent=True, step=0.05, decimals=2, cli="--val-fraction"),
    OptionSpec("data.test_fraction", tr_later("Test"),
               tr_later("Share of the images kept aside until the end, for a final, untouched measurement (0 = no test "
                        "set)."),
               tr_later("The test share"), Limits(0, 0.4), english_unit=tr_later("of the images"), percent=True,
               english_special=tr_later("no test set"), step=0.05, decimals=2, cli="--test-fraction"),
    OptionSpec("data.image_size", tr_later("Image size"),
               tr_later("Images are resized to this many pixels square. 224 is what most pretrained models expect; "
                        "smaller is faster."),
               tr_later("The image size"), Limits(16, 1024), english_unit=tr_later("pixels"), step=16,
               cli="--image-size"),
    OptionSpec("data.augmentation", tr_later("Augmentation"),
               tr_later("Random changes to the training images so the model learns what matters, not the exact pixels. "
                        "Medical-safe never flips or changes colours unless you allow it."),
               choices=_choices({
                   Augmentation.NONE: tr_later("None: every image exactly as it is"),
                   Augmentation.LIGHT: tr_later("Light: random crops and left-right flips"),
                   Augmentation.STRONG: tr_later("Strong: crops, flips, rotation, colour changes, blanked patches"),
                   Augmentation.MEDICAL: tr_later("Medical-safe: small crops and rotations; no flips, no colour "
                                                  "changes"),
               }), cli="--augmentation"),
    OptionSpec("data.group_pattern", tr_later("Keep together (pattern)"),
               tr_later("Keeps all images of one patient or subject on one side of the split: a regular expression "
                        "whose first part in brackets, found in the file path, names the group."),
               cli="--group-pattern", cli_metavar="REGEX"),
    OptionSpec("data.group_by_patient", tr_later("Keep each DICOM patient together"),
               tr_later("DICOM files: all images with the same PatientID stay on one side of the split (the ID itself "
                        "is never recorded)."),
               cli="--group-by-patient"),
    OptionSpec("data.use_folder_split", tr_later("Use the folder's own train/ val/ test/ folders"),
               tr_later("Uses the split the image folder already has, in its train, val and test subfolders."),
               cli="--use-folder-split"),
)

_MODEL = (
    OptionSpec("model.arch", tr_later("Model"),
               tr_later("The pretrained model to start from: a torchvision name (resnet18) or a timm one "
                        "(timm:efficientnet_lite0), as the model list shows; a model folder names its own."),
               cli="--arch", cli_unset=True),
    OptionSpec("model.weights", tr_later("Starting weights"),
               tr_later("What the model starts from: imagenet (pretrained on ImageNet photos), none (random), a hub "
                        "model (hf-hub:owner/name), or the path of a model folder, a weights file or a previous run's "
                        "folder."),
               cli="--weights"),
    OptionSpec("model.head_dropout", tr_later("Dropout before the output"),
               tr_later("While training, randomly silences this share of the new output layer's inputs, so it cannot "
                        "lean on a few features (0 = none)."),
               tr_later("The dropout before the output layer"), Limits(0, 1, high_open=True), step=0.05, decimals=2,
               cli="--head-dropout", cli_metavar="P"),
    OptionSpec("model.head_hidden", tr_later("Hidden layer (units)"),
               tr_later("An extra layer of this many units (with ReLU) before the output: more room to adapt, more to "
                        "learn (0 = none)."),
               tr_later("The hidden layer's size"), Limits(0, 4096), english_unit=tr_later("units"),
               english_special=tr_later("none"), step=64, cli="--head-hidden", cli_metavar="UNITS"),
)

_OPTIM = (
    OptionSpec("optim.epochs", tr_later("Epochs"),
               tr_later("How many times the model sees every training image (at most)."),
               tr_later("The number of epochs"), Limits(1, 10_000), cli="--epochs"),
    OptionSpec("optim.batch_size", tr_later("Batch size"),
               tr_later("Images per learning step. Lower it if the computer runs out of memory; on a GPU it is halved "
                        "automatically when needed."),
               tr_later("The batch size"), Limits(1, 4096), cli="--batch-size"),
    OptionSpec("optim.lr", tr_later("Learning rate"),
               tr_later("How big each learning step is: too high and training jumps around, too low and it barely "
                        "moves."),
               tr_later("The learning rate"), Limits(0, 10, low_open=True), step=0.001, decimals=6, cli="--lr"),
    OptionSpec("optim.optimizer", tr_later("Optimizer"),
               tr_later("SGD is steady and a safe default; Adam and AdamW adapt each weight's step and usually want a "
                        "ten times smaller learning rate."),
               choices=_choices({
                   OptimizerKind.SGD: tr_later("SGD with momentum"),
                   OptimizerKind.ADAM: tr_later("Adam"),
                   OptimizerKind.ADAMW: tr_later("AdamW"),
               }), cli="--optimizer"),
    OptionSpec("optim.pretrained_lr_ratio", tr_later("Pretrained layers' share"),
               tr_later("Pretrained layers that are trained learn at this fraction of the learning rate, so they "
                        "change gently."),
               tr_later("The learning-rate share of pretrained layers"), Limits(0, 1, low_open=True), step=0.05,
               decimals=3, cli="--pretrained-lr-ratio"),
    OptionSpec("optim.momentum", tr_later("Momentum"),
               tr_later("SGD: how much of the previous step carries on (0.9 is usual)."),
               tr_later("Momentum"), Limits(0, 1, high_open=True), step=0.05, decimals=3, cli="--momentum"),
    OptionSpec("optim.nesterov", tr_later("Nesterov momentum"),
               tr_later("SGD: a look-ahead form of momentum, often slightly better."),
               cli="--nesterov"),
    OptionSpec("optim.weight_decay", tr_later("Weight decay (L2)"),
               tr_later("Keeps the weights small so the model generalises better."),
               tr_later("Weight decay"), Limits(0, 1, high_open=True), step=1e-4, decimals=5, cli="--weight-decay"),
    OptionSpec("optim.l1", tr_later("L1 penalty"),
               tr_later("Pushes unneeded weights to exactly zero (0 = off)."),
               tr_later("The L1 penalty"), Limits(0, 1, high_open=True), step=1e-5, decimals=6, cli="--l1"),
    OptionSpec("optim.label_smoothing", tr_later("Label smoothing"),
               tr_later("Makes the model less over-confident; 0.1 is a common choice (0 = off)."),
               tr_later("Label smoothing"), Limits(0, 0.5, high_open=True), step=0.05, decimals=2,
               cli="--label-smoothing"),
)

_SCHEDULE = (
    OptionSpec("schedule.kind", tr_later("Schedule"),
               tr_later("How the learning rate changes over the epochs. One-cycle rises then falls and ignores "
                        "warm-up."),
               choices=_choices({
                   ScheduleKind.CONSTANT: tr_later("Constant"),
                   ScheduleKind.STEP: tr_later("Step down every few epochs"),
                   ScheduleKind.COSINE: tr_later("Cosine (smoothly down to almost zero)"),
                   ScheduleKind.ONE_CYCLE: tr_later("One-cycle"),
               }), cli="--schedule"),
    OptionSpec("schedule.warmup_epochs", tr_later("Warm-up (epochs)"),
               tr_later("Start at a tenth of the learning rate and reach it after this many epochs (0 = no warm-up)."),
               tr_later("Warm-up"), Limits(0, 100), english_unit=tr_later("epochs"), step=0.5, decimals=1,
               cli="--warmup-epochs"),
    OptionSpec("schedule.step_epochs", tr_later("Step interval (epochs)"),
               tr_later("Step schedule: the learning rate is lowered every this many epochs."),
               tr_later("The step interval"), Limits(1, 10_000), english_unit=tr_later("epochs"), cli="--step-epochs"),
    OptionSpec("schedule.step_gamma", tr_later("Step factor"),
               tr_later("Step schedule: each lowering multiplies the learning rate by this factor (0.1 = ten times "
                        "lower)."),
               tr_later("The step factor"), Limits(0, 1, low_open=True), step=0.05, decimals=2, cli="--step-gamma"),
)

_FINETUNE = (
    OptionSpec("finetune.head_warmup_epochs", tr_later("Classifier first"),
               tr_later("The new output layer trains alone for this many epochs before any pretrained layer changes, "
                        "so those are never adjusted to suit a random classifier (0 = all from the start)."),
               tr_later("The classifier warm-up"), Limits(0, 1000), english_unit=tr_later("epochs"),
               cli="--head-warmup", cli_metavar="EPOCHS", cli_unset=True),
    OptionSpec("finetune.unfreeze_every", tr_later("Unfreeze every"),
               tr_later("Gradual unfreezing: one more pretrained stage joins every this many epochs, from the top down "
                        "(0 = all planned layers at once)."),
               tr_later("The gradual-unfreezing interval"), Limits(0, 1000), english_unit=tr_later("epochs"),
               cli="--unfreeze-every", cli_metavar="EPOCHS", cli_unset=True),
)

_STOPPING = (
    OptionSpec("early_stopping.enabled", tr_later("Stop early when validation stops improving"),
               tr_later("Ends training once more epochs would most likely only memorise the training images."),
               cli="--no-early-stopping", cli_off=True),
    OptionSpec("early_stopping.monitor", tr_later("Watch"),
               tr_later("What counts as improving: validation loss (smoother) or accuracy. The best model is chosen by "
                        "the same figure."),
               choices=_choices({
                   Monitor.VAL_LOSS: tr_later("Validation loss"),
                   Monitor.VAL_ACCURACY: tr_later("Validation accuracy"),
               }), cli="--monitor"),
    OptionSpec("early_stopping.patience", tr_later("Patience (epochs)"),
               tr_later("How many epochs without improvement to wait before stopping."),
               tr_later("Patience"), Limits(1, 1000), english_unit=tr_later("epochs"), cli="--patience"),
    # The config once allowed any size; 10 is beyond every useful threshold (a loss starts near ln(classes),
    # under 7 even for 1000 classes; accuracy moves by at most 1) and gives the spin box a top.
    OptionSpec("early_stopping.min_delta", tr_later("Smallest improvement"),
               tr_later("Changes smaller than this do not count as improving."),
               tr_later("The smallest improvement that counts"), Limits(0, 10), step=0.001, decimals=4,
               cli="--min-delta"),
    OptionSpec("early_stopping.restore_best", tr_later("Keep the best epoch's model"),
               tr_later("At the end, keep the model from the best epoch rather than the last one."),
               cli="--no-restore-best", cli_off=True),
)

_AUGMENT = (
    OptionSpec("augment.hflip", tr_later("Mirror left-right"),
               tr_later("Mirrors images left-right at random; only if left and right mean the same in your images."),
               cli="--hflip", cli_unset=True),
    OptionSpec("augment.vflip", tr_later("Flip upside down"),
               tr_later("Flips images upside down at random; only if up and down mean the same (e.g. microscopy, "
                        "satellite images)."),
               cli="--vflip", cli_unset=True),
    OptionSpec("augment.crop_scale_min", tr_later("Smallest crop"),
               tr_later("Random crops keep at least this share of the image (1 = no cropping)."),
               tr_later("The smallest crop"), Limits(0.05, 1), english_unit=tr_later("of the image"), percent=True,
               step=0.05, decimals=2, cli="--crop-scale-min", cli_unset=True),
    OptionSpec("augment.rotation", tr_later("Rotation (degrees)"),
               tr_later("Turns images by up to this many degrees either way."),
               tr_later("Rotation"), Limits(0, 180), english_unit=tr_later("degrees"), step=5, decimals=2,
               cli="--rotation", cli_unset=True),
    OptionSpec("augment.brightness", tr_later("Brightness"),
               tr_later("How much brightness may change (0 = never)."),
               tr_later("The brightness change"), Limits(0, 1), step=0.05, decimals=2, cli="--brightness",
               cli_unset=True),
    OptionSpec("augment.contrast", tr_later("Contrast"),
               tr_later("How much contrast may change (0 = never)."),
               tr_later("The contrast change"), Limits(0, 1), step=0.05, decimals=2, cli="--contrast", cli_unset=True),
    OptionSpec("augment.saturation", tr_later("Colour strength"),
               tr_later("How much colours may fade or strengthen (0 = never)."),
               tr_later("The colour-strength change"), Limits(0, 1), step=0.05, decimals=2, cli="--saturation",
               cli_unset=True),
    OptionSpec("augment.hue", tr_later("Hue"),
               tr_later("How far colours may shift around the colour wheel (0 = never)."),
               tr_later("The hue change"), Limits(0, 0.5), step=0.01, decimals=2, cli="--hue", cli_unset=True),
    OptionSpec("augment.erasing", tr_later("Blanked patch"),
               tr_later("Share of images in which a random rectangle is blanked (0 = never)."),
               tr_later("The share of images with a blanked patch"), Limits(0, 1), step=0.05, decimals=2,
               cli="--erasing", cli_unset=True),
)

_RUN = (
    # The command line's --strategy also takes "auto" (ask the advisor), which is no value of the setting: that
    # option is written by hand in engine/cli/train.py.
    OptionSpec("strategy", tr_later("Strategy"),
               tr_later("How much of the pretrained model is trained: only the new classifier, the upper layers too, "
                        "or everything."),
               choices=_choices(STRATEGY_LABELS)),
    OptionSpec("device", tr_later("Device"),
               tr_later("Automatic uses an NVIDIA GPU, then an Apple GPU, then the processor."),
               choices=_choices({
                   Device.AUTO: tr_later("Automatic"),
                   Device.CPU: tr_later("Processor (CPU)"),
                   Device.CUDA: tr_later("NVIDIA GPU (CUDA)"),
                   Device.MPS: tr_later("Apple GPU (MPS)"),
               }), cli="--device"),
    OptionSpec("imbalance", tr_later("Unequal classes"),
               tr_later("When some classes have far fewer images: weigh their mistakes more, or show their images more "
                        "often."),
               choices=_choices({
                   Imbalance.NONE: tr_later("Nothing special"),
                   Imbalance.WEIGHTED_LOSS: tr_later("Weigh rare classes more in the loss"),
                   Imbalance.BALANCED_SAMPLING: tr_later("Show rare classes more often"),
               }), cli="--imbalance"),
    OptionSpec("seed", tr_later("Seed"),
               tr_later("The same seed gives the same split and the same random choices."),
               tr_later("The seed"), Limits(0, MAX_SEED), cli="--seed"),
    OptionSpec("num_workers", tr_later("Loader workers"),
               tr_later("How many processes read and prepare images beside the training (-1 = as many as the "
                        "computer's cores allow, 0 = none: all in the training process)."),
               tr_later("The number of loader workers"), Limits(-1, 64), english_special=tr_later("automatic"),
               cli="--workers"),
    OptionSpec("deterministic", tr_later("Deterministic"),
               tr_later("Same seed and same computer give exactly the same result (slower on GPUs)."),
               cli="--deterministic"),
    OptionSpec("image_cache", tr_later("Decode each image once"),
               tr_later("Keeps every image at training size after the first read, so later epochs skip decoding."),
               cli="--no-image-cache", cli_off=True),
    OptionSpec("feature_cache", tr_later("Cache the frozen layers' output"),
               tr_later("With the pretrained part frozen and no augmentation, its output is computed once and only the "
                        "classifier trains: many times faster."),
               cli="--no-feature-cache", cli_off=True),
    OptionSpec("sync_batchnorm", tr_later("Synchronise BatchNorm across GPUs"),
               tr_later("Several GPUs: BatchNorm layers that train compute their statistics over the whole batch "
                        "instead of each GPU's share; worth it when each GPU takes fewer than 16 images of a batch "
                        "(slower per step; GPUs only)."),
               cli="--sync-batchnorm"),
)

#: Every option, by part of the config.
OPTIONS: tuple[OptionSpec, ...] = _DATA + _MODEL + _OPTIM + _SCHEDULE + _FINETUNE + _STOPPING + _AUGMENT + _RUN

_BY_PATH = {spec.path: spec for spec in OPTIONS}


def option(path: str) -> OptionSpec:
    """The entry for ``path`` (``"optim.epochs"``); ``KeyError`` for a path the table does not have."""
    return _BY_PATH[path]


def options_in(section: str) -> tuple[OptionSpec, ...]:
    """The entries of one part of the config (``"optim"``; ``""`` for the top-level settings)."""
    return tuple(spec for spec in OPTIONS if spec.section == section)
