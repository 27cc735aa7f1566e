"""Each architecture's pretrained base as an ordered list of stages, from the input to the head.

A *stage* is a run of layers that work at one resolution / abstraction level (ResNet's ``layer1``…``layer4``,
EfficientNet's ``features.1``…, a group of ViT encoder blocks). "Freeze the first k stages" is the unit of
partial fine-tuning: the stage slider in the layer tree and the strategy advisor both speak in stages.

Stages cover the base exactly: every pretrained parameter (everything except the new head) belongs to
exactly one stage, and stages follow the order in which the model runs. A test checks this for every
torchvision classifier; an unknown future family falls back to :func:`_generic_groups`. timm models take
their stages from timm's ``group_matcher`` (engine/models/layers/timm_stages.py).

API (used by the layer tree and the advisor)::

    stages = architecture_stages("resnet50")            # [Stage(0, StageName("Stem"), ("conv1", "bn1"), 9536), ...]
    frozen = frozen_for_stages(stages, 3)               # ["conv1", "bn1", "layer1", "layer2"]
    frozen_stage_count(stages, frozen)                  # 3   (None when a plan is not a stage prefix)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from torch import nn

from engine.models.catalog import build_classifier, family
from engine.models.heads import HeadOptions
from engine.models.layers.base import (
    BLOCK,
    BLOCKS,
    FULLY_CONNECTED,
    PART,
    PRE_CLASSIFIER,
    STAGE,
    STEM,
    TOP_CONVOLUTION,
    StageName,
    base_modules,
)
from engine.models.layers.timm_stages import timm_groups
from engine.models.timm_models import is_timm

MAX_GENERIC_STAGES = 8
#: ViT encoder blocks are grouped so that even ViT-H (32 blocks) gets at most this many stages.
MAX_VIT_STAGES = 12


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of a pretrained base.

    Attributes:
        index: 0 for the stage nearest the input.
        naming: its name (:attr:`label` is the name for people: "Stem", "Stage 2", "Fully connected 1").
        modules: dotted module (or loose parameter) names that make it up, in order; each holds parameters.
        params: number of parameters in the stage.
    """

    index: int
    naming: StageName
    modules: tuple[str, ...]
    params: int

    @property
    def label(self) -> str:
        """The short name for people, in the current language."""
        return str(self.naming)


Groups = list[tuple[StageName, list[str]]]


def model_stages(model: nn.Module, arch: str, head: str) -> list[Stage]:
    """The stages of ``model``'s base (the head excluded), input first.

    Example:
        >>> model, head = build_classifier("resnet18", 2, meta=True)
        >>> [s.label for s in model_stages(model, "resnet18", head)]
        ['Stem', 'Stage 1', 'Stage 2', 'Stage 3', 'Stage 4']
    """
    if is_timm(arch):  # timm's own group_matcher: no table per family
        groups = timm_groups(model, head)
    else:
        builder = _FAMILIES.get(family(arch))
        groups = builder(model, head) if builder is not None else []
    stages = _finish(model, head, groups)
    if not stages or not _covers_base(model, head, stages):
        stages = _finish(model, head, _generic_groups(model, head))
    return stages


@lru_cache(maxsize=64)
def architecture_stages(arch: str, image_size: int | None = None, num_classes: int = 2,
                        head: HeadOptions | None = None, weights: str = "imagenet") -> list[Stage]:
    """:func:`model_stages` for an architecture by name, built as training builds it from the starting
    ``weights`` (on the meta device: no memory, fast)."""
    from engine.models.sources import hub_model_args

    model, head_name = build_classifier(arch, num_classes, head, image_size, meta=True,
                                        model_args=hub_model_args(arch, weights))
    return model_stages(model, arch, head_name)


def frozen_for_stages(stages: list[Stage], count: int) -> list[str]:
    """Module names that freeze the first ``count`` stages (0 = nothing frozen, len(stages) = whole base)."""
    count = max(0, min(count, len(stages)))
    return [name for stage in stages[:count] for name in stage.modules]


def frozen_stage_count(stages: list[Stage], frozen: Iterable[str]) -> int | None:
    """How many leading stages ``frozen`` freezes exactly, or ``None`` when it is not such a prefix."""
    wanted = set(frozen)
    for count in range(len(stages) + 1):
        if set(frozen_for_stages(stages, count)) == wanted:
            return count
    return None


# -- assembling ----------------------------------------------------------------------------------------


def _params(model: nn.Module, name: str) -> int:
    try:
        return sum(p.numel() for p in model.get_submodule(name).parameters())
    except AttributeError:
        return model.get_parameter(name).numel()


