"""The closed sets of choices in a run's settings (``Strategy``, ``Device``, ``OptimizerKind``...).

They live apart from the dataclasses so that the option table (engine/config/options) can name their choices
while the dataclasses read their ranges from that table.
"""

from __future__ import annotations

import enum

from engine.core.i18n import tr, tr_later


class Strategy(str, enum.Enum):
    """How much of the pretrained model is trained."""

    HEAD = "head"  # freeze the whole pretrained base, train only the new classifier
    PARTIAL = "partial"  # freeze the lower stages, train the upper ones and the new classifier
    FULL = "full"  # train every layer (pretrained layers at a lower learning rate)

    @property
    def label(self) -> str:
        """What the window and the report call it, in the current language."""
        return tr(STRATEGY_LABELS[self])


#: Each strategy's name as the user reads it (English, the catalog's key: ``Strategy.label`` translates it).
STRATEGY_LABELS: dict[Strategy, str] = {
    Strategy.HEAD: tr_later("Train only the new classifier"),
    Strategy.PARTIAL: tr_later("Freeze the lower layers, train the upper ones"),
    Strategy.FULL: tr_later("Train everything"),
}


class Device(str, enum.Enum):
    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"
    MPS = "mps"


class Augmentation(str, enum.Enum):
    NONE = "none"
    LIGHT = "light"  # small random crops and horizontal flips
    STRONG = "strong"  # larger crops, flips, rotation, colour changes, random erasing
    MEDICAL = "medical"  # small crops and rotations only: no flips, no colour changes unless allowed


class OptimizerKind(str, enum.Enum):
    """The update rule (engine/training/optim.py builds it)."""

    SGD = "sgd"
    ADAM = "adam"
    ADAMW = "adamw"


class ScheduleKind(str, enum.Enum):
    """How the learning rate changes during training (engine/training/optim.py)."""

    CONSTANT = "constant"
    STEP = "step"
    COSINE = "cosine"
    ONE_CYCLE = "one_cycle"


class Monitor(str, enum.Enum):
    """What early stopping and "best model" watch."""

    VAL_LOSS = "val_loss"
    VAL_ACCURACY = "val_accuracy"


class Imbalance(str, enum.Enum):
    """What to do about classes with very different numbers of images."""

    NONE = "none"
    WEIGHTED_LOSS = "weighted_loss"  # mistakes on rare classes cost more
    BALANCED_SAMPLING = "balanced_sampling"  # rare classes are drawn more often


class StopReason(str, enum.Enum):
    FINISHED = "finished"
    EARLY_STOPPED = "early_stopped"
    CANCELLED = "cancelled"
    FAILED = "failed"
