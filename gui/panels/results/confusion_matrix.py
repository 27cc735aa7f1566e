"""The confusion matrix as a clickable grid: counts or row shares, shaded by the share of the true class.

Clicking a cell emits ``cell_clicked(true_index, predicted_index)``; the results panel opens a gallery of
those images.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.core.i18n import tr
from engine.evaluation.metrics import row_normalised

# White -> strong blue; the text turns white on dark cells.
_LOW = np.array([247, 251, 255])
_HIGH = np.array([8, 81, 156])


def cell_colour(share: float) -> QColor:
    r, g, b = (_LOW + (_HIGH - _LOW) * float(np.clip(share, 0, 1))).astype(int)
    return QColor(int(r), int(g), int(b))


class ConfusionMatrixView(QWidget):
    cell_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.class_names: tuple[str, ...] = ()
        self.normalised = QCheckBox(tr("Show shares of each true class"))
        self.normalised.setToolTip(tr("Each row adds up to 100%: how the images of one class were answered."))
        self.normalised.toggled.connect(self._fill)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.cellClicked.connect(self.cell_clicked)
        hint = QLabel(tr("Rows: the true class · columns: what the model answered. Click a cell to see its images."))
        hint.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(hint, 1)
        top.addWidget(self.normalised)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def set_matrix(self, counts: Sequence[Sequence[int]] | np.ndarray, class_names: Sequence[str]) -> None:
        self.counts = np.asarray(counts, dtype=np.int64)
        self.class_names = tuple(class_names)
        n = len(self.class_names)
        self.table.setRowCount(n)
        self.table.setColumnCount(n)
        self.table.setHorizontalHeaderLabels([f"→ {c}" for c in self.class_names])
        self.table.setVerticalHeaderLabels(list(self.class_names))
        self._fill()

    def cell_text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def _fill(self, _normalised: bool | None = None) -> None:
        shares = row_normalised(self.counts) if self.counts.size else self.counts.astype(float)
        totals = self.counts.sum(axis=1) if self.counts.size else []
        for i in range(len(self.class_names)):
            for j in range(len(self.class_names)):
                count, share = int(self.counts[i, j]), float(shares[i, j])
                text = f"{share:.0%}" if self.normalised.isChecked() else str(count)
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setBackground(QBrush(cell_colour(share)))
                item.setForeground(QBrush(QColor("white" if share > 0.55 else "#222222")))
                font = item.font()
                font.setBold(i == j)
                item.setFont(font)
                item.setToolTip(tr("{count} of {total} images of {true} were answered {answer} ({share:.0%}). "
                                   "Click to see them.", count=count, total=int(totals[i]),
                                   true=self.class_names[i], answer=self.class_names[j], share=share))
                self.table.setItem(i, j, item)
