"""A run's end has typed fields; run folders written when they were one ``extra`` dict still read the same."""

from __future__ import annotations

import json
from pathlib import Path

from engine.config import StopReason
from engine.core.run_layout import RunLayout
from engine.run.events import EpochEnded, RunFinished, event_from_dict, event_to_dict, read_events
from engine.run.folder import no_model_sentence


def _old_finished(**extra: object) -> dict[str, object]:
    return {"type": "RunFinished", "reason": "cancelled", "detail": "Stopped.", "best_epoch": 2,
            "best_val_loss": 0.5, "best_val_accuracy": 0.75, "epochs_completed": 3, "extra": extra}


def test_an_end_written_with_extra_reads_as_typed_fields() -> None:
    old = _old_finished(model_saved=True, input_error=False, resumable=True, evaluated=False, child_died=True,
                        job="train", trials=[{"strategy": "head"}], unknown_key=1)
    finished = event_from_dict(old)
    assert isinstance(finished, RunFinished)
    assert (finished.model_saved, finished.input_error, finished.resumable, finished.evaluated,
            finished.child_died, finished.job, finished.trials) == (True, False, True, False, True, "train",
                                                                    ({"strategy": "head"},))


def test_an_end_without_any_record_leaves_resume_to_the_folder() -> None:
    finished = event_from_dict(_old_finished())
    assert isinstance(finished, RunFinished)
    assert finished.resumable is None and finished.evaluated is None and not finished.model_saved


def test_the_typed_end_round_trips_through_its_json_form() -> None:
    finished = RunFinished(StopReason.FAILED, "The disk is full.", job="lr_finder", input_error=True,
                           resumable=False, trials=({"strategy": "full", "best_val_accuracy": 0.5},))
    data = json.loads(json.dumps(event_to_dict(finished)))
    assert "extra" not in data and data["input_error"] is True
    assert event_from_dict(data) == finished


def test_an_old_run_that_recorded_it_cannot_be_resumed_is_not_offered_resume(tmp_path: Path) -> None:
    layout = RunLayout(tmp_path / "run")
    layout.checkpoints.mkdir(parents=True)
    layout.last_checkpoint.write_bytes(b"x")
    layout.config.write_text("{}", encoding="utf-8")
    epoch = EpochEnded(1, 0.5, 0.5, 0.6, 0.5, 0.01, 1.0, 10.0, True)
    lines = [event_to_dict(epoch), _old_finished(resumable=False, model_saved=False)]
    layout.events.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert [type(e).__name__ for e in read_events(layout.events)] == ["EpochEnded", "RunFinished"]
    assert "cannot be continued" in no_model_sentence(layout.path)
