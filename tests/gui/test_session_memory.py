"""Issue 13 item 13: the window comes back as it was left, and file dialogs open where the user was last.

Every test has its own app folder (tests/conftest.py: FINETUNE_STUDIO_HOME), so the settings file these
write is a temporary one, never the user's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from engine.core.paths import studio_home
from gui.main_window import MainWindow
from gui.session_memory import SessionMemory
from gui.widgets import app_settings
from tests.trainkit import make_pretrained_file


def new_window(qtbot, runs: Path) -> tuple[MainWindow, SessionMemory]:  # type: ignore[no-untyped-def]
    win = MainWindow(runner_kind="thread", runs_dir=runs)
    qtbot.addWidget(win)
    memory = SessionMemory(win)
    memory.restore()
    win.show()
    return win, memory


def test_the_settings_are_kept_in_the_apps_own_temporary_folder(isolated_home: Path) -> None:
    assert Path(app_settings.app_settings().fileName()) == studio_home() / "settings.ini"
    assert studio_home() == isolated_home


def test_folder_weights_split_size_and_tab_come_back(qtbot, tmp_path: Path, image_folder: Path) -> None:  # type: ignore[no-untyped-def]
    weights = make_pretrained_file(tmp_path / "pre.safetensors", "resnet18")
    win, memory = new_window(qtbot, tmp_path / "runs")
    assert memory.data_folder() is None  # the first time: nothing remembered
    with qtbot.waitSignal(win.data_panel.report_changed, check_params_cb=lambda r: r is not None, timeout=30_000):
        win.open_folder(image_folder)
    win.data_panel.split.val.setValue(30)
    win.data_panel.split.grouping.setCurrentIndex(2)
    win.model_panel.set_weights(str(weights))
    win.setGeometry(24, 32, 1200, 760)
    win.tabs.setCurrentWidget(win.training_panel)
    left = win.saveGeometry()
    win.close()
    win.shutdown()

    again, memory = new_window(qtbot, tmp_path / "runs")
    assert memory.data_folder() == image_folder
    # Kept as Qt writes it; Qt fits it to the screen it is restored on (the offscreen one is 800x800).
    assert app_settings.app_settings().value("session/geometry") == left
    assert again.data_panel.split.val.value() == 30 and again.data_panel.split.grouping.currentIndex() == 2
    assert again.model_panel.weights.path.text() == str(weights)
    memory.restore_tab()
    assert again.tabs.currentWidget() is again.training_panel
    again.shutdown()


def test_dialogs_open_at_home_first_then_where_the_user_was(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    opened: list[str] = []
    chosen = tmp_path / "photos"
    chosen.mkdir()

    def dialog(parent: object, title: str, start: str) -> str:
        opened.append(start)
        return str(chosen)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(dialog))
    assert app_settings.choose_folder(None, "Choose") == str(chosen)
    app_settings.choose_folder(None, "Choose again")
    assert opened == [str(Path.home()), str(chosen)]
    chosen.rmdir()  # a folder that has gone since: home again, no error
    assert app_settings.last_folder() == str(Path.home())
