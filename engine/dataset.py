"""Scanning an image folder (one subfolder per class) into a report, and splitting it.

We do not use torchvision's ``ImageFolder``: an empty hidden folder (``.ipynb_checkpoints``) makes it refuse
the whole dataset and ``__MACOSX`` becomes a class (design.md section 6).
"""

from __future__ import annotations

import enum
import logging
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from PIL import Image

from engine.cancel import CancelToken, NeverCancelled
from engine.errors import DataError
from engine.images import IMAGE_EXTENSIONS, ImageLoadError, load_image_with_info

log = logging.getLogger(__name__)

#: Files that operating systems and tools leave behind; never images, never classes.
SYSTEM_FILE_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", ".directory"})
SYSTEM_FOLDER_NAMES = frozenset({"__macosx", "$recycle.bin", "system volume information"})

ProgressCallback = Callable[[int, int], None]


class Outcome(str, enum.Enum):
    ACCEPTED = "accepted"
    CONVERTED = "converted"
    SKIPPED = "skipped"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: str  # relative to the scanned folder, with "/" separators
    class_name: str
    outcome: Outcome
    reason: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class DatasetReport:
    """What a scan found. ``classes`` maps each class (sorted by name) to its usable files (sorted)."""

    root: str
    classes: dict[str, tuple[str, ...]]
    files: tuple[FileOutcome, ...] = ()
    warnings: tuple[Problem, ...] = ()
    blocking: tuple[Problem, ...] = ()

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

    def outcomes(self, outcome: Outcome) -> list[FileOutcome]:
        return [f for f in self.files if f.outcome is outcome]

    def require_trainable(self) -> None:
        """Raise :class:`DataError` with the first blocking problem's message."""
        if self.blocking:
            raise DataError(self.blocking[0].message)


def is_ignored_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in SYSTEM_FILE_NAMES or lowered in SYSTEM_FOLDER_NAMES or name.startswith(".")


