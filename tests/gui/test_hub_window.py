"""The window's hub download against a local fake hub (tests/fakehub.py): progress and Cancel, then the token
prompt of a gated model, then the model chosen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QInputDialog

from gui.panels.model.panel import ModelPanel
from tests.fakehub import FakeHub
from tests.hubgen import make_hub_folder


@pytest.fixture
def panel(model_panel: ModelPanel) -> ModelPanel:
    return model_panel  # tests/gui/conftest.py

def test_a_hub_download_shows_progress_cancels_asks_for_the_token_and_chooses_the_model(  # type: ignore[no-untyped-def]
        qtbot, panel: ModelPanel, hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub.add("owner/gated", make_hub_folder(tmp_path / "gated"), gated_token="hf_right")
    box = panel.weights
    box.hub.setChecked(True)
    box.hub_path.setText("hf-hub:owner/gated")
    box.hub_path.editingFinished.emit()

    # Logged in (as after an earlier session), the slow download shows its bytes; Cancel stops it.
    from engine.models.hub_download import log_in

    log_in("hf_right")
    hub.delay_s = 0.05
    box.download.click()
    qtbot.waitUntil(lambda: box.progress.maximum() > 100 and box.progress.value() > 0, timeout=30_000)
    assert box.cancel.isVisibleTo(box) and " MB" in box.progress.format()  # the weights (0.4 MB), not config.json
    box.cancel.click()
    qtbot.waitUntil(lambda: box.note.kind == "error", timeout=30_000)
    assert "The download was cancelled." in box.note.text()
    assert box.download.isVisibleTo(box) and not box.cancel.isVisibleTo(box), "ready to try again"

    # Logged out: the gated model asks for a token, and with it arrives and is chosen.
    from huggingface_hub import logout

    logout()
    hub.delay_s = 0.0
    asked: list[str] = []

    def answer(_parent: object, _title: str, label: str, *_: object) -> tuple[str, bool]:
        asked.append(label)
        return "hf_right", True

    monkeypatch.setattr(QInputDialog, "getText", answer)
    with qtbot.waitSignal(box.folder_chosen, timeout=60_000):
        box.download.click()
    assert asked and "is gated" in asked[0]
    assert panel.arch() == "timm:test_efficientnet" and box.note.kind == "ok"
    assert panel.model_config().weights == "hf-hub:owner/gated"
