"""Item 1 of issue 13: the mouse wheel over a field without focus scrolls the page, never changes the value."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QScrollArea, QSlider, QSpinBox, QVBoxLayout, QWidget

from gui.main_window import MainWindow


def wheel(widget: QWidget, notches: int = -1) -> None:
    """One wheel turn (down for negative ``notches``) with the pointer over ``widget``'s middle."""
    local = QPointF(widget.width() / 2, widget.height() / 2)
    global_pos = QPointF(widget.mapToGlobal(local.toPoint()))
    event = QWheelEvent(local, global_pos, QPoint(0, 0), QPoint(0, 120 * notches), Qt.NoButton, Qt.NoModifier,
                        Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


@pytest.fixture
def window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    win = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    yield win
    win.shutdown()


def test_scrolling_over_the_unfocused_schedule_scrolls_the_train_tab_and_keeps_the_schedule(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.tabs.setCurrentWidget(window.training_panel)
    options = window.training_panel.options
    options.ensureWidgetVisible(options.schedule)
    qtbot.waitExposed(window)
    schedule, bar = options.schedule, options.verticalScrollBar()
    assert bar.maximum() > 0  # the settings column does scroll at this size
    bar.setValue(bar.maximum() // 2)
    before, position = schedule.currentText(), bar.value()
    for _ in range(3):
        wheel(schedule, -1)
    assert schedule.currentText() == before
    assert bar.value() > position  # the page moved down instead
    assert schedule.focusPolicy() == Qt.StrongFocus  # and the wheel cannot give it focus either


def test_every_kind_of_field_keeps_its_value_until_clicked_and_then_takes_the_wheel(qtbot) -> None:  # type: ignore[no-untyped-def]
    from gui.widgets.wheel_guard import install_wheel_guard

    install_wheel_guard(QApplication.instance())
    area = QScrollArea()
    body = QWidget()
    layout = QVBoxLayout(body)
    combo, spin, slider = QComboBox(), QSpinBox(), QSlider(Qt.Horizontal)
    combo.addItems(["a", "b", "c"])
    spin.setRange(0, 10)
    spin.setValue(5)
    slider.setRange(0, 10)
    slider.setValue(5)
    for widget in (combo, spin, slider):
        layout.addWidget(widget)
    layout.addSpacing(2000)
    area.setWidget(body)
    area.resize(300, 200)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    for widget in (combo, spin, slider):
        wheel(widget, -1)
    assert (combo.currentIndex(), spin.value(), slider.value()) == (0, 5, 5)
    assert area.verticalScrollBar().value() > 0
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    wheel(spin, 1)
    assert spin.value() == 6  # a field the user chose works as usual
