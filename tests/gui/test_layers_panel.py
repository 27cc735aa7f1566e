"""The layers panel: presets, the stage slider, "freeze everything up to here" and the live totals."""

from __future__ import annotations

import pytest

from engine.config import FreezePlan, Strategy
from engine.models.heads import HeadOptions
from engine.models.memory import GB
from gui.panels.model.layers_panel import LayersPanel


def _ready(qtbot, panel: LayersPanel, arch: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: panel.state is not None and panel.state.tree.arch == arch and panel._task is None,
                    timeout=30_000)


@pytest.fixture
def panel(qtbot):  # type: ignore[no-untyped-def]
    widget = LayersPanel()
    qtbot.addWidget(widget)
    widget.set_image_size(64)
    widget.set_num_classes(3)
    widget.set_model("resnet18", True, HeadOptions())
    _ready(qtbot, widget, "resnet18")
    qtbot.waitUntil(lambda: panel_settled(widget), timeout=30_000)
    yield widget
    widget.shutdown()


def panel_settled(widget: LayersPanel) -> bool:
    tree = widget.state.tree
    return widget._task is None and (tree.image_size, tree.num_classes) == (64, 3)


def test_pretrained_models_start_with_only_the_new_layer_training(panel: LayersPanel) -> None:
    assert panel.strategy() is Strategy.HEAD
    assert panel.freeze_plan() == FreezePlan(("conv1", "bn1", "layer1", "layer2", "layer3", "layer4"))
    assert panel.slider.value() == panel.slider.maximum() == 5
    assert "Only the new output layer learns" in panel.slider_label.text()
    assert "Trainable: 1,539 of 11.2 M parameters" in panel.params_line.text()
    assert "faster than training every layer" in panel.speed_line.text()


def test_the_stage_slider_and_the_presets(panel: LayersPanel) -> None:
    panel.slider.setValue(2)
    assert panel.freeze_plan() == FreezePlan(("conv1", "bn1", "layer1"))
    assert panel.strategy() is Strategy.PARTIAL  # part of the base frozen
    assert panel.slider_label.text().startswith("Frozen: Stem, Stage 1 (2 of 5 stages). Learning: Stage 2")
    panel.everything.click()
    assert panel.freeze_plan() == FreezePlan(()) and panel.slider.value() == 0
    assert "as slow as it gets" in panel.speed_line.text()
    panel.head_only.click()
    assert panel.strategy() is Strategy.HEAD


def test_freeze_everything_up_to_here_from_the_context_menu(panel: LayersPanel) -> None:
    menu = panel.view.menu_for(panel.model.index_of("layer3.0"))
    assert menu is not None
    actions = {a.text(): a for a in menu.actions()}
    actions["Freeze everything up to here"].trigger()
    assert panel.freeze_plan() == FreezePlan(("conv1", "bn1", "layer1", "layer2", "layer3.0"))
    assert "your own choice" in panel.slider_label.text()
    menu = panel.view.menu_for(panel.model.index_of("layer1"))
    assert menu is not None
    {a.text(): a for a in menu.actions()}["Train this block"].trigger()
    assert panel.freeze_plan() == FreezePlan(("conv1", "bn1", "layer2", "layer3.0"))
    head_menu = panel.view.menu_for(panel.model.index_of("fc"))
    assert head_menu is not None and not head_menu.actions()[0].isEnabled()


def test_the_plan_survives_a_new_image_size_and_follows_a_new_model(qtbot, panel: LayersPanel) -> None:  # type: ignore[no-untyped-def]
    panel.slider.setValue(3)
    panel.set_image_size(128)
    assert panel.freeze_plan() == FreezePlan(("conv1", "bn1", "layer1", "layer2"))  # also while analysing
    qtbot.waitUntil(lambda: panel._task is None and panel.state.tree.image_size == 128, timeout=30_000)
    assert panel.freeze_plan() == FreezePlan(("conv1", "bn1", "layer1", "layer2"))
    assert panel.model.data(panel.model.index_of("layer4").siblingAtColumn(2)) == "512×4×4"
    panel.set_model("mobilenet_v3_small", True, HeadOptions())
    assert panel.freeze_plan() == FreezePlan()  # not known yet: follows the preset (whole base frozen)
    _ready(qtbot, panel, "mobilenet_v3_small")
    assert panel.strategy() is Strategy.HEAD and panel.freeze_plan().frozen == ("features", "classifier.0")


def test_without_pretrained_weights_every_layer_trains(panel: LayersPanel) -> None:
    panel.set_model("resnet18", False, HeadOptions())
    assert panel.freeze_plan() == FreezePlan(()) and panel.strategy() is Strategy.FULL
    assert not panel.slider.isEnabled() and "nothing can be frozen" in panel.slider_label.text()
    panel.set_model("resnet18", True, HeadOptions())
    assert panel.strategy() is Strategy.HEAD and panel.slider.isEnabled()


def test_memory_says_whether_it_fits_and_suggests_a_batch(panel: LayersPanel) -> None:
    panel.everything.click()
    panel.set_batch_size(32)
    assert panel.memory.kind == "ok" and "batches of 32 images of 64 pixels" in panel.memory.text()
    panel.available = int(0.3 * GB)
    panel.set_batch_size(256)
    assert panel.memory.kind == "error"
    assert "it does not fit. Use batches of" in panel.memory.text()


def test_a_closed_context_menu_is_freed(panel: LayersPanel) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QMenu

    view = panel.view
    for _ in range(3):  # right-click, then close the menu without choosing
        menu = view.menu_for(panel.model.index_of("layer1"))
        assert menu is not None
        menu.popup(view.viewport().mapToGlobal(view.visualRect(panel.model.index_of("layer1")).center()))
        menu.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert view.findChildren(QMenu) == [], "every right-click left a menu (holding the view) behind"
