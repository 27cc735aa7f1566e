"""``python -m engine report RUN_DIR [--out FILE] [--overwrite]``: the run's report as one HTML file.

By default ``report.html`` in the run folder; an existing file is kept unless ``--overwrite`` is given. The
file is self-contained (its pictures are embedded): it can be mailed, filed or printed to PDF from a browser.
"""

from __future__ import annotations

import argparse
from typing import Any

from engine.cli.exit_codes import EXIT_OK
from engine.core.i18n import tr


def register(sub: Any) -> None:
    parser = sub.add_parser("report", help=tr("write a trained run's report (report.html)"))
    parser.add_argument("run_dir")
    parser.add_argument("--out", metavar="FILE", help=tr("where to write it (default: report.html in the run folder)"))
    parser.add_argument("--overwrite", action="store_true", help=tr("replace the file if it exists"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.evaluation.evaluate import require_model
    from engine.report.write import report_target, write_report

    require_model(args.run_dir)
    report_target(args.run_dir, args.out, overwrite=args.overwrite)  # before the work, not after it
    path = write_report(args.run_dir, args.out, overwrite=args.overwrite)
    print(tr("report written to {path}", path=path))
    return EXIT_OK
