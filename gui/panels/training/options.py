"""The training settings: every option with a sensible default and one plain line saying what it does.

Each row is built from the option table (engine/config/options): its label, range, step, choices and plain
line are the table's, its default the config's, and the command line (``python -m engine train``) shows the same
lines. :meth:`TrainingOptions.apply_to` writes them into a :class:`~engine.config.TrainConfig` (so they end up in
``config.json``); :meth:`TrainingOptions.set_from` shows a saved config.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.config import (
    Augmentation,
    AugmentConfig,
    EarlyStoppingConfig,
    OptimConfig,
    OptimizerKind,
    ScheduleConfig,
    ScheduleKind,
    TrainConfig,
    option,
    option_value,
    with_options,
)
from engine.core.i18n import tr, tr_later
from engine.data.augment import PRESETS, describe
from engine.help.glossary import option_tip
from gui.widgets.option_widgets import (
    add_explained_row,
    option_widget,
    option_widget_value,
    set_option_value,
)

#: Said under the learning rate: the "Find…" button is the window's own.
FIND_NOTE = tr_later("\"Find…\" tries rates for a few seconds and suggests one.")
#: Said under the dropout: the window sets it with the output layer, this panel only shows it.
DROPOUT_NOTE = tr_later("Set it with the output layer in step 2 (Model).")


def _joined(first: str, second: str) -> str:
    """Two settings' lines under one row; the second's lead-in (``"Step schedule: "``) is not said twice."""
    lead = first.partition(": ")[0] + ": "
    if ": " in first and second.startswith(lead):
        rest = second.removeprefix(lead)
        second = rest[:1].upper() + rest[1:]
    return f"{first} {second}"


class _Group(QGroupBox):
    """A titled group of rows; each row has its explanation line right under it."""

    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.explanations: dict[str, QLabel] = {}
        self.fields: dict[str, Any] = {}  # setting path -> its widget

    def option(self, path: str) -> Any:
        """A row for the setting at ``path``: the table's label, widget and plain line."""
        spec = option(path)
        widget = self.widget(path)
        self.row(tr(spec.label), widget, tr(spec.help))
        return widget

    def widget(self, path: str) -> Any:
        """The widget of the setting at ``path``, for a row the caller builds."""
        widget = option_widget(path)
        self.fields[path] = widget
        return widget

    def row(self, label: str, widget: QWidget, explanation: str) -> QLabel:
        line = add_explained_row(self.form, label, widget, explanation)
        path = next((p for p, w in self.fields.items() if w is widget), None)  # its example joins the tooltip
        widget.setToolTip(option_tip(path, explanation) if path else explanation)
        self.explanations[label] = line
        return line


