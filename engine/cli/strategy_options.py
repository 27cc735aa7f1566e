"""``train`` options about the data split and the strategy: ``--strategy auto`` asks the advisor
(engine/strategy/advisor.py) and applies its plan; config.json then records what it said."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any


def add_split_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("data split")
    group.add_argument("--test-fraction", type=float, default=0.0,
                       help="share of images kept apart as a test set (0 = none)")
    group.add_argument("--group-pattern", default="", metavar="REGEX",
                       help="keep all images of one patient/subject on one side: a regular expression whose first "
                            "(...) part, found in the file path, names the group")
    group.add_argument("--group-by-patient", action="store_true",
                       help="DICOM files: keep each PatientID on one side")
    group.add_argument("--use-folder-split", action="store_true",
                       help="use the folder's own train/ val/ test/ subfolders")
    group.add_argument("--exclude", action="append", default=[], metavar="PATH",
                       help="leave this file out (path relative to DATA_DIR); may be repeated")
    advice = parser.add_argument_group("strategy advisor (--strategy auto)")
    advice.add_argument("--similar", choices=["yes", "no"],
                        help="say whether your images look like everyday photos instead of measuring it")
    advice.add_argument("--large-from", type=int, default=1000, metavar="N",
                        help="images per class from which a dataset counts as large")
    advice.add_argument("--gradual", action="store_true", help="unfreeze one stage at a time (auto)")
    advice.add_argument("--head-warmup", type=int, default=None, metavar="EPOCHS",
                        help="train the new classifier alone for this many epochs before the pretrained layers")
    advice.add_argument("--unfreeze-every", type=int, default=None, metavar="EPOCHS",
                        help="gradual unfreezing: one more stage every this many epochs (0 = all at once)")


def apply_split_options(config: Any, args: argparse.Namespace) -> Any:
    data = dataclasses.replace(config.data, test_fraction=args.test_fraction, group_pattern=args.group_pattern,
                               group_by_patient=args.group_by_patient, use_folder_split=args.use_folder_split,
                               exclude=tuple(args.exclude))
    return config.replace(data=data)


def apply_strategy_option(config: Any, args: argparse.Namespace) -> Any:
    """``--strategy auto``: measure and advise, then apply; explicit schedule options win over the plan."""
    from engine.config import FineTuneSchedule

    if args.strategy == "auto":
        from engine.strategy.advisor import apply_advice, run_advisor
        from engine.strategy.table import SimilarityClass, SizeThresholds

        override = {"yes": SimilarityClass.SIMILAR, "no": SimilarityClass.DIFFERENT}.get(args.similar or "")
        advice = run_advisor(config, similarity_override=override, thresholds=SizeThresholds(args.large_from),
                             gradual=args.gradual)
        print(f"advisor: {advice.strategy.label} — {advice.explanation.splitlines()[0]}", file=sys.stderr)
        config = apply_advice(config, advice)
    schedule = config.finetune
    if args.head_warmup is not None or args.unfreeze_every is not None:
        schedule = FineTuneSchedule(
            head_warmup_epochs=schedule.head_warmup_epochs if args.head_warmup is None else args.head_warmup,
            unfreeze_every=schedule.unfreeze_every if args.unfreeze_every is None else args.unfreeze_every)
    return config.replace(finetune=schedule)
