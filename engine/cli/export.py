"""``python -m engine export RUN_DIR --format onnx|torchscript|folder [--out PATH] [--overwrite]``.

Writes the run's saved model as an ONNX file, a TorchScript file or a deployment folder (the ONNX file,
labels, preprocessing, a ``predict.py`` needing only onnxruntime, Pillow and numpy, and a README), after
checking it against PyTorch on the run's validation images. Default place: the run folder's ``export/``.
An existing file is replaced only with ``--overwrite``.

Exit codes: 0 written; 1 this model cannot be exported to that format, or its check failed; 2 bad input
(no saved model, a place that cannot be used, a file in the way).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli.exit_codes import EXIT_FAILED, EXIT_OK
from engine.core.i18n import tr, tr_later

FORMATS = ("onnx", "torchscript", "folder")
#: The end of the "exists already" sentence: translated where the sentence is made (engine/export/destination.py).
HOW_TO_ALLOW = tr_later("add --overwrite")


def register(sub: Any) -> None:
    parser = sub.add_parser("export", help=tr("export a trained run's model (ONNX, TorchScript, deployment folder)"))
    parser.add_argument("run_dir")
    parser.add_argument("--format", required=True, choices=FORMATS,
                        help=tr("onnx: one .onnx file; torchscript: one .pt file; folder: ONNX + predict.py + README"))
    parser.add_argument("--out", metavar="PATH",
                        help=tr("the file (or, for folder, the folder) to write; default: RUN_DIR/export/"))
    parser.add_argument("--overwrite", action="store_true", help=tr("replace files that exist already"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.export.errors import ExportCheckFailed, ExportUnsupported
    from engine.export.exporter import export_run

    def step(text: str) -> None:
        print(text, file=sys.stderr)

    try:
        result = export_run(args.run_dir, args.format, args.out, overwrite=args.overwrite,
                            how_to_allow=HOW_TO_ALLOW, step=step)
    except (ExportUnsupported, ExportCheckFailed) as exc:
        print(tr("error: {message}", message=exc), file=sys.stderr)
        return EXIT_FAILED
    print(result.sentence())
    for path in result.files:
        print(f"  {path}")
    return EXIT_OK
