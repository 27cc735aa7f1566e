"""Reading a folder: walking it, decoding every file once (cached), the plain records a scan produces, and
identical or look-alike files.

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.data.scan.cache import (
        ScanCache as ScanCache,
    )
    from engine.data.scan.cache import (
        cache_dir as cache_dir,
    )
    from engine.data.scan.duplicates import (
        Fingerprint as Fingerprint,
    )
    from engine.data.scan.duplicates import (
        NearDuplicate as NearDuplicate,
    )
    from engine.data.scan.duplicates import (
        fingerprint as fingerprint,
    )
    from engine.data.scan.duplicates import (
        identical_groups as identical_groups,
    )
    from engine.data.scan.duplicates import (
        near_duplicate_pairs as near_duplicate_pairs,
    )
    from engine.data.scan.records import (
        FileRecord as FileRecord,
    )
    from engine.data.scan.records import (
        Outcome as Outcome,
    )
    from engine.data.scan.records import (
        Problem as Problem,
    )
    from engine.data.scan.scanner import (
        ROOT_PATH as ROOT_PATH,
    )
    from engine.data.scan.scanner import (
        SCAN_MIN_SIDE as SCAN_MIN_SIDE,
    )
    from engine.data.scan.scanner import (
        SYSTEM_FILE_NAMES as SYSTEM_FILE_NAMES,
    )
    from engine.data.scan.scanner import (
        SYSTEM_FOLDER_NAMES as SYSTEM_FOLDER_NAMES,
    )
    from engine.data.scan.scanner import (
        FolderScan as FolderScan,
    )
    from engine.data.scan.scanner import (
        ProgressCallback as ProgressCallback,
    )
    from engine.data.scan.scanner import (
        ScanCancelled as ScanCancelled,
    )
    from engine.data.scan.scanner import (
        ignored_kind as ignored_kind,
    )
    from engine.data.scan.scanner import (
        scan_folder as scan_folder,
    )

_EXPORTS = {
    "ScanCache": "engine.data.scan.cache",
    "cache_dir": "engine.data.scan.cache",
    "Fingerprint": "engine.data.scan.duplicates",
    "NearDuplicate": "engine.data.scan.duplicates",
    "fingerprint": "engine.data.scan.duplicates",
    "identical_groups": "engine.data.scan.duplicates",
    "near_duplicate_pairs": "engine.data.scan.duplicates",
    "FileRecord": "engine.data.scan.records",
    "Outcome": "engine.data.scan.records",
    "Problem": "engine.data.scan.records",
    "FolderScan": "engine.data.scan.scanner",
    "ProgressCallback": "engine.data.scan.scanner",
    "ROOT_PATH": "engine.data.scan.scanner",
    "SCAN_MIN_SIDE": "engine.data.scan.scanner",
    "SYSTEM_FILE_NAMES": "engine.data.scan.scanner",
    "SYSTEM_FOLDER_NAMES": "engine.data.scan.scanner",
    "ScanCancelled": "engine.data.scan.scanner",
    "ignored_kind": "engine.data.scan.scanner",
    "scan_folder": "engine.data.scan.scanner",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
