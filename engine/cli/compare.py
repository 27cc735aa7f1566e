"""``python -m engine compare RUN RUN... [--json FILE]``: runs side by side.

Prints the settings that differ between the runs and their saved models' figures (the table the Past runs tab
shows); ``--json`` also writes them, with each run's validation curve ('-' for standard output).
"""

from __future__ import annotations

import argparse
from typing import Any

from engine.cli.exit_codes import EXIT_OK
from engine.core.i18n import tr


def register(sub: Any) -> None:
    parser = sub.add_parser("compare", help=tr("compare two or more runs: the settings that differ, their figures"))
    parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    parser.add_argument("--json", metavar="FILE", help=tr("write the comparison as JSON ('-' for standard output)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.core.atomic import write_output_file
    from engine.core.names import json_text
    from engine.core.output_files import check_output_file
    from engine.report.compare import compare_runs

    if args.json and args.json != "-":
        check_output_file(args.json)
    comparison = compare_runs(args.run_dirs)
    if args.json:
        text = json_text(comparison.to_dict())
        if args.json == "-":
            print(text)
            return EXIT_OK
        write_output_file(args.json, (text + "\n").encode("utf-8"))
    print(comparison.table_text())
    return EXIT_OK
