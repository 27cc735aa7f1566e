"""``python -m engine``: the same engine as the window, without Qt. Scripts rely on it: keep it stable.

Each command lives in its own module of ``engine/cli`` and registers itself here.

Exit codes: 0 success; 1 the run failed or was cancelled; 2 the input cannot be used (bad folder,
bad option, missing model).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path

from engine.cli import advise, compare, evaluate, export, glossary, layers, predict, report, scan, train
from engine.cli.argparse_words import speak_argparse
from engine.cli.exit_codes import EXIT_BAD_INPUT
from engine.core.errors import StudioError
from engine.core.i18n import LANGUAGE_VARIABLE, LANGUAGES, set_language, tr
from engine.core.names import READABLE_ERRORS, readable_streams

#: The CLI's log file under the app's folder (studio_home()/logs): tracebacks go there, not to the terminal.
LOG_NAME = "cli.log"


#: The commands in the order ``--help`` lists them; each module's ``register(subparsers)`` sets ``func``.
COMMANDS = (scan, advise, train, evaluate, report, compare, predict, export, layers, glossary)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine",  # not translated: the command's name
                                     description=tr("Finetune Studio command line."))
    add_language_option(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    for command_parser in sub.choices.values():  # `python -m engine scan DIR --lang ko` works too
        add_language_option(command_parser)
    return parser


def add_language_option(parser: argparse.ArgumentParser) -> None:
    """``--lang``: read by :func:`language_in_argv` before the parser is built (its help texts are translated);
    declared here so that argparse accepts it and lists it. SUPPRESS: a command's parser keeps the global one."""
    parser.add_argument("--lang", choices=list(LANGUAGES), default=argparse.SUPPRESS,
                        help=tr("the language of the messages: {choices} (default: the system's, from LANG)",
                                choices=", ".join(LANGUAGES)))


def language_in_argv(argv: Sequence[str]) -> str | None:
    """The value of ``--lang CODE`` or ``--lang=CODE`` anywhere before a ``--``; None when not given.

    Example:
        >>> language_in_argv(["scan", "data", "--lang", "ko"]), language_in_argv(["--lang=en", "glossary"])
        ('ko', 'en')
    """
    for index, token in enumerate(argv):
        if token == "--":
            break
        if token == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if token.startswith("--lang="):
            return token.split("=", 1)[1]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    # File names that are not valid UTF-8 are printed as \xNN, never a UnicodeEncodeError (engine/core/names.py).
    readable_streams(sys.stdout, sys.stderr)
    arguments = list(sys.argv[1:] if argv is None else argv)
    code = language_in_argv(arguments)
    if code in LANGUAGES:  # an unknown code is refused by the parser below, in the environment's language
        set_language(code)
        os.environ[LANGUAGE_VARIABLE] = code  # the processes the command starts speak it too
    speak_argparse()
    args = build_parser().parse_args(arguments)
    _setup_logging()
    try:
        return int(args.func(args))
    except StudioError as exc:
        print(tr("error: {message}", message=exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `python -m engine predict ... | head`
        return 0


class _OneLine(logging.Formatter):
    """Warnings on the terminal as one line each; their tracebacks only in the log file."""

    def __init__(self) -> None:
        super().__init__()
        self.log_file: Path | None = None

    def format(self, record: logging.LogRecord) -> str:
        line = f"{record.levelname}: {record.getMessage()}"
        if record.exc_info and self.log_file:
            return tr("{line} (details in {file})", line=line, file=self.log_file)
        return line


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
    detail.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))  # not translated: format
    root.addHandler(detail)
    one_line.log_file = path
