"""The layer tree with freeze checkboxes, a stage slider, presets and live totals (memory, speed).

The tree is analysed in the background (:func:`engine.models.layers.tree.analyse_model`: one pass on the meta
device) whenever the architecture, image size, number of classes or head changes; the freeze plan is kept
across those changes when the layer names stay the same. Totals are recomputed on every change: they are
arithmetic over the analysed tree, well under a millisecond.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from engine.config import FreezePlan, Strategy
from engine.core.i18n import tr
from engine.models.heads import HeadOptions
from gui.jobs.controller import BackgroundTask, TaskState
from gui.panels.model.layer_summary import stage_sentence, totals
from gui.panels.model.layer_tree_model import LayerTreeModel
from gui.panels.model.layer_tree_view import LayerTreeView
from gui.widgets.common import MessageLabel

log = logging.getLogger(__name__)

# arch, image size, classes, head, starting weights (a hub model's extra arguments change its layers)
Request = tuple[str, int, int, HeadOptions, str]


def _analyse(request: Request, _: TaskState) -> tuple[Any, str, int | None]:
    from engine.models.catalog import pick_device
    from engine.models.layers.tree import analyse_model
    from engine.models.memory import available_memory

    arch, size, classes, head, weights = request
    tree = analyse_model(arch, size, classes, head, weights)
    device = pick_device("auto")
    return tree, device.type, available_memory(device)


class LayersPanel(QWidget):
    """Signals: ``changed`` whenever the freeze plan changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request: Request = ("resnet18", 224, 2, HeadOptions(), "imagenet")
        self.pretrained = True
        self.batch_size = 16
        self.state: Any = None  # engine.models.layers.freeze_state.FreezeState once analysed
        self.device: str = "cpu"
        self.available: int | None = None
        self._preset = Strategy.HEAD  # applied when a tree for a new architecture arrives
        self._task: BackgroundTask | None = None
        self._queued: Request | None = None

        self.head_only = QPushButton(tr("Only the new output layer"))
        self.head_only.setToolTip(tr("Freeze every pretrained layer: fast, best with few images like everyday photos."))
        self.head_only.clicked.connect(self._train_head_only)
        self.everything = QPushButton(tr("Every layer"))
        self.everything.setToolTip(tr("Train every layer, the pretrained ones at a lower learning rate."))
        self.everything.clicked.connect(self._train_everything)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setPageStep(1)
        self.slider.valueChanged.connect(self._on_slider)
        self.slider_label = QLabel()
        self.slider_label.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("Train:")))
        top.addWidget(self.head_only)
        top.addWidget(self.everything)
        top.addSpacing(16)
        top.addWidget(QLabel(tr("Frozen stages:")))
        top.addWidget(self.slider, 1)

        self.model = LayerTreeModel(self)
        self.model.freeze_changed.connect(self._on_freeze_changed)
        self.view = LayerTreeView(self.model)
        self.view.freeze_upto_requested.connect(self.freeze_upto)
        self.view.toggle_requested.connect(self._toggle_block)

        self.status = QLabel(tr("Choose a model to see its layers."))
        self.status.setWordWrap(True)
        self.params_line = QLabel()
        self.speed_line = QLabel()
        self.memory = MessageLabel()
        self.measure = QPushButton(tr("Measure on the GPU"))
        self.measure.setToolTip(tr("Run one real training step on the GPU and show its peak memory."))
        self.measure.clicked.connect(self.measure_on_gpu)
        self._measured: int | None = None
        self._probe: BackgroundTask | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.slider_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.params_line)
        layout.addWidget(self.speed_line)
        layout.addWidget(self.memory)
        layout.addWidget(self.measure, 0, Qt.AlignmentFlag.AlignRight)
        self._update_controls()

    # -- inputs -------------------------------------------------------------------------------------------

    def set_model(self, arch: str, pretrained: bool, head: HeadOptions, weights: str = "imagenet") -> None:
        if arch != self.request[0]:
            self._preset = Strategy.HEAD if pretrained else Strategy.FULL
        if pretrained != self.pretrained:
            self.pretrained = pretrained
            self.set_strategy(Strategy.HEAD if pretrained else Strategy.FULL)
        self._analyse((arch, self.request[1], self.request[2], head, weights))

    def set_image_size(self, size: int) -> None:
        self._analyse((self.request[0], int(size), self.request[2], self.request[3], self.request[4]))

    def set_num_classes(self, classes: int) -> None:
        self._analyse((self.request[0], self.request[1], max(2, int(classes)), self.request[3], self.request[4]))

    def set_batch_size(self, batch: int) -> None:
        self.batch_size = int(batch)
        self._measured = None
        self._update_totals()

    # -- outputs ------------------------------------------------------------------------------------------

    def _state_fits(self) -> bool:
        # While another image size or head is being analysed, the layer names stay those of this tree.
        return self.state is not None and self.state.tree.arch == self.request[0]

    def freeze_plan(self) -> FreezePlan:
        """Exactly what the tree shows; before the model's tree is known, follow the chosen preset."""
        if not self.pretrained:
            return FreezePlan(())
        if not self._state_fits():
            return FreezePlan()
        return FreezePlan(tuple(self.state.plan()))

    def strategy(self) -> Strategy:
        if not self.pretrained:
            return Strategy.FULL
        if not self._state_fits():
            return self._preset
        head_only = self.state.trainable_params() == self.state.tree.nodes[self.state.tree.head].params
        if head_only:
            return Strategy.HEAD
        return Strategy.PARTIAL if self.state.plan() else Strategy.FULL

    def set_strategy(self, strategy: Strategy) -> None:
        self._preset = strategy if self.pretrained else Strategy.FULL
        if self.state is not None:
            if self._preset is Strategy.HEAD:
                self.state.freeze_base()
            else:
                self.state.unfreeze_all()
            self._on_freeze_changed()

    def _train_head_only(self) -> None:
        self.set_strategy(Strategy.HEAD)

    def _train_everything(self) -> None:
        self.set_strategy(Strategy.FULL)

    def set_plan(self, names: tuple[str, ...]) -> None:
        """Freeze exactly ``names`` (the strategy advisor's plan); applied when the tree is ready."""
        if self.state is None or not self._state_fits():
            self._pending_plan: tuple[str, ...] | None = names
            return
        self._pending_plan = None
        self.state.set_plan(names)
        self._on_freeze_changed()

    def freeze_upto(self, name: str) -> None:
        if self.state is not None and self.pretrained:
            self.state.freeze_upto(name)
            self._on_freeze_changed()

    def shutdown(self) -> None:
        self._queued = None
        for task in (self._task, self._probe):
            if task is not None:
                task.wait()

    # -- analysis -----------------------------------------------------------------------------------------

    def _analyse(self, request: Request) -> None:
        if request == self.request and (self.state is not None or self._task is not None):
            return
        self.request = request
        if self._task is not None:  # one analysis at a time; only the newest request matters
            self._queued = request
            return
        self._start(request)

    def _start(self, request: Request) -> None:
        arch, size = request[0], request[1]
        self.status.setText(tr("Reading the layers of {arch} at {size}×{size} pixels…", arch=arch, size=size))
        self._task = BackgroundTask(lambda state: _analyse(request, state), self)
        self._task.done.connect(self._on_analysed)
        self._task.failed.connect(self._on_failed)
        self._task.start()
        self._update_controls()

    def _start_queued(self, finished: Request | None) -> bool:
        """Forget the finished task; if a newer request waits, start it instead (True: result is stale)."""
        self._task = None
        queued, self._queued = self._queued, None
        if queued is not None and queued != finished:
            self._start(queued)
            return True
        return False

    def _on_analysed(self, result: tuple[Any, str, int | None]) -> None:
        from engine.core.errors import ConfigError
        from engine.models.layers.freeze_state import FreezeState

        tree, self.device, self.available = result
        if self._start_queued((tree.arch, tree.image_size, tree.num_classes, tree.head_options, tree.weights)):
            return
        previous = self.state
        state = FreezeState(tree)
        if previous is not None and previous.tree.arch == tree.arch:
            try:
                state.set_plan(previous.plan())
            except ConfigError:
                state.freeze_base()
        elif self._preset is Strategy.HEAD and self.pretrained:
            state.freeze_base()
        pending = getattr(self, "_pending_plan", None)
        if pending is not None and self.pretrained:
            state.set_plan(pending)
            self._pending_plan = None
        self.state = state
        self.model.set_tree(tree, state)
        self.model.set_editable(self.pretrained)
        self.view.expandToDepth(0)
        self.status.setText(tr("{arch} at {size}×{size} pixels: right-click a layer to freeze everything up to it.",
                               arch=tree.arch, size=tree.image_size))
        self._on_freeze_changed()

    def _on_failed(self, message: str) -> None:
        if self._start_queued(None):
            return
        self.state = None
        self.model.set_tree(None, None)
        self.status.setText(message)
        self._update_controls()

    # -- reacting -----------------------------------------------------------------------------------------

    def _on_freeze_changed(self) -> None:
        self._measured = None  # a measurement is only valid for the plan it measured
        if self.state is not None:
            self.model.refresh()
        self._update_controls()
        self.changed.emit()

    def _on_slider(self, value: int) -> None:
        if self.state is not None and self.state.stage_count() != value:
            self.state.freeze_stages(value)
            self._on_freeze_changed()

    def _update_controls(self) -> None:
        ready = self.state is not None and self.pretrained
        for widget in (self.head_only, self.everything, self.slider):
            widget.setEnabled(ready)
        if not self.pretrained:
            self.slider_label.setText(tr("Without pretrained weights every layer learns from scratch, so nothing "
                                         "can be frozen."))
        if self.state is None:
            self._update_totals()
            return
        stages = self.state.tree.stages
        count = self.state.stage_count()
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(stages))
        if count is not None:
            self.slider.setValue(count)
        self.slider.blockSignals(False)
        if self.pretrained:
            self.slider_label.setText(stage_sentence(stages, count))
        self._update_totals()

    def _update_totals(self) -> None:
        self.measure.setVisible(self.device == "cuda" and self.state is not None)
        if self.state is None:
            for label in (self.params_line, self.speed_line):
                label.setText("")
            self.memory.clear_message()
            return
        result = totals(self.state, self.batch_size, self.device, self.available, self._measured)
        self.params_line.setText(result.params)
        self.speed_line.setText(result.speed)
        (self.memory.show_ok if result.fits else self.memory.show_error)(result.memory)

    def measure_on_gpu(self) -> None:
        """One real training step on the GPU; its peak memory replaces the estimate until something changes."""
        if self.state is None or self._probe is not None:
            return
        from engine.models.memory import measure_plan_memory

        tree, plan, batch = self.state.tree, self.state.plan(), self.batch_size
        self._probe = BackgroundTask(lambda _: measure_plan_memory(
            tree.arch, tree.num_classes, tree.image_size, plan, batch, tree.head_options, weights=tree.weights), self)
        self._probe.done.connect(self._on_measured)
        self._probe.failed.connect(self.memory.show_error)
        self.measure.setEnabled(False)
        self._probe.start()

    def _on_measured(self, peak: int | None) -> None:
        self._probe = None
        self.measure.setEnabled(True)
        if peak is None:
            self.memory.show_error(tr("One training step ran out of GPU memory: use a smaller batch, a smaller "
                                      "image size, or freeze more layers."))
            return
        self._measured = peak
        self._update_totals()

    def _toggle_block(self, name: str) -> None:
        if self.state is not None:
            self.state.set_frozen(name, self.state.check_state(name).value != "frozen")
            self._on_freeze_changed()
