"""TorchScript: the model traced with ``torch.jit.trace``, for LibTorch (C++), PyTorch Mobile and Python
without this app. The preprocessing record rides inside the file as ``extra/preprocessing.json``.

Tracing records the operations one example input went through. A model whose path depends on its input (or
on the batch size) would be recorded wrongly: the check (engine/export/check.py) runs another batch size and
real images, so such a trace is refused instead of written. PyTorch 2.14 marks ``torch.jit`` deprecated in
favour of ``torch.export``, but LibTorch still loads only TorchScript; the warning is not the user's business.
"""

from __future__ import annotations

import io
import json
import logging
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from engine.core.i18n import tr, tr_later
from engine.core.run_layout import PREPROCESSING
from engine.export.errors import ExportUnsupported

log = logging.getLogger(__name__)

FORMAT_NAME = "TorchScript"
STILL_WORKS = tr_later("Its predictions in this app (Predict tab, python -m engine predict) still work, and so may the "
               "ONNX export.")


def torchscript_bytes(model: nn.Module, image_size: int, record: dict[str, Any]) -> bytes:
    """The traced model as the bytes of a TorchScript file, ``record`` stored as its extra file.

    Raises:
        ExportUnsupported: the model cannot be traced (one sentence).

    Example:
        >>> payload = torchscript_bytes(model, 224, preprocessing_record("resnet18", names, prep))  # doctest: +SKIP
    """
    model = model.eval().to("cpu")
    example = torch.zeros(2, 3, image_size, image_size)
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(model, example, check_trace=False)  # type: ignore[no-untyped-call]
            torch.jit.save(traced, buffer, _extra_files={PREPROCESSING: json.dumps(record, ensure_ascii=False)})
    except Exception as exc:  # noqa: BLE001 - tracing raises many types; all mean "not this model"
        log.warning("TorchScript export failed", exc_info=True)
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        why = tr("This model cannot be exported to TorchScript: tracing it failed ({error}).", error=detail)
        raise ExportUnsupported(f"{why} {tr(STILL_WORKS)}") from exc
    return buffer.getvalue()


def load_torchscript(payload: bytes) -> tuple[torch.jit.ScriptModule, dict[str, Any]]:
    """The module and its preprocessing record from the bytes of a TorchScript file."""
    extra = {PREPROCESSING: ""}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        module = torch.jit.load(io.BytesIO(payload), map_location="cpu",  # type: ignore[no-untyped-call]
                                _extra_files=extra)
    raw = extra[PREPROCESSING]
    record = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw) if raw else {}
    return module, record


def torchscript_runner(payload: bytes) -> Callable[[np.ndarray], np.ndarray]:
    """A function running the TorchScript file on NCHW float32 arrays (on the CPU)."""
    module, _ = load_torchscript(payload)
    module.eval()

    @torch.no_grad()
    def run(inputs: np.ndarray) -> np.ndarray:
        return np.asarray(module(torch.from_numpy(np.ascontiguousarray(inputs, dtype=np.float32))).float().numpy())

    return run
