"""One image shown large, with its file name and what is known about it (its verdict): the window a
double-click on any thumbnail opens (the Data tab's images, the Results galleries).

The picture is decoded in the background with the function training uses (engine/data/images/decode.py), so
a large photo never stalls the window, and a DICOM or 16-bit scan looks as the model sees it.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from engine.core.i18n import tr
from engine.core.names import readable
from engine.data.images.decode import ImageLoadError, load_image
from gui.jobs.controller import TaskState
from gui.jobs.task_slot import TaskSlot

#: The longest side the viewer decodes to: sharp on a large screen, quick to make.
MAX_SIDE = 1400


def to_qimage(array: np.ndarray) -> QImage:
    """``(H, W, 3)`` uint8 RGB -> QImage (a copy, so the array may go away)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    height, width = array.shape[:2]
    return QImage(array.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def _load(path: str, _state: TaskState) -> np.ndarray | str:
    """The image as RGB, at most MAX_SIDE a side; a sentence when it cannot be read."""
    try:
        array = load_image(path, min_side=MAX_SIDE)
    except ImageLoadError as exc:
        return str(exc)
    scale = MAX_SIDE / max(array.shape[:2])
    if scale < 1:
        from PIL import Image

        image = Image.fromarray(array)
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BILINEAR)
        array = np.asarray(image)
    return array


class ImageViewer(QDialog):
    """``ImageViewer(path, verdict)``: the name in the title and above the picture, the verdict below it."""

    def __init__(self, path: str, verdict: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        name = readable(Path(path).name)
        self.setWindowTitle(name)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.name = QLabel(f"<b>{escape(name)}</b><br><span style='color:#5f6b7a'>{escape(readable(path))}</span>")
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name.setWordWrap(True)
        self.picture = QLabel(tr("Opening the image…"))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setMinimumSize(320, 240)
        self.verdict = QLabel(verdict)
        self.verdict.setWordWrap(True)
        self.verdict.setVisible(bool(verdict))
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.name)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.verdict)
        layout.addWidget(buttons)
        self._pixmap: QPixmap | None = None
        self._slot = TaskSlot(self)
        self.resize(820, 720)
        self._slot.start(lambda state: _load(path, state), self._on_loaded)

    @property
    def loading(self) -> bool:
        return self._slot.running

    def _on_loaded(self, result: np.ndarray | str) -> None:
        if isinstance(result, str):
            self.picture.setText(result)  # the decoder's sentence: what is wrong with the file
            return
        self._pixmap = QPixmap.fromImage(to_qimage(result))
        self._fit()

    def _fit(self) -> None:
        if self._pixmap is not None:
            self.picture.setPixmap(self._pixmap.scaled(self.picture.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                                       Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def done(self, result: int) -> None:
        self._slot.shutdown()
        super().done(result)

    def closeEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        self._slot.shutdown()
        super().closeEvent(event)  # type: ignore[arg-type]


def show_image(path: str, verdict: str, parent: QWidget | None) -> ImageViewer:
    """Open the viewer (not modal: several may stay open side by side) and return it."""
    viewer = ImageViewer(path, verdict, parent)
    viewer.show()
    return viewer
