"""The base everything stands on: typed errors with plain sentences, cancellation, the app's folders, the one
atomic writer, the one CSV writer, readable file names, versions, and the run folder's file names
(run_layout). Imports nothing else of the engine.

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.core.atomic import (
        save_tensors_atomic as save_tensors_atomic,
    )
    from engine.core.atomic import (
        write_bytes_atomic as write_bytes_atomic,
    )
    from engine.core.atomic import (
        write_json_atomic as write_json_atomic,
    )
    from engine.core.atomic import (
        write_output_file as write_output_file,
    )
    from engine.core.cancel import (
        CancelToken as CancelToken,
    )
    from engine.core.cancel import (
        NeverCancelled as NeverCancelled,
    )
    from engine.core.cancel import (
        wait_while_paused as wait_while_paused,
    )
    from engine.core.csv_files import (
        SafeWriter as SafeWriter,
    )
    from engine.core.csv_files import (
        csv_text as csv_text,
    )
    from engine.core.csv_files import (
        read_csv_dicts as read_csv_dicts,
    )
    from engine.core.csv_files import (
        write_csv as write_csv,
    )
    from engine.core.errors import (
        ConfigError as ConfigError,
    )
    from engine.core.errors import (
        DataError as DataError,
    )
    from engine.core.errors import (
        ModelFileError as ModelFileError,
    )
    from engine.core.errors import (
        OutputError as OutputError,
    )
    from engine.core.errors import (
        StudioError as StudioError,
    )
    from engine.core.errors import (
        WeightsError as WeightsError,
    )
    from engine.core.names import (
        READABLE_ERRORS as READABLE_ERRORS,
    )
    from engine.core.names import (
        display_path as display_path,
    )
    from engine.core.names import (
        json_text as json_text,
    )
    from engine.core.names import (
        readable as readable,
    )
    from engine.core.names import (
        readable_streams as readable_streams,
    )
    from engine.core.output_files import (
        check_output_file as check_output_file,
    )
    from engine.core.output_files import (
        describe_write_failure as describe_write_failure,
    )
    from engine.core.output_files import (
        prepare_folder as prepare_folder,
    )
    from engine.core.paths import (
        logs_dir as logs_dir,
    )
    from engine.core.paths import (
        lr_finder_dir as lr_finder_dir,
    )
    from engine.core.paths import (
        runs_root as runs_root,
    )
    from engine.core.paths import (
        scan_cache_dir as scan_cache_dir,
    )
    from engine.core.paths import (
        studio_home as studio_home,
    )
    from engine.core.run_layout import (
        EVALUATION as EVALUATION,
    )
    from engine.core.run_layout import (
        LAST as LAST,
    )
    from engine.core.run_layout import (
        LOCK as LOCK,
    )
    from engine.core.run_layout import (
        MODEL_DIR as MODEL_DIR,
    )
    from engine.core.run_layout import (
        EvaluationSetFiles as EvaluationSetFiles,
    )
    from engine.core.run_layout import (
        ModelFiles as ModelFiles,
    )
    from engine.core.run_layout import (
        RunLayout as RunLayout,
    )
    from engine.core.run_layout import (
        is_run_folder as is_run_folder,
    )
    from engine.core.versions import (
        versions as versions,
    )

_EXPORTS = {
    "save_tensors_atomic": "engine.core.atomic",
    "write_bytes_atomic": "engine.core.atomic",
    "write_json_atomic": "engine.core.atomic",
    "write_output_file": "engine.core.atomic",
    "CancelToken": "engine.core.cancel",
    "NeverCancelled": "engine.core.cancel",
    "wait_while_paused": "engine.core.cancel",
    "SafeWriter": "engine.core.csv_files",
    "csv_text": "engine.core.csv_files",
    "read_csv_dicts": "engine.core.csv_files",
    "write_csv": "engine.core.csv_files",
    "ConfigError": "engine.core.errors",
    "DataError": "engine.core.errors",
    "ModelFileError": "engine.core.errors",
    "OutputError": "engine.core.errors",
    "StudioError": "engine.core.errors",
    "WeightsError": "engine.core.errors",
    "READABLE_ERRORS": "engine.core.names",
    "display_path": "engine.core.names",
    "json_text": "engine.core.names",
    "readable": "engine.core.names",
    "readable_streams": "engine.core.names",
    "check_output_file": "engine.core.output_files",
    "describe_write_failure": "engine.core.output_files",
    "prepare_folder": "engine.core.output_files",
    "logs_dir": "engine.core.paths",
    "lr_finder_dir": "engine.core.paths",
    "runs_root": "engine.core.paths",
    "scan_cache_dir": "engine.core.paths",
    "studio_home": "engine.core.paths",
    "EVALUATION": "engine.core.run_layout",
    "EvaluationSetFiles": "engine.core.run_layout",
    "LAST": "engine.core.run_layout",
    "LOCK": "engine.core.run_layout",
    "MODEL_DIR": "engine.core.run_layout",
    "ModelFiles": "engine.core.run_layout",
    "RunLayout": "engine.core.run_layout",
    "is_run_folder": "engine.core.run_layout",
    "versions": "engine.core.versions",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
