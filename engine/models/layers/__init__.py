"""A model's layers: the layer tree behind the window's checkboxes, the stages of the pretrained base, and
freezing (applying a freeze plan, the checkbox state).

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.models.layers.base import (
        base_modules as base_modules,
    )
    from engine.models.layers.freeze_state import (
        CheckState as CheckState,
    )
    from engine.models.layers.freeze_state import (
        FreezeState as FreezeState,
    )
    from engine.models.layers.freezing import (
        freeze_modules as freeze_modules,
    )
    from engine.models.layers.freezing import (
        frozen_parameter_names as frozen_parameter_names,
    )
    from engine.models.layers.freezing import (
        keep_frozen_batchnorm_in_eval as keep_frozen_batchnorm_in_eval,
    )
    from engine.models.layers.freezing import (
        parameter_groups as parameter_groups,
    )
    from engine.models.layers.freezing import (
        plan_for_strategy as plan_for_strategy,
    )
    from engine.models.layers.stages import (
        Stage as Stage,
    )
    from engine.models.layers.stages import (
        architecture_stages as architecture_stages,
    )
    from engine.models.layers.stages import (
        frozen_for_stages as frozen_for_stages,
    )
    from engine.models.layers.stages import (
        frozen_stage_count as frozen_stage_count,
    )
    from engine.models.layers.stages import (
        model_stages as model_stages,
    )
    from engine.models.layers.tree import (
        LayerNode as LayerNode,
    )
    from engine.models.layers.tree import (
        LayerTree as LayerTree,
    )
    from engine.models.layers.tree import (
        analyse_model as analyse_model,
    )

_EXPORTS = {
    "base_modules": "engine.models.layers.base",
    "CheckState": "engine.models.layers.freeze_state",
    "FreezeState": "engine.models.layers.freeze_state",
    "freeze_modules": "engine.models.layers.freezing",
    "frozen_parameter_names": "engine.models.layers.freezing",
    "keep_frozen_batchnorm_in_eval": "engine.models.layers.freezing",
    "parameter_groups": "engine.models.layers.freezing",
    "plan_for_strategy": "engine.models.layers.freezing",
    "Stage": "engine.models.layers.stages",
    "architecture_stages": "engine.models.layers.stages",
    "frozen_for_stages": "engine.models.layers.stages",
    "frozen_stage_count": "engine.models.layers.stages",
    "model_stages": "engine.models.layers.stages",
    "LayerNode": "engine.models.layers.tree",
    "LayerTree": "engine.models.layers.tree",
    "analyse_model": "engine.models.layers.tree",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
