"""Step 2: choose the model, its starting weights and how much of it to train."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QRadioButton, QVBoxLayout, QWidget)

from engine.config import ModelConfig, Strategy
from engine.errors import ConfigError
from gui.controller import BackgroundTask, TaskState

DEFAULT_ARCH = "resnet18"


def _load_catalog(_: TaskState) -> list[dict[str, Any]]:
    # Importing torchvision takes seconds: done in the background so the window opens at once.
    from engine.models import list_architectures, model_info
    from engine.weights import imagenet_weights_cached

    out = []
    for arch in list_architectures():
        info = model_info(arch)
        out.append({"info": info, "cached": imagenet_weights_cached(arch)})
    return out


class ModelPanel(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog: dict[str, dict[str, Any]] = {}
        self.arch_combo = QComboBox()
        self.arch_combo.setMinimumContentsLength(24)
        self.arch_combo.currentIndexChanged.connect(self._on_arch_changed)
        self.arch_info = QLabel("Loading the model list…")
        self.arch_info.setWordWrap(True)

        self.weights_imagenet = QRadioButton("Pretrained on ImageNet (recommended)")
        self.weights_file = QRadioButton("A weights file on this computer")
        self.weights_none = QRadioButton("None: train from scratch (needs many images)")
        self.weights_imagenet.setChecked(True)
        self.weights_group = QButtonGroup(self)
        for button in (self.weights_imagenet, self.weights_file, self.weights_none):
            self.weights_group.addButton(button)
            button.toggled.connect(self._on_weights_changed)
        self.weights_path = QLineEdit()
        self.weights_path.setPlaceholderText(".safetensors, .pth or .pt file, or a previous run folder")
        self.weights_browse = QPushButton("Choose file…")
        self.weights_browse.clicked.connect(self._browse_weights)
        file_row = QHBoxLayout()
        file_row.addWidget(self.weights_path, 1)
        file_row.addWidget(self.weights_browse)
        self.weights_note = QLabel()
        self.weights_note.setWordWrap(True)

        self.strategy_head = QRadioButton(Strategy.HEAD.label)
        self.strategy_head.setToolTip("Fast; best when you have few images that look like everyday photos.")
        self.strategy_full = QRadioButton(Strategy.FULL.label)
        self.strategy_full.setToolTip("Slower; adapts every layer. Best with many images or unusual images.")
        self.strategy_head.setChecked(True)
        self.strategy_head.toggled.connect(lambda _: self.changed.emit())

        model_box = QGroupBox("Model")
        form = QFormLayout(model_box)
        form.addRow("Architecture", self.arch_combo)
        form.addRow(self.arch_info)
        weights_box = QGroupBox("Starting weights")
        wl = QVBoxLayout(weights_box)
        wl.addWidget(self.weights_imagenet)
        wl.addWidget(self.weights_file)
        wl.addLayout(file_row)
        wl.addWidget(self.weights_none)
        wl.addWidget(self.weights_note)
        strategy_box = QGroupBox("What to train")
        sl = QVBoxLayout(strategy_box)
        sl.addWidget(self.strategy_head)
        sl.addWidget(QLabel("   The pretrained layers stay as they are; only the new output layer learns your classes."))
        sl.addWidget(self.strategy_full)
        sl.addWidget(QLabel("   Every layer is adjusted; the pretrained ones at a tenth of the learning rate."))

        layout = QVBoxLayout(self)
        layout.addWidget(model_box)
        layout.addWidget(weights_box)
        layout.addWidget(strategy_box)
        layout.addStretch(1)
        self._on_weights_changed()
        self._task = BackgroundTask(_load_catalog, self)
        self._task.done.connect(self._on_catalog)
        self._task.failed.connect(self.arch_info.setText)
        self._task.start()

    def shutdown(self) -> None:
        self._task.wait()

    def _on_catalog(self, entries: list[dict[str, Any]]) -> None:
        self.arch_combo.blockSignals(True)
        self.arch_combo.clear()
        for entry in entries:
            info = entry["info"]
            label = info.name if info.shortlisted else f"{info.name}  (more)"
            self.arch_combo.addItem(label, info.name)
            self.catalog[info.name] = entry
        self.arch_combo.blockSignals(False)
        self.set_arch(DEFAULT_ARCH)
        self._on_arch_changed()

    def set_arch(self, arch: str) -> None:
        index = self.arch_combo.findData(arch)
        if index >= 0:
            self.arch_combo.setCurrentIndex(index)

    def arch(self) -> str:
        return str(self.arch_combo.currentData() or DEFAULT_ARCH)

    def _on_arch_changed(self) -> None:
        entry = self.catalog.get(self.arch())
        if entry is None:
            return
        info = entry["info"]
        top1 = f"{info.imagenet_top1:.1f}%" if info.imagenet_top1 else "unknown"
        self.arch_info.setText(
            f"{info.params / 1e6:.1f} million parameters · ImageNet top-1 accuracy {top1} · "
            f"native input {info.crop_size}×{info.crop_size} pixels · "
            f"{info.gflops or 0:.1f} GFLOPs per image"
        )
        self._on_weights_changed()
        self.changed.emit()

    def _on_weights_changed(self) -> None:
        self.weights_path.setEnabled(self.weights_file.isChecked())
        self.weights_browse.setEnabled(self.weights_file.isChecked())
        self.strategy_head.setEnabled(not self.weights_none.isChecked())
        if self.weights_none.isChecked():
            self.strategy_full.setChecked(True)
        entry = self.catalog.get(self.arch())
        if self.weights_imagenet.isChecked() and entry is not None:
            info = entry["info"]
            if entry["cached"]:
                self.weights_note.setText(f"The ImageNet weights ({info.file_name}) are already on this computer.")
            else:
                self.weights_note.setText(
                    f"The ImageNet weights ({info.download_mb or 0:.0f} MB) will be downloaded when training "
                    "starts, with a progress bar. No internet? Choose a weights file instead.")
        else:
            self.weights_note.setText("")
        self.changed.emit()

    def _browse_weights(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a weights file", "",
                                              "Weights (*.safetensors *.pth *.pt);;All files (*)")
        if path:
            self.weights_path.setText(path)

    def weights_spec(self) -> str:
        if self.weights_none.isChecked():
            return "none"
        if self.weights_file.isChecked():
            path = self.weights_path.text().strip()
            if not path:
                raise ConfigError("Choose the weights file, or pick other starting weights.")
            return path
        return "imagenet"

    def model_config(self) -> ModelConfig:
        return ModelConfig(arch=self.arch(), weights=self.weights_spec())

    def strategy(self) -> Strategy:
        return Strategy.HEAD if self.strategy_head.isChecked() else Strategy.FULL

    def set_weights(self, spec: str) -> None:
        if spec == "none":
            self.weights_none.setChecked(True)
        elif spec == "imagenet":
            self.weights_imagenet.setChecked(True)
        else:
            self.weights_file.setChecked(True)
            self.weights_path.setText(spec)

    def set_strategy(self, strategy: Strategy) -> None:
        (self.strategy_head if strategy is Strategy.HEAD else self.strategy_full).setChecked(True)
