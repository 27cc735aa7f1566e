"""``python -m engine scan DATA_DIR [--json FILE]``: classes, counts and problems of an image folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from engine.commands import EXIT_BAD_INPUT, EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser("scan", help="check an image folder: classes, counts, problems")
    parser.add_argument("data_dir")
    parser.add_argument("--json", metavar="FILE", help="write the full report as JSON ('-' for standard output)")
    parser.add_argument("--decode", action="store_true", help="fully decode every file (slower, stricter)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.dataset import scan_image_folder

    report = scan_image_folder(args.data_dir, decode=args.decode)
    if args.json:
        text = json.dumps(report_to_json(report), indent=2, ensure_ascii=False)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text, encoding="utf-8")
    if args.json != "-":
        for name, count in report.counts.items():
            print(f"{name}\t{count}")
        skipped = sum(1 for f in report.files if f.outcome.value == "skipped")
        print(f"{len(report.classes)} classes, {report.total_images} images, {skipped} skipped")
    for warning in report.warnings:
        print(f"warning: {warning.message}", file=sys.stderr)
    for problem in report.blocking:
        print(f"error: {problem.message}", file=sys.stderr)
    return EXIT_OK if report.trainable else EXIT_BAD_INPUT


def report_to_json(report: Any) -> dict[str, Any]:
    return {
        "root": report.root,
        "classes": report.counts,
        "files": [{"path": f.path, "class": f.class_name, "outcome": f.outcome.value, "reason": f.reason,
                   "message": f.message} for f in report.files],
        "warnings": [{"code": p.code, "message": p.message} for p in report.warnings],
        "blocking": [{"code": p.code, "message": p.message} for p in report.blocking],
    }
