"""The settings of one training run: frozen dataclasses validated with plain sentences (settings.py), their
enums (enums.py), the option table that holds each setting's names, plain line and range (options/), and
reading or changing a setting by its path (option_fields.py)."""

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
from engine.config.option_fields import option_default, option_type, option_value, with_options
from engine.config.options import OPTIONS, Choice, Limits, OptionSpec, option, options_in
from engine.config.settings import (
    IMAGE_SIZES,
    AugmentConfig,
    DataConfig,
    EarlyStoppingConfig,
    FineTuneSchedule,
    FreezePlan,
    ModelConfig,
    OptimConfig,
    ScheduleConfig,
    TrainConfig,
)

__all__ = [
    "AugmentConfig",
    "Augmentation",
    "Choice",
    "DataConfig",
    "Device",
    "EarlyStoppingConfig",
    "FineTuneSchedule",
    "FreezePlan",
    "IMAGE_SIZES",
    "Imbalance",
    "Limits",
    "ModelConfig",
    "Monitor",
    "OPTIONS",
    "OptimConfig",
    "OptimizerKind",
    "OptionSpec",
    "ScheduleConfig",
    "ScheduleKind",
    "StopReason",
    "Strategy",
    "TrainConfig",
    "check_group_pattern",
    "option",
    "option_default",
    "option_type",
    "option_value",
    "options_in",
    "with_options",
]
