"""The figures of one evaluated set: headline numbers, a per-class table and, with two classes, the decision
threshold with sensitivity, specificity, PPV and NPV."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.core.i18n import tr, tr_later, trn
from engine.help.glossary import tip
from gui.panels.results.figure_line import FigureLine
from gui.widgets.common import read_only_table

COLUMNS = (tr_later("Class"), tr_later("Precision"), tr_later("Recall"), "F1", tr_later("Images"))
#: What each two-class figure means, for the tooltips (users are not expected to know the jargon).
EXPLAIN = {
    "sensitivity": tr_later("Of the images that really are {pos}, the share the model finds (recall, true "
                            "positive rate)."),
    "specificity": tr_later("Of the images that are not {pos}, the share the model correctly leaves out."),
    "ppv": tr_later("When the model says {pos}, how often it is right (precision, positive predictive value)."),
    "npv": tr_later("When the model says it is not {pos}, how often it is right (negative predictive value)."),
}


#: The glossary term of each column of the per-class table.
COLUMN_TERMS = (None, "precision", "recall", "f1", "support")


def _termed(text: str, key: str) -> QLabel:
    """A form row's label whose tooltip explains the term."""
    label = QLabel(text)
    label.setToolTip(tip(key))
    return label


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


class MetricsView(QWidget):
    """Signals: ``threshold_changed(float)`` while the slider moves, ``positive_changed(int)``.

    ``summary`` (the headline figures) is not in this widget's layout: the owner places it, e.g. across the
    whole panel.
    """

    threshold_changed = Signal(float)
    positive_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = FigureLine()
        self.subject = ""  # whose figures these are: "Saved model (epoch 7), validation set"
        self.table = read_only_table([tr(c) for c in COLUMNS], select_rows=False)
        for column, key in enumerate(COLUMN_TERMS):
            header = self.table.horizontalHeaderItem(column)
            if key is not None and header is not None:
                header.setToolTip(tip(key))
        self.binary_box = self._make_binary_box()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.binary_box)

    def _make_binary_box(self) -> QGroupBox:
        box = QGroupBox(tr("Decision threshold (two classes)"))
        self.positive = QComboBox()
        self.positive.setToolTip(tr("The class the model is meant to find (for example the disease)."))
        self.positive.activated.connect(self.positive_changed)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setValue(50)
        self.slider.setToolTip(tr("Call an image positive when its probability is at least this. Lower finds "
                                  "more positives (higher sensitivity) at the cost of more false alarms."))
        self.slider.valueChanged.connect(self._on_slider)
        self.threshold_label = QLabel("0.50")
        self.figures = {key: QLabel("—") for key in ("sensitivity", "specificity", "ppv", "npv", "counts")}
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.threshold_label)
        form = QFormLayout(box)
        form.addRow(tr("Positive class"), self.positive)
        form.addRow(_termed(tr("Threshold"), "threshold"), row)
        form.addRow(_termed(tr("Sensitivity"), "sensitivity"), self.figures["sensitivity"])
        form.addRow(_termed(tr("Specificity"), "specificity"), self.figures["specificity"])
        form.addRow(_termed(tr("PPV (precision)"), "ppv"), self.figures["ppv"])
        form.addRow(_termed(tr("NPV"), "npv"), self.figures["npv"])
        form.addRow(tr("Counts"), self.figures["counts"])
        box.setVisible(False)
        return box

    @property
    def threshold(self) -> float:
        return self.slider.value() / 100

    def set_metrics(self, m: dict[str, Any]) -> None:
        """Show one set's figures (``engine.evaluation.metrics.summarize`` output)."""
        n = int(m["n_images"])
        count = (trn("{subject}: {n:,} image", "{subject}: {n:,} images", n, subject=self.subject) if self.subject
                 else trn("{n:,} image", "{n:,} images", n))
        parts: list[tuple[str, str | None]] = [
            (count, "saved_model" if self.subject else None),
            (tr("<b>Accuracy {accuracy}</b>", accuracy=pct(m["accuracy"])), "accuracy"),
            (tr("balanced accuracy {value}", value=pct(m["balanced_accuracy"])), "balanced_accuracy"),
            (tr("macro F1 {value:.3f}", value=m["macro_avg"]["f1"]), "macro_f1"),
            (tr("calibration error (ECE) {value:.3f}", value=m["calibration"]["ece"]), "ece")]
        auc = m.get("roc_auc", m.get("roc_auc_ovr_macro"))
        if auc is not None:
            parts.append((tr("ROC AUC {value:.3f}", value=auc), "roc_auc"))
        self.summary.set_parts(parts)
        rows = [(name, c) for name, c in m["per_class"].items()]
        rows += [(tr("macro average"), {**m["macro_avg"], "support": m["n_images"]}),
                 (tr("weighted average"), {**m["weighted_avg"], "support": m["n_images"]})]
        self.table.setRowCount(len(rows))
        for r, (name, c) in enumerate(rows):
            values = (name, *(f"{c[k]:.3f}" for k in ("precision", "recall", "f1")), str(c["support"]))
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if r >= len(rows) - 2:
                    font = item.font()
                    font.setItalic(True)
                    item.setFont(font)
                self.table.setItem(r, col, item)
        binary = m.get("binary")
        self.binary_box.setVisible(binary is not None)
        if binary is not None:
            self._set_positive_choices(m["class_names"], binary["positive_class"])
            self.set_binary(binary)

    def _set_positive_choices(self, names: list[str], positive: str) -> None:
        self.positive.blockSignals(True)
        self.positive.clear()
        self.positive.addItems(names)
        self.positive.setCurrentIndex(names.index(positive))
        self.positive.blockSignals(False)

    def set_binary(self, b: dict[str, Any]) -> None:
        pos = b["positive_class"]
        for key in ("sensitivity", "specificity", "ppv", "npv"):
            self.figures[key].setText(pct(b[key]))
            self.figures[key].setToolTip(tr(EXPLAIN[key], pos=pos))
        self.figures["counts"].setText(tr("{tp} found, {fn} missed, {fp} false alarms, {tn} correctly left out",
                                          tp=b["tp"], fn=b["fn"], fp=b["fp"], tn=b["tn"]))

    def _on_slider(self, value: int) -> None:
        self.threshold_label.setText(f"{value / 100:.2f}")
        self.threshold_changed.emit(value / 100)
