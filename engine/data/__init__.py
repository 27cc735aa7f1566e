"""Image folders: opening any image file (images/), scanning a folder into a health report (scan/, report,
checks, reasons), splitting it (split, grouping), and turning a split into batches (loaders, augment,
image_cache).

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.data.augment import (
        PRESETS as PRESETS,
    )
    from engine.data.augment import (
        describe as describe,
    )
    from engine.data.augment import (
        pixel_transform as pixel_transform,
    )
    from engine.data.augment import (
        preview_grid as preview_grid,
    )
    from engine.data.augment import (
        resolve_augment as resolve_augment,
    )
    from engine.data.augment import (
        train_transform as train_transform,
    )
    from engine.data.checks import (
        DEFAULT_INPUT_SIDE as DEFAULT_INPUT_SIDE,
    )
    from engine.data.checks import (
        IMBALANCE_RATIO as IMBALANCE_RATIO,
    )
    from engine.data.checks import (
        imbalance_sentence as imbalance_sentence,
    )
    from engine.data.image_cache import (
        ImageCache as ImageCache,
    )
    from engine.data.image_cache import (
        build_image_cache as build_image_cache,
    )
    from engine.data.images import (
        decode as decode,
    )
    from engine.data.loaders import (
        Batch as Batch,
    )
    from engine.data.loaders import (
        EpochSampler as EpochSampler,
    )
    from engine.data.loaders import (
        ImageListDataset as ImageListDataset,
    )
    from engine.data.loaders import (
        Preprocessing as Preprocessing,
    )
    from engine.data.loaders import (
        balanced_weights as balanced_weights,
    )
    from engine.data.loaders import (
        batch_bounds as batch_bounds,
    )
    from engine.data.loaders import (
        default_num_workers as default_num_workers,
    )
    from engine.data.loaders import (
        image_to_tensor as image_to_tensor,
    )
    from engine.data.loaders import (
        make_loader as make_loader,
    )
    from engine.data.loaders import (
        seed_epoch as seed_epoch,
    )
    from engine.data.loaders import (
        set_loader_epoch as set_loader_epoch,
    )
    from engine.data.reasons import (
        REASONS as REASONS,
    )
    from engine.data.reasons import (
        reason_label as reason_label,
    )
    from engine.data.report import (
        DatasetReport as DatasetReport,
    )
    from engine.data.report import (
        FileOutcome as FileOutcome,
    )
    from engine.data.report import (
        Outcome as Outcome,
    )
    from engine.data.report import (
        ScanCancelled as ScanCancelled,
    )
    from engine.data.report import (
        Split as Split,
    )
    from engine.data.report import (
        build_report as build_report,
    )
    from engine.data.report import (
        is_ignored_name as is_ignored_name,
    )
    from engine.data.report import (
        scan_image_folder as scan_image_folder,
    )
    from engine.data.report import (
        split_dataset as split_dataset,
    )
    from engine.data.report import (
        split_stratified as split_stratified,
    )
    from engine.data.report_files import (
        CSV_COLUMNS as CSV_COLUMNS,
    )
    from engine.data.report_files import (
        report_to_csv as report_to_csv,
    )
    from engine.data.report_files import (
        report_to_json as report_to_json,
    )
    from engine.data.report_files import (
        write_report_csv as write_report_csv,
    )
    from engine.data.scan import (
        scanner as scanner,
    )

_EXPORTS = {
    "PRESETS": "engine.data.augment",
    "describe": "engine.data.augment",
    "pixel_transform": "engine.data.augment",
    "preview_grid": "engine.data.augment",
    "resolve_augment": "engine.data.augment",
    "train_transform": "engine.data.augment",
    "DEFAULT_INPUT_SIDE": "engine.data.checks",
    "IMBALANCE_RATIO": "engine.data.checks",
    "imbalance_sentence": "engine.data.checks",
    "ImageCache": "engine.data.image_cache",
    "build_image_cache": "engine.data.image_cache",
    "decode": "engine.data.images",
    "Batch": "engine.data.loaders",
    "EpochSampler": "engine.data.loaders",
    "ImageListDataset": "engine.data.loaders",
    "Preprocessing": "engine.data.loaders",
    "balanced_weights": "engine.data.loaders",
    "batch_bounds": "engine.data.loaders",
    "default_num_workers": "engine.data.loaders",
    "image_to_tensor": "engine.data.loaders",
    "make_loader": "engine.data.loaders",
    "seed_epoch": "engine.data.loaders",
    "set_loader_epoch": "engine.data.loaders",
    "REASONS": "engine.data.reasons",
    "reason_label": "engine.data.reasons",
    "DatasetReport": "engine.data.report",
    "FileOutcome": "engine.data.report",
    "Outcome": "engine.data.report",
    "ScanCancelled": "engine.data.report",
    "Split": "engine.data.report",
    "build_report": "engine.data.report",
    "is_ignored_name": "engine.data.report",
    "scan_image_folder": "engine.data.report",
    "split_dataset": "engine.data.report",
    "split_stratified": "engine.data.report",
    "CSV_COLUMNS": "engine.data.report_files",
    "report_to_csv": "engine.data.report_files",
    "report_to_json": "engine.data.report_files",
    "write_report_csv": "engine.data.report_files",
    "scanner": "engine.data.scan",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
