"""What a drop on the main window means: image files to predict, or an image folder to open."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent

from gui.panels.predict.inputs import is_prediction_drop


def dropped_images(event: QDragEnterEvent | QDropEvent) -> list[str]:
    """The dropped image files (or folders of images without class subfolders), which are for prediction."""
    mime = event.mimeData()
    paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []
    return [str(p) for p in paths] if is_prediction_drop(paths) else []


def dropped_folder(event: QDragEnterEvent | QDropEvent) -> str | None:
    """The first dropped folder (an image folder to open), or ``None``."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and Path(url.toLocalFile()).is_dir():
            return url.toLocalFile()
    return None

