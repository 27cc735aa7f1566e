"""The window's jobs: it turns the panels' requests (Train, Resume, Find learning rate, Try all three, Apply
advice) into the training controller's jobs, and routes their events and endings back to the panels that show
them. :class:`~gui.main_window.MainWindow` builds on this class: it composes the panels and wires them;
this class holds no widget of its own.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMainWindow

from engine.config import Device, StopReason, Strategy, TrainConfig
from engine.core.errors import ConfigError, StudioError
from engine.core.i18n import tr
from engine.jobs.runner import TRAIN, TRIALS
from engine.run.events import Event, RunFinished
from engine.run.location import check_run_location
from engine.strategy.table import Advised, SimilarityClass, SizeClass
from gui.jobs.controller import TrainingController
from gui.state import AppliedAdvice, RunState, StudioState
from gui.widgets.scroll_tabs import ScrollingTabs

if TYPE_CHECKING:  # the second stage (torch, the model catalog): imported by MainWindow.load_rest(), not here
    from engine.strategy.advisor import Advice, TrainingPlan
    from gui.panels.data.panel import DataPanel
    from gui.panels.model.panel import ModelPanel
    from gui.panels.predict.panel import PredictPanel
    from gui.panels.results.panel import ResultsPanel
    from gui.panels.runs.panel import RunsPanel
    from gui.panels.strategy.panel import StrategyPanel
    from gui.panels.training.panel import TrainingPanel

#: How long closing the window waits for a running training to save its checkpoint.
CLOSE_TIMEOUT_S = 15.0


class WindowJobs(QMainWindow):
    """Starting jobs and following them to their end, for :class:`~gui.main_window.MainWindow` (which sets
    the attributes below when it builds its panels)."""

    runs_dir: Path
    state: StudioState
    controller: TrainingController
    tabs: ScrollingTabs
    data_panel: DataPanel
    model_panel: ModelPanel
    strategy_panel: StrategyPanel
    training_panel: TrainingPanel
    results_panel: ResultsPanel
    predict_panel: PredictPanel
    runs_panel: RunsPanel

    def _wire_jobs(self) -> None:
        training, strategy, controller = self.training_panel, self.strategy_panel, self.controller
        training.train_requested.connect(self.start_training)
        training.stop_requested.connect(controller.stop)
        training.pause_requested.connect(controller.set_paused)
        training.resume_requested.connect(self.resume_training)
        training.find_lr_requested.connect(self.find_learning_rate)
        training.fast_path_requested.connect(self.switch_to_fast_path)
        strategy.apply_requested.connect(self.apply_advice)
        strategy.trials_requested.connect(self.start_trials)
        strategy.trials_stop_requested.connect(controller.stop)
        strategy.continue_with.connect(self.continue_with_strategy)
        self.runs_panel.results_requested.connect(self.show_results)
        self.runs_panel.resume_requested.connect(self.resume_past_run)
        controller.started.connect(self._on_job_started)
        controller.events.connect(self._on_events)
        controller.finished.connect(self._on_finished)
        controller.trials_finished.connect(self._on_trials_finished)
        controller.lr_finder_finished.connect(self._on_lr_finder_finished)

    def build_config(self) -> TrainConfig:
        report, applied = self.state.report, self.state.applied_advice
        if report is None:
            raise ConfigError(tr("Choose an image folder first (step 1)."))
        report.require_trainable()
        return self.training_panel.apply_to(TrainConfig(
            data=self.data_panel.data_config(image_size=self.state.image_size),
            model=self.model_panel.model_config(),
            optim=self.training_panel.optim_config(),
            early_stopping=self.training_panel.early_stopping_config(),
            strategy=self.model_panel.strategy(),
            freeze=self.model_panel.freeze_plan(),
            device=Device.AUTO,
            advice=applied.record if applied is not None else None,
        ))

    # -- training ------------------------------------------------------------------------------------------

    def start_training(self) -> None:
        if self.controller.running:
            return
        try:
            config = self.build_config()
            run_dir = self._new_run_dir(config)
        except StudioError as exc:  # every refusal is a sentence for the user
            self.tabs.setCurrentWidget(self.training_panel)
            self.training_panel.show_error(str(exc))
            return
        self.training_panel.begin()
        self.tabs.setCurrentWidget(self.training_panel)
        self.statusBar().showMessage(tr("Training… the run is saved in {folder}", folder=run_dir))
        self.controller.start(config, run_dir, gpus=self.training_panel.chosen_gpus())

    def _new_run_dir(self, config: TrainConfig, suffix: str = "") -> Path:
        """A new run folder under the runs folder; refused with a sentence when it would lie among the images
        (FINETUNE_STUDIO_HOME inside the image folder), before anything is written."""
        from engine.run.listing import new_run_dir

        run_dir = new_run_dir(Path(config.data.data_dir).name + suffix, self.runs_dir)
        # The end of check_run_location's sentence; it fills {data} itself, so the field is handed back as it is.
        check_run_location(config.data.data_dir, run_dir, what_to_do=tr(
            "the app keeps its runs in {runs}, so move your images elsewhere or start the app with "
            "FINETUNE_STUDIO_HOME set to a folder outside {data}", runs=self.runs_dir, data="{data}"))
        return run_dir

    def resume_past_run(self, run_dir: Path) -> None:
        """Past runs' Resume: continue that run in place and follow it on the Train tab."""
        if self.controller.running:
            self.statusBar().showMessage(tr("Another job is running: stop it first to continue this run."))
            return
        self.tabs.setCurrentWidget(self.training_panel)
        self.resume_training(run_dir)

    def resume_training(self, run_dir: Path) -> None:
        """Continue an interrupted run in place, from its last checkpoint."""
        if self.controller.running or run_dir is None:
            return
        from engine.training.resume import load_run_config

        try:
            config = load_run_config(run_dir)
        except StudioError as exc:
            self.training_panel.show_error(str(exc))
            return
        self.training_panel.begin()
        self.statusBar().showMessage(tr("Continuing the run in {folder}", folder=run_dir))
        self.controller.start(config, run_dir, resume=True, gpus=self.training_panel.chosen_gpus())

    def find_learning_rate(self) -> None:
        try:
            config = self.build_config()
        except StudioError as exc:
            self.training_panel.on_lr_finder_finished(RunFinished(StopReason.FAILED, str(exc)))
            return
        if not self.controller.running:
            self.controller.find_lr(config)

    def switch_to_fast_path(self) -> None:
        """Stop this run and start again with the frozen base on cached features (the panel has set them)."""
        self.model_panel.set_strategy(Strategy.HEAD)
        self.controller.stop_then(self.start_training, CLOSE_TIMEOUT_S)

    # -- strategy ------------------------------------------------------------------------------------------

    def apply_advice(self, advice: Advice) -> None:
        """Carry out the advisor's plan in the layer tree and the training settings (all still editable)."""
        self._apply_plan(advice.plan, advice.to_dict())

    def continue_with_strategy(self, advised: Advised) -> None:
        """After the trials: set up the chosen strategy for the real training run."""
        from engine.models.layers.stages import architecture_stages
        from engine.strategy.advisor import make_plan

        advice = self.state.advice
        size = advice.size if advice is not None else SizeClass.SMALL
        similarity = advice.similarity_class if advice is not None else SimilarityClass.DIFFERENT
        plan = make_plan(advised, size, similarity or SimilarityClass.DIFFERENT,
                         architecture_stages(self.model_panel.arch(), weights=self.model_panel.model_choice().weights),
                         self.state.epochs,
                         self.strategy_panel.unfreeze_gradually())
        self._apply_plan(plan, advice.to_dict() if advice is not None else None)
        self.tabs.setCurrentWidget(self.training_panel)
        self.statusBar().showMessage(tr("Set up: {strategy}. Press Train when ready.", strategy=tr(advised.label)))

    def _apply_plan(self, plan: TrainingPlan, advice: dict[str, object] | None) -> None:
        from engine.strategy.advisor import apply_plan

        try:
            config = apply_plan(self.build_config(), plan, advice)
        except StudioError as exc:
            self.strategy_panel.show_error(str(exc))
            return
        if plan.strategy is Advised.SCRATCH:
            self.model_panel.set_weights("none")
        else:
            self.model_panel.set_freeze(config.freeze.frozen or ())
        self.training_panel.set_from(config)
        applied = AppliedAdvice(advice, self.model_panel.arch()) if advice is not None else None
        self.state.set_applied_advice(applied)

    def start_trials(self, epochs: int) -> None:
        if self.controller.running:
            return
        try:
            config = self.build_config()
            run_dir = self._new_run_dir(config, "-strategies")
        except StudioError as exc:
            self.strategy_panel.show_trials_error(str(exc))
            return
        advice = self.state.advice
        config = config.replace(optim=dataclasses.replace(config.optim, epochs=epochs),
                                advice=advice.to_dict() if advice is not None else config.advice)
        self.strategy_panel.begin_trials()
        self.statusBar().showMessage(tr("Comparing strategies… the trials are saved in {folder}", folder=run_dir))
        self.controller.compare_strategies(config, run_dir)

    # -- following a job -----------------------------------------------------------------------------------

    def _on_job_started(self, job: str, folder: Path) -> None:
        self.state.set_run(RunState(folder, job, running=True))

    def _on_events(self, events: list[Event]) -> None:
        if self.state.run.job == TRIALS:
            self.strategy_panel.on_trial_events(events)
        else:
            self.training_panel.on_events(events)

    def _on_finished(self, finished: RunFinished) -> None:
        run_dir = self.state.run.folder
        self.state.set_run(self.state.run.ended(finished))
        resumable = bool(finished.resumable) and run_dir is not None
        self.training_panel.offer_resume(run_dir if resumable else None)
        self.training_panel.on_finished(finished)
        if run_dir is not None:
            self.runs_panel.select_run(run_dir)
            if finished.model_saved:  # results are evaluated in the background
                self.show_results(run_dir, switch=finished.succeeded)

    def _on_run_changed(self, run: RunState) -> None:
        """A job ended: its model joins the previous runs to start from; the status bar says how it ended."""
        if run.job == TRAIN and not run.running:
            self.model_panel.refresh_previous_runs()
        if not run.running and run.finished is not None:
            self.statusBar().showMessage(run.finished.detail)

    def _on_trials_finished(self, finished: RunFinished) -> None:
        self.state.set_run(self.state.run.ended(finished))
        self.strategy_panel.on_trials_finished(finished)

    def _on_lr_finder_finished(self, finished: RunFinished) -> None:
        self.state.set_run(self.state.run.ended(finished))
        self.training_panel.on_lr_finder_finished(finished)

    def show_results(self, run_dir: Path, switch: bool = True) -> None:
        """Results of a run (evaluated in the background when needed); its model also predicts."""
        self.results_panel.show_run(run_dir)
        self.predict_panel.set_run(run_dir)
        if switch:
            self.tabs.setCurrentWidget(self.results_panel)
