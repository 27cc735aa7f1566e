"""Results tab: "Export model…": ONNX, TorchScript or a deployment folder, checked against PyTorch.

The export runs in the background (engine.export.exporter.export_run, seconds to a minute): the window keeps
answering, the dialog shows each step and then the check's result, in the words the command line prints.
Files that exist are replaced only after the user said yes; the image folder is refused by the engine.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from engine.core.errors import StudioError
from engine.core.i18n import tr, tr_later
from engine.export.destination import ExportFormat, plan_export
from engine.export.exporter import ExportResult, export_run
from gui.jobs.controller import TaskState
from gui.jobs.task_slot import TaskSlot
from gui.widgets.common import MessageLabel

#: What each choice makes, in the words of someone deploying a model.
FORMAT_HELP = {
    ExportFormat.ONNX: tr_later("One .onnx file that runs almost anywhere (onnxruntime on Windows, macOS, Linux, "
                                "phones; C#, Java, JavaScript, C++). Usually faster than PyTorch on a CPU."),
    ExportFormat.TORCHSCRIPT: tr_later("One .pt file for PyTorch without this app, or for LibTorch in C++."),
    ExportFormat.FOLDER: tr_later("A folder to hand over: the ONNX file, the class names, the preprocessing, and "
                                  "predict.py, which classifies images to a CSV table with onnxruntime, Pillow and "
                                  "numpy only, with a README."),
}
#: The choices' names on their buttons.
FORMAT_NAMES = {
    ExportFormat.ONNX: tr_later("ONNX file"),
    ExportFormat.TORCHSCRIPT: tr_later("TorchScript file"),
    ExportFormat.FOLDER: tr_later("Deployment folder"),
}
#: The export's steps, for the progress bar (engine.export.exporter tells them in this order).
STEPS = 3


def _export(run_dir: Path, fmt: ExportFormat, out: Path, overwrite: bool, steps: list[str],
            state: TaskState) -> ExportResult:
    def step(text: str) -> None:
        steps.append(text)  # read by the dialog on the GUI thread when the progress signal arrives
        state.set_progress(len(steps), STEPS)

    return export_run(run_dir, fmt, out, overwrite=overwrite, step=step, cancel=state)


class ExportDialog(QDialog):
    """Choose a format and a place, export, see the check. ``exported(ExportResult)`` when written."""

    exported = Signal(object)

    def __init__(self, run_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir = Path(run_dir)
        self.last_result: ExportResult | None = None
        self._steps: list[str] = []
        self._slot = TaskSlot(self)
        self.setWindowTitle(tr("Export model"))
        self.setMinimumSize(680, 360)  # room for the help and the check's sentence without squeezing either
        self._build()
        self._on_format()

    def _build(self) -> None:
        intro = QLabel(tr("Export the best model of <b>{run}</b> to use it outside this app. It is checked against "
                          "PyTorch on the run's validation images before it is written.", run=self.run_dir.name))
        intro.setWordWrap(True)
        self.format_buttons = QButtonGroup(self)
        formats = QVBoxLayout()
        for fmt in ExportFormat:
            button = QRadioButton(tr(FORMAT_NAMES[fmt]))
            button.setToolTip(tr(FORMAT_HELP[fmt]))
            button.setProperty("format", fmt.value)
            self.format_buttons.addButton(button)
            formats.addWidget(button)
        self.format_buttons.buttons()[0].setChecked(True)
        self.format_buttons.buttonToggled.connect(self._on_format)
        self.help = QLabel()
        self.help.setWordWrap(True)
        self.help.setStyleSheet("color: palette(placeholder-text);")  # not translated: a style sheet
        self.destination = QLineEdit()
        self.destination.setToolTip(tr("Where the export is written (never inside the image folder)."))
        self.choose_button = QPushButton(tr("Choose…"))
        self.choose_button.clicked.connect(self._choose)
        place = QHBoxLayout()
        place.addWidget(self.destination, 1)
        place.addWidget(self.choose_button)
        form = QFormLayout()
        form.addRow(tr("Format"), formats)
        form.addRow(tr("Write to"), place)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # moving while it works; the message below names each step
        self.progress.setTextVisible(False)
        self.message = MessageLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton(tr("Export"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.clicked.connect(self.start)
        self.show_button = self.buttons.addButton(tr("Show in folder"), QDialogButtonBox.ButtonRole.ActionRole)
        self.show_button.setToolTip(tr("Open the folder the export was written to."))
        self.show_button.clicked.connect(self._show_in_folder)
        self.show_button.setVisible(False)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.help)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._set_busy(False)

    # -- public ----------------------------------------------------------------------------------------

    @property
    def format(self) -> ExportFormat:
        button = self.format_buttons.checkedButton()
        return ExportFormat(button.property("format")) if button is not None else ExportFormat.ONNX

    def choose_format(self, fmt: ExportFormat | str) -> None:
        for button in self.format_buttons.buttons():
            button.setChecked(button.property("format") == ExportFormat(fmt).value)

    @property
    def busy(self) -> bool:
        return self._slot.running

    def start(self) -> None:
        """Export to the chosen place, asking first when files would be replaced."""
        out = Path(self.destination.text().strip()).expanduser()
        try:
            plan = plan_export(self.run_dir, self.format, out)
        except StudioError as exc:
            self.message.show_error(str(exc))
            return
        existing = plan.existing()
        if existing and not self._confirm_replace(existing):
            self.message.show_warning(tr("Nothing was exported: the existing files were kept."))
            return
        self._steps = []
        self._set_busy(True)
        self.message.show_info(tr("Exporting to {target}…", target=plan.target))
        run_dir, fmt, steps, overwrite = self.run_dir, self.format, self._steps, bool(existing)
        self._slot.start(lambda state: _export(run_dir, fmt, out, overwrite, steps, state), self._on_done,
                         self._on_failed, self._on_progress)

    def shutdown(self) -> None:
        self._slot.shutdown()

    # -- steps -----------------------------------------------------------------------------------------

    def _confirm_replace(self, existing: tuple[Path, ...]) -> bool:
        names = "\n".join(str(p) for p in existing[:6]) + ("\n…" if len(existing) > 6 else "")
        answer = QMessageBox.question(self, tr("Replace the existing export?"),
                                      tr("These files exist already and would be replaced:\n\n{names}", names=names),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return bool(answer == QMessageBox.StandardButton.Yes)

    def _on_progress(self, done: int, _total: int) -> None:
        if 0 < done <= len(self._steps):
            self.message.show_info(self._steps[done - 1])

    def _on_done(self, result: ExportResult) -> None:
        self._set_busy(False)
        self.last_result = result
        self.show_button.setVisible(True)
        self.message.show_ok(result.sentence())
        self.exported.emit(result)

    def _on_failed(self, message: str) -> None:
        self._set_busy(False)
        self.message.show_error(message)

    def _on_format(self, *_args: object) -> None:
        fmt = self.format
        self.help.setText(tr(FORMAT_HELP[fmt]))
        self.destination.setText(str(plan_default(self.run_dir, fmt)))

    def _choose(self) -> None:
        current = self.destination.text()
        if self.format is ExportFormat.FOLDER:
            chosen = QFileDialog.getExistingDirectory(self, tr("Choose the folder for the deployment folder"),
                                                      str(Path(current).parent))
            if chosen:
                self.destination.setText(str(Path(chosen) / Path(current).name))
            return
        pattern = tr("ONNX model (*.onnx)") if self.format is ExportFormat.ONNX else tr("TorchScript model (*.pt)")
        chosen, _ = QFileDialog.getSaveFileName(self, tr("Export the model as"), current, pattern)
        if chosen:
            self.destination.setText(chosen)

    def _show_in_folder(self) -> None:
        if self.last_result is not None:
            target = self.last_result.plan.target
            folder = target if self.last_result.plan.format is ExportFormat.FOLDER else target.parent
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.export_button.setEnabled(not busy)
        for widget in (self.destination, self.choose_button, *self.format_buttons.buttons()):
            widget.setEnabled(not busy)

    def reject(self) -> None:
        self._slot.cancel()  # a cancelled export writes nothing (engine.export.exporter)
        super().reject()


def plan_default(run_dir: Path, fmt: ExportFormat) -> Path:
    """The default place: the run folder's ``export/`` (see engine.export.destination)."""
    from engine.core.run_layout import RunLayout

    exports = RunLayout(run_dir).exports
    return {ExportFormat.ONNX: exports.onnx, ExportFormat.TORCHSCRIPT: exports.torchscript,
            ExportFormat.FOLDER: exports.deployment.folder}[fmt]


class ExportButton(QPushButton):
    """The Results tab's "Export model…" button; it owns the dialog of the run shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Export model…"), parent)
        self.setToolTip(tr("Write the model as ONNX, TorchScript or a deployment folder, to use it elsewhere."))
        self.run_dir: Path | None = None
        self.dialog: ExportDialog | None = None
        self.clicked.connect(self.open_dialog)
        self.set_run(None)

    def set_run(self, run_dir: Path | None) -> None:
        """The run whose saved model is exported (``None``: no model shown; the button is disabled)."""
        self.run_dir = run_dir
        self.setEnabled(run_dir is not None)

    def open_dialog(self) -> ExportDialog | None:
        if self.run_dir is None:
            return None
        if self.dialog is not None and (self.dialog.run_dir != self.run_dir or not self.dialog.busy):
            self.dialog.shutdown()
            self.dialog.deleteLater()
            self.dialog = None
        if self.dialog is None:
            self.dialog = ExportDialog(self.run_dir, self.window())
        self.dialog.open()
        return self.dialog

    def shutdown(self) -> None:
        if self.dialog is not None:
            self.dialog.shutdown()