class TrainingOptions(QScrollArea):
    """All training settings in groups, scrollable. Signals ``find_lr_requested`` and ``edit_augmentation``."""

    find_lr_requested = Signal()
    edit_augmentation = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.custom_augment: AugmentConfig | None = None
        self.groups: list[_Group] = []
        body = QWidget()
        layout = QVBoxLayout(body)
        for build in (self._basics, self._learning, self._regularisation, self._data, self._stopping, self._more):
            group = build()
            self.groups.append(group)
            layout.addWidget(group)
        layout.addStretch(1)
        # setting path -> its widget: apply_to and set_from go through these
        self.fields: dict[str, Any] = {path: w for group in self.groups for path, w in group.fields.items()}
        self.setWidget(body)
        self.setMinimumWidth(400)
        self._sync_enabled()

    # -- groups -----------------------------------------------------------------------------------------

    def _basics(self) -> _Group:
        g = _Group(tr("Basics"))
        self.epochs = g.option("optim.epochs")
        self.batch_size = g.option("optim.batch_size")
        self.image_size = g.option("data.image_size")
        self.device = g.option("device")
        return g

    def _learning(self) -> _Group:
        g = _Group(tr("Learning"))
        self.optimizer = g.option("optim.optimizer")
        self.lr = g.widget("optim.lr")
        self.find_lr = QPushButton(tr("Find…"))
        self.find_lr.setToolTip(tr("Try growing learning rates for a few seconds and suggest one."))
        self.find_lr.clicked.connect(self.find_lr_requested)
        lr_row = QWidget()
        row = QHBoxLayout(lr_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.lr, 1)
        row.addWidget(self.find_lr)
        g.row(tr(option("optim.lr").label), lr_row, f"{tr(option('optim.lr').help)} {tr(FIND_NOTE)}")
        self.lr_ratio = g.option("optim.pretrained_lr_ratio")
        self.momentum = g.option("optim.momentum")
        self.nesterov = g.option("optim.nesterov")
        self.schedule = g.option("schedule.kind")
        self.warmup = g.option("schedule.warmup_epochs")
        g.row(tr("Step"), self._step_row(g), _joined(tr(option("schedule.step_epochs").help),
                                                     tr(option("schedule.step_gamma").help)))
        self.head_warmup: QSpinBox = g.option("finetune.head_warmup_epochs")
        self.unfreeze_every: QSpinBox = g.option("finetune.unfreeze_every")
        for box in (self.head_warmup, self.unfreeze_every):
            box.setSuffix(tr(" epochs"))
        self.optimizer.currentIndexChanged.connect(self._sync_enabled)
        self.schedule.currentIndexChanged.connect(self._sync_enabled)
        return g

    def _step_row(self, g: _Group) -> QWidget:
        """The step schedule's two settings in one line: "every [5] epochs × [0.10]"."""
        step = QWidget()
        srow = QHBoxLayout(step)
        srow.setContentsMargins(0, 0, 0, 0)
        srow.addWidget(QLabel(tr("every")))
        self.step_epochs = g.widget("schedule.step_epochs")
        self.step_gamma = g.widget("schedule.step_gamma")
        srow.addWidget(self.step_epochs)
        srow.addWidget(QLabel(tr("epochs ×")))
        srow.addWidget(self.step_gamma)
        return step

    def _regularisation(self) -> _Group:
        g = _Group(tr("Against overfitting"))
        self.weight_decay = g.option("optim.weight_decay")
        self.l1 = g.option("optim.l1")
        # One setting, one place: the dropout belongs to the new output layer (step 2); shown here too.
        self.dropout = QLabel()
        dropout = option("model.head_dropout")
        g.row(tr(dropout.label), self.dropout, f"{tr(dropout.help)} {tr(DROPOUT_NOTE)}")
        self.show_head_dropout(0.0)
        self.label_smoothing = g.option("optim.label_smoothing")
        return g

    def _data(self) -> _Group:
        g = _Group(tr("Augmentation and class balance"))
        self.augmentation = g.option("data.augmentation")
        self.augmentation.currentIndexChanged.connect(self._on_preset_changed)
        self.edit_button = QPushButton(tr("Edit and preview…"))
        self.edit_button.clicked.connect(self.edit_augmentation)
        self.augment_summary = QLabel()
        self.augment_summary.setWordWrap(True)
        g.form.addRow(self.edit_button, self.augment_summary)
        self.imbalance = g.option("imbalance")
        self._show_augment()
        return g

    def _stopping(self) -> _Group:
        g = _Group(tr("Early stopping"))
        self.early_stop = g.option("early_stopping.enabled")
        self.monitor = g.option("early_stopping.monitor")
        self.patience = g.option("early_stopping.patience")
        self.min_delta = g.option("early_stopping.min_delta")
        self.restore_best = g.option("early_stopping.restore_best")
        self.early_stop.toggled.connect(self._sync_enabled)
        return g

    def _more(self) -> _Group:
        g = _Group(tr("Reproducibility and speed"))
        self.seed = g.option("seed")
        self.deterministic = g.option("deterministic")
        self.image_cache = g.option("image_cache")
        self.feature_cache = g.option("feature_cache")
        return g

    # -- behaviour ---------------------------------------------------------------------------------------

    def _sync_enabled(self) -> None:
        # Qt hands back a str-valued enum as its plain value: convert before comparing.
        sgd = OptimizerKind(self.optimizer.currentData()) is OptimizerKind.SGD
        self.momentum.setEnabled(sgd)
        self.nesterov.setEnabled(sgd)
        if not sgd:
            self.nesterov.setChecked(False)
        kind = ScheduleKind(self.schedule.currentData())
        self.warmup.setEnabled(kind is not ScheduleKind.ONE_CYCLE)
        self.step_epochs.setEnabled(kind is ScheduleKind.STEP)
        self.step_gamma.setEnabled(kind is ScheduleKind.STEP)
        for widget in (self.monitor, self.patience, self.min_delta):
            widget.setEnabled(self.early_stop.isChecked())

    def _on_preset_changed(self) -> None:
        self.custom_augment = None
        self._show_augment()

    def preset(self) -> Augmentation:
        return Augmentation(self.augmentation.currentData())

    def augment(self) -> AugmentConfig:
        """The transforms in use: the user's edits, or the preset's."""
        return self.custom_augment if self.custom_augment is not None else PRESETS[self.preset()]

    def set_custom_augment(self, aug: AugmentConfig | None) -> None:
        self.custom_augment = None if aug == PRESETS[self.preset()] else aug
        self._show_augment()

    def _show_augment(self) -> None:
        summary = " ".join(describe(self.augment()))
        if self.custom_augment is not None:
            summary = tr("{summary} (edited)", summary=summary)
        self.augment_summary.setText(summary)

    # -- config -----------------------------------------------------------------------------------------

    def _values(self) -> dict[str, Any]:
        values = {path: option_widget_value(widget, path) for path, widget in self.fields.items()}
        values["optim.nesterov"] = values["optim.nesterov"] and values["optim.momentum"] > 0
        return values

    def _section(self, section: str) -> dict[str, Any]:
        prefix = section + "."
        return {path.removeprefix(prefix): value for path, value in self._values().items() if path.startswith(prefix)}

    def optim_config(self) -> OptimConfig:
        return OptimConfig(**self._section("optim"))

    def early_stopping_config(self) -> EarlyStoppingConfig:
        return EarlyStoppingConfig(**self._section("early_stopping"))

    def schedule_config(self) -> ScheduleConfig:
        return ScheduleConfig(**self._section("schedule"))

    def apply_to(self, config: TrainConfig) -> TrainConfig:
        """``config`` with every setting of this panel (the data folder and model come from other panels)."""
        self.show_head_dropout(config.model.head_dropout)
        return with_options(config, {**self._values(), "augment": self.custom_augment})

    def set_from(self, config: TrainConfig) -> None:
        """Show ``config``'s settings (e.g. to repeat a past run)."""
        for path, widget in self.fields.items():
            set_option_value(widget, option_value(config, path))
        self.set_custom_augment(config.augment)
        self._sync_enabled()

    def show_head_dropout(self, value: float) -> None:
        self.dropout.setText(tr("off") if value <= 0 else tr("{value:.0%} of the inputs", value=value))

    def explanation_lines(self) -> dict[str, str]:
        """Every option's label and its explanation (tests check none is missing)."""
        return {label: line.text() for group in self.groups for label, line in group.explanations.items()}
