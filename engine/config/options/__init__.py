"""The option table: each user-facing setting's path, names, plain line and range, written once.

``option("optim.epochs")`` gives its :class:`OptionSpec`; the config validates with it, the command line and
the window are built from it. The settings' defaults are the dataclasses' own (engine/config/option_fields.py).
"""

from engine.config.options.spec import Choice, Limits, OptionSpec
from engine.config.options.table import MAX_SEED, OPTIONS, option, options_in

__all__ = ["Choice", "Limits", "MAX_SEED", "OPTIONS", "OptionSpec", "option", "options_in"]
