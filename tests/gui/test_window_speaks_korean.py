"""In Korean, the window shows no English a Korean reader would have to translate (issue 17).

The source scan (tests/test_translations.py) finds sentences left outside ``tr()``; this walks the real window
in Korean — every tab, menu, button, label, tooltip, group title, list entry and column header — and fails on
English words that are not names (ImageNet, ONNX, a model's or a class's name, a file name)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QTabWidget,
    QWidget,
)

from engine.core.i18n import set_language
from tests.imagegen import make_image_folder
from tests.korean_text import english_words, has_hangul


def shown_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every text the user can read in ``root`` and its children."""
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        where = f"{type(widget).__name__} {widget.objectName()}".strip()
        if widget.toolTip():
            yield f"{where} tooltip", widget.toolTip()
        if isinstance(widget, QLabel | QAbstractButton):
            yield where, widget.text()
        elif isinstance(widget, QGroupBox):
            yield where, widget.title()
        elif isinstance(widget, QLineEdit):
            yield f"{where} placeholder", widget.placeholderText()
        elif isinstance(widget, QComboBox):
            for index in range(widget.count()):
                yield f"{where} item", widget.itemText(index)
        elif isinstance(widget, QTabWidget):
            for index in range(widget.count()):
                yield f"{where} tab", widget.tabText(index)
        elif isinstance(widget, QMenu):
            yield f"{where} title", widget.title()
            for action in widget.actions():
                yield f"{where} action", action.text()
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            try:
                columns = model.columnCount(QModelIndex())
            except TypeError:  # a list model: no columns, no header
                continue
            for column in range(columns):
                header = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
                if header is not None:
                    yield f"{where} header", str(header)
    for action in root.actions():
        yield "window action", action.text()


@pytest.fixture
def korean_window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    set_language("ko")
    from gui.main_window import MainWindow

    window = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: bool(window.model_panel.catalog), timeout=60_000)
    folder = make_image_folder(tmp_path / "images")
    with qtbot.waitSignal(window.data_panel.report_changed, check_params_cb=lambda r: r is not None,
                          timeout=60_000):
        window.open_folder(folder)
    yield window
    window.shutdown()
    set_language("en")


def test_every_tab_of_the_korean_window_reads_korean(qtbot, korean_window) -> None:  # type: ignore[no-untyped-def]
    english: list[str] = []
    hangul = 0
    for index in range(korean_window.tabs.count()):
        korean_window.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        for where, text in shown_texts(korean_window):
            hangul += has_hangul(text)
            words = english_words(text)
            if words:
                english.append(f"{where}: {text[:90]!r} ({' '.join(words[:6])})")
    unique = sorted(set(english))
    assert not unique, f"{len(unique)} texts still in English:\n" + "\n".join(unique[:80])
    assert hangul > 50  # and the window is really in Korean
