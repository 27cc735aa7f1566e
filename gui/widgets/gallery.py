"""A gallery of image thumbnails with captions (a confusion-matrix cell, the top losses).

Thumbnails are decoded in the background; captions show at once. "Show in folder" opens the file manager at
the file: the app never moves, renames or edits the user's images.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.core.i18n import tr
from engine.data.images.decode import ImageLoadError, load_image
from engine.evaluation.evaluate import SetEvaluation
from gui.jobs.controller import TaskState
from gui.jobs.task_slot import TaskSlot
from gui.widgets.image_viewer import show_image, to_qimage

__all__ = ["GalleryItem", "ImageGallery", "evaluation_items", "load_thumbnails", "to_qimage"]

THUMB = 96


@dataclass(frozen=True, slots=True)
class GalleryItem:
    """One image: ``caption`` under the thumbnail (short), ``tooltip`` with every detail, ``verdict`` the
    sentence under the large picture a double-click opens (right or wrong, and how sure)."""

    path: str
    caption: str
    tooltip: str = ""
    verdict: str = ""


def load_thumbnails(paths: list[str], state: TaskState, size: int = THUMB) -> list[np.ndarray | None]:
    """Small RGB arrays for ``paths`` (``None`` where a file cannot be read); runs in a background thread."""
    out: list[np.ndarray | None] = []
    for done, path in enumerate(paths, start=1):
        if state.is_set():
            break
        try:
            image = Image.fromarray(load_image(path, min_side=size))
            image.thumbnail((size, size), Image.Resampling.BILINEAR)
            out.append(np.asarray(image))
        except ImageLoadError:
            out.append(None)
        state.set_progress(done, len(paths))
    return out


def evaluation_items(result: SetEvaluation, indices: list[int], predicted: np.ndarray) -> list[GalleryItem]:
    """Gallery items for images of an evaluated set: name, true class → answer with its probability."""
    names = result.class_names
    items = []
    for i in indices:
        probs = result.probs[i]
        true, said = names[result.labels[i]], names[predicted[i]]
        detail = "\n".join(f"{n}: {p:.1%}" for n, p in sorted(zip(names, probs), key=lambda x: -x[1]))
        probability = float(probs[predicted[i]])
        verdict = (tr("Right: {said} ({probability:.0%} sure).", said=said, probability=probability) if true == said
                   else tr("Wrong: this is {true}; the model said {said} ({probability:.0%} sure).", true=true,
                           said=said, probability=probability)) + " " + detail.replace("\n", " · ")
        items.append(GalleryItem(result.paths[i],
                                 f"{Path(result.paths[i]).name}\n{true} →\n{said} {probs[predicted[i]]:.0%}",
                                 tr("{path}\ntrue class: {true}\n{detail}", path=result.paths[i], true=true,
                                    detail=detail), verdict))
    return items


def reveal_in_file_manager(path: str) -> None:
    """Open the file manager with ``path`` selected where the system allows it, else at its folder."""
    target = Path(path)
    if sys.platform == "darwin":
        subprocess.Popen(["open", "-R", str(target)])  # noqa: S603,S607 - fixed program, our own argument
    elif sys.platform == "win32":
        subprocess.Popen(["explorer", "/select,", str(target)])  # noqa: S603,S607
    else:  # Linux file managers differ in how to select a file: open the folder
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target.parent)))


class ImageGallery(QWidget):
    """Thumbnails in a grid: selecting one emits ``current_changed(path)``, a double-click ``activated``."""

    current_changed = Signal(str)
    activated = Signal(str)

    def __init__(self, empty_text: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = tr("No images.") if empty_text is None else empty_text
        self.items: list[GalleryItem] = []
        self.viewer: object = None  # the last image opened large (it closes itself)
        self.title = QLabel(self.empty_text)
        self.title.setWordWrap(True)
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 64, THUMB + 58))  # room for three caption lines
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(True)
        self.list.currentRowChanged.connect(self._on_row)
        self.list.itemDoubleClicked.connect(self._on_double_clicked)
        self.reveal_button = QPushButton(tr("Show in folder"))
        self.reveal_button.setToolTip(tr("Open the folder that holds this image (the app never moves or edits it)."))
        self.reveal_button.setEnabled(False)
        self.reveal_button.clicked.connect(self.reveal_selected)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.reveal_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        self._slot = TaskSlot(self)

    @property
    def loading(self) -> bool:
        return self._slot.running

    def set_items(self, title: str, items: list[GalleryItem]) -> None:
        """Show ``items`` (captions now, thumbnails when decoded)."""
        self._slot.cancel()
        self.items = list(items)
        self.title.setText(title or self.empty_text)
        self.list.clear()
        placeholder = QPixmap(THUMB, THUMB)
        placeholder.fill(QColor("#e8e8e8"))  # also fixes the item size before the thumbnails arrive
        for item in items:
            entry = QListWidgetItem(QIcon(placeholder), item.caption)
            entry.setToolTip(item.tooltip or item.path)
            entry.setData(Qt.ItemDataRole.UserRole, item.path)
            entry.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.list.addItem(entry)
        self.reveal_button.setEnabled(False)
        if items:
            paths = [i.path for i in items]
            self._slot.start(lambda state: load_thumbnails(paths, state), self._show_thumbnails)

    def selected_path(self) -> str | None:
        item = self.list.currentItem()
        return self._path(item) if item is not None else None

    def reveal_selected(self) -> None:
        path = self.selected_path()
        if path:
            reveal_in_file_manager(path)

    def shutdown(self) -> None:
        self._slot.shutdown()

    def _show_thumbnails(self, thumbs: list[np.ndarray | None]) -> None:
        for row, thumb in enumerate(thumbs):
            entry = self.list.item(row)
            if entry is not None and thumb is not None:
                entry.setIcon(QIcon(QPixmap.fromImage(to_qimage(thumb))))

    def _on_row(self, row: int) -> None:
        self.reveal_button.setEnabled(row >= 0)
        if 0 <= row < len(self.items):
            self.current_changed.emit(self.items[row].path)

    def _on_double_clicked(self, item: QListWidgetItem) -> None:
        """The image large, with its name and verdict (gui/widgets/image_viewer.py)."""
        row = self.list.row(item)
        entry = self.items[row] if 0 <= row < len(self.items) else None
        if entry is not None:
            self.viewer = show_image(entry.path, entry.verdict or entry.tooltip, self)
        self.activated.emit(self._path(item))

    @staticmethod
    def _path(item: QListWidgetItem) -> str:
        return str(item.data(Qt.ItemDataRole.UserRole))
