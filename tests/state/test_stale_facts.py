"""A view shows the state it was made for, or clears: the state drops a recommendation and an applied plan
made for another folder or architecture, and names every fact that changed (issue 13 item 9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.data.report import scan_image_folder
from engine.models.heads import HeadOptions
from gui.state import AppliedAdvice, ModelChoice, StudioState
from tests.imagegen import make_image_folder

ADVICE: Any = object()  # the state only keeps the advisor's answer: any object stands for one


def _model(arch: str, weights: str = "imagenet") -> ModelChoice:
    return ModelChoice(arch, weights, HeadOptions())


def _advised(state: StudioState) -> None:
    state.set_advice(ADVICE)
    state.set_applied_advice(AppliedAdvice({"strategy": "partial"}, "resnet18"))


def test_another_folder_or_a_folder_being_read_clears_the_recommendation(image_folder: Path,
                                                                          tmp_path: Path) -> None:
    state = StudioState()
    report = scan_image_folder(image_folder)
    state.set_report(report)
    _advised(state)
    state.set_report(scan_image_folder(image_folder))  # the same folder read again (a split setting changed)
    assert state.advice is ADVICE and state.applied_advice is not None
    state.set_report(scan_image_folder(make_image_folder(tmp_path / "other", {"x": 4, "y": 4})))
    assert state.advice is None and state.applied_advice is None
    _advised(state)
    state.set_report(None)  # a new folder is being read
    assert state.advice is None and state.applied_advice is None


def test_another_architecture_clears_it_other_weights_do_not() -> None:
    state = StudioState()
    state.set_model(_model("resnet18"))
    _advised(state)
    state.set_model(_model("resnet18", "none"))  # Apply of "train from scratch" sets this itself
    assert state.advice is ADVICE and state.applied_advice is not None
    state.set_model(_model("mobilenet_v3_small"))
    assert state.advice is None and state.applied_advice is None


def test_changed_names_each_fact_after_its_own_observers() -> None:
    state, heard = StudioState(), []
    state.events.epochs.connect(lambda value: heard.append(("epochs", value)))
    state.events.changed.connect(lambda name: heard.append(("changed", name)))
    state.set_epochs(7)
    state.set_epochs(7)
    state.set_model(_model("resnet18"))
    assert heard == [("epochs", 7), ("changed", "epochs"), ("changed", "model")]
