"""The Qt item model over the layer tree: checked by Qt's own model tester, driven like a user would."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from engine.models.heads import HeadOptions
from engine.models.layers.freeze_state import FreezeState
from engine.models.layers.tree import analyse_model
from gui.panels.model.layer_tree_model import NAME, PARAMS, SHAPE, TRAINABLE, TYPE, LayerTreeModel


def _model(arch: str = "resnet18", size: int = 64, head: HeadOptions | None = None) -> LayerTreeModel:
    tree = analyse_model(arch, size, 3, head)
    model = LayerTreeModel()
    model.set_tree(tree, FreezeState(tree))
    return model


def test_the_model_passes_qts_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    for arch, head in (("resnet18", None), ("vit_b_16", HeadOptions(dropout=0.1, hidden=8))):
        model = _model(arch, 64, head)
        qtmodeltester.check(model, force_py=False)
        model.set_tree(None, None)  # and empty again
        qtmodeltester.check(model, force_py=False)


def test_rows_show_what_each_layer_is() -> None:
    model = _model()
    root = model.index(0, 0)
    assert model.rowCount() == 1 and model.data(root) == "resnet18 (whole model)"
    layer1 = model.index_of("layer1")
    row = [model.data(layer1.siblingAtColumn(c)) for c in (NAME, TYPE, SHAPE, PARAMS, TRAINABLE)]
    assert row == ["layer1", "Sequential", "64×16×16", "148 k", "148 k"]
    fc = model.index_of("fc")
    assert model.data(fc) == "fc  (new)" and model.data(fc, Qt.ItemDataRole.CheckStateRole) is None
    assert not model.flags(fc) & Qt.ItemFlag.ItemIsUserCheckable
    relu = model.index_of("relu")
    assert model.data(relu, Qt.ItemDataRole.CheckStateRole) is None  # nothing to freeze in it


def test_ticking_a_block_freezes_all_inside_and_shows_a_mixed_parent(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = _model()
    block = model.index_of("layer2.0")
    with qtbot.waitSignal(model.freeze_changed):
        assert model.setData(block, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert model.state is not None and model.state.plan() == ["layer2.0"]
    assert model.data(model.index_of("layer2"), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.PartiallyChecked
    assert model.data(model.index_of("layer2.0.conv1"), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert model.data(model.index_of("layer2").siblingAtColumn(TRAINABLE)) == "295 k"
    model.setData(model.index_of("layer2"), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert model.state.plan() == ["layer2"]
    model.setData(model.index(0, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert model.state.trainable_params() == model.state.tree.nodes["fc"].params


def test_without_pretrained_weights_nothing_can_be_ticked() -> None:
    model = _model()
    model.set_editable(False)
    assert not model.flags(model.index_of("layer1")) & Qt.ItemFlag.ItemIsUserCheckable
    assert not model.setData(model.index_of("layer1"), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert model.index_of("no.such.layer") == QModelIndex()
