"""Which parts of a layer tree are frozen: the state behind the freeze checkboxes, without Qt.

Freezing acts on parameters; the checkboxes show modules. A module is *frozen* when every parameter inside
it is, *trainable* when none is, and *mixed* otherwise (the tri-state checkbox). The new head is never
frozen. :meth:`FreezeState.plan` turns the state into the shortest list of module names that freezes exactly
those parameters: that list is the :class:`~engine.config.FreezePlan` in ``config.json``.

Example:
    >>> from engine.models.layers.tree import analyse_model
    >>> state = FreezeState(analyse_model("resnet18", 64, 3))
    >>> state.freeze_upto("layer2.0")
    >>> state.plan()
    ['conv1', 'bn1', 'layer1', 'layer2.0']
    >>> state.check_state("layer2")
    <CheckState.MIXED: 'mixed'>
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from engine.core.errors import ConfigError
from engine.models.layers.base import head_layer_refusal
from engine.models.layers.stages import frozen_for_stages
from engine.models.layers.tree import LayerNode, LayerTree


class CheckState(str, enum.Enum):
    FROZEN = "frozen"
    TRAINABLE = "trainable"
    MIXED = "mixed"
    EMPTY = "empty"  # no parameters: nothing to freeze


class FreezeState:
    """The frozen parameters of one :class:`LayerTree`; every change bumps :attr:`version`."""

    def __init__(self, tree: LayerTree, frozen: Iterable[str] = ()) -> None:
        self.tree = tree
        self._order = list(tree.param_numel)
        self._head = tree.head_params
        self._frozen: set[str] = set()
        self._cache: dict[str, int] = {}
        self.version = 0
        self.set_plan(frozen)

    # -- reading ------------------------------------------------------------------------------------------

    @property
    def frozen_params(self) -> frozenset[str]:
        return frozenset(self._frozen)

    def trainable_params(self, name: str = "") -> int:
        """Trainable parameter count inside the node ``name`` (the whole model by default)."""
        if name not in self._cache:
            node = self.tree.node(name)
            numel = self.tree.param_numel
            self._cache[name] = sum(numel[p] for p in node.param_names if p not in self._frozen)
        return self._cache[name]

    def check_state(self, name: str) -> CheckState:
        """The checkbox of ``name``, judged on its pretrained parameters (the new head cannot be frozen, so
        a block holding it shows as frozen once everything else in it is)."""
        base = [p for p in self.tree.node(name).param_names if p not in self._head]
        if not base:
            return CheckState.EMPTY
        frozen = sum(1 for p in base if p in self._frozen)
        if frozen == 0:
            return CheckState.TRAINABLE
        return CheckState.FROZEN if frozen == len(base) else CheckState.MIXED

    def plan(self) -> list[str]:
        """The shortest list of module (or loose parameter) names that freezes exactly what is frozen."""
        return self._collect(self.tree.root)

    def _collect(self, node: LayerNode) -> list[str]:
        frozen = [p for p in node.param_names if p in self._frozen]
        if not frozen:
            return []
        if len(frozen) == len(node.param_names) and node.name:
            return [node.name]
        if not node.children:  # a layer with some of its own tensors frozen: name the tensors
            return frozen
        out: list[str] = []
        for child in node.children:
            out.extend(self._collect(child))
        own = {p for c in node.children for p in c.param_names}
        out.extend(p for p in frozen if p not in own)
        return out

    def stage_count(self) -> int | None:
        """How many leading stages are frozen, exactly; ``None`` when the plan is not a stage prefix."""
        for count in range(len(self.tree.stages) + 1):
            if self._params_of(frozen_for_stages(self.tree.stages, count)) == self._frozen:
                return count
        return None

    # -- changing -----------------------------------------------------------------------------------------

    def set_plan(self, names: Iterable[str]) -> None:
        """Freeze exactly the named modules / parameters (everything else trainable)."""
        self._replace(self._params_of(names, strict=True))

    def set_frozen(self, name: str, frozen: bool) -> None:
        """Freeze or unfreeze everything inside ``name`` (the head's parameters are left trainable)."""
        params = set(self.tree.node(name).param_names) - self._head
        self._replace(self._frozen | params if frozen else self._frozen - params)

    def freeze_upto(self, name: str) -> None:
        """Freeze every parameter up to the end of ``name`` in model order; everything after is trained."""
        cut = self.tree.node(name).cut
        self._replace({p for p in self._order[:cut] if p not in self._head})

    def freeze_stages(self, count: int) -> None:
        """Freeze the first ``count`` stages (0: train everything; all stages: only the head trains)."""
        self._replace(self._params_of(frozen_for_stages(self.tree.stages, count)))

    def freeze_base(self) -> None:
        """Freeze everything but the new head."""
        self._replace(set(self._order) - self._head)

    def unfreeze_all(self) -> None:
        self._replace(set())

    def _params_of(self, names: Iterable[str], strict: bool = False) -> set[str]:
        params: set[str] = set()
        for name in names:
            node = self.tree.node(name)  # ConfigError in words for an unknown name
            if strict and node.is_head:
                raise ConfigError(head_layer_refusal(name, self.tree.head))
            params.update(node.param_names)
        return params - self._head

    def _replace(self, frozen: set[str]) -> None:
        if frozen != self._frozen:
            self._frozen = frozen
            self._cache.clear()
            self.version += 1