def scan_image_folder(
    root: str | Path,
    *,
    decode: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> DatasetReport:
    """Scan ``root``: each subfolder is a class, images anywhere inside it belong to it.

    Args:
        root: the folder the user chose.
        decode: fully decode each file (slower, catches truncated files); otherwise only the header is read.
        progress: called with ``(files_done, files_total)``.
        cancel: checked between files; a cancelled scan raises :class:`DataError`.

    Example:
        >>> report = scan_image_folder("flowers")  # doctest: +SKIP
        >>> report.counts
        {'daisy': 60, 'tulip': 58}
    """
    cancel = cancel or NeverCancelled()
    root_path = Path(root).expanduser()
    if not root_path.is_dir():
        problem = Problem("not_a_folder", f"The folder {root_path} does not exist or is not a folder.")
        return DatasetReport(root=str(root_path), classes={}, blocking=(problem,))

    class_dirs, loose_images, outcomes = _top_level(root_path)
    candidates = [(name, path) for name, folder in class_dirs for path in _walk_files(folder, outcomes, root_path, name)]
    classes: dict[str, list[str]] = {name: [] for name, _ in class_dirs}
    for done, (class_name, path) in enumerate(candidates, start=1):
        if cancel.is_set():
            raise DataError("The scan was cancelled.")
        outcome = _check_file(path, root_path, class_name, decode)
        outcomes.append(outcome)
        if outcome.outcome in (Outcome.ACCEPTED, Outcome.CONVERTED):
            classes[class_name].append(outcome.path)
        if progress is not None:
            progress(done, len(candidates))

    sorted_classes = {name: tuple(sorted(files)) for name, files in sorted(classes.items())}
    blocking = _blocking_problems(sorted_classes, loose_images)
    warnings = _warnings(outcomes)
    return DatasetReport(
        root=str(root_path),
        classes=sorted_classes,
        files=tuple(outcomes),
        warnings=tuple(warnings),
        blocking=tuple(blocking),
    )


def _top_level(root: Path) -> tuple[list[tuple[str, Path]], int, list[FileOutcome]]:
    class_dirs: list[tuple[str, Path]] = []
    outcomes: list[FileOutcome] = []
    loose_images = 0
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if is_ignored_name(entry.name):
            outcomes.append(FileOutcome(entry.name, "", Outcome.IGNORED, "system_file", "System or hidden item."))
        elif entry.is_dir(follow_symlinks=True):
            class_dirs.append((entry.name, Path(entry.path)))
        elif Path(entry.name).suffix.lower() in IMAGE_EXTENSIONS:
            loose_images += 1
    return class_dirs, loose_images, outcomes


def _walk_files(folder: Path, outcomes: list[FileOutcome], root: Path, class_name: str) -> list[Path]:
    """Files inside a class folder, nested folders included; symlinked folders are not followed."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        kept = []
        for d in sorted(dirnames):
            if is_ignored_name(d):
                rel = _relative(Path(dirpath) / d, root)
                outcomes.append(FileOutcome(rel, class_name, Outcome.IGNORED, "system_folder", "System or hidden folder."))
            else:
                kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if is_ignored_name(name):
                outcomes.append(FileOutcome(_relative(path, root), class_name, Outcome.IGNORED, "system_file",
                                            "System or hidden file."))
            else:
                found.append(path)
    return found


def _check_file(path: Path, root: Path, class_name: str, decode: bool) -> FileOutcome:
    rel = _relative(path, root)
    try:
        if decode:
            _, info = load_image_with_info(path)
            if info.conversions:
                return FileOutcome(rel, class_name, Outcome.CONVERTED, "converted", "; ".join(info.conversions))
        else:
            with Image.open(path) as img:
                img.size  # header only: cheap, catches files that are not images at all
    except ImageLoadError as exc:
        return FileOutcome(rel, class_name, Outcome.SKIPPED, exc.reason, str(exc))
    except Exception as exc:  # noqa: BLE001 - a scan must never crash on one file
        log.debug("skipping %s: %s", path, exc)
        return FileOutcome(rel, class_name, Outcome.SKIPPED, "not_an_image", "The file is not an image the app can read.")
    return FileOutcome(rel, class_name, Outcome.ACCEPTED)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _blocking_problems(classes: dict[str, tuple[str, ...]], loose_images: int) -> list[Problem]:
    problems: list[Problem] = []
    if not classes:
        if loose_images:
            problems.append(Problem(
                "no_class_folders",
                f"The images ({loose_images}) are directly in this folder. Put each class's images in a subfolder "
                "named after the class (for example cats/ and dogs/) and choose the folder above them.",
            ))
        else:
            problems.append(Problem(
                "no_classes",
                "This folder has no class subfolders. Choose a folder that contains one subfolder per class, "
                "each holding that class's images.",
            ))
        return problems
    if len(classes) == 1:
        only = next(iter(classes))
        problems.append(Problem(
            "single_class",
            f'Only one class was found ("{only}"). A classifier needs at least two classes: add a subfolder '
            "for each other kind of image.",
        ))
    for name, files in classes.items():
        if len(files) < 2:
            problems.append(Problem(
                "too_few_images",
                f'The class "{name}" has {len(files)} usable image{"s" if len(files) != 1 else ""}; each class '
                "needs at least 2 (one to train on, one to check with). Add images or remove the folder.",
            ))
    return problems


def _warnings(outcomes: list[FileOutcome]) -> list[Problem]:
    skipped = sum(1 for o in outcomes if o.outcome is Outcome.SKIPPED)
    if not skipped:
        return []
    return [Problem("files_skipped",
                    f"{skipped} file{'s' if skipped != 1 else ''} could not be read and will not be used.")]


@dataclass(frozen=True, slots=True)
class Split:
    """Which file goes where. Paths are relative to ``root``; labels index ``classes``."""

    root: str
    classes: tuple[str, ...]
    train: tuple[tuple[str, int], ...]
    val: tuple[tuple[str, int], ...]
    seed: int
    val_fraction: float
    method: str = "stratified"
    extra: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "root": self.root,
            "method": self.method,
            "seed": self.seed,
            "val_fraction": self.val_fraction,
            "classes": list(self.classes),
            "train": [[p, self.classes[label]] for p, label in self.train],
            "val": [[p, self.classes[label]] for p, label in self.val],
        }


def split_stratified(report: DatasetReport, val_fraction: float, seed: int) -> Split:
    """Seeded, stratified train/validation split: each class keeps its share on both sides.

    Every class keeps at least one image on each side, so a class with 2 images splits 1/1.
    """
    report.require_trainable()
    rng = random.Random(seed)
    classes = tuple(report.classes)
    train: list[tuple[str, int]] = []
    val: list[tuple[str, int]] = []
    for label, name in enumerate(classes):
        files = list(report.classes[name])
        rng.shuffle(files)
        n_val = min(max(1, round(len(files) * val_fraction)), len(files) - 1)
        val.extend((p, label) for p in sorted(files[:n_val]))
        train.extend((p, label) for p in sorted(files[n_val:]))
    return Split(root=report.root, classes=classes, train=tuple(train), val=tuple(val), seed=seed,
                 val_fraction=val_fraction)
