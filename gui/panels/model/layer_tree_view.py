"""The tree view of the layers, with its right-click menu (freeze up to here, freeze/train a block)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import QHeaderView, QMenu, QTreeView, QWidget

from engine.core.i18n import tr
from engine.models.layers.freeze_state import CheckState
from gui.panels.model.layer_tree_model import LayerTreeModel


class LayerTreeView(QTreeView):
    """Signals: ``freeze_upto_requested(name)``, ``toggle_requested(name)`` (freeze or train a block)."""

    freeze_upto_requested = Signal(str)
    toggle_requested = Signal(str)

    def __init__(self, model: LayerTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.layer_model = model
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        for column, width in ((1, 120), (2, 90), (3, 66), (4, 66)):
            header.resizeSection(column, width)

    def _context_menu(self, pos: QPoint) -> None:
        menu = self.menu_for(self.indexAt(pos))
        if menu is not None:
            menu.exec(self.viewport().mapToGlobal(pos))

    def menu_for(self, index: QModelIndex) -> QMenu | None:
        """The right-click menu of a row (``None`` outside the rows)."""
        model = self.layer_model
        node = model.node(index)
        if node is None or model.state is None:
            return None
        editable = bool(model.flags(index) & Qt.ItemFlag.ItemIsUserCheckable)
        menu = QMenu(self)
        # Gone once closed: a child of the view otherwise, one more (with its actions' lambdas) per right-click.
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        upto = menu.addAction(tr("Freeze everything up to here"))
        upto.setEnabled(model.editable and not node.is_head)
        upto.triggered.connect(lambda: self.freeze_upto_requested.emit(node.name))
        frozen = editable and model.state.check_state(node.name) is CheckState.FROZEN
        block = menu.addAction(tr("Train this block") if frozen else tr("Freeze this block"))
        block.setEnabled(editable)
        block.triggered.connect(lambda: self.toggle_requested.emit(node.name))
        expand = menu.addAction(tr("Expand all below"))
        expand.triggered.connect(lambda: self.expandRecursively(index))
        return menu
