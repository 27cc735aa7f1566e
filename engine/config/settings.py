"""The frozen configuration of one training run.

Every choice the user makes ends up here, validated once in ``__post_init__`` with a :class:`ConfigError`
whose message a non-programmer can read. ``to_dict``/``from_dict`` round-trip through JSON: the run folder's
``config.json`` is exactly ``TrainConfig.to_dict()`` plus version information.

Numeric ranges are not written here: each lives once in the option table (engine/config/options), which the
command line and the window are built from too; ``_check_ranges`` refuses with the table's sentence. The rules
that tie settings together (Nesterov needs SGD, a frozen layer needs pretrained weights...) stay here.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any, TypeVar

from engine.config.enums import (
    Augmentation,
    Device,
    Imbalance,
    Monitor,
    OptimizerKind,
    ScheduleKind,
    StopReason,
    Strategy,
)
from engine.config.group_pattern import check_group_pattern
from engine.config.options import option, options_in
from engine.core.errors import ConfigError
from engine.core.i18n import tr

#: Smallest and largest image side the models are trained at, in pixels (the CLI's --image-size too).
IMAGE_SIZES = (int(option("data.image_size").bounds.low), int(option("data.image_size").bounds.high))

#: A test set smaller than this share measures too little to be worth the images it takes from training.
MIN_TEST_SHARE = 0.05


def _check_ranges(settings: Any, section: str) -> None:
    """Refuse the first of ``section``'s numbers (``"optim"``; ``""``: the top level) that is out of its range."""
    for spec in options_in(section):
        problem = spec.problem(getattr(settings, spec.name))
        if problem:
            raise ConfigError(problem)


@dataclass(frozen=True, slots=True)
class DataConfig:
    """Where the images are and how they are split and sized."""

    data_dir: str
    val_fraction: float = 0.2
    image_size: int = 224
    augmentation: Augmentation = Augmentation.LIGHT
    # Split settings (engine/data/split.py). test_fraction 0 = no test set.
    test_fraction: float = 0.0
    group_pattern: str = ""  # regular expression; its first (...) part names the patient/subject
    group_by_patient: bool = False  # DICOM PatientID (only a one-way hash is used, never recorded)
    use_folder_split: bool = False  # the folder's own train/ val/ test/ subfolders
    exclude: tuple[str, ...] = ()  # paths relative to data_dir that the user left out

    def __post_init__(self) -> None:
        if not self.data_dir:
            raise ConfigError(tr("Choose an image folder first."))
        _check_ranges(self, "data")
        _check_split_settings(self)


def _check_split_settings(data: DataConfig) -> None:
    object.__setattr__(data, "exclude", tuple(str(p) for p in data.exclude))  # JSON gives a list
    if 0 < data.test_fraction < MIN_TEST_SHARE:
        top = option("data.test_fraction").bounds.high
        raise ConfigError(tr("The test share must be 0 (no test set) or between {low:.0%} and {high:.0%} of the "
                             "images (it is {value:.0%}).", low=MIN_TEST_SHARE, high=top, value=data.test_fraction))
    # Rounded: shares are whole percents in the window, and 0.2 + 0.4 is 0.6000000000000001 in floating point.
    if round(data.val_fraction + data.test_fraction, 9) > 0.6:
        raise ConfigError(tr("Validation and test together may take at most 60% of the images; keep the rest for "
                             "training."))
    if data.group_pattern:
        problem = check_group_pattern(data.group_pattern)
        if problem:
            raise ConfigError(problem)


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """Which architecture and which starting weights.

    ``weights`` is ``"imagenet"``, ``"none"`` (train from scratch) or the path of a weights file.
    """

    arch: str = "resnet18"
    weights: str = "imagenet"
    # The new output layer (engine/models/heads.py): dropout before it, and an optional hidden layer + ReLU.
    head_dropout: float = 0.0
    head_hidden: int = 0  # units; 0 = no hidden layer

    def __post_init__(self) -> None:
        if not self.arch:
            raise ConfigError(tr("Choose a model."))
        if not self.weights:
            raise ConfigError(tr('Choose starting weights: "imagenet", "none" or a weights file.'))
        _check_ranges(self, "model")

    @property
    def pretrained(self) -> bool:
        return self.weights != "none"


