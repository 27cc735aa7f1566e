"""Exporting a finished run's saved model: ONNX, TorchScript or a deployment folder, checked before written.

:func:`export_run` is the one path the window and ``python -m engine export`` take:

1. :func:`~engine.export.destination.plan_export` decides every path (never the image folder) and, unless
   ``overwrite``, refuses files that exist;
2. the saved model is rebuilt (engine/models/saved.py) and exported in memory;
3. the export runs the run's validation images beside PyTorch (engine/export/check.py); one that answers
   differently is refused, not written;
4. every file is written atomically (engine/core/atomic.py), the check's result beside the model file.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.core.atomic import write_bytes_atomic
from engine.core.cancel import CancelToken, NeverCancelled
from engine.core.errors import OutputError
from engine.core.i18n import tr, tr_later, trn
from engine.core.names import display_path
from engine.core.output_files import describe_write_failure
from engine.core.run_layout import DeploymentFiles, check_file_of
from engine.export import onnx_format, torchscript_format
from engine.export.check import ExportCheck, Runner, compare
from engine.export.deployment import deployment_payloads
from engine.export.destination import ExportFormat, ExportPlan, plan_export, refuse_existing
from engine.export.errors import ExportCheckFailed, ExportError, ExportUnsupported
from engine.export.metadata import preprocessing_record
from engine.export.samples import check_images
from engine.models.saved import ExportedModel, load_exported_model

log = logging.getLogger(__name__)

#: Called with a short sentence as each step starts ("Checking the ONNX file on 32 validation images…").
StepCallback = Callable[[str], None]
#: How the window's user allows replacing files (the command line says "add --overwrite").
ALLOW_REPLACING = tr_later("allow replacing")


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote and how its check went."""

    plan: ExportPlan
    check: ExportCheck

    @property
    def files(self) -> tuple[Path, ...]:
        return self.plan.files

    def sentence(self) -> str:
        """Where the export went and what its check found.

        Example:
            >>> result.sentence()  # doctest: +SKIP
            'ONNX written to runs/flowers/export/model.onnx. Checked: on 32 validation images, ONNX gives …'
        """
        written = tr("{format} written to {place}.", format=self.plan.format.label,
                     place=display_path(self.plan.target))
        return f"{written} {self.check.sentence()}"


def export_run(run_dir: str | Path, fmt: ExportFormat | str, out: str | Path | None = None, *,
               overwrite: bool = False, how_to_allow: str = ALLOW_REPLACING, step: StepCallback | None = None,
               cancel: CancelToken | None = None) -> ExportResult:
    """Export the run's saved model, check it against PyTorch, and write it.

    Args:
        run_dir: a run folder with a saved model.
        fmt: ``onnx``, ``torchscript`` or ``folder`` (:class:`ExportFormat`).
        out: where (see :func:`plan_export`); default the run folder's ``export/``.
        overwrite: replace files that exist; otherwise :class:`~engine.export.errors.ExportExists` is raised.
        how_to_allow: how the user allows replacing, for that sentence ("add --overwrite").
        step: told what is being done, as each step starts.
        cancel: checked between steps; a cancelled export writes nothing.

    Raises:
        ExportError: one sentence: no model, a place that cannot be used, a file in the way
            (:class:`ExportExists`), a model the format cannot hold (:class:`ExportUnsupported`), an export
            that answers differently (:class:`ExportCheckFailed`), a cancelled export.
        OutputError: the files could not be written there.

    Example:
        >>> export_run("runs/flowers", "onnx").check.passed  # doctest: +SKIP
        True
    """
    plan = plan_export(run_dir, fmt, out)
    if not overwrite:
        refuse_existing(plan, how_to_allow=how_to_allow)
    tell = step or (lambda _text: None)
    token = cancel or NeverCancelled()
    exported = load_exported_model(plan.run_dir, "cpu")
    record = preprocessing_record(exported.arch, exported.class_names, exported.preprocessing)
    format_name = torchscript_format.FORMAT_NAME if plan.format is ExportFormat.TORCHSCRIPT else onnx_format.FORMAT_NAME
    tell(tr("Exporting the model to {format}…", format=format_name))
    payload = _model_bytes(plan.format, exported, record)
    _stop_if(token)
    images = check_images(plan.run_dir, exported.preprocessing)
    if images.source == "validation":
        tell(trn("Checking the {format} model on {n} validation images against PyTorch…",
                 "Checking the {format} model on {n} validation images against PyTorch…", images.count,
                 format=format_name))
    else:
        tell(trn("Checking the {format} model on {n} random inputs against PyTorch…",
                 "Checking the {format} model on {n} random inputs against PyTorch…", images.count,
                 format=format_name))
    check = compare(format_name, exported.model, _runner(plan.format, payload), images)
    if not check.passed:
        refused = tr("The {format} file was not written: it would not answer as the trained model does. Its "
                     "predictions in this app still work.", format=format_name)
        raise ExportCheckFailed(f"{check.sentence()} {refused}")
    _stop_if(token)
    tell(tr("Writing {place}…", place=display_path(plan.target)))
    _write_all(_payloads(plan, payload, check, record))
    log.info("exported %s to %s: %s", plan.run_dir, plan.target, check.sentence())
    return ExportResult(plan, check)


def _model_bytes(fmt: ExportFormat, exported: ExportedModel, record: dict[str, object]) -> bytes:
    size = exported.preprocessing.image_size
    if fmt is ExportFormat.TORCHSCRIPT:
        return torchscript_format.torchscript_bytes(exported.model, size, record)
    return onnx_format.onnx_bytes(exported.model, size, record)


def _runner(fmt: ExportFormat, payload: bytes) -> Runner:
    threads = max(1, min(4, os.cpu_count() or 1))
    if fmt is ExportFormat.TORCHSCRIPT:
        return torchscript_format.torchscript_runner(payload)
    try:
        return onnx_format.onnx_runner(payload, threads)
    except Exception as exc:  # noqa: BLE001 - onnxruntime refuses with its own exception types
        log.warning("onnxruntime cannot load the exported model", exc_info=True)
        import onnxruntime

        refused = tr("The model was exported to ONNX, but onnxruntime {version} cannot run it ({error}), so it was "
                     "not written.", version=onnxruntime.__version__, error=type(exc).__name__)
        raise ExportUnsupported(f"{refused} {tr(onnx_format.STILL_WORKS)}") from exc


def _payloads(plan: ExportPlan, payload: bytes, check: ExportCheck, record: dict[str, object]) -> dict[Path, bytes]:
    if plan.format is ExportFormat.FOLDER:
        return deployment_payloads(DeploymentFiles(plan.target), payload, check, record)
    check_json = (json.dumps(check.to_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return {plan.target: payload, check_file_of(plan.target): check_json}


def _write_all(payloads: dict[Path, bytes]) -> None:
    """Each file atomically; the model file first, so its check never describes an older model."""
    for path, data in payloads.items():
        try:
            write_bytes_atomic(path, data)
        except OSError as exc:
            raise OutputError(describe_write_failure(path, exc)) from exc


def _stop_if(token: CancelToken) -> None:
    if token.is_set():
        raise ExportError(tr("The export was stopped; nothing was written."))
