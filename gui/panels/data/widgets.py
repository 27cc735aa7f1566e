"""Widgets of the data panel: class bar chart, file-outcome table (the thumbnail grid: gui/panels/data/thumbnails.py).

They only show a :class:`~engine.data.report.DatasetReport`; they never read files themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from engine.core.i18n import tr, tr_later, trn
from engine.data.reasons import reason_label
from engine.data.report import DatasetReport, FileOutcome, Outcome

_BAR = QColor("#4a7ab8")
_SMALL = QColor("#d08a1e")  # the class the imbalance call-out names
_BLOCKED = QColor("#c0392b")  # no usable image, or only one
_ROW = 26
_NO_PARENT = QModelIndex()  # the list/table root: rows have no children


class ClassBarChart(QWidget):
    """Horizontal bars, one per class, with the count at the end. Click a bar: ``class_clicked(name)``."""

    class_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._counts: list[tuple[str, int]] = []
        self._small = ""
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(tr("Images per class"))

    def set_counts(self, counts: dict[str, int], *, highlight_small: bool = False) -> None:
        self._counts = list(counts.items())
        nonzero = [(n, c) for n, c in self._counts if c > 0]
        self._small = min(nonzero, key=lambda nc: nc[1])[0] if highlight_small and nonzero else ""
        self.setMinimumHeight(max(1, len(self._counts)) * _ROW + 8)
        self.setToolTip("")
        self.updateGeometry()
        self.update()

    def bars(self) -> list[tuple[str, int]]:
        """What the chart shows, in order (for tests and accessibility)."""
        return list(self._counts)

    def sizeHint(self) -> QSize:
        return QSize(320, max(1, len(self._counts)) * _ROW + 8)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        name_w = min(max((metrics.horizontalAdvance(n) for n, _ in self._counts), default=40) + 12,
                     self.width() // 3)
        count_w = metrics.horizontalAdvance("000000") + 8
        top = max((c for _, c in self._counts), default=1) or 1
        bar_space = max(10, self.width() - name_w - count_w - 8)
        for row, (name, count) in enumerate(self._counts):
            y = 4 + row * _ROW
            label = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, name_w - 8)
            painter.setPen(self.palette().text().color())
            painter.drawText(QRect(0, y, name_w - 8, _ROW - 4),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            width = max(2, int(bar_space * count / top)) if count else 0
            colour = _BLOCKED if count < 2 else _SMALL if name == self._small else _BAR
            painter.fillRect(QRect(name_w, y + 3, width, _ROW - 10), colour)
            painter.drawText(QRect(name_w + width + 6, y, count_w, _ROW - 4),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             f"{count:,}")
        painter.end()

    def _row_at(self, y: int) -> int:
        row = (y - 4) // _ROW
        return row if 0 <= row < len(self._counts) else -1

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        row = self._row_at(int(event.position().y()))
        if row >= 0:
            name, count = self._counts[row]
            total = sum(c for _, c in self._counts) or 1
            QToolTip.showText(event.globalPosition().toPoint(),
                              trn("{name}: {n:,} image ({share:.0f}%). Click to see them.",
                                  "{name}: {n:,} images ({share:.0f}%). Click to see them.", count,
                                  name=name, share=100 * count / total), self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        row = self._row_at(int(event.position().y()))
        if row >= 0:
            self.class_clicked.emit(self._counts[row][0])


def _worth_a_look(row: FileOutcome) -> bool:
    """Skipped or converted, or used with a note (a very small image, a name that says another format)."""
    if row.outcome is Outcome.ACCEPTED:
        return row.reason not in ("", "ok")
    return row.outcome in (Outcome.SKIPPED, Outcome.CONVERTED)


_FILTERS: list[tuple[str, Callable[[FileOutcome], bool]]] = [
    (tr_later("Skipped, converted or noted"), _worth_a_look),
    (tr_later("Skipped"), lambda row: row.outcome is Outcome.SKIPPED),
    (tr_later("Converted"), lambda row: row.outcome is Outcome.CONVERTED),
    (tr_later("Ignored (system files)"), lambda row: row.outcome is Outcome.IGNORED),
    (tr_later("All files"), lambda row: True),
]
#: The outcome as the table shows it (the English word is the outcome's own value).
_OUTCOME_WORDS = {Outcome.ACCEPTED: tr_later("accepted"), Outcome.CONVERTED: tr_later("converted"),
                  Outcome.SKIPPED: tr_later("skipped"), Outcome.IGNORED: tr_later("ignored")}
_OUTCOME_COLOURS = {Outcome.SKIPPED: "#fdecea", Outcome.CONVERTED: "#fff8e1", Outcome.IGNORED: "#f1f1f1"}


class OutcomeTableModel(QAbstractTableModel):
    """Rows are file outcomes: what happened, the file, the reason in words, what was done or what to do."""

    HEADERS = (tr_later("Outcome"), tr_later("File"), tr_later("Reason"), tr_later("Details"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[FileOutcome] = []

    def set_rows(self, rows: list[FileOutcome]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(self.HEADERS[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (tr(_OUTCOME_WORDS[row.outcome]), row.path, reason_label(row.reason), row.message)
            return values[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole and row.outcome in _OUTCOME_COLOURS:
            return QBrush(QColor(_OUTCOME_COLOURS[row.outcome]))
        return None


DETAIL_HINT = tr_later("Select a file to read the whole explanation.")


class OutcomeTable(QWidget):
    """The skipped/converted/ignored files with their reasons, filterable by outcome."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._report: DatasetReport | None = None
        self.filter = QComboBox()
        self.filter.addItems([tr(name) for name, _ in _FILTERS])
        self.filter.currentIndexChanged.connect(self._refresh)
        self.count = QLabel()
        self.model = OutcomeTableModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.resizeSection(1, 220)
        self.detail = QLabel(tr(DETAIL_HINT))
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.view.selectionModel().currentRowChanged.connect(self._show_detail)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Show:")))
        row.addWidget(self.filter)
        row.addWidget(self.count, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.detail)

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and current.row() < len(self.model.rows):
            row = self.model.rows[current.row()]
            text = row.message or reason_label(row.reason)
            self.detail.setText(tr("<b>{path}</b> ({outcome}): {text}", path=escape(row.path),
                                   outcome=tr(_OUTCOME_WORDS[row.outcome]), text=escape(text)))

    def set_report(self, report: DatasetReport | None) -> None:
        self._report = report
        self._refresh()

    def _refresh(self) -> None:
        wanted = _FILTERS[self.filter.currentIndex()][1]
        files = self._report.files if self._report is not None else ()
        rows = [f for f in files if wanted(f)]
        order = {Outcome.SKIPPED: 0, Outcome.CONVERTED: 1, Outcome.IGNORED: 2, Outcome.ACCEPTED: 3}
        rows.sort(key=lambda f: (order[f.outcome], f.path))
        self.model.set_rows(rows)
        self.detail.setText(tr(DETAIL_HINT))  # the file it described may not be in this list (or folder)
        self.count.setText(trn("{n:,} file", "{n:,} files", len(rows)))
