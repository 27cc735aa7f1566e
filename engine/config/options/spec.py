"""What one user-facing setting is, written once: where it lives, its names, its plain line and its range.

An :class:`OptionSpec` is read by three places that used to keep their own copies: the config's validation
(``__post_init__`` asks :meth:`OptionSpec.problem`), the command line (engine/cli/option_args.py builds the
``train`` options from it) and the window (gui/widgets/option_widgets.py builds the rows). Defaults are not
here: they are the dataclasses' field defaults (engine/config/option_fields.py reads them).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """The allowed numbers: from ``low`` to ``high``; an open end is itself not allowed.

    Example:
        >>> Limits(0, 1, high_open=True).contains(1), Limits(0, 1).contains(float("nan"))
        (False, False)
    """

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: float) -> bool:
        # NaN compares false with every limit and infinity is no setting: neither is ever allowed.
        if isinstance(value, float) and not math.isfinite(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below


@dataclass(frozen=True, slots=True)
class Choice:
    """One value of a closed set, with the words the window shows for it."""

    value: enum.Enum
    label: str


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One setting of :class:`~engine.config.TrainConfig`.

    Attributes:
        path: where it lives in ``TrainConfig``: ``"optim.epochs"``, ``"seed"``, ``"augment.rotation"``.
        label: what the window calls it (for a check box: the box's text).
        help: the plain line under it in the window, and the command line's help: one or two sentences for
            someone who does not program, complete without the label, never naming a command-line option.
        subject: for numbers, how a refusal names it: "The number of epochs" (must be between ...).
        limits: for numbers, the allowed range (the one place it is written).
        unit: said after the range in a refusal: "epochs", "pixels", "of the images".
        percent: refusals show the range and the value as percentages (0.2 -> 20%).
        special: what the lowest value means ("none", "automatic"); the window shows it in place of the number.
        step, decimals: a spin box's step and shown precision (also what "just inside an open end" means).
        choices: for an enum setting, every value with its label, in the order the window lists them.
        cli: the ``train`` option (``--epochs``); empty when the command line has none.
        cli_metavar: the placeholder in the command line's usage, when not argparse's own.
        cli_off: the setting is on by default and the option turns it off (``--no-image-cache``).
        cli_unset: not given means "keep what the preset or the advisor chose" (the option's default is None).
    """

    path: str
    label: str
    help: str
    subject: str = ""
    limits: Limits | None = None
    unit: str = ""
    percent: bool = False
    special: str = ""
    step: float = 1
    decimals: int = 0
    choices: tuple[Choice, ...] = ()
    cli: str = ""
    cli_metavar: str | None = None
    cli_off: bool = False
    cli_unset: bool = False

    @property
    def section(self) -> str:
        """The part of ``TrainConfig`` it belongs to (``"optim"``), ``""`` for a top-level setting."""
        return self.path.rpartition(".")[0]

    @property
    def name(self) -> str:
        """The field name inside its section (``"epochs"``)."""
        return self.path.rpartition(".")[2]

    @property
    def bounds(self) -> Limits:
        """:attr:`limits` of a number setting (``ValueError`` for one that is not a number)."""
        if self.limits is None:
            raise ValueError(f"{self.path} is not a number")
        return self.limits

    @property
    def tick(self) -> float:
        """The smallest change the window can make: one unit of the last shown decimal."""
        return 10.0 ** -self.decimals if self.decimals else 1

    def problem(self, value: float) -> str:
        """``""`` when ``value`` is allowed, else the sentence that refuses it.

        Example:
            >>> from engine.config.options import option
            >>> option("optim.epochs").problem(0)
            'The number of epochs must be between 1 and 10000 (it is 0).'
        """
        if self.limits is None or self.limits.contains(value):
            return ""
        return f"{self.subject} must be {self.range_text()} (it is {self.format(value)})."

    def range_text(self) -> str:
        """The allowed range in words: "between 1 and 10000 epochs", "at least 0 and below 1"."""
        if self.limits is None:
            return ""
        lim = self.limits
        low = self.format(lim.low) + (f" ({self.special})" if self.special else "")
        high = self.format(lim.high) + (f" {self.unit}" if self.unit else "")
        words = {(False, False): ("between", "and"), (False, True): ("at least", "and below"),
                 (True, False): ("above", "and at most"), (True, True): ("above", "and below")}
        first, second = words[(lim.low_open, lim.high_open)]
        return f"{first} {low} {second} {high}"

    def format(self, value: float) -> str:
        if self.percent:
            return f"{value:.0%}"
        return f"{value:g}" if isinstance(value, float) else str(value)

    def widget_range(self) -> tuple[float, float]:
        """The lowest and highest value a spin box may hold: an open end moves inwards by one :attr:`tick`.

        Example:
            >>> from engine.config.options import option
            >>> option("optim.momentum").widget_range()
            (0, 0.999)
        """
        lim = self.bounds
        low = self._moved(lim.low, self.tick) if lim.low_open else lim.low
        high = self._moved(lim.high, -self.tick) if lim.high_open else lim.high
        return low, high

    def _moved(self, end: float, by: float) -> float:
        # Rounded to the shown precision: 1 - 0.001 must be 0.999, not 0.9989999999999999.
        return round(end + by, self.decimals) if self.decimals else end + by
