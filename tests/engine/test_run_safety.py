"""Runs that cannot be corrupted: one writer per run folder, failed starts and resumes that change nothing (or
leave nothing in the way), and sentences that tell the truth about what can be continued."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import engine.training.checkpoint
from engine.cli.main import main as cli_main
from engine.config import StopReason
from engine.jobs.training_job import run_training_job
from engine.run.events import EpochEnded, Notice, Progress, RunFinished, RunStarted, event_to_dict, read_events
from engine.run.lock import acquire_run_lock
from engine.training.resume import load_run_config
from engine.training.trainer import run_training
from tests.trainkit import CancelAfter, Collector, one_thread, tiny_config

pytestmark = pytest.mark.usefixtures("one_thread")
__all__ = ["one_thread"]

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ("config.json", "events.jsonl", "metrics.csv", "split.json")


def stopped_run(folder: Path, run_dir: Path, *, epochs: int = 3, after_epoch: int = 1) -> Path:
    """A run of ``epochs`` epochs stopped by the user once epoch ``after_epoch`` had ended (checkpoint there)."""
    cancel = CancelAfter()
    sink = Collector(lambda e: cancel.set() if isinstance(e, EpochEnded) and e.epoch == after_epoch else None)
    finished = run_training(tiny_config(folder, epochs=epochs), run_dir, sink, cancel)
    assert finished.reason is StopReason.CANCELLED and finished.resumable, finished.detail
    return run_dir


@pytest.fixture(scope="module")
def stopped_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.imagegen import make_image_folder

    root = tmp_path_factory.mktemp("stopped")
    return stopped_run(make_image_folder(root / "images"), root / "run")


@pytest.fixture
def stopped(stopped_once: Path, tmp_path: Path) -> Path:
    """A private copy of a 3-epoch run stopped after epoch 1."""
    return Path(shutil.copytree(stopped_once, tmp_path / "run"))


def history(run: Path) -> dict[str, bytes]:
    return {name: (run / name).read_bytes() for name in HISTORY if (run / name).exists()}


def assert_free(run: Path) -> None:
    """Nobody owns the run folder any more: the last owner let go of it (no stale lock is left behind)."""
    lock = acquire_run_lock(run)
    try:
        assert lock.note is None, lock.note
    finally:
        lock.release()


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1"}


# -- one writer per run folder ------------------------------------------------------------------------------


def test_resuming_a_run_that_is_still_training_is_refused_and_changes_nothing(image_folder: Path,
                                                                            tmp_path: Path) -> None:
    run = tmp_path / "run"
    second: list[RunFinished] = []

    def resume_meanwhile(event: object) -> None:
        if isinstance(event, EpochEnded) and not second:  # as `train --resume RUN` from another terminal
            second.append(run_training(load_run_config(run), run, Collector(), resume=True))

    first = run_training(tiny_config(image_folder, epochs=2), run, Collector(resume_meanwhile))

    assert first.reason is StopReason.FINISHED, first.detail
    refused = second[0]
    assert refused.reason is StopReason.FAILED and refused.input_error
    assert "is being trained right now" in refused.detail and "nothing in it was changed" in refused.detail
    assert not refused.resumable
    events = list(read_events(run / "events.jsonl"))
    assert len([e for e in events if isinstance(e, RunStarted)]) == 1
    assert [e.epoch for e in events if isinstance(e, EpochEnded)] == [1, 2]
    assert_free(run)


def test_cli_resume_of_a_run_another_process_owns_exits_2_with_one_sentence(stopped: Path) -> None:
    before = history(stopped)
    lock = acquire_run_lock(stopped)  # this test process trains it, as far as the CLI can tell
    try:
        result = subprocess.run([sys.executable, "-m", "engine", "train", "--resume", str(stopped)],
                                capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=300, check=False)
    finally:
        lock.release()
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is being trained right now" in lines[0], result.stderr
    assert f"process {os.getpid()}" in lines[0]
    assert history(stopped) == before


def test_a_lock_left_by_a_killed_process_is_taken_over_with_a_note(stopped: Path) -> None:
    grab_and_die = ("import os, sys; from pathlib import Path; from engine.run.lock import acquire_run_lock; "
                    "acquire_run_lock(Path(sys.argv[1])); os._exit(0)")  # ends without letting go, as kill -9
    subprocess.run([sys.executable, "-c", grab_and_die, str(stopped)], cwd=ROOT, env=_env(), timeout=120,
                   check=True)
    sink = Collector()
    finished = run_training(load_run_config(stopped), stopped, sink, resume=True)
    assert finished.reason is StopReason.FINISHED, finished.detail
    notes = [n.message for n in sink.of(Notice) if "no longer running" in n.message]
    assert len(notes) == 1, [n.message for n in sink.of(Notice)]
    assert_free(stopped)


# -- failed resumes change nothing and say what to do ---------------------------------------------------------


@pytest.mark.parametrize(("damaged", "advice"), [
    ("best.safetensors", "start the run again with the same settings"),
    ("last.safetensors", "start a new run from its best checkpoint"),
])
def test_a_resume_from_a_damaged_checkpoint_changes_nothing_and_says_what_to_do(stopped: Path, damaged: str,
                                                                               advice: str) -> None:
    (stopped / "checkpoints" / damaged).write_bytes(b"\0damaged")
    before = history(stopped)
    finished = run_training(load_run_config(stopped), stopped, Collector(), resume=True)
    assert finished.reason is StopReason.FAILED
    assert "damaged" in finished.detail and advice in finished.detail, finished.detail
    if damaged == "best.safetensors":
        assert "from its best checkpoint" not in finished.detail
    assert "nothing in it was changed" in finished.detail
    assert not finished.resumable, "Resume would only fail again"
    assert history(stopped) == before, "config.json (resumed_from_epoch), events and metrics are untouched"
    assert json.loads((stopped / "config.json").read_text())["resolved"]["resumed_from_epoch"] is None
    assert_free(stopped)


def test_resume_with_other_settings_is_refused_saying_what_a_resume_keeps(stopped: Path, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    before = history(stopped)
    new = tmp_path / "new"
    code = cli_main(["train", "--resume", str(stopped), "--out", str(new), "--epochs", "5", "--lr", "0.5"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--out, --epochs, --lr" in err and "keeps every setting the run was started with" in err, err
    assert len(err.strip().splitlines()) == 1
    assert not new.exists() and history(stopped) == before


# -- starts that fail leave nothing in the way ----------------------------------------------------------------


def test_a_start_refused_for_its_weights_file_leaves_nothing_that_blocks_the_name(image_folder: Path,
                                                                                 tmp_path: Path) -> None:
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"these are not weights")
    run = tmp_path / "run"
    refused = run_training_job(tiny_config(image_folder, weights=str(bad)), run, Collector())
    assert refused.reason is StopReason.FAILED and refused.input_error, refused.detail
    assert not run.exists(), sorted(p.name for p in run.iterdir())
    again = run_training(tiny_config(image_folder, epochs=1), run, Collector())
    assert again.reason is StopReason.FINISHED, again.detail


def test_a_folder_left_by_a_start_that_crashed_before_any_checkpoint_is_reused(image_folder: Path,
                                                                              tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    config = tiny_config(image_folder, epochs=1)
    (run / "config.json").write_text(json.dumps(config.to_dict()))  # killed while preparing the data
    (run / "events.jsonl").write_text(json.dumps(event_to_dict(Progress("prepare", 1, 10, "Reading"))) + "\n")
    sink = Collector()
    finished = run_training(config, run, sink)
    assert finished.reason is StopReason.FINISHED, finished.detail
    assert any("never saved a checkpoint" in n.message for n in sink.of(Notice))
    events = list(read_events(run / "events.jsonl"))
    assert not any(isinstance(e, Progress) and e.message == "Reading" for e in events), "old history is gone"
    assert len([e for e in events if isinstance(e, RunStarted)]) == 1


@pytest.mark.parametrize("full_from", ["the first checkpoint", "the first file"])
def test_a_full_disk_before_the_first_checkpoint_says_there_is_nothing_to_continue(
        image_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full_from: str) -> None:
    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def disk_full(path: Path, payload: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    if full_from == "the first file":  # config.json, or even the lock: every flush to the disk fails
        monkeypatch.setattr(os, "fsync", fsync)
    else:
        monkeypatch.setattr(engine.training.checkpoint, "write_bytes_atomic", disk_full)
    run = tmp_path / "run"
    finished = run_training_job(tiny_config(image_folder), run, Collector())
    assert finished.reason is StopReason.FAILED
    assert "the disk is full" in finished.detail.lower() and "could not start" in finished.detail, finished.detail
    assert "continue the run" not in finished.detail and "previous checkpoint" not in finished.detail
    assert not finished.resumable
    assert not run.exists(), "nothing to continue, and nothing left that blocks the name"
    monkeypatch.undo()  # space again: the same name starts
    again = run_training(tiny_config(image_folder, epochs=1), run, Collector())
    assert again.reason is StopReason.FINISHED, again.detail


# -- evaluate tells the truth about a run without a model -----------------------------------------------------


def test_evaluate_on_a_run_killed_after_three_epochs_says_so_and_how_to_continue(
        image_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = stopped_run(image_folder, tmp_path / "run", epochs=5, after_epoch=3)
    shutil.rmtree(run / "model")  # killed: the model is only exported when a run ends
    events = run / "events.jsonl"
    events.write_text("".join(f"{line}\n" for line in events.read_text().splitlines() if "RunFinished" not in line))
    assert cli_main(["evaluate", str(run)]) == 2
    err = capsys.readouterr().err
    assert "first epoch" not in err
    assert "after epoch 3" in err and f"train --resume {run}" in err, err
