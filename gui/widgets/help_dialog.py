"""The Help menu's guide: the sections of engine/help/guide.py in a window beside the app, with a contents list.

The text is the engine's (plain, translatable); this module only lays it out. The Help menu opens it at the
section of the tab in front (F1) or at the start.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QHBoxLayout, QListWidget, QListWidgetItem, QMainWindow, QTextBrowser, QWidget

from engine.core.i18n import tr
from engine.help.guide import Section, guide


def section_html(section: Section) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in section.paragraphs)
    return f'<h2><a name="{section.key}"></a>{html.escape(section.title)}</h2>{paragraphs}'


class HelpDialog(QDialog):
    """The guide, one section at a time, chosen in the contents list on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Finetune Studio guide"))
        self.resize(900, 640)
        self.sections = guide()
        self.contents = QListWidget()
        self.contents.setMaximumWidth(260)
        self.contents.setWordWrap(True)  # long titles wrap instead of hiding behind a scroll bar
        self.contents.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.contents.setSpacing(2)
        for section in self.sections:
            item = QListWidgetItem(section.title)
            item.setData(Qt.ItemDataRole.UserRole, section.key)
            self.contents.addItem(item)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.contents.currentRowChanged.connect(self._show_row)
        layout = QHBoxLayout(self)
        layout.addWidget(self.contents)
        layout.addWidget(self.text, 1)
        self.show_section(self.sections[0].key)

    def show_section(self, key: str) -> None:
        """Show the section ``key`` (the first one for a key the guide does not have)."""
        keys = [s.key for s in self.sections]
        self.contents.setCurrentRow(keys.index(key) if key in keys else 0)
        self._show_row(self.contents.currentRow())

    def current_key(self) -> str:
        return self.sections[max(self.contents.currentRow(), 0)].key

    def _show_row(self, row: int) -> None:
        if 0 <= row < len(self.sections):
            self.text.setHtml(section_html(self.sections[row]))


def install_help_menu(window: QMainWindow, current_tab_key: Callable[[], str]) -> HelpDialog:
    """A Help menu on ``window``: the guide at the tab in front (F1), the guide from the start, the word list.

    ``current_tab_key`` names the tab in front (engine/help/guide.py ``TAB_KEYS``); pass a weak method
    (gui.widgets.common.weak_method), since the menu's actions live as long as the window.
    """
    dialog = HelpDialog(window)
    menu = window.menuBar().addMenu(tr("&Help"))
    for text, shortcut, key in ((tr("Help on this tab"), QKeySequence.StandardKey.HelpContents, None),
                                (tr("Guide to fine-tuning"), None, "fine-tuning"),
                                (tr("Words used in the app"), None, "words")):
        action = QAction(text, window)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(_opener(dialog, key, current_tab_key))
        menu.addAction(action)
    return dialog


def _opener(dialog: HelpDialog, key: str | None, current_tab_key: Callable[[], str]) -> Callable[[], None]:
    def open_guide() -> None:
        dialog.show_section(key or current_tab_key())
        dialog.show()
        dialog.raise_()

    return open_guide
