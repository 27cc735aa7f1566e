"""Models: the catalog (what each architecture is), building one with a new head, starting weights, the saved
model and its card (model.json), the memory probe, and layers/ (the layer tree, stages, freezing).

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.models.catalog import (
        SHORTLIST as SHORTLIST,
    )
    from engine.models.catalog import (
        build_classifier as build_classifier,
    )
    from engine.models.catalog import (
        check_image_size as check_image_size,
    )
    from engine.models.catalog import (
        count_parameters as count_parameters,
    )
    from engine.models.catalog import (
        create_model as create_model,
    )
    from engine.models.catalog import (
        family as family,
    )
    from engine.models.catalog import (
        find_head as find_head,
    )
    from engine.models.catalog import (
        list_architectures as list_architectures,
    )
    from engine.models.catalog import (
        model_info as model_info,
    )
    from engine.models.catalog import (
        pick_device as pick_device,
    )
    from engine.models.catalog import (
        replace_head as replace_head,
    )
    from engine.models.catalog import (
        speed_class as speed_class,
    )
    from engine.models.heads import (
        ClassifierHead as ClassifierHead,
    )
    from engine.models.heads import (
        HeadOptions as HeadOptions,
    )
    from engine.models.heads import (
        head_input_width as head_input_width,
    )
    from engine.models.heads import (
        head_options_of as head_options_of,
    )
    from engine.models.heads import (
        make_head as make_head,
    )
    from engine.models.memory import (
        GB as GB,
    )
    from engine.models.memory import (
        available_memory as available_memory,
    )
    from engine.models.memory import (
        estimate_memory as estimate_memory,
    )
    from engine.models.memory import (
        measure_plan_memory as measure_plan_memory,
    )
    from engine.models.memory import (
        measure_training_memory as measure_training_memory,
    )
    from engine.models.memory import (
        optimizer_slots as optimizer_slots,
    )
    from engine.models.memory import (
        relative_speed as relative_speed,
    )
    from engine.models.saved import (
        ExportedModel as ExportedModel,
    )
    from engine.models.saved import (
        ModelCard as ModelCard,
    )
    from engine.models.saved import (
        export_model as export_model,
    )
    from engine.models.saved import (
        load_exported_model as load_exported_model,
    )
    from engine.models.saved import (
        read_model_card as read_model_card,
    )
    from engine.models.weights import (
        CatalogEntry as CatalogEntry,
    )
    from engine.models.weights import (
        apply_weights as apply_weights,
    )
    from engine.models.weights import (
        catalog as catalog,
    )
    from engine.models.weights import (
        download_imagenet_weights as download_imagenet_weights,
    )
    from engine.models.weights import (
        imagenet_file_name as imagenet_file_name,
    )
    from engine.models.weights import (
        imagenet_weights_cached as imagenet_weights_cached,
    )
    from engine.models.weights import (
        imagenet_weights_path as imagenet_weights_path,
    )
    from engine.models.weights import (
        import_weights_file as import_weights_file,
    )
    from engine.models.weights import (
        list_previous_runs as list_previous_runs,
    )
    from engine.models.weights import (
        load_starting_weights as load_starting_weights,
    )
    from engine.models.weights import (
        offline_help as offline_help,
    )
    from engine.models.weights import (
        previous_run as previous_run,
    )
    from engine.models.weights import (
        read_weights_file as read_weights_file,
    )
    from engine.models.weights import (
        weights_cache_dir as weights_cache_dir,
    )

_EXPORTS = {
    "SHORTLIST": "engine.models.catalog",
    "build_classifier": "engine.models.catalog",
    "check_image_size": "engine.models.catalog",
    "count_parameters": "engine.models.catalog",
    "create_model": "engine.models.catalog",
    "family": "engine.models.catalog",
    "find_head": "engine.models.catalog",
    "list_architectures": "engine.models.catalog",
    "model_info": "engine.models.catalog",
    "pick_device": "engine.models.catalog",
    "replace_head": "engine.models.catalog",
    "speed_class": "engine.models.catalog",
    "ClassifierHead": "engine.models.heads",
    "HeadOptions": "engine.models.heads",
    "head_input_width": "engine.models.heads",
    "head_options_of": "engine.models.heads",
    "make_head": "engine.models.heads",
    "GB": "engine.models.memory",
    "available_memory": "engine.models.memory",
    "estimate_memory": "engine.models.memory",
    "measure_plan_memory": "engine.models.memory",
    "measure_training_memory": "engine.models.memory",
    "optimizer_slots": "engine.models.memory",
    "relative_speed": "engine.models.memory",
    "ExportedModel": "engine.models.saved",
    "ModelCard": "engine.models.saved",
    "export_model": "engine.models.saved",
    "load_exported_model": "engine.models.saved",
    "read_model_card": "engine.models.saved",
    "CatalogEntry": "engine.models.weights",
    "apply_weights": "engine.models.weights",
    "catalog": "engine.models.weights",
    "download_imagenet_weights": "engine.models.weights",
    "imagenet_file_name": "engine.models.weights",
    "imagenet_weights_cached": "engine.models.weights",
    "imagenet_weights_path": "engine.models.weights",
    "import_weights_file": "engine.models.weights",
    "list_previous_runs": "engine.models.weights",
    "load_starting_weights": "engine.models.weights",
    "offline_help": "engine.models.weights",
    "previous_run": "engine.models.weights",
    "read_weights_file": "engine.models.weights",
    "weights_cache_dir": "engine.models.weights",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
