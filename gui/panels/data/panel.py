"""Step 1: choose the image folder and read its health report.

The scan (every file decoded once, cached) and every re-interpretation (the folder's own split, files left
out, split settings) run in the background; this panel only shows the results: class bar chart, imbalance
call-out, blocking problems with one-click offers, thumbnails per class, the skipped/converted files with
their reasons, and a CSV export.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.config import DataConfig
from engine.core.errors import ConfigError, OutputError
from engine.core.i18n import tr, trn
from engine.data.checks import DEFAULT_INPUT_SIDE, IMBALANCE_RATIO, imbalance_sentence
from engine.data.report import DatasetReport
from engine.data.report_files import write_report_csv
from engine.data.scan.scanner import FolderScan
from gui.jobs.controller import BackgroundTask
from gui.panels.data.jobs import Preview, interpret_job, scan_job
from gui.panels.data.split_settings import SplitSettings
from gui.panels.data.thumbnails import ThumbnailGrid
from gui.panels.data.widgets import ClassBarChart, OutcomeTable
from gui.widgets.app_settings import choose_folder, choose_save_path
from gui.widgets.common import MessageLabel

SAMPLE_DATA = Path(__file__).resolve().parents[3] / "resources" / "sample_data" / "brain-mri"


class DataPanel(QWidget):
    """Emits ``scan_started(folder)`` when a folder is opened and ``report_changed`` with a
    :class:`DatasetReport` after each scan (``None`` while scanning)."""

    scan_started = Signal(str)
    report_changed = Signal(object)
    split_changed = Signal()  # a split setting changed (its :meth:`split_choice` is worth remembering)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: DatasetReport | None = None
        self._scan: FolderScan | None = None
        self._exclude: set[str] = set()
        self._image_size = DEFAULT_INPUT_SIDE  # the training image size: what "very small" is measured against
        self._task: BackgroundTask | None = None
        self._started: list[BackgroundTask] = []
        self._cancelled = False
        self._build_top()
        self.chart = ClassBarChart()
        self.chart.class_clicked.connect(self._show_class)
        self.callout = MessageLabel()
        self.split = SplitSettings()
        self.thumbnails = ThumbnailGrid()
        self.outcomes = OutcomeTable()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.thumbnails, tr("Images"))
        self.tabs.addTab(self.outcomes, tr("Files not used as they are"))
        self._settings_timer = QTimer(self, singleShot=True, interval=250)
        self._settings_timer.timeout.connect(self._reinterpret)
        self.split.changed.connect(self._settings_timer.start)
        self.split.changed.connect(self.split_changed)
        self.setLayout(self._layout())

    def _build_top(self) -> None:
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(tr("Image folder"))
        self.path_edit.returnPressed.connect(self._open_typed_folder)
        self.browse = QPushButton(tr("Choose folder…"))
        self.browse.clicked.connect(self._browse)
        self.sample = QPushButton(tr("Use sample data"))
        self.sample.setToolTip(tr("Brain MRI scans in 4 classes, bundled with the app (CC0)"))
        self.sample.clicked.connect(self._open_sample)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_scan)
        self.message = MessageLabel()
        self.use_folders_offer = QPushButton(tr("Use the folder's own train/val split"))
        self.use_folders_offer.clicked.connect(self._use_folder_split)
        self.exclude_offer = QPushButton()
        self.exclude_offer.clicked.connect(self._exclude_suggested)
        self.tiny_offer = QPushButton()
        self.tiny_offer.clicked.connect(self._exclude_very_small)
        self.undo_exclude = QPushButton(tr("Use all files again"))
        self.undo_exclude.clicked.connect(self._include_all)
        for button in self._offers():
            button.setVisible(False)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.export = QPushButton(tr("Export report as CSV…"))
        self.export.setEnabled(False)
        self.export.clicked.connect(self._export_csv)

    def _offers(self) -> tuple[QPushButton, ...]:
        """The one-click answers to what the report says, shown only when they apply."""
        return self.use_folders_offer, self.exclude_offer, self.tiny_offer, self.undo_exclude

    def _layout(self) -> QVBoxLayout:
        intro = QLabel(tr("Choose a folder that holds <b>one subfolder per class</b> (for example <i>cats/</i> "
                          "and <i>dogs/</i>), each with that class's images. Every file is checked once; nothing "
                          "in your folder is ever changed."))
        intro.setWordWrap(True)
        path_row = QHBoxLayout()
        for widget, stretch in ((self.path_edit, 1), (self.browse, 0), (self.sample, 0)):
            path_row.addWidget(widget, stretch)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        offers = QHBoxLayout()
        for button in self._offers():
            offers.addWidget(button)
        offers.addStretch(1)
        chart_area = QScrollArea()
        chart_area.setWidgetResizable(True)
        chart_area.setWidget(self.chart)
        chart_area.setFrameShape(QScrollArea.Shape.NoFrame)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel(tr("<b>Images per class</b> (click a bar to see them)")))
        left_layout.addWidget(chart_area, 1)
        left_layout.addWidget(self.callout)
        left_layout.addWidget(self.split)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setSizes([380, 620])
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.export)
        layout = QVBoxLayout()
        layout.addWidget(intro)
        layout.addLayout(path_row)
        layout.addLayout(progress_row)
        layout.addWidget(self.message)
        layout.addLayout(offers)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        return layout

    # -- scanning ------------------------------------------------------------------------------------

    def _browse(self) -> None:
        folder = choose_folder(self, tr("Choose the image folder"), self.path_edit.text().strip())
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str | Path) -> None:
        """Scan ``folder`` in the background; the result arrives through ``report_changed``."""
        folder = str(folder).strip()
        if not folder:
            return
        self._stop_task()
        self.path_edit.setText(folder)
        self._scan, self._exclude, self._cancelled = None, set(), False
        self.split.blockSignals(True)  # a new folder starts without the last one's folder split
        self.split.set_use_folder_split(False)
        self.split.blockSignals(False)
        self._set_report(None)
        self.scan_started.emit(folder)
        self.message.clear_message()
        self.summary.setText(tr("Reading the folder…"))
        self.progress.setRange(0, 0)
        self.progress.setFormat(tr("Listing files…"))
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        options = self._job_options()
        self._start(lambda state: scan_job(folder, options, state), self._on_scanned)

    def _open_typed_folder(self) -> None:
        self.open_folder(self.path_edit.text())

    def _open_sample(self) -> None:
        self.open_folder(SAMPLE_DATA)

    def _use_folder_split(self) -> None:
        self.split.set_use_folder_split(True)

    def cancel_scan(self) -> None:
        if self._task is not None and self._task.running:
            self._cancelled = True
            self._task.cancel()

    def _start(self, fn: Any, on_done: Any) -> None:
        # Results of a task that was replaced (another folder opened meanwhile) are dropped.
        for old in [t for t in self._started if not t.running]:
            self._started.remove(old)
            old.deleteLater()  # only once its thread has ended
        task = BackgroundTask(fn, self)
        task.progress.connect(self._on_progress)
        task.done.connect(lambda result, t=task: t is self._task and on_done(result))
        task.failed.connect(lambda message, t=task: self._on_failed(message) if t is self._task else None)
        self._started.append(task)
        self._task = task
        task.start()

    def _stop_task(self) -> None:
        for task in self._started:  # also those whose result arrived: their threads may still be ending
            if task.running:
                task.cancel()
                task.wait()
        self._task = None

    def shutdown(self) -> None:
        self._stop_task()
        self.thumbnails.shutdown()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(tr("Reading files… {done:,} of {total:,}", done=done, total=total))

    def _on_failed(self, message: str) -> None:
        self._end_busy()
        self.summary.clear()
        if self._cancelled:
            self.message.show_info(tr("The scan was cancelled. Open the folder again to continue: files "
                                      "already read are remembered."))
        else:
            self.message.show_error(message)

    def _end_busy(self) -> None:
        self._task = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)

    def _on_scanned(self, result: tuple[FolderScan, DatasetReport, Preview]) -> None:
        self._scan = result[0]
        self._on_interpreted(result[1:])

    # -- choices that re-interpret the scan ------------------------------------------------------------

    def _options(self) -> dict[str, Any]:
        return {**self.split.values(), "exclude": tuple(sorted(self._exclude))}

    def _job_options(self) -> dict[str, Any]:
        return {**self._options(), "image_size": self._image_size}

    def set_image_size(self, size: int) -> None:
        """The side of the images the model will see: images far smaller are pointed out in the report."""
        if size != self._image_size:
            self._image_size = size
            self._settings_timer.start()  # re-interpreted like a split setting (nothing is read again)

    def _reinterpret(self) -> None:
        if self._task is not None and self._task.running:
            self._settings_timer.start()  # once the current job is done
            return
        if self._scan is None:
            return
        scan, options = self._scan, self._job_options()
        self._start(lambda state: interpret_job(scan, options), self._on_interpreted)

    def _exclude_suggested(self) -> None:
        if self.report is not None:
            self._exclude |= set(self.report.suggested_exclusions)
            self._reinterpret()

    def _exclude_very_small(self) -> None:
        if self.report is not None:
            self._exclude |= set(_very_small(self.report))
            self._reinterpret()

    def _include_all(self) -> None:
        self._exclude.clear()
        self._reinterpret()

    def _on_interpreted(self, result: tuple[DatasetReport, Preview]) -> None:
        self._end_busy()
        report, preview = result
        self._set_report(report)
        self.split.show_preview(*(preview or (None, [])))
        self.report_changed.emit(report)

    # -- showing a report ------------------------------------------------------------------------------

    def _set_report(self, report: DatasetReport | None) -> None:
        self.report = report
        if report is None:
            self.report_changed.emit(None)
        ratio = report.imbalance_ratio if report else 1.0
        self.chart.set_counts(report.counts if report else {}, highlight_small=ratio >= IMBALANCE_RATIO)
        self.thumbnails.set_report(report)
        self.outcomes.set_report(report)
        self.export.setEnabled(report is not None)
        self.split.set_folder_split_available(bool(report and report.presplit_available))
        self._show_callout(report)
        self._show_messages(report)

    def _show_callout(self, report: DatasetReport | None) -> None:
        counts = {n: c for n, c in (report.counts if report else {}).items() if c}
        if len(counts) < 2:
            self.callout.clear_message()
            return
        big, small = max(counts, key=counts.__getitem__), min(counts, key=counts.__getitem__)
        ratio = counts[big] / counts[small]
        if ratio >= IMBALANCE_RATIO:
            self.callout.show_warning(tr("Imbalanced classes ({ratio:.0f} : 1).", ratio=ratio) + " "
                                      + imbalance_sentence(big, counts[big], small, counts[small]))
        else:
            self.callout.show_info(tr("Balanced enough: the largest class is {ratio:.1f} times the smallest.",
                                      ratio=ratio))

    def _show_messages(self, report: DatasetReport | None) -> None:
        self.use_folders_offer.setVisible(bool(report and any(p.code == "presplit_folder" for p in report.blocking)))
        suggested = len(report.suggested_exclusions) if report else 0
        self.exclude_offer.setText(trn("Leave out both copies ({n:,} file)", "Leave out both copies ({n:,} files)",
                                       suggested))
        self.exclude_offer.setVisible(bool(report and any(p.code == "duplicate_across_classes"
                                                          for p in report.blocking)))
        tiny = _very_small(report) if report else []
        self.tiny_offer.setText(trn("Leave out the very small images ({n:,} file)",
                                    "Leave out the very small images ({n:,} files)", len(tiny)))
        self.tiny_offer.setVisible(bool(tiny))
        self.undo_exclude.setVisible(bool(self._exclude) and report is not None)
        if report is None:
            return
        # Imbalance has its own call-out; conversions are in the summary line and the file list.
        warnings = [w.message for w in report.warnings if w.code not in ("class_imbalance", "files_converted")]
        if report.blocking:
            self.message.show_error("\n\n".join(p.message for p in report.blocking))
        elif warnings:
            self.message.show_warning(tr("Ready for training, but note:") + "\n• " + "\n• ".join(warnings))
        else:
            self.message.show_ok(tr("This folder is ready for training."))
        self.summary.setText(_summary(report))

    def _show_class(self, name: str) -> None:
        self.tabs.setCurrentWidget(self.thumbnails)
        self.thumbnails.show_class(name)

    def _export_csv(self) -> None:
        if self.report is None:
            return
        suggested = f"{Path(self.report.root).name or 'data'}-data-report.csv"
        path = choose_save_path(self, tr("Export the data report"), suggested, tr("CSV files (*.csv)"))
        if not path:
            return
        try:
            write_report_csv(self.report, path)
        except OutputError as exc:  # the sentence names the place and what to do
            self.message.show_error(str(exc))
            return
        self.summary.setText(tr("Report saved to {path}.", path=path))

    def split_choice(self) -> dict[str, Any]:
        """The split settings as chosen (shares, grouping, pattern), to be remembered."""
        return self.split.choice()

    def set_split_choice(self, choice: dict[str, Any]) -> None:
        """Show remembered split settings (before a folder is opened: its first scan uses them)."""
        self.split.set_choice(choice)

    def data_config(self, **fields: Any) -> DataConfig:
        """The data settings for training (``fields`` adds e.g. ``image_size``).

        Raises:
            ConfigError: no folder yet, or a setting is invalid (the message says which).
        """
        if self.report is None:
            raise ConfigError(tr("Choose an image folder first (step 1)."))
        if self.split.pattern_problem():
            raise ConfigError(self.split.pattern_problem())
        return DataConfig(self.report.root, **self._options(), **fields)


def _very_small(report: DatasetReport) -> list[str]:
    """The used images the report calls very small (icons, thumbnails), which the user may leave out."""
    return [f.path for f in report.files if f.reason == "very_small"]


def _summary(report: DatasetReport) -> str:
    """The line under the report: classes, images, what was converted, skipped, ignored (and cached)."""
    counts = report.outcome_counts()
    classes = trn("{n:,} class", "{n:,} classes", len(report.classes))
    images = trn("{n:,} image", "{n:,} images", report.total_images)
    text = tr("{classes}, {images} · {converted:,} converted · {skipped:,} skipped · {ignored:,} ignored",
              classes=classes, images=images, **{k: counts[k] for k in ("converted", "skipped", "ignored")})
    if report.cached_files:
        text += " · " + trn("{n:,} file known from an earlier scan", "{n:,} files known from an earlier scan",
                            report.cached_files)
    return text
