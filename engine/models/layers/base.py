"""What the other layer modules share: the pretrained base's top-level modules, and the sentence for a layer
name the model does not have."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from torch import nn

from engine.core.i18n import tr, tr_later


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
    """The refusal of a layer name ``arch`` does not have (``arch`` empty: "this model"), with the close names."""
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = (tr("Did you mean {names}?", names=", ".join(close)) if close
            else tr("`python -m engine layers --arch ARCH` lists them."))
    if not arch:
        return tr('this model has no layer called "{name}".', name=name) + " " + hint
    return tr('{arch} has no layer called "{name}".', arch=arch, name=name) + " " + hint


def head_layer_refusal(name: str, head: str) -> str:
    """The refusal of freezing ``name``, a part of the new output layer ``head``."""
    return tr('"{name}" is part of the new output layer ({head}), which is always trained. Leave it out of the '
              "frozen layers.", name=name, head=head)


@dataclass(frozen=True, slots=True)
class StageName:
    """A stage's name: its English words (the catalog's key, a ``{first}``/``{last}`` number in it) and its
    numbers; ``str()`` is the name in the current language, so cached stages follow a change of language.

    Example:
        >>> str(StageName(STAGE, 2)), str(StageName(BLOCKS, 1, 2))
        ('Stage 2', 'Blocks 1–2')
    """

    english: str
    first: int = 0
    last: int = 0

    def __str__(self) -> str:
        return tr(self.english, first=self.first, last=self.last)


STEM = tr_later("Stem")
STAGE = tr_later("Stage {first}")
BLOCK = tr_later("Block {first}")
BLOCKS = tr_later("Blocks {first}–{last}")
FULLY_CONNECTED = tr_later("Fully connected {first}")
PRE_CLASSIFIER = tr_later("Pre-classifier")
TOP_CONVOLUTION = tr_later("Top convolution")
PART = tr_later("Part {first}")
