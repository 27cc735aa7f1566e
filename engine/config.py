"""The frozen configuration of one training run.

Every choice the user makes ends up here, validated once in ``__post_init__`` with a :class:`ConfigError`
whose message a non-programmer can read. ``to_dict``/``from_dict`` round-trip through JSON: the run folder's
``config.json`` is exactly ``TrainConfig.to_dict()`` plus version information.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass, field
from typing import Any, TypeVar

from engine.errors import ConfigError


class Strategy(str, enum.Enum):
    """How much of the pretrained model is trained."""

    HEAD = "head"  # freeze the whole pretrained base, train only the new classifier
    FULL = "full"  # train every layer (pretrained layers at a lower learning rate)

    @property
    def label(self) -> str:
        return {Strategy.HEAD: "Train only the new classifier", Strategy.FULL: "Train everything"}[self]


class Device(str, enum.Enum):
    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"
    MPS = "mps"


class Augmentation(str, enum.Enum):
    NONE = "none"
    LIGHT = "light"  # small random crops and horizontal flips


class StopReason(str, enum.Enum):
    FINISHED = "finished"
    EARLY_STOPPED = "early_stopped"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DataConfig:
    """Where the images are and how they are split and sized."""

    data_dir: str
    val_fraction: float = 0.2
    image_size: int = 224
    augmentation: Augmentation = Augmentation.LIGHT

    def __post_init__(self) -> None:
        if not self.data_dir:
            raise ConfigError("Choose an image folder first.")
        if not 0.05 <= self.val_fraction <= 0.5:
            raise ConfigError(
                f"The validation share must be between 5% and 50% of the images (it is {self.val_fraction:.0%})."
            )
        if not 16 <= self.image_size <= 1024:
            raise ConfigError(f"The image size must be between 16 and 1024 pixels (it is {self.image_size}).")


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """Which architecture and which starting weights.

    ``weights`` is ``"imagenet"``, ``"none"`` (train from scratch) or the path of a weights file.
    """

    arch: str = "resnet18"
    weights: str = "imagenet"

    def __post_init__(self) -> None:
        if not self.arch:
            raise ConfigError("Choose a model.")
        if not self.weights:
            raise ConfigError('Choose starting weights: "imagenet", "none" or a weights file.')

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

    def __post_init__(self) -> None:
        if not 1 <= self.epochs <= 10_000:
            raise ConfigError(f"The number of epochs must be between 1 and 10000 (it is {self.epochs}).")
        if not 1 <= self.batch_size <= 4096:
            raise ConfigError(f"The batch size must be between 1 and 4096 (it is {self.batch_size}).")
        if not (math.isfinite(self.lr) and 0 < self.lr <= 10):
            raise ConfigError(f"The learning rate must be a positive number up to 10 (it is {self.lr}).")
        if not 0 <= self.momentum < 1:
            raise ConfigError(f"Momentum must be at least 0 and below 1 (it is {self.momentum}).")
        if not 0 <= self.weight_decay < 1:
            raise ConfigError(f"Weight decay must be at least 0 and below 1 (it is {self.weight_decay}).")
        if not 0 < self.pretrained_lr_ratio <= 1:
            raise ConfigError(
                f"The learning-rate ratio for pretrained layers must be above 0 and at most 1 "
                f"(it is {self.pretrained_lr_ratio})."
            )


@dataclass(frozen=True, slots=True)
class EarlyStoppingConfig:
    """Stop when validation loss has not improved by ``min_delta`` for ``patience`` epochs."""

    enabled: bool = True
    patience: int = 3
    min_delta: float = 0.0
    restore_best: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.patience <= 1000:
            raise ConfigError(f"Patience must be between 1 and 1000 epochs (it is {self.patience}).")
        if self.min_delta < 0:
            raise ConfigError("The smallest improvement that counts cannot be negative.")


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

    def __post_init__(self) -> None:
        if self.strategy is Strategy.HEAD and not self.model.pretrained:
            raise ConfigError(
                "Training only the new classifier needs pretrained weights: with no starting weights the "
                'rest of the model would stay random. Choose "Train everything" or pretrained weights.'
            )
        if not 0 <= self.seed < 2**32:
            raise ConfigError("The seed must be a whole number between 0 and 4294967295.")
        if self.num_workers < -1 or self.num_workers > 64:
            raise ConfigError("The number of loader workers must be between 0 and 64 (or -1 for automatic).")

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
            raise ConfigError(f"The saved settings could not be read ({exc}).") from exc

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
