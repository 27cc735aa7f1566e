"""A lazy thumbnail grid of one class's images.

Only the thumbnails the view actually paints are asked for; they are made in the background (a
:class:`~gui.jobs.controller.BackgroundTask` at a time, a small batch each, most recent requests first so that
scrolling shows what is on screen) with :func:`engine.data.images.decode.load_image`, the function training uses, so a
thumbnail shows what the model will see (windowed DICOM, rotated photos, transparency on white).
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QListView, QVBoxLayout, QWidget

from engine.core.i18n import tr, trn
from engine.data.images.decode import ImageLoadError, load_image
from engine.data.report import DatasetReport, Outcome
from gui.jobs.controller import BackgroundTask, TaskState
from gui.widgets.image_viewer import show_image

THUMB = 96
BATCH = 24
MAX_CACHED = 1500  # about 55 MB of pixmaps, whatever the folder's size
_NO_PARENT = QModelIndex()  # the list/table root: rows have no children


def make_thumbnail(path: Path) -> QImage | None:
    """A thumbnail no larger than THUMB x THUMB (runs in a background thread; QImage is safe there)."""
    try:
        array = load_image(path, min_side=THUMB)
    except ImageLoadError:
        return None
    image = Image.fromarray(array)
    scale = THUMB / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # Tiny images (a 16x16 scan) are enlarged with visible pixels rather than blurred.
    image = image.resize(size, Image.Resampling.NEAREST if scale > 2 else Image.Resampling.BILINEAR)
    square = Image.new("RGB", (THUMB, THUMB), (245, 245, 245))  # same cell for every image: a tidy grid
    square.paste(image, ((THUMB - size[0]) // 2, (THUMB - size[1]) // 2))
    data = np.ascontiguousarray(np.asarray(square))
    return QImage(data.data, THUMB, THUMB, 3 * THUMB, QImage.Format.Format_RGB888).copy()


class ThumbnailModel(QAbstractListModel):
    """One row per image; the decoration is asked for lazily and filled in when it arrives."""

    wanted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = Path()
        self.paths: list[str] = []
        self.tooltips: dict[str, str] = {}
        self.pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self.pending: OrderedDict[str, None] = OrderedDict()
        self.failed: set[str] = set()
        self.requested = 0
        self._placeholder = QPixmap(THUMB, THUMB)
        self._placeholder.fill(QColor("#e4e4e4"))

    def set_paths(self, root: Path, paths: list[str], tooltips: dict[str, str]) -> None:
        self.beginResetModel()
        self.root, self.paths, self.tooltips = root, paths, tooltips
        self.pending.clear()
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.paths)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        path = self.paths[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return path.rsplit("/", 1)[-1]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltips.get(path, path)
        if role == Qt.ItemDataRole.DecorationRole:
            if path in self.pixmaps:
                self.pixmaps.move_to_end(path)
                return self.pixmaps[path]
            if path not in self.failed and path not in self.pending:
                self.pending[path] = None
                self.requested += 1
                self.wanted.emit()
            return self._placeholder
        return None

    def take_pending(self, count: int) -> list[str]:
        """The most recently asked-for paths (what is on screen now)."""
        batch: list[str] = []
        while self.pending and len(batch) < count:
            batch.append(self.pending.popitem(last=True)[0])
        return batch

    def add_thumbnails(self, results: list[tuple[str, QImage | None]]) -> None:
        rows = {p: i for i, p in enumerate(self.paths)}
        for path, image in results:
            if image is None:
                self.failed.add(path)
                continue
            self.pixmaps[path] = QPixmap.fromImage(image)
            while len(self.pixmaps) > MAX_CACHED:
                self.pixmaps.popitem(last=False)
            if path in rows:
                index = self.index(rows[path])
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class ThumbnailGrid(QWidget):
    """A class selector and the lazily filled grid of that class's usable images."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._report: DatasetReport | None = None
        self._task: BackgroundTask | None = None
        self._started: list[BackgroundTask] = []
        self.classes = QComboBox()
        self.classes.currentTextChanged.connect(self.show_class)
        self.status = QLabel()
        self.model = ThumbnailModel(self)
        self.model.wanted.connect(self._schedule)
        self.view = QListView()
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(True)
        self.view.setIconSize(QSize(THUMB, THUMB))
        self.view.setGridSize(QSize(THUMB + 24, THUMB + 30))
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.setModel(self.model)
        self.view.doubleClicked.connect(self._open_large)
        self.viewer: object = None  # the last image opened large (it closes itself)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._load_batch)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Class:")))
        row.addWidget(self.classes, 1)
        row.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)

    def set_report(self, report: DatasetReport | None) -> None:
        self._report = report
        self.model.pixmaps.clear()
        self.model.failed.clear()
        self.classes.blockSignals(True)
        self.classes.clear()
        if report is not None:
            self.classes.addItems(report.class_names)
        self.classes.blockSignals(False)
        self.show_class(self.classes.currentText())

    def show_class(self, name: str) -> None:
        if self.classes.currentText() != name:
            self.classes.setCurrentText(name)  # comes back here through currentTextChanged
            return
        report = self._report
        paths = list(report.classes.get(name, ())) if report is not None else []
        notes = {f.path: f"{f.path}\n{f.message}" for f in (report.files if report else ())
                 if f.outcome is Outcome.CONVERTED and f.class_name == name}
        self.model.set_paths(Path(report.root) if report else Path(), paths, notes)
        self.status.setText(trn("{n:,} image", "{n:,} images", len(paths)) if report else "")

    def verdict(self, path: str) -> str:
        """What the health report says about the image at ``path`` (inside the folder)."""
        report = self._report
        entry = next((f for f in report.files if f.path == path), None) if report is not None else None
        if entry is None:
            return ""
        note = entry.message if entry.outcome is Outcome.CONVERTED or entry.reason not in ("", "ok") else ""
        if note:
            return tr("Class {name}: used for training.", name=entry.class_name) + " " + note
        return tr("Class {name}: used for training, as it is.", name=entry.class_name)

    def _open_large(self, index: QModelIndex) -> None:
        if index.isValid() and index.row() < len(self.model.paths):
            path = self.model.paths[index.row()]
            self.viewer = show_image(str(self.model.root / path), self.verdict(path), self)

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start(0)

    def _load_batch(self) -> None:
        if self._task is not None and self._task.running:
            return  # the running batch schedules the next one when it is done
        batch = self.model.take_pending(BATCH)
        if not batch:
            return
        root = self.model.root
        for old in [t for t in self._started if not t.running]:
            self._started.remove(old)
            old.deleteLater()  # only once its thread has ended
        task = BackgroundTask(lambda state: _thumbnails(root, batch, state), self)
        self._started.append(task)
        task.done.connect(lambda results, t=task: self._on_batch(t, results))
        task.failed.connect(lambda _message, t=task: self._on_batch(t, []))
        self._task = task
        task.start()

    def _on_batch(self, task: BackgroundTask, results: list[tuple[str, QImage | None]]) -> None:
        if task is self._task:
            self._task = None
        self.model.add_thumbnails(results)
        if self.model.pending:
            self._schedule()

    def shutdown(self) -> None:
        self._timer.stop()
        self.model.pending.clear()
        for task in self._started:  # a batch whose result arrived may still be ending its thread
            if task.running:
                task.cancel()
                task.wait()


def _thumbnails(root: Path, batch: list[str], state: TaskState) -> list[tuple[str, QImage | None]]:
    results: list[tuple[str, QImage | None]] = []
    for path in batch:
        if state.is_set():
            break
        results.append((path, make_thumbnail(root / path)))
    return results
