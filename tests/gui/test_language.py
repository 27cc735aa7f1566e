"""The window's language: the system's, or the one chosen in View → Language (remembered, then a restart);
Qt's own buttons in it; and English with a plain sentence when no font can show Korean (issue 17)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMainWindow, QMessageBox

from engine.core.i18n import LANGUAGE_VARIABLE, current_language, set_language
from gui.widgets import language
from gui.widgets.app_settings import remember, remembered

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def english_again():  # type: ignore[no-untyped-def]
    yield
    set_language("en")
    os.environ[LANGUAGE_VARIABLE] = "en"


def test_the_window_follows_the_system_language_when_nothing_was_chosen(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {LANGUAGE_VARIABLE, "LANGUAGE", "LC_ALL", "LC_MESSAGES"}}
    env.update(LANG="ko_KR.UTF-8", FINETUNE_STUDIO_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    code = ("from PySide6.QtWidgets import QApplication; app = QApplication([]);"
            "from gui.widgets.language import start_language; print(start_language())")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.strip() == "ko", out.stderr
    env["LANG"] = "en_US.UTF-8"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.strip() == "en", out.stderr


def test_a_remembered_choice_wins_over_the_system_and_the_variable_over_both(
        qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LANGUAGE_VARIABLE)
    monkeypatch.setattr(language, "system_language", lambda: "en")
    assert language.start_language() == "en"
    remember(language.LANGUAGE_KEY, "ko")
    assert language.start_language() == "ko"
    monkeypatch.setenv(LANGUAGE_VARIABLE, "en")
    assert language.start_language() == "en"


def test_korean_start_up_translates_the_engine_qt_and_the_child(qapp: QApplication, english_again,  # type: ignore[no-untyped-def]
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LANGUAGE_VARIABLE, "ko")
    monkeypatch.setattr(language, "font_missing_for", lambda _code: False)
    installed: list[str] = []
    monkeypatch.setattr(language, "install_qt_translation", lambda _app, code: installed.append(code))
    assert language.apply_start_language(qapp) is None
    assert current_language() == "ko"
    assert os.environ[LANGUAGE_VARIABLE] == "ko"  # the training child is started with it
    assert installed == ["ko"]


def test_qt_s_own_buttons_speak_korean(qapp: QApplication) -> None:
    translator = language.install_qt_translation(qapp, "ko")
    assert translator is not None, "Qt's qtbase_ko.qm was not found"
    try:
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        button = box.button(QDialogButtonBox.StandardButton.Cancel)
        assert button is not None and button.text().replace("&", "").startswith("취소")
    finally:
        qapp.removeTranslator(translator)
    assert language.install_qt_translation(qapp, "en") is None


def test_without_a_korean_font_the_window_says_so_and_speaks_english(qapp: QApplication, english_again,  # type: ignore[no-untyped-def]
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LANGUAGE_VARIABLE, "ko")
    monkeypatch.setattr(language.QFontDatabase, "families", lambda *_args: [])
    problem = language.apply_start_language(qapp)
    assert problem is not None and "fonts-noto-cjk" in problem and "empty boxes" in problem
    assert "한국어" in problem
    assert current_language() == "en"


def test_the_language_menu_remembers_the_choice_and_offers_a_restart(qtbot, english_again,  # type: ignore[no-untyped-def]
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    restarts: list[bool] = []
    group = language.install_language_menu(window, lambda: restarts.append(True))
    names = [action.text() for action in group.actions()]
    assert names == ["English", "한국어"]
    assert [a.isChecked() for a in group.actions()] == [True, False]
    monkeypatch.setattr(language, "font_missing_for", lambda _code: False)
    asked: list[str] = []

    def answer(_parent, _title, text, *_args):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", answer)
    group.actions()[1].trigger()
    assert remembered(language.LANGUAGE_KEY) == "ko"
    # Asked in the language the window speaks and in the one chosen: either reader understands it.
    assert restarts == [] and "Restart the app now?" in asked[0] and "다시 시작" in asked[0]
    monkeypatch.setattr(QMessageBox, "question", lambda *_args: QMessageBox.StandardButton.Yes)
    group.actions()[1].trigger()
    assert restarts == [True]


def test_restart_closes_the_window_and_asks_the_app_to_start_again(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from gui.main_window import MainWindow

    window = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    qtbot.addWidget(window)
    window.show()
    assert not window.restart_requested
    window.restart()
    assert window.restart_requested and not window.isVisible()
