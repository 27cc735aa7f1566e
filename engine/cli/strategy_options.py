"""``train`` options about the data split and the strategy: ``--strategy auto`` asks the advisor
(engine/strategy/advisor.py) and applies its plan; config.json then records what it said.

The split settings and the fine-tuning schedule are settings of the option table (engine/config/options);
``--exclude`` and the advisor's own options are not settings of a run, so they are written here.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from engine.cli.option_args import add_options, option_values
from engine.core.i18n import tr


def add_split_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(tr("data split"))
    add_options(group, ("data.test_fraction", "data.group_pattern", "data.group_by_patient", "data.use_folder_split"))
    group.add_argument("--exclude", action="append", default=[], metavar="PATH",
                       help=tr("leave this file out (path relative to DATA_DIR); may be repeated"))
    advice = parser.add_argument_group(tr("strategy advisor (--strategy auto)"))
    advice.add_argument("--similar", choices=["yes", "no"],
                        help=tr("say whether your images look like everyday photos instead of measuring it"))
    advice.add_argument("--large-from", type=int, default=1000, metavar="N",
                        help=tr("images per class from which a dataset counts as large"))
    advice.add_argument("--gradual", action="store_true", help=tr("unfreeze one stage at a time (auto)"))
    add_options(advice, ("finetune.head_warmup_epochs", "finetune.unfreeze_every"))


def apply_exclude_option(config: Any, args: argparse.Namespace) -> Any:
    return config.replace(data=dataclasses.replace(config.data, exclude=tuple(args.exclude)))


def apply_strategy_option(config: Any, args: argparse.Namespace) -> Any:
    """``--strategy auto``: measure and advise, then apply; explicit schedule options win over the plan."""
    from engine.config import with_options

    if args.strategy == "auto":
        from engine.strategy.advisor import apply_advice, run_advisor
        from engine.strategy.table import SimilarityClass, SizeThresholds

        override = {"yes": SimilarityClass.SIMILAR, "no": SimilarityClass.DIFFERENT}.get(args.similar or "")
        advice = run_advisor(config, similarity_override=override, thresholds=SizeThresholds(args.large_from),
                             gradual=args.gradual)
        print(tr("advisor: {label} — {explanation}", label=tr(advice.strategy.label),
                 explanation=advice.explanation.splitlines()[0]), file=sys.stderr)
        config = apply_advice(config, advice)
    given = {path: value for path, value in option_values(args).items() if path.startswith("finetune.")}
    return with_options(config, given)
