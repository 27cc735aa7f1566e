"""The app's state, Qt-free: what the user has chosen so far and what is running, observed by the panels.

Each fact has ONE owner that sets it (through the main window's wiring, gui/main_window.py); others follow it
(``state.events.<fact>.connect(fn)``: called once per change, never when a value is set again unchanged) or
read it when they need it:

==================  =========================  =====================================================
fact                set by                     followed (or read) by
==================  =========================  =====================================================
``report``          the data panel (a scan)    the model panel (classes), the training panel, the
                                               window (status, warm child; the config)
``model``           the model panel            the training panel (head dropout), the window
``image_size``      the training panel         the model panel (layer shapes), the data panel
                                               ("very small" images); the window (the config)
``batch_size``      the training panel         the model panel (memory estimate)
``epochs``          the training panel         (the window: a trial strategy's plan)
``advice``          the strategy panel         (the window: trials and "continue with")
``applied_advice``  the window (Apply)         (the window: recorded in config.json)
``run``             the controller's jobs      the window (status bar, lists of runs refreshed when a
                                               run starts or ends)
==================  =========================  =====================================================

**A view shows the state it was made for, or clears.** A derived fact goes when what it was derived from
goes: a recommendation (``advice``) and an applied plan were made for one image folder and one architecture,
so :meth:`StudioState.set_report` (another folder, or a folder being read) and :meth:`StudioState.set_model`
(another architecture) clear them, and the strategy panel, which follows them, clears what it showed. Views
that show a refusal ("choose the weights file first") follow ``changed``, which names every fact that
changed: the refusal was about the state before.

Why here and not in ``engine``: these facts only mean something to the window (which tab shows what, what
the user applied); the CLI and the run folder never see them. Why not Qt: the state is the app's model and
the panels its views (napari's ``components`` and ``_qt``), testable without a display; an import-linter
contract (pyproject.toml) and tests/test_import_boundary.py keep Qt out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.config import DataConfig, OptimConfig
from gui.state.observable import Emitter

if TYPE_CHECKING:
    from engine.data.report import DatasetReport
    from engine.models.heads import HeadOptions
    from engine.run.events import RunFinished
    from engine.strategy.advisor import Advice


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """The model of step 2: architecture, starting weights and the new output layer.

    Attributes:
        arch: torchvision's name, e.g. ``"resnet18"``.
        weights: ``"imagenet"``, ``"none"``, a weights file or a run folder; ``""`` while the user has chosen
            "a file" or "a previous run" but not which.
        head: the new output layer (dropout, hidden units).
        weights_here: false while ImageNet weights are chosen but not yet on this computer (so their arrival
            is news: a refusal for want of them no longer holds).
    """

    arch: str
    weights: str
    head: HeadOptions
    weights_here: bool = True

    @property
    def pretrained(self) -> bool:
        return self.weights != "none"


@dataclass(frozen=True, slots=True)
class TrainingBasics:
    """The training settings other steps depend on (layer shapes, memory, the data report, the plan)."""

    image_size: int
    batch_size: int
    epochs: int


@dataclass(frozen=True, slots=True)
class AppliedAdvice:
    """A strategy plan the user applied: its record (``config.json``'s ``advice``) and the model it was for."""

    record: dict[str, object]
    arch: str


@dataclass(frozen=True, slots=True)
class RunState:
    """The current (or last) job: its folder, its kind and how it ended.

    Attributes:
        folder: the folder the job writes into (a learning-rate test's is a scratch folder).
        job: ``"train"``, ``"trials"`` or ``"lr_finder"`` (engine/jobs/runner.py); ``""`` before any job.
        running: true from its start until its end was reported.
        finished: how it ended (``None`` while it runs).
    """

    folder: Path | None = None
    job: str = ""
    running: bool = False
    finished: RunFinished | None = None

    def ended(self, finished: RunFinished) -> RunState:
        return dataclasses.replace(self, running=False, finished=finished)


def _default(config: type[Any], name: str) -> Any:
    """A config field's default: the state starts where a fresh form and the CLI start."""
    return next(f.default for f in dataclasses.fields(config) if f.name == name)


class StudioEvents:
    """One :class:`Emitter` per fact of :class:`StudioState`, under the fact's name."""

    def __init__(self) -> None:
        self.report: Emitter[DatasetReport | None] = Emitter("report")
        self.model: Emitter[ModelChoice | None] = Emitter("model")
        self.image_size: Emitter[int] = Emitter("image_size")
        self.batch_size: Emitter[int] = Emitter("batch_size")
        self.epochs: Emitter[int] = Emitter("epochs")
        self.advice: Emitter[Advice | None] = Emitter("advice")
        self.applied_advice: Emitter[AppliedAdvice | None] = Emitter("applied_advice")
        self.run: Emitter[RunState] = Emitter("run")
        #: The name of each fact that changed, after that fact's own observers were told.
        self.changed: Emitter[str] = Emitter("changed")


class StudioState:
    """What the user has chosen so far and what is running; set by each fact's owner, read by anyone.

    Example:
        >>> state = StudioState()
        >>> sizes = []
        >>> _ = state.events.image_size.connect(sizes.append)
        >>> state.set_image_size(96); state.set_image_size(96)
        >>> sizes, state.image_size
        ([96], 96)
    """

    def __init__(self) -> None:
        self.events = StudioEvents()
        self._values: dict[str, Any] = {
            "report": None, "model": None, "image_size": _default(DataConfig, "image_size"),
            "batch_size": _default(OptimConfig, "batch_size"), "epochs": _default(OptimConfig, "epochs"),
            "advice": None, "applied_advice": None, "run": RunState(),
        }

    def _set(self, name: str, value: Any) -> None:
        old = self._values[name]
        if value is old or value == old:  # no change, no news
            return
        self._values[name] = value
        emitter: Emitter[Any] = getattr(self.events, name)
        emitter.emit(value)
        self.events.changed.emit(name)

    # -- the data (step 1) -------------------------------------------------------------------------------

    @property
    def report(self) -> DatasetReport | None:
        """The image folder's health report; ``None`` before a folder is read, and while it is read."""
        return self._values["report"]  # type: ignore[no-any-return]

    def set_report(self, report: DatasetReport | None) -> None:
        """The new report; a recommendation made for another folder (or before this one was read) goes."""
        old = self.report
        if report is None or old is None or Path(report.root) != Path(old.root):
            self.set_advice(None)
            self.set_applied_advice(None)
        self._set("report", report)

    # -- the model (step 2) -------------------------------------------------------------------------------

    @property
    def model(self) -> ModelChoice | None:
        return self._values["model"]  # type: ignore[no-any-return]

    def set_model(self, model: ModelChoice | None) -> None:
        """The new model; a recommendation and a plan made for another architecture go (a plan names its
        layers, and the measured similarity was the other model's)."""
        old = self.model
        if old is not None and model is not None and model.arch != old.arch:
            self.set_advice(None)
        applied = self.applied_advice
        if applied is not None and model is not None and model.arch != applied.arch:
            self.set_applied_advice(None)
        self._set("model", model)

    # -- the training settings others depend on (step 4) ---------------------------------------------------

    @property
    def image_size(self) -> int:
        return self._values["image_size"]  # type: ignore[no-any-return]

    def set_image_size(self, size: int) -> None:
        self._set("image_size", int(size))

    @property
    def batch_size(self) -> int:
        return self._values["batch_size"]  # type: ignore[no-any-return]

    def set_batch_size(self, size: int) -> None:
        self._set("batch_size", int(size))

    @property
    def epochs(self) -> int:
        return self._values["epochs"]  # type: ignore[no-any-return]

    def set_epochs(self, epochs: int) -> None:
        self._set("epochs", int(epochs))

    def set_basics(self, basics: TrainingBasics) -> None:
        """Set the three at once; each tells its own observers, and only if it changed."""
        self.set_image_size(basics.image_size)
        self.set_batch_size(basics.batch_size)
        self.set_epochs(basics.epochs)

    # -- the strategy (step 3) ----------------------------------------------------------------------------

    @property
    def advice(self) -> Advice | None:
        """The advisor's latest recommendation (shown, not necessarily applied)."""
        return self._values["advice"]  # type: ignore[no-any-return]

    def set_advice(self, advice: Advice | None) -> None:
        self._set("advice", advice)

    @property
    def applied_advice(self) -> AppliedAdvice | None:
        """The plan the user applied, while it still fits the chosen model."""
        return self._values["applied_advice"]  # type: ignore[no-any-return]

    def set_applied_advice(self, applied: AppliedAdvice | None) -> None:
        self._set("applied_advice", applied)

    # -- the job ------------------------------------------------------------------------------------------

    @property
    def run(self) -> RunState:
        return self._values["run"]  # type: ignore[no-any-return]

    def set_run(self, run: RunState) -> None:
        self._set("run", run)
