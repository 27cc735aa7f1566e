"""``python -m engine layers --arch NAME [--weights W] [--image-size S] [--json]``: a model's layer tree.

``--weights`` matters for a hub model (a folder or hub id, which names its own architecture): published models
that timm builds with extra arguments have layers the bare architecture lacks.

Text: one line per module, indented by depth, with its type, output shape for one image and parameter
count. ``--json``: the same as nested nodes::

    {"name": "", "arch": "resnet18", "type": "ResNet", "params": 11689512, "output_shape": [1000],
     "image_size": 224, "head": "fc", "stages": [{"label": "Stem", "modules": ["conv1", "bn1"], ...}],
     "children": [{"name": "conv1", "type": "Conv2d", "params": 9408, "output_shape": [64, 112, 112],
                   "children": []}, ...]}

``name`` is the dotted name that ``train --freeze`` and ``--freeze-upto`` accept.
"""

from __future__ import annotations

import argparse
from typing import Any

from engine.cli.arg_types import whole
from engine.cli.exit_codes import EXIT_OK
from engine.config import IMAGE_SIZES
from engine.core.i18n import tr, trp


def register(sub: Any) -> None:
    parser = sub.add_parser("layers", help=tr("show a model's layers: types, output shapes, parameters"))
    parser.add_argument("--arch", help=tr("model name, e.g. resnet18 (see the app's model list)"))
    parser.add_argument("--weights", default="imagenet", help=tr("imagenet | none | PATH (weights file or run folder)"))
    parser.add_argument("--image-size", type=whole(*IMAGE_SIZES), default=224,
                        help=tr("image size in pixels (default 224)"))
    parser.add_argument("--classes", type=whole(1), default=1000,
                        help=tr("classes of the output layer (default 1000: the model as published)"))
    parser.add_argument("--depth", type=whole(0), default=0, help=tr("show only this many levels (0: all)"))
    parser.add_argument("--json", action="store_true", help=tr("print JSON (nested nodes) instead of text"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.core.errors import ConfigError
    from engine.core.names import json_text
    from engine.models.layers.tree import analyse_model
    from engine.models.sources import arch_for_weights, hub_source_kind

    if not args.arch and hub_source_kind(args.weights, "") not in ("folder", "hub"):
        raise ConfigError(tr("Name the model with --arch, or give a hub model folder with --weights."))
    arch = arch_for_weights(args.arch, args.weights)
    tree = analyse_model(arch, args.image_size, args.classes, weights=args.weights)
    if args.json:
        print(json_text(tree_to_json(tree, args.depth)))
        return EXIT_OK
    print(tr("{arch} at {size}×{size} pixels: {params:,} parameters, {gflops:.2f} GFLOPs per image; "
             "new output layer: {head}", arch=tree.arch, size=tree.image_size, params=tree.total_params,
             gflops=tree.forward_flops / 1e9, head=tree.head))
    print(tr("stages: {stages}", stages=" | ".join(f"{tr(s.label)} ({', '.join(s.modules)})" for s in tree.stages)))
    layer, kind = trp("layer table", "layer"), trp("layer table", "type")
    output, params = trp("layer table", "output"), trp("layer table", "parameters")
    print(f"{layer:<48} {kind:<26} {output:>16} {params:>13}")
    for depth, node in _rows(tree.root, 0, args.depth):
        name = ("  " * depth + (node.label if depth else tree.arch))[:48]
        shape = shape_text(node.output_shape or node.param_shape)
        print(f"{name:<48} {node.type_name[:26]:<26} {shape:>16} {node.params:>13,}")
    return EXIT_OK


def _rows(node: Any, depth: int, limit: int) -> list[tuple[int, Any]]:
    rows = [(depth, node)]
    if not limit or depth < limit:
        for child in node.children:
            rows.extend(_rows(child, depth + 1, limit))
    return rows


def shape_text(shape: tuple[int, ...] | None) -> str:
    return "×".join(str(d) for d in shape) if shape else "–"


def tree_to_json(tree: Any, depth_limit: int = 0) -> dict[str, Any]:
    """The nested-node JSON described in the module docstring."""
    root = _node_json(tree.root, 0, depth_limit)
    root.update({
        "arch": tree.arch, "image_size": tree.image_size, "num_classes": tree.num_classes, "head": tree.head,
        "forward_flops": tree.forward_flops,
        "stages": [{"label": s.label, "modules": list(s.modules), "params": s.params} for s in tree.stages],
    })
    return root


def _node_json(node: Any, depth: int, limit: int) -> dict[str, Any]:
    children = node.children if not limit or depth < limit else []
    out: dict[str, Any] = {"name": node.name, "type": node.type_name, "params": node.params,
                           "output_shape": list(node.output_shape) if node.output_shape else None}
    if node.param_shape is not None:
        out["shape"] = list(node.param_shape)
    if node.is_head:
        out["new_head"] = True
    out["children"] = [_node_json(c, depth + 1, limit) for c in children]
    return out
