"""The training settings: every option with a sensible default and one plain line saying what it does.

:meth:`TrainingOptions.apply_to` writes them into a :class:`~engine.config.TrainConfig` (so they end up in
``config.json``); :meth:`TrainingOptions.set_from` shows a saved config. The same options exist on the
command line (engine/cli/train_options.py) with the same explanations.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
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

from engine.data.augment import PRESET_LABELS, PRESETS, describe
from engine.config import (
    Augmentation,
    AugmentConfig,
    Device,
    EarlyStoppingConfig,
    FineTuneSchedule,
    Imbalance,
    Monitor,
    OptimConfig,
    OptimizerKind,
    ScheduleConfig,
    ScheduleKind,
    TrainConfig,
)

EXPLAIN_STYLE = "color:#5f6b7a; font-size:11px;"

OPTIMIZERS = {OptimizerKind.SGD: "SGD with momentum", OptimizerKind.ADAM: "Adam", OptimizerKind.ADAMW: "AdamW"}
SCHEDULES = {ScheduleKind.CONSTANT: "Constant", ScheduleKind.STEP: "Step down every few epochs",
             ScheduleKind.COSINE: "Cosine (smoothly down to almost zero)", ScheduleKind.ONE_CYCLE: "One-cycle"}
DEVICES = {Device.AUTO: "Automatic", Device.CPU: "Processor (CPU)", Device.CUDA: "NVIDIA GPU (CUDA)",
           Device.MPS: "Apple GPU (MPS)"}
IMBALANCE = {Imbalance.NONE: "Nothing special", Imbalance.WEIGHTED_LOSS: "Weigh rare classes more in the loss",
             Imbalance.BALANCED_SAMPLING: "Show rare classes more often"}
MONITORS = {Monitor.VAL_LOSS: "Validation loss", Monitor.VAL_ACCURACY: "Validation accuracy"}


def _combo(items: dict[object, str]) -> QComboBox:
    box = QComboBox()
    # Long choices must not widen the settings column (the popup still shows them whole).
    box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(14)
    for value, label in items.items():
        box.addItem(label, value)
    return box


def _spin(low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    return box


def _double(low: float, high: float, value: float, decimals: int, step: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    return box


def _select(box: QComboBox, value: object) -> None:
    index = box.findData(value)
    if index >= 0:
        box.setCurrentIndex(index)


class _Group(QGroupBox):
    """A titled group of rows; each row has its explanation line right under it."""

    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.explanations: dict[str, QLabel] = {}

    def row(self, label: str, widget: QWidget, explanation: str) -> QLabel:
        if isinstance(widget, QCheckBox):
            self.form.addRow(widget)
        else:
            self.form.addRow(label, widget)
        line = QLabel(explanation)
        line.setWordWrap(True)
        line.setStyleSheet(EXPLAIN_STYLE)
        self.form.addRow(line)
        widget.setToolTip(explanation)
        self.explanations[label] = line
        return line


class TrainingOptions(QScrollArea):
    """All training settings in groups, scrollable. Signals ``find_lr_requested`` and ``edit_augmentation``."""

    find_lr_requested = Signal()
    edit_augmentation = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.custom_augment: AugmentConfig | None = None
        self.groups: list[_Group] = []
        body = QWidget()
        layout = QVBoxLayout(body)
        for build in (self._basics, self._learning, self._regularisation, self._data, self._stopping, self._more):
            group = build()
            self.groups.append(group)
            layout.addWidget(group)
        layout.addStretch(1)
        self.setWidget(body)
        self.setMinimumWidth(400)
        self._sync_enabled()

    # -- groups -----------------------------------------------------------------------------------------

    def _basics(self) -> _Group:
        g = _Group("Basics")
        self.epochs = _spin(1, 1000, 10)
        g.row("Epochs", self.epochs, "How many times the model sees every training image (at most).")
        self.batch_size = _spin(1, 1024, 16)
        g.row("Batch size", self.batch_size, "Images per learning step. Lower it if the computer runs out of "
                                             "memory; on a GPU it is halved automatically when needed.")
        self.image_size = _spin(32, 1024, 224)
        self.image_size.setSingleStep(16)
        g.row("Image size", self.image_size, "Images are resized to this many pixels square. 224 is what most "
                                             "pretrained models expect; smaller is faster.")
        self.device = _combo(DEVICES)
        g.row("Device", self.device, "Automatic uses an NVIDIA GPU, then an Apple GPU, then the processor.")
        return g

    def _learning(self) -> _Group:
        g = _Group("Learning")
        self.optimizer = _combo(OPTIMIZERS)
        g.row("Optimizer", self.optimizer, "SGD is steady and a safe default; Adam and AdamW adapt each weight's "
                                           "step and usually want a ten times smaller learning rate.")
        self.lr = _double(0.000001, 1.0, 0.01, 6, 0.001)
        self.find_lr = QPushButton("Find…")
        self.find_lr.setToolTip("Try growing learning rates for a few seconds and suggest one.")
        self.find_lr.clicked.connect(self.find_lr_requested)
        lr_row = QWidget()
        row = QHBoxLayout(lr_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.lr, 1)
        row.addWidget(self.find_lr)
        g.row("Learning rate", lr_row, "How big each learning step is. \"Find…\" tries rates for a few seconds "
                                       "and suggests one.")
        self.lr_ratio = _double(0.001, 1.0, 0.1, 3, 0.05)
        g.row("Pretrained layers' share", self.lr_ratio, "Pretrained layers that are trained learn at this "
                                                         "fraction of the rate, so they change gently.")
        self.momentum = _double(0.0, 0.999, 0.9, 3, 0.05)
        g.row("Momentum", self.momentum, "SGD: how much of the previous step carries on (0.9 is usual).")
        self.nesterov = QCheckBox("Nesterov momentum")
        g.row("Nesterov", self.nesterov, "SGD: a look-ahead form of momentum, often slightly better.")
        self.schedule = _combo(SCHEDULES)
        _select(self.schedule, ScheduleKind.COSINE)
        g.row("Schedule", self.schedule, "How the rate changes over the epochs. One-cycle rises then falls "
                                         "and ignores warm-up.")
        self.warmup = _double(0.0, 100.0, 0.0, 1, 0.5)
        g.row("Warm-up (epochs)", self.warmup, "Start at a tenth of the rate and reach it after this many epochs "
                                               "(0 = no warm-up).")
        self.step_epochs = _spin(1, 1000, 5)
        self.step_gamma = _double(0.01, 1.0, 0.1, 2, 0.05)
        step = QWidget()
        srow = QHBoxLayout(step)
        srow.setContentsMargins(0, 0, 0, 0)
        srow.addWidget(QLabel("every"))
        srow.addWidget(self.step_epochs)
        srow.addWidget(QLabel("epochs ×"))
        srow.addWidget(self.step_gamma)
        g.row("Step", step, "Step schedule: multiply the rate by this factor every so many epochs.")
        self.head_warmup = _spin(0, 100, 0)
        self.head_warmup.setSuffix(" epochs")
        g.row("Classifier first", self.head_warmup,
              "The new output layer trains alone this long before any pretrained layer changes, so they are "
              "never adjusted to suit a random classifier (0 = all from the start).")
        self.unfreeze_every = _spin(0, 100, 0)
        self.unfreeze_every.setSuffix(" epochs")
        g.row("Unfreeze every", self.unfreeze_every,
              "After that, one more pretrained stage joins every this many epochs, from the top down "
              "(0 = all planned layers at once).")
        self.optimizer.currentIndexChanged.connect(self._sync_enabled)
        self.schedule.currentIndexChanged.connect(self._sync_enabled)
        return g

    def _regularisation(self) -> _Group:
        g = _Group("Against overfitting")
        self.weight_decay = _double(0.0, 0.5, 1e-4, 5, 1e-4)
        g.row("Weight decay (L2)", self.weight_decay, "Keeps the weights small so the model generalises better.")
        self.l1 = _double(0.0, 0.1, 0.0, 6, 1e-5)
        g.row("L1 penalty", self.l1, "Pushes unneeded weights to exactly zero (0 = off).")
        # One setting, one place: the dropout belongs to the new output layer (step 2); shown here too.
        self.dropout = QLabel()
        g.row("Dropout before the output", self.dropout, "While training, randomly silences inputs of the new "
                                                         "output layer so it cannot lean on a few features. Set it "
                                                         "with the output layer in step 2 (Model).")
        self.show_head_dropout(0.0)
        self.label_smoothing = _double(0.0, 0.49, 0.0, 2, 0.05)
        g.row("Label smoothing", self.label_smoothing, "Makes the model less over-confident; 0.1 is a common "
                                                       "choice (0 = off).")
        return g

    def _data(self) -> _Group:
        g = _Group("Augmentation and class balance")
        self.augmentation = _combo({preset: label for preset, label in PRESET_LABELS.items()})
        _select(self.augmentation, Augmentation.LIGHT)
        self.augmentation.currentIndexChanged.connect(self._on_preset_changed)
        self.edit_button = QPushButton("Edit and preview…")
        self.edit_button.clicked.connect(self.edit_augmentation)
        g.row("Augmentation", self.augmentation, "Random changes to the training images so the model learns what "
                                                 "matters, not the exact pixels. Medical-safe never flips or "
                                                 "changes colours unless you allow it.")
        self.augment_summary = QLabel()
        self.augment_summary.setWordWrap(True)
        g.form.addRow(self.edit_button, self.augment_summary)
        self.imbalance = _combo(IMBALANCE)
        g.row("Unequal classes", self.imbalance, "When some classes have far fewer images: weigh their mistakes "
                                                 "more, or show their images more often.")
        self._show_augment()
        return g

    def _stopping(self) -> _Group:
        g = _Group("Early stopping")
        self.early_stop = QCheckBox("Stop early when validation stops improving")
        self.early_stop.setChecked(True)
        g.row("Stop early", self.early_stop, "Ends training once more epochs would most likely only memorise "
                                             "the training images.")
        self.monitor = _combo(MONITORS)
        g.row("Watch", self.monitor, "What counts as improving: validation loss (smoother) or accuracy. The best "
                                     "model is chosen by the same figure.")
        self.patience = _spin(1, 100, 3)
        g.row("Patience (epochs)", self.patience, "How many epochs without improvement to wait before stopping.")
        self.min_delta = _double(0.0, 1.0, 0.0, 4, 0.001)
        g.row("Smallest improvement", self.min_delta, "Changes smaller than this do not count as improving.")
        self.restore_best = QCheckBox("Keep the best epoch's model")
        self.restore_best.setChecked(True)
        g.row("Restore best", self.restore_best, "At the end, keep the model from the best epoch rather than "
                                                 "the last one.")
        self.early_stop.toggled.connect(self._sync_enabled)
        return g

    def _more(self) -> _Group:
        g = _Group("Reproducibility and speed")
        self.seed = _spin(0, 2**31 - 1, 0)
        g.row("Seed", self.seed, "The same seed gives the same split and the same random choices.")
        self.deterministic = QCheckBox("Deterministic")
        g.row("Deterministic", self.deterministic, "Same seed and same computer give exactly the same result "
                                                   "(slower on GPUs).")
        self.image_cache = QCheckBox("Decode each image once")
        self.image_cache.setChecked(True)
        g.row("Image cache", self.image_cache, "Keeps every image at training size after the first read, so "
                                               "later epochs skip decoding.")
        self.feature_cache = QCheckBox("Cache the frozen layers' output")
        self.feature_cache.setChecked(True)
        g.row("Feature cache", self.feature_cache, "With the pretrained part frozen and no augmentation, its "
                                                   "output is computed once and only the classifier trains: "
                                                   "many times faster.")
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
        edited = " (edited)" if self.custom_augment is not None else ""
        self.augment_summary.setText(" ".join(describe(self.augment())) + edited)

    # -- config -----------------------------------------------------------------------------------------

    def optim_config(self) -> OptimConfig:
        return OptimConfig(
            epochs=self.epochs.value(), batch_size=self.batch_size.value(), lr=self.lr.value(),
            momentum=self.momentum.value(), weight_decay=self.weight_decay.value(),
            pretrained_lr_ratio=self.lr_ratio.value(), optimizer=OptimizerKind(self.optimizer.currentData()),
            nesterov=self.nesterov.isChecked() and self.momentum.value() > 0, l1=self.l1.value(),
            label_smoothing=self.label_smoothing.value())

    def early_stopping_config(self) -> EarlyStoppingConfig:
        return EarlyStoppingConfig(enabled=self.early_stop.isChecked(), patience=self.patience.value(),
                                   min_delta=self.min_delta.value(), restore_best=self.restore_best.isChecked(),
                                   monitor=Monitor(self.monitor.currentData()))

    def schedule_config(self) -> ScheduleConfig:
        return ScheduleConfig(ScheduleKind(self.schedule.currentData()), warmup_epochs=self.warmup.value(),
                              step_epochs=self.step_epochs.value(), step_gamma=self.step_gamma.value())

    def apply_to(self, config: TrainConfig) -> TrainConfig:
        """``config`` with every setting of this panel (the data folder and model come from other panels)."""
        data = dataclasses.replace(config.data, image_size=self.image_size.value(), augmentation=self.preset())
        self.show_head_dropout(config.model.head_dropout)
        return config.replace(
            data=data, optim=self.optim_config(), early_stopping=self.early_stopping_config(),
            schedule=self.schedule_config(), augment=self.custom_augment,
            imbalance=Imbalance(self.imbalance.currentData()), device=Device(self.device.currentData()),
            seed=self.seed.value(), deterministic=self.deterministic.isChecked(),
            image_cache=self.image_cache.isChecked(), feature_cache=self.feature_cache.isChecked(),
            finetune=FineTuneSchedule(self.head_warmup.value(), self.unfreeze_every.value()))

    def set_from(self, config: TrainConfig) -> None:
        """Show ``config``'s settings (e.g. to repeat a past run)."""
        o, e, s = config.optim, config.early_stopping, config.schedule
        for box, value in ((self.epochs, o.epochs), (self.batch_size, o.batch_size),
                           (self.image_size, config.data.image_size), (self.patience, e.patience),
                           (self.step_epochs, s.step_epochs), (self.seed, config.seed),
                           (self.head_warmup, config.finetune.head_warmup_epochs),
                           (self.unfreeze_every, config.finetune.unfreeze_every)):
            box.setValue(value)
        for dbox, fvalue in ((self.lr, o.lr), (self.lr_ratio, o.pretrained_lr_ratio), (self.momentum, o.momentum),
                             (self.weight_decay, o.weight_decay), (self.l1, o.l1),
                             (self.label_smoothing, o.label_smoothing), (self.warmup, s.warmup_epochs),
                             (self.step_gamma, s.step_gamma), (self.min_delta, e.min_delta)):
            dbox.setValue(fvalue)
        for combo, item in ((self.optimizer, o.optimizer), (self.schedule, s.kind), (self.device, config.device),
                            (self.imbalance, config.imbalance), (self.monitor, e.monitor),
                            (self.augmentation, config.data.augmentation)):
            _select(combo, item)
        self.nesterov.setChecked(o.nesterov)
        self.early_stop.setChecked(e.enabled)
        self.restore_best.setChecked(e.restore_best)
        self.deterministic.setChecked(config.deterministic)
        self.image_cache.setChecked(config.image_cache)
        self.feature_cache.setChecked(config.feature_cache)
        self.set_custom_augment(config.augment)
        self._sync_enabled()

    def show_head_dropout(self, value: float) -> None:
        self.dropout.setText("off" if value <= 0 else f"{value:.0%} of the inputs")

    def explanation_lines(self) -> dict[str, str]:
        """Every option's label and its explanation (tests check none is missing)."""
        return {label: line.text() for group in self.groups for label, line in group.explanations.items()}
