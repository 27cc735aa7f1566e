"""Resumable checkpoints, written atomically.

``checkpoints/last.safetensors`` holds everything a run needs to continue: the model (keys ``model/...``),
the optimizer's tensors (``optimizer/<param>/<name>``) and, as JSON in the metadata, the optimizer's
settings, the grad scaler, the schedule, early stopping, the best-so-far figures, the epoch history and the
current batch size. One file, so model and optimizer can never be from different epochs.
``checkpoints/best.safetensors`` is a plain model state dict with the epoch and figures in its metadata.

Atomic: the bytes go to a temporary file in the same folder, are flushed and fsynced, then ``os.replace``
puts them in place (and the folder is fsynced). A writer killed at any moment leaves the previous file
whole; a full disk raises :class:`CheckpointError` with a plain sentence and leaves the previous file.
"""

from __future__ import annotations

import errno
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save
from torch import nn

from engine.core.atomic import write_bytes_atomic
from engine.core.errors import OutputError, StudioError
from engine.core.i18n import tr
from engine.core.names import display_path
from engine.core.output_files import describe_write_failure
from engine.core.run_layout import LAST

log = logging.getLogger(__name__)

FORMAT = "finetune-studio-checkpoint"
FORMAT_VERSION = 1


class CheckpointError(StudioError):
    """A checkpoint could not be written or read; ``str()`` says why in plain words."""


class CheckpointWriteError(CheckpointError, OutputError):
    """The run folder could not be written (full or read-only disk, no permission): the place is at fault,
    not the run, so the CLI exits with code 2 and the run can be continued once the place is fixed."""


@dataclass
class Checkpoint:
    """What :func:`load_checkpoint` returns."""

    model: dict[str, torch.Tensor]
    optimizer: dict[str, Any] | None
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def epoch(self) -> int:
        return int(self.state.get("epoch", 0))


def save_checkpoint(path: Path, model: nn.Module, optimizer: torch.optim.Optimizer | None,
                    state: dict[str, Any]) -> None:
    """Write a resumable checkpoint atomically. ``state`` must be JSON-serialisable.

    Raises:
        CheckpointError: the disk is full or not writable (the previous checkpoint is left intact).

    Example:
        >>> net = nn.Linear(2, 2)
        >>> save_checkpoint(Path("run/checkpoints/last.safetensors"), net, None, {"epoch": 3})  # doctest: +SKIP
        >>> load_checkpoint(Path("run/checkpoints/last.safetensors")).epoch  # doctest: +SKIP
        3
    """
    tensors = {f"model/{k}": v for k, v in model.state_dict().items()}
    meta: dict[str, str] = {"format": FORMAT, "version": str(FORMAT_VERSION), "state": json.dumps(state)}
    if optimizer is not None:
        opt_tensors, opt_meta = _flatten_optimizer(optimizer.state_dict())
        tensors.update(opt_tensors)
        meta["optimizer"] = json.dumps(opt_meta)
    write_tensors_atomic(path, tensors, meta)


def save_weights(path: Path, model: nn.Module, metadata: dict[str, str]) -> None:
    """A plain model state dict (e.g. ``best.safetensors``), written atomically."""
    write_tensors_atomic(path, dict(model.state_dict()), metadata)


