"""The training child process: when it dies, the caller hears it in words and can resume; when its parent dies,
it ends by itself (stopping a run as Stop would, best model kept)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.config import StopReason
from engine.core.run_layout import RunLayout
from engine.jobs.runner import ProcessRunner
from engine.run.events import BatchEnded, Event, RunFinished, read_events
from tests.processes import kill_quietly, process_alive, wait_for_exit
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
    assert finished.child_died and finished.resumable
    assert RunLayout(run).can_resume()


# -- the child never outlives its parent -------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]

#: A parent that pre-warms a training child as the window does, says the child's pid, then waits to be killed.
WARM_PARENT = """
import sys
from engine.jobs.runner import ProcessRunner

runner = ProcessRunner()
runner.prewarm()
assert runner.wait_warm(240), "the training child never got ready"
print(runner.pid, flush=True)
sys.stdin.read()
"""

#: A parent whose child is training: says the child's pid after the first epoch, then waits to be killed.
TRAINING_PARENT = """
import sys
from pathlib import Path
from engine.run.events import EpochEnded
from engine.jobs.runner import ProcessRunner
from tests.trainkit import tiny_config

runner = ProcessRunner()
runner.start(tiny_config(Path(sys.argv[1]), epochs=1000, batch_size=2), Path(sys.argv[2]))
while not any(isinstance(e, EpochEnded) for e in runner.poll(1.0)):
    assert runner.finished is None, runner.finished
print(runner.pid, flush=True)
sys.stdin.read()
"""


def _parent(script: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", script, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, cwd=ROOT, env=env)


def _child_of(parent: subprocess.Popen[str]) -> int:
    assert parent.stdout is not None
    line = parent.stdout.readline()
    assert line.strip().isdigit(), f"the parent did not report its child (exit code {parent.wait(60)})"
    return int(line)


@pytest.mark.slow
def test_a_warm_child_ends_by_itself_when_its_parent_is_killed() -> None:
    parent = _parent(WARM_PARENT)
    child = None
    try:
        child = _child_of(parent)
        assert process_alive(child)
        # The window wins the CPU: the child runs at a lower priority than its parent (engine/jobs/priority.py).
        assert os.getpriority(os.PRIO_PROCESS, child) > os.getpriority(os.PRIO_PROCESS, parent.pid)
        parent.kill()  # kill -9: no clean-up code of the parent runs
        parent.wait(30)
        assert wait_for_exit(child, 10), "the warm training child outlived its killed parent"
    finally:
        parent.kill()
        parent.wait(30)
        if child is not None:
            kill_quietly(child)


@pytest.mark.slow
def test_a_training_child_whose_parent_is_killed_stops_within_a_batch_and_keeps_the_best_model(
        image_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    parent = _parent(TRAINING_PARENT, str(image_folder), str(run))
    child = None
    try:
        child = _child_of(parent)
        parent.kill()
        parent.wait(30)
        assert wait_for_exit(child, 30), "the training child outlived its killed parent"
    finally:
        parent.kill()
        parent.wait(30)
        if child is not None:
            kill_quietly(child)
    ends = [e for e in read_events(run / "events.jsonl") if isinstance(e, RunFinished)]
    assert [e.reason for e in ends] == [StopReason.CANCELLED], "the run ended as if stopped, and said so"
    assert (run / "model" / "model.json").is_file(), "the best model so far was saved"
    assert RunLayout(run).can_resume()
