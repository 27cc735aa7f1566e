"""Applying a freeze plan to a real model: freezing by dotted name, frozen BatchNorm kept in eval mode, and
per-group learning rates.

The plan itself (which names) comes from the user (the layer tree, ``--freeze``), from the strategy
(:func:`plan_for_strategy`) or from the advisor; this module only applies it, exactly as listed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from torch import nn

from engine.core.errors import ConfigError
from engine.core.i18n import tr
from engine.models.layers.base import base_modules, head_layer_refusal, unknown_layer_message
from engine.models.layers.stages import frozen_for_stages, model_stages

log = logging.getLogger(__name__)


def resolve_frozen_parameters(model: nn.Module, names: Iterable[str], head: str = "",
                              arch: str = "") -> set[str]:
    """Dotted parameter names frozen by ``names`` (module names or loose parameter names).

    Raises:
        ConfigError: a name the model does not have, or a name inside the new head (always trained).

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))
        >>> sorted(resolve_frozen_parameters(net, ["0"]))
        ['0.bias', '0.weight']
    """
    modules = dict(model.named_modules())
    params = dict(model.named_parameters())
    frozen: set[str] = set()
    for name in names:
        if head and (name == head or name.startswith(head + ".")):
            raise ConfigError(head_layer_refusal(name, head))
        if name in modules and name:
            frozen.update(f"{name}.{p}" for p, _ in modules[name].named_parameters())
        elif name in params:
            frozen.add(name)
        else:
            raise ConfigError(unknown_layer_message(name, arch, [m for m in modules if m] + list(params)))
    if head and head_contains(frozen, head):  # a parent of the head was named: the head stays trainable
        frozen = {p for p in frozen if not p.startswith(head + ".")}
    return frozen


def head_contains(params: set[str], head: str) -> bool:
    return any(p.startswith(head + ".") for p in params)


def freeze_modules(model: nn.Module, frozen: Iterable[str], head: str = "", arch: str = "") -> None:
    """Freeze the parameters of each named module (and everything inside it); all others become trainable.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))
        >>> freeze_modules(net, ["0"])
        >>> [p.requires_grad for p in net.parameters()]
        [False, False, True, True]
    """
    names = resolve_frozen_parameters(model, frozen, head, arch)
    for name, p in model.named_parameters():
        p.requires_grad_(name not in names)


def frozen_parameter_names(model: nn.Module) -> set[str]:
    return {name for name, p in model.named_parameters() if not p.requires_grad}


def plan_for_strategy(model: nn.Module, head: str, strategy: str, arch: str = "") -> list[str]:
    """The frozen names a strategy stands for: ``head`` freezes the whole base, ``full`` nothing,
    ``partial`` (without a freeze plan from the advisor or the layer tree) the lower half of the stages."""
    if strategy == "head":
        return [n for n in base_modules(model, head) if _has_parameters(model, n)]
    if strategy == "full":
        return []
    if strategy == "partial" and arch:
        stages = model_stages(model, arch, head)
        return frozen_for_stages(stages, len(stages) // 2)
    raise ConfigError(tr('The strategy "{strategy}" needs a list of frozen layers (a freeze plan).', strategy=strategy))


def _has_parameters(model: nn.Module, name: str) -> bool:
    try:
        return any(True for _ in model.get_submodule(name).parameters())
    except AttributeError:
        return True  # a loose parameter


def keep_frozen_batchnorm_in_eval(model: nn.Module) -> None:
    """Call after ``model.train()``: BatchNorm layers whose weights are frozen must not update their
    running statistics either, or the pretrained features drift while the user thinks they are frozen."""
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            params = list(module.parameters(recurse=False))
            if params and not any(p.requires_grad for p in params):
                module.eval()


def parameter_groups(model: nn.Module, head: str, lr: float, pretrained_ratio: float,
                     weight_decay: float, pretrained: bool) -> list[dict[str, Any]]:
    """Optimizer groups: the new head at ``lr``, trainable pretrained parameters at ``lr * ratio``.

    Frozen parameters are left out entirely. Without pretrained weights everything is new and gets ``lr``.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
        >>> [(g["name"], g["lr"]) for g in parameter_groups(net, "1", 0.1, 0.1, 0.0, pretrained=True)]
        [('head', 0.1), ('base', 0.010000000000000002)]
    """
    head_prefix = head + "."
    head_params: list[nn.Parameter] = []
    base_params: list[nn.Parameter] = []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (head_params if name.startswith(head_prefix) else base_params).append(p)
    groups: list[dict[str, Any]] = [{"params": head_params, "lr": lr, "weight_decay": weight_decay, "name": "head"}]
    if base_params:
        base_lr = lr * pretrained_ratio if pretrained else lr
        groups.append({"params": base_params, "lr": base_lr, "weight_decay": weight_decay, "name": "base"})
    return groups
