"""The window's own words in Korean: tabs, menus, status bar, gallery, Grad-CAM view, plots, the start-up check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gui.main_window import MainWindow
from gui.platform_check import window_problem
from gui.widgets.gallery import ImageGallery
from gui.widgets.plots import LrFinderPlot, TrainingPlots


@pytest.fixture
def staged_window(qtbot, tmp_path: Path, korean: None) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs", staged=True)  # the Data tab only
    qtbot.addWidget(win)
    yield win
    win.shutdown()


def test_tabs_menus_and_status_bar_speak_korean(staged_window: MainWindow) -> None:
    win = staged_window
    assert win.tabs.tabText(0) == "1 · 데이터"
    assert win.tabs.tabText(1) == "2 · 모델 (불러오는 중…)"
    assert win.tabs.tabText(6) == "지난 실행 (불러오는 중…)"
    menus = [action.text() for action in win.menuBar().actions()]
    assert menus[:3] == ["파일(&F)", "보기(&V)", "도움말(&H)"]
    assert win.statusBar().currentMessage() == "시작하려면 이미지 폴더를 선택하세요."
    assert win.windowTitle() == "Finetune Studio"


def test_a_scanned_folder_is_counted_in_korean(qtbot, staged_window: MainWindow, image_folder: Path) -> None:  # type: ignore[no-untyped-def]
    win = staged_window
    with qtbot.waitSignal(win.data_panel.report_changed, check_params_cb=lambda r: r is not None, timeout=30_000):
        win.open_folder(image_folder)
    qtbot.waitUntil(lambda: win.statusBar().currentMessage() == "클래스 3개, 이미지 36장.", timeout=10_000)


def test_gallery_and_plots_label_themselves_in_korean(qtbot, korean: None) -> None:  # type: ignore[no-untyped-def]
    gallery = ImageGallery()
    plots = TrainingPlots()
    finder = LrFinderPlot()
    for widget in (gallery, plots, finder):
        qtbot.addWidget(widget)
    assert gallery.title.text() == "이미지가 없습니다."
    assert gallery.reveal_button.text() == "폴더에서 보기"
    assert plots.loss_plot.getAxis("bottom").labelText == "에포크"
    assert plots.loss_plot.getAxis("left").labelText == "손실"
    assert plots.loss.widget.getPlotItem().titleLabel.text == "손실(낮을수록 좋음)"
    assert finder.getAxis("bottom").labelText == "학습률"
    gallery.shutdown()


def test_english_stays_the_default(qtbot) -> None:  # type: ignore[no-untyped-def]
    gallery = ImageGallery()
    qtbot.addWidget(gallery)
    assert gallery.title.text() == "No images."
    assert gallery.reveal_button.text() == "Show in folder"
    gallery.shutdown()


def test_the_missing_libraries_sentence_is_korean_and_keeps_the_command(korean: None) -> None:
    message = window_problem({"DISPLAY": ":0"}, platform="linux", loader=lambda _name: False,
                             os_release={"ID": "debian"})
    assert message is not None
    assert "창을 열 수 없습니다" in message and "sudo apt-get install libx11-xcb1 libxcb-cursor0" in message
    no_screen = window_problem({}, platform="linux")
    assert no_screen is not None and "창을 열 화면이 없습니다" in no_screen and "python -m engine --help" in no_screen
