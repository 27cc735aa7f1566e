"""``train``'s options built from the option table (engine/config/options): each one's flag, type, choices and
help are the table's, its default the dataclass's, so the command line cannot drift from the window.

A check box that is on by default becomes a ``--no-...`` option that turns it off; an option whose "not given"
means "keep what the preset or the advisor chose" defaults to ``None``. Ranges are not checked here: the config
refuses an out-of-range number with the same sentence the window would show (exit code 2).

Example:
    >>> parser = argparse.ArgumentParser()
    >>> add_options(parser, ["optim.epochs", "image_cache"])
    >>> values = option_values(parser.parse_args(["--epochs", "3", "--no-image-cache"]))
    >>> values["optim.epochs"], values["image_cache"]
    (3, False)
"""

from __future__ import annotations

import argparse
import enum
from collections.abc import Iterable
from typing import Any

from engine.config import OPTIONS, OptionSpec, option, option_default, option_type
from engine.core.i18n import tr, tr_later

#: Said after the help of a ``--no-...`` option, whose help describes the setting it turns off.
OFF_NOTE = tr_later("(On by default; this option turns it off.)")


def cli_help(spec: OptionSpec) -> str:
    """The command line's help for ``spec``: the table's plain line (and, for a ``--no-...`` option, that note)."""
    return f"{tr(spec.help)} {tr(OFF_NOTE)}" if spec.cli_off else tr(spec.help)


def dest(spec: OptionSpec) -> str:
    """The attribute argparse stores the option in (``--batch-size`` -> ``batch_size``)."""
    return spec.cli.lstrip("-").replace("-", "_")


def add_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, paths: Iterable[str]) -> None:
    """Add the options of the settings at ``paths`` to ``parser`` (or one of its groups), in that order."""
    for path in paths:
        add_option(parser, option(path))


def add_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup, spec: OptionSpec) -> None:
    kind, default = option_type(spec.path), option_default(spec.path)
    extra: dict[str, Any] = {"metavar": spec.cli_metavar} if spec.cli_metavar else {}
    if kind is bool:
        if spec.cli_unset:
            parser.add_argument(spec.cli, action=argparse.BooleanOptionalAction, default=None, help=cli_help(spec))
            return
        if default is not spec.cli_off:  # "--nesterov" turns on what is off; "--no-image-cache" the reverse
            # not translated: a mistake in the option table, for its programmer
            raise ValueError(f"{spec.cli} does not fit the default of {spec.path} ({default})")
        parser.add_argument(spec.cli, action="store_true", help=cli_help(spec))
    elif issubclass(kind, enum.Enum):
        parser.add_argument(spec.cli, default=default.value, choices=[c.value.value for c in spec.choices],
                            help=cli_help(spec), **extra)
    else:
        parser.add_argument(spec.cli, type=kind, default=None if spec.cli_unset else default, help=cli_help(spec),
                            **extra)


def option_values(args: argparse.Namespace) -> dict[str, Any]:
    """``{path: value}`` for every table option ``args`` holds, as config values (enums, the ``--no-`` ones
    turned round); a "keep what was chosen" option that was not given is left out."""
    values: dict[str, Any] = {}
    for spec in OPTIONS:
        if not spec.cli or not hasattr(args, dest(spec)):
            continue
        raw = getattr(args, dest(spec))
        if raw is None and spec.cli_unset:
            continue
        kind = option_type(spec.path)
        if spec.cli_off:
            values[spec.path] = not raw
        elif issubclass(kind, enum.Enum):
            values[spec.path] = kind(raw)
        else:
            values[spec.path] = raw
    return values
