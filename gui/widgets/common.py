"""Small reusable widgets."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QWidget

from engine.help.surface import window_text

T = TypeVar("T")


def weak_method(method: Callable[[], T], gone: Callable[[], T]) -> Callable[[], T]:
    """``method`` (bound) called through a weak reference, or ``gone()`` once its object is deleted.

    A widget handed its owner's bound method would hold the owner, and the owner holds the widget: a
    reference cycle through Qt objects, which only the garbage collector can free (gui/gui_thread_gc.py).
    """
    ref = weakref.WeakMethod(method)

    def call() -> T:
        bound = ref()
        return gone() if bound is None else bound()

    return call


# not translated: style sheets
_STYLES = {
    "error": "background:#fdecea; color:#8a1c12; border:1px solid #f5c2bd;",
    "warning": "background:#fff4e5; color:#7a4b00; border:1px solid #ffd8a8;",
    "ok": "background:#eaf6ec; color:#1e5e2b; border:1px solid #b7dfbf;",
    "info": "background:#eef4fb; color:#1d3f66; border:1px solid #c4d8ef;",
}


class MessageLabel(QLabel):
    """A coloured, word-wrapped sentence for the user; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setVisible(False)
        self.kind = ""

    def _show(self, kind: str, text: str) -> None:
        self.kind = kind
        self.setText(window_text(text))  # the engine's sentences may name the command-line way too
        self.setStyleSheet(f"QLabel {{ {_STYLES[kind]} border-radius:4px; padding:6px; }}")  # not translated: style
        self.setVisible(bool(text))

    def show_error(self, text: str) -> None:
        self._show("error", text)

    def show_warning(self, text: str) -> None:
        self._show("warning", text)

    def show_ok(self, text: str) -> None:
        self._show("ok", text)

    def show_info(self, text: str) -> None:
        self._show("info", text)

    def clear_message(self) -> None:
        self.kind = ""
        self.setText("")
        self.setVisible(False)


def read_only_table(columns: Sequence[str], *, select_rows: bool = True) -> QTableWidget:
    """The app's list table: fixed headers, columns fitted to their contents but the first, which takes the
    rest of the width; no row numbers, no editing; with ``select_rows`` one whole row at a time is chosen."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    if select_rows:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    return table
