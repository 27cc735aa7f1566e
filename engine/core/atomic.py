"""The one atomic writer: a file is either its previous version or the new one, never half of one.

Temporary file in the same folder, flush + fsync, rename, fsync the folder. Everything the app writes that a
reader may see while it is being written goes through here: run-folder JSON, checkpoints and models
(safetensors), CSV tables, figures, ``--json`` outputs.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.core.errors import OutputError
from engine.core.names import json_text
from engine.core.output_files import describe_write_failure, output_file_problem

if TYPE_CHECKING:
    import torch


def write_bytes_atomic(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` atomically; OSError when the place cannot be written (the old file stays)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def write_json_atomic(path: Path, data: Any) -> None:
    """JSON (indented, UTF-8) written atomically. Names that are not valid UTF-8 are kept exactly
    (:func:`engine.core.names.json_text`).

    Raises:
        OutputError: the place cannot be written (a sentence naming it; the previous file is kept).
    """
    try:
        write_bytes_atomic(path, json_text(data).encode("utf-8"))
    except OSError as exc:
        raise OutputError(describe_write_failure(path, exc)) from exc


def write_output_file(path: str | Path, payload: bytes, suffix: str = ".json") -> Path:
    """Write ``payload`` atomically (a reader or a failure never leaves an empty or half file).

    Raises:
        OutputError: the place cannot be written (see :func:`describe_write_failure`).
    """
    target = Path(path).expanduser()
    problem = output_file_problem(target, suffix) if target.is_dir() else None
    if problem:
        raise OutputError(problem)
    try:
        write_bytes_atomic(target, payload)
    except OSError as exc:
        raise OutputError(describe_write_failure(target, exc)) from exc
    return target


def save_tensors_atomic(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> None:
    """A safetensors file written atomically (a killed writer leaves the previous file intact)."""
    from safetensors.torch import save  # imported here: `python -m engine scan` must not load torch

    contiguous = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    write_bytes_atomic(path, save(contiguous, metadata=metadata))


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not possible on Windows, where os.replace is durable enough.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
