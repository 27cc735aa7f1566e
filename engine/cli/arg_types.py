"""Number options with their valid range: ``type=whole(1)``, ``type=number(0, 1)``.

argparse turns the sentence into ``error: argument --top: must be a whole number of at least 1 (you gave 0)``
and exit code 2, before anything runs. Not-a-number and infinity are refused too: they compare false with
every limit, so a plain range check would let them through. Options whose range is a setting of the training
(``train``'s options) are checked by :mod:`engine.config`, the one place the window uses too.

Example:
    >>> whole(1)("3"), number(0, 1)("0.5")
    (3, 0.5)
    >>> whole(1, 64)("0")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be a whole number between 1 and 64 (you gave 0)
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from engine.core.i18n import tr


def whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An ``int`` option from ``low`` to ``high`` (inclusive; no upper limit when ``None``)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            if high is not None:
                raise argparse.ArgumentTypeError(tr("must be a whole number between {low} and {high} (you gave {text})",
                                                    low=low, high=high, text=text))
            raise argparse.ArgumentTypeError(tr("must be a whole number of at least {low} (you gave {text})",
                                                low=low, text=text))
        return value

    parse.__name__ = "whole number"  # not translated: argparse names it only for errors parse never raises
    return parse


def number(low: float | None = None, high: float | None = None, *,
           above: float | None = None) -> Callable[[str], float]:
    """A finite ``float`` option: at least ``low`` (or strictly ``above``), at most ``high``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if (not math.isfinite(value) or (low is not None and value < low) or (above is not None and value <= above)
                or (high is not None and value > high)):
            raise argparse.ArgumentTypeError(_number_rule(text, low, high, above))
        return value

    parse.__name__ = "number"
    return parse


def _number_rule(text: str, low: float | None, high: float | None, above: float | None) -> str:
    """The sentence refusing ``text``, one whole sentence per kind of range."""
    if above is not None and high is not None:
        return tr("must be a number above {above:g} and at most {high:g} (you gave {text})",
                  above=above, high=high, text=text)
    if above is not None:
        return tr("must be a number above {above:g} (you gave {text})", above=above, text=text)
    if low is not None and high is not None:
        return tr("must be a number between {low:g} and {high:g} (you gave {text})", low=low, high=high, text=text)
    if low is not None:
        return tr("must be a number of at least {low:g} (you gave {text})", low=low, text=text)
    if high is not None:
        return tr("must be a number of at most {high:g} (you gave {text})", high=high, text=text)
    return tr("must be a number (you gave {text})", text=text)
