"""Step 2: the model and its layers. Left: the catalog (what each model is, from torchvision's weights meta and
timm's pretrained_cfg), the starting weights (with "Import model folder…") and the new output layer. Right: the
layer tree with freeze checkboxes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.config import FreezePlan, ModelConfig, Strategy, option
from engine.core.errors import ConfigError
from engine.core.i18n import tr, tr_later
from engine.help.glossary import tip
from engine.models.heads import HeadOptions
from gui.jobs.controller import BackgroundTask, TaskState
from gui.panels.model.layer_tree_model import count_text
from gui.panels.model.layers_panel import LayersPanel
from gui.panels.model.model_text import head_sentence, model_details
from gui.panels.model.weights_box import WeightsBox
from gui.state import ModelChoice
from gui.widgets.common import read_only_table
from gui.widgets.option_widgets import option_widget

DEFAULT_ARCH = "resnet18"
COLUMNS = (tr_later("Model"), tr_later("Params"), tr_later("Top-1"), tr_later("Download"), tr_later("Speed"),
           tr_later("Here"))


def column_tips() -> tuple[str, ...]:
    """The tooltips of the model table's column headers, in the current language."""
    return (tr("The architecture's name in torchvision, or in timm (marked so), for example resnet18."),
            tip("params"), tip("top1"),
            tr("Size of the pretrained weights to download, for example 45 MB for ResNet-18."),
            tr("Training speed class, by compute per image.") + " " + tip("gflops"),
            tr("The pretrained weights are already on this computer, so no download is needed."))


def detail_tip() -> str:
    """The model's description names these terms; its tooltip explains them."""
    return "\n\n".join(tip(key) for key in ("params", "top1", "gflops", "normalise"))


def _load_catalog(_: TaskState) -> list[Any]:
    # Importing torchvision takes seconds: done in the background so the window opens at once.
    from engine.models.hub_import import timm_catalog
    from engine.models.weights import catalog

    return catalog() + timm_catalog()  # torchvision's, then the curated timm models


