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
    Augmentation,
    Device,
    Imbalance,
    Monitor,
    OptimizerKind,
    ScheduleKind,
    Strategy,
)
from engine.config.options.spec import Choice, Limits, OptionSpec

#: Largest seed: what a Qt spin box can hold (2**31 - 1); every seed up to it gives a different split.
MAX_SEED = 2**31 - 1


_E = TypeVar("_E", bound=enum.Enum)


def _choices(labels: dict[_E, str]) -> tuple[Choice, ...]:
    return tuple(Choice(value, label) for value, label in labels.items())


_DATA = (
    OptionSpec("data.val_fraction", "Validation", "Share of the images kept aside to check the model during "
               "training; it is never trained on.", "The validation share", Limits(0.05, 0.5),
               unit="of the images", percent=True, step=0.05, decimals=2, cli="--val-fraction"),
    OptionSpec("data.test_fraction", "Test", "Share of the images kept aside until the end, for a final, "
               "untouched measurement (0 = no test set).", "The test share", Limits(0, 0.4), unit="of the images",
               percent=True, special="no test set", step=0.05, decimals=2, cli="--test-fraction"),
    OptionSpec("data.image_size", "Image size", "Images are resized to this many pixels square. 224 is what most "
               "pretrained models expect; smaller is faster.", "The image size", Limits(16, 1024), unit="pixels",
               step=16, cli="--image-size"),
    OptionSpec("data.augmentation", "Augmentation", "Random changes to the training images so the model learns "
               "what matters, not the exact pixels. Medical-safe never flips or changes colours unless you allow "
               "it.", choices=_choices({
                   Augmentation.NONE: "None: every image exactly as it is",
                   Augmentation.LIGHT: "Light: random crops and left-right flips",
                   Augmentation.STRONG: "Strong: crops, flips, rotation, colour changes, blanked patches",
                   Augmentation.MEDICAL: "Medical-safe: small crops and rotations; no flips, no colour changes"}),
               cli="--augmentation"),
    OptionSpec("data.group_pattern", "Keep together (pattern)", "Keeps all images of one patient or subject on "
               "one side of the split: a regular expression whose first part in brackets, found in the file "
               "path, names the group.", cli="--group-pattern", cli_metavar="REGEX"),
    OptionSpec("data.group_by_patient", "Keep each DICOM patient together", "DICOM files: all images with the "
               "same PatientID stay on one side of the split (the ID itself is never recorded).",
               cli="--group-by-patient"),
    OptionSpec("data.use_folder_split", "Use the folder's own train/ val/ test/ folders", "Uses the split the "
               "image folder already has, in its train, val and test subfolders.", cli="--use-folder-split"),
)

_MODEL = (
    OptionSpec("model.arch", "Model", "The pretrained model to start from: a torchvision name (resnet18) or a timm "
               "one (timm:efficientnet_lite0), as the model list shows; a model folder names its own.",
               cli="--arch", cli_unset=True),
    OptionSpec("model.weights", "Starting weights", "What the model starts from: imagenet (pretrained on "
               "ImageNet photos), none (random), a hub model (hf-hub:owner/name), or the path of a model "
               "folder, a weights file or a previous run's folder.", cli="--weights"),
    OptionSpec("model.head_dropout", "Dropout before the output", "While training, randomly silences this share "
               "of the new output layer's inputs, so it cannot lean on a few features (0 = none).",
               "The dropout before the output layer", Limits(0, 1, high_open=True), step=0.05, decimals=2,
               cli="--head-dropout", cli_metavar="P"),
    OptionSpec("model.head_hidden", "Hidden layer (units)", "An extra layer of this many units (with ReLU) before "
               "the output: more room to adapt, more to learn (0 = none).", "The hidden layer's size",
               Limits(0, 4096), unit="units", special="none", step=64, cli="--head-hidden", cli_metavar="UNITS"),
)

