"""``train`` options about the model: which layers to freeze and what the new output layer looks like.

``--freeze NAME[,NAME...]`` freezes those modules (names as ``python -m engine layers --arch ARCH`` prints
them); ``--freeze-upto NAME`` freezes everything from the input up to and including NAME. Both may be
combined. config.json then lists exactly the frozen modules (``freeze.frozen``). The output-layer options are
settings of the option table (engine/config/options), applied with the others by ``config_from_args``.
"""

from __future__ import annotations

import argparse
from typing import Any

from engine.cli.option_args import add_options
from engine.core.i18n import tr


def add_model_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(tr("layers and output layer"))
    group.add_argument("--freeze", metavar="NAME[,NAME...]", default=None,
                       help=tr("freeze these modules (see `python -m engine layers --arch ARCH`)"))
    group.add_argument("--freeze-upto", metavar="NAME", default=None,
                       help=tr("freeze every layer from the input up to and including NAME"))
    add_options(group, ("model.head_dropout", "model.head_hidden"))


def apply_freeze_options(config: Any, args: argparse.Namespace) -> Any:
    """``config`` with, when asked, an explicit freeze plan.

    With a plan, the strategy is recorded as "head" if the plan freezes the whole base, "partial" if it
    freezes part of it, "full" if nothing (the plan, not the strategy, decides what is frozen).
    """
    from engine.config import FreezePlan, Strategy

    if args.freeze is None and args.freeze_upto is None:
        return config
    frozen, whole_base = resolve_freeze_arguments(config.model.arch, config.data.image_size,
                                                  args.freeze, args.freeze_upto, config.model.weights)
    strategy = Strategy.HEAD if whole_base else (Strategy.PARTIAL if frozen else Strategy.FULL)
    return config.replace(freeze=FreezePlan(tuple(frozen)), strategy=strategy)


def resolve_freeze_arguments(arch: str, image_size: int, freeze: str | None,
                             freeze_upto: str | None, weights: str = "imagenet") -> tuple[list[str], bool]:
    """The frozen names for ``--freeze`` / ``--freeze-upto``, and whether they freeze the whole base.

    Raises:
        ConfigError: an unknown layer name, or one inside the new output layer.
    """
    from engine.models.layers.freeze_state import FreezeState
    from engine.models.layers.tree import analyse_model

    state = FreezeState(analyse_model(arch, image_size, 2, weights=weights))
    if freeze_upto:
        state.freeze_upto(freeze_upto)
    names = [n.strip() for n in (freeze or "").split(",") if n.strip()]
    if names:
        extra = FreezeState(state.tree, names)
        state.set_plan(state.plan() + extra.plan())
    whole_base = state.trainable_params() == state.tree.nodes[state.tree.head].params
    return state.plan(), whole_base
