"""Why the model decided: one image with its Grad-CAM heat laid over it, an opacity slider and a class choice.

The explanation is computed in the background (one forward and backward pass); moving the slider only
re-blends the image and the heat, which is instant.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget

from engine.core.i18n import tr
from engine.core.names import readable
from engine.core.run_layout import RunLayout
from engine.data.images.decode import load_image
from engine.evaluation.explain import Explanation, GradCam, explain_image, model_view, overlay
from engine.models.saved import ExportedModel, load_exported_model
from gui.jobs.controller import TaskState
from gui.jobs.task_slot import TaskSlot
from gui.widgets.common import MessageLabel
from gui.widgets.gallery import to_qimage


class ExplainerCache:
    """The last loaded model with its Grad-CAM, shared by the panels; safe to use from background threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, int] | None = None
        self._value: tuple[ExportedModel, GradCam] | None = None

    def get(self, run_dir: str | Path) -> tuple[ExportedModel, GradCam]:
        weights = RunLayout(Path(run_dir)).model_weights
        key = (str(run_dir), weights.stat().st_mtime_ns if weights.is_file() else 0)
        with self._lock:
            if self._value is None or self._key != key:
                exported = load_exported_model(run_dir)
                cam = GradCam(exported.model, image_size=exported.preprocessing.image_size)
                self._value = (exported, cam)
                self._key = key
            return self._value


EXPLAINERS = ExplainerCache()


@dataclass(frozen=True)
class _Shown:
    path: str
    image: np.ndarray  # what the model saw
    explanation: Explanation | None  # None when Grad-CAM is switched off


def _compute(run_dir: str, path: str, class_index: int | None, with_heat: bool, _state: TaskState) -> _Shown:
    exported, cam = EXPLAINERS.get(run_dir)
    if not with_heat:
        array = load_image(path, min_side=exported.preprocessing.resize_size)
        return _Shown(path, model_view(array, exported.preprocessing), None)
    explanation = explain_image(exported, path, class_index=class_index, cam=cam)
    return _Shown(path, explanation.image, explanation)


class GradCamView(QWidget):
    """Shows :meth:`show_image`'s image with its heat. ``shown(path)`` fires when an image is on screen."""

    shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir: str | None = None
        self.current: _Shown | None = None
        self._path: str | None = None
        self.picture = QLabel(tr("Choose an image to see which parts of it the model looked at."))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setWordWrap(True)
        self.picture.setMinimumSize(200, 200)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.heat_box = QCheckBox(tr("Show Grad-CAM"))
        self.heat_box.setChecked(True)
        self.heat_box.setToolTip(tr("Colour the parts of the image that pushed the model towards the class."))
        self.heat_box.toggled.connect(self._reload)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(50)
        self.opacity.setToolTip(tr("How strongly the heat covers the image"))
        self.opacity.valueChanged.connect(self._render)
        self.class_combo = QComboBox()
        self.class_combo.setToolTip(tr("Explain the predicted class, or why the image could be another class"))
        self.class_combo.activated.connect(self._reload)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.message = MessageLabel()
        controls = QHBoxLayout()
        controls.addWidget(self.heat_box)
        controls.addWidget(QLabel(tr("Opacity")))
        controls.addWidget(self.opacity, 1)
        controls.addWidget(QLabel(tr("Explain")))
        controls.addWidget(self.class_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picture, 1)
        layout.addLayout(controls)
        layout.addWidget(self.caption)
        layout.addWidget(self.message)
        self._slot = TaskSlot(self)

    @property
    def busy(self) -> bool:
        return self._slot.running

    def set_model(self, run_dir: str | Path | None, class_names: tuple[str, ...] = ()) -> None:
        """Which run's model explains; ``class_names`` fill the class choice."""
        self.run_dir = str(run_dir) if run_dir else None
        self.class_combo.clear()
        self.class_combo.addItem(tr("predicted class"), None)
        for index, name in enumerate(class_names):
            self.class_combo.addItem(name, index)
        self.clear()

    def clear(self) -> None:
        self._slot.cancel()
        self.current, self._path = None, None
        self.picture.setPixmap(QPixmap())
        self.picture.setText(tr("Choose an image to see which parts of it the model looked at."))
        self.caption.setText("")
        self.message.clear_message()

    def show_image(self, path: str) -> None:
        """Explain ``path`` in the background (or just show it when Grad-CAM is off)."""
        self._path = path
        self._reload()

    def rendered(self) -> np.ndarray | None:
        """The RGB array on screen (image blended with the heat at the slider's opacity)."""
        shown = self.current
        if shown is None:
            return None
        if shown.explanation is None or not self.heat_box.isChecked():
            return shown.image
        return overlay(shown.image, shown.explanation.heat, self.opacity.value() / 100)

    def shutdown(self) -> None:
        self._slot.shutdown()

    def _reload(self, _index: int | None = None) -> None:
        if self._path is None or self.run_dir is None:
            return
        self.message.clear_message()
        self.caption.setText(tr("Working out where the model looked…") if self.heat_box.isChecked() else "")
        run_dir, path, with_heat = self.run_dir, self._path, self.heat_box.isChecked()
        class_index = self.class_combo.currentData()
        self._slot.start(lambda state: _compute(run_dir, path, class_index, with_heat, state), self._on_done,
                         self._on_failed)

    def _on_done(self, shown: _Shown) -> None:
        self.current = shown
        self.picture.setText("")
        explanation = shown.explanation
        if explanation is None:
            self.caption.setText(readable(Path(shown.path).name))
        else:
            p = float(explanation.probabilities[explanation.class_index])
            self.caption.setText(tr("{name}: the warm colours pushed the model towards <b>{class_name}</b> "
                                    "(probability {probability:.0%}).", name=readable(Path(shown.path).name),
                                    class_name=explanation.class_name, probability=p))
        self._render()
        self.shown.emit(shown.path)

    def _on_failed(self, message: str) -> None:
        self.caption.setText("")
        self.message.show_error(message)

    def _render(self) -> None:
        array = self.rendered()
        if array is None:
            return
        pixmap = QPixmap.fromImage(to_qimage(array))
        size = self.picture.size()
        self.picture.setPixmap(pixmap.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._render()
