"""The Results tab's "Report…" button: write the run's report (HTML), print it to PDF, open it.

The page is made by the engine (engine/report) in the background; the PDF is Qt's rich-text engine printing
that same HTML (QTextDocument on a QPdfWriter: no WebEngine needed), also in the background, written
atomically. The save dialogs ask before replacing a file; only then is ``overwrite`` given to the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QFileDialog, QMenu, QPushButton, QWidget

from engine.core.atomic import write_output_file
from engine.core.i18n import tr
from engine.core.names import display_path
from engine.core.run_layout import RunLayout
from engine.report.page import build_report_html
from engine.report.write import report_target, write_report
from gui.jobs.controller import TaskState
from gui.jobs.task_slot import TaskSlot

PDF_RESOLUTION = 96  # the HTML's pixel sizes (pictures 480 px wide) then fit an A4 page as in a browser
PDF_MARGIN_MM = 12.0

#: (parent, title, suggested file, filter) -> the chosen file, or "" when cancelled. Qt's dialog asks before
#: replacing a file; tests put their own function here.
AskPath = Callable[[QWidget, str, str, str], str]


def ask_save_path(parent: QWidget, title: str, suggested: str, pattern: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, pattern)
    return path


def html_to_pdf(page: str) -> bytes:
    """The report page printed to an A4 PDF (in memory, so the file can be written atomically)."""
    document = QTextDocument()
    document.setHtml(page)
    data = QByteArray()
    device = QBuffer(data)
    device.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(device)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(PDF_RESOLUTION)
    writer.setPageMargins(QMarginsF(*(PDF_MARGIN_MM,) * 4), QPageLayout.Unit.Millimeter)
    writer.setTitle(document.metaInformation(QTextDocument.MetaInformation.DocumentTitle))
    writer.setCreator("Finetune Studio")  # not translated: the product name in the PDF's metadata
    document.print_(writer)
    del writer  # ends the PDF (writes its trailer) before the bytes are taken
    device.close()
    return bytes(data.data())


def write_pdf(run_dir: Path, target: Path) -> Path:
    """Make the report of ``run_dir`` and print it to ``target`` (the user already agreed to replace it)."""
    report_target(run_dir, target, overwrite=True)  # never into the image folder
    return write_output_file(target, html_to_pdf(build_report_html(str(run_dir))), ".pdf")


class ReportButton(QPushButton):
    """``Report…`` with a menu; ``message(kind, text)`` asks the panel to show a sentence ("info", "ok", "error").

    ``written(Path)`` fires with each file written.
    """

    message = Signal(str, str)
    written = Signal(object)

    def __init__(self, parent: QWidget | None = None, ask_path: AskPath = ask_save_path) -> None:
        super().__init__(tr("Report…"), parent)
        self.setToolTip(tr("A report of this run to file with the model: the data, the model, the strategy, every "
                           "setting, the curves, the evaluation, mistakes, Grad-CAM and a model card."))
        self.run_dir: Path | None = None
        self.ask_path = ask_path
        self._slot = TaskSlot(self)
        menu = QMenu(self)
        self.html_action = menu.addAction(tr("Write the report (HTML)…"))
        self.html_action.triggered.connect(self.choose_html)
        self.pdf_action = menu.addAction(tr("Save the report as PDF…"))
        self.pdf_action.triggered.connect(self.choose_pdf)
        self.open_action = menu.addAction(tr("Open the report in the browser"))
        self.open_action.triggered.connect(self.open_report)
        menu.aboutToShow.connect(self._update_actions)
        self.setMenu(menu)
        self.set_run(None)

    @property
    def busy(self) -> bool:
        return self._slot.running

    def set_run(self, run_dir: Path | None) -> None:
        """The run whose report the button makes (``None``: no run with a saved model is shown)."""
        self._slot.cancel()
        self.run_dir = run_dir
        self.setEnabled(run_dir is not None)

    def shutdown(self) -> None:
        self._slot.shutdown()

    def _update_actions(self) -> None:
        self.open_action.setEnabled(self.run_dir is not None and RunLayout(self.run_dir).report.is_file())

    def choose_html(self) -> None:
        if self.run_dir is not None:
            path = self.ask_path(self, tr("Write the run's report"), str(RunLayout(self.run_dir).report),
                                 tr("Web page (*.html)"))
            if path:
                self.make_html(Path(path))

    def choose_pdf(self) -> None:
        if self.run_dir is not None:
            path = self.ask_path(self, tr("Save the run's report as PDF"), str(RunLayout(self.run_dir).report_pdf),
                                 tr("PDF document (*.pdf)"))
            if path:
                self.make_pdf(Path(path))

    def make_html(self, target: Path) -> None:
        """Write the HTML report to ``target`` in the background (replacing it: the dialog asked)."""
        run_dir = self._start(pdf=False)
        self._slot.start(lambda _state: write_report(run_dir, target, overwrite=True), self._on_written,
                         self._on_failed)

    def make_pdf(self, target: Path) -> None:
        """Print the report to ``target`` as PDF in the background (replacing it: the dialog asked)."""
        run_dir = self._start(pdf=True)

        def work(_state: TaskState) -> Path:
            return write_pdf(run_dir, target)

        self._slot.start(work, self._on_written, self._on_failed)

    def _start(self, *, pdf: bool) -> Path:
        assert self.run_dir is not None
        self.setEnabled(False)
        name = self.run_dir.name
        self.message.emit("info", tr("Making the PDF of {run}…", run=name) if pdf
                          else tr("Making the report of {run}…", run=name))
        return self.run_dir

    def _on_written(self, path: Path) -> None:
        self.setEnabled(self.run_dir is not None)
        self.message.emit("ok", tr("The report was written to {path}.", path=display_path(path)))
        self.written.emit(path)

    def _on_failed(self, text: str) -> None:
        self.setEnabled(self.run_dir is not None)
        self.message.emit("error", text)

    def open_report(self) -> None:
        if self.run_dir is not None and RunLayout(self.run_dir).report.is_file():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(RunLayout(self.run_dir).report)))
