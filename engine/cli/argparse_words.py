"""argparse's own words (``usage:``, ``options``, its error messages) in the language the CLI speaks.

argparse looks each of them up through its module's ``_`` (gettext) when it builds the help or an error, so
:func:`speak_argparse` points that ``_`` at the app's catalog; the ``%(...)s`` and ``%s`` placeholders stay
argparse's own. A message not listed here stays as argparse writes it.
"""

from __future__ import annotations

import argparse

from engine.core.i18n import tr, tr_later

#: argparse's texts the CLI's users meet, exactly as argparse (Python 3.11+) spells them.
MESSAGES = frozenset((
    tr_later("usage: "),
    tr_later("positional arguments"),
    tr_later("options"),
    tr_later("show this help message and exit"),
    tr_later("%(prog)s: error: %(message)s\n"),
    tr_later("argument %(argument_name)s: %(message)s"),
    tr_later("the following arguments are required: %s"),
    tr_later("unrecognized arguments: %s"),
    tr_later("invalid choice: %(value)r (choose from %(choices)s)"),
    tr_later("invalid %(type)s value: %(value)r"),
    tr_later("expected one argument"),
    tr_later("expected at most one argument"),
    tr_later("expected at least one argument"),
    tr_later("ambiguous option: %(option)s could match %(matches)s"),
    tr_later("not allowed with argument %s"),
    tr_later("one of the arguments %s is required"),
))


def translated(message: str) -> str:
    """``message`` in the current language when it is one of :data:`MESSAGES`; as it is otherwise."""
    return tr(message) if message in MESSAGES else message


def speak_argparse() -> None:
    """From now on argparse writes its help headings and errors through :func:`translated`."""
    setattr(argparse, "_", translated)  # noqa: B010 - the module's gettext alias, looked up at each call
