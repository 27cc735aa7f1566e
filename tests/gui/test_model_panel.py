"""The model panel: a catalog that says what people choose, weights with progress/cancel/import, the head."""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.request
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from engine.config import FreezePlan, ModelConfig, Strategy
from engine.core.paths import runs_root
from engine.models import weights
from engine.models.catalog import SHORTLIST, build_classifier, create_model
from engine.models.timm_models import SHORTLIST as TIMM_SHORTLIST
from gui.panels.model.panel import COLUMNS, ModelPanel
from tests.hubgen import make_hub_folder


def _official_file(folder: Path, arch: str = "resnet18") -> Path:
    torch.manual_seed(0)
    tmp = folder / "w.pth"
    torch.save(create_model(arch).state_dict(), tmp)
    named = folder / f"{arch}-{hashlib.sha256(tmp.read_bytes()).hexdigest()[:8]}.pth"
    tmp.rename(named)
    return named


def _visible_archs(panel: ModelPanel) -> list[str]:
    return [panel.table.item(r, 0).text() for r in range(panel.table.rowCount()) if not panel.table.isRowHidden(r)]



@pytest.fixture
def panel(model_panel: ModelPanel) -> ModelPanel:
    return model_panel  # tests/gui/conftest.py

def test_the_catalog_shows_the_shortlist_first_with_facts(panel: ModelPanel) -> None:
    # torchvision's shortlist, then timm's (marked as such).
    assert _visible_archs(panel) == list(SHORTLIST) + [f"{name} (timm)" for name in TIMM_SHORTLIST]
    row = [panel.table.item(1, c).text() for c in range(len(COLUMNS))]
    assert row == ["resnet50", "25.6 M", "80.9%", "98 MB", "medium", ""]
    panel.show_all.setChecked(True)
    assert len(_visible_archs(panel)) == 80 + len(TIMM_SHORTLIST) and "91 models" in panel.show_all.text()
    panel.set_arch("vit_b_16")
    details = panel.details.text()
    for fact in ("86.6 million parameters", "top-1 81.1%", "330 MB download", "Trained on 224×224 images",
                 "resize the short side to 256 pixels", "(slow)"):
        assert fact in details
    assert "330 MB" in panel.weights.note.text() and "will be downloaded when training starts" in panel.weights.note.text()


def test_the_layer_tree_follows_the_chosen_model_and_head(qtbot, panel: ModelPanel) -> None:  # type: ignore[no-untyped-def]
    panel.set_arch("mobilenet_v3_small")
    panel.hidden.setValue(128)
    qtbot.waitUntil(lambda: panel.layers.state is not None and panel.layers._task is None
                    and panel.layers.state.tree.arch == "mobilenet_v3_small"
                    and panel.layers.state.tree.head_options.hidden == 128, timeout=30_000)
    assert panel.layers.model.index_of("classifier.3.hidden").isValid()
    assert "→ 128 (ReLU) →" in panel.head_note.text()
    config = panel.model_config()
    assert config == ModelConfig("mobilenet_v3_small", "imagenet", head_dropout=0.0, head_hidden=128)
    assert panel.strategy() is Strategy.HEAD and panel.freeze_plan() == FreezePlan(("features", "classifier.0"))
    panel.set_weights("none")
    assert panel.strategy() is Strategy.FULL and panel.freeze_plan() == FreezePlan(())


