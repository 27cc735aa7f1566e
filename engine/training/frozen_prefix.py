"""Running the frozen prefix of a model under ``no_grad``.

When the first top-level modules of a model are frozen, nothing before them needs a gradient, so they can
run with autograd switched off: no graph is built and no activation is kept for them. Hooks switch grad
mode off before the first frozen module and back on after the last; every trainable top-level module also
switches it back on before it runs, so an unusual ``forward`` order can only cost speed, never gradients.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

log = logging.getLogger(__name__)


def _frozen(module: nn.Module) -> bool:
    return all(not p.requires_grad for p in module.parameters())


def frozen_prefix(model: nn.Module) -> list[str]:
    """Names of the leading top-level children whose parameters are all frozen (parameter-free ones count).

    Empty when the model holds trainable parameters of its own (e.g. a ViT's class token, used between
    children): switching grad off around it would silently stop it learning.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))
        >>> _ = net[0].requires_grad_(False)
        >>> frozen_prefix(net)  # the parameter-free ReLU after it adds nothing
        ['0']
    """
    if any(p.requires_grad for p in model.parameters(recurse=False)):
        return []
    names: list[str] = []
    for name, child in model.named_children():
        if not _frozen(child):
            break
        names.append(name)
    if len(names) == len(list(model.children())):
        return []  # nothing trainable at all: the caller trains cached features or nothing
    # Trailing parameter-free modules (ReLU, pooling) add nothing worth switching off for.
    while names and not any(True for _ in model.get_submodule(names[-1]).parameters()):
        names.pop()
    return names


class NoGradPrefix:
    """Installs the hooks described in the module notes; :meth:`remove` takes them away.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
        >>> _ = net[0].requires_grad_(False)
        >>> hooks = NoGradPrefix(net)
        >>> hooks.names
        ['0']
        >>> hooks.remove()
    """

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.names = frozen_prefix(model)
        self._handles: list[RemovableHandle] = []
        self._active = False  # True while this object has switched grad mode off
        if not self.names:
            return
        first, last = model.get_submodule(self.names[0]), model.get_submodule(self.names[-1])
        self._handles.append(first.register_forward_pre_hook(self._off))
        self._handles.append(last.register_forward_hook(self._on))
        for name, child in model.named_children():
            if name not in self.names:
                self._handles.append(child.register_forward_pre_hook(self._on_pre))
        log.info("frozen prefix under no_grad: %s", ", ".join(self.names))

    def _off(self, module: nn.Module, args: Any) -> None:
        # Only while training: evaluation already runs under no_grad and must stay so.
        if self.model.training and torch.is_grad_enabled():
            torch.set_grad_enabled(False)
            self._active = True

    def _on(self, module: nn.Module, args: Any, output: Any) -> None:
        self.reset()

    def _on_pre(self, module: nn.Module, args: Any) -> None:
        self.reset()

    def reset(self) -> None:
        """Switch grad mode back on if this object switched it off (also after an error mid-forward)."""
        if self._active:
            torch.set_grad_enabled(True)
            self._active = False

    def remove(self) -> None:
        self.reset()
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