class ModelPanel(QWidget):
    """Signals: ``changed`` for any change of model, weights, head or frozen layers; ``model_changed``
    with the :class:`~gui.state.ModelChoice` (architecture, weights, head) when one of those may have changed."""

    changed = Signal()
    model_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog: dict[str, Any] = {}  # arch -> engine.models.weights.CatalogEntry
        self.table = read_only_table([tr(column) for column in COLUMNS])
        for column, column_tip in enumerate(column_tips()):
            header = self.table.horizontalHeaderItem(column)
            if header is not None:
                header.setToolTip(column_tip)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.itemSelectionChanged.connect(self._on_arch_changed)
        self.show_all = QCheckBox(tr("Show all models"))
        self.show_all.toggled.connect(self._filter_rows)
        self.details = QLabel(tr("Loading the model list…"))
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setToolTip(detail_tip())

        self.weights = WeightsBox()
        self.weights.changed.connect(self._on_weights_changed)
        self.weights.cached.connect(self._on_cached)
        self.weights.run_chosen.connect(self._on_run_chosen)
        self.weights.folder_chosen.connect(self._on_folder_chosen)
        # The output layer's settings as the option table has them (range, step, "none", tooltip).
        self.dropout = cast(QDoubleSpinBox, option_widget("model.head_dropout"))
        self.hidden = cast(QSpinBox, option_widget("model.head_hidden"))
        self.head_note = QLabel()
        for spin in (self.dropout, self.hidden):
            spin.valueChanged.connect(self._on_head_changed)
        self._on_head_changed()
        head_box = QGroupBox(tr("New output layer"))
        head_form = QFormLayout(head_box)
        for path, spin in (("model.head_dropout", self.dropout), ("model.head_hidden", self.hidden)):
            head_form.addRow(tr(option(path).label), spin)
        head_form.addRow(self.head_note)

        model_box = QGroupBox(tr("Model"))
        model_layout = QVBoxLayout(model_box)
        model_layout.addWidget(self.table, 1)
        model_layout.addWidget(self.show_all)
        model_layout.addWidget(self.details)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(model_box, 1)
        left_layout.addWidget(self.weights)
        left_layout.addWidget(head_box)

        self.layers = LayersPanel()
        self.layers.changed.connect(self.changed)
        layers_box = QGroupBox(tr("Layers: tick to freeze (keep the pretrained weights)"))
        QVBoxLayout(layers_box).addWidget(self.layers)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(layers_box)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 7)
        splitter.setSizes([500, 700])
        QVBoxLayout(self).addWidget(splitter)

        self._task = BackgroundTask(_load_catalog, self)
        self._task.done.connect(self._on_catalog)
        self._task.failed.connect(self.details.setText)
        self._task.start()

    def shutdown(self) -> None:
        self._task.wait()
        self.weights.shutdown()
        self.layers.shutdown()

    # -- catalog ------------------------------------------------------------------------------------------

    def _on_catalog(self, entries: list[Any]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            self._fill_row(row, entry)
            self.catalog[entry.info.name] = entry
        self.table.blockSignals(False)
        more = sum(1 for e in entries if not e.info.shortlisted)
        self.show_all.setText(tr("Show all {count} models ({more} more)", count=len(entries), more=more))
        self._filter_rows()
        self.set_arch(DEFAULT_ARCH)
        self._on_arch_changed()

    def _fill_row(self, row: int, entry: Any) -> None:
        info = entry.info
        cells = (info.title, count_text(info.params), f"{info.imagenet_top1:.1f}%" if info.imagenet_top1 else "?",
                 f"{info.download_mb:.0f} MB" if info.download_mb else "?", tr(info.speed_class),
                 tr("yes") if entry.cached else "")
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            if column:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(tr(info.note) if info.source != "timm" or column != 2
                            else tr("timm publishes no ImageNet accuracy with its offline metadata"))
            self.table.setItem(row, column, item)

    def _arch_at(self, row: int) -> str | None:
        """The architecture a row of the model table shows."""
        item = self.table.item(row, 0)
        # not translated: a type
        return None if item is None else cast("str | None", item.data(Qt.ItemDataRole.UserRole))

    def _filter_rows(self) -> None:
        for row in range(self.table.rowCount()):
            entry = self.catalog.get(str(self._arch_at(row)))
            self.table.setRowHidden(row, not (self.show_all.isChecked() or entry is None or entry.info.shortlisted
                                              or entry.info.name == self.arch()))

    def set_arch(self, arch: str) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == arch:
                self.table.setRowHidden(row, False)
                self.table.selectRow(row)
                self.table.scrollToItem(item, QAbstractItemView.ScrollHint.PositionAtCenter)
                return

    def arch(self) -> str:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return DEFAULT_ARCH
        return str(self._arch_at(rows[0].row()) or DEFAULT_ARCH)

    def _on_arch_changed(self) -> None:
        entry = self.catalog.get(self.arch())
        if entry is None:
            return
        self.details.setText(model_details(entry.info))
        self.weights.set_model(entry.info.name, entry.info, entry.cached)
        self._sync_layers()

    def _on_cached(self, arch: str) -> None:
        entry = self.catalog.get(arch)
        if entry is not None:
            from engine.models.weights import CatalogEntry

            self.catalog[arch] = CatalogEntry(entry.info, True)
            for row in range(self.table.rowCount()):
                here = self.table.item(row, len(COLUMNS) - 1)
                if self._arch_at(row) == arch and here is not None:
                    here.setText(tr("yes"))
            self.model_changed.emit(self.model_choice())  # the weights are here now

    # -- weights, head, layers ------------------------------------------------------------------------------

    def _on_weights_changed(self) -> None:
        self._sync_layers()

    def _on_run_chosen(self, run: Any) -> None:
        self.set_arch(run.arch)  # a previous run's weights fit only its own architecture

    def _on_folder_chosen(self, imported: Any) -> None:
        """A checked model folder or hub model: select its architecture (added to the list if it is not there)."""
        arch = imported.folder.arch
        if arch not in self.catalog:
            from engine.models.weights import CatalogEntry

            entry = CatalogEntry(imported.info, True)
            self.catalog[arch] = entry
            row = self.table.rowCount()
            self.table.blockSignals(True)
            self.table.setRowCount(row + 1)
            self._fill_row(row, entry)
            self.table.blockSignals(False)
        self.set_arch(arch)

    def _on_head_changed(self) -> None:
        options = self.head_options()
        self.head_note.setText(head_sentence(options))
        self._sync_layers()

    def head_options(self) -> HeadOptions:
        return HeadOptions(dropout=round(self.dropout.value(), 3), hidden=self.hidden.value())

    def _sync_layers(self) -> None:
        choice = self.model_choice()
        if self.catalog:  # the weights too: a hub model built with extra arguments has other layers
            self.layers.set_model(choice.arch, self.weights.pretrained, choice.head, choice.weights)
        self.model_changed.emit(choice)
        self.changed.emit()

    def set_image_size(self, size: int) -> None:
        self.layers.set_image_size(size)

    def set_batch_size(self, batch: int) -> None:
        self.layers.set_batch_size(batch)

    def set_report(self, report: Any) -> None:
        """The data report (or None): the new output layer gets one output per class."""
        if report is not None and getattr(report, "classes", None):
            self.layers.set_num_classes(len(report.classes))

    def set_runs_folder(self, folder: Path) -> None:
        """Where "a previous run" looks for runs (the window's runs folder)."""
        self.weights.runs_root = folder

    def refresh_previous_runs(self) -> None:
        """Read "a previous run"'s list again (a run has just ended): its model can be chosen at once."""
        self.weights.reload_runs()

    # -- what the main window reads --------------------------------------------------------------------------

    def weights_spec(self) -> str:
        return self.weights.spec()

    def model_choice(self) -> ModelChoice:
        """What is chosen now; weights ``""`` while a file or run is still to be picked."""
        try:
            weights = self.weights.spec()
        except ConfigError:
            weights = ""
        entry = self.catalog.get(self.arch())
        here = weights != "imagenet" or (entry is not None and entry.cached)
        return ModelChoice(self.arch(), weights, self.head_options(), weights_here=here)

    def remember_weights_file(self, path: str) -> None:
        """Fill in the weights file used last time (chosen only if the user picks "a weights file")."""
        self.weights.path.setText(path)

    def set_weights(self, spec: str) -> None:
        self.weights.set_spec(spec)

    def model_config(self) -> ModelConfig:
        head = self.head_options()
        return ModelConfig(arch=self.arch(), weights=self.weights_spec(), head_dropout=head.dropout,
                           head_hidden=head.hidden)

    def strategy(self) -> Strategy:
        return self.layers.strategy()

    def set_strategy(self, strategy: Strategy) -> None:
        self.layers.set_strategy(strategy)

    def set_freeze(self, names: tuple[str, ...]) -> None:
        """Freeze exactly these layers (a strategy's plan); applied once the layer tree is ready."""
        self.layers.set_plan(names)

    def freeze_plan(self) -> FreezePlan:
        return self.layers.freeze_plan()
