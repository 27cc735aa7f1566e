"""Past runs: an interrupted or crashed run with a checkpoint offers Resume, which continues it in place; the
results shown after it are the evaluation the trainer wrote, read back rather than computed again."""

from __future__ import annotations

from pathlib import Path

import pytest

import gui.panels.results.panel as results_module
from engine.config import StopReason
from engine.jobs.training_job import run_training_job
from engine.run.events import EpochEnded
from engine.training.trainer import run_training
from gui.main_window import MainWindow
from tests.trainkit import CancelAfter, Collector, one_thread, tiny_config

pytestmark = pytest.mark.usefixtures("one_thread")
__all__ = ["one_thread"]

EPOCHS = 3


def stopped_run(folder: Path, run_dir: Path) -> Path:
    """A run of ``EPOCHS`` epochs stopped by the user during epoch 2 (checkpoint after epoch 1)."""
    cancel = CancelAfter()
    sink = Collector(lambda e: cancel.set() if isinstance(e, EpochEnded) else None)
    finished = run_training_job(tiny_config(folder, epochs=EPOCHS), run_dir, sink, cancel)
    assert finished.reason is StopReason.CANCELLED and finished.resumable
    return run_dir


def crashed_run(folder: Path, run_dir: Path) -> Path:
    """Like a run whose process died: no end was ever recorded in events.jsonl."""
    stopped_run(folder, run_dir)
    events = run_dir / "events.jsonl"
    lines = [line for line in events.read_text().splitlines() if '"RunFinished"' not in line]
    events.write_text("".join(f"{line}\n" for line in lines))
    return run_dir


@pytest.fixture
def runs(image_folder: Path, tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "runs"
    finished = root / "20260101-000004-finished"
    assert run_training(tiny_config(image_folder, epochs=1), finished, Collector()).succeeded
    no_checkpoint = stopped_run(image_folder, root / "20260101-000003-no-checkpoint")
    for path in (no_checkpoint / "checkpoints").iterdir():
        path.unlink()
    return {"finished": finished, "no-checkpoint": no_checkpoint,
            "crashed": crashed_run(image_folder, root / "20260101-000002-crashed"),
            "stopped": stopped_run(image_folder, root / "20260101-000001-stopped")}


@pytest.fixture
def window(qtbot, runs: dict[str, Path]):  # type: ignore[no-untyped-def]
    win = MainWindow(runner_kind="thread", runs_dir=next(iter(runs.values())).parent)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.shutdown()


def select(win: MainWindow, run_dir: Path) -> None:
    win.tabs.setCurrentWidget(win.runs_panel)
    win.runs_panel.select_run(run_dir)
    assert win.runs_panel._selected() is not None and win.runs_panel._selected().path == run_dir


def test_resume_is_offered_for_interrupted_runs_with_a_checkpoint(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                  runs: dict[str, Path]) -> None:
    offered = {}
    for name, run_dir in runs.items():
        select(window, run_dir)
        offered[name] = window.runs_panel.resume_button.isEnabled()
    assert offered == {"finished": False, "no-checkpoint": False, "crashed": True, "stopped": True}
    select(window, runs["crashed"])
    assert "Resume continues it where it was last saved." in window.runs_panel.detail.text()
    select(window, runs["finished"])
    assert "Resume" not in window.runs_panel.detail.text()


def test_resume_continues_the_run_in_place_and_shows_its_stored_results(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                        runs: dict[str, Path],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def not_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the results panel evaluated again instead of reading the trainer's evaluation")

    monkeypatch.setattr(results_module, "evaluate_run", not_again)
    run_dir = runs["crashed"]
    before = sorted(p.name for p in run_dir.parent.iterdir())
    select(window, run_dir)
    with qtbot.waitSignal(window.controller.finished, timeout=120_000) as finished:
        window.runs_panel.resume_button.click()
        assert window.tabs.currentWidget() is window.training_panel
        # While it trains, Past runs says so and offers no second Resume (it used to say "cancelled").
        select(window, run_dir)
        assert window.runs_panel._selected().status == "training"
        assert not window.runs_panel.resume_button.isEnabled()
    result = finished.args[0]
    assert result.reason is StopReason.FINISHED, result.detail
    assert result.epochs_completed == EPOCHS and result.evaluated
    assert window.controller.run_dir == run_dir
    assert sorted(p.name for p in run_dir.parent.iterdir()) == before  # no new run folder
    assert [e.epoch for e in window.training_panel.history.epochs] == list(range(1, EPOCHS + 1))
    assert f"finished all {EPOCHS} epochs" in window.training_panel.status.text()

    qtbot.waitUntil(lambda: window.results_panel.evaluation is not None, timeout=30_000)
    assert window.tabs.currentWidget() is window.results_panel
    assert window.results_panel.message.kind != "error"
    assert (run_dir / "metrics.json").is_file()
    qtbot.waitUntil(lambda: not window.results_panel.mistakes.loading, timeout=20_000)
    window.runs_panel.select_run(run_dir)
    assert not window.runs_panel.resume_button.isEnabled()  # finished now: nothing left to continue


def test_resume_while_another_job_runs_says_so(qtbot, window: MainWindow, runs: dict[str, Path],  # type: ignore[no-untyped-def]
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Path] = []
    with monkeypatch.context() as patch:  # undone before the window closes (it would ask to stop the job)
        patch.setattr(type(window.controller), "running", property(lambda self: True))
        patch.setattr(window.controller, "start", lambda config, run_dir, **kw: started.append(run_dir))
        select(window, runs["stopped"])
        window.runs_panel.resume_button.click()
    assert started == []
    assert "stop it first" in window.statusBar().currentMessage()
