"""The advisor's 2x2 chart: dataset size across, similarity to the pretraining data upwards, the four
situations with their strategies, the user's dataset as a dot and the recommended quadrant highlighted."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.strategy.table import DECISION_TABLE, Advised, SimilarityClass, SizeClass

_QUADRANTS = {  # (column, row from the top) -> (size, similarity)
    (0, 0): (SizeClass.SMALL, SimilarityClass.SIMILAR),
    (1, 0): (SizeClass.LARGE, SimilarityClass.SIMILAR),
    (0, 1): (SizeClass.SMALL, SimilarityClass.DIFFERENT),
    (1, 1): (SizeClass.LARGE, SimilarityClass.DIFFERENT),
}
_SHORT = {
    Advised.HEAD: "3 · Train only the\nnew classifier",
    Advised.PARTIAL: "2 · Freeze the lower layers,\ntrain the upper ones",
    Advised.FULL: "1 · Train the\nwhole model",
}
HIGHLIGHT = QColor("#d8ecff")
HIGHLIGHT_BORDER = QColor("#1f77b4")
DOT = QColor("#d62728")


class QuadrantChart(QWidget):
    """Call :meth:`set_position` with the dataset's place (0..1 on both axes) and the recommended cell."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.size_x: float | None = None
        self.similarity_y: float | None = None
        self.recommended: tuple[SizeClass, SimilarityClass] | None = None
        self.setMinimumSize(360, 300)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(440, 360)

    def set_position(self, size_x: float | None, similarity_y: float | None,
                     recommended: tuple[SizeClass, SimilarityClass] | None) -> None:
        self.size_x, self.similarity_y, self.recommended = size_x, similarity_y, recommended
        self.update()

    def clear(self) -> None:
        self.set_position(None, None, None)

    def plot_rect(self) -> QRectF:
        margin_left, margin_bottom, margin = 34.0, 34.0, 8.0
        return QRectF(margin_left, margin, self.width() - margin_left - margin,
                      self.height() - margin - margin_bottom)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        area = self.plot_rect()
        cell_w, cell_h = area.width() / 2, area.height() / 2
        text_font = QFont(self.font())
        text_font.setPointSizeF(max(8.0, self.font().pointSizeF()))
        painter.setFont(text_font)
        for (col, row), key in _QUADRANTS.items():
            cell = QRectF(area.left() + col * cell_w, area.top() + row * cell_h, cell_w, cell_h)
            chosen = key == self.recommended
            painter.setPen(QPen(HIGHLIGHT_BORDER if chosen else QColor("#b0b0b0"), 3 if chosen else 1))
            painter.setBrush(HIGHLIGHT if chosen else QColor("#fafafa"))
            painter.drawRect(cell.adjusted(2, 2, -2, -2))
            painter.setPen(QColor("#1a1a1a") if chosen else QColor("#555555"))
            # Only the strategy, at the top: the axes say which situation each cell is, and the middle of
            # the cell stays free for the dot.
            painter.drawText(cell.adjusted(8, 8, -8, -8), Qt.AlignHCenter | Qt.AlignTop | Qt.TextWordWrap,
                             _SHORT[DECISION_TABLE[key]])
        self._draw_axes(painter, area)
        if self.size_x is not None and self.similarity_y is not None:
            x = area.left() + min(1.0, max(0.0, self.size_x)) * area.width()
            y = area.bottom() - min(1.0, max(0.0, self.similarity_y)) * area.height()
            painter.setPen(QPen(QColor("white"), 2))
            painter.setBrush(DOT)
            painter.drawEllipse(QPointF(x, y), 8, 8)
            label_left = x + 12 if x < area.center().x() else x - 12 - 76
            box = QRectF(label_left, y - 10, 76, 20)
            painter.setPen(QPen(DOT, 1))
            painter.setBrush(QColor(255, 255, 255, 235))
            painter.drawRoundedRect(box, 4, 4)  # readable over the quadrant's text
            painter.drawText(box, Qt.AlignCenter, "your data")
        painter.end()

    def _draw_axes(self, painter: QPainter, area: QRectF) -> None:
        painter.setPen(QColor("#333333"))
        below = QRectF(area.left(), area.bottom() + 6, area.width(), 24)
        painter.drawText(below, Qt.AlignLeft | Qt.AlignVCenter, "small")
        painter.drawText(below, Qt.AlignCenter, "dataset size →")
        painter.drawText(below, Qt.AlignRight | Qt.AlignVCenter, "large")
        painter.save()
        painter.translate(area.left() - 10, area.bottom())
        painter.rotate(-90)
        side = QRectF(0, -18, area.height(), 20)
        painter.drawText(side, Qt.AlignLeft | Qt.AlignVCenter, "different")
        painter.drawText(side, Qt.AlignCenter, "similarity →")
        painter.drawText(side, Qt.AlignRight | Qt.AlignVCenter, "similar")
        painter.restore()