@dataclass(frozen=True, slots=True)
class OptimConfig:
    """Optimisation settings. Pretrained layers that are trained get ``lr * pretrained_lr_ratio``."""

    epochs: int = 10
    batch_size: int = 16
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 1e-4
    pretrained_lr_ratio: float = 0.1
    optimizer: OptimizerKind = OptimizerKind.SGD
    nesterov: bool = False  # SGD only
    l1: float = 0.0  # L1 penalty on the trained weights (0 = off)
    label_smoothing: float = 0.0

    def __post_init__(self) -> None:
        if self.nesterov and (self.optimizer is not OptimizerKind.SGD or self.momentum <= 0):
            raise ConfigError(tr("Nesterov momentum only works with SGD and a momentum above 0."))
        _check_ranges(self, "optim")


@dataclass(frozen=True, slots=True)
class EarlyStoppingConfig:
    """Stop when validation loss has not improved by ``min_delta`` for ``patience`` epochs."""

    enabled: bool = True
    patience: int = 3
    min_delta: float = 0.0
    restore_best: bool = True
    monitor: Monitor = Monitor.VAL_LOSS

    def __post_init__(self) -> None:
        _check_ranges(self, "early_stopping")  # NaN is refused too: it would never count as better


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """How the learning rate changes over the epochs (see engine/training/optim.py for the exact curves)."""

    kind: ScheduleKind = ScheduleKind.COSINE
    warmup_epochs: float = 0.0  # linear warm-up from a tenth of the rate (cosine and step)
    step_epochs: int = 5  # step: multiply by step_gamma every this many epochs
    step_gamma: float = 0.1

    def __post_init__(self) -> None:
        _check_ranges(self, "schedule")


@dataclass(frozen=True, slots=True)
class AugmentConfig:
    """Editable training-time transforms; ``TrainConfig.augment = None`` means "the preset as defined"."""

    crop_scale_min: float = 1.0  # random resized crop keeps at least this share of the image (1 = no crop)
    hflip: bool = False
    vflip: bool = False
    rotation: float = 0.0  # up to this many degrees either way
    brightness: float = 0.0  # colour jitter strengths, 0 = unchanged
    contrast: float = 0.0
    saturation: float = 0.0
    hue: float = 0.0
    erasing: float = 0.0  # probability of blanking a random rectangle

    def __post_init__(self) -> None:
        _check_ranges(self, "augment")

    @property
    def is_identity(self) -> bool:
        """True when no transform changes the image (then backbone features can be cached)."""
        return self == AugmentConfig()


@dataclass(frozen=True, slots=True)
class FreezePlan:
    """Which pretrained layers are frozen (kept as they are while training).

    ``frozen`` lists dotted module names (``layer1``, ``features.3``) or loose parameter names (ViT's
    ``class_token``), applied exactly as listed: every parameter inside a named module is frozen, every other
    one is trained, and the new output layer is always trained. ``None`` (the default) follows
    ``TrainConfig.strategy``: "head" freezes the whole pretrained base, "full" nothing; the names that were
    frozen are then recorded in config.json's "resolved" part.
    """

    frozen: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.frozen is None:
            return
        names = tuple(str(name).strip() for name in self.frozen)  # JSON gives a list
        if any(not name for name in names):
            raise ConfigError(tr("One of the frozen layer names is empty."))
        object.__setattr__(self, "frozen", tuple(dict.fromkeys(names)))  # duplicates dropped, order kept

    @property
    def explicit(self) -> bool:
        return self.frozen is not None