def write_tensors_atomic(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> None:
    """Serialise to safetensors and write through a temporary file (see the module notes)."""
    cpu = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    try:
        payload = save(cpu, metadata=metadata)
        write_bytes_atomic(path, payload)
    except OSError as exc:
        raise CheckpointWriteError(_write_failure(path, exc, first=not (path.parent / LAST).is_file())) from exc


def _write_failure(path: Path, exc: OSError, first: bool = False) -> str:
    if first:  # there is no checkpoint to continue from: never advise continuing
        return describe_write_failure(path.parent, exc, tr("The first checkpoint"), then=tr(
            "start the run again (nothing had been saved yet, so there is nothing to continue)"))
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return tr("The disk is full, so the checkpoint could not be saved in {folder}. The previous checkpoint "
                  "is kept unchanged; free some disk space and continue the run.", folder=display_path(path.parent))
    return (describe_write_failure(path.parent, exc, tr("The checkpoint"), then=tr("continue the run"))
            + " " + tr("The previous checkpoint is kept unchanged."))


def load_checkpoint(path: Path) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint` (or a plain state dict such as ``best``).

    Raises:
        CheckpointError: missing, damaged or not ours.
    """
    if not path.is_file():
        raise CheckpointError(tr("There is no checkpoint at {path}.", path=path))
    try:
        payload = path.read_bytes()
        tensors = load_safetensors_bytes(payload)
        meta = _read_metadata(payload)
    except (OSError, SafetensorError, ValueError) as exc:
        raise CheckpointError(tr("The checkpoint {path} is damaged and cannot be read.", path=path)) from exc
    if meta.get("format") != FORMAT:
        return Checkpoint(model=tensors, optimizer=None, state=_plain_state(meta))
    if int(meta.get("version", "0")) > FORMAT_VERSION:
        raise CheckpointError(tr("This checkpoint was written by a newer version of Finetune Studio."))
    model = {k[len("model/"):]: v for k, v in tensors.items() if k.startswith("model/")}
    optimizer = None
    if "optimizer" in meta:
        optimizer = _unflatten_optimizer(tensors, json.loads(meta["optimizer"]))
    return Checkpoint(model=model, optimizer=optimizer, state=json.loads(meta.get("state", "{}")))


def read_model_state(path: Path) -> dict[str, torch.Tensor]:
    """Just the model weights of ``last`` or ``best`` (what a plain ``load_state_dict`` wants)."""
    return load_checkpoint(path).model


def _plain_state(meta: dict[str, str]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for key, value in meta.items():
        try:
            state[key] = json.loads(value)
        except ValueError:
            state[key] = value
    return state


def _read_metadata(payload: bytes) -> dict[str, str]:
    header_len = int.from_bytes(payload[:8], "little")
    header = json.loads(payload[8:8 + header_len])
    return dict(header.get("__metadata__", {}))


def _flatten_optimizer(sd: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    tensors: dict[str, torch.Tensor] = {}
    plain: dict[str, dict[str, Any]] = {}
    for pid, entry in sd["state"].items():
        for name, value in entry.items():
            if torch.is_tensor(value):
                tensors[f"optimizer/{pid}/{name}"] = value
            else:
                plain.setdefault(str(pid), {})[name] = value
    return tensors, {"param_groups": sd["param_groups"], "plain": plain}


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith("optimizer/"):
            _, pid, name = key.split("/", 2)
            state.setdefault(int(pid), {})[name] = value
    for pid, entry in meta.get("plain", {}).items():
        state.setdefault(int(pid), {}).update(entry)
    groups = meta["param_groups"]
    for group in groups:
        if isinstance(group.get("betas"), list):
            group["betas"] = tuple(group["betas"])
    return {"state": state, "param_groups": groups}


def remove_stale_temporaries(folder: Path) -> int:
    """Delete ``.*.tmp`` files a killed writer left behind; returns how many."""
    removed = 0
    if folder.is_dir():
        for stale in folder.glob(".*.tmp"):
            stale.unlink(missing_ok=True)
            removed += 1
    return removed


def write_safely(path: Path, text: str) -> None:
    """Atomically replace a small text file (events/metrics rewritten on resume)."""
    try:
        write_bytes_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise CheckpointWriteError(_write_failure(path, exc)) from exc


def load_into(model: nn.Module, optimizer: torch.optim.Optimizer | None, checkpoint: Checkpoint) -> None:
    """Put a checkpoint's weights (and optimizer state, when both have one) into live objects."""
    model.load_state_dict(checkpoint.model)
    if optimizer is not None and checkpoint.optimizer is not None:
        optimizer.load_state_dict(checkpoint.optimizer)


__all__ = [
    "Checkpoint",
    "CheckpointError",
    "load_checkpoint",
    "load_into",
    "read_model_state",
    "remove_stale_temporaries",
    "save_checkpoint",
    "save_weights",
]
