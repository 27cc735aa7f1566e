"""What a folder holds, as the data report says it: :class:`DatasetReport` and one :class:`FileOutcome` a file.

The report is built by :func:`engine.data.report.scan_image_folder`; the checks, the split and the window read
it. Kept apart from the builder so that those readers do not depend on it (no import cycle).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.core.errors import DataError
from engine.data.scan.duplicates import NearDuplicate
from engine.data.scan.records import Outcome, Problem


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """One file (or skipped/ignored folder) of the report. ``path`` is relative to the root, with ``/``."""

    path: str
    class_name: str
    outcome: Outcome
    reason: str = ""
    message: str = ""
    subset: str = ""  # "train" / "val" / "test" when the folder's own split is used


@dataclass(frozen=True, slots=True)
class DatasetReport:
    """What a scan found. ``classes`` maps each class (sorted by name) to its usable files (sorted).

    ``layout`` is ``"classes"`` (one folder per class) or ``"folders"`` (the folder's own train/val/test
    subfolders, each holding class folders; ``subsets`` then maps each usable file to its subset).
    ``suggested_exclusions`` are files the user may leave out to unblock (both copies of an image filed
    in two classes). ``patient_keys`` maps DICOM files to a one-way hash of their PatientID.
    """

    root: str
    classes: dict[str, tuple[str, ...]]
    files: tuple[FileOutcome, ...] = ()
    warnings: tuple[Problem, ...] = ()
    blocking: tuple[Problem, ...] = ()
    layout: str = "classes"
    subsets: dict[str, str] = field(default_factory=dict)
    near_duplicates: tuple[NearDuplicate, ...] = ()
    suggested_exclusions: tuple[str, ...] = ()
    patient_keys: dict[str, str] = field(default_factory=dict)
    presplit_available: bool = False
    excluded: tuple[str, ...] = ()
    cached_files: int = 0

    @property
    def trainable(self) -> bool:
        return not self.blocking

    @property
    def class_names(self) -> list[str]:
        return list(self.classes)

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(files) for name, files in self.classes.items()}

    @property
    def total_images(self) -> int:
        return sum(len(files) for files in self.classes.values())

    @property
    def imbalance_ratio(self) -> float:
        """Largest class size / smallest (``inf`` when a class is empty, 1 with fewer than two classes)."""
        counts = [n for n in self.counts.values()]
        if len(counts) < 2:
            return 1.0
        return float("inf") if min(counts) == 0 else max(counts) / min(counts)

    def outcomes(self, outcome: Outcome) -> list[FileOutcome]:
        return [f for f in self.files if f.outcome is outcome]

    def outcome_counts(self) -> dict[str, int]:
        counts = {o.value: 0 for o in Outcome}
        for f in self.files:
            counts[f.outcome.value] += 1
        return counts

    def require_trainable(self) -> None:
        """Raise :class:`DataError` with the first blocking problem's message."""
        if self.blocking:
            raise DataError(self.blocking[0].message)
