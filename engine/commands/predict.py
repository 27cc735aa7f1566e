"""``python -m engine predict RUN_DIR IMAGE_OR_FOLDER... [--json] [--csv FILE]``: top classes per image.

``--csv FILE`` writes the table the Predict panel saves: file, predicted class, its probability and the
probability of every class (``--unsure-below 0.7`` adds a ``not_sure`` column).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engine.commands import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser("predict", help="classify images with a trained run's model")
    parser.add_argument("run_dir")
    parser.add_argument("images", nargs="+", metavar="IMAGE_OR_FOLDER")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--csv", metavar="FILE",
                        help="also write a table: file, predicted class, every probability")
    parser.add_argument("--unsure-below", type=float, metavar="P", default=None,
                        help="flag answers less sure than P (0..1) as 'not sure' in the CSV")
    parser.add_argument("--top", type=int, default=3, help="how many classes to show per image")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.export import load_exported_model
    from engine.predict import expand_image_paths, predict_images, write_predictions_csv

    if args.unsure_below is not None and not 0 <= args.unsure_below <= 1:
        print("error: --unsure-below must be between 0 and 1 (for example 0.7).", file=sys.stderr)
        return EXIT_BAD_INPUT
    exported = load_exported_model(args.run_dir)
    paths = expand_image_paths(args.images)
    if not paths:
        print("error: no image files were found in what you gave.", file=sys.stderr)
        return EXIT_BAD_INPUT
    results = list(predict_images(exported, paths, top_k=args.top))
    if args.csv:
        write_predictions_csv(results, exported.class_names, args.csv, min_confidence=args.unsure_below)
    if args.json:
        print(json.dumps([{"path": r.path, "top": [{"class": c, "probability": p} for c, p in r.top],
                           **({"error": r.error} if r.error else {})} for r in results],
                         indent=2, ensure_ascii=False))
    else:
        for r in results:
            if r.error:
                print(f"{r.path}\terror: {r.error}")
            else:
                print(f"{r.path}\t" + "\t".join(f"{c} {p:.1%}" for c, p in r.top))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED
