"""The controller with real runs: Pause/Resume, a dead child, a responsive window, closing mid-run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from engine.config import StopReason, Strategy
from engine.run.events import BatchEnded, EpochEnded, RunStarted
from engine.training.checkpoint import load_checkpoint
from gui.jobs.controller import TrainingController
from gui.main_window import MainWindow
from gui.panels.training.panel import TrainingPanel
from tests.trainkit import one_thread, tiny_config

__all__ = ["one_thread"]


def _panel_with(qtbot, controller: TrainingController) -> TrainingPanel:  # type: ignore[no-untyped-def]
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    controller.events.connect(panel.on_events)
    controller.finished.connect(panel.on_finished)
    panel.pause_requested.connect(controller.set_paused)
    panel.stop_requested.connect(controller.stop)
    return panel


@pytest.mark.usefixtures("one_thread")
def test_pause_holds_the_run_and_continue_finishes_it(qtbot, image_folder: Path,  # type: ignore[no-untyped-def]
                                                       tmp_path: Path) -> None:
    controller = TrainingController("thread")
    panel = _panel_with(qtbot, controller)
    batches: list[BatchEnded] = []
    controller.events.connect(lambda evs: batches.extend(e for e in evs if isinstance(e, BatchEnded)))
    try:
        panel.begin()
        controller.start(tiny_config(image_folder, epochs=3, batch_size=2), tmp_path / "run")
        qtbot.waitUntil(lambda: bool(batches), timeout=60_000)
        panel.pause_button.click()
        assert panel.pause_button.text() == "Continue"
        qtbot.waitUntil(lambda: panel.status.text().startswith("Paused in epoch"), timeout=30_000)
        assert panel.eta.text() == "paused"
        while_paused = len(batches)
        with qtbot.waitSignal(controller.finished, timeout=120_000) as finished:
            assert len(batches) == while_paused, "nothing trains while paused"
            panel.pause_button.click()
    finally:
        controller.shutdown(10)
    assert finished.args[0].reason is StopReason.FINISHED
    assert "finished all 3 epochs" in panel.status.text()


@pytest.mark.slow
def test_the_window_stays_responsive_and_survives_the_training_process_dying(
        qtbot, image_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    window = MainWindow(runner_kind="process", runs_dir=tmp_path / "runs")
    qtbot.addWidget(window)
    window.show()
    controller, panel = window.controller, window.training_panel
    gaps: list[float] = []
    last = [time.perf_counter()]

    def probe() -> None:  # a timer the GUI thread must serve every 10 ms
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(probe)
    epochs: list[EpochEnded] = []
    controller.events.connect(lambda evs: epochs.extend(e for e in evs if isinstance(e, EpochEnded)))
    try:
        panel.begin()
        controller.start(tiny_config(image_folder, epochs=200, batch_size=2), tmp_path / "runs" / "run")
        qtbot.waitUntil(lambda: bool(epochs), timeout=120_000)
        last[0] = time.perf_counter()
        timer.start(10)
        qtbot.waitUntil(lambda: len(epochs) >= 8, timeout=120_000)
        timer.stop()
        with qtbot.waitSignal(controller.finished, timeout=60_000) as finished:
            controller.runner.kill()  # type: ignore[union-attr]
        result = finished.args[0]
        assert result.reason is StopReason.FAILED and result.child_died
        assert "was killed" in panel.status.text() and panel.status.kind == "error"
        assert len(panel.history.epochs) >= 3, "the plots are kept"
        assert not panel.resume_button.isHidden()

        starts: list[RunStarted] = []
        controller.events.connect(lambda evs: starts.extend(e for e in evs if isinstance(e, RunStarted)))
        panel.resume_button.click()
        qtbot.waitUntil(lambda: bool(starts), timeout=120_000)
        resumed_from = starts[0].resumed_from_epoch
        assert resumed_from >= 2, "it continues from the last checkpoint, not from the start"
        qtbot.waitUntil(lambda: len(panel.history.epochs) >= resumed_from, timeout=30_000)  # the history is back
        assert panel.resume_button.isHidden()
    finally:
        window.shutdown()
    print(f"window probe: {len(gaps)} ticks, longest gap {max(gaps) * 1000:.1f} ms")
    assert len(gaps) > 50
    # Responsive means the GUI thread never waits for the training: no tick is late by a freeze a person sees
    # (the old end-of-run wait for the child was 1.4-5 s). The finer goal, no stall over 50 ms, is measured
    # by bench/bench_gui_stalls.py: on 2 busy cores the OS scheduler alone delays a thread by 50 ms at times
    # (58.8 ms seen here with no code of ours on the GUI thread's stack), so a test cannot hold it.
    assert max(gaps) < 0.25, f"the window froze for {max(gaps) * 1000:.0f} ms"
    assert sorted(gaps)[len(gaps) // 2] < 0.02, "the timer was served on time most of the time"


@pytest.mark.usefixtures("one_thread")
def test_closing_the_window_during_training_asks_then_stops_keeping_the_checkpoint(
        qtbot, image_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    answers = [QMessageBox.No, QMessageBox.Yes]
    asked: list[str] = []

    def question(parent, title, text, *args):  # type: ignore[no-untyped-def]
        asked.append(text)
        return answers[len(asked) - 1]

    monkeypatch.setattr(QMessageBox, "question", question)
    window = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    qtbot.addWidget(window)
    window.show()
    epochs: list[EpochEnded] = []
    window.controller.events.connect(lambda evs: epochs.extend(e for e in evs if isinstance(e, EpochEnded)))
    run = tmp_path / "runs" / "run"
    try:
        window.controller.start(tiny_config(image_folder, epochs=100, batch_size=2), run)
        qtbot.waitUntil(lambda: bool(epochs), timeout=120_000)
        assert not window.close() and window.controller.running, "answering No keeps training"
        started = time.monotonic()
        with qtbot.waitSignal(window.controller.finished, timeout=30_000) as finished:
            window.close()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
        assert time.monotonic() - started < 15
    finally:
        window.shutdown()
    assert len(asked) == 2 and "resume the run later" in asked[0]
    assert finished.args[0].reason is StopReason.CANCELLED
    assert load_checkpoint(run / "checkpoints" / "last.safetensors").epoch >= 1


@pytest.mark.usefixtures("one_thread")
def test_find_learning_rate_then_use_it_with_one_click(qtbot, image_folder: Path,  # type: ignore[no-untyped-def]
                                                       tmp_path: Path) -> None:
    window = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    qtbot.addWidget(window)
    window.show()
    panel = window.training_panel
    try:
        with qtbot.waitSignal(window.data_panel.report_changed, check_params_cb=lambda r: r is not None,
                              timeout=30_000):
            window.open_folder(image_folder)
        qtbot.waitUntil(lambda: bool(window.model_panel.catalog), timeout=30_000)
        window.model_panel.set_arch("mobilenet_v3_small")
        window.model_panel.set_weights("none")
        window.model_panel.set_strategy(Strategy.FULL)
        panel.image_size.setValue(32)
        panel.batch_size.setValue(4)
        window.tabs.setCurrentWidget(panel)
        with qtbot.waitSignal(window.controller.lr_finder_finished, timeout=120_000) as finished:
            panel.options.find_lr.click()
            assert not panel.train_button.isEnabled(), "one job at a time"
        assert finished.args[0].reason is StopReason.FINISHED, finished.args[0].detail
        assert panel.train_button.isEnabled() and window.controller.run_dir is None, "no run folder was made"
        box = panel.lr_box
        assert box.isVisible() and len(box.plot.curve.getData()[0]) >= 5
        if box.suggested_lr is not None:
            box.apply_button.click()
            assert panel.lr.value() == pytest.approx(box.suggested_lr, rel=1e-3)
        else:
            assert "no suggestion" in box.message.text()
    finally:
        window.shutdown()


@pytest.mark.usefixtures("one_thread")
def test_a_slow_run_switches_to_the_cached_features_path_on_request(
        qtbot, image_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import engine.training.device
    from tests.trainkit import make_pretrained_file

    monkeypatch.setattr(engine.training.device, "SLOW_CPU_RUN_S", 0.0)  # as if this run would take hours
    weights = make_pretrained_file(tmp_path / "w.safetensors", "resnet18")
    window = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    qtbot.addWidget(window)
    window.show()
    panel = window.training_panel
    starts: list[RunStarted] = []
    window.controller.events.connect(lambda evs: starts.extend(e for e in evs if isinstance(e, RunStarted)))
    try:
        with qtbot.waitSignal(window.data_panel.report_changed, check_params_cb=lambda r: r is not None,
                              timeout=30_000):
            window.open_folder(image_folder)
        qtbot.waitUntil(lambda: bool(window.model_panel.catalog), timeout=30_000)
        window.model_panel.set_weights(str(weights))
        window.model_panel.set_strategy(Strategy.FULL)
        panel.image_size.setValue(32)
        panel.batch_size.setValue(2)
        panel.epochs.setValue(30)
        panel.train_button.click()
        qtbot.waitUntil(lambda: panel.fast_path_button.isVisible(), timeout=120_000)
        assert "features computed once" in panel.estimate.text()
        panel.fast_path_button.click()
        qtbot.waitUntil(lambda: len(starts) == 2, timeout=120_000)
        assert "computed once" in " ".join(starts[1].notes), "the new run trains the head on cached features"
        assert window.model_panel.strategy() is Strategy.HEAD
        with qtbot.waitSignal(window.controller.finished, timeout=120_000):
            window.controller.stop()
    finally:
        window.shutdown()


@pytest.mark.usefixtures("one_thread")
def test_a_second_stop_then_replaces_the_first_and_leaves_no_timer_behind(qtbot, image_folder: Path,  # type: ignore[no-untyped-def]
                                                                          tmp_path: Path) -> None:
    # E.g. "Switch to the fast path" (stop, then train again), then closing the window (stop, then close): only
    # closing may follow, and nothing may fire later (a left-over timer would start training in a closed window).
    from PySide6.QtCore import QTimer

    controller = TrainingController("thread")
    batches: list[BatchEnded] = []
    controller.events.connect(lambda evs: batches.extend(e for e in evs if isinstance(e, BatchEnded)))
    called: list[str] = []
    try:
        controller.start(tiny_config(image_folder, epochs=100, batch_size=2), tmp_path / "run")
        qtbot.waitUntil(lambda: bool(batches), timeout=60_000)
        with qtbot.waitSignal(controller.finished, timeout=60_000):
            controller.stop_then(lambda: called.append("train again"), 60.0)
            controller.stop_then(lambda: called.append("close"), 60.0)
    finally:
        controller.shutdown(10)
    assert called == ["close"]
    assert [t for t in controller.findChildren(QTimer) if t.isActive()] == [], "a timer would still fire later"
