"""Faults during training, each injected: out of memory, NaN loss, Stop, Pause, a full disk."""

from __future__ import annotations

import errno
import os
import queue
import threading
from pathlib import Path
from typing import Any

import pytest
import torch

import engine.core.atomic
import engine.training.checkpoint
from engine.config import StopReason
from engine.jobs.runner import ThreadRunner
from engine.jobs.training_job import run_training_job
from engine.models.saved import load_exported_model
from engine.run.events import EpochEnded, Notice, RunFinished, RunPaused
from engine.training.checkpoint import load_checkpoint
from engine.training.loop import EpochLoop
from tests.trainkit import Collector, one_thread, tiny_config

pytestmark = pytest.mark.usefixtures("one_thread")
__all__ = ["one_thread"]


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Counts training steps and lets a test act just before a step runs (``before(loop, images)``)."""
    state: dict[str, Any] = {"count": 0, "before": None}
    original = EpochLoop._step

    def step(self: EpochLoop, module: Any, images: torch.Tensor, labels: torch.Tensor, l1: Any) -> Any:
        if state["before"] is not None:
            state["before"](self, module, images)
        state["count"] += 1
        return original(self, module, images, labels, l1)

    monkeypatch.setattr(EpochLoop, "_step", step)
    return state


def test_out_of_memory_halves_the_batch_retries_the_epoch_and_says_so(image_folder: Path, tmp_path: Path,
                                                                       steps: dict[str, Any]) -> None:
    sink = Collector()

    def fail_big_batches_in_epoch_2(loop: EpochLoop, module: Any, images: torch.Tensor) -> None:
        if images.shape[0] > 4 and sink.of(EpochEnded):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    steps["before"] = fail_big_batches_in_epoch_2
    finished = run_training_job(tiny_config(image_folder, epochs=2, batch_size=8), tmp_path / "run", sink)

    assert finished.reason is StopReason.FINISHED, finished.detail
    notices = [n.message for n in sink.of(Notice) if "out of memory" in n.message]
    assert notices == [("The computer ran out of memory with batches of 8 images, so the batch size is now 4 and "
                        "epoch 2 starts again.")]
    assert [(e.epoch, e.batch_size) for e in sink.of(EpochEnded)] == [(1, 8), (2, 4)]
    assert load_checkpoint(tmp_path / "run" / "checkpoints" / "last.safetensors").state["batch_size"] == 4


def test_a_nan_loss_stops_with_advice_and_keeps_the_last_good_weights(image_folder: Path, tmp_path: Path,
                                                                      steps: dict[str, Any]) -> None:
    sink = Collector()

    def poison_after_epoch_1(loop: EpochLoop, module: Any, images: torch.Tensor) -> None:
        if sink.of(EpochEnded):
            with torch.no_grad():
                module.classifier[3].weight.fill_(float("nan"))

    steps["before"] = poison_after_epoch_1
    run = tmp_path / "run"
    finished = run_training_job(tiny_config(image_folder, epochs=3), run, sink)

    assert finished.reason is StopReason.FAILED
    assert "the learning rate is probably too high; try 0.001" in finished.detail
    assert "last good weights" in finished.detail and finished.best_epoch == 1
    exported = load_exported_model(run)
    assert all(torch.isfinite(t).all() for t in exported.model.state_dict().values() if t.is_floating_point())
    best = load_checkpoint(run / "checkpoints" / "best.safetensors").model
    assert torch.equal(exported.model.state_dict()["classifier.3.weight"], best["classifier.3.weight"])
    assert load_checkpoint(run / "checkpoints" / "last.safetensors").epoch == 1


def test_stop_takes_effect_before_the_next_batch(image_folder: Path, tmp_path: Path,
                                                 steps: dict[str, Any]) -> None:
    cancel = threading.Event()
    seen_at_cancel: list[int] = []

    def cancel_at_third_step(loop: EpochLoop, module: Any, images: torch.Tensor) -> None:
        if steps["count"] == 2 and not cancel.is_set():
            cancel.set()  # the user presses Stop while the third batch is being computed
            seen_at_cancel.append(steps["count"] + 1)

    steps["before"] = cancel_at_third_step
    finished = run_training_job(tiny_config(image_folder, epochs=5, batch_size=4), tmp_path / "run", Collector(),
                            cancel)
    assert finished.reason is StopReason.CANCELLED
    assert steps["count"] == seen_at_cancel[0], "no batch may start after Stop"
    assert "stopped by you" in finished.detail


def test_pause_holds_between_batches_and_resume_goes_on(image_folder: Path, tmp_path: Path,
                                                        steps: dict[str, Any]) -> None:
    runner = ThreadRunner()
    runner.start(tiny_config(image_folder, epochs=2, batch_size=4), tmp_path / "run")
    pauses: queue.Queue[RunPaused] = queue.Queue()
    paused_at: list[int] = []

    def pause_once(loop: EpochLoop, module: Any, images: torch.Tensor) -> None:
        if steps["count"] == 1 and not paused_at:
            paused_at.append(steps["count"])
            runner.set_paused(True)

    steps["before"] = pause_once
    finished = None
    while finished is None:
        for event in runner.poll(1.0):
            if isinstance(event, RunPaused):
                pauses.put(event)
                if event.paused:
                    assert steps["count"] == 2, "the batch in progress ends, no new one starts"
                    runner.set_paused(False)
            elif isinstance(event, RunFinished):
                finished = event
    runner.close()
    assert finished.reason is StopReason.FINISHED
    kinds = [pauses.get_nowait().paused for _ in range(pauses.qsize())]
    assert kinds == [True, False]


def test_a_full_disk_stops_with_a_clear_message_and_keeps_the_previous_checkpoint(
        image_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sink = Collector()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if any(e.epoch == 2 for e in sink.of(EpochEnded)):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(engine.core.atomic.os, "fsync", fsync)
    run = tmp_path / "run"
    finished = run_training_job(tiny_config(image_folder, epochs=3), run, sink)

    assert finished.reason is StopReason.FAILED
    assert "The disk is full" in finished.detail and "previous checkpoint is kept" in finished.detail
    assert load_checkpoint(run / "checkpoints" / "last.safetensors").epoch == 1
    assert not list((run / "checkpoints").glob(".*.tmp")), "no half-written file is left behind"