def test_download_in_the_background_then_the_weights_are_here(qtbot, panel: ModelPanel, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    source = _official_file(tmp_path)
    monkeypatch.setattr(weights, "imagenet_url", lambda arch: source.as_uri())
    box = panel.weights
    assert box.download.isVisible() and not box.cancel.isVisible()
    with qtbot.waitSignal(box.cached, timeout=30_000):
        box.download.click()
    assert "already on this computer" in box.note.text() and source.name in box.note.text()
    assert not box.download.isVisible() and panel.table.item(0, len(COLUMNS) - 1).text() == "yes"


class _SlowResponse:
    """A download that delivers one chunk, then waits for the test."""

    def __init__(self, release: threading.Event) -> None:
        self.release, self.reads = release, 0
        self.headers = {"Content-Length": str(4 * weights._CHUNK)}

    def __enter__(self) -> _SlowResponse:  # noqa: PYI034 - a stand-in, not meant to be subclassed
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def read(self, size: int) -> bytes:
        self.reads += 1
        if self.reads > 1:
            self.release.wait(10)
        return b"x" * size if self.reads <= 4 else b""


def test_a_download_can_be_cancelled(qtbot, panel: ModelPanel, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    release = threading.Event()
    response = _SlowResponse(release)
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: response)
    box = panel.weights
    box.download.click()
    qtbot.waitUntil(lambda: response.reads >= 2 and box.progress.maximum() > 0, timeout=10_000)
    assert box.cancel.isVisible() and box.progress.isVisible() and "of 4 MB" in box.progress.format()
    box.cancel.click()
    release.set()
    qtbot.waitUntil(lambda: box.note.kind == "error", timeout=10_000)
    assert "The download was cancelled." in box.note.text()
    assert box.download.isVisible() and not box.cancel.isVisible()
    assert not any(weights.weights_cache_dir().glob("*"))


def test_offline_says_which_file_to_put_where_and_import_fixes_it(qtbot, panel: ModelPanel, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    official = _official_file(tmp_path)
    monkeypatch.setattr(weights, "imagenet_url", lambda arch: (tmp_path / "gone" / official.name).as_uri())
    box = panel.weights
    box.download.click()
    qtbot.waitUntil(lambda: box.note.kind == "error", timeout=10_000)
    message = box.note.text()
    assert official.name in message and str(weights.weights_cache_dir()) in message
    assert box.import_button.isVisible()
    with qtbot.waitSignal(box.cached, timeout=30_000):
        box.import_file(str(official))
    assert box.imagenet.isChecked() and "no download is needed" in box.note.text()
    assert weights.imagenet_weights_cached("resnet18")


def test_importing_a_file_that_carries_code_is_refused(qtbot, panel: ModelPanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    evil = tmp_path / "evil.pth"
    evil.write_bytes(b"\x80\x04\x95\x1d\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94"
                     b"\x8c\x04true\x94\x85\x94R\x94.")
    panel.weights.import_file(str(evil))
    qtbot.waitUntil(lambda: panel.weights.note.kind == "error", timeout=10_000)
    assert "contains program code" in panel.weights.note.text()


def test_import_model_folder_chooses_the_timm_model_it_holds(qtbot, panel: ModelPanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub_folder(tmp_path / "tiny-hub")
    box = panel.weights
    box.import_folder_path(str(hub))
    qtbot.waitUntil(lambda: box.note.kind == "ok", timeout=30_000)
    assert "holds the timm model test_efficientnet" in box.note.text() and "its weights fit" in box.note.text()
    assert "mean (0.5, 0.5, 0.5)" in box.note.text(), "the folder's own preprocessing"
    assert panel.arch() == "timm:test_efficientnet" and "test_efficientnet (timm)" in _visible_archs(panel)
    assert box.hub.isChecked() and panel.model_config() == ModelConfig("timm:test_efficientnet", str(hub))
    qtbot.waitUntil(lambda: panel.layers.state is not None and panel.layers._task is None
                    and panel.layers.state.tree.arch == "timm:test_efficientnet", timeout=30_000)
    assert panel.layers.model.index_of("classifier").isValid() and panel.layers.model.index_of("blocks.0").isValid()
    assert "test_efficientnet (timm)" in panel.details.text() and "licence" in panel.details.text()
    panel.set_arch("resnet18")  # the folder's weights cannot start another architecture
    assert box.imagenet.isChecked() and panel.model_config() == ModelConfig("resnet18", "imagenet")
    assert "holds timm:test_efficientnet, not resnet18" in box.note.text()


def test_the_layer_tree_of_a_hub_model_built_with_extra_arguments_is_the_published_one(  # type: ignore[no-untyped-def]
        qtbot, panel: ModelPanel, tmp_path: Path) -> None:
    hub = make_hub_folder(tmp_path / "uni-like", "test_vit", model_args={"init_values": 1e-5})
    panel.weights.import_folder_path(str(hub))
    qtbot.waitUntil(lambda: panel.layers.state is not None and panel.layers._task is None
                    and panel.layers.state.tree.weights == str(hub), timeout=30_000)
    tree = panel.layers.state.tree
    assert tree.arch == "timm:test_vit" and tree.nodes["blocks.0.ls1"].params == 64, "its LayerScale is shown"
    assert panel.layers.model.index_of("blocks.0.ls1").isValid()


def test_a_model_folder_that_cannot_be_used_says_why(qtbot, panel: ModelPanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub_folder(tmp_path / "no-weights", weights=False)
    panel.weights.import_folder_path(str(hub))
    qtbot.waitUntil(lambda: panel.weights.note.kind == "error", timeout=30_000)
    assert "has no weights file (model.safetensors)" in panel.weights.note.text()
    assert panel.arch() == "resnet18" and not panel.weights.hub.isChecked()


def test_a_timm_model_offers_timm_s_default_weights_from_the_hub(panel: ModelPanel) -> None:
    panel.set_arch("timm:efficientnet_lite0")
    box = panel.weights
    assert box.imagenet.text() == "Pretrained: timm's default weights" and box.download.isVisibleTo(box)
    assert "timm/efficientnet_lite0.ra_in1k" in box.note.text() and "Import model folder" in box.note.text()
    assert "ImageNet accuracy not published in timm's metadata" in panel.details.text()


def test_downloading_a_hub_model_offline_says_what_to_do(qtbot, panel: ModelPanel) -> None:  # type: ignore[no-untyped-def]
    box = panel.weights
    box.hub.setChecked(True)
    box.hub_path.setText("hf-hub:timm/efficientnet_lite0.ra_in1k")
    box.hub_path.editingFinished.emit()
    assert box.download.isVisibleTo(box) and "will be downloaded from the Hugging Face hub" in box.note.text()
    box.download.click()
    qtbot.waitUntil(lambda: box.note.kind == "error", timeout=30_000)
    assert "(is this computer offline?)" in box.note.text() and "Import model folder" in box.note.text()
    assert box.download.isVisibleTo(box) and not box.cancel.isVisibleTo(box), "ready to try again"


def test_start_from_a_previous_run(qtbot, panel: ModelPanel) -> None:  # type: ignore[no-untyped-def]
    run = runs_root() / "20260101-120000-flowers"
    (run / "model").mkdir(parents=True)
    model, _ = build_classifier("mobilenet_v3_small", 2)
    save_file(model.state_dict(), str(run / "model" / "model.safetensors"))
    (run / "model" / "model.json").write_text(json.dumps({
        "architecture": "mobilenet_v3_small", "class_names": ["a", "b"], "preprocessing": {"image_size": 64, "resize_size": 73, "mean": [0.485, 0.456, 0.406],
                                                                  "std": [0.229, 0.224, 0.225]},
        "metrics": {"val_accuracy": 0.9}}))
    panel.weights.run.setChecked(True)
    assert "20260101-120000-flowers (mobilenet_v3_small, 2 classes, saved model: val. accuracy 90.0%)" in \
        panel.weights.runs.currentText()
    assert panel.arch() == "mobilenet_v3_small"  # the run's model is chosen with it
    assert panel.model_config().weights == str(run)


def test_the_window_trains_with_exactly_the_frozen_layers_the_tree_shows(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                           image_folder: Path) -> None:
    from gui.main_window import MainWindow

    win = MainWindow(runner_kind="thread", runs_dir=tmp_path / "runs")
    qtbot.addWidget(win)
    try:
        qtbot.waitUntil(lambda: bool(win.model_panel.catalog), timeout=30_000)
        with qtbot.waitSignal(win.data_panel.report_changed, check_params_cb=lambda r: r is not None,
                              timeout=30_000):
            win.open_folder(image_folder)
        win.training_panel.image_size.setValue(64)
        win.training_panel.batch_size.setValue(8)
        layers = win.model_panel.layers
        qtbot.waitUntil(lambda: layers._task is None and layers.state is not None
                        and (layers.state.tree.image_size, layers.state.tree.num_classes) == (64, 3), timeout=30_000)
        assert "batches of 8 images of 64 pixels" in layers.memory.text()
        layers.slider.setValue(2)
        config = win.build_config()
        assert config.freeze == FreezePlan(("conv1", "bn1", "layer1")) and config.strategy is Strategy.PARTIAL
        assert config.model.arch == "resnet18" and config.data.image_size == 64
    finally:
        win.shutdown()
