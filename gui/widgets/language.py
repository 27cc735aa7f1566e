"""The window's language: chosen at start-up, Qt's own dialogs in it, a font that can show it, and the
View → Language menu (docs/ARCHITECTURE.md, "Languages").

The language is chosen once, before the first window is built: ``FINETUNE_STUDIO_LANG`` when set (the
command line's ``--lang`` and the tests set it), else the choice made in View → Language (remembered in the
app's settings), else the system's language. Choosing another language in the menu is remembered and takes
effect when the window opens again: the menu offers to restart the app now (every text is built in one
language; rebuilding a window under a running training is not worth the risk of a half-translated one).
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator, Slot
from PySide6.QtGui import QAction, QActionGroup, QFontDatabase
from PySide6.QtWidgets import QMainWindow, QMessageBox

from engine.core.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_VARIABLE,
    LANGUAGES,
    current_language,
    normalise_language,
    set_language,
    tr,
    tr_in,
)
from gui.widgets.app_settings import remember, remembered

log = logging.getLogger(__name__)

LANGUAGE_KEY = "view/language"
#: What a Linux desktop installs for Korean text; Windows and macOS ship Korean fonts.
KOREAN_FONT_COMMAND = "sudo apt-get install fonts-noto-cjk"  # not translated: a command
#: Languages whose script needs fonts a desktop may lack, with the writing system Qt checks for.
_SCRIPTS = {"ko": QFontDatabase.WritingSystem.Korean}


def system_language() -> str:
    """The first language of the system's user interface the app speaks (English when none)."""
    for name in QLocale.system().uiLanguages():
        code = normalise_language(name)
        if code is not None:
            return code
    return DEFAULT_LANGUAGE


def start_language() -> str:
    """The language the window opens in (see the module's documentation for the order)."""
    explicit = normalise_language(os.environ.get(LANGUAGE_VARIABLE, ""))
    if explicit is not None:
        return explicit
    return normalise_language(remembered(LANGUAGE_KEY)) or system_language()


def font_missing_for(language: str) -> bool:
    """Would ``language``'s text show as empty boxes (no installed font has its script)?"""
    script = _SCRIPTS.get(language)
    return script is not None and not QFontDatabase.families(script)


def missing_font_message(language: str) -> str:
    """In English and in the language itself: the window cannot show it yet, and how to fix that."""
    name = LANGUAGES.get(language, language)
    # not translated: shown when the language cannot be displayed, so in English and in Korean at once
    return (f"The window cannot show {name} yet: no installed font has Korean letters, so they would appear "
            f"as empty boxes. Install one ({KOREAN_FONT_COMMAND} on Debian or Ubuntu) and start the app "
            "again; until then it speaks English.\n\n"
            "한국어 글꼴이 설치되어 있지 않아 한국어가 빈 네모로 보입니다. 글꼴을 설치한 뒤 "
            f"({KOREAN_FONT_COMMAND}) 앱을 다시 시작하세요. 그때까지는 영어로 표시합니다.")


def apply_start_language(app: QCoreApplication) -> str | None:
    """Speak the start-up language from now on (engine sentences, the window, Qt's own dialogs and the
    training child); returns a message for the user when that language cannot be shown, else None."""
    wanted = start_language()
    problem = None
    if font_missing_for(wanted):
        problem = missing_font_message(wanted)
        log.warning("no font for %s; the window speaks English", wanted)
        wanted = DEFAULT_LANGUAGE
    chosen = set_language(wanted)
    os.environ[LANGUAGE_VARIABLE] = chosen  # every child process (training, warm-up) speaks it too
    install_qt_translation(app, chosen)
    return problem


def install_qt_translation(app: QCoreApplication, language: str) -> QTranslator | None:
    """Qt's own texts (file dialogs, standard buttons) from Qt's shipped translation, installed; None for
    English or when Qt ships none for ``language``."""
    if language == DEFAULT_LANGUAGE:
        return None
    translator = QTranslator(app)  # owned by the application: it must live as long as the texts it serves
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(f"qtbase_{language}", folder) or not app.installTranslator(translator):
        log.warning("Qt has no translation qtbase_%s in %s", language, folder)
        translator.deleteLater()
        return None
    return translator


def install_language_menu(window: QMainWindow, restart: Callable[[], None]) -> QActionGroup:
    """View → Language: one checkable entry per language, in its own name. Choosing one remembers it and
    offers to restart; ``restart`` closes the window the normal way and starts the app again."""
    menu = window.menuBar().addMenu(tr("&View")).addMenu(tr("&Language"))
    group = QActionGroup(window)
    group.setExclusive(True)
    for code, name in LANGUAGES.items():
        action = QAction(name, window)
        action.setCheckable(True)
        action.setChecked(code == current_language())
        action.setData(code)
        group.addAction(action)
        menu.addAction(action)
    choice = _LanguageChoice(window, restart, group)  # owned by the group, as long-lived as the menu
    group.triggered.connect(choice.chosen)
    return group


class _LanguageChoice(QObject):
    """Remembers the language picked in the menu and asks whether to restart now."""

    def __init__(self, window: QMainWindow, restart: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._window = weakref.ref(window)  # the window owns the menu: no cycle back to it
        self._restart = restart

    @Slot(QAction)
    def chosen(self, action: QAction) -> None:
        code = str(action.data())
        remember(LANGUAGE_KEY, code)
        if code == current_language():
            return
        name = LANGUAGES[code]
        window = self._window()
        if font_missing_for(code):
            QMessageBox.warning(window, name, missing_font_message(code))
            return
        # Asked in both languages: the person who picked the new one may not read the old one.
        question = tr("The window will speak {language} when it opens again. Restart the app now?",
                      language=name)
        in_new = tr_in(code, "The window will speak {language} when it opens again. Restart the app now?",
                       language=name)
        if in_new != question:
            question = f"{question}\n\n{in_new}"
        answer = QMessageBox.question(window, name, question,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.Yes)
        if answer == QMessageBox.StandardButton.Yes:
            self._restart()
