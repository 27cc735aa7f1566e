"""The data panel's background jobs (run by :class:`~gui.jobs.controller.BackgroundTask`, never on the GUI thread).

``scan_job`` reads the folder (every file decoded once, cached); ``interpret_job`` turns a scan into a report
and, when it is trainable, a preview of the split the current settings give.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.core.errors import StudioError
from engine.core.i18n import tr
from engine.data.report import DatasetReport, build_report, split_dataset
from engine.data.scan.scanner import FolderScan, scan_folder
from gui.jobs.controller import TaskState

#: Images per side and class, and the split's warnings; None when the report blocks training.
Preview = tuple[dict[str, dict[str, int]], list[str]] | None


def scan_job(folder: str, options: dict[str, Any], state: TaskState) -> tuple[FolderScan, DatasetReport, Preview]:
    """Scan ``folder`` (progress and cancel through ``state``), then interpret it with ``options``."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise StudioError(tr("The folder {folder} does not exist or is not a folder. Choose the folder that "
                             "holds your class folders.", folder=root))
    scan = scan_folder(root, progress=state.set_progress, cancel=state)
    return (scan, *interpret_job(scan, options))


def interpret_job(scan: FolderScan, options: dict[str, Any]) -> tuple[DatasetReport, Preview]:
    """The report for ``options`` (split settings, exclusions, the training image size) and, when trainable,
    its split preview."""
    report = build_report(scan, use_folder_split=options["use_folder_split"], exclude=options["exclude"],
                          image_size=options["image_size"])
    if not report.trainable:
        return report, None
    split = split_dataset(report, val_fraction=options["val_fraction"], test_fraction=options["test_fraction"],
                          group_pattern=options["group_pattern"], group_by_patient=options["group_by_patient"])
    return report, (split.counts(), [w["message"] for w in split.extra.get("warnings", [])])
