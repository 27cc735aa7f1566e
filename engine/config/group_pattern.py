"""Checking the grouping pattern of a split (``DataConfig.group_pattern``): a setting's own rule, so it lives
with the config; engine/data/grouping.py applies the pattern."""

from __future__ import annotations

import re

from engine.core.i18n import tr


def check_group_pattern(pattern: str) -> str:
    """``""`` when ``pattern`` is a usable regular expression, else a sentence saying what is wrong.

    Example:
        >>> check_group_pattern(r"^(P\\d+)_")
        ''
    """
    try:
        re.compile(pattern)
    except re.error as exc:
        return tr("The grouping pattern is not a valid pattern ({error}). Example: ^(P\\d+)_ groups "
                  "P001_scan1.png and P001_scan2.png together.", error=exc)
    return ""