_OPTIM = (
    OptionSpec("optim.epochs", "Epochs", "How many times the model sees every training image (at most).",
               "The number of epochs", Limits(1, 10_000), cli="--epochs"),
    OptionSpec("optim.batch_size", "Batch size", "Images per learning step. Lower it if the computer runs out of "
               "memory; on a GPU it is halved automatically when needed.", "The batch size", Limits(1, 4096),
               cli="--batch-size"),
    OptionSpec("optim.lr", "Learning rate", "How big each learning step is: too high and training jumps around, "
               "too low and it barely moves.", "The learning rate", Limits(0, 10, low_open=True), step=0.001,
               decimals=6, cli="--lr"),
    OptionSpec("optim.optimizer", "Optimizer", "SGD is steady and a safe default; Adam and AdamW adapt each "
               "weight's step and usually want a ten times smaller learning rate.", choices=_choices({
                   OptimizerKind.SGD: "SGD with momentum", OptimizerKind.ADAM: "Adam",
                   OptimizerKind.ADAMW: "AdamW"}), cli="--optimizer"),
    OptionSpec("optim.pretrained_lr_ratio", "Pretrained layers' share", "Pretrained layers that are trained learn "
               "at this fraction of the learning rate, so they change gently.",
               "The learning-rate share of pretrained layers", Limits(0, 1, low_open=True), step=0.05, decimals=3,
               cli="--pretrained-lr-ratio"),
    OptionSpec("optim.momentum", "Momentum", "SGD: how much of the previous step carries on (0.9 is usual).",
               "Momentum", Limits(0, 1, high_open=True), step=0.05, decimals=3, cli="--momentum"),
    OptionSpec("optim.nesterov", "Nesterov momentum", "SGD: a look-ahead form of momentum, often slightly "
               "better.", cli="--nesterov"),
    OptionSpec("optim.weight_decay", "Weight decay (L2)", "Keeps the weights small so the model generalises "
               "better.", "Weight decay", Limits(0, 1, high_open=True), step=1e-4, decimals=5,
               cli="--weight-decay"),
    OptionSpec("optim.l1", "L1 penalty", "Pushes unneeded weights to exactly zero (0 = off).", "The L1 penalty",
               Limits(0, 1, high_open=True), step=1e-5, decimals=6, cli="--l1"),
    OptionSpec("optim.label_smoothing", "Label smoothing", "Makes the model less over-confident; 0.1 is a common "
               "choice (0 = off).", "Label smoothing", Limits(0, 0.5, high_open=True), step=0.05, decimals=2,
               cli="--label-smoothing"),
)

_SCHEDULE = (
    OptionSpec("schedule.kind", "Schedule", "How the learning rate changes over the epochs. One-cycle rises then "
               "falls and ignores warm-up.", choices=_choices({
                   ScheduleKind.CONSTANT: "Constant", ScheduleKind.STEP: "Step down every few epochs",
                   ScheduleKind.COSINE: "Cosine (smoothly down to almost zero)",
                   ScheduleKind.ONE_CYCLE: "One-cycle"}), cli="--schedule"),
    OptionSpec("schedule.warmup_epochs", "Warm-up (epochs)", "Start at a tenth of the learning rate and reach it "
               "after this many epochs (0 = no warm-up).", "Warm-up", Limits(0, 100), unit="epochs", step=0.5,
               decimals=1, cli="--warmup-epochs"),
    OptionSpec("schedule.step_epochs", "Step interval (epochs)", "Step schedule: the learning rate is lowered "
               "every this many epochs.", "The step interval", Limits(1, 10_000), unit="epochs",
               cli="--step-epochs"),
    OptionSpec("schedule.step_gamma", "Step factor", "Step schedule: each lowering multiplies the learning rate "
               "by this factor (0.1 = ten times lower).", "The step factor", Limits(0, 1, low_open=True),
               step=0.05, decimals=2, cli="--step-gamma"),
)

_FINETUNE = (
    OptionSpec("finetune.head_warmup_epochs", "Classifier first", "The new output layer trains alone for this "
               "many epochs before any pretrained layer changes, so those are never adjusted to suit a random "
               "classifier (0 = all from the start).", "The classifier warm-up", Limits(0, 1000), unit="epochs",
               cli="--head-warmup", cli_metavar="EPOCHS", cli_unset=True),
    OptionSpec("finetune.unfreeze_every", "Unfreeze every", "Gradual unfreezing: one more pretrained stage joins "
               "every this many epochs, from the top down (0 = all planned layers at once).",
               "The gradual-unfreezing interval", Limits(0, 1000), unit="epochs", cli="--unfreeze-every",
               cli_metavar="EPOCHS", cli_unset=True),
)

_STOPPING = (
    OptionSpec("early_stopping.enabled", "Stop early when validation stops improving", "Ends training once more "
               "epochs would most likely only memorise the training images.", cli="--no-early-stopping",
               cli_off=True),
    OptionSpec("early_stopping.monitor", "Watch", "What counts as improving: validation loss (smoother) or "
               "accuracy. The best model is chosen by the same figure.", choices=_choices({
                   Monitor.VAL_LOSS: "Validation loss", Monitor.VAL_ACCURACY: "Validation accuracy"}),
               cli="--monitor"),
    OptionSpec("early_stopping.patience", "Patience (epochs)", "How many epochs without improvement to wait "
               "before stopping.", "Patience", Limits(1, 1000), unit="epochs", cli="--patience"),
    # The config once allowed any size; 10 is beyond every useful threshold (a loss starts near ln(classes),
    # under 7 even for 1000 classes; accuracy moves by at most 1) and gives the spin box a top.
    OptionSpec("early_stopping.min_delta", "Smallest improvement", "Changes smaller than this do not count as "
               "improving.", "The smallest improvement that counts", Limits(0, 10), step=0.001, decimals=4,
               cli="--min-delta"),
    OptionSpec("early_stopping.restore_best", "Keep the best epoch's model", "At the end, keep the model from the "
               "best epoch rather than the last one.", cli="--no-restore-best", cli_off=True),
)

