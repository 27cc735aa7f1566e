"""``python -m engine glossary [WORD]``: the app's terms in plain words (the window's tooltips, from
engine/help/glossary.py), or the ones whose name contains WORD."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from engine.core.i18n import tr


def register(sub: Any) -> None:
    parser = sub.add_parser("glossary", help=tr("explain the terms the results and the layer list use"))
    parser.add_argument("word", nargs="?", help=tr("only the terms whose name contains this (e.g. F1, ECE, BatchNorm)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.help.glossary import LAYER_TYPES, TERMS

    # (English name, name and explanation in the language spoken now): WORD may be either name ("F1", "정밀도").
    entries = [(t.name, tr(t.name), tr(t.tip)) for t in TERMS.values()] + sorted(
        (name, name, tr(text)) for name, text in LAYER_TYPES.items())
    word = (args.word or "").lower()
    chosen = [(name, text) for english, name, text in entries if word in english.lower() or word in name.lower()]
    if not chosen:
        print(tr("error: no term contains {word}; 'python -m engine glossary' lists them all.", word=repr(args.word)),
              file=sys.stderr)
        return EXIT_BAD_INPUT
    for name, text in chosen:
        print(f"{name}\n  {text}\n")
    return EXIT_OK
