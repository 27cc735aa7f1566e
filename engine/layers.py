"""Freezing by dotted module name, frozen BatchNorm kept in eval mode, and per-group learning rates."""

from __future__ import annotations

from typing import Any, Iterable

from torch import nn


def freeze_modules(model: nn.Module, frozen: Iterable[str]) -> None:
    """Freeze the parameters of each named module (and everything inside it); others stay trainable."""
    for p in model.parameters():
        p.requires_grad_(True)
    for name in frozen:
        module = model.get_submodule(name) if name else model
        for p in module.parameters():
            p.requires_grad_(False)


def base_modules(model: nn.Module, head: str) -> list[str]:
    """Top-level modules that make up the pretrained base: every module not containing the head.

    For ``classifier.1`` (EfficientNet) the sibling ``classifier.0`` (dropout) counts as base too.
    """
    names: list[str] = []
    parts = head.split(".")
    scope: nn.Module = model
    prefix = ""
    for depth, part in enumerate(parts):
        for child_name, _ in scope.named_children():
            if child_name != part:
                names.append(prefix + child_name)
        if depth < len(parts) - 1:
            scope = scope.get_submodule(part)
            prefix = prefix + part + "."
    return names


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
    """
    head_prefix = head + "."
    head_params, base_params = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (head_params if name.startswith(head_prefix) else base_params).append(p)
    groups: list[dict[str, Any]] = [{"params": head_params, "lr": lr, "weight_decay": weight_decay, "name": "head"}]
    if base_params:
        base_lr = lr * pretrained_ratio if pretrained else lr
        groups.append({"params": base_params, "lr": base_lr, "weight_decay": weight_decay, "name": "base"})
    return groups
