"""Resuming: an interrupted deterministic CPU run, resumed, ends exactly like one never interrupted."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from engine.config import Augmentation, StopReason
from engine.jobs.training_job import run_training_job
from engine.run.events import BatchEnded, EpochEnded, RunStarted, read_events
from engine.training.resume import load_run_config
from tests.trainkit import CancelAfter, Collector, one_thread, tiny_config

pytestmark = pytest.mark.usefixtures("one_thread")
__all__ = ["one_thread"]


def _figures(events: list[EpochEnded]) -> list[tuple[int, float, float, float, float]]:
    return [(e.epoch, e.train_loss, e.train_accuracy, e.val_loss, e.val_accuracy) for e in events]


def test_resumed_run_ends_with_the_same_metrics_as_an_uninterrupted_one(image_folder: Path, tmp_path: Path) -> None:
    # Augmentation and shuffling on: the resumed epochs must draw exactly the same random numbers.
    config = tiny_config(image_folder, epochs=3, batch_size=8, deterministic=True,
                         data={"augmentation": Augmentation.STRONG})
    straight = Collector()
    uninterrupted = run_training_job(config, tmp_path / "straight", straight)
    assert uninterrupted.reason is StopReason.FINISHED

    cancel = CancelAfter()

    def stop_in_epoch_3(event: object) -> None:
        if isinstance(event, BatchEnded) and event.epoch == 3:
            cancel.set()  # training of epoch 3 has run; it is lost and must be redone identically

    interrupted = tmp_path / "interrupted"
    first = run_training_job(config, interrupted, Collector(stop_in_epoch_3), cancel)
    assert first.reason is StopReason.CANCELLED and first.resumable

    resumed = Collector()
    finished = run_training_job(load_run_config(interrupted), interrupted, resumed, resume=True)
    assert finished.reason is StopReason.FINISHED, finished.detail

    assert resumed.of(RunStarted)[0].resumed_from_epoch == 2
    assert _figures(resumed.of(EpochEnded)) == _figures(straight.of(EpochEnded))  # replayed 1-2, then 3
    on_disk = [e for e in read_events(interrupted / "events.jsonl") if isinstance(e, EpochEnded)]
    assert _figures(on_disk) == _figures(straight.of(EpochEnded)), "each epoch is recorded once"
    with open(interrupted / "metrics.csv", newline="") as handle:
        assert [row["epoch"] for row in csv.DictReader(handle)] == ["1", "2", "3"]
    assert (finished.best_epoch, finished.best_val_loss) == (uninterrupted.best_epoch, uninterrupted.best_val_loss)
    model_json = json.loads((interrupted / "model" / "model.json").read_text())
    assert model_json["metrics"]["best_epoch"] == finished.best_epoch


def test_a_finished_run_is_not_resumed(image_folder: Path, tmp_path: Path) -> None:
    config = tiny_config(image_folder, epochs=1)
    run_training_job(config, tmp_path / "run", Collector())
    again = run_training_job(config, tmp_path / "run", Collector(), resume=True)
    assert again.reason is StopReason.FAILED
    assert "already finished" in again.detail


def test_resuming_a_folder_without_checkpoint_says_so(tmp_path: Path, image_folder: Path) -> None:
    finished = run_training_job(tiny_config(image_folder), tmp_path / "empty", Collector(), resume=True)
    assert finished.reason is StopReason.FAILED
    assert "There is no checkpoint" in finished.detail
