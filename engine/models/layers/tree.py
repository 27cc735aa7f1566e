"""The layer tree: a model's module hierarchy with output shapes, parameter counts and costs.

:func:`analyse_model` builds the model (with its new head) on PyTorch's *meta* device, which holds shapes
but no numbers, and runs one forward pass through it at the chosen image size. Hooks record, for every
module, the shape of its output and, in execution order, the compute (FLOPs) and the activation memory that
autograd keeps for the backward pass. That single pass takes well under a second even for ViT-H and needs
no memory, so the tree, the "will it fit" estimate and the relative speed are known before anything is
downloaded or built for real.

Which layers are frozen is not part of the tree: :class:`engine.models.layers.freeze_state.FreezeState` holds that.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from engine.core.errors import ConfigError
from engine.core.i18n import tr
from engine.models.catalog import build_classifier
from engine.models.heads import HeadOptions
from engine.models.layers.base import unknown_layer_message as unknown_layer_message
from engine.models.layers.stages import Stage, model_stages
from engine.models.sources import hub_model_args

log = logging.getLogger(__name__)

#: The probe batch: 2 rather than 1 because BatchNorm refuses a single value per channel while training.
PROBE_BATCH = 2


@dataclass(eq=False)
class LayerNode:
    """One row of the tree: a module, or a loose parameter of a module that also has child modules.

    Attributes:
        name: dotted name in the model (``layer1.0.conv1``; ``""`` for the whole model).
        label: the last part of the name (the architecture's name for the whole model).
        type_name: the module's class (``Conv2d``) or ``Parameter``.
        params: parameters inside, counting every descendant.
        param_names: dotted names of the parameter tensors inside (what freezing acts on).
        output_shape: output of one image (``(64, 56, 56)``; tokens x width for transformers), None if unknown.
        is_head: part of the new output layer (always trained).
        cut: how many parameter tensors, in model order, come up to the end of this node
            ("freeze everything up to here" freezes exactly these).
    """

    name: str
    label: str
    type_name: str
    params: int = 0
    param_names: tuple[str, ...] = ()
    output_shape: tuple[int, ...] | None = None
    param_shape: tuple[int, ...] | None = None  # for a loose parameter: its own shape
    is_head: bool = False
    cut: int = 0
    children: list[LayerNode] = field(default_factory=list)
    parent: LayerNode | None = None
    row: int = 0

    @property
    def is_parameter(self) -> bool:
        return self.type_name == "Parameter"

    def walk(self) -> list[LayerNode]:
        """This node and every node below it, in tree order."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass(eq=False)
class LayerTree:
    """Everything known about one architecture at one image size, with its new head.

    ``seq_flops[i]`` is the forward FLOPs (per image) while the i-th module call was the latest one to start;
    ``seq_saved[i]`` the bytes kept for backward (per image) of tensors whose last use by the backward-saving
    operations falls in that call (a tensor saved early and again later is kept whenever the later use is
    trained); ``param_seq`` says at which call each parameter
    is first used. Together they let :mod:`engine.models.memory` price any freeze plan without running the model.
    """

    arch: str
    image_size: int
    num_classes: int
    head: str
    head_options: HeadOptions
    root: LayerNode
    nodes: dict[str, LayerNode]
    param_numel: dict[str, int]  # in model order
    param_seq: dict[str, int]
    seq_flops: list[int]
    seq_saved: list[int]
    stages: list[Stage]
    weights: str = "imagenet"  # the starting weights it was built for (a hub model's arguments shape it)

    @property
    def total_params(self) -> int:
        return sum(self.param_numel.values())

    @property
    def head_params(self) -> set[str]:
        return set(self.nodes[self.head].param_names)

    @property
    def forward_flops(self) -> int:
        """FLOPs of one forward pass of one image."""
        return sum(self.seq_flops)

    def node(self, name: str) -> LayerNode:
        """The node called ``name``; a plain :class:`ConfigError` when there is none."""
        try:
            return self.nodes[name]
        except KeyError:
            raise ConfigError(unknown_layer_message(name, self.arch, list(self.nodes))) from None


@lru_cache(maxsize=16)
def analyse_model(arch: str, image_size: int = 224, num_classes: int = 1000,
                  head: HeadOptions | None = None, weights: str = "imagenet") -> LayerTree:
    """The layer tree of ``arch`` with a new ``num_classes`` head at ``image_size`` pixels, built as training
    builds it from the starting ``weights`` (a hub model's extra arguments change its layers).

    Raises:
        ConfigError: the architecture or the image size cannot be used (in words).

    Example:
        >>> tree = analyse_model("resnet18", 64, 3)
        >>> tree.nodes["layer1"].output_shape, tree.nodes["fc"].params
        ((64, 16, 16), 1539)
    """
    options = head or HeadOptions()
    model, head_name = build_classifier(arch, max(2, num_classes), options, image_size, meta=True,
                                        model_args=hub_model_args(arch, weights))
    probe = _Probe(model)
    try:
        probe.run(image_size)
    except (RuntimeError, ValueError, AssertionError, IndexError) as exc:
        log.info("forward probe of %s at %d px failed: %s", arch, image_size, exc)
        raise ConfigError(tr("{arch} cannot work with {size}-pixel images. Try a larger image size, such as 224.",
                             arch=arch, size=image_size)) from exc
    finally:
        probe.remove()
    nodes: dict[str, LayerNode] = {}
    root = _build_node(model, "", arch, head_name, probe.shapes, nodes, [0])
    return LayerTree(
        arch=arch, image_size=image_size, num_classes=num_classes, head=head_name, head_options=options,
        root=root, nodes=nodes, param_numel={n: p.numel() for n, p in model.named_parameters()},
        param_seq=_param_seq(model, probe), seq_flops=probe.seq_flops, seq_saved=probe.seq_saved,
        stages=model_stages(model, arch, head_name), weights=weights,
    )


def _param_seq(model: nn.Module, probe: _Probe) -> dict[str, int]:
    """When each parameter is first used. A parameter whose own module never runs (MultiheadAttention
    reads ``out_proj.weight`` directly) counts from its nearest ancestor that does."""
    seqs = dict(probe.param_seq)
    for name, _ in model.named_parameters():
        owner = name.rpartition(".")[0]
        while name not in seqs:
            if owner in probe.module_seq:
                seqs[name] = probe.module_seq[owner]
            elif not owner:
                seqs[name] = 0
            owner = owner.rpartition(".")[0]
    return seqs


def _build_node(module: nn.Module, name: str, label: str, head: str, shapes: dict[str, tuple[int, ...]],
                nodes: dict[str, LayerNode], counter: list[int]) -> LayerNode:
    prefix = name + "." if name else ""
    is_head = bool(head) and (name == head or name.startswith(head + "."))
    node = LayerNode(name=name, label=label, type_name=type(module).__name__, output_shape=shapes.get(name),
                     is_head=is_head)
    nodes[name] = node
    children = list(module.named_children())
    own = list(module.named_parameters(recurse=False))
    if children:  # a module's own parameters become rows only beside child modules
        for pname, param in own:
            full = prefix + pname
            shape = tuple(param.shape)
            leaf = LayerNode(name=full, label=pname, type_name="Parameter", params=param.numel(),
                             param_names=(full,), param_shape=shape, is_head=node.is_head)
            counter[0] += 1
            leaf.cut = counter[0]
            nodes[full] = leaf
            node.children.append(leaf)
    else:
        counter[0] += len(own)
    for child_name, child in children:
        node.children.append(_build_node(child, prefix + child_name, child_name, head, shapes, nodes, counter))
    for row, child_node in enumerate(node.children):
        child_node.parent, child_node.row = node, row
    node.param_names = tuple(prefix + n for n, _ in module.named_parameters())
    node.params = sum(p.numel() for p in module.parameters())
    node.cut = counter[0]
    return node


class _Probe:
    """Hooks for the one meta forward pass: output shapes, and FLOPs and saved bytes in execution order."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.param_seq: dict[str, int] = {}
        self.module_seq: dict[str, int] = {}
        self.seq_flops: list[int] = []
        self.seq_saved: list[int] = []
        self._param_ids = {id(p) for p in model.parameters()}
        # id -> (tensor, sequence number of its latest save); the tensor is held so its id stays unique
        self._saved: dict[int, tuple[torch.Tensor, int]] = {}
        self._counter: FlopCounterMode | None = None
        self._flops_so_far = 0
        self._handles = []
        for name, module in model.named_modules():
            self._handles.append(module.register_forward_pre_hook(self._pre_hook(name, module)))
            self._handles.append(module.register_forward_hook(self._post_hook(name)))

    def run(self, image_size: int) -> None:
        self.model.train()
        x = torch.empty(PROBE_BATCH, 3, image_size, image_size, device="meta")
        with torch.autograd.graph.saved_tensors_hooks(self._pack, lambda t: t), \
                FlopCounterMode(display=False) as counter:
            self._counter = counter
            self.model(x)
            self._close_seq()
        self.seq_flops = [f // PROBE_BATCH for f in self.seq_flops]
        for tensor, seq in self._saved.values():
            self.seq_saved[seq] += tensor.numel() * tensor.element_size()
        self.seq_saved = [b // PROBE_BATCH for b in self.seq_saved]

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._saved.clear()

    def _close_seq(self) -> None:
        if self._counter is None or not self.seq_flops:
            return
        total = self._counter.get_total_flops()
        self.seq_flops[-1] += total - self._flops_so_far
        self._flops_so_far = total

    def _pre_hook(self, name: str, module: nn.Module) -> Any:
        prefix = name + "." if name else ""

        def hook(*_: Any) -> None:
            self._close_seq()
            self.seq_flops.append(0)
            self.seq_saved.append(0)
            seq = len(self.seq_flops) - 1
            self.module_seq.setdefault(name, seq)
            for pname, _param in module.named_parameters(recurse=False):
                self.param_seq.setdefault(prefix + pname, seq)
        return hook

    def _post_hook(self, name: str) -> Any:
        def hook(_module: nn.Module, _inputs: Any, output: Any) -> None:
            if name not in self.shapes:
                shape = _first_shape(output)
                if shape is not None:
                    self.shapes[name] = shape
        return hook

    def _pack(self, tensor: torch.Tensor) -> torch.Tensor:
        base = tensor._base
        if id(tensor) in self._param_ids or (base is not None and id(base) in self._param_ids):
            return tensor  # weights are counted once, as parameters, not as activations
        if self.seq_saved:
            self._saved[id(tensor)] = (tensor, len(self.seq_saved) - 1)
        return tensor


def _first_shape(output: Any) -> tuple[int, ...] | None:
    if isinstance(output, torch.Tensor):
        return tuple(output.shape[1:])
    if isinstance(output, (tuple, list)) and output:
        return _first_shape(output[0])
    return None
