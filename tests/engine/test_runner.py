"""The training child process: when it dies, the caller hears it in words and can resume."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.checkpoint import has_checkpoint
from engine.config import StopReason
from engine.events import BatchEnded, Event, RunFinished
from engine.runner import ProcessRunner
from tests.trainkit import tiny_config


@pytest.mark.slow
def test_a_killed_training_child_is_reported_and_the_run_can_be_resumed(image_folder: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # the child's threads; a busy shared CPU is fastest with one
    runner = ProcessRunner()
    run = tmp_path / "run"
    runner.start(tiny_config(image_folder, epochs=50, batch_size=2), run)
    seen: list[Event] = []
    try:
        while not any(isinstance(e, BatchEnded) for e in seen):
            seen.extend(runner.poll(1.0))
            assert runner.finished is None, runner.finished
        runner.kill()  # as the system's out-of-memory killer would
        while runner.finished is None:
            seen.extend(runner.poll(1.0))
    finally:
        runner.close(5)
    finished = runner.finished
    assert isinstance(finished, RunFinished) and finished.reason is StopReason.FAILED
    assert "the training process was killed" in finished.detail and "Press Resume" in finished.detail
    assert finished.extra["child_died"] and finished.extra["resumable"]
    assert has_checkpoint(run)
