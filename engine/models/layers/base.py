"""What the other layer modules share: the pretrained base's top-level modules, and the sentence for a layer
name the model does not have."""

from __future__ import annotations

import difflib

from torch import nn


def base_modules(model: nn.Module, head: str) -> list[str]:
    """Top-level modules that make up the pretrained base: every module not containing the head.

    For ``classifier.1`` (EfficientNet) the sibling ``classifier.0`` (dropout) counts as base too.
    Loose parameters of the modules on the way (ViT's ``class_token``) are listed by name.

    Example:
        >>> from engine.models.catalog import build_classifier
        >>> model, head = build_classifier("efficientnet_b0", 2, meta=True)
        >>> base_modules(model, head)
        ['features', 'avgpool', 'classifier.0']
    """
    names: list[str] = []
    parts = head.split(".")
    scope: nn.Module = model
    prefix = ""
    for depth, part in enumerate(parts):
        names.extend(prefix + p for p, _ in scope.named_parameters(recurse=False))
        for child_name, _ in scope.named_children():
            if child_name != part:
                names.append(prefix + child_name)
        if depth < len(parts) - 1:
            scope = scope.get_submodule(part)
            prefix = prefix + part + "."
    return names


def unknown_layer_message(name: str, arch: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(close)}?" if close else " `python -m engine layers --arch ARCH` lists them."
    return f'{arch} has no layer called "{name}".{hint}'
