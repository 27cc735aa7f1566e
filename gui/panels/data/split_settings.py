"""The split settings of the data panel: validation and test shares, grouping, the folder's own split."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from engine.config import check_group_pattern, option, option_default
from engine.core.i18n import tr, tr_later, trn

#: (label, pattern, by DICOM patient). Patterns are searched in the path inside the class folder.
GROUPINGS = [
    (tr_later("No grouping: each image on its own"), "", False),
    (tr_later("Subfolder inside each class (e.g. cats/patient07/…)"), r"^([^/]+)/", False),
    (tr_later("File name up to the first _ (e.g. P07_scan2.png)"), r"^(?:.*/)?([^/_]+)_", False),
    (tr_later("DICOM patient (PatientID, never recorded)"), "", True),
    (tr_later("Custom pattern…"), None, False),
]
_CUSTOM = len(GROUPINGS) - 1


def _percent_box(path: str) -> QSpinBox:
    """A share of the images in whole percents, with the option table's range, "none" text and plain line."""
    spec = option(path)
    low, high = spec.widget_range()
    box = QSpinBox()
    box.setRange(round(low * 100), round(high * 100))
    box.setValue(round(option_default(path) * 100))
    box.setSuffix(" %")
    box.setSpecialValueText(tr(spec.special) if spec.special else "")
    box.setToolTip(tr(spec.help))
    return box


class SplitSettings(QGroupBox):
    """Emits ``changed`` when a setting changes; ``values()`` gives the DataConfig fields."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Training, validation and test"), parent)
        self.val = _percent_box("data.val_fraction")
        self.test = _percent_box("data.test_fraction")
        self.grouping = QComboBox()
        self.grouping.addItems([tr(label) for label, _, _ in GROUPINGS])
        self.grouping.setToolTip(tr("Images of one patient or subject stay together on one side, so "
                                    "validation does not recognise a person it trained on."))
        self.pattern = QLineEdit()
        self.pattern.setPlaceholderText(tr(r"e.g. ^(P\d+)_  (the part in brackets names the group)"))
        self.pattern.setVisible(False)
        self.use_folders = QCheckBox(tr(option("data.use_folder_split").label))
        self.use_folders.setToolTip(tr(option("data.use_folder_split").help))
        self.use_folders.setEnabled(False)
        self.problem = QLabel()
        self.problem.setStyleSheet("color:#8a1c12;")
        self.problem.setWordWrap(True)
        self.problem.setVisible(False)
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(f"{tr(option('data.val_fraction').label)}:", self.val)
        form.addRow(f"{tr(option('data.test_fraction').label)}:", self.test)
        form.addRow(tr("Keep together:"), self.grouping)
        form.addRow("", self.pattern)
        form.addRow(self.use_folders)
        form.addRow(self.problem)
        form.addRow(self.preview)
        for signal in (self.val.valueChanged, self.test.valueChanged, self.use_folders.toggled,
                       self.pattern.editingFinished):
            signal.connect(self._emit)
        self.grouping.currentIndexChanged.connect(self._on_grouping)

    def _on_grouping(self, index: int) -> None:
        self.pattern.setVisible(index == _CUSTOM)
        self._emit()

    def _emit(self) -> None:
        self.test.setEnabled(not self.use_folders.isChecked())  # the folder's own test/ decides then
        problem = self.pattern_problem()
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.changed.emit()

    def pattern_problem(self) -> str:
        if self.grouping.currentIndex() != _CUSTOM or not self.pattern.text().strip():
            return ""
        return check_group_pattern(self.pattern.text().strip())

    def values(self) -> dict[str, Any]:
        """The DataConfig fields these settings stand for (an invalid custom pattern counts as none)."""
        _, preset, by_patient = GROUPINGS[self.grouping.currentIndex()]
        pattern = self.pattern.text().strip() if preset is None else preset
        if preset is None and self.pattern_problem():
            pattern = ""
        return {"val_fraction": self.val.value() / 100, "test_fraction": self.test.value() / 100,
                "group_pattern": pattern, "group_by_patient": by_patient,
                "use_folder_split": self.use_folders.isChecked() and self.use_folders.isEnabled()}

    def choice(self) -> dict[str, Any]:
        """What the user chose, to be remembered: the shares, the grouping and its pattern."""
        return {"val": self.val.value(), "test": self.test.value(), "grouping": self.grouping.currentIndex(),
                "pattern": self.pattern.text()}

    def set_choice(self, choice: dict[str, Any]) -> None:
        """Show a remembered :meth:`choice` (values out of range are held to the range by the boxes)."""
        self.val.setValue(int(choice.get("val", self.val.value())))
        self.test.setValue(int(choice.get("test", self.test.value())))
        self.pattern.setText(str(choice.get("pattern", "")))
        grouping = int(choice.get("grouping", 0))
        self.grouping.setCurrentIndex(grouping if 0 <= grouping < len(GROUPINGS) else 0)

    def set_use_folder_split(self, use: bool) -> None:
        """Tick (or untick) "use the folder's own train/ val/ test/ folders"."""
        self.use_folders.setChecked(use)

    def set_folder_split_available(self, available: bool) -> None:
        self.use_folders.setEnabled(available)
        if not available:
            self.use_folders.setChecked(False)

    def show_preview(self, counts: dict[str, dict[str, int]] | None, warnings: list[str]) -> None:
        if counts is None:
            self.preview.setText("")
            return
        total = {side: sum(per.values()) for side, per in counts.items()}
        if total["test"]:
            text = trn("Training {train:,} · validation {val:,} · test {n:,} image",
                       "Training {train:,} · validation {val:,} · test {n:,} images", total["test"],
                       train=total["train"], val=total["val"])
        else:
            text = trn("Training {train:,} · validation {n:,} image", "Training {train:,} · validation {n:,} images",
                       total["val"], train=total["train"])
        self.preview.setText("\n".join([text, *warnings]))
