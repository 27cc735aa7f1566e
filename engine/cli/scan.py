"""``python -m engine scan DATA_DIR [--json FILE] [--csv FILE]``: classes, counts and problems of a folder.

Every file is decoded once (results cached in the app's data folder, so a second scan of an unchanged
folder is quick). Exit code 2 when anything blocks training. The ``--json`` format is documented in
:mod:`engine.data.report_files`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli.arg_types import whole
from engine.cli.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from engine.core.i18n import tr


def register(sub: Any) -> None:
    parser = sub.add_parser("scan", help=tr("check an image folder: classes, counts, problems"))
    parser.add_argument("data_dir")
    parser.add_argument("--json", metavar="FILE", help=tr("write the full report as JSON ('-' for standard output)"))
    parser.add_argument("--csv", metavar="FILE", help=tr("write the report as a CSV table (one row per file)"))
    parser.add_argument("--use-folder-split", action="store_true",
                        help=tr("DATA_DIR holds train/ val/ (test/) folders of class folders: use them as the split"))
    parser.add_argument("--exclude", action="append", default=[], metavar="PATH",
                        help=tr("leave out this file (relative to DATA_DIR); may be given several times"))
    parser.add_argument("--no-cache", action="store_true", help=tr("read every file again (ignore the scan cache)"))
    parser.add_argument("--workers", type=whole(1, 64), default=None, help=tr("decoding threads (default: automatic)"))
    parser.add_argument("--decode", action="store_true", help=argparse.SUPPRESS)  # always on now; kept for scripts
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.core.atomic import write_output_file
    from engine.core.names import json_text
    from engine.core.output_files import check_output_file
    from engine.data.report import scan_image_folder
    from engine.data.report_files import report_to_json, write_report_csv

    for output, suffix in ((args.json, ".json"), (args.csv, ".csv")):  # refused before the scan (minutes)
        if output and output != "-":
            check_output_file(output, suffix)
    report = scan_image_folder(args.data_dir, use_folder_split=args.use_folder_split, exclude=args.exclude,
                               use_cache=not args.no_cache, workers=args.workers)
    if args.json:
        text = json_text(report_to_json(report))
        if args.json == "-":
            print(text)
        else:
            write_output_file(args.json, (text + "\n").encode("utf-8"))
    if args.csv:
        write_report_csv(report, args.csv)
    if args.json != "-":
        for name, count in report.counts.items():
            print(f"{name}\t{count}")
        counts = report.outcome_counts()
        print(tr("{classes} classes, {images} images; {converted} converted, {skipped} skipped, {ignored} ignored",
                 classes=len(report.classes), images=report.total_images, converted=counts["converted"],
                 skipped=counts["skipped"], ignored=counts["ignored"]))
    for warning in report.warnings:
        print(tr("warning: {message}", message=warning.message), file=sys.stderr)
    for problem in report.blocking:
        print(tr("error: {message}", message=problem.message), file=sys.stderr)
    return EXIT_OK if report.trainable else EXIT_BAD_INPUT
