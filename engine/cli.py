"""``python -m engine``: the same engine as the window, without Qt. Scripts rely on it: keep it stable.

Each command lives in its own module under ``engine/commands`` and registers itself here.

Exit codes: 0 success; 1 the run failed or was cancelled; 2 the input cannot be used (bad folder,
bad option, missing model).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from engine.commands import COMMANDS, EXIT_BAD_INPUT
from engine.errors import StudioError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description="Finetune Studio command line.")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return int(args.func(args))
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `python -m engine predict ... | head`
        return 0
