"""StudioState: each fact tells its observers once per change, never when set again unchanged; observers that
are bound methods are held weakly, so the state keeps no panel alive."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest

from engine.config import DataConfig, OptimConfig, StopReason
from engine.data.report import scan_image_folder
from engine.models.heads import HeadOptions
from engine.run.events import RunFinished
from gui.state import AppliedAdvice, Emitter, ModelChoice, RunState, StudioState, TrainingBasics


class Recorder:
    """An observer object, like a panel: its bound method is connected."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def record(self, value: Any) -> None:
        self.seen.append(value)


def _model(arch: str = "resnet18", dropout: float = 0.0) -> ModelChoice:
    return ModelChoice(arch, "imagenet", HeadOptions(dropout=dropout))


def test_it_starts_where_a_fresh_form_and_the_cli_start() -> None:
    state = StudioState()
    assert state.image_size == DataConfig("/d").image_size
    assert (state.batch_size, state.epochs) == (OptimConfig().batch_size, OptimConfig().epochs)
    assert state.report is None and state.model is None and state.advice is None and state.applied_advice is None
    assert state.run == RunState() and not state.run.running


# (fact, setter, a first value, a different value, a value equal to the first but another object)
FACTS = [
    ("image_size", "set_image_size", 96, 128, 96),
    ("batch_size", "set_batch_size", 8, 32, 8),
    ("epochs", "set_epochs", 3, 20, 3),
    ("model", "set_model", _model(), _model("mobilenet_v3_small"), _model()),
    ("applied_advice", "set_applied_advice", AppliedAdvice({"strategy": "head"}, "resnet18"), None,
     AppliedAdvice({"strategy": "head"}, "resnet18")),
    ("run", "set_run", RunState(Path("/runs/a"), "train", True), RunState(Path("/runs/b"), "trials", True),
     RunState(Path("/runs/a"), "train", True)),
]


@pytest.mark.parametrize(("fact", "setter", "first", "other", "equal"), FACTS, ids=[f[0] for f in FACTS])
def test_observers_hear_each_change_once_and_nothing_when_nothing_changed(fact: str, setter: str, first: Any,
                                                                         other: Any, equal: Any) -> None:
    state = StudioState()
    recorder = Recorder()
    getattr(state.events, fact).connect(recorder.record)
    set_fact = getattr(state, setter)
    set_fact(first)
    set_fact(first)  # the same again
    set_fact(equal)  # an equal value: no news either
    assert recorder.seen == [first] and getattr(state, fact) == first
    set_fact(other)
    assert recorder.seen == [first, other] and getattr(state, fact) == other


def test_a_new_report_is_news_the_same_report_again_is_not(image_folder: Path) -> None:
    state, recorder = StudioState(), Recorder()
    state.events.report.connect(recorder.record)
    report = scan_image_folder(image_folder)
    state.set_report(None)  # already None: a folder being read again says nothing new
    state.set_report(report)
    state.set_report(report)
    state.set_report(None)
    assert recorder.seen == [report, None]


def test_the_training_basics_tell_only_the_observers_of_what_changed() -> None:
    state = StudioState()
    sizes, batches, epochs = Recorder(), Recorder(), Recorder()
    state.events.image_size.connect(sizes.record)
    state.events.batch_size.connect(batches.record)
    state.events.epochs.connect(epochs.record)
    state.set_basics(TrainingBasics(image_size=96, batch_size=state.batch_size, epochs=state.epochs))
    state.set_basics(TrainingBasics(image_size=96, batch_size=8, epochs=state.epochs))
    assert (sizes.seen, batches.seen, epochs.seen) == ([96], [8], [])


def test_observers_are_called_in_the_order_they_connected_and_once_however_often_connected() -> None:
    state, calls = StudioState(), []
    first, second = Recorder(), Recorder()
    for observer in (first.record, second.record, first.record):
        state.events.epochs.connect(observer)
    state.events.epochs.connect(lambda value: calls.append(("lambda", value)))
    state.events.epochs.connect(lambda value: calls.append((len(first.seen), len(second.seen))))
    state.set_epochs(4)
    assert first.seen == [4] and second.seen == [4]
    assert calls == [("lambda", 4), (1, 1)]


def test_a_disconnected_observer_hears_nothing() -> None:
    state, recorder = StudioState(), Recorder()
    state.events.image_size.connect(recorder.record)
    state.events.image_size.disconnect(recorder.record)
    state.events.image_size.disconnect(recorder.record)  # twice is harmless
    state.set_image_size(64)
    assert recorder.seen == []


def test_the_state_does_not_keep_an_observing_object_alive() -> None:
    state = StudioState()
    recorder = Recorder()
    state.events.model.connect(recorder.record)
    gone = weakref.ref(recorder)
    del recorder
    gc.collect()
    assert gone() is None, "a bound method's object must go when its owner lets it go"
    state.set_model(_model())  # its observer is gone: nothing to call, no error
    assert state.events.model.observers() == []


def test_plain_functions_are_kept_until_disconnected() -> None:
    emitter: Emitter[int] = Emitter("epochs")
    seen: list[int] = []
    emitter.connect(lambda value: seen.append(value))  # nothing else holds this lambda
    gc.collect()
    emitter.emit(3)
    assert seen == [3]


def test_an_observer_may_set_another_fact_and_its_observers_hear_it() -> None:
    state, advice = StudioState(), Recorder()
    state.set_applied_advice(AppliedAdvice({"strategy": "partial"}, "resnet18"))

    class Window:  # the main window's rule: a plan for another model is forgotten
        def on_model(self, model: ModelChoice | None) -> None:
            applied = state.applied_advice
            if applied is not None and model is not None and model.arch != applied.arch:
                state.set_applied_advice(None)

    window = Window()
    state.events.model.connect(window.on_model)
    state.events.applied_advice.connect(advice.record)
    state.set_model(_model("resnet18"))
    assert state.applied_advice is not None and advice.seen == []
    state.set_model(_model("efficientnet_b0"))
    assert state.applied_advice is None and advice.seen == [None]


def test_an_ended_run_keeps_its_folder_and_kind() -> None:
    started = RunState(Path("/runs/a"), "train", running=True)
    finished = RunFinished(StopReason.FINISHED, "Training finished all 2 epochs.")
    ended = started.ended(finished)
    assert (ended.folder, ended.job, ended.running, ended.finished) == (Path("/runs/a"), "train", False, finished)
    assert ModelChoice("resnet18", "none", HeadOptions()).pretrained is False
    assert _model().pretrained
