"""`python main.py --screenshots DIR`: the app photographs itself for the README.

It opens the bundled sample data, trains a short run with the settings below and saves one PNG per tab,
so the documentation always shows the real window.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from gui.main_window import MainWindow
from gui.second_stage import DATA_TAB, LATER_TABS

log = logging.getLogger(__name__)

TOUR_EPOCHS = 6
TOUR_IMAGE_SIZE = 96


def _wait(condition: object, timeout_s: float) -> None:
    """Process events until ``condition()`` is true (or the timeout passes)."""
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: loop.quit() if condition() else None)  # type: ignore[operator]
    poll.start(50)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    poll.stop()


def _thumbnails_shown(window: MainWindow) -> bool:
    # Imported here, once the second stage has loaded torch: the gallery imports it, and an import of torch on
    # this thread while the second stage imports it in the background fails half-way (partially initialised).
    from gui.widgets.gallery import ImageGallery

    return not any(gallery.loading for gallery in window.findChildren(ImageGallery) if gallery.isVisible())


def take_screenshots(window: MainWindow, out_dir: Path, data_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    window.resize(1280, 800)
    _wait(lambda: window.is_loaded and bool(window.model_panel.catalog), 120)
    window.open_folder(data_dir)
    _wait(lambda: window.state.report is not None, 60)
    window.model_panel.set_weights("none")
    window.training_panel.set_basics(epochs=TOUR_EPOCHS, image_size=TOUR_IMAGE_SIZE)
    done: list[object] = []
    window.controller.finished.connect(done.append)
    window.start_training()
    _wait(lambda: bool(done), 900)
    saved = []
    english_titles = (DATA_TAB, *LATER_TABS)  # the files keep their English names in every language
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        _wait(lambda: _thumbnails_shown(window), 30)  # the Data tab's and Results' galleries decode in the background
        title = english_titles[index] if index < len(english_titles) else window.tabs.tabText(index)
        name = title.split("·")[-1].strip().lower().replace(" ", "-")
        path = out_dir / f"tab-{index}-{name}.png"  # not translated: a file name
        window.grab().save(str(path))
        saved.append(path)
    window.tabs.setCurrentWidget(window.training_panel)
    QApplication.processEvents()
    main = out_dir / "window.png"
    window.grab().save(str(main))
    saved.append(main)
    return saved