def _finish(model: nn.Module, head: str, groups: Groups) -> list[Stage]:
    stages: list[Stage] = []
    for label, names in groups:
        kept = tuple(n for n in names if _exists(model, n) and not _overlaps_head(n, head) and _params(model, n))
        if kept:
            stages.append(Stage(len(stages), label, kept, sum(_params(model, n) for n in kept)))
    return stages


def _exists(model: nn.Module, name: str) -> bool:
    try:
        model.get_submodule(name)
    except AttributeError:
        try:
            model.get_parameter(name)
        except AttributeError:
            return False
    return True


def _overlaps_head(name: str, head: str) -> bool:
    return name == head or name.startswith(head + ".") or head.startswith(name + ".")


def _covers_base(model: nn.Module, head: str, stages: list[Stage]) -> bool:
    covered: list[str] = []
    for stage in stages:
        for name in stage.modules:
            try:
                covered.extend(name + "." + p for p, _ in model.get_submodule(name).named_parameters())
            except AttributeError:
                covered.append(name)
    base = [n for n, _ in model.named_parameters() if not n.startswith(head + ".")]
    return sorted(covered) == sorted(base)


def _children(model: nn.Module, name: str) -> list[str]:
    module = model.get_submodule(name)
    return [f"{name}.{child}" for child, _ in module.named_children()]


def _numbered(names: list[str], first: int = 1) -> Groups:
    return [(StageName(STAGE, i), [n]) for i, n in enumerate(names, start=first)]


def _pre_classifier(model: nn.Module, head: str, container: str = "classifier") -> Groups:
    """Pretrained layers with weights between the features and the head (VGG's fully connected layers)."""
    if not head.startswith(container + "."):
        return []
    linears = [n for n in _children(model, container)
               if isinstance(model.get_submodule(n), (nn.Linear, nn.Conv2d)) and n != head]
    if len(linears) == 1:
        return [(StageName(PRE_CLASSIFIER), linears)]
    return [(StageName(FULLY_CONNECTED, i), [n]) for i, n in enumerate(linears, start=1)]


def _out_channels(module: nn.Module) -> int:
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    return convs[-1].out_channels if convs else -1


def _group_by_channels(model: nn.Module, names: list[str]) -> list[list[str]]:
    groups: list[list[str]] = []
    last = None
    for name in names:
        channels = _out_channels(model.get_submodule(name))
        if groups and channels == last:
            groups[-1].append(name)
        else:
            groups.append([name])
        last = channels
    return groups


# -- families -----------------------------------------------------------------------------------------


def _resnet(model: nn.Module, head: str) -> Groups:
    layers = [n for n, _ in model.named_children() if re.fullmatch(r"layer\d+", n)]
    return [(StageName(STEM), ["conv1", "bn1"])] + _numbered(layers)


def _regnet(model: nn.Module, head: str) -> Groups:
    return [(StageName(STEM), ["stem"])] + _numbered(_children(model, "trunk_output"))


def _mobile(model: nn.Module, head: str) -> Groups:
    """EfficientNet, MobileNet v2/v3, MnasNet: a stem, inverted-residual blocks grouped by width, a last 1x1."""
    container = "layers" if hasattr(model, "layers") else "features"
    names = _children(model, container)
    if container == "layers":  # MnasNet: eight plain layers make its stem
        stem, blocks, top = names[:8], names[8:14], names[14:]
    else:
        stem, blocks, top = names[:1], names[1:-1], names[-1:]
    groups: Groups = [(StageName(STEM), stem)]
    groups += [(StageName(STAGE, i), g) for i, g in enumerate(_group_by_channels(model, blocks), start=1)]
    return groups + [(StageName(TOP_CONVOLUTION), top)] + _pre_classifier(model, head)


def _shufflenet(model: nn.Module, head: str) -> Groups:
    stages = [n for n, _ in model.named_children() if n.startswith("stage")]
    return [(StageName(STEM), ["conv1"])] + _numbered(stages) + [(StageName(TOP_CONVOLUTION), ["conv5"])]


def _paired(model: nn.Module, container: str) -> Groups:
    """ConvNeXt and Swin: stem, stage 1, then (downsampling + stage) pairs."""
    names = _children(model, container)
    groups: Groups = [(StageName(STEM), names[:1]), (StageName(STAGE, 1), names[1:2])]
    for i, start in enumerate(range(2, len(names), 2), start=2):
        groups.append((StageName(STAGE, i), names[start:start + 2]))
    return groups


