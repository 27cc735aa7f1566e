"""``python -m engine evaluate RUN_DIR [DATA_DIR] [--json FILE]``: how good the run's best model is.

Without DATA_DIR the run's own validation set (and test set, when it has one) is evaluated; with it, a new
labelled folder (one subfolder per class). The results are also written into the run folder
(``metrics.json``, ``evaluation/<set>/``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli.exit_codes import EXIT_OK
from engine.core.i18n import tr, trp


def register(sub: Any) -> None:
    parser = sub.add_parser("evaluate", help=tr("measure a trained run's model on labelled images"))
    parser.add_argument("run_dir")
    parser.add_argument("data_dir", nargs="?", metavar="DATA_DIR",
                        help=tr("a labelled folder to evaluate on (default: the run's validation/test images)"))
    parser.add_argument("--json", metavar="FILE", help=tr("write the figures as JSON ('-' for standard output)"))
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.core.atomic import write_output_file
    from engine.core.names import json_text
    from engine.core.output_files import check_output_file
    from engine.evaluation.evaluate import evaluate_run, require_model

    require_model(args.run_dir)
    if args.json and args.json != "-":
        check_output_file(args.json)  # before the evaluation, not after it
    evaluation = evaluate_run(args.run_dir, args.data_dir, device=args.device)
    summary = evaluation.summary()
    if args.json:
        text = json_text(summary)
        if args.json == "-":
            print(text)
        else:
            write_output_file(args.json, (text + "\n").encode("utf-8"))
    if args.json != "-":
        from engine.evaluation.assessment import assess_metrics, training_facts
        from engine.run.folder import RunFolder

        card = RunFolder(evaluation.run_dir).read_model_card()
        epoch = card.best_epoch if card is not None else None
        facts = training_facts(evaluation.run_dir)
        for result in evaluation.sets:
            print_set(result.title, result.metrics, epoch)
            for sentence in assess_metrics(result.metrics, facts).sentences:
                print(f"  {sentence}")
        print(tr("results written to {folder}", folder=evaluation.run_dir))
    for result in evaluation.sets:
        for note in result.notes:
            print(tr("warning: {message}", message=note), file=sys.stderr)
        for path, error in result.failed:
            print(tr("warning: {path} was left out: {error}", path=path, error=error), file=sys.stderr)
    return EXIT_OK


def print_set(title: str, m: dict[str, Any], epoch: int | None = None) -> None:
    from engine.run.listing import saved_model_label

    # English keeps "1 images": the line scripts read is unchanged (Korean has one form anyway).
    print(tr("{title}: {n} images", title=tr(title), n=m["n_images"]))
    print("  " + tr("{saved_model}   balanced accuracy {balanced:.1%}   macro F1 {f1:.3f}   ECE {ece:.3f}",
                    saved_model=saved_model_label(epoch, m["accuracy"], tr("accuracy")),
                    balanced=m["balanced_accuracy"], f1=m["macro_avg"]["f1"], ece=m["calibration"]["ece"]))
    if "binary" in m:
        b = m["binary"]
        auc = "—" if m["roc_auc"] is None else f"{m['roc_auc']:.3f}"
        print("  " + tr("positive class {name}: sensitivity {sensitivity}  specificity {specificity}  PPV {ppv}  "
                        "NPV {npv}  ROC AUC {auc}", name=b["positive_class"], sensitivity=_pct(b["sensitivity"]),
                        specificity=_pct(b["specificity"]), ppv=_pct(b["ppv"]), npv=_pct(b["npv"]), auc=auc))
    width = max(len(name) for name in m["per_class"])
    column = trp("evaluation table", "class")
    print("  " + tr("{class_column}  precision  recall      F1  support", class_column=f"{column:<{width}}"))
    for name, c in m["per_class"].items():
        print(f"  {name:<{width}}  {c['precision']:9.3f}  {c['recall']:6.3f}  {c['f1']:6.3f}  "
              f"{c['support']:7d}")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"
