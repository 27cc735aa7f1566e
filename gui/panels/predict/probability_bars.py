"""Top-k classes of one prediction as labelled probability bars."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

MAX_BARS = 5


class ProbabilityBars(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(1, 1)
        self.names: list[QLabel] = []
        self.bars: list[QProgressBar] = []
        for row in range(MAX_BARS):
            name = QLabel("")
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setTextVisible(True)
            grid.addWidget(name, row, 0)
            grid.addWidget(bar, row, 1)
            self.names.append(name)
            self.bars.append(bar)
        self.set_top(())

    def set_top(self, top: tuple[tuple[str, float], ...] | list[tuple[str, float]]) -> None:
        """``top``: (class, probability) pairs, most likely first; at most :data:`MAX_BARS` are shown."""
        for row, (name, bar) in enumerate(zip(self.names, self.bars)):
            visible = row < len(top)
            name.setVisible(visible)
            bar.setVisible(visible)
            if visible:
                cls, p = top[row]
                name.setText(cls)
                bar.setValue(int(round(p * 1000)))
                bar.setFormat(f"{p:.1%}")

    def shown(self) -> list[tuple[str, str]]:
        """(class, percentage text) of the visible bars, top first (what the user reads)."""
        return [(n.text(), b.format()) for n, b in zip(self.names, self.bars) if not b.isHidden()]
