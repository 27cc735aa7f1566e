"""Models: the catalog (what each architecture is), building one with a new head, starting weights, the saved
model and its card (model.json), the memory probe, and layers/ (the layer tree, stages, freezing).

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.models.catalog import (
        SHORTLIST as SHORTLIST,
        build_classifier as build_classifier,
        check_image_size as check_image_size,
        count_parameters as count_parameters,
        create_model as create_model,
        family as family,
        find_head as find_head,
        list_architectures as list_architectures,
        model_info as model_info,
        pick_device as pick_device,
        replace_head as replace_head,
        speed_class as speed_class,
    )
    from engine.models.heads import (
        ClassifierHead as ClassifierHead,
        HeadOptions as HeadOptions,
        head_input_width as head_input_width,
        head_options_of as head_options_of,
        make_head as make_head,
    )
    from engine.models.memory import (
        GB as GB,
        available_memory as available_memory,
        estimate_memory as estimate_memory,
        measure_plan_memory as measure_plan_memory,
        measure_training_memory as measure_training_memory,
        optimizer_slots as optimizer_slots,
        relative_speed as relative_speed,
    )
    from engine.models.saved import (
        ExportedModel as ExportedModel,
        ModelCard as ModelCard,
        export_model as export_model,
        load_exported_model as load_exported_model,
        read_model_card as read_model_card,
    )
    from engine.models.weights import (
        CatalogEntry as CatalogEntry,
        apply_weights as apply_weights,
        catalog as catalog,
        download_imagenet_weights as download_imagenet_weights,
        imagenet_file_name as imagenet_file_name,
        imagenet_weights_cached as imagenet_weights_cached,
        imagenet_weights_path as imagenet_weights_path,
        import_weights_file as import_weights_file,
        list_previous_runs as list_previous_runs,
        load_starting_weights as load_starting_weights,
        offline_help as offline_help,
        previous_run as previous_run,
        read_weights_file as read_weights_file,
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
