"""The run folder, the contract between engine, window and CLI: RunFolder (typed readers and writers), the
events a run records, the list of runs, the lock that gives a folder one owner, where a run may live.

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.run.events import (
        BatchEnded as BatchEnded,
    )
    from engine.run.events import (
        EpochEnded as EpochEnded,
    )
    from engine.run.events import (
        EpochTimeEstimate as EpochTimeEstimate,
    )
    from engine.run.events import (
        Event as Event,
    )
    from engine.run.events import (
        LrFinderResult as LrFinderResult,
    )
    from engine.run.events import (
        Notice as Notice,
    )
    from engine.run.events import (
        OverfitWarning as OverfitWarning,
    )
    from engine.run.events import (
        Progress as Progress,
    )
    from engine.run.events import (
        RunFinished as RunFinished,
    )
    from engine.run.events import (
        RunPaused as RunPaused,
    )
    from engine.run.events import (
        RunStarted as RunStarted,
    )
    from engine.run.events import (
        event_from_dict as event_from_dict,
    )
    from engine.run.events import (
        event_to_dict as event_to_dict,
    )
    from engine.run.events import (
        read_events as read_events,
    )
    from engine.run.folder import (
        RunFileError as RunFileError,
    )
    from engine.run.folder import (
        RunFolder as RunFolder,
    )
    from engine.run.folder import (
        RunLog as RunLog,
    )
    from engine.run.folder import (
        iter_run_events as iter_run_events,
    )
    from engine.run.folder import (
        no_model_sentence as no_model_sentence,
    )
    from engine.run.listing import (
        RunSummary as RunSummary,
    )
    from engine.run.listing import (
        list_runs as list_runs,
    )
    from engine.run.listing import (
        new_run_dir as new_run_dir,
    )
    from engine.run.location import (
        check_run_location as check_run_location,
    )
    from engine.run.lock import (
        RunLock as RunLock,
    )
    from engine.run.lock import (
        RunLocked as RunLocked,
    )
    from engine.run.lock import (
        acquire_run_lock as acquire_run_lock,
    )
    from engine.run.start import (
        clear_unstarted as clear_unstarted,
    )
    from engine.run.start import (
        is_unstarted as is_unstarted,
    )
    from engine.run.start import (
        remove_if_empty as remove_if_empty,
    )

_EXPORTS = {
    "BatchEnded": "engine.run.events",
    "EpochEnded": "engine.run.events",
    "EpochTimeEstimate": "engine.run.events",
    "Event": "engine.run.events",
    "LrFinderResult": "engine.run.events",
    "Notice": "engine.run.events",
    "OverfitWarning": "engine.run.events",
    "Progress": "engine.run.events",
    "RunFinished": "engine.run.events",
    "RunPaused": "engine.run.events",
    "RunStarted": "engine.run.events",
    "event_from_dict": "engine.run.events",
    "event_to_dict": "engine.run.events",
    "read_events": "engine.run.events",
    "RunFileError": "engine.run.folder",
    "RunFolder": "engine.run.folder",
    "RunLog": "engine.run.folder",
    "iter_run_events": "engine.run.folder",
    "no_model_sentence": "engine.run.folder",
    "RunSummary": "engine.run.listing",
    "list_runs": "engine.run.listing",
    "new_run_dir": "engine.run.listing",
    "check_run_location": "engine.run.location",
    "RunLock": "engine.run.lock",
    "RunLocked": "engine.run.lock",
    "acquire_run_lock": "engine.run.lock",
    "clear_unstarted": "engine.run.start",
    "is_unstarted": "engine.run.start",
    "remove_if_empty": "engine.run.start",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
