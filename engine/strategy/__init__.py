"""The strategy advisor: the decision table (size x similarity), the measured similarity, the plan it
recommends (frozen layers, learning rates, augmentation) and "Try all three".

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.strategy.advisor import (
        Advice as Advice,
    )
    from engine.strategy.advisor import (
        TrainingPlan as TrainingPlan,
    )
    from engine.strategy.advisor import (
        advise as advise,
    )
    from engine.strategy.advisor import (
        apply_advice as apply_advice,
    )
    from engine.strategy.advisor import (
        apply_plan as apply_plan,
    )
    from engine.strategy.advisor import (
        make_plan as make_plan,
    )
    from engine.strategy.advisor import (
        run_advisor as run_advisor,
    )
    from engine.strategy.similarity import (
        combine as combine,
    )
    from engine.strategy.similarity import (
        measure_similarity as measure_similarity,
    )
    from engine.strategy.similarity import (
        pretraining_image_size as pretraining_image_size,
    )
    from engine.strategy.similarity import (
        recognition_scores as recognition_scores,
    )
    from engine.strategy.similarity import (
        sample_per_class as sample_per_class,
    )
    from engine.strategy.table import (
        DECISION_TABLE as DECISION_TABLE,
    )
    from engine.strategy.table import (
        Advised as Advised,
    )
    from engine.strategy.table import (
        SimilarityClass as SimilarityClass,
    )
    from engine.strategy.table import (
        SizeClass as SizeClass,
    )
    from engine.strategy.table import (
        SizeThresholds as SizeThresholds,
    )
    from engine.strategy.table import (
        classify_size as classify_size,
    )
    from engine.strategy.table import (
        decide as decide,
    )
    from engine.strategy.table import (
        effective_images_per_class as effective_images_per_class,
    )
    from engine.strategy.table import (
        size_position as size_position,
    )
    from engine.strategy.table import (
        stages_to_freeze as stages_to_freeze,
    )
    from engine.strategy.trials import (
        read_trials as read_trials,
    )
    from engine.strategy.trials import (
        run_trials as run_trials,
    )
    from engine.strategy.trials import (
        run_trials_for as run_trials_for,
    )
    from engine.strategy.trials import (
        trial_configs as trial_configs,
    )

_EXPORTS = {
    "Advice": "engine.strategy.advisor",
    "TrainingPlan": "engine.strategy.advisor",
    "advise": "engine.strategy.advisor",
    "apply_advice": "engine.strategy.advisor",
    "apply_plan": "engine.strategy.advisor",
    "make_plan": "engine.strategy.advisor",
    "run_advisor": "engine.strategy.advisor",
    "combine": "engine.strategy.similarity",
    "measure_similarity": "engine.strategy.similarity",
    "pretraining_image_size": "engine.strategy.similarity",
    "recognition_scores": "engine.strategy.similarity",
    "sample_per_class": "engine.strategy.similarity",
    "Advised": "engine.strategy.table",
    "DECISION_TABLE": "engine.strategy.table",
    "SimilarityClass": "engine.strategy.table",
    "SizeClass": "engine.strategy.table",
    "SizeThresholds": "engine.strategy.table",
    "classify_size": "engine.strategy.table",
    "decide": "engine.strategy.table",
    "effective_images_per_class": "engine.strategy.table",
    "size_position": "engine.strategy.table",
    "stages_to_freeze": "engine.strategy.table",
    "read_trials": "engine.strategy.trials",
    "run_trials": "engine.strategy.trials",
    "run_trials_for": "engine.strategy.trials",
    "trial_configs": "engine.strategy.trials",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
