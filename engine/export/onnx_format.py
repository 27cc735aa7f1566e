"""ONNX: one self-contained ``.onnx`` file with a dynamic batch axis and the preprocessing as metadata.

Exported with PyTorch's ``torch.export``-based exporter (the TorchScript-based one is deprecated), at opset
:data:`OPSET`. The graph and the weights are serialised together into one protobuf in memory, so no side
``.onnx.data`` file is ever written (docs/ARCHITECTURE.md says why); the bytes then go through the atomic
writer like every other file the app writes.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from engine.core.i18n import tr, tr_later, trn
from engine.export.errors import ExportUnsupported
from engine.export.metadata import INPUT_NAME, OUTPUT_NAME, onnx_metadata

log = logging.getLogger(__name__)

#: PyTorch 2.14's default ONNX opset. onnxruntime 1.32 (installed) runs opsets up to 23, and every
#: onnxruntime since 1.17 (January 2024) runs opset 20, so the file also runs on older deployment machines.
OPSET = 20
#: The oldest onnxruntime that runs :data:`OPSET` (said in the deployment folder's README).
MIN_ONNXRUNTIME = "1.17"
#: protobuf cannot hold more in one message: larger models would need a side data file.
MAX_SINGLE_FILE = 2 * 1024**3 - 1
FORMAT_NAME = "ONNX"


def onnx_bytes(model: nn.Module, image_size: int, record: dict[str, Any]) -> bytes:
    """The model as the bytes of a self-contained ONNX file, ``record`` (engine/export/metadata.py) attached.

    Raises:
        ExportUnsupported: the exporter cannot translate the model (one sentence naming what it lacks).

    Example:
        >>> payload = onnx_bytes(model, 224, preprocessing_record("resnet18", names, prep))  # doctest: +SKIP
    """
    model = model.eval().to("cpu")
    example = torch.zeros(2, 3, image_size, image_size)
    batch = torch.export.Dim("batch", min=1, max=4096)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the exporter's notes go to the log below, not to the terminal
            program = torch.onnx.export(model, (example,), dynamo=True, opset_version=OPSET,
                                        input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                                        dynamic_shapes=({0: batch},), external_data=False, optimize=True,
                                        verbose=False)
    except Exception as exc:  # noqa: BLE001 - the exporter raises many types; all mean "not this model"
        log.warning("ONNX export failed", exc_info=True)
        raise ExportUnsupported(unsupported_sentence(exc)) from exc
    if program is None:  # only the deprecated exporter returns None
        raise ExportUnsupported(tr("This model could not be exported to ONNX.") + " " + tr(STILL_WORKS))
    proto = program.model_proto
    del proto.metadata_props[:]
    for key, value in onnx_metadata(record).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.producer_name = "Finetune Studio"  # not translated: a product name in the file
    if proto.ByteSize() > MAX_SINGLE_FILE:
        raise ExportUnsupported(tr("This model is larger than 2 GB, the most one ONNX file can hold, so it was not "
                                   "exported to ONNX.") + " " + tr(STILL_WORKS))
    return bytes(proto.SerializeToString())


STILL_WORKS = tr_later("Its predictions in this app (Predict tab, python -m engine predict) still work, and so may the "
               "TorchScript export.")


def unsupported_sentence(exc: BaseException) -> str:
    """Why the exporter refused, naming the operation when it says which (``aten.cummax`` → ``cummax``).

    Example:
        >>> unsupported_sentence(RuntimeError("No ONNX function found for <OpOverload(op='aten.cummax')>"))[:62]
        'This model cannot be exported to ONNX: it uses the operation "'
    """
    ops = sorted({m.split(".")[0] for m in re.findall(r"aten[.:]+(\w+(?:\.\w+)?)", str(exc))} - {"default"})
    if ops:
        named = ", ".join(f'"{op}"' for op in ops[:3])
        why = trn("This model cannot be exported to ONNX: it uses the operation {names}, which ONNX (opset {opset}) "
                  "lacks.", "This model cannot be exported to ONNX: it uses the operations {names}, which ONNX "
                  "(opset {opset}) lacks.", len(ops), names=named, opset=OPSET)
    else:
        why = tr("This model cannot be exported to ONNX: PyTorch's exporter could not translate it ({error}).",
                 error=type(exc).__name__)
    return f"{why} {tr(STILL_WORKS)}"


def onnx_runner(payload: bytes, threads: int = 1) -> Callable[[np.ndarray], np.ndarray]:
    """A function running the ONNX file on NCHW float32 arrays with onnxruntime (on the CPU)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # warnings about unused initialisers are not the user's business
    session = ort.InferenceSession(payload, options, providers=["CPUExecutionProvider"])

    def run(inputs: np.ndarray) -> np.ndarray:
        return np.asarray(session.run([OUTPUT_NAME], {INPUT_NAME: inputs.astype(np.float32, copy=False)})[0])

    return run


def read_onnx_metadata(payload: bytes) -> dict[str, str]:
    """The metadata of an ONNX file (what :func:`onnx_bytes` recorded)."""
    import onnx

    return {p.key: p.value for p in onnx.load_from_string(payload).metadata_props}
