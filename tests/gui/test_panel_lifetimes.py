"""A panel nobody holds any more is freed: no callable connected to its own widgets keeps it alive.

A lambda that captures ``self``, connected to a signal of a widget ``self`` owns, is held by the Qt
connection, out of the garbage collector's sight: the panel, its widgets and whatever they hold stay in memory
for good (a bound method is held weakly by PySide and does not do this). Checked for every panel and view
that is made on its own, with the collector run first so that only such hidden references can fail it.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget


def _data() -> QWidget:
    from gui.panels.data.panel import DataPanel
    return DataPanel()


def _model() -> QWidget:
    from gui.panels.model.panel import ModelPanel
    return ModelPanel()


def _layers() -> QWidget:
    from gui.panels.model.layers_panel import LayersPanel
    return LayersPanel()


def _training() -> QWidget:
    from gui.panels.training.panel import TrainingPanel
    return TrainingPanel()


def _strategy() -> QWidget:
    from engine.config import TrainConfig
    from gui.panels.strategy.panel import StrategyPanel
    return StrategyPanel(TrainConfig)


def _trials() -> QWidget:
    from gui.panels.strategy.trials_view import TrialsView
    return TrialsView()


def _augment_dialog() -> QWidget:
    from engine.config import Augmentation, AugmentConfig
    from gui.panels.training.augment_dialog import AugmentDialog
    return AugmentDialog(AugmentConfig(), Augmentation.LIGHT, None, [], 64, 73)


def _results() -> QWidget:
    from gui.panels.results.panel import ResultsPanel
    return ResultsPanel()


def _predict() -> QWidget:
    from gui.panels.predict.panel import PredictPanel
    return PredictPanel()


def _runs(root: Path) -> QWidget:
    from gui.panels.runs.panel import RunsPanel
    return RunsPanel(root)


MAKERS: dict[str, Callable[..., QWidget]] = {
    "data": _data, "model": _model, "layers": _layers, "training": _training, "augment": _augment_dialog, "strategy": _strategy,
    "trials": _trials, "results": _results, "predict": _predict, "runs": _runs,
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_a_panel_nobody_holds_is_freed(qtbot, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    make = MAKERS[name]
    panel = make(tmp_path) if name == "runs" else make()
    shutdown = getattr(panel, "shutdown", None)
    if shutdown is not None:
        shutdown()  # background work (the model catalog, the layer analysis) has ended
    gone = weakref.ref(panel)
    del panel, shutdown
    gc.collect()
    assert gone() is None, f"the {name} panel is kept alive by something connected to its own widgets"
