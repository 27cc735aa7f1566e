"""SIGTERM (and Ctrl+C in the app's terminal) closes the window the normal way: a running training stops within
a batch and keeps its best model and checkpoint; no question is asked, since nobody may be there to answer."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from engine.config import StopReason
from engine.run.events import EpochEnded
from gui.main_window import MainWindow
from gui.quit_signals import install_quit_signals
from tests.gui.test_main_window import open_and_wait, small_settings
from tests.imagegen import make_image_folder


def test_sigterm_stops_training_keeps_the_best_model_and_closes_the_window(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    qtbot.addWidget(win)
    win.show()
    quit_signals = install_quit_signals(win)
    try:
        open_and_wait(qtbot, win, make_image_folder(tmp_path / "many", {"red": 40, "blue": 40}, size=32))
        small_settings(win, epochs=50)
        win.training_panel.batch_size.setValue(2)
        epochs: list[EpochEnded] = []
        win.controller.events.connect(lambda evs: epochs.extend(e for e in evs if isinstance(e, EpochEnded)))
        with qtbot.waitSignal(win.controller.finished, timeout=120_000) as finished:
            win.training_panel.train_button.click()
            qtbot.waitUntil(lambda: bool(epochs), timeout=60_000)
            os.kill(os.getpid(), signal.SIGTERM)  # `kill PID`, a session manager logging out
        assert finished.args[0].reason is StopReason.CANCELLED
        assert "the best model so far" in finished.args[0].detail
        qtbot.waitUntil(lambda: not win.isVisible(), timeout=30_000)
        run_dir = win.controller.run_dir
        assert run_dir is not None and (run_dir / "model" / "model.json").is_file()
        assert (run_dir / "checkpoints" / "last.safetensors").is_file()
    finally:
        quit_signals.uninstall()
        win.shutdown()


def test_sigterm_with_nothing_running_closes_the_window(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    qtbot.addWidget(win)
    win.show()
    quit_signals = install_quit_signals(win)
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: not win.isVisible(), timeout=10_000)
    finally:
        quit_signals.uninstall()
        win.shutdown()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, "the previous handler is back"
