"""Results tab, "Export model…": the export runs in the background, shows its check, asks before replacing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from engine.core.run_layout import RunLayout, check_file_of
from engine.export.destination import ExportFormat
from gui.panels.results.export_dialog import ExportDialog
from gui.panels.results.panel import ResultsPanel
from tests.trained_run import copy_run, one_torch_thread, shared_run


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture
def run(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return copy_run(shared_run(tmp_path_factory), tmp_path / "run")


@pytest.fixture
def panel(qtbot):  # type: ignore[no-untyped-def]
    widget = ResultsPanel()
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    yield widget
    widget.shutdown()


def export_and_wait(qtbot, dialog: ExportDialog) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dialog.exported, timeout=120_000):
        dialog.export_button.click()
        assert dialog.busy and dialog.progress.isVisible(), dialog.message.text()  # in the background
        assert not dialog.export_button.isEnabled()


def test_export_model_writes_a_deployment_folder_in_the_background_and_shows_the_check(
        qtbot, panel: ResultsPanel, run: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert not panel.export_button.isEnabled()  # no run shown yet
    panel.show_run(run)
    assert panel.export_button.isEnabled() and panel.export_button.text() == "Export model…"
    dialog = panel.export_button.open_dialog()
    assert dialog is not None and dialog.isVisible() and not dialog.show_button.isVisible()
    assert dialog.destination.text() == str(RunLayout(run).exports.onnx)  # the run folder's export/ by default
    dialog.choose_format(ExportFormat.FOLDER)
    assert dialog.destination.text() == str(RunLayout(run).exports.deployment.folder)
    assert "predict.py" in dialog.help.text()
    target = tmp_path / "for-the-lab"
    dialog.destination.setText(str(target))
    export_and_wait(qtbot, dialog)
    shown = dialog.message.text()
    assert shown.startswith(f"Deployment folder written to {target}. Checked: on 9 validation images, ONNX gives "
                            "the same top class as PyTorch on all 9")
    assert (target / "predict.py").is_file() and (target / "model.onnx").is_file()
    assert dialog.export_button.isEnabled() and dialog.show_button.isVisible()


def test_an_existing_export_is_replaced_only_after_the_user_says_yes(
        qtbot, panel: ResultsPanel, run: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    panel.show_run(run)
    dialog = panel.export_button.open_dialog()
    assert dialog is not None
    dialog.choose_format(ExportFormat.TORCHSCRIPT)
    export_and_wait(qtbot, dialog)
    model = RunLayout(run).exports.torchscript
    model.write_bytes(b"kept unless the user says yes")
    asked: list[str] = []

    def answer(reply: QMessageBox.StandardButton):  # type: ignore[no-untyped-def]
        def question(_parent, _title, text, *_args):  # type: ignore[no-untyped-def]
            asked.append(text)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.No))
    dialog.export_button.click()
    assert str(model) in asked[0] and str(check_file_of(model)) in asked[0]
    assert not dialog.busy and dialog.message.text() == "Nothing was exported: the existing files were kept."
    assert model.read_bytes() == b"kept unless the user says yes"

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.Yes))
    export_and_wait(qtbot, dialog)
    assert model.read_bytes() != b"kept unless the user says yes"
    assert json.loads(check_file_of(model).read_text(encoding="utf-8"))["passed"] is True


def test_the_image_folder_is_refused_with_a_sentence(qtbot, panel: ResultsPanel, run: Path) -> None:  # type: ignore[no-untyped-def]
    panel.show_run(run)
    dialog = panel.export_button.open_dialog()
    assert dialog is not None
    images = Path(json.loads(RunLayout(run).split.read_text(encoding="utf-8"))["root"])
    before = sorted(images.rglob("*"))
    dialog.destination.setText(str(images / "model.onnx"))
    dialog.export_button.click()
    assert not dialog.busy
    assert "is inside the image folder" in dialog.message.text()
    assert sorted(images.rglob("*")) == before
