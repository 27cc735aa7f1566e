"""``python -m engine advise DATA_DIR --arch NAME [--weights imagenet|PATH] [--json]``: the strategy advisor."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli.arg_types import number
from engine.cli.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from engine.core.i18n import tr


def register(sub: Any) -> None:
    parser = sub.add_parser("advise", help=tr("recommend a transfer-learning strategy for an image folder"))
    parser.add_argument("data_dir")
    parser.add_argument("--arch", default=None, help=tr("model name (default resnet18; a model folder names its own)"))
    parser.add_argument("--weights", default="imagenet", help=tr("imagenet | none | PATH (weights file or run folder)"))
    parser.add_argument("--json", action="store_true", help=tr("print the recommendation as JSON"))
    parser.add_argument("--similar", choices=["yes", "no"],
                        help=tr("say whether your images look like everyday photos instead of measuring it"))
    parser.add_argument("--large-from", type=int, default=1000, metavar="N",
                        help=tr("images per class from which a dataset counts as large (default 1000)"))
    parser.add_argument("--gradual", action="store_true", help=tr("plan gradual unfreezing"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--budget", type=number(above=0), default=30.0, metavar="SECONDS",
                        help=tr("time allowed for measuring similarity"))
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.config import DataConfig, ModelConfig, OptimConfig, Strategy, TrainConfig
    from engine.core.names import json_text
    from engine.data.report import scan_image_folder
    from engine.models.sources import arch_for_weights
    from engine.strategy.advisor import run_advisor
    from engine.strategy.table import SimilarityClass, SizeThresholds

    report = scan_image_folder(args.data_dir)
    if not report.trainable:
        for problem in report.blocking:
            print(tr("error: {message}", message=problem.message), file=sys.stderr)
        return EXIT_BAD_INPUT
    strategy = Strategy.HEAD if args.weights != "none" else Strategy.FULL
    model = ModelConfig(arch_for_weights(args.arch, args.weights), args.weights)  # a model folder names its own
    config = TrainConfig(DataConfig(args.data_dir, image_size=args.image_size), model,
                         OptimConfig(epochs=args.epochs), strategy=strategy, seed=args.seed)
    override = {"yes": SimilarityClass.SIMILAR, "no": SimilarityClass.DIFFERENT}.get(args.similar or "")
    advice = run_advisor(config, similarity_override=override, thresholds=SizeThresholds(args.large_from),
                         gradual=args.gradual, budget_s=args.budget)
    if args.json:
        print(json_text(advice.to_dict()))
    else:
        number = advice.strategy.number
        label = tr(advice.strategy.label)
        if number:
            print(tr("Recommended: {label} (strategy {number})", label=label, number=number))
        else:
            print(tr("Recommended: {label}", label=label))
        print()
        print(advice.explanation)
        print()
        print(advice.risk)
    return EXIT_OK
