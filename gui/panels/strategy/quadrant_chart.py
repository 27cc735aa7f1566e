"""The advisor's 2x2 chart: dataset size across, similarity to the pretraining data upwards, the four
situations with their strategies, the user's dataset as a dot and the recommended quadrant highlighted."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.core.i18n import tr, tr_later, trp
from engine.strategy.table import DECISION_TABLE, Advised, SimilarityClass, SizeClass

_QUADRANTS = {  # (column, row from the top) -> (size, similarity)
    (0, 0): (SizeClass.SMALL, SimilarityClass.SIMILAR),
    (1, 0): (SizeClass.LARGE, SimilarityClass.SIMILAR),
    (0, 1): (SizeClass.SMALL, SimilarityClass.DIFFERENT),
    (1, 1): (SizeClass.LARGE, SimilarityClass.DIFFERENT),
}
_SHORT = {
    Advised.HEAD: tr_later("3 · Train only the\nnew classifier"),
    Advised.PARTIAL: tr_later("2 · Freeze the lower layers,\ntrain the upper ones"),
    Advised.FULL: tr_later("1 · Train the\nwhole model"),
}
_TEXT_FLAGS = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
HIGHLIGHT = QColor("#d8ecff")
HIGHLIGHT_BORDER = QColor("#1f77b4")
DOT = QColor("#d62728")


def _inside(box: QRectF, area: QRectF) -> QRectF:
    """``box`` moved (not resized) into ``area``."""
    dx = max(area.left() - box.left(), 0.0) + min(area.right() - box.right(), 0.0)
    dy = max(area.top() - box.top(), 0.0) + min(area.bottom() - box.bottom(), 0.0)
    return box.translated(dx, dy)


class QuadrantChart(QWidget):
    """Call :meth:`set_position` with the dataset's place (0..1 on both axes) and the recommended cell."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.size_x: float | None = None
        self.similarity_y: float | None = None
        self.recommended: tuple[SizeClass, SimilarityClass] | None = None
        self.setMinimumSize(300, 230)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(420, 300)

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

    def _cells(self) -> list[tuple[QRectF, tuple[SizeClass, SimilarityClass]]]:
        area = self.plot_rect()
        cell_w, cell_h = area.width() / 2, area.height() / 2
        return [(QRectF(area.left() + col * cell_w, area.top() + row * cell_h, cell_w, cell_h), key)
                for (col, row), key in _QUADRANTS.items()]

    def text_rects(self) -> list[QRectF]:
        """Where the four strategies' names are drawn."""
        metrics = QFontMetricsF(self._text_font())
        return [metrics.boundingRect(cell.adjusted(8, 8, -8, -8), int(_TEXT_FLAGS), tr(_SHORT[DECISION_TABLE[key]]))
                for cell, key in self._cells()]

    def dot_centre(self) -> QPointF | None:
        if self.size_x is None or self.similarity_y is None:
            return None
        area = self.plot_rect()
        return QPointF(area.left() + min(1.0, max(0.0, self.size_x)) * area.width(),
                       area.bottom() - min(1.0, max(0.0, self.similarity_y)) * area.height())

    def label_box(self) -> QRectF | None:
        """Where "your data" goes: beside the dot, on the first side where it covers no strategy's name and
        stays inside the chart (it used to cover the name above it)."""
        centre = self.dot_centre()
        if centre is None:
            return None
        width = QFontMetricsF(self._text_font()).horizontalAdvance(tr("your data")) + 14
        x, y, area, names = centre.x(), centre.y(), self.plot_rect(), self.text_rects()
        candidates = [_inside(QRectF(left, top, width, 20), area) for left, top in (
            (x + 12, y - 10), (x - 12 - width, y - 10), (x - width / 2, y + 12), (x - width / 2, y - 32),
            (x + 12, y + 12), (x + 12, y - 32), (x - 12 - width, y + 12), (x - 12 - width, y - 32),
            (x - width / 2, y + 44), (x + 12, y + 44), (x - width / 2, y - 54), (x + 12, y + 64))]
        return next((box for box in candidates if not any(box.intersects(name) for name in names)), candidates[0])

    def _text_font(self) -> QFont:
        text_font = QFont(self.font())
        text_font.setPointSizeF(max(8.0, self.font().pointSizeF()))
        return text_font

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = self.plot_rect()
        painter.setFont(self._text_font())
        for cell, key in self._cells():
            chosen = key == self.recommended
            painter.setPen(QPen(HIGHLIGHT_BORDER if chosen else QColor("#b0b0b0"), 3 if chosen else 1))
            painter.setBrush(HIGHLIGHT if chosen else QColor("#fafafa"))
            painter.drawRect(cell.adjusted(2, 2, -2, -2))
            painter.setPen(QColor("#1a1a1a") if chosen else QColor("#555555"))
            # Only the strategy, at the top: the axes say which situation each cell is, and the middle of
            # the cell stays free for the dot.
            painter.drawText(cell.adjusted(8, 8, -8, -8), _TEXT_FLAGS, tr(_SHORT[DECISION_TABLE[key]]))
        self._draw_axes(painter, area)
        centre, box = self.dot_centre(), self.label_box()
        if centre is not None and box is not None:
            painter.setPen(QPen(QColor("white"), 2))
            painter.setBrush(DOT)
            painter.drawEllipse(centre, 8, 8)
            painter.setPen(QPen(DOT, 1))
            painter.setBrush(QColor(255, 255, 255, 235))
            painter.drawRoundedRect(box, 4, 4)  # readable over the quadrant's text
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, tr("your data"))
        painter.end()

    def _draw_axes(self, painter: QPainter, area: QRectF) -> None:
        painter.setPen(QColor("#333333"))
        below = QRectF(area.left(), area.bottom() + 6, area.width(), 24)
        painter.drawText(below, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         trp("strategy chart", "small"))
        painter.drawText(below, Qt.AlignmentFlag.AlignCenter, tr("dataset size →"))
        painter.drawText(below, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         trp("strategy chart", "large"))
        painter.save()
        painter.translate(area.left() - 10, area.bottom())
        painter.rotate(-90)
        side = QRectF(0, -18, area.height(), 20)
        painter.drawText(side, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         trp("strategy chart", "different"))
        painter.drawText(side, Qt.AlignmentFlag.AlignCenter, trp("strategy chart", "similarity →"))
        painter.drawText(side, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         trp("strategy chart", "similar"))
        painter.restore()
