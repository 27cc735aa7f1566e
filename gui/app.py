"""Application start-up: logging to a file, a plain message instead of a traceback, the main window."""

from __future__ import annotations

import logging
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox, QSplashScreen

from engine.core.paths import logs_dir
from gui.gui_thread_gc import pin_garbage_collection_to_gui_thread
from gui.platform_check import window_problem

log = logging.getLogger("finetune_studio")


def log_file() -> Path:
    return logs_dir() / "app.log"


def setup_logging() -> None:
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    # The traceback goes to the log file; the user gets one sentence and the app keeps running.
    log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, value, tb)))
    if QApplication.instance() is not None:
        QMessageBox.warning(None, "Something went wrong",
                            f"Something unexpected happened ({value}). Your work is kept; the details are in "
                            f"{log_file()}.")


def _splash() -> QSplashScreen:
    pixmap = QPixmap(420, 140)
    pixmap.fill(QColor("#1f3b5a"))
    painter = QPainter(pixmap)
    painter.setPen(QColor("white"))
    font = QFont()
    font.setPointSize(18)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect().adjusted(0, -20, 0, 0), Qt.AlignCenter, "Finetune Studio")
    font.setPointSize(10)
    font.setBold(False)
    painter.setFont(font)
    painter.drawText(pixmap.rect().adjusted(0, 50, 0, 0), Qt.AlignCenter, "Starting… loading PyTorch")
    painter.end()
    splash = QSplashScreen(pixmap)
    splash.show()
    QApplication.processEvents()
    return splash


def create_application(argv: list[str]) -> QApplication:
    """The QApplication (made once), with Python's garbage collection pinned to its thread (gui/gui_thread_gc.py)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    app.setApplicationName("Finetune Studio")
    pin_garbage_collection_to_gui_thread(app)
    return app


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Finetune Studio")
    parser.add_argument("data_dir", nargs="?", help="image folder to open (default: the bundled sample data)")
    parser.add_argument("--screenshots", metavar="DIR",
                        help="open the data, train a short run, save a PNG of every tab into DIR, and quit")
    args = parser.parse_args(argv)

    problem = window_problem()  # Qt's own answer to missing system libraries is an abort
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    setup_logging()
    sys.excepthook = _excepthook
    app = create_application(sys.argv[:1])
    splash = _splash()  # importing PyTorch takes seconds: say so at once
    from gui.main_window import MainWindow
    from gui.panels.data.panel import SAMPLE_DATA
    from gui.quit_signals import install_quit_signals

    window = MainWindow()
    install_quit_signals(window)  # SIGTERM / Ctrl+C close the window the normal way (gui/quit_signals.py)
    window.show()
    splash.finish(window)
    if args.screenshots:  # the same window every time: nothing remembered
        data_dir = Path(args.data_dir) if args.data_dir else SAMPLE_DATA
        from gui.tour import take_screenshots

        for path in take_screenshots(window, Path(args.screenshots), data_dir):
            print(path)
        window.shutdown()
        return 0
    from gui.session_memory import SessionMemory

    memory = SessionMemory(window)  # the last folder, weights file, split, size and tab (QSettings)
    memory.restore()
    window.open_folder(Path(args.data_dir) if args.data_dir else memory.data_folder() or SAMPLE_DATA)
    memory.restore_tab()
    return int(app.exec())
