"""Where an export goes: the run folder's ``export/`` unless the user chooses, never the image folder, and
never over an existing file unless the user said so.

:func:`plan_export` decides every path before anything runs, so the window can ask about files in the way
and the command line can refuse them (``--overwrite``) before a minute of exporting is spent.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from engine.core.errors import StudioError
from engine.core.i18n import tr, tr_later, trn
from engine.core.names import display_path
from engine.core.output_files import output_file_problem
from engine.core.run_layout import DeploymentFiles, RunLayout, check_file_of
from engine.export.errors import ExportError, ExportExists
from engine.run.folder import RunFileError, RunFolder

#: How each export format is named where it is shown (ONNX and TorchScript are names, the same in every language).
FORMAT_LABELS = {"onnx": "ONNX", "torchscript": "TorchScript", "folder": tr_later("Deployment folder")}


class ExportFormat(str, Enum):
    """What an export produces."""

    ONNX = "onnx"
    TORCHSCRIPT = "torchscript"
    FOLDER = "folder"

    @property
    def label(self) -> str:
        """The format's name in the user's language."""
        return tr(FORMAT_LABELS[self.value])

    @property
    def suffix(self) -> str:
        """The model file's ending (the deployment folder holds an ONNX file)."""
        return ".pt" if self is ExportFormat.TORCHSCRIPT else ".onnx"


@dataclass(frozen=True)
class ExportPlan:
    """What an export will write: ``target`` (the model file, or the deployment folder) and every file."""

    run_dir: Path
    format: ExportFormat
    target: Path
    files: tuple[Path, ...]

    @property
    def model_file(self) -> Path:
        return self.files[0]

    def existing(self) -> tuple[Path, ...]:
        """The files that are there already (and would be replaced)."""
        return tuple(path for path in self.files if path.exists())


def plan_export(run_dir: str | Path, fmt: ExportFormat | str, out: str | Path | None = None) -> ExportPlan:
    """Every path an export of ``run_dir`` would write (nothing is written here).

    Args:
        run_dir: a run folder with a saved model.
        fmt: ``onnx``, ``torchscript`` or ``folder``.
        out: the model file (or, for ``folder``, the folder); an existing folder for a file format means the
            usual file name inside it. Default: the run folder's ``export/``.

    Raises:
        ExportError: no saved model, or the place is in the image folder or cannot be written.

    Example:
        >>> plan_export("runs/flowers", "onnx").target.as_posix()  # doctest: +SKIP
        'runs/flowers/export/model.onnx'
    """
    run = RunFolder.at(run_dir)
    fmt = ExportFormat(fmt)
    if not run.has_model():
        raise ExportError(tr("{run} has no saved model to export (a run saves one when its first epoch ends). "
                             "Choose a finished run.", run=display_path(run.path)))
    target = _target(run, fmt, None if out is None else Path(out).expanduser())
    if fmt is ExportFormat.FOLDER:
        files = DeploymentFiles(target).all_files()
    else:
        files = (target, check_file_of(target))
    _refuse_image_folder(run, target)
    # The run's own export/ is created when written; a place the user chose must exist (but for a new
    # deployment folder in an existing one).
    own_folder = _within(target, run.exports.folder)
    problem = None if own_folder or target.is_dir() else output_file_problem(target)
    if problem:
        raise ExportError(problem)
    return ExportPlan(run.path, fmt, target, files)


def refuse_existing(plan: ExportPlan, *, how_to_allow: str) -> None:
    """Raise :class:`ExportExists` when a file of ``plan`` exists (``how_to_allow``: "add --overwrite", marked
    with ``tr_later`` by the caller and translated here: it stands alone after "or" in the sentence)."""
    existing = plan.existing()
    if existing:
        shown = display_path(existing[0])
        if len(existing) > 1:
            message = trn("{file} exists already (and {n} more of its files); it was not replaced. Choose another "
                          "place, or {how} to replace it.", "{file} exists already (and {n} more of its files); it "
                          "was not replaced. Choose another place, or {how} to replace it.", len(existing) - 1,
                          file=shown, how=tr(how_to_allow))
        else:
            message = tr("{file} exists already; it was not replaced. Choose another place, or {how} to replace it.",
                         file=shown, how=tr(how_to_allow))
        raise ExportExists(message, tuple(str(p) for p in existing))


def _target(run: RunLayout, fmt: ExportFormat, out: Path | None) -> Path:
    defaults = {ExportFormat.ONNX: run.exports.onnx, ExportFormat.TORCHSCRIPT: run.exports.torchscript,
                ExportFormat.FOLDER: run.exports.deployment.folder}
    if out is None:
        return defaults[fmt]
    if fmt is ExportFormat.FOLDER:
        if out.exists() and not out.is_dir():
            raise ExportError(tr("{file} is a file; a deployment folder needs a folder. Choose a folder.",
                                 file=display_path(out)))
        return out
    if out.is_dir():
        return out / defaults[fmt].name
    return out if out.suffix else out.with_suffix(fmt.suffix)


def _refuse_image_folder(run: RunFolder, target: Path) -> None:
    """The exported files must not land among the training images (a later scan would take them for images)."""
    for folder in _image_folders(run):
        if _within(target, folder):
            raise ExportError(tr("{file} is inside the image folder {folder}, where exported files would mix with "
                                 "your images. Choose a place outside it.", file=display_path(target),
                                 folder=display_path(folder)))


def _image_folders(run: RunFolder) -> list[Path]:
    """The run's image folder, from its settings (small) or, failing that, its split (large: one line an image;
    the window plans on its GUI thread)."""
    with contextlib.suppress(StudioError, KeyError, TypeError):
        folder = str(run.read_config_data()["data"]["data_dir"])
        if folder:
            return [Path(folder)]
    with contextlib.suppress(RunFileError):
        return [Path(run.read_split().root)]
    return []


def _within(path: Path, folder: Path) -> bool:
    inner, outer = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return inner == outer or outer in inner.parents

