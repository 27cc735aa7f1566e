"""Writing a run's report: ``report.html`` in the run folder, or where the user chooses.

Written atomically (engine/core/atomic.py); an existing file is replaced only when the caller says the user
agreed (``overwrite=True``: the window asks, the command line takes ``--overwrite``); never into the image
folder the run was trained on.
"""

from __future__ import annotations

import logging
from pathlib import Path

from engine.core.atomic import write_output_file
from engine.core.errors import OutputError
from engine.core.i18n import tr
from engine.core.names import display_path
from engine.core.output_files import check_output_file
from engine.run.folder import RunFolder
from engine.run.location import overlaps_folder

log = logging.getLogger(__name__)


class ReportExistsError(OutputError):
    """The report file is there already and the user has not agreed to replace it."""


def report_target(run_dir: str | Path, out: str | Path | None = None, *, overwrite: bool = False) -> Path:
    """Where the report goes, checked before the work starts.

    Raises:
        ReportExistsError: the file exists and ``overwrite`` is false.
        OutputError: the place cannot be a new file, or it lies in the image folder.
    """
    run = RunFolder.at(run_dir)
    target = run.report if out is None else check_output_file(out, ".html")
    data_dir = run.read_config_data().get("data", {}).get("data_dir")
    if data_dir and overlaps_folder(target.parent, data_dir):
        raise OutputError(tr("{file} is inside the image folder {folder}, where the app never writes: choose a "
                             "place outside it (the run folder is the usual one).", file=display_path(target),
                             folder=display_path(data_dir)))
    if target.exists() and not overwrite:
        raise ReportExistsError(tr("{file} exists already and was kept. Replace it on purpose (--overwrite on the "
                                   "command line) or choose another file.", file=display_path(target)))
    return target


def write_report(run_dir: str | Path, out: str | Path | None = None, *, overwrite: bool = False) -> Path:
    """Write the report of ``run_dir`` (default: its ``report.html``); returns the file written.

    Example:
        >>> write_report("runs/20260101-120000-flowers").name  # doctest: +SKIP
        'report.html'
    """
    from engine.report.page import build_report_html  # matplotlib, torch: only when a report is made

    target = report_target(run_dir, out, overwrite=overwrite)
    page = build_report_html(str(RunFolder.at(run_dir).path))
    return write_output_file(target, page.encode("utf-8"), ".html")
