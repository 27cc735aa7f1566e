"""Every CSV table the app writes goes through here (the data report, predictions, evaluation tables, metrics).

People open these files in spreadsheet programs, which run a cell starting with ``=``, ``+``, ``-`` or ``@`` as a
formula: a class folder named ``=HYPERLINK("http://…")`` would become a live link (CSV injection). So every
text cell that could start a formula gets a leading apostrophe, the usual guard. Names that are not valid
UTF-8 are written readably (:func:`engine.core.names.readable`), whole files atomically.

The guard is undone exactly by :func:`unescape_cell` (the app reads its own evaluation tables back): a cell
is escaped when, after any apostrophes it already starts with, it starts a formula.

Example:
    >>> safe_cell('=HYPERLINK("http://x")'), safe_cell("-2+3"), safe_cell("-0.5"), safe_cell("daisy")
    ('\\'=HYPERLINK("http://x")', "'-2+3", '-0.5', 'daisy')
    >>> unescape_cell(safe_cell("'=1")) == "'=1"
    True
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from engine.core.atomic import write_output_file
from engine.core.names import readable

#: Cells starting with one of these run as formulas in Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?")


def _starts_formula(text: str) -> bool:
    # A plain number ("-0.5") is not a formula; keeping it unquoted keeps number columns numeric.
    return text.lstrip("'").startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def safe_cell(value: Cell) -> Cell:
    """A text cell that a spreadsheet will show as text; numbers and empty cells are kept as they are."""
    if not isinstance(value, str):
        return value
    text = readable(value)
    return "'" + text if _starts_formula(text) else text


def unescape_cell(text: str) -> str:
    """The cell as it was before :func:`safe_cell` (for names that needed no ``readable`` change)."""
    return text[1:] if text.startswith("'") and _starts_formula(text) else text


def safe_row(cells: Iterable[Cell]) -> list[Cell]:
    return [safe_cell(c) for c in cells]


class SafeWriter:
    """``csv.writer`` whose rows pass through :func:`safe_row` (for tables appended row by row)."""

    def __init__(self, handle: _Writable) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, cells: Iterable[Cell]) -> None:
        self._writer.writerow(safe_row(cells))


def csv_text(rows: Iterable[Iterable[Cell]]) -> str:
    """The table as CSV text, every row made safe."""
    out = io.StringIO()
    writer = SafeWriter(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def write_csv(path: str | Path, rows: Iterable[Iterable[Cell]], *, byte_order_mark: bool = False) -> Path:
    """Write a safe table to ``path`` atomically; ``byte_order_mark`` helps spreadsheets show accents.

    Raises:
        OutputError: the place cannot be written (one sentence naming it).
    """
    encoding = "utf-8-sig" if byte_order_mark else "utf-8"
    return write_output_file(path, csv_text(rows).encode(encoding), suffix=".csv")


def read_csv_dicts(path: Path) -> list[dict[str, str]]:
    """Rows of a table written by :func:`write_csv`, header and cells with the formula guard undone."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return []
    header = [unescape_cell(h) for h in rows[0]]
    return [dict(zip(header, (unescape_cell(c) for c in row))) for row in rows[1:]]

