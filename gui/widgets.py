"""Small reusable widgets."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

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
        self.setText(text)
        self.setStyleSheet(f"QLabel {{ {_STYLES[kind]} border-radius:4px; padding:6px; }}")
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
