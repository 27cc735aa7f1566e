"""The stages of a timm model, from timm's own ``group_matcher`` (the grouping timm uses for layer-wise
learning-rate decay): no table per family, so every timm architecture with a matcher has stages.

timm's coarse groups are the stem, each stage (or block, for a ViT) and, merged into the last, the final
layers. Each group's parameters are then named by the fewest modules that hold exactly them (``blocks.3``
rather than its forty tensors), which is what the layer tree's freeze checkboxes speak.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from torch import nn

from engine.models.layers.base import STAGE, STEM, StageName

log = logging.getLogger(__name__)

#: A ViT has one group per block; more than this many groups are merged into runs of neighbours.
MAX_STAGES = 12

Groups = list[tuple[StageName, list[str]]]


def timm_groups(model: nn.Module, head: str) -> Groups:
    """``[(label, module names)]`` for a timm model's base (the head left out), input first; ``[]`` when the
    model has no ``group_matcher`` (the caller then falls back to its generic grouping).

    Example:
        >>> from engine.models.timm_models import build_timm_classifier
        >>> model, head = build_timm_classifier("timm:resnet18", 2, meta=True)
        >>> [(str(name), names) for name, names in timm_groups(model, head)][:2]
        [('Stem', ['conv1', 'bn1']), ('Stage 1', ['layer1'])]
    """
    matcher = getattr(model, "group_matcher", None)
    if not callable(matcher):
        return []
    from timm.models import group_parameters

    try:
        groups = group_parameters(model, matcher(coarse=True))
    except Exception as exc:  # noqa: BLE001 - a matcher timm cannot apply: use the generic grouping
        log.info("timm's group_matcher failed on %s: %s", type(model).__name__, exc)
        return []
    owner = {name: gid for gid, names in groups.items() for name in names if not _in(name, head)}
    ordered = sorted({gid for gid in owner.values()})
    if len(ordered) > MAX_STAGES:  # the stem stays alone; its successors are merged in runs
        rest = ordered[1:]
        size = -(-len(rest) // (MAX_STAGES - 1))
        merged = {ordered[0]: ordered[0]} | {gid: rest[i // size * size] for i, gid in enumerate(rest)}
        owner = {name: merged[gid] for name, gid in owner.items()}
        ordered = sorted(set(merged.values()))
    names = _cover(model, owner, head)
    result: Groups = []
    for index, gid in enumerate(ordered):
        modules = names.get(gid, [])
        if modules:
            result.append((StageName(STEM) if index == 0 else StageName(STAGE, len(result)), modules))
    return result


def _in(name: str, head: str) -> bool:
    return name == head or name.startswith(head + ".")


def _cover(model: nn.Module, owner: dict[str, int], head: str) -> dict[int, list[str]]:
    """For each group, the shallowest module (or loose parameter) names whose parameters all belong to it."""
    out: dict[int, list[str]] = defaultdict(list)

    def visit(module: nn.Module, prefix: str) -> None:
        for pname, _ in module.named_parameters(recurse=False):
            full = prefix + pname
            if full in owner:
                out[owner[full]].append(full)
        for cname, child in module.named_children():
            full = prefix + cname
            if _in(full, head):
                continue
            groups = {owner.get(f"{full}.{p}") for p, _ in child.named_parameters()}
            if not groups:
                continue  # no parameters: nothing to freeze
            if len(groups) == 1 and None not in groups:
                out[next(g for g in groups if g is not None)].append(full)
            else:  # split between groups, or holding the head: name its parts
                visit(child, full + ".")

    visit(model, "")
    return out
