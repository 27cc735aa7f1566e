"""Editing the augmentation transforms, with a preview grid of what the model will see.

Each transform's row (label, range, step, plain line) comes from the option table (engine/config/options).

The preview is computed in the background (engine.data.augment.preview_grid decodes and transforms a few
training images) so the dialog never freezes; "Show other examples" draws new random variants.
"""

from __future__ import annotations

import random
from typing import Any, cast

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.config import Augmentation, AugmentConfig, options_in
from engine.core.i18n import tr
from engine.data.augment import describe
from engine.data.loaders import Preprocessing
from gui.jobs.controller import BackgroundTask, TaskState
from gui.widgets.common import MessageLabel
from gui.widgets.option_widgets import add_explained_row, option_widget, set_option_value

PREVIEW_IMAGES = 4
PREVIEW_VARIANTS = 5
THUMB = 96

def to_pixmap(array: np.ndarray, size: int = THUMB) -> QPixmap:
    """An ``(H, W, 3)`` uint8 array as a pixmap scaled to ``size`` (the array is copied)."""
    array = np.ascontiguousarray(array)
    h, w, _ = array.shape
    image = QImage(array.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(image).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation)


class AugmentDialog(QDialog):
    """Shows ``aug`` for editing; :meth:`result_augment` is the edited transforms after Accept."""

    def __init__(self, aug: AugmentConfig, preset: Augmentation, root: str | None, paths: list[str],
                 image_size: int, resize_size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Augmentation: edit and preview"))
        self.root, self.paths = root, paths[:PREVIEW_IMAGES]
        self.image_size, self.resize_size = image_size, resize_size
        self._task: BackgroundTask | None = None
        self._tasks: list[BackgroundTask] = []
        self._seed = 0
        self._debounce = QTimer(self)  # one preview per burst of edits, not one per spin-box step
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self._refresh_same_examples)
        self.numbers: dict[str, QDoubleSpinBox | QSpinBox] = {}
        self.flags: dict[str, QCheckBox] = {}
        self.medical_note = MessageLabel()
        if preset is Augmentation.MEDICAL:
            self.medical_note.show_info(tr("Medical-safe: flips and colour changes are off. Allow them only if "
                                           "left/right and grey levels carry no meaning in your images."))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        left = QVBoxLayout()
        left.addWidget(self.medical_note)
        left.addWidget(self._make_form(aug))
        left.addWidget(self.summary)
        top = QHBoxLayout()
        top.addLayout(left)
        top.addLayout(self._make_preview(), 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)
        self._changed()

    def _make_form(self, aug: AugmentConfig) -> QGroupBox:
        form_box = QGroupBox(tr("Transforms"))
        form_box.setMinimumWidth(380)  # wrapped explanations need room, or Qt clips their last line
        form = QFormLayout(form_box)
        for spec in options_in("augment"):  # the yes/no transforms first, as the table lists them
            widget = option_widget(spec.path)
            set_option_value(widget, getattr(aug, spec.name))
            if isinstance(widget, QCheckBox):
                self.flags[spec.name] = widget
                widget.toggled.connect(self._changed)
            else:  # the option table gives every number of the augmentation a spin box
                number = cast("QDoubleSpinBox | QSpinBox", widget)  # not translated: a type name
                self.numbers[spec.name] = number
                number.valueChanged.connect(self._changed)
            add_explained_row(form, tr(spec.label), widget, tr(spec.help))
        return form_box

    def _make_preview(self) -> QVBoxLayout:
        self.grid = QGridLayout()
        self.preview_status = QLabel()
        again = QPushButton(tr("Show other examples"))
        again.clicked.connect(self._show_other_examples)
        right = QVBoxLayout()
        right.addWidget(QLabel(tr("<b>What the model will see</b> (each row: one image, several random versions)")))
        right.addLayout(self.grid)
        right.addWidget(self.preview_status)
        right.addWidget(again, 0, Qt.AlignmentFlag.AlignLeft)
        right.addStretch(1)
        return right

    def result_augment(self) -> AugmentConfig:
        values: dict[str, Any] = {name: box.isChecked() for name, box in self.flags.items()}
        values.update({name: spin.value() for name, spin in self.numbers.items()})
        return AugmentConfig(**values)

    def _changed(self) -> None:
        self.summary.setText(" ".join(describe(self.result_augment())))
        self._debounce.start()

    def _refresh_same_examples(self) -> None:
        self.refresh_preview(self._seed)

    def _show_other_examples(self) -> None:
        self.refresh_preview(random.randrange(1 << 30))

    def refresh_preview(self, seed: int) -> None:
        """Recompute the grid in the background with ``seed``."""
        if not self.root or not self.paths:
            self.preview_status.setText(tr("Choose an image folder to see examples."))
            return
        from engine.data.augment import preview_grid

        self._seed = seed
        self._tasks = [t for t in self._tasks if t.running]

        aug, root, paths = self.result_augment(), self.root, list(self.paths)
        size, resize = self.image_size, self.resize_size

        def work(_: TaskState) -> list[list[np.ndarray]]:
            return preview_grid(root, paths, aug, size, resize, variants=PREVIEW_VARIANTS, seed=seed)

        self.preview_status.setText(tr("Preparing examples…"))
        task = BackgroundTask(work, self)
        task.done.connect(lambda rows, t=task: self._show(rows) if t is self._task else None)
        task.failed.connect(self.preview_status.setText)
        self._task = task
        self._tasks.append(task)
        task.start()

    def _show(self, rows: list[list[np.ndarray]]) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for r, row in enumerate(rows):
            for c, array in enumerate(row):
                label = QLabel()
                label.setPixmap(to_pixmap(array))
                self.grid.addWidget(label, r, c)
        self.preview_status.setText("" if rows else tr("None of the example images could be read."))

    def done(self, result: int) -> None:
        self._debounce.stop()
        for task in self._tasks:
            task.wait()
        super().done(result)



def dialog_for(options: Any, report: Any, parent: QWidget) -> AugmentDialog:
    """The augmentation editor for ``options``' current settings, with an example image of each class of the
    data ``report`` (not yet shown)."""
    root = getattr(report, "root", None)
    paths = [files[0] for files in getattr(report, "classes", {}).values() if files]
    pre = Preprocessing.for_size(options.image_size.value())
    return AugmentDialog(options.augment(), options.preset(), root, paths, pre.image_size, pre.resize_size, parent)
