"""Small HTML builders for the report: every text goes through :func:`esc`, so a class or file name can never
become markup.

Example:
    >>> table(["class", "images"], [["<b>", 3]]).split("<tbody>")[1]
    '<tr><td>&lt;b&gt;</td><td class="n">3</td></tr></tbody></table>'
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from engine.core.i18n import tr, tr_later
from engine.core.names import readable

MISSING_FIGURE = tr_later("This figure is missing from the run folder.")
#: The evaluated sets' titles, by the set's name in the run folder (engine/evaluation/evaluate.py RUN_SETS).
SET_TITLES = {"validation": tr_later("Validation set"), "test": tr_later("Test set")}


class NamedSet(Protocol):
    """An evaluated set (engine/evaluation/evaluate.py SetEvaluation): its folder name and its title."""

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...


def set_title(result: NamedSet) -> str:
    """The set's title in the user's language ("Validation set"; another folder keeps its recorded title)."""
    known = SET_TITLES.get(result.name)
    return tr(known) if known is not None else result.title


def esc(value: Any) -> str:
    """Text made safe for HTML (file names that are not valid UTF-8 shown readably, as everywhere)."""
    return html.escape(readable(str(value)), quote=True)


def pct(value: float | None, digits: int = 1) -> str:
    """``0.934`` -> ``93.4%``; ``—`` when undefined.

    Example:
        >>> pct(0.934), pct(None)
        ('93.4%', '—')
    """
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def num(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        word = tr("yes") if value else tr("no")
        return f"<td>{word}</td>"
    if isinstance(value, (int, float)):
        return f'<td class="n">{esc(value)}</td>'
    return f"<td>{esc(value)}</td>"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, css: str = "") -> str:
    """A table; numbers are right-aligned."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    attr = f' class="{css}"' if css else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def facts_list(pairs: Iterable[tuple[str, Any]]) -> str:
    """A two-column "what: value" table."""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in pairs)
    return f'<table class="facts"><tbody>{rows}</tbody></table>'


def para(text: str) -> str:
    return f"<p>{esc(text)}</p>"


def items(lines: Iterable[str]) -> str:
    shown = [f"<li>{esc(line)}</li>" for line in lines]
    return f"<ul>{''.join(shown)}</ul>" if shown else ""


def figure(uri: str | None, caption: str, *, width: int = 480,
           missing: str = MISSING_FIGURE) -> str:
    """A picture with its caption under it. ``width`` in pixels: both a browser and Qt's rich text (which
    prints the PDF, and knows no ``max-width``) scale the picture to it, keeping its proportions."""
    if uri is None:
        return f'<p class="note">{esc(tr(missing))}</p>'
    return (f'<p class="figure"><img src="{uri}" width="{width}" alt="{esc(caption)}"><br>'
            f'<span class="caption">{esc(caption)}</span></p>')


def grid(cells: Sequence[str], columns: int) -> str:
    """Cells in rows of ``columns`` (a table: Qt's rich text has no inline blocks or flex boxes)."""
    rows = ["".join(f"<td>{cell}</td>" for cell in cells[i:i + columns]) for i in range(0, len(cells), columns)]
    return f'<table class="grid"><tbody>{"".join(f"<tr>{r}</tr>" for r in rows)}</tbody></table>'


def section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{esc(title)}</h2>{body}</section>'


def warning(text: str) -> str:
    return f'<p class="warning">{esc(text)}</p>'
