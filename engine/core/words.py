"""Counted nouns read correctly: "1 epoch", "2 epochs", "1 class", "3 classes" (the one helper for it).

Every sentence in the window and on the command line that says how many of something goes through
:func:`plural`, so no screen says "1 epochs" or hedges with "file(s)".
"""

from __future__ import annotations

#: Nouns whose plural is not simply "+s".
_IRREGULAR = {"class": "classes", "batch": "batches", "was": "were", "this": "these", "copy": "copies"}


def plural(count: int | float, noun: str, many: str | None = None, *, thousands: bool = True) -> str:
    """``count`` and ``noun`` in the singular for exactly one, in the plural otherwise.

    Args:
        count: how many (a float counts as one only when it is exactly 1).
        noun: the singular ("epoch", "image").
        many: the plural when it is not ``noun + "s"`` nor in the table of irregular nouns.
        thousands: write the number with a thousands separator (``1,200 images``).

    Example:
        >>> plural(1, "epoch"), plural(2, "epoch"), plural(0, "class"), plural(1_200, "image")
        ('1 epoch', '2 epochs', '0 classes', '1,200 images')
        >>> plural(3, "person", "people")
        '3 people'
    """
    number = f"{count:,}" if thousands else f"{count}"
    return f"{number} {plural_noun(count, noun, many)}"


def plural_noun(count: int | float, noun: str, many: str | None = None) -> str:
    """Only the noun, in the form ``count`` needs.

    Example:
        >>> plural_noun(1, "class"), plural_noun(4, "class"), plural_noun(2, "epoch")
        ('class', 'classes', 'epochs')
    """
    if count == 1:
        return noun
    return many or _IRREGULAR.get(noun, noun + "s")
