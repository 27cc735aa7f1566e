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


def whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An ``int`` option from ``low`` to ``high`` (inclusive; no upper limit when ``None``)."""
    rule = f"a whole number between {low} and {high}" if high is not None else f"a whole number of at least {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {rule} (you gave {text})")
        return value

    parse.__name__ = "whole number"  # what argparse names in its own messages
    return parse


def number(low: float | None = None, high: float | None = None, *,
           above: float | None = None) -> Callable[[str], float]:
    """A finite ``float`` option: at least ``low`` (or strictly ``above``), at most ``high``."""
    if above is not None:
        rule = f"a number above {above:g}" + (f" and at most {high:g}" if high is not None else "")
    elif low is not None and high is not None:
        rule = f"a number between {low:g} and {high:g}"
    elif low is not None:
        rule = f"a number of at least {low:g}"
    else:
        rule = "a number" + (f" of at most {high:g}" if high is not None else "")

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if (not math.isfinite(value) or (low is not None and value < low) or (above is not None and value <= above)
                or (high is not None and value > high)):
            raise argparse.ArgumentTypeError(f"must be {rule} (you gave {text})")
        return value

    parse.__name__ = "number"
    return parse

