"""The Predict table as a Qt model over the predictions: a 10,000-image answer fills in one step.

A ``QTableWidget`` makes four ``QTableWidgetItem`` objects a row (40,000 for 10,000 images), each a Python
wrapper; filling, re-flagging ("not sure" below a new threshold) and sorting them row by row stalled the
window for seconds. Here the view asks for the cells it draws; sorting reorders one list of indices and the
threshold only changes what :meth:`data` answers (bench/bench_gui_stalls.py measures it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from engine.core.i18n import tr, tr_later
from engine.core.names import readable
from engine.evaluation.predict import Prediction
from gui.panels.predict.inputs import short_names

COLUMNS = (tr_later("File"), tr_later("Predicted class"), tr_later("Confidence"), tr_later("Not sure"))
FILE, CLASS, CONFIDENCE, UNSURE = range(len(COLUMNS))
UNSURE_BRUSH = QBrush(QColor("#fff4e5"))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

Index = QModelIndex | QPersistentModelIndex


class PredictionTableModel(QAbstractTableModel):
    """Rows are predictions in the order shown (:meth:`sort` reorders them); :meth:`prediction` maps a row back.

    Example: ``model.set_predictions(predictions)``; ``view.setModel(model)``; ``view.setSortingEnabled(True)``.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._predictions: list[Prediction] = []
        self._names: list[str] = []
        self._order: list[int] = []  # shown row -> index into _predictions
        self._min_confidence = 0.0

    # -- filling -----------------------------------------------------------------------------------------

    def set_predictions(self, predictions: list[Prediction]) -> None:
        self.beginResetModel()
        self._predictions = list(predictions)
        self._names = [readable(n) for n in short_names([p.path for p in predictions])]
        self._order = list(range(len(predictions)))
        self.endResetModel()

    def set_min_confidence(self, min_confidence: float) -> None:
        """Answers less sure than this are flagged: only the flag column and the colours change."""
        if min_confidence == self._min_confidence:
            return
        self._min_confidence = min_confidence
        if self._order:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._order) - 1, len(COLUMNS) - 1))

    def prediction(self, row: int) -> Prediction | None:
        """The prediction shown in ``row`` (rows move when the user sorts)."""
        return self._predictions[self._order[row]] if 0 <= row < len(self._order) else None

    # -- QAbstractTableModel -----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self._order[index.row()], index.column()
        p = self._predictions[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, p, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == FILE:
            return readable(p.path)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == CONFIDENCE:
            return _RIGHT
        if role == Qt.ItemDataRole.BackgroundRole and p.is_unsure(self._min_confidence):
            return UNSURE_BRUSH
        return None

    def _text(self, row: int, p: Prediction, column: int) -> str:
        if column == FILE:
            return self._names[row]  # readable(): Qt would drop an undecodable byte unseen
        if column == CLASS:
            return p.best[0] if p.ok else tr("could not be read: {error}", error=p.error)
        if column == CONFIDENCE:
            return f"{p.confidence:.1%}" if p.ok else ""
        return tr("not sure") if p.is_unsure(self._min_confidence) else ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by the column's value (confidence as a number: "9%" before "10%"); one list is reordered."""
        self.layoutAboutToBeChanged.emit()
        before = list(self._order)
        self._order.sort(key=self._sort_key(column), reverse=order == Qt.SortOrder.DescendingOrder)
        row_of = {source: row for row, source in enumerate(self._order)}
        kept = self.persistentIndexList()  # the selection follows its prediction to its new row
        self.changePersistentIndexList(kept, [self.index(row_of[before[i.row()]], i.column()) for i in kept])
        self.layoutChanged.emit()


    def _sort_key(self, column: int) -> Callable[[int], Any]:
        p, names = self._predictions, self._names
        if column == FILE:
            return lambda i: names[i].lower()
        if column == CONFIDENCE:
            return lambda i: p[i].confidence
        if column == UNSURE:
            return lambda i: p[i].is_unsure(self._min_confidence)
        return lambda i: self._text(i, p[i], column)


def prediction_view(model: PredictionTableModel) -> QTableView:
    """The app's list table (gui.widgets.common.read_only_table) as a view of ``model``, sortable.

    The file column takes the rest of the width; the others are sized once from their headers and a
    typical cell, never by measuring every row (``ResizeToContents`` reads all 10,000 on each change).
    """
    view = QTableView()
    view.setModel(model)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(FILE, QHeaderView.ResizeMode.Stretch)
    metrics = view.fontMetrics()
    samples = ((CLASS, tr("could not be read: {error}", error="xxxxxxxx")), (CONFIDENCE, "100.0%"),
               (UNSURE, tr("not sure")))
    for column, sample in samples:
        view.setColumnWidth(column, max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(
            tr(COLUMNS[column]))) + 24)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(metrics.height() + 6)  # fixed: no per-row measuring
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setSortingEnabled(True)
    return view
