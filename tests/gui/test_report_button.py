"""The Results tab's "Report…": the HTML report and its PDF, written where the user chose, after asking."""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from gui.panels.results.panel import ResultsPanel
from gui.panels.results.report_actions import html_to_pdf
from tests.trained_run import TWO_CLASSES, copy_run, one_torch_thread, shared_run


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture
def run(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return copy_run(shared_run(tmp_path_factory, TWO_CLASSES), tmp_path / "run")


@pytest.fixture
def panel(qtbot):  # type: ignore[no-untyped-def]
    widget = ResultsPanel()
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    yield widget
    widget.shutdown()


class Answers:
    """Stands in for the save dialog: answers each question with the next path ("" = Cancel)."""

    def __init__(self, *paths: str) -> None:
        self.paths = list(paths)
        self.asked: list[tuple[str, str]] = []

    def __call__(self, _parent: object, title: str, suggested: str, _pattern: str) -> str:
        self.asked.append((title, suggested))
        return self.paths.pop(0)


def pdf_text(data: bytes) -> str:
    """The text drawn in a PDF Qt wrote (its streams are zlib-compressed; glyphs are hex strings, so this
    only checks that pages with content exist)."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S)
    out = []
    for stream in streams:
        try:
            out.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(out)


def test_report_writes_the_html_where_the_dialog_says_and_only_then(qtbot, panel: ResultsPanel, run: Path,  # type: ignore[no-untyped-def]
                                                                    tmp_path: Path) -> None:
    (run / "report.html").unlink()
    with qtbot.waitSignal(panel.evaluated, timeout=60_000):
        panel.show_run(run)
    button = panel.report_button
    assert button.isEnabled() and button.text() == "Report…"
    button.ask_path = Answers("", str(tmp_path / "filed.html"))
    button.html_action.trigger()  # the user cancels the dialog: nothing is written
    assert not (run / "report.html").exists() and button.ask_path.asked[0][1] == str(run / "report.html")
    with qtbot.waitSignal(button.written, timeout=60_000):
        button.html_action.trigger()
    page = (tmp_path / "filed.html").read_text(encoding="utf-8")
    accuracy = json.loads((run / "metrics.json").read_text(encoding="utf-8"))["accuracy"]
    assert f"<th>Accuracy</th><td>{100 * accuracy:.1f}%</td>" in page
    assert panel.message.kind == "ok" and "filed.html" in panel.message.text()


def test_save_as_pdf_prints_the_report_to_a_pdf(qtbot, panel: ResultsPanel, run: Path) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.evaluated, timeout=60_000):
        panel.show_run(run)
    button = panel.report_button
    button.ask_path = Answers(str(run / "report.pdf"))
    with qtbot.waitSignal(button.written, timeout=60_000):
        button.pdf_action.trigger()
    data = (run / "report.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = int(re.search(rb"/Type\s*/Pages.*?/Count\s+(\d+)", data, re.S).group(1))
    assert pages >= 3  # every section, the curves and the figures do not fit on one or two A4 pages
    assert data.count(b"/Subtype /Image") >= 5  # the embedded pictures are printed too
    assert "report.pdf" in panel.message.text()


def test_the_pdf_of_a_tiny_page_has_one_page_with_its_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    data = html_to_pdf("<html><head><title>T</title></head><body><h1>Hello</h1></body></html>")
    assert data.startswith(b"%PDF-")
    assert int(re.search(rb"/Type\s*/Pages.*?/Count\s+(\d+)", data, re.S).group(1)) == 1
    assert pdf_text(data).strip()


def test_report_is_unavailable_for_a_run_without_a_model(qtbot, panel: ResultsPanel, run: Path) -> None:  # type: ignore[no-untyped-def]
    (run / "model" / "model.json").unlink()
    panel.show_run(run)
    assert not panel.report_button.isEnabled()
