"""Starting weights: ImageNet (download now, with progress and Cancel, or import a file), a model folder or hub
model (timm format: "Import model folder…", or ``hf-hub:owner/name``), a weights file, a previous run, or none.
Nothing is downloaded without the user asking or being told. A gated hub model asks for an access token, which
huggingface_hub's own login keeps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QWidget,
)

from engine.core.errors import ConfigError
from engine.core.i18n import tr, tr_later
from gui.jobs.controller import BackgroundTask, TaskState
from gui.panels.model.hub_work import NeedsToken, hub_download_work, is_hub_spec
from gui.panels.model.model_text import run_choice_text
from gui.widgets.app_settings import choose_file, choose_folder
from gui.widgets.common import MessageLabel

FILE_FILTER = tr_later("Weights (*.safetensors *.pth *.pt);;All files (*)")


class WeightsBox(QGroupBox):
    """Signals: ``changed`` (the choice changed), ``cached(arch)`` (ImageNet weights arrived),
    ``run_chosen(object)`` (a :class:`engine.models.weights.PreviousRun`, so the panel can match its model),
    ``folder_chosen(object)`` (an :class:`engine.models.hub_import.ImportedFolder`: the panel selects its model)."""

    changed = Signal()
    cached = Signal(str)
    run_chosen = Signal(object)
    folder_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Starting weights"), parent)
        self.arch = ""
        self.runs_root: Path | None = None  # None: the app's runs folder
        self.info: Any = None
        self.is_cached = False
        self._folder_arch = ""  # the architecture of the checked model folder or hub model, when one is chosen
        self._task: BackgroundTask | None = None
        self.imagenet = QRadioButton(tr("ImageNet (recommended)"))
        self.file = QRadioButton(tr("A weights file"))
        self.run = QRadioButton(tr("A previous run"))
        self.none = QRadioButton(tr("None: from scratch (needs many images)"))
        self.hub = QRadioButton(tr("A model folder or hub model"))
        self.hub.setToolTip(tr("A Hugging Face hub model in timm format: a folder with config.json and "
                               "model.safetensors, or a hub name such as hf-hub:timm/efficientnet_lite0.ra_in1k."))
        self.imagenet.setChecked(True)
        group = QButtonGroup(self)
        for button in (self.imagenet, self.hub, self.file, self.run, self.none):
            group.addButton(button)
            button.toggled.connect(self._on_choice)
        self.download = QPushButton(tr("Download now"))
        self.download.clicked.connect(self.start_download)
        self.cancel = QPushButton(tr("Cancel"))
        self.cancel.clicked.connect(self.cancel_task)
        self.import_button = QPushButton(tr("Import weights file…"))
        self.import_button.setToolTip(tr("Use a .pth or .safetensors file you downloaded elsewhere."))
        self.import_button.clicked.connect(self._browse_import)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.note = MessageLabel()
        self.path = QLineEdit()
        self.path.setPlaceholderText(tr(".safetensors, .pth or .pt file"))
        self.path.editingFinished.connect(self.changed)
        self.browse = QPushButton(tr("Choose file…"))
        self.browse.clicked.connect(self._browse_file)
        self.runs = QComboBox()
        self.runs.currentIndexChanged.connect(self._on_run)
        self.hub_path = QLineEdit()
        self.hub_path.setPlaceholderText(tr("model folder, or hf-hub:owner/name"))
        self.hub_path.editingFinished.connect(self._on_hub_edited)
        self.import_folder = QPushButton(tr("Import model folder…"))
        self.import_folder.setToolTip(tr("A folder with config.json and model.safetensors (a Hugging Face hub "
                                         "model in timm format, for example one downloaded on another computer)."))
        self.import_folder.clicked.connect(self._browse_folder)

        busy_row = QHBoxLayout()
        busy_row.addWidget(self.progress, 1)
        busy_row.addWidget(self.cancel)
        grid = QGridLayout(self)
        grid.addWidget(self.imagenet, 0, 0)
        grid.addWidget(self.download, 0, 1)
        grid.addWidget(self.import_button, 0, 2)
        grid.addLayout(busy_row, 1, 0, 1, 3)
        grid.addWidget(self.note, 2, 0, 1, 3)
        grid.addWidget(self.hub, 3, 0)
        grid.addWidget(self.hub_path, 3, 1)
        grid.addWidget(self.import_folder, 3, 2)
        grid.addWidget(self.file, 4, 0)
        grid.addWidget(self.path, 4, 1)
        grid.addWidget(self.browse, 4, 2)
        grid.addWidget(self.run, 5, 0)
        grid.addWidget(self.runs, 5, 1, 1, 2)
        grid.addWidget(self.none, 6, 0, 1, 3)
        grid.setColumnStretch(1, 1)
        self._on_choice()

    # -- state --------------------------------------------------------------------------------------------

    def set_model(self, arch: str, info: Any, cached: bool) -> None:
        left = self.hub.isChecked() and self._folder_arch and self._folder_arch != arch
        self.arch, self.info, self.is_cached = arch, info, cached
        timm = getattr(info, "source", "") == "timm"
        self.imagenet.setText(tr("Pretrained: timm's default weights") if timm else tr("ImageNet (recommended)"))
        if left:  # the chosen model folder holds another architecture: its weights cannot start this one
            folder_arch, self._folder_arch = self._folder_arch, ""
            self.imagenet.setChecked(True)
            self.note.show_info(tr("The model folder holds {folder_arch}, not {arch}, so the starting weights are "
                                   "now {arch}'s own pretrained ones.", folder_arch=folder_arch, arch=arch))
            return
        self._update()

    def spec(self) -> str:
        """``"imagenet"``, ``"none"``, a model folder or hub id, or a path (file or run folder)."""
        if self.none.isChecked():
            return "none"
        if self.hub.isChecked():
            if not self.hub_path.text().strip():
                raise ConfigError(tr('Choose the model folder ("Import model folder…") or type a hub model '
                                     "(hf-hub:owner/name), or pick other starting weights."))
            return self.hub_path.text().strip()
        if self.file.isChecked():
            if not self.path.text().strip():
                raise ConfigError(tr("Choose the weights file, or pick other starting weights."))
            return self.path.text().strip()
        if self.run.isChecked():
            if self.runs.currentData() is None:
                raise ConfigError(tr("There is no previous run with a saved model yet; pick other starting "
                                     "weights."))
            return str(self.runs.currentData().path)
        return "imagenet"

    def set_spec(self, spec: str) -> None:
        if spec == "none":
            self.none.setChecked(True)
        elif spec == "imagenet":
            self.imagenet.setChecked(True)
        elif is_hub_spec(spec):
            self.hub.setChecked(True)
            self.hub_path.setText(spec)
            self.changed.emit()
        else:
            self.file.setChecked(True)
            self.path.setText(spec)
            self.changed.emit()

    @property
    def pretrained(self) -> bool:
        return not self.none.isChecked()

    def shutdown(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task.wait()

    def refresh_runs(self) -> None:
        """Read the runs with a saved model again; the run chosen stays chosen while it is still there."""
        from engine.models.weights import list_previous_runs
        from engine.run.listing import saved_model_label

        chosen = self.runs.currentData()
        self.runs.blockSignals(True)
        self.runs.clear()
        for run in list_previous_runs(self.runs_root):
            self.runs.addItem(run_choice_text(run, saved_model_label), run)
            if chosen is not None and run.path == chosen.path:
                self.runs.setCurrentIndex(self.runs.count() - 1)
        self.runs.blockSignals(False)

    def reload_runs(self) -> None:
        """:meth:`refresh_runs` after a run ended; when "a previous run" was chosen with none to pick, the
        new run becomes the choice and is announced like a pick."""
        had = self.runs.currentData() is not None
        self.refresh_runs()
        if self.run.isChecked() and not had:
            self._on_run()  # announces the pick (and the spec that is no longer "")

    def _on_choice(self) -> None:
        self.path.setEnabled(self.file.isChecked())
        self.browse.setEnabled(self.file.isChecked())
        self.hub_path.setEnabled(self.hub.isChecked())
        if self.run.isChecked():
            self.refresh_runs()
            self._on_run()
        self.runs.setEnabled(self.run.isChecked())
        self._update()
        self.changed.emit()

    def _on_run(self) -> None:
        if self.run.isChecked() and self.runs.currentData() is not None:
            self.run_chosen.emit(self.runs.currentData())
            self.changed.emit()

    def _update(self) -> None:
        busy = self._task is not None
        imagenet = self.imagenet.isChecked()
        hub_id = self.hub.isChecked() and self.hub_path.text().strip().startswith(("hf-hub:", "timm/"))
        timm = getattr(self.info, "source", "") == "timm"
        self.download.setVisible(((imagenet and not self.is_cached) or hub_id) and not busy)
        self.import_button.setVisible(imagenet and not self.is_cached and not busy and not timm)
        self.import_folder.setEnabled(not busy)
        self.cancel.setVisible(busy)
        self.progress.setVisible(busy)
        if busy or self.info is None:
            return
        if not imagenet:
            if not self.hub.isChecked():
                self.note.clear_message()
        elif timm:
            if self.is_cached:
                self.note.show_ok(tr("timm's default weights ({weights}) are already on this computer.",
                                     weights=self.info.weights_name))
            else:
                self.note.show_info(tr("timm's default weights ({weights}, about {size:.0f} MB) are not on this "
                                       "computer yet. They will be downloaded from the Hugging Face hub when training "
                                       'starts, or now with the button. Offline: "Import model folder…".',
                                       weights=self.info.weights_name, size=self.info.download_mb or 0))
        elif self.is_cached:
            from engine.models.weights import imagenet_file_name

            self.note.show_ok(tr("The ImageNet weights ({file}) are already on this computer.",
                                 file=imagenet_file_name(self.arch)))
        else:
            self.note.show_info(tr("The ImageNet weights ({size:.0f} MB) are not on this computer yet. They will be "
                                   "downloaded when training starts, or now with the button.",
                                   size=self.info.download_mb or 0))

    # -- download and import ------------------------------------------------------------------------------

    def start_download(self) -> None:
        if self.hub.isChecked() or getattr(self.info, "source", "") == "timm":
            self.start_hub_download()
            return
        from engine.models.weights import download_imagenet_weights

        arch = self.arch

        def work(state: TaskState) -> Any:
            # Kilobytes: the progress signal carries 32-bit integers and some files exceed 2 GB.
            return download_imagenet_weights(arch, lambda done, total: state.set_progress(done // 1024, total // 1024),
                                             cancel=state)
        self._run(work, tr("Downloading the ImageNet weights for {arch}…", arch=arch), lambda _: self._arrived(arch))

    def start_hub_download(self) -> None:
        """Download the hub model (the typed hub id, or timm's default weights for the chosen model), with
        progress and Cancel; a gated model asks for an access token first."""
        from engine.models.sources import default_hub_id

        arch = self.arch
        try:
            spec = self.hub_path.text().strip() if self.hub.isChecked() else default_hub_id(arch)
        except Exception as exc:  # noqa: BLE001 - a StudioError's sentence
            self.note.show_error(str(exc))
            return
        self._run(hub_download_work(spec), tr("Downloading {model} from the Hugging Face hub…",
                                              model=spec.removeprefix("hf-hub:")), self._hub_arrived)

    def _hub_arrived(self, result: Any) -> None:
        if isinstance(result, NeedsToken):
            self._ask_token(result)
            return
        if self.hub.isChecked():
            self._folder_arch = result.folder.arch
            self.folder_chosen.emit(result)
            self.note.show_ok(result.message)
            self.changed.emit()
        else:
            self._arrived(self.arch)
            self.note.show_ok(result.message)

    def _ask_token(self, refused: NeedsToken) -> None:
        self.note.show_error(refused.message)
        token, ok = QInputDialog.getText(self, tr("Hugging Face access token"), refused.message + "\n\n"
                                         + tr("Access token (kept by huggingface_hub's own login, not by this app):"),
                                         QLineEdit.EchoMode.Password)
        if not ok or not token.strip():
            return
        retry = refused.retry

        def work(state: TaskState) -> Any:
            from engine.models.hub_download import log_in

            log_in(token)
            return retry(state)
        self._run(work, tr("Logging in to the Hugging Face hub…"), self._hub_arrived)

    def import_folder_path(self, path: str) -> None:
        """Check a hub folder (it builds with timm, its weights fit) and choose it; the panel selects its model."""
        from engine.models.hub_import import import_model_folder

        self._run(lambda _: import_model_folder(path),
                  tr("Checking the model folder {folder}…", folder=Path(path).name), self._folder_checked)

    def _folder_checked(self, imported: Any) -> None:
        self._folder_arch = imported.folder.arch
        self.hub.setChecked(True)
        self.hub_path.setText(str(imported.folder.path))
        self.folder_chosen.emit(imported)
        self.note.show_ok(imported.message)
        self.changed.emit()

    def _on_hub_edited(self) -> None:
        text = self.hub_path.text().strip()
        self._update()
        if text and not is_hub_spec(text) and Path(text).expanduser().is_dir():
            self.import_folder_path(text)
        elif text.startswith(("hf-hub:", "timm/")):
            self.note.show_info(tr("{model} will be downloaded from the Hugging Face hub when training starts, or "
                                   "now with the button.", model=text))
        self.changed.emit()

    def _browse_folder(self) -> None:
        path = choose_folder(self, tr("Import model folder (config.json + model.safetensors)"))
        if path:
            self.import_folder_path(path)

    def import_file(self, path: str) -> None:
        """Check a file (safely) against the model; the official file goes to the download folder."""
        from engine.models.weights import import_weights_file

        arch = self.arch
        self._run(lambda _: import_weights_file(arch, path), tr("Checking {file}…", file=Path(path).name),
                  self._imported)

    def cancel_task(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _run(self, work: Any, busy_text: str, on_done: Any) -> None:
        if self._task is not None:
            return
        self._task = BackgroundTask(work, self)
        self._task.progress.connect(self._on_progress)
        self._task.done.connect(lambda result: self._finished(on_done, result))
        self._task.failed.connect(self._failed)
        self.progress.setRange(0, 0)
        self.note.show_info(busy_text)
        self._task.start()
        self._update()

    def _on_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(tr("{done:.0f} of {total:.0f} MB", done=done / 1024, total=total / 1024))

    def _finished(self, on_done: Any, result: Any) -> None:
        self._task = None
        self._update()
        on_done(result)

    def _failed(self, message: str) -> None:
        self._task = None
        self._update()
        self.note.show_error(message)

    def _arrived(self, arch: str) -> None:
        self.is_cached = self.is_cached or arch == self.arch
        self._update()
        self.cached.emit(arch)

    def _imported(self, imported: Any) -> None:
        if imported.in_cache:
            self.imagenet.setChecked(True)
            self._arrived(self.arch)
        else:
            self.set_spec(str(imported.path))
        self.note.show_ok(imported.message)

    def _browse_import(self) -> None:
        path = choose_file(self, tr("Import weights file"), tr(FILE_FILTER))
        if path:
            self.import_file(path)

    def _browse_file(self) -> None:
        path = choose_file(self, tr("Choose a weights file"), tr(FILE_FILTER), self.path.text().strip())
        if path:
            self.import_file(path)  # checked the same way: a file that cannot be used says so now

