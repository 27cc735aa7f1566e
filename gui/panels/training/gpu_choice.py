"""Train on several GPUs at once: "Use all N GPUs" and which ones (issue 16, item 2).

Shown only on a computer with two or more CUDA devices (Linux: torchrun with NCCL). Ticked, Train starts the
run as a torchrun launch with one process per chosen GPU (engine/jobs/torchrun_runner.py): the same live
plots, Stop and Pause, and a launch that dies is reported in one sentence.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.core.i18n import tr, trn
from engine.training.device import GpuInfo


class GpuChoice(QWidget):
    """A "Use all N GPUs" box and one box per GPU; :meth:`chosen` is the GPUs to train on together."""

    def __init__(self, devices: Sequence[GpuInfo] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.use_several = QCheckBox()
        self.use_several.toggled.connect(self._refresh)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self._row = QHBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.use_several)
        layout.addLayout(self._row)
        layout.addWidget(self.note)
        self.boxes: list[QCheckBox] = []
        self.set_devices(devices)

    def set_devices(self, devices: Sequence[GpuInfo]) -> None:
        """The GPUs of this computer (engine.training.device.several_gpu_devices); hidden with fewer than two."""
        for box in self.boxes:
            self._row.removeWidget(box)
            box.deleteLater()
        self.devices = list(devices)
        self.boxes = []
        for device in self.devices:
            box = QCheckBox(tr("GPU {index}: {name} ({memory:.0f} GB)", index=device.index, name=device.name,
                               memory=device.memory_gb))
            box.setChecked(True)
            box.toggled.connect(self._refresh)
            self._row.addWidget(box)
            self.boxes.append(box)
        self.use_several.setText(trn("Use all {n} GPU", "Use all {n} GPUs", len(self.devices)))
        self.use_several.setToolTip(tr(
            "One training process per GPU, each on its share of every batch (PyTorch's torchrun and "
            "DistributedDataParallel); the batch size stays the batch of all GPUs together."))
        self.setVisible(len(self.devices) >= 2)
        self._refresh()

    def chosen(self) -> tuple[int, ...]:
        """The GPUs to train on together; empty for the usual run on one GPU."""
        if len(self.devices) < 2:
            return ()
        picked = tuple(d.index for d, box in zip(self.devices, self.boxes, strict=True) if box.isChecked())
        return picked if self.use_several.isChecked() and len(picked) >= 2 else ()

    def _refresh(self) -> None:
        several = self.use_several.isChecked()
        for box in self.boxes:
            box.setEnabled(several)
        picked = sum(box.isChecked() for box in self.boxes)
        if several and picked < 2:
            self.note.setText(tr("Tick at least two GPUs to train on several; with one, the run uses one GPU."))
        elif several:
            self.note.setText(trn("The run trains on {n} GPU together.", "The run trains on {n} GPUs together.",
                                  picked))
        else:
            self.note.setText("")
        self.note.setVisible(bool(self.note.text()))
