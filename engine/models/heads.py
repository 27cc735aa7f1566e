"""The new output layer ("head") that replaces a pretrained model's 1000-class ImageNet classifier.

Every torchvision family keeps its classifier somewhere else (``fc``, ``classifier.1``, ``heads.head``,
``classifier.3``...); :func:`engine.models.catalog.find_head` finds it by shape. This module decides what goes in its
place: by default a single layer with one output per class; optionally dropout before it and a hidden layer
(e.g. 128 units + ReLU), which can help when the pretrained features need a little more adapting.

The head's structure is recorded in ``model.json`` (:meth:`HeadOptions.to_dict`) and can also be read back
from a built model (:func:`head_options_of`), so an exported model is always rebuilt with the same head.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from torch import nn

from engine.config.options import option
from engine.core.errors import ConfigError
from engine.core.i18n import tr


@dataclass(frozen=True, slots=True)
class HeadOptions:
    """What the new output layer looks like.

    Attributes:
        dropout: probability of zeroing each input feature while training (0 = no dropout layer).
        hidden: units of an optional hidden layer followed by ReLU (0 = no hidden layer).

    Example:
        >>> HeadOptions(dropout=0.2, hidden=128).describe(512, 3)
        'dropout 20% → 512 → 128 (ReLU) → dropout 20% → 3 classes'
    """

    dropout: float = 0.0
    hidden: int = 0

    def __post_init__(self) -> None:
        # The same ranges and sentences as ModelConfig's head settings: the option table's.
        problem = (option("model.head_dropout").problem(self.dropout)
                   or option("model.head_hidden").problem(self.hidden))
        if problem:
            raise ConfigError(problem)

    @property
    def plain(self) -> bool:
        """True for the default head: one layer, no dropout (state-dict keys ``fc.weight``, ``fc.bias``)."""
        return self.dropout == 0 and self.hidden == 0

    def to_dict(self) -> dict[str, Any]:
        return {"dropout": self.dropout, "hidden": self.hidden}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> HeadOptions:
        data = data or {}
        return cls(dropout=float(data.get("dropout", 0.0)), hidden=int(data.get("hidden", 0)))

    def describe(self, in_features: int | str, num_classes: int | str) -> str:
        """The head in words, input to output (numbers or words such as "features")."""
        fields = {"features": in_features, "classes": num_classes, "hidden": self.hidden, "dropout": self.dropout}
        if self.hidden and self.dropout:
            return tr("dropout {dropout:.0%} → {features} → {hidden} (ReLU) → dropout {dropout:.0%} → {classes} "
                      "classes", **fields)
        if self.hidden:
            return tr("{features} → {hidden} (ReLU) → {classes} classes", **fields)
        if self.dropout:
            return tr("dropout {dropout:.0%} → {features} → {classes} classes", **fields)
        return tr("{features} → {classes} classes", **fields)


class ClassifierHead(nn.Sequential):
    """The new head when it is more than one layer. Its children are named so the layer tree reads well:
    ``dropout``, ``hidden``, ``relu``, ``hidden_dropout``, ``out``."""


def make_head(old: nn.Module, num_classes: int, options: HeadOptions | None = None) -> nn.Module:
    """A fresh head with ``num_classes`` outputs that takes the same input as ``old``.

    ``old`` is a ``Linear`` (almost every family) or a 1x1 ``Conv2d`` (SqueezeNet classifies with one).
    The default options give exactly one layer, so plain heads keep the keys older runs saved.

    Example:
        >>> make_head(nn.Linear(512, 1000), 3)
        Linear(in_features=512, out_features=3, bias=True)
    """
    options = options or HeadOptions()
    if num_classes < 2:
        raise ConfigError(tr("A classifier needs at least two classes."))
    if isinstance(old, nn.Linear):
        width = old.in_features

        def layer(n_in: int, n_out: int) -> nn.Module:
            return nn.Linear(n_in, n_out)
    elif isinstance(old, nn.Conv2d):
        width = old.in_channels

        def layer(n_in: int, n_out: int) -> nn.Module:
            return nn.Conv2d(n_in, n_out, kernel_size=1)
    else:
        raise ConfigError(tr("The app cannot replace an output layer of type {kind}.", kind=type(old).__name__))
    if options.plain:
        return layer(width, num_classes)
    parts: OrderedDict[str, nn.Module] = OrderedDict()
    if options.dropout:
        parts["dropout"] = nn.Dropout(options.dropout)
    if options.hidden:
        parts["hidden"] = layer(width, options.hidden)
        parts["relu"] = nn.ReLU(inplace=True)
        if options.dropout:
            parts["hidden_dropout"] = nn.Dropout(options.dropout)
        width = options.hidden
    parts["out"] = layer(width, num_classes)
    return ClassifierHead(parts)


def head_options_of(head: nn.Module) -> HeadOptions:
    """Read the options back from a built head (what :func:`make_head` made).

    Example:
        >>> head_options_of(make_head(nn.Linear(8, 1000), 2, HeadOptions(hidden=4)))
        HeadOptions(dropout=0.0, hidden=4)
    """
    if not isinstance(head, ClassifierHead):
        return HeadOptions()
    dropout = 0.0
    if hasattr(head, "dropout"):
        layer = head.get_submodule("dropout")
        dropout = layer.p if isinstance(layer, nn.Dropout) else 0.0
    hidden = 0
    if hasattr(head, "hidden"):
        inner = head.get_submodule("hidden")
        if isinstance(inner, (nn.Linear, nn.Conv2d)):
            hidden = inner.out_features if isinstance(inner, nn.Linear) else inner.out_channels
    return HeadOptions(dropout=float(dropout), hidden=int(hidden))


def head_input_width(head: nn.Module) -> int:
    """How many features feed the head (the pretrained base's output width)."""
    first = head
    if isinstance(head, ClassifierHead):
        first = head.get_submodule("hidden") if hasattr(head, "hidden") else head.get_submodule("out")
    if isinstance(first, nn.Linear):
        return first.in_features
    if isinstance(first, nn.Conv2d):
        return first.in_channels
    raise ConfigError(tr("The app does not know how wide a {kind} output layer is.", kind=type(first).__name__))
