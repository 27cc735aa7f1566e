"""What the app remembers between sessions (QSettings), and file dialogs that open where the user was last.

The settings file lives in the app's own folder (``$FINETUNE_STUDIO_HOME/settings.ini``, by default
``~/FinetuneStudio``), next to the runs and logs: one place to back up or delete, and the tests' temporary
app folder (tests/conftest.py) keeps them away from the user's settings.

File dialogs open in the folder last used by any of them (the user's home the first time), never in the
program's code folder, which is where Qt opens them when given no folder.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

from engine.core.paths import studio_home

LAST_FOLDER = "dialogs/last_folder"


def app_settings() -> QSettings:
    """The app's settings (an INI file in the app's folder)."""
    return QSettings(str(studio_home() / "settings.ini"), QSettings.Format.IniFormat)


def remembered(key: str, default: str = "") -> str:
    """A remembered text (``default`` when there is none)."""
    value = app_settings().value(key, default)
    return str(value) if value is not None else default


def remember(key: str, value: str) -> None:
    settings = app_settings()
    settings.setValue(key, value)
    settings.sync()  # a crash later must not lose it


def last_folder() -> str:
    """The folder the last file dialog was left in, or the user's home (also when it has gone since)."""
    folder = remembered(LAST_FOLDER)
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def _remember_place(path: str) -> None:
    if path:
        place = Path(path)
        remember(LAST_FOLDER, str(place if place.is_dir() else place.parent))


def choose_folder(parent: QWidget | None, title: str, start: str = "") -> str:
    """A folder chosen by the user (``""`` when cancelled); opens in ``start`` or the last used folder."""
    folder = QFileDialog.getExistingDirectory(parent, title, start or last_folder())
    _remember_place(folder)
    return folder


def choose_file(parent: QWidget | None, title: str, filters: str, start: str = "") -> str:
    """One existing file (``""`` when cancelled)."""
    path, _ = QFileDialog.getOpenFileName(parent, title, start or last_folder(), filters)
    _remember_place(path)
    return path


def choose_files(parent: QWidget | None, title: str, filters: str) -> list[str]:
    """Existing files (empty when cancelled)."""
    paths, _ = QFileDialog.getOpenFileNames(parent, title, last_folder(), filters)
    if paths:
        _remember_place(paths[0])
    return list(paths)


def choose_save_path(parent: QWidget | None, title: str, file_name: str, filters: str) -> str:
    """Where to save a new file, suggested as ``file_name`` in the last used folder (``""`` when cancelled)."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path(last_folder()) / file_name), filters)
    _remember_place(path)
    return path
