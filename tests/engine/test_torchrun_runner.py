"""The window's runner for a run on several GPUs (issue 16, item 2), tried on the CPU: two processes through
torchrun and gloo, followed through events.jsonl, with Stop, Pause and a process that dies."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from engine.config import StopReason
from engine.core.run_layout import RunLayout
from engine.jobs.torchrun_runner import TorchrunRunner
from engine.run.events import BatchEnded, EpochEnded, Event, RunFinished, RunPaused, RunStarted
from tests.trainkit import tiny_config

pytestmark = pytest.mark.slow
#: A hung collective must fail the test, not the suite.
LAUNCH_TIMEOUT_S = 200


@pytest.fixture(autouse=True)
def small_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two processes share the test machine's cores; a lost peer is noticed within a minute.
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("FINETUNE_STUDIO_DIST_TIMEOUT_S", "60")


def follow(runner: TorchrunRunner, until=lambda _e: False) -> list[Event]:  # type: ignore[no-untyped-def]
    """Every event until the end (or until ``until`` says so)."""
    seen: list[Event] = []
    deadline = time.monotonic() + LAUNCH_TIMEOUT_S
    while runner.finished is None and time.monotonic() < deadline:
        for event in runner.poll(0.5):
            seen.append(event)
            if until(event):
                return seen
    assert runner.finished is not None, "the launch did not end in time"
    return seen


def test_a_two_process_run_is_followed_live_and_pauses_on_every_process(image_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    runner = TorchrunRunner((), processes=2)
    runner.start(tiny_config(image_folder, epochs=3, batch_size=4), run)
    try:
        first = follow(runner, until=lambda e: isinstance(e, BatchEnded) and e.epoch == 2)
        assert any(isinstance(e, RunStarted) for e in first)
        runner.set_paused(True)
        follow(runner, until=lambda e: isinstance(e, RunPaused) and e.paused)  # both paused at one batch
        quiet = runner.poll(2.0)
        assert not any(isinstance(e, BatchEnded | EpochEnded) for e in quiet), "training went on while paused"
        runner.set_paused(False)
        rest = follow(runner)
    finally:
        runner.close()
    end = runner.finished
    assert end is not None and end.reason is StopReason.FINISHED, end and end.detail
    assert [e.epoch for e in first + rest if isinstance(e, EpochEnded)] == [1, 2, 3]
    config = json.loads(RunLayout(run).config.read_text(encoding="utf-8"))
    assert config["resolved"]["world_size"] == 2
    assert RunLayout(run).model.weights.is_file()


def test_stop_ends_both_processes_at_once_and_the_run_can_resume(image_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    runner = TorchrunRunner((), processes=2)
    runner.start(tiny_config(image_folder, epochs=4, batch_size=4), run)
    try:
        follow(runner, until=lambda e: isinstance(e, EpochEnded))
        runner.cancel()
        follow(runner)
    finally:
        runner.close()
    end = runner.finished
    assert end is not None and end.reason is StopReason.CANCELLED and end.resumable, end and end.detail
    again = TorchrunRunner((), processes=2)
    again.start(tiny_config(image_folder), run, resume=True)
    try:
        events = follow(again)
    finally:
        again.close()
    assert again.finished is not None and again.finished.reason is StopReason.FINISHED, again.finished.detail
    assert [e.epoch for e in events if isinstance(e, EpochEnded)][-1] == 4


def test_a_process_that_dies_ends_the_run_with_one_sentence(image_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    runner = TorchrunRunner((), processes=2)
    runner.start(tiny_config(image_folder, epochs=30, batch_size=4), run)
    try:
        follow(runner, until=lambda e: isinstance(e, EpochEnded))
        workers = runner._workers()
        assert len(workers) == 2
        os.kill(workers[-1], signal.SIGKILL)
        events = follow(runner)
    finally:
        runner.close()
    ends = [e for e in events if isinstance(e, RunFinished)]
    assert len(ends) == 1 and ends[0].reason is StopReason.FAILED, ends
    assert "Traceback" not in ends[0].detail and len(ends[0].detail) < 600, ends[0].detail
    assert RunLayout(run).can_resume()
