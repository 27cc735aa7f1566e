"""The app's model, Qt-free: the choices and the job the panels observe (:class:`StudioState`), the tiny
observer mechanism behind it, and a run's history as the plots show it. Nothing here imports Qt
(pyproject.toml's import-linter contract; tests/test_import_boundary.py)."""

from gui.state.history import RunHistory
from gui.state.observable import Emitter
from gui.state.studio import AppliedAdvice, ModelChoice, RunState, StudioEvents, StudioState, TrainingBasics

__all__ = ["AppliedAdvice", "Emitter", "ModelChoice", "RunHistory", "RunState", "StudioEvents", "StudioState",
           "TrainingBasics"]
