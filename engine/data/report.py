"""The data report: what a folder holds, which files are used, and what stops training.

A folder scan (:mod:`engine.data.scan.scanner`, the slow part, cached) is interpreted here into a
:class:`DatasetReport`: classes and their usable files, one :class:`FileOutcome` per file with a stable
reason code (:mod:`engine.data.reasons`), dataset-level warnings, and blocking problems whose messages say what
to do. Re-interpreting (another layout, files excluded) reads nothing again: see :func:`build_report`.

We do not use torchvision's ``ImageFolder``: an empty hidden folder (``.ipynb_checkpoints``) makes it refuse
the whole dataset and ``__MACOSX`` becomes a class (docs/ARCHITECTURE.md section 6).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from engine.core.cancel import CancelToken
from engine.core.i18n import tr
from engine.core.names import readable
from engine.data.checks import (
    DEFAULT_INPUT_SIDE,
    SPLIT_FOLDER_NAMES,
    blocking_problems,
    dataset_warnings,
    presplit_available,
    run_folder_problem,
    very_small_message,
    very_small_side,
)
from engine.data.dataset import DatasetReport, FileOutcome
from engine.data.scan.duplicates import Fingerprint, NearDuplicate, identical_groups, near_duplicate_pairs
from engine.data.scan.records import FileRecord, Outcome, Problem
from engine.data.scan.scanner import (
    ROOT_PATH,
    SYSTEM_FILE_NAMES,
    SYSTEM_FOLDER_NAMES,
    FolderScan,
    ProgressCallback,
    ScanCancelled,
    ignored_kind,
    scan_folder,
)
from engine.data.split import Split, split_dataset, split_stratified

log = logging.getLogger(__name__)

__all__ = [
    "SYSTEM_FILE_NAMES",
    "SYSTEM_FOLDER_NAMES",
    "DatasetReport",
    "FileOutcome",
    "Outcome",
    "Problem",
    "ProgressCallback",
    "ScanCancelled",
    "Split",
    "build_report",
    "is_ignored_name",
    "scan_image_folder",
    "split_dataset",
    "split_stratified",
]


def is_ignored_name(name: str) -> bool:
    """True for system and hidden names (``.DS_Store``, ``._x.jpg``, ``__MACOSX``...), files or folders."""
    return bool(ignored_kind(name, False) or ignored_kind(name, True))


def scan_image_folder(
    root: str | Path,
    *,
    decode: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    use_folder_split: bool = False,
    exclude: Iterable[str] = (),
    use_cache: bool = True,
    workers: int | None = None,
    image_size: int = DEFAULT_INPUT_SIDE,
) -> DatasetReport:
    """Scan ``root``: each subfolder is a class, images anywhere inside it belong to it.

    Every file is fully decoded once (cached in the app's data folder by path, size and modification
    time), so the report never calls a damaged file usable.

    Args:
        root: the folder the user chose.
        decode: kept for compatibility; files are always fully decoded.
        progress: called with ``(files_done, files_total)``.
        cancel: checked between files; a cancelled scan raises :class:`ScanCancelled` (a :class:`DataError`).
        use_folder_split: ``root`` holds ``train/``, ``val/`` (and ``test/``) folders of class folders.
        exclude: relative paths the user chose to leave out.
        use_cache: reuse and update the scan cache.
        workers: decoding threads (default: a few, bounded by the machine's cores).
        image_size: the side of the images the model will see (images far smaller are pointed out).

    Example:
        >>> report = scan_image_folder("flowers")  # doctest: +SKIP
        >>> report.counts  # doctest: +SKIP
        {'daisy': 60, 'tulip': 58}
    """
    del decode
    root_path = Path(root).expanduser()
    if not root_path.is_dir():
        problem = Problem("not_a_folder", tr("The folder {folder} does not exist or is not a folder. Choose the "
                                             "folder that holds your class folders.", folder=root_path))
        return DatasetReport(root=str(root_path), classes={}, blocking=(problem,))
    scan = scan_folder(root_path, progress=progress, cancel=cancel, workers=workers, use_cache=use_cache)
    return build_report(scan, use_folder_split=use_folder_split, exclude=exclude, image_size=image_size)


def build_report(scan: FolderScan, *, use_folder_split: bool = False, exclude: Iterable[str] = (),
                 image_size: int = DEFAULT_INPUT_SIDE) -> DatasetReport:
    """Interpret a folder scan; cheap, so the GUI calls it again when the user changes a choice.

    Example:
        >>> from engine.data.scan.scanner import scan_folder
        >>> report = build_report(scan_folder("flowers"), exclude=["daisy/copy.jpg"])  # doctest: +SKIP
    """
    available = presplit_available(scan.folders)
    # A split folder is read as one even before the user agrees (it stays blocked until then), so that the
    # report already shows its real classes rather than "train" and "val".
    layout = "folders" if available else "classes"
    excluded = frozenset(exclude)
    class_names = _class_names(scan.folders, layout)
    outcomes: dict[str, FileOutcome] = {}
    usable: dict[str, FileRecord] = {}
    for record in scan.records:
        outcome = _file_outcome(record, layout, excluded, image_size)
        outcomes[record.path] = outcome
        if record.usable and outcome.outcome is not Outcome.SKIPPED:
            usable[record.path] = record
    cross_class = _resolve_identical(usable, outcomes)
    classes: dict[str, list[str]] = {name: [] for name in class_names}
    for path in sorted(usable):
        classes.setdefault(outcomes[path].class_name, []).append(path)
    sorted_classes = {name: tuple(files) for name, files in sorted(classes.items())}
    near = _near_duplicates(usable)
    files = tuple(outcomes[p] for p in sorted(outcomes))
    loose = sum(1 for f in files if f.reason == "outside_class_folder" and "/" not in f.path)
    blocking = blocking_problems(sorted_classes, loose=loose, layout=layout, presplit=available,
                                 use_folder_split=use_folder_split, cross_class=cross_class,
                                 subsets={p: outcomes[p].subset for p in usable})
    warnings = dataset_warnings(files, sorted_classes, near, usable, layout=layout,
                                subsets={p: outcomes[p].subset for p in usable}, image_size=image_size)
    if any(r.path == ROOT_PATH and r.reason == "run_folder" for r in scan.records):
        blocking = [run_folder_problem(scan.root)]
    return DatasetReport(
        root=scan.root, classes=sorted_classes, files=files, warnings=tuple(warnings), blocking=tuple(blocking),
        layout=layout, subsets={p: outcomes[p].subset for p in usable} if layout == "folders" else {},
        near_duplicates=tuple(near), suggested_exclusions=tuple(sorted(p for group in cross_class for p in group)),
        patient_keys={p: r.patient_key for p, r in usable.items() if r.patient_key},
        presplit_available=available, excluded=tuple(sorted(excluded)), cached_files=scan.cached)


def _class_names(folders: Iterable[str], layout: str) -> list[str]:
    # A class name is a label people read (and the model's output names): a folder name that is not valid
    # UTF-8 becomes readable ("bl\\xffue"); the files keep their exact paths, so they still open.
    if layout == "folders":
        return sorted({readable(f.split("/")[1]) for f in folders if f.count("/") == 1})
    return sorted(readable(f) for f in folders if "/" not in f)


#: Files that describe a dataset rather than belong to it, when they lie beside the class folders.
DOCUMENT_EXTENSIONS = frozenset({".md", ".txt", ".rst", ".pdf", ".csv", ".tsv", ".json", ".yaml", ".yml",
                                 ".html", ".htm", ".rtf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods"})


def _file_outcome(record: FileRecord, layout: str, excluded: frozenset[str], image_size: int) -> FileOutcome:
    parts = record.path.split("/")
    subset = ""
    if layout == "folders":
        subset = SPLIT_FOLDER_NAMES.get(parts[0].lower(), "") if len(parts) >= 3 else ""
        class_name = readable(parts[1]) if subset else ""
    else:
        class_name = readable(parts[0]) if len(parts) >= 2 else ""
    outcome = Outcome(record.outcome)
    reason, message = record.reason, record.message
    if len(parts) == 1 and not record.usable and Path(record.path).suffix.lower() in DOCUMENT_EXTENSIONS:
        # A README or licence beside the class folders is how datasets are shared; it is not a mistake.
        outcome, reason = Outcome.IGNORED, "documentation_file"
        message = tr("A document beside the class folders (notes, licence, a table): not training data.")
    elif record.usable and not class_name:
        outcome, reason = Outcome.SKIPPED, "outside_class_folder"
        if len(parts) == 1:
            message = tr("This image is directly in the chosen folder, not in a class folder, so it has no class. "
                         "Move it into the folder of its class.")
        else:
            message = tr("This image is directly in {folder}/, not in a class folder, so it has no class. Move it "
                         "into the folder of its class.", folder=parts[0])
    elif record.usable and record.path in excluded:
        outcome, reason, message = Outcome.SKIPPED, "excluded_by_user", tr("You chose to leave this file out.")
    elif record.usable and 0 < min(record.width, record.height) < very_small_side(image_size):
        # Still used (it may be meant), but never "used as it is" without a word; what was converted is kept.
        reason = "very_small"
        message = " ".join(filter(None, (very_small_message(record.width, record.height, image_size), message)))
    return FileOutcome(record.path, class_name, outcome, reason, message, subset)


def _resolve_identical(usable: dict[str, FileRecord], outcomes: dict[str, FileOutcome]) -> list[list[str]]:
    """Identical files: used once inside a class; returns the groups that span classes (they block)."""
    cross_class: list[list[str]] = []
    for group in identical_groups((p, r.content_hash) for p, r in usable.items()):
        if len({outcomes[p].class_name for p in group}) > 1:
            cross_class.append(group)
            continue
        order = {"train": 0, "": 0, "val": 1, "test": 2}
        keep, *copies = sorted(group, key=lambda p: (order[outcomes[p].subset], p))
        for path in copies:
            old = outcomes[path]
            outcomes[path] = FileOutcome(path, old.class_name, Outcome.SKIPPED, "duplicate",
                                         tr("An identical copy of {keep}; that copy is used, this one is not "
                                            "(the same image twice would count double).", keep=keep), old.subset)
            del usable[path]
    return cross_class


def _near_duplicates(usable: dict[str, FileRecord]) -> list[NearDuplicate]:
    items = [(p, Fingerprint(r.dhash, r.mean_rgb, r.fine_hash)) for p, r in sorted(usable.items())]
    # Identical files are reported as such (used once, or blocking across classes), not again as look-alikes.
    return [NearDuplicate(a, b, d) for a, b, d in near_duplicate_pairs(items)
            if usable[a].content_hash != usable[b].content_hash]