_AUGMENT = (
    OptionSpec("augment.hflip", "Mirror left-right", "Mirrors images left-right at random; only if left and right "
               "mean the same in your images.", cli="--hflip", cli_unset=True),
    OptionSpec("augment.vflip", "Flip upside down", "Flips images upside down at random; only if up and down mean "
               "the same (e.g. microscopy, satellite images).", cli="--vflip", cli_unset=True),
    OptionSpec("augment.crop_scale_min", "Smallest crop", "Random crops keep at least this share of the image "
               "(1 = no cropping).", "The smallest crop", Limits(0.05, 1), unit="of the image",
               percent=True, step=0.05, decimals=2, cli="--crop-scale-min", cli_unset=True),
    OptionSpec("augment.rotation", "Rotation (degrees)", "Turns images by up to this many degrees either way.",
               "Rotation", Limits(0, 180), unit="degrees", step=5, decimals=2, cli="--rotation", cli_unset=True),
    OptionSpec("augment.brightness", "Brightness", "How much brightness may change (0 = never).",
               "The brightness change", Limits(0, 1), step=0.05, decimals=2, cli="--brightness", cli_unset=True),
    OptionSpec("augment.contrast", "Contrast", "How much contrast may change (0 = never).", "The contrast change",
               Limits(0, 1), step=0.05, decimals=2, cli="--contrast", cli_unset=True),
    OptionSpec("augment.saturation", "Colour strength", "How much colours may fade or strengthen (0 = never).",
               "The colour-strength change", Limits(0, 1), step=0.05, decimals=2, cli="--saturation",
               cli_unset=True),
    OptionSpec("augment.hue", "Hue", "How far colours may shift around the colour wheel (0 = never).",
               "The hue change", Limits(0, 0.5), step=0.01, decimals=2, cli="--hue", cli_unset=True),
    OptionSpec("augment.erasing", "Blanked patch", "Share of images in which a random rectangle is blanked "
               "(0 = never).", "The share of images with a blanked patch", Limits(0, 1), step=0.05, decimals=2,
               cli="--erasing", cli_unset=True),
)

_RUN = (
    # The command line's --strategy also takes "auto" (ask the advisor), which is no value of the setting: that
    # option is written by hand in engine/cli/train.py.
    OptionSpec("strategy", "Strategy", "How much of the pretrained model is trained: only the new classifier, "
               "the upper layers too, or everything.", choices=_choices({s: s.label for s in Strategy})),
    OptionSpec("device", "Device", "Automatic uses an NVIDIA GPU, then an Apple GPU, then the processor.",
               choices=_choices({Device.AUTO: "Automatic", Device.CPU: "Processor (CPU)",
                                 Device.CUDA: "NVIDIA GPU (CUDA)", Device.MPS: "Apple GPU (MPS)"}), cli="--device"),
    OptionSpec("imbalance", "Unequal classes", "When some classes have far fewer images: weigh their mistakes "
               "more, or show their images more often.", choices=_choices({
                   Imbalance.NONE: "Nothing special", Imbalance.WEIGHTED_LOSS: "Weigh rare classes more in the loss",
                   Imbalance.BALANCED_SAMPLING: "Show rare classes more often"}), cli="--imbalance"),
    OptionSpec("seed", "Seed", "The same seed gives the same split and the same random choices.", "The seed",
               Limits(0, MAX_SEED), cli="--seed"),
    OptionSpec("num_workers", "Loader workers", "How many processes read and prepare images beside the training "
               "(-1 = as many as the computer's cores allow, 0 = none: all in the training process).",
               "The number of loader workers", Limits(-1, 64), special="automatic", cli="--workers"),
    OptionSpec("deterministic", "Deterministic", "Same seed and same computer give exactly the same result "
               "(slower on GPUs).", cli="--deterministic"),
    OptionSpec("image_cache", "Decode each image once", "Keeps every image at training size after the first "
               "read, so later epochs skip decoding.", cli="--no-image-cache", cli_off=True),
    OptionSpec("feature_cache", "Cache the frozen layers' output", "With the pretrained part frozen and no "
               "augmentation, its output is computed once and only the classifier trains: many times faster.",
               cli="--no-feature-cache", cli_off=True),
    OptionSpec("sync_batchnorm", "Synchronise BatchNorm across GPUs", "Several GPUs: BatchNorm layers that train "
               "compute their statistics over the whole batch instead of each GPU's share; worth it when each GPU "
               "takes fewer than 16 images of a batch (slower per step; GPUs only).", cli="--sync-batchnorm"),
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
