"""The end of a run happens off the GUI thread (issue 13 item 16): the window froze 1.4-5 s while it joined the
finished training child and loaded the results. These assert where the work runs, not how long it takes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import gui.jobs.controller as controller_module
import gui.panels.results.panel as results_module
from engine.config import StopReason
from engine.run.events import Event, RunFinished
from gui.jobs.controller import TrainingController
from gui.panels.results.panel import ResultsPanel
from tests.trained_run import copy_run, one_torch_thread, shared_run
from tests.trainkit import tiny_config


class _FinishedRunner:
    """A runner whose job has ended (its last event is ready); it notes the thread that closes it."""

    def __init__(self) -> None:
        self.closed_on: list[threading.Thread] = []
        self._events: list[Event] = []
        self._finished: RunFinished | None = None

    def prewarm(self) -> None:
        pass

    def start(self, config: object, run_dir: Path, *, resume: bool = False, job: str = "train") -> None:
        self._events = [RunFinished(StopReason.FINISHED, "Done.")]

    def poll(self, timeout: float) -> list[Event]:
        out, self._events = self._events, []
        if out:
            self._finished = out[-1]  # type: ignore[assignment]
        return out

    def cancel(self) -> None:
        pass

    def set_paused(self, paused: bool) -> None:
        pass

    def close(self, timeout: float = 10.0) -> None:
        self.closed_on.append(threading.current_thread())

    @property
    def finished(self) -> RunFinished | None:
        return self._finished


def test_a_finished_runs_child_is_left_to_exit_off_the_gui_thread_and_the_window_hears_the_end_at_once(
        qtbot, monkeypatch: pytest.MonkeyPatch, image_folder: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runner = _FinishedRunner()
    monkeypatch.setattr(controller_module, "_make_runner", lambda kind: runner)
    controller = TrainingController("process")
    try:
        with qtbot.waitSignal(controller.finished, timeout=30_000):
            controller.start(tiny_config(image_folder, epochs=1), tmp_path / "run")
        assert not controller.running
    finally:
        controller.shutdown(5)  # waits for the closer
    assert runner.closed_on and all(thread is not threading.main_thread() for thread in runner.closed_on)


@pytest.fixture
def trained(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[Path]:
    with one_torch_thread():
        yield copy_run(shared_run(tmp_path_factory), tmp_path / "run")


def test_the_results_of_a_run_are_loaded_in_a_background_thread(qtbot, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                                 trained: Path) -> None:
    loaded_on: list[threading.Thread] = []

    def noting(function):  # type: ignore[no-untyped-def]
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            loaded_on.append(threading.current_thread())
            return function(*args, **kwargs)
        return call

    monkeypatch.setattr(results_module, "load_evaluation", noting(results_module.load_evaluation))
    monkeypatch.setattr(results_module, "evaluate_run", noting(results_module.evaluate_run))
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    try:
        with qtbot.waitSignal(panel.evaluated, timeout=60_000):
            panel.show_run(trained)
    finally:
        panel.shutdown()
    assert loaded_on and all(thread is not threading.main_thread() for thread in loaded_on)
    assert panel.evaluation is not None and panel.evaluation.run_dir == trained