@dataclass(frozen=True, slots=True)
class FineTuneSchedule:
    """When the planned pretrained layers start training (engine/training/callbacks/finetuning.py).

    ``head_warmup_epochs``: the new, randomly initialised head first trains alone with the whole base frozen,
    so that no pretrained layer is updated against a random head. ``unfreeze_every``: gradual unfreezing —
    after the warm-up, one more stage (from the top down) joins every this many epochs until the freeze
    plan is reached (0 = all planned layers at once).
    """

    head_warmup_epochs: int = 0
    unfreeze_every: int = 0

    def __post_init__(self) -> None:
        _check_ranges(self, "finetune")

    @property
    def active(self) -> bool:
        return self.head_warmup_epochs > 0 or self.unfreeze_every > 0


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Everything one run needs. ``to_dict()`` is what ``config.json`` holds."""

    data: DataConfig
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    early_stopping: EarlyStoppingConfig = field(default_factory=EarlyStoppingConfig)
    strategy: Strategy = Strategy.HEAD
    device: Device = Device.AUTO
    seed: int = 0
    num_workers: int = -1  # -1: chosen from the machine's cores
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    augment: AugmentConfig | None = None  # None: the transforms of data.augmentation's preset
    imbalance: Imbalance = Imbalance.NONE
    deterministic: bool = False  # same seed + same computer = same result (slower on GPUs)
    image_cache: bool = True  # decode each image once, at training resolution
    feature_cache: bool = True  # frozen base and no augmentation: compute its features once
    sync_batchnorm: bool = False  # several GPUs: BatchNorm statistics over the whole batch (SyncBatchNorm)
    freeze: FreezePlan = field(default_factory=FreezePlan)  # explicit frozen layers; default: from strategy
    finetune: FineTuneSchedule = field(default_factory=FineTuneSchedule)  # head first, then unfreeze
    advice: dict[str, Any] | None = None  # what the strategy advisor said, recorded as it was

    def __post_init__(self) -> None:
        if self.strategy is Strategy.HEAD and not self.model.pretrained:
            raise ConfigError(tr(
                "Training only the new classifier needs pretrained weights: with no starting weights the "
                'rest of the model would stay random. Choose "Train everything" or pretrained weights.'
            ))
        if self.freeze.frozen and not self.model.pretrained:
            raise ConfigError(tr("Freezing layers needs pretrained weights: without them the frozen layers would "
                                 "stay random. Unfreeze every layer or choose pretrained weights."))
        _check_ranges(self, "")

    def to_dict(self) -> dict[str, Any]:
        return _to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Rebuild a config from ``to_dict()`` output; unknown keys (e.g. ``versions``) are ignored."""
        try:
            return _from_jsonable(cls, data)
        except ConfigError:
            raise
        except (TypeError, ValueError, KeyError) as exc:
            raise ConfigError(tr("The saved settings could not be read ({error}).", error=exc)) from exc

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)


def _to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_to_jsonable(v) for v in value]
    return value


_T = TypeVar("_T")


def _from_jsonable(cls: type[_T], data: dict[str, Any]) -> _T:
    hints = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for name, fld in hints.items():
        if name not in data:
            continue
        kwargs[name] = _convert(fld.type, data[name])
    return cls(**kwargs)


_NESTED: dict[str, type] = {}
_ENUMS: dict[str, type[enum.Enum]] = {}


def _convert(type_name: Any, raw: Any) -> Any:
    # With `from __future__ import annotations` field types are strings; map them back to our classes.
    name = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", "")
    if name.endswith(" | None"):  # an optional nested setting, e.g. ``augment: AugmentConfig | None``
        if raw is None:
            return None
        name = name.removesuffix(" | None")
    if name in _NESTED:
        return _from_jsonable(_NESTED[name], raw)
    if name in _ENUMS:
        return _ENUMS[name](raw)
    if name == "float" and isinstance(raw, int):
        return float(raw)
    return raw


_NESTED.update(
    DataConfig=DataConfig, ModelConfig=ModelConfig, OptimConfig=OptimConfig, EarlyStoppingConfig=EarlyStoppingConfig
)
_ENUMS.update(Strategy=Strategy, Device=Device, Augmentation=Augmentation, StopReason=StopReason)
_NESTED.update(ScheduleConfig=ScheduleConfig, AugmentConfig=AugmentConfig)
_ENUMS.update(OptimizerKind=OptimizerKind, ScheduleKind=ScheduleKind, Monitor=Monitor, Imbalance=Imbalance)
_NESTED.update(FreezePlan=FreezePlan)
_NESTED.update(FineTuneSchedule=FineTuneSchedule)
