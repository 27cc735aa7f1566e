"""``python -m engine predict RUN_DIR IMAGE_OR_FOLDER... [--json] [--csv FILE]``: top classes per image.

``--csv FILE`` writes the table the Predict panel saves: file, predicted class, its probability and the
probability of every class (``--unsure-below 0.7`` adds a ``not_sure`` column).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli.arg_types import number, whole
from engine.cli.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from engine.core.i18n import tr


def register(sub: Any) -> None:
    parser = sub.add_parser("predict", help=tr("classify images with a trained run's model"))
    parser.add_argument("run_dir")
    parser.add_argument("images", nargs="+", metavar="IMAGE_OR_FOLDER")
    parser.add_argument("--json", action="store_true", help=tr("print JSON instead of text"))
    parser.add_argument("--csv", metavar="FILE",
                        help=tr("also write a table: file, predicted class, every probability"))
    parser.add_argument("--unsure-below", type=number(0, 1), metavar="P", default=None,
                        help=tr("flag answers less sure than P (0..1) as 'not sure' in the CSV"))
    parser.add_argument("--top", type=whole(1), default=3, help=tr("how many classes to show per image"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.core.names import json_text
    from engine.core.output_files import check_output_file
    from engine.evaluation.predict import expand_image_paths, predict_images, write_predictions_csv
    from engine.models.saved import load_exported_model

    if args.csv:
        check_output_file(args.csv, ".csv")  # before predicting, so the answers are not lost to a typo
    exported = load_exported_model(args.run_dir)
    paths = expand_image_paths(args.images)
    if not paths:
        print(tr("error: no image files were found in what you gave."), file=sys.stderr)
        return EXIT_BAD_INPUT
    results = list(predict_images(exported, paths, top_k=args.top))
    if args.csv:
        write_predictions_csv(results, exported.class_names, args.csv, min_confidence=args.unsure_below)
    if args.json:
        print(json_text([{"path": r.path, "top": [{"class": c, "probability": p} for c, p in r.top],
                          **({"error": r.error} if r.error else {})} for r in results]))
    else:
        for r in results:
            if r.error:
                print(tr("{path}\terror: {message}", path=r.path, message=r.error))
            else:
                print(f"{r.path}\t" + "\t".join(f"{c} {p:.1%}" for c, p in r.top))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED
