"""Past runs list a run as it is now: a stopped run that was resumed and is training says "training" (not
"cancelled"), and no process can resume it meanwhile (issue 13 item 9)."""

from __future__ import annotations

from pathlib import Path

from engine.config import StopReason
from engine.run.events import RunFinished, RunStarted
from engine.run.folder import RunFolder, RunLog
from engine.run.listing import summarize_run
from engine.run.lock import acquire_run_lock, is_run_locked


def _started(run_dir: Path, resumed_from: int = 0) -> RunStarted:
    return RunStarted(str(run_dir), 3, 4, 12, 6, ("a", "b"), "cpu", 10, 100, resumed_from_epoch=resumed_from)


def _stopped_run(run_dir: Path) -> Path:
    RunFolder(run_dir).write_config({"model": {"arch": "resnet18"}})
    log = RunLog(run_dir)
    log.write(_started(run_dir))
    log.write(RunFinished(StopReason.CANCELLED, "Stopped by you after epoch 1.", epochs_completed=1))
    log.close()
    return run_dir


def test_a_stopped_run_reads_cancelled_and_once_resumed_has_no_end_yet(tmp_path: Path) -> None:
    run_dir = _stopped_run(tmp_path / "run")
    assert summarize_run(run_dir).status == "cancelled"
    log = RunLog(run_dir)
    log.write(_started(run_dir, resumed_from=1))
    log.close()
    summary = summarize_run(run_dir)
    assert summary.finished is None and summary.status == "interrupted"  # the earlier end no longer holds


def test_a_run_whose_lock_a_live_process_holds_is_training(tmp_path: Path) -> None:
    run_dir = _stopped_run(tmp_path / "run")
    assert not is_run_locked(run_dir)
    lock = acquire_run_lock(run_dir)  # this process: alive
    try:
        assert is_run_locked(run_dir)
        summary = summarize_run(run_dir)
        assert summary.running and summary.status == "training"
    finally:
        lock.release()
    assert not is_run_locked(run_dir) and summarize_run(run_dir).status == "cancelled"
