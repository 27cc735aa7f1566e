"""The headline figures of an evaluated set, one label per figure so that each term has its own tooltip
(engine/help/glossary.py): "balanced accuracy", "macro F1", "calibration error (ECE)", "ROC AUC"."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from engine.help.glossary import tip

SEPARATOR = "&nbsp;·&nbsp;"  # rich text drops plain spaces at a label's edges


class FigureLine(QWidget):
    """``set_parts([(text, glossary key or None), …])``; ``text()`` is the whole line as one string."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self.labels: list[QLabel] = []

    def set_parts(self, parts: Sequence[tuple[str, str | None]]) -> None:
        self.clear()
        for index, (text, key) in enumerate(parts):
            label = QLabel((SEPARATOR if index else "") + text)
            label.setTextFormat(Qt.TextFormat.RichText)
            if key is not None:
                label.setToolTip(tip(key))
            self._layout.addWidget(label)
            self.labels.append(label)
        self._layout.addStretch(1)

    def clear(self) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.labels = []

    def setText(self, text: str) -> None:  # noqa: N802 - the QLabel call the panel made before
        """Only ``""`` (clear), as the panel used the plain label it replaces."""
        self.set_parts([(text, None)] if text else [])

    def text(self) -> str:
        text = "".join(label.text() for label in self.labels)
        return text.replace("<b>", "").replace("</b>", "").replace("&nbsp;", " ")
