"""``python -m engine``: the same engine as the window, without Qt. Scripts rely on it: keep it stable.

Each command lives in its own module of ``engine/cli`` and registers itself here.

Exit codes: 0 success; 1 the run failed or was cancelled; 2 the input cannot be used (bad folder,
bad option, missing model).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path

from engine.cli import advise, compare, evaluate, export, glossary, layers, predict, report, scan, train
from engine.cli.exit_codes import EXIT_BAD_INPUT
from engine.core.errors import StudioError
from engine.core.names import READABLE_ERRORS, readable_streams

#: The CLI's log file under the app's folder (studio_home()/logs): tracebacks go there, not to the terminal.
LOG_NAME = "cli.log"


#: The commands in the order ``--help`` lists them; each module's ``register(subparsers)`` sets ``func``.
COMMANDS = (scan, advise, train, evaluate, report, compare, predict, export, layers, glossary)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description="Finetune Studio command line.")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # File names that are not valid UTF-8 are printed as \xNN, never a UnicodeEncodeError (engine/core/names.py).
    readable_streams(sys.stdout, sys.stderr)
    args = build_parser().parse_args(argv)
    _setup_logging()
    try:
        return int(args.func(args))
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `python -m engine predict ... | head`
        return 0


class _OneLine(logging.Formatter):
    """Warnings on the terminal as one line each; their tracebacks only in the log file."""

    def __init__(self) -> None:
        super().__init__()
        self.log_file: Path | None = None

    def format(self, record: logging.LogRecord) -> str:
        where = f" (details in {self.log_file})" if record.exc_info and self.log_file else ""
        return f"{record.levelname}: {record.getMessage()}{where}"


def _setup_logging() -> None:
    root = logging.getLogger()
    if root.handlers:  # embedded (tests, a script that set up logging itself): leave it as it is
        return
    terminal, one_line = logging.StreamHandler(), _OneLine()
    terminal.setFormatter(one_line)
    root.addHandler(terminal)
    root.setLevel(logging.WARNING)
    from engine.core.paths import logs_dir

    path = logs_dir() / LOG_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        detail = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8",
                                     errors=READABLE_ERRORS)
    except OSError:  # no log file (read-only home folder): the terminal still gets every sentence
        return
    detail.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(detail)
    one_line.log_file = path
