"""The ROC curve (with the current threshold's point) and the reliability diagram, in pyqtgraph.

Items are created once and updated with ``setData`` / ``setOpts``, like the training plots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import PySide6  # noqa: F401  - import Qt before pyqtgraph so it binds to PySide6

# isort: split
import pyqtgraph as pg

from engine.core.i18n import tr

CURVE = "#1f77b4"
POINT = "#d62728"
GREY = (150, 150, 150)


class RocPlot(pg.PlotWidget):
    """ROC curve of the positive class; the red dot is where the current threshold operates."""

    def __init__(self) -> None:
        super().__init__(background="w")
        self.setLabel("bottom", tr("false positive rate (1 − specificity)"))
        self.setLabel("left", tr("true positive rate (sensitivity)"))
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setXRange(0, 1, padding=0.02)
        self.setYRange(0, 1, padding=0.02)
        self.setMouseEnabled(x=False, y=False)
        self.plot([0, 1], [0, 1], pen=pg.mkPen(GREY, width=1, style=pg.QtCore.Qt.DashLine))
        self.curve = self.plot([], [], pen=pg.mkPen(CURVE, width=2))
        self.point = self.plot([], [], pen=None, symbol="o", symbolSize=11, symbolBrush=POINT)
        self.auc: float | None = None

    def set_curve(self, fpr: Sequence[float], tpr: Sequence[float], auc: float | None, positive: str) -> None:
        self.curve.setData(list(fpr), list(tpr))
        self.auc = auc
        title = (tr("ROC curve for “{positive}” · AUC {auc:.3f}", positive=positive, auc=auc) if auc is not None
                 else tr("ROC curve for “{positive}” · AUC undefined (one class only)", positive=positive))
        self.setTitle(title, color="#222", size="11pt")  # not translated: a font size

    def set_point(self, fpr: float | None, tpr: float | None) -> None:
        known = fpr is not None and tpr is not None
        self.point.setData([fpr] if known else [], [tpr] if known else [])

    def clear_curve(self) -> None:
        self.curve.setData([], [])
        self.point.setData([], [])
        self.setTitle("")


class ReliabilityPlot(pg.PlotWidget):
    """Share right per confidence bin, against the diagonal a perfectly calibrated model would follow."""

    def __init__(self) -> None:
        super().__init__(background="w")
        self.setLabel("bottom", tr("confidence (probability of the answer)"))
        self.setLabel("left", tr("share of answers that were right"))
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setXRange(0, 1, padding=0.02)
        self.setYRange(0, 1, padding=0.02)
        self.setMouseEnabled(x=False, y=False)
        self.plot([0, 1], [0, 1], pen=pg.mkPen(POINT, width=1, style=pg.QtCore.Qt.DashLine))
        self.bars = pg.BarGraphItem(x0=[], width=[], height=[], brush=CURVE, pen=pg.mkPen("w"))
        self.bars.setZValue(-1)  # under the diagonal
        self.addItem(self.bars)
        self.ece: float | None = None

    def set_bins(self, bins: Sequence[dict[str, Any]], ece: float) -> None:
        filled = [b for b in bins if b["count"]]
        self.bars.setOpts(x0=[b["lower"] for b in filled], width=[b["upper"] - b["lower"] for b in filled],
                          height=[b["accuracy"] for b in filled])
        self.ece = ece
        title = tr("Reliability · expected calibration error {ece:.3f}", ece=ece)
        self.setTitle(title, color="#222", size="11pt")  # not translated: a font size
