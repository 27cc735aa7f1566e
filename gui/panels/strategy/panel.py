"""The strategy advisor: the 2x2 chart, the plain-language plan, Apply, and "Try all three"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine.config import TrainConfig
from engine.core.errors import WeightsError
from engine.core.i18n import tr, tr_later
from engine.run.events import Event, RunFinished
from engine.strategy.advisor import Advice, run_advisor
from engine.strategy.table import SimilarityClass, SizeThresholds
from gui.jobs.controller import BackgroundTask, TaskState
from gui.panels.strategy.quadrant_chart import QuadrantChart
from gui.panels.strategy.trials_view import TrialsView
from gui.state import StudioEvents
from gui.widgets.common import MessageLabel

ConfigSource = Callable[[], TrainConfig]

#: Said when the similarity measurement could not run: nothing was trained or saved, and the manual answers work.
MEASUREMENT_FAILED = tr_later("So the similarity could not be measured; nothing was trained or saved. The two "
                              "choices below still work: pick \u201cEveryday photos\u201d or \u201cUnlike everyday "
                              "photos\u201d and press \u201cRecommend a strategy\u201d again.")


class StrategyPanel(QWidget):
    """Asks the engine's advisor for a recommendation and offers to apply it.

    Signals:
        advice_changed(Advice): a new recommendation is shown.
        apply_requested(Advice): the user accepted the plan (the window sets the layer tree and options).
        trials_requested(int): "Try all three", with this many epochs each.
        trials_stop_requested(): Stop, while the trials run.
        continue_with(Advised): the user chose a strategy after the trials.
    """

    advice_changed = Signal(object)
    apply_requested = Signal(object)
    trials_requested = Signal(int)
    trials_stop_requested = Signal()
    continue_with = Signal(object)

    def __init__(self, config_source: ConfigSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._config_source = config_source
        self._task: BackgroundTask | None = None
        self.advice: Advice | None = None

        intro = QLabel(tr("Which layers to train depends on two questions: <b>how many images</b> you have, and "
                          "<b>how much they look like</b> the photos the model was pretrained on. The app measures "
                          "both on your data and recommends one of the four classic strategies."))
        intro.setWordWrap(True)
        self.measure = QRadioButton(tr("Measure it on my images (recommended)"))
        self.say_similar = QRadioButton(tr("Everyday photos (objects, animals, plants, scenes)"))
        self.say_different = QRadioButton(tr("Unlike everyday photos (X-rays, scans, microscopy, satellite…)"))
        self.measure.setChecked(True)
        group = QButtonGroup(self)
        for button in (self.measure, self.say_similar, self.say_different):
            group.addButton(button)
        self.large_from = QSpinBox()
        self.large_from.setRange(10, 100_000)
        self.large_from.setValue(SizeThresholds().large_per_class)
        self.large_from.setSuffix(tr(" images per class"))
        self.large_from.setToolTip(tr("From how many images per class (counting the smallest classes most) a "
                                      "dataset counts as large."))
        self.gradual = QCheckBox(tr("Unfreeze gradually (one more stage every few epochs)"))
        self.advise_button = QPushButton(tr("Recommend a strategy"))
        self.advise_button.clicked.connect(self.request_advice)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self._cancel)
        self.progress = QProgressBar()
        self.progress.setVisible(False)

        questions = QGroupBox(tr("Your images"))
        ql = QVBoxLayout(questions)
        for button in (self.measure, self.say_similar, self.say_different):
            ql.addWidget(button)
        size_row = QHBoxLayout()
        size_row.addWidget(QLabel(tr("A dataset counts as large from")))
        size_row.addWidget(self.large_from)
        size_row.addStretch(1)
        ql.addLayout(size_row)
        ql.addWidget(self.gradual)
        buttons = QHBoxLayout()
        buttons.addWidget(self.advise_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        ql.addLayout(buttons)

        self.chart = QuadrantChart()
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 14pt; font-weight: 600;")  # not translated: CSS
        self.explanation = QLabel(tr("Press “Recommend a strategy”."))
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.risk = MessageLabel()
        self.message = MessageLabel()
        self.apply_button = QPushButton(tr("Apply this plan"))
        self.apply_button.setEnabled(False)
        self.apply_button.setToolTip(tr("Sets the frozen layers, learning rates, optimizer and augmentation. "
                                        "You can still change any of them."))
        self.apply_button.clicked.connect(self._apply)
        self.trials = TrialsView()
        self.trials.run_requested.connect(self.trials_requested)
        self.trials.stop_requested.connect(self.trials_stop_requested)
        self.trials.continue_with.connect(self.continue_with)
        self.applied_note = QLabel()
        self.applied_note.setWordWrap(True)

        # Three columns above (the questions, the chart, the recommendation), "Try all three" across the whole
        # width below: stacked, the trials' plot and table had no room at 1280x800.
        right = QVBoxLayout()
        right.addWidget(self.title)
        reasons = QScrollArea()  # a long explanation scrolls; it does not push the trials off the window
        reasons.setWidgetResizable(True)
        reasons.setFrameShape(QFrame.Shape.NoFrame)
        reasons.setWidget(self.explanation)
        right.addWidget(reasons, 1)
        right.addWidget(self.risk)
        action_row = QHBoxLayout()
        action_row.addWidget(self.apply_button)
        action_row.addStretch(1)
        right.addLayout(action_row)
        right.addWidget(self.applied_note)
        left = QVBoxLayout()
        left.addWidget(questions)
        left.addStretch(1)
        advice_area = QWidget()
        body = QHBoxLayout(advice_area)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(left, 0)
        body.addWidget(self.chart, 1)
        body.addLayout(right, 1)
        trials_box = QGroupBox(tr("Not sure? Try all three on your data"))
        QVBoxLayout(trials_box).addWidget(self.trials)
        trials_box.setMinimumHeight(300)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(advice_area)
        splitter.addWidget(trials_box)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)

    # -- asking ----------------------------------------------------------------------------------------

    def unfreeze_gradually(self) -> bool:
        """The user's "unfreeze gradually" choice (one more stage every few epochs)."""
        return self.gradual.isChecked()

    def show_error(self, message: str) -> None:
        self.message.show_error(message)

    def similarity_override(self) -> SimilarityClass | None:
        if self.say_similar.isChecked():
            return SimilarityClass.SIMILAR
        if self.say_different.isChecked():
            return SimilarityClass.DIFFERENT
        return None

    def request_advice(self) -> None:
        try:
            config = self._config_source()
        except Exception as exc:  # noqa: BLE001 - StudioError or ConfigError: a sentence for the user
            self.message.show_error(str(exc))
            return
        self.message.clear_message()
        override = self.similarity_override()
        thresholds = SizeThresholds(self.large_from.value())
        gradual = self.gradual.isChecked()

        def work(state: TaskState) -> Advice:
            try:
                return run_advisor(config, similarity_override=override, thresholds=thresholds, gradual=gradual,
                                   progress=state.set_progress, cancel=state)
            except WeightsError as exc:  # the measurement needs the pretrained weights; the manual choices do not
                if override is not None:
                    raise
                raise WeightsError(f"{exc} {tr(MEASUREMENT_FAILED)}") from exc

        self._set_busy(True, measuring=override is None and config.model.pretrained)
        task = BackgroundTask(work, self)
        task.progress.connect(self._on_progress)
        task.done.connect(self.show_advice)
        task.failed.connect(self._on_failed)
        self._task = task
        task.start()

    def _set_busy(self, busy: bool, measuring: bool = False) -> None:
        self.advise_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)
            self.progress.setFormat(tr("Measuring how familiar your images are to the model…") if measuring else "")
            self.progress.setTextVisible(measuring)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _on_failed(self, message: str) -> None:
        self._set_busy(False)
        self.message.show_error(message)

    def shutdown(self) -> None:
        if self._task is not None and self._task.running:
            self._task.cancel()
            self._task.wait()

    # -- showing ---------------------------------------------------------------------------------------

    def show_advice(self, advice: Advice) -> None:
        self._set_busy(False)
        self.advice = advice
        number = advice.strategy.number
        label = tr(advice.strategy.label)
        self.title.setText(tr("Recommended: {strategy} (strategy {number})", strategy=label, number=number) if number
                           else tr("Recommended: {strategy}", strategy=label))
        self.explanation.setText(advice.explanation)
        self.risk.show_warning(advice.risk)
        cell = (advice.size, advice.similarity_class) if advice.similarity_class is not None else None
        self.chart.set_position(advice.size_position, advice.similarity_position, cell)
        self.apply_button.setEnabled(True)
        self.applied_note.clear()
        self.advice_changed.emit(advice)

    def _apply(self) -> None:
        if self.advice is not None:
            self.apply_requested.emit(self.advice)  # the note follows the state (follow_applied)

    # -- following the state: a view shows the state it was made for, or clears ---------------------------

    def observe(self, events: StudioEvents) -> None:
        """Follow the state's recommendation, applied plan and folder, and clear refusals on any change."""
        events.advice.connect(self.follow_advice)
        events.applied_advice.connect(self.follow_applied)
        events.report.connect(self.follow_report)
        events.changed.connect(self.clear_refusal)

    def follow_advice(self, advice: Advice | None) -> None:
        """The state's recommendation; ``None`` (another folder or model) clears the one shown."""
        if advice is None and self.advice is not None:
            self.advice = None
            self.title.clear()
            self.explanation.setText(tr("Press “Recommend a strategy”."))
            self.risk.clear_message()
            self.chart.clear()
            self.apply_button.setEnabled(False)
            self.applied_note.clear()

    def follow_applied(self, applied: object | None) -> None:
        """Whether the plan shown is the one applied (an ``AppliedAdvice``), or none is."""
        self.applied_note.setText(tr("Applied: the layer tree and the training settings now follow this plan. "
                                     "You can still change any of them.") if applied is not None else "")

    def follow_report(self, report: object | None) -> None:
        """A folder being read (``None``): the trials of the previous folder go, unless they still run."""
        if report is None and not self.trials.running:
            self.trials.clear()
            self.trials.message.clear_message()

    def clear_refusal(self, _fact: str = "") -> None:
        """A fact changed: a refusal shown for the state before ("choose a folder first") no longer holds."""
        if self.message.kind == "error":
            self.message.clear_message()

    # -- "Try all three" ---------------------------------------------------------------------------------

    def begin_trials(self) -> None:
        self.trials.begin()

    def on_trial_events(self, events: list[Event]) -> None:
        self.trials.on_events(events)

    def on_trials_finished(self, finished: RunFinished) -> None:
        self.trials.on_finished(finished)

    def show_trials_error(self, message: str) -> None:
        self.trials.show_error(message)