def _convnext(model: nn.Module, head: str) -> Groups:
    groups = _paired(model, "features")
    groups[-1][1].append("classifier.0")  # the final LayerNorm belongs with the last stage
    return groups


def _swin(model: nn.Module, head: str) -> Groups:
    groups = _paired(model, "features")
    groups[-1][1].append("norm")
    return groups


def _maxvit(model: nn.Module, head: str) -> Groups:
    groups: Groups = [(StageName(STEM), ["stem"])] + _numbered(_children(model, "blocks"))
    groups[-1][1].append("classifier.2")  # LayerNorm
    return groups + [(StageName(PRE_CLASSIFIER), ["classifier.3"])]


def _vit(model: nn.Module, head: str) -> Groups:
    blocks = _children(model, "encoder.layers")
    size = -(-len(blocks) // MAX_VIT_STAGES)  # ceiling division
    groups: Groups = [(StageName(STEM), ["conv_proj", "class_token", "encoder.pos_embedding"])]
    for start in range(0, len(blocks), size):
        chunk = blocks[start:start + size]
        name = (StageName(BLOCK, start + 1) if len(chunk) == 1
                else StageName(BLOCKS, start + 1, start + len(chunk)))
        groups.append((name, chunk))
    groups[-1][1].append("encoder.ln")
    return groups


def _densenet(model: nn.Module, head: str) -> Groups:
    names = [n for n, _ in model.get_submodule("features").named_children()]
    groups: Groups = [(StageName(STEM), ["features.conv0", "features.norm0"])]
    for name in names:
        if name.startswith("denseblock"):
            groups.append((StageName(STAGE, int(name.removeprefix("denseblock"))), [f"features.{name}"]))
        elif name.startswith("transition") or name == "norm5":
            groups[-1][1].append(f"features.{name}")
    return groups


def _split_at_pools(model: nn.Module, container: str) -> Groups:
    """VGG, AlexNet, SqueezeNet: blocks of convolutions separated by max-pooling."""
    groups: Groups = [(StageName(BLOCK, 1), [])]
    for name in _children(model, container):
        if isinstance(model.get_submodule(name), nn.MaxPool2d):
            groups.append((StageName(BLOCK, len(groups) + 1), []))
        else:
            groups[-1][1].append(name)
    return [g for g in groups if g[1]]


def _vgg(model: nn.Module, head: str) -> Groups:
    return _split_at_pools(model, "features") + _pre_classifier(model, head)


def _by_prefix(model: nn.Module, stem_prefix: str, stage_pattern: str) -> Groups:
    """GoogLeNet / Inception v3: a stem of plain convolutions, then Inception modules grouped by level."""
    groups: Groups = [(StageName(STEM), [])]
    current = ""
    for name, _ in model.named_children():
        level = re.match(stage_pattern, name)
        if name.startswith(stem_prefix) and len(groups) == 1:
            groups[0][1].append(name)
        elif level:
            if level.group(1) != current:
                current = level.group(1)
                groups.append((StageName(STAGE, len(groups)), []))
            groups[-1][1].append(name)
    return groups


def _googlenet(model: nn.Module, head: str) -> Groups:
    return _by_prefix(model, "conv", r"inception(\d)")


def _inception(model: nn.Module, head: str) -> Groups:
    return _by_prefix(model, "Conv2d_", r"Mixed_(\d)")


def _generic_groups(model: nn.Module, head: str) -> Groups:
    """Any other model: the top-level parts (a dominant container opened up), in at most 8 groups."""
    units = base_modules(model, head)
    for _ in range(2):
        biggest = max(units, key=lambda n: _params(model, n), default="")
        total = sum(_params(model, n) for n in units) or 1
        inner = _children(model, biggest) if biggest and _params(model, biggest) / total > 0.6 else []
        if len(inner) < 2:
            break
        at = units.index(biggest)
        units = units[:at] + inner + units[at + 1:]
    units = [u for u in units if _params(model, u)]
    size = max(1, -(-len(units) // MAX_GENERIC_STAGES))
    return [(StageName(PART, i), units[start:start + size])
            for i, start in enumerate(range(0, len(units), size), start=1)]


_FAMILIES: dict[str, Callable[[nn.Module, str], Groups]] = {
    "resnet": _resnet, "regnet": _regnet, "efficientnet": _mobile, "mobilenet": _mobile, "mnasnet": _mobile,
    "shufflenet": _shufflenet, "convnext": _convnext, "swin": _swin, "maxvit": _maxvit, "vit": _vit,
    "densenet": _densenet, "vgg": _vgg, "alexnet": _vgg, "squeezenet": _vgg, "googlenet": _googlenet,
    "inception": _inception,
}
