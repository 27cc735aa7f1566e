"""A Qt item model over the engine's layer tree and freeze state (no logic of its own).

Rows are the model's modules (the whole model is the single top row); the first column carries a
tri-state checkbox: ticked = frozen, empty = trained, partly ticked = a block with some frozen layers
inside. Ticking a block freezes everything inside it; the new output layer has no checkbox (it always
trains). All bookkeeping lives in :class:`engine.models.layers.freeze_state.FreezeState`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from engine.core.i18n import tr, tr_later
from engine.help.glossary import layer_tip, term
from engine.models.layers.freeze_state import CheckState, FreezeState
from engine.models.layers.tree import LayerNode, LayerTree

COLUMNS = (tr_later("Layer"), tr_later("Type"), tr_later("Output shape"), tr_later("Params"), tr_later("Trainable"))
NAME, TYPE, SHAPE, PARAMS, TRAINABLE = range(len(COLUMNS))


def header_tip(column: int) -> str:
    """The tooltip of a column header of the layer tree, in the current language."""
    if column == PARAMS:
        return f"{term('params').name}: {term('params').tip}"
    return (tr("Ticked layers are frozen: they keep their pretrained weights."),
            tr("What kind of layer it is; hover a type for what it does."),
            tr("The size of what the layer passes on, for one image: channels x height x width. For example "
               "64x56x56 is 64 feature maps of 56 by 56 pixels."), "",
            tr("How many of its parameters will learn; frozen ones keep their pretrained values."))[column]


_CHECK = {CheckState.FROZEN: Qt.CheckState.Checked, CheckState.TRAINABLE: Qt.CheckState.Unchecked,
          CheckState.MIXED: Qt.CheckState.PartiallyChecked}
_HEAD_COLOUR = QBrush(QColor("#1e6b34"))
_FROZEN_COLOUR = QBrush(QColor("#6b7280"))
_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # Qt's "no parent"; QModelIndex is an immutable value


def count_text(n: int) -> str:
    """``11.7 M`` / ``590 k`` / ``128``."""
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} M"
    if n >= 10_000:
        return f"{n / 1e3:.0f} k"
    return f"{n:,}"


def shape_text(shape: tuple[int, ...] | None) -> str:
    return "×".join(str(d) for d in shape) if shape else ""


class LayerTreeModel(QAbstractItemModel):
    """Adapter: ``LayerTree`` + ``FreezeState`` -> rows and checkboxes. Emits ``freeze_changed`` after
    every change the user makes through a checkbox."""

    freeze_changed = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.tree: LayerTree | None = None
        self.state: FreezeState | None = None
        self.editable = True
        self._nodes: list[LayerNode] = []
        self._ids: dict[int, int] = {}  # id(node) -> position in _nodes (the index's internal id)
        self._base: set[int] = set()  # ids of nodes holding pretrained (non-head) parameters

    def set_tree(self, tree: LayerTree | None, state: FreezeState | None) -> None:
        self.beginResetModel()
        self.tree, self.state = tree, state
        self._nodes = tree.root.walk() if tree is not None else []
        self._ids = {id(node): i for i, node in enumerate(self._nodes)}
        head = tree.head_params if tree is not None else set()
        self._base = {id(n) for n in self._nodes if any(p not in head for p in n.param_names)}
        self.endResetModel()

    def set_editable(self, editable: bool) -> None:
        self.editable = editable
        self.refresh()

    def node(self, index: _Index) -> LayerNode | None:
        if not index.isValid():
            return None
        return self._nodes[index.internalId()]

    def index_of(self, name: str, column: int = 0) -> QModelIndex:
        if self.tree is None or name not in self.tree.nodes:
            return QModelIndex()
        node = self.tree.nodes[name]
        return self.createIndex(node.row if node.parent is not None else 0, column, self._ids[id(node)])

    # -- structure --------------------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: _Index = _ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        parent_node = self.node(parent)
        child = self._nodes[0] if parent_node is None else parent_node.children[row]
        return self.createIndex(row, column, self._ids[id(child)])

    def parent(self, index: _Index = _ROOT) -> QModelIndex:  # type: ignore[override]
        node = self.node(index)
        if node is None or node.parent is None:
            return QModelIndex()
        up = node.parent
        return self.createIndex(up.row if up.parent is not None else 0, 0, self._ids[id(up)])

    def rowCount(self, parent: _Index = _ROOT) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self.node(parent)
        if node is None:
            return 1 if self._nodes else 0
        return len(node.children)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(COLUMNS[section])
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return header_tip(section)
        return None

    # -- content ----------------------------------------------------------------------------------------

    def flags(self, index: _Index) -> Qt.ItemFlag:
        node = self.node(index)
        if node is None:
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == NAME and self._checkable(node):
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def _checkable(self, node: LayerNode) -> bool:
        return self.editable and id(node) in self._base and self.state is not None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self.node(index)
        if node is None or self.state is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(node, column)
        if role == Qt.ItemDataRole.CheckStateRole and column == NAME and id(node) in self._base:
            return _CHECK[self.state.check_state(node.name)]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (PARAMS, TRAINABLE, SHAPE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if node.is_head:
                return _HEAD_COLOUR
            if node.params and self.state.check_state(node.name) is CheckState.FROZEN:
                return _FROZEN_COLOUR
        if role == Qt.ItemDataRole.FontRole and node.is_head and node.name == self.tree_head():
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(node, column)
        return None

    def tree_head(self) -> str:
        return self.tree.head if self.tree is not None else ""

    def _display(self, node: LayerNode, column: int) -> str:
        assert self.state is not None
        if column == NAME:
            if node.parent is None:
                return tr("{layer} (whole model)", layer=node.label)
            return tr("{layer}  (new)", layer=node.label) if node.name == self.tree_head() else node.label
        if column == TYPE:
            return node.type_name
        if column == SHAPE:
            return shape_text(node.output_shape or node.param_shape)
        if column == PARAMS:
            return count_text(node.params) if node.params else ""
        if not node.params:
            return ""
        return count_text(self.state.trainable_params(node.name))

    def _tooltip(self, node: LayerNode, column: int = NAME) -> str:
        if column == TYPE:  # what this kind of layer does, in plain words
            return f"{node.type_name}: {layer_tip(node.type_name)}"
        if node.is_head:
            return tr("{name}: the new output layer for your classes. It always trains.", name=node.name)
        if not node.name:  # the top row
            return tr("the whole model: {params:,} parameters. Tick to freeze (keep the pretrained weights).",
                      params=node.params)
        if not node.params:
            return tr("{name}: has no weights of its own, so there is nothing to freeze.", name=node.name)
        return tr("{name}: {params:,} parameters. Tick to freeze (keep the pretrained weights).", name=node.name,
                  params=node.params)

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        node = self.node(index)
        if role != Qt.ItemDataRole.CheckStateRole or node is None or not self._checkable(node):
            return False
        assert self.state is not None
        checked = Qt.CheckState(value) if isinstance(value, int) else value
        self.state.set_frozen(node.name, checked == Qt.CheckState.Checked)
        self.refresh()
        self.freeze_changed.emit()
        return True

    def refresh(self) -> None:
        """Tell views that check states and trainable counts may have changed everywhere."""
        if not self._nodes:
            return
        last = len(COLUMNS) - 1
        self.dataChanged.emit(self.index(0, 0), self.index(0, last))
        for node in self._nodes:
            if node.children:
                parent = self.createIndex(node.row if node.parent is not None else 0, 0, self._ids[id(node)])
                self.dataChanged.emit(self.index(0, 0, parent), self.index(len(node.children) - 1, last, parent))
