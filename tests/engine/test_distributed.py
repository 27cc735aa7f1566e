"""Issue 16: one run on two processes (gloo on the CPU), as torchrun starts them.

Each test starts real processes (torch imports take most of the seconds) and is bounded by a timeout: a run that
hangs in a collective fails the test instead of the suite.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from safetensors.torch import load_file

from engine.cli.main import main as cli_main
from engine.config import StopReason
from engine.core.run_layout import RunLayout
from engine.run.events import RunFinished, RunStarted, read_events
from engine.training.resume import load_run_config
from engine.training.trainer import run_training
from tests.trainkit import Collector, make_pretrained_file, tiny_config

ROOT = Path(__file__).resolve().parents[2]
#: No 2-process run here needs more; a hang in a collective ends the test, not the suite.
LAUNCH_TIMEOUT_S = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(**extra: str) -> dict[str, str]:
    # One compute thread each: two processes share the test machine's cores (and gloo's own threads).
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "FINETUNE_STUDIO_DIST_TIMEOUT_S": "60",
            **extra}


def _ends(run: Path) -> list[Any]:
    return [e for e in read_events(RunLayout(run).events) if isinstance(e, (RunStarted, RunFinished))]


def test_torchrun_with_two_processes_trains_one_run_like_one_process(image_folder: Path, tmp_path: Path) -> None:
    weights = make_pretrained_file(tmp_path / "pre.safetensors", "resnet18")
    # A frozen base (BatchNorm frozen too), no augmentation, no dropout: the step is exactly determined by the
    # global batch, so 2 processes x 4 images must give 1 process x 8 images' weights.
    args = [str(image_folder), "--arch", "resnet18", "--weights", str(weights), "--strategy", "head",
            "--image-size", "32", "--epochs", "3", "--batch-size", "8", "--device", "cpu", "--workers", "0",
            "--augmentation", "none", "--no-feature-cache", "--patience", "1", "--lr", "0.05"]
    one, two = tmp_path / "one", tmp_path / "two"
    assert cli_main(["train", *args, "--out", str(one)]) == 0
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={_free_port()}",
         "-m", "engine", "train", *args, "--out", str(two)],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=LAUNCH_TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-3000:]
    started, finished = _ends(two)  # process 0 wrote the one history: one start, one end
    assert isinstance(finished, RunFinished) and isinstance(started, RunStarted)
    single = _ends(one)[1]
    assert (finished.reason, finished.epochs_completed) == (single.reason, single.epochs_completed)
    assert f"process 2 of 2: {finished.reason.value} after {finished.epochs_completed} epochs" in done.stderr
    epoch_lines = [line for line in done.stdout.splitlines() if line.startswith("epoch ")]
    assert len(epoch_lines) == finished.epochs_completed, "only process 0 prints the epochs"
    saved = json.loads(RunLayout(two).config.read_text(encoding="utf-8"))
    assert saved["resolved"]["world_size"] == 2
    assert sorted(p.name for p in two.iterdir()) == sorted(p.name for p in one.iterdir())
    a, b = load_file(str(RunLayout(one).model.weights)), load_file(str(RunLayout(two).model.weights))
    assert a.keys() == b.keys()
    worst = max(float((a[k].double() - b[k].double()).abs().max()) for k in a if a[k].is_floating_point())
    assert worst < 1e-5, f"the 2-process weights differ from the 1-process ones by {worst}"


def test_cached_features_are_computed_shard_by_shard_and_train_like_one_process(image_folder: Path,
                                                                                tmp_path: Path) -> None:
    weights = make_pretrained_file(tmp_path / "pre.safetensors", "resnet18")
    args = [str(image_folder), "--arch", "resnet18", "--weights", str(weights), "--strategy", "head",
            "--image-size", "32", "--epochs", "3", "--batch-size", "8", "--device", "cpu", "--workers", "0",
            "--augmentation", "none", "--patience", "1", "--lr", "0.05"]  # the feature cache is on by default
    one, two = tmp_path / "one", tmp_path / "two"
    assert cli_main(["train", *args, "--out", str(one)]) == 0
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={_free_port()}",
         "-m", "engine", "train", *args, "--out", str(two)],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=LAUNCH_TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-3000:]
    started = _ends(two)[0]
    assert any("features were computed once" in note for note in started.notes), started.notes
    a, b = load_file(str(RunLayout(one).model.weights)), load_file(str(RunLayout(two).model.weights))
    worst = max(float((a[k].double() - b[k].double()).abs().max()) for k in a if a[k].is_floating_point())
    assert worst < 1e-5, f"the 2-process weights differ from the 1-process ones by {worst}"


def test_a_share_with_no_readable_image_does_not_stall_the_other_process(image_folder: Path, tmp_path: Path) -> None:
    """A file that became unreadable after the split leaves one process a batch with nothing to learn from: it
    still takes part in the step (with a weight of zero), so the other does not wait for it until the timeout."""
    weights = make_pretrained_file(tmp_path / "pre.safetensors", "resnet18")
    run = tmp_path / "run"
    assert cli_main(["train", str(image_folder), "--arch", "resnet18", "--weights", str(weights), "--strategy",
                     "head", "--image-size", "32", "--epochs", "2", "--batch-size", "2", "--device", "cpu",
                     "--workers", "0", "--augmentation", "none", "--no-feature-cache", "--no-image-cache",
                     "--out", str(run), "--prepare-only"]) == 0
    split = json.loads(RunLayout(run).split.read_text(encoding="utf-8"))
    first = split["train"][0][0]
    (Path(split["root"]) / first).write_bytes(b"no longer an image")  # after the scan: read fails in training
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={_free_port()}",
         "-m", "engine", "train", "--config", str(run)],
        cwd=ROOT, env=_env(FINETUNE_STUDIO_DIST_TIMEOUT_S="40"), capture_output=True, text=True,
        timeout=LAUNCH_TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-3000:]
    finished = _ends(run)[-1]
    assert isinstance(finished, RunFinished) and finished.reason is StopReason.FINISHED, finished
    assert first in (RunLayout(run).events.read_text(encoding="utf-8")), "the unreadable file was named"


def _launch_pair(config_file: Path, run: Path, what: str) -> list[subprocess.Popen[str]]:
    port = str(_free_port())
    return [subprocess.Popen([sys.executable, "-m", "tests.dist_worker", str(config_file), str(run), what],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=_env(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2",
                                      MASTER_ADDR="127.0.0.1", MASTER_PORT=port))
            for rank in (0, 1)]


def _outcome(process: subprocess.Popen[str]) -> tuple[int, dict[str, Any] | None, str]:
    try:
        out, err = process.communicate(timeout=LAUNCH_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return process.returncode, (json.loads(lines[-1]) if lines else None), err


@pytest.fixture()
def small_run(image_folder: Path, tmp_path: Path) -> tuple[Path, Path]:
    config = tiny_config(image_folder, epochs=3, batch_size=8)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config.to_dict()), encoding="utf-8")
    return path, tmp_path / "run"


def test_stop_heard_by_one_process_stops_both_at_the_same_batch(small_run: tuple[Path, Path]) -> None:
    config_file, run = small_run
    (rc0, end0, err0), (rc1, end1, err1) = [_outcome(p) for p in _launch_pair(config_file, run, "stop:2")]
    assert rc0 == rc1 == 0 and end0 and end1, err0[-2000:] + err1[-2000:]
    assert end0["reason"] == end1["reason"] == StopReason.CANCELLED.value
    assert end0["epochs_completed"] == end1["epochs_completed"] == 1
    assert end0["resumable"] is True


def test_pause_heard_by_one_process_pauses_both_at_the_same_batch(small_run: tuple[Path, Path]) -> None:
    config_file, run = small_run
    (rc0, end0, err0), (rc1, end1, err1) = [_outcome(p) for p in _launch_pair(config_file, run, "pause:2")]
    assert rc0 == rc1 == 0 and end0 and end1, err0[-2000:] + err1[-2000:]
    # Process 2 heard Pause; process 1 paused too (process 2 released it only then), at the same batch.
    assert end0["paused"] == end1["paused"] == [[True, 2, 1], [False, 2, 1]]
    assert end0["reason"] == end1["reason"] == StopReason.FINISHED.value
    assert end0["epochs_completed"] == end1["epochs_completed"] == 3


def test_out_of_memory_on_one_process_ends_the_run_on_every_process_with_what_to_do(small_run: tuple[Path, Path]
                                                                                     ) -> None:
    config_file, run = small_run
    (rc0, end0, err0), (rc1, end1, err1) = [_outcome(p) for p in _launch_pair(config_file, run, "oom:2")]
    assert end0 and end1, err0[-2000:] + err1[-2000:]
    assert end0["reason"] == end1["reason"] == StopReason.FAILED.value
    assert "ran out of memory" in end1["detail"] and "smaller batch" in end1["detail"], end1["detail"]
    assert end0["resumable"] is True and "Traceback" not in end0["detail"]


def test_a_process_that_dies_ends_the_run_with_one_sentence_and_it_resumes_on_one(small_run: tuple[Path, Path]
                                                                                  ) -> None:
    config_file, run = small_run
    (rc0, end0, err0), (rc1, _, _) = [_outcome(p) for p in _launch_pair(config_file, run, "die:2")]
    assert rc1 == 3, "process 2 died as the test made it"
    assert rc0 == 0 and end0, err0[-3000:]
    assert end0["reason"] == StopReason.FAILED.value and end0["resumable"] is True
    assert end0["epochs_completed"] == 1, "epoch 2 was under way"
    assert end0["detail"].startswith("One of the 2 training processes stopped unexpectedly"), end0["detail"]
    assert "Traceback" not in end0["detail"] and "--resume" in end0["detail"]
    resumed = run_training(load_run_config(run), run, Collector(), resume=True)  # now on one process
    assert resumed.succeeded and resumed.epochs_completed == 3, resumed.detail
