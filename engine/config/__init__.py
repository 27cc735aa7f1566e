"""The settings of one training run: frozen dataclasses validated with plain sentences, their enums and their
JSON form (engine/config/settings.py)."""

from engine.config.settings import (
    AugmentConfig,
    Augmentation,
    DataConfig,
    Device,
    EarlyStoppingConfig,
    FineTuneSchedule,
    FreezePlan,
    IMAGE_SIZES,
    Imbalance,
    ModelConfig,
    Monitor,
    OptimConfig,
    OptimizerKind,
    ScheduleConfig,
    ScheduleKind,
    StopReason,
    Strategy,
    TrainConfig,
)

__all__ = [
    "AugmentConfig",
    "Augmentation",
    "DataConfig",
    "Device",
    "EarlyStoppingConfig",
    "FineTuneSchedule",
    "FreezePlan",
    "IMAGE_SIZES",
    "Imbalance",
    "ModelConfig",
    "Monitor",
    "OptimConfig",
    "OptimizerKind",
    "ScheduleConfig",
    "ScheduleKind",
    "StopReason",
    "Strategy",
    "TrainConfig",
]
