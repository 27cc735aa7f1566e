"""Application start-up: logging to a file, a plain message instead of a traceback, the main window."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QProcess
from PySide6.QtWidgets import QApplication, QMessageBox

from engine.core.i18n import tr
from engine.core.paths import logs_dir
from gui.gui_thread_gc import freeze_long_lived_objects, pin_garbage_collection_to_gui_thread
from gui.platform_check import window_problem
from gui.widgets.language import apply_start_language

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger("finetune_studio")


def log_file() -> Path:
    return logs_dir() / "app.log"


def setup_logging() -> None:
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    # not translated: the log file's format
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    # The traceback goes to the log file; the user gets one sentence and the app keeps running.
    log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, value, tb)))
    if QApplication.instance() is not None:
        QMessageBox.warning(None, tr("Something went wrong"),
                            tr("Something unexpected happened ({error}). Your work is kept; the details are in "
                               "{log_file}.", error=value, log_file=log_file()))


def create_application(argv: list[str]) -> QApplication:
    """The QApplication (made once), with Python's garbage collection pinned to its thread (gui/gui_thread_gc.py)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    app.setApplicationName("Finetune Studio")  # not translated: the product's name (also QSettings' key)
    pin_garbage_collection_to_gui_thread(app)
    return app


def show_window(runner_kind: str = "process", runs_dir: Path | None = None) -> MainWindow:
    """The window's first stage on screen now (the Data tab works: no torch), the rest loading in the
    background; the other tabs say "loading…" until then (bench/bench_startup.py measures both)."""
    from gui.main_window import MainWindow
    from gui.quit_signals import install_quit_signals

    window = MainWindow(runner_kind, runs_dir, staged=True)
    install_quit_signals(window)  # SIGTERM / Ctrl+C close the window the normal way (gui/quit_signals.py)
    window.show()
    window.loaded.connect(freeze_long_lived_objects)  # full collections stay short (gui/gui_thread_gc.py)
    window.load_rest_in_background()
    return window


def main(argv: list[str] | None = None) -> int:
    import argparse

    from engine.cli.argparse_words import speak_argparse

    speak_argparse()  # "usage:", "options" and argparse's errors in the app's language
    parser = argparse.ArgumentParser(description="Finetune Studio")  # not translated: the product's name
    parser.add_argument("data_dir", nargs="?", help=tr("image folder to open (default: the bundled sample data)"))
    parser.add_argument("--screenshots", metavar="DIR",
                        help=tr("open the data, train a short run, save a PNG of every tab into DIR, and quit"))
    args = parser.parse_args(argv)

    problem = window_problem()  # Qt's own answer to missing system libraries is an abort
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    setup_logging()
    sys.excepthook = _excepthook
    app = create_application(sys.argv[:1])
    font_problem = apply_start_language(app)  # before any text is built (gui/widgets/language.py)
    from gui.panels.data.panel import SAMPLE_DATA

    window = show_window()
    if font_problem is not None:
        QMessageBox.warning(window, "Finetune Studio", font_problem)  # not translated: the product's name
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
    code = int(app.exec())
    if window.restart_requested:  # View → Language: the same app again, now in the chosen language
        QProcess.startDetached(sys.executable, sys.argv, os.getcwd())
    return code
