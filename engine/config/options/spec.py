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

from engine.core.i18n import tr, tr_later


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
    """One value of a closed set, with the words the window shows for it (``english``: the catalog's key,
    marked with ``tr_later`` where it is written; :attr:`label` is it in the current language)."""

    value: enum.Enum
    english: str

    @property
    def label(self) -> str:
        return tr(self.english)


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One setting of :class:`~engine.config.TrainConfig`.

    The texts are stored in English (the catalog's keys, marked with ``tr_later`` in table.py); the properties
    :attr:`label`, :attr:`help`, :attr:`subject`, :attr:`unit` and :attr:`special` give them in the current
    language.

    Attributes:
        path: where it lives in ``TrainConfig``: ``"optim.epochs"``, ``"seed"``, ``"augment.rotation"``.
        english_label: what the window calls it (for a check box: the box's text).
        english_help: the plain line under it in the window, and the command line's help: one or two sentences
            for someone who does not program, complete without the label, never naming a command-line option.
        english_subject: for numbers, how a refusal names it: "The number of epochs" (must be between ...).
        limits: for numbers, the allowed range (the one place it is written).
        english_unit: said after the range in a refusal: "epochs", "pixels", "of the images".
        percent: refusals show the range and the value as percentages (0.2 -> 20%).
        english_special: what the lowest value means ("none", "automatic"); the window shows it in place of
            the number.
        step, decimals: a spin box's step and shown precision (also what "just inside an open end" means).
        choices: for an enum setting, every value with its label, in the order the window lists them.
        cli: the ``train`` option (``--epochs``); empty when the command line has none.
        cli_metavar: the placeholder in the command line's usage, when not argparse's own.
        cli_off: the setting is on by default and the option turns it off (``--no-image-cache``).
        cli_unset: not given means "keep what the preset or the advisor chose" (the option's default is None).
    """

    path: str
    english_label: str
    english_help: str
    english_subject: str = ""
    limits: Limits | None = None
    english_unit: str = ""
    percent: bool = False
    english_special: str = ""
    step: float = 1
    decimals: int = 0
    choices: tuple[Choice, ...] = ()
    cli: str = ""
    cli_metavar: str | None = None
    cli_off: bool = False
    cli_unset: bool = False

    @property
    def label(self) -> str:
        return tr(self.english_label)

    @property
    def help(self) -> str:
        return tr(self.english_help)

    @property
    def subject(self) -> str:
        return tr(self.english_subject) if self.english_subject else ""

    @property
    def unit(self) -> str:
        return tr(self.english_unit) if self.english_unit else ""

    @property
    def special(self) -> str:
        return tr(self.english_special) if self.english_special else ""

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
            raise ValueError(f"{self.path} is not a number")  # not translated: a programming error
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
        low, high = self._ends()
        fields = {"subject": self.subject, "low": low, "high": high, "value": self.format(value)}
        return tr(_REFUSALS[(self.limits.low_open, self.limits.high_open)], **fields)

    def range_text(self) -> str:
        """The allowed range in words: "between 1 and 10000 epochs", "at least 0 and below 1"."""
        if self.limits is None:
            return ""
        low, high = self._ends()
        return tr(_RANGES[(self.limits.low_open, self.limits.high_open)], low=low, high=high)

    def _ends(self) -> tuple[str, str]:
        """The lowest and highest value as a refusal writes them: "0 (none)", "10000 epochs"."""
        lim = self.bounds
        low, high = self.format(lim.low), self.format(lim.high)
        if self.english_special:
            low = f"{low} ({self.special})"
        if self.english_unit:
            high = f"{high} {self.unit}"
        return low, high

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


#: The sentence refusing a number, by which ends of the range are open (``(low_open, high_open)``).
_REFUSALS = {
    (False, False): tr_later("{subject} must be between {low} and {high} (it is {value})."),
    (False, True): tr_later("{subject} must be at least {low} and below {high} (it is {value})."),
    (True, False): tr_later("{subject} must be above {low} and at most {high} (it is {value})."),
    (True, True): tr_later("{subject} must be above {low} and below {high} (it is {value})."),
}
#: The allowed range in words, by which ends are open.
_RANGES = {
    (False, False): tr_later("between {low} and {high}"),
    (False, True): tr_later("at least {low} and below {high}"),
    (True, False): tr_later("above {low} and at most {high}"),
    (True, True): tr_later("above {low} and below {high}"),
}
